"""Meeting minutes (会议纪要) as .docx (python-docx) and PDF (reportlab, the
built-in CID font STSong-Light, so no font file to ship). Both are drawn from
one outline, so they always say the same thing."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core import word

from . import selectors
from .models import Meeting

DOCX_TYPE = word.DOCX_TYPE


def outline(meeting: Meeting) -> list[tuple[str, str]]:
    """[(kind, text)]: kind is title, heading, line or para."""
    data = selectors.minutes_data(meeting)
    out = [("title", _("Minutes: %(t)s") % {"t": meeting.title})]
    out.append(("line", _("Time: %(t)s") % {"t": f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"}))
    out.append(("line", _("Place: %(p)s") % {"p": meeting.where or "—"}))
    out.append(("line", _("Community: %(c)s") % {"c": meeting.community.name}))
    out.append(("line", _("Kind: %(k)s · Status: %(s)s") % {"k": meeting.get_kind_display(),
                                                            "s": meeting.get_status_display()}))
    if meeting.host:
        out.append(("line", _("Chair: %(h)s") % {"h": meeting.host}))
    if meeting.recorder:
        out.append(("line", _("Recorded by: %(r)s") % {"r": meeting.recorder}))

    out.append(("heading", _("Attendees")))
    by_party: dict[str, list[str]] = {}
    taken = any(inv.attended is not None for inv in data["invitations"])
    for inv in data["invitations"]:
        if inv.attended or not taken:
            by_party.setdefault(inv.get_party_display(), []).append(inv.name)
    if by_party:
        for party, names in by_party.items():
            out.append(("line", f"{party}: {'、'.join(names)}"))
    else:
        out.append(("line", _("No attendance recorded.")))
    if data["absent"]:
        out.append(("line", _("Absent: %(n)s") % {"n": "、".join(i.name for i in data["absent"])}))

    out.append(("heading", _("Agenda")))
    for n, item in enumerate(data["items"], 1):
        out.append(("line", f"{n}. {item.matter.number} {item.matter.title}"))
    if not data["items"]:
        out.append(("line", _("No matters on the agenda.")))

    out.append(("heading", _("Decisions")))
    decided = [i for i in data["items"] if hasattr(i, "decision")]
    for item in decided:
        d = item.decision
        verdict = _("passed") if d.passed else _("not passed")
        out.append(("line", f"{item.matter.number} {item.matter.title}"))
        out.append(("para", d.text))
        out.append(("line", _("Votes: for %(f)d, against %(a)d, abstain %(b)d — %(v)s")
                    % {"f": d.votes_for, "a": d.votes_against, "b": d.votes_abstain, "v": verdict}))
    if not decided:
        out.append(("line", _("No decisions recorded.")))

    out.append(("heading", _("Follow-up tasks")))
    for t in data["tasks"]:
        out.append(("line", _("%(t)s — owner: %(o)s, deadline: %(d)s") % {
            "t": t.title, "o": t.owner_name, "d": f"{t.deadline:%Y-%m-%d}"}))
    if not data["tasks"]:
        out.append(("line", _("No tasks yet.")))

    if meeting.minutes:
        out.append(("heading", _("Minutes")))
        for para in meeting.minutes.splitlines():
            if para.strip():
                out.append(("para", para.strip()))
    return out


def minutes_docx(meeting: Meeting) -> bytes:
    doc = word.new_document(11)
    for kind, text in outline(meeting):
        if kind == "title":
            doc.add_heading(text, level=0)
        elif kind == "heading":
            doc.add_heading(text, level=1)
        else:
            doc.add_paragraph(text)
    doc.core_properties.title = meeting.title
    return word.to_bytes(doc)


def minutes_pdf(meeting: Meeting) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from core import pdf

    font = pdf.font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(meeting.title)
    width, height = A4
    left, right, top, bottom = 20 * mm, 20 * mm, 20 * mm, 20 * mm
    y = height - top
    sizes = {"title": 16, "heading": 13, "line": 10.5, "para": 10.5}
    for kind, text in outline(meeting):
        size = sizes[kind]
        gap = 6 if kind in ("title", "heading") else 2
        for line in pdf.wrap(text, width - left - right - (12 if kind == "para" else 0), size) or [""]:
            if y - size < bottom:
                c.showPage()
                y = height - top
            y -= size + gap
            c.setFont(font, size)
            x = left + (12 if kind == "para" else 0)
            if kind == "title":
                c.drawCentredString(width / 2, y, line)
            else:
                c.drawString(x, y, line)
        if kind == "title":
            y -= 6
    c.showPage()
    c.save()
    return buf.getvalue()
