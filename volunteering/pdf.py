"""The hours certificate as a PDF, drawn from the certificate's frozen copy so the
same code always prints the same document. Chinese text uses reportlab's
built-in CID font STSong-Light: no font file to ship or find."""

import io

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.pdf import fit, wrap
from core.pdf import font as cjk_font

from .models import HoursCertificate

RED = (0.70, 0.15, 0.12)


def _qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    qr = segno.make(data, error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    cell = size / n
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def _period(cert: HoursCertificate) -> str:
    if cert.period_start and cert.period_end:
        return f"{cert.period_start:%Y-%m-%d} — {cert.period_end:%Y-%m-%d}"
    if cert.period_start:
        return _("from %(d)s") % {"d": f"{cert.period_start:%Y-%m-%d}"}
    if cert.period_end:
        return _("until %(d)s") % {"d": f"{cert.period_end:%Y-%m-%d}"}
    return _("all recorded service")


def certificate_pdf(cert: HoursCertificate, verify_url: str) -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{_('Volunteer service hours certificate')} {cert.code}")
    c.setAuthor(cert.community.name if cert.community_id else "Linli")
    c.setSubject(cert.code)
    width, height = A4
    left, right = 22 * mm, width - 22 * mm
    issued = timezone.localtime(cert.issued_at)

    def frame():
        c.setStrokeColorRGB(*RED)
        c.setLineWidth(2)
        c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        c.setFont(font, 8)
        c.setFillColorRGB(0.4, 0.4, 0.4)
        c.drawString(left, 16 * mm, f"{_('Verification code')}: {cert.code}    {verify_url}")
        c.setFillColorRGB(0, 0, 0)

    frame()
    y = height - 36 * mm
    c.setFillColorRGB(*RED)
    c.setFont(font, 24)
    c.drawCentredString(width / 2, y, _("Volunteer service hours certificate"))
    c.setFillColorRGB(0, 0, 0)
    y -= 8 * mm
    c.setFont(font, 10)
    c.drawCentredString(width / 2, y, f"{_('No.')} {cert.code}")

    y -= 14 * mm
    c.setFont(font, 13)
    ident = f"（{_('ID number')} {cert.id_number_masked}）" if cert.id_number_masked else ""
    text = _("%(name)s%(ident)s has taken part in the volunteer service listed below, for %(hours)s hours in total "
             "(%(period)s). The hours are counted from real check-in and check-out times.") % {
        "name": cert.holder_name, "ident": ident, "hours": cert.total_hours, "period": _period(cert)}
    for line in wrap(text, right - left, 13):
        c.drawString(left, y, line)
        y -= 7.5 * mm

    y -= 4 * mm
    cols = [(left, _("Date"), 28 * mm), (left + 28 * mm, _("Activity"), 86 * mm),
            (left + 114 * mm, _("Community"), 32 * mm), (right, _("Hours"), 0)]

    def header(y):
        c.setFont(font, 10)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        for x, label, _w in cols[:-1]:
            c.drawString(x, y, label)
        c.drawRightString(right, y, cols[-1][1])
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        c.setLineWidth(0.5)
        c.line(left, y - 2 * mm, right, y - 2 * mm)
        return y - 7 * mm

    y = header(y)
    c.setFont(font, 10)
    for item in cert.items:
        if y < 70 * mm:
            c.showPage()
            frame()
            y = header(height - 30 * mm)
            c.setFont(font, 10)
        c.drawString(cols[0][0], y, str(item.get("date", "")))
        c.drawString(cols[1][0], y, fit(str(item.get("title", "")), cols[1][2] - 3 * mm, 10))
        c.drawString(cols[2][0], y, fit(str(item.get("community", "")), cols[2][2] - 3 * mm, 10))
        c.drawRightString(right, y, str(item.get("hours", "")))
        y -= 6.5 * mm
    c.line(left, y + 3 * mm, right, y + 3 * mm)
    c.setFont(font, 11)
    c.drawString(left, y - 2 * mm, _("Total"))
    c.drawRightString(right, y - 2 * mm, f"{cert.total_hours} {_('hours')}")

    # Issuer, date, and how to check it.
    base = 24 * mm
    qr_size = 32 * mm
    _qr(c, verify_url, right - qr_size, base, qr_size)
    c.setFont(font, 12)
    if cert.community_id:
        c.drawString(left, base + 24 * mm, f"{_('Issued by')}: {cert.community.name}")
    c.drawString(left, base + 17 * mm, f"{_('Issued on')}: {issued:%Y-%m-%d}")
    c.setFont(font, 10)
    c.drawString(left, base + 9 * mm, f"{_('Verification code')}: {cert.code}")
    c.drawString(left, base + 3 * mm, fit(f"{_('Check it at')}: {verify_url}", right - left - qr_size - 4 * mm, 10))
    if cert.revoked_at:
        c.saveState()
        c.setFillColorRGB(*RED)
        c.setFont(font, 48)
        c.translate(width / 2, height / 2)
        c.rotate(30)
        c.drawCentredString(0, 0, _("REVOKED"))
        c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()
