"""The mediation agreement (人民调解协议书) to print and sign: .docx via python-docx
or PDF via reportlab's built-in CID font STSong-Light. Drawn from the stored
agreement, so the same agreement always prints the same text."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core import word

from .models import Agreement

FORMATS = {"docx": word.DOCX_TYPE, "pdf": "application/pdf"}


def filename(agreement: Agreement, fmt: str) -> str:
    return f"agreement-{agreement.dispute.number}-{agreement.sequence}.{fmt}"


def _content(agreement: Agreement) -> dict:
    dispute = agreement.dispute
    parties = list(dispute.parties.all())
    mediators = list(dispute.mediators.all())
    return {
        "title": _("People's mediation agreement"),
        "number": f"{_('No.')} {agreement.number}",
        "parties": [f"{p.get_role_display()}：{p.name}" + (f"　{_('Phone')}：{p.phone}" if p.phone else "")
                    for p in parties],
        "facts_h": _("Facts of the dispute"),
        "facts": agreement.facts,
        "terms_h": _("Agreed terms"),
        "terms": [t for t in (line.strip() for line in agreement.terms.splitlines()) if t],
        "closing": _("Both parties agree to the terms above of their own free will. The agreement takes effect once "
                     "signed by the parties and the mediators. Each party, and the mediation committee, keeps one "
                     "copy."),
        "mediators": "、".join(f"{m.name}（{m.get_kind_display()}）" for m in mediators),
        "committee": f"{dispute.community.name} {_('People’s Mediation Committee')}",
        "signatures": [f"{p.get_role_display()}（{_('signature')}）：" for p in parties]
                      + [f"{_('Mediators')}（{_('signature')}）："],
        "date": f"{timezone.localtime(agreement.generated_at):%Y-%m-%d}",
        "mediators_label": _("Mediators"),
        "date_label": _("Date"),
        "parties_h": _("Parties"),
    }


def docx_bytes(agreement: Agreement) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    c = _content(agreement)
    doc = word.new_document(12)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(c["title"])
    run.bold, run.font.size = True, Pt(20)
    number = doc.add_paragraph(c["number"])
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph().add_run(c["parties_h"]).bold = True
    for line in c["parties"]:
        doc.add_paragraph(line)
    doc.add_paragraph().add_run(c["facts_h"]).bold = True
    doc.add_paragraph(c["facts"])
    doc.add_paragraph().add_run(c["terms_h"]).bold = True
    for i, term in enumerate(c["terms"], 1):
        doc.add_paragraph(f"{i}. {term}")
    doc.add_paragraph(c["closing"])
    doc.add_paragraph(f"{c['mediators_label']}：{c['mediators']}")
    doc.add_paragraph("")
    for line in c["signatures"]:
        doc.add_paragraph(line)
        doc.add_paragraph("")
    end = doc.add_paragraph(f"{c['committee']}\n{c['date_label']}：{c['date']}")
    end.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return word.to_bytes(doc)


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Each line of `text` wrapped by width; a blank line stays a blank line."""
    from core.pdf import wrap

    return [part for paragraph in text.splitlines() or [""] for part in wrap(paragraph, width, size) or [""]]


def pdf_bytes(agreement: Agreement) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from core.pdf import font

    cjk = font()
    c = _content(agreement)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{c['title']} {agreement.number}")
    width, height = A4
    left, right = 22 * mm, width - 22 * mm
    y = height - 30 * mm

    def line(text: str, size: float = 12, gap: float = 7 * mm, centre: bool = False):
        nonlocal y
        pdf.setFont(cjk, size)
        for part in _wrap(text, right - left, size):
            if y < 25 * mm:
                pdf.showPage()
                y = height - 25 * mm
                pdf.setFont(cjk, size)
            if centre:
                pdf.drawCentredString(width / 2, y, part)
            else:
                pdf.drawString(left, y, part)
            y -= gap

    line(c["title"], 20, 10 * mm, centre=True)
    pdf.setFont(cjk, 10)
    pdf.drawRightString(right, y, c["number"])
    y -= 10 * mm
    line(c["parties_h"], 13)
    for p in c["parties"]:
        line(p)
    y -= 3 * mm
    line(c["facts_h"], 13)
    line(c["facts"])
    y -= 3 * mm
    line(c["terms_h"], 13)
    for i, term in enumerate(c["terms"], 1):
        line(f"{i}. {term}")
    y -= 3 * mm
    line(c["closing"])
    line(f"{c['mediators_label']}：{c['mediators']}")
    y -= 6 * mm
    for s in c["signatures"]:
        line(s, gap=14 * mm)
    pdf.setFont(cjk, 12)
    pdf.drawRightString(right, max(y, 30 * mm), c["committee"])
    pdf.drawRightString(right, max(y, 30 * mm) - 7 * mm, f"{c['date_label']}：{c['date']}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def render(agreement: Agreement, fmt: str) -> tuple[bytes, str]:
    if fmt == "docx":
        return docx_bytes(agreement), FORMATS["docx"]
    return pdf_bytes(agreement), FORMATS["pdf"]
