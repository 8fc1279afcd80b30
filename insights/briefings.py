"""工作简报: weekly and monthly briefings for a scope as a Word document.

A briefing is read, not computed: every number in it comes from
`insights.figures` (compute, the breakdowns, by_week, service_sections) for the
scope's appeals, so it always agrees with the figures page. The scope is a
street, community or grid, or a unit (the appeals whistled to it as lead unit).

`briefing_build` only reads and renders; `briefing_generate` stores the file as
the one `Briefing` row for that scope and period (regenerating replaces the
file and bumps the version); `run_schedule` makes last week's briefings on
Mondays and last month's on the 1st, for every street and community.
"""

import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import user_scopes
from appeals.models import Appeal, Rating, Supervision, Whistle
from appeals.workflow import Satisfaction
from core.audit import audit
from core.errors import NotAllowed, NotFound, ValidationFailed
from intelligence.hot import hot_topics
from people.models import Unit
from regions.models import Region

from . import figures, selectors
from .models import Briefing

log = logging.getLogger(__name__)

WEEK, MONTH = Briefing.Kind.WEEK, Briefing.Kind.MONTH
SCOPE_LEVELS = (Region.Level.STREET, Region.Level.COMMUNITY, Region.Level.GRID)
EARLIEST_YEAR = 2000
NOTABLE_LIMIT = 5
TOP_LIMIT = 10
HOT_LIMIT = 5  # hot topics (intelligence.hot) in a briefing
TREND_WEEKS = 12

# The key-figures table, in this order (overdue is a snapshot of now, shown on its own line).
KEY_FIGURES: tuple[figures.Figure, ...] = tuple(f for f in figures.FIGURES if f is not figures.OVERDUE)


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class BriefingPeriod:
    """A calendar week (Monday to Sunday) or month, local days; `end` is the day after."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> "BriefingPeriod":
        return period_of(self.kind, self.start - dt.timedelta(days=1))

    def figures_period(self, now) -> figures.Period:
        return figures.make_period(self.start, self.end, now)

    @property
    def label(self) -> str:
        if self.kind == WEEK:
            year, week, _day = self.start.isocalendar()
            return _("%(year)d week %(week)d") % {"year": year, "week": week}
        return _("%(year)d month %(month)d") % {"year": self.start.year, "month": self.start.month}

    @property
    def dates(self) -> str:
        return _("%(first)s to %(last)s") % {"first": self.start.isoformat(), "last": self.last_day.isoformat()}

    def __str__(self) -> str:
        return self.label


def period_of(kind: str, day) -> BriefingPeriod:
    """The week or month holding `day` (a date or an ISO date string)."""
    if kind not in Briefing.Kind.values:
        raise ValidationFailed(_("Choose a weekly or a monthly briefing."), code="bad_kind")
    day = _to_date(day)
    if day.year < EARLIEST_YEAR:
        raise ValidationFailed(_("Choose a period from %(year)d on.") % {"year": EARLIEST_YEAR}, code="bad_period")
    if kind == WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return BriefingPeriod(WEEK, start, start + dt.timedelta(days=7))
    start = day.replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return BriefingPeriod(MONTH, start, end)


def last_complete_period(kind: str, today: dt.date) -> BriefingPeriod:
    """Last week (Monday to Sunday before `today`'s week) or last month."""
    if kind == WEEK:
        return period_of(WEEK, today - dt.timedelta(days=today.weekday() + 7))
    return period_of(MONTH, today.replace(day=1) - dt.timedelta(days=1))


def _to_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Enter the period as a date, e.g. 2026-03-02."), code="bad_period") from None


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---------------------------------------------------------------- scopes

def scope_key(scope) -> str:
    return f"unit:{scope.pk}" if isinstance(scope, Unit) else f"region:{scope.pk}"


def resolve_scope(scope) -> Region | Unit:
    """A Region (street, community or grid) or a Unit, or their key "region:12" / "unit:3"."""
    if isinstance(scope, Region):
        found = scope
    elif isinstance(scope, Unit):
        return scope
    else:
        kind, _sep, pk = str(scope or "").partition(":")
        if not pk.isdigit() or kind not in ("region", "unit"):
            raise ValidationFailed(_("Choose a street, community, grid or unit for the briefing."), code="bad_scope")
        model = Region if kind == "region" else Unit
        found = model.objects.filter(pk=int(pk)).first()
        if found is None:
            raise NotFound(_("That area or unit does not exist, or you cannot see it."), code="unknown_scope")
        if model is Unit:
            return found
    if found.level not in SCOPE_LEVELS:
        raise ValidationFailed(_("Briefings are made for a street, a community, a grid or a unit."), code="bad_scope")
    return found


def scope_appeals(scope) -> QuerySet[Appeal]:
    """Every appeal of the scope, as the figures page narrows them (a region's
    subtree, or appeals whistled to the unit as lead unit)."""
    if isinstance(scope, Unit):
        return Appeal.objects.filter(pk__in=Whistle.objects.filter(lead_unit=scope).values("appeal_id"))
    return Appeal.objects.filter(selectors.region_filter(scope))


def allowed_scopes(user) -> list[Region | Unit]:
    """The regions and units a user may make and read briefings for: as on the figures page."""
    if not selectors.can_see_figures(user):
        return []
    return list(selectors.scope_regions(user)) + list(selectors.scope_units(user))


def _check_scope(user, scope) -> None:
    if not selectors.can_see_figures(user):
        raise NotAllowed(_("Briefings are for street, community, grid and department staff."))
    if isinstance(scope, Unit):
        ok = selectors.scope_units(user).filter(pk=scope.pk).exists()
    else:
        ok = any(r.pk == scope.pk for r in selectors.scope_regions(user))
    if not ok:
        raise NotFound(_("That area or unit does not exist, or you cannot see it."), code="unknown_scope")


def visible_briefings(user) -> QuerySet[Briefing]:
    if not selectors.can_see_figures(user):
        return Briefing.objects.none()
    qs = Briefing.objects.select_related("region", "unit", "generated_by")
    if user_scopes(user).is_admin:
        return qs
    region_ids = [r.pk for r in selectors.scope_regions(user)]
    unit_ids = list(selectors.scope_units(user).values_list("pk", flat=True))
    return qs.filter(Q(region_id__in=region_ids) | Q(unit_id__in=unit_ids))


def briefing_list(user, *, kind: str = "") -> QuerySet[Briefing]:
    """The briefings page and its Excel export: the user's briefings, of one kind when a known
    one is asked for (anything else filters nothing), newest period first."""
    qs = visible_briefings(user)
    return qs.filter(kind=kind) if kind in Briefing.Kind.values else qs


def get_briefing(user, pk) -> Briefing:
    if not str(pk).isdigit():
        raise NotFound()
    found = visible_briefings(user).filter(pk=int(pk)).first()
    if found is None:
        raise NotFound()
    return found


# ---------------------------------------------------------------- what goes into the document

@dataclass
class FigureLine:
    """One figure this period and the previous one."""

    key: str
    label: str
    current: object  # int | Decimal | float | None
    previous: object
    current_display: str
    previous_display: str
    change: str
    is_rate: bool = False
    section: str = ""


@dataclass
class Case:
    number: str
    title: str
    category: str
    status: str
    note: str = ""


@dataclass
class BriefingData:
    scope: Region | Unit
    period: BriefingPeriod
    previous: BriefingPeriod
    now: dt.datetime
    title: str
    key_figures: list[FigureLine]
    overdue: figures.FigureValue
    services: list[FigureLine]
    weeks: list[figures.Week]
    breakdowns: list[figures.Breakdown]
    cases: dict[str, list[Case]] = field(default_factory=dict)
    summary: str = ""
    hot: list = field(default_factory=list)  # intelligence.hot.Topic

    @property
    def in_progress(self) -> bool:
        return self.period.end > timezone.localtime(self.now).date()

    def snapshot(self) -> dict:
        """The key figures as stored on the Briefing row (JSON)."""
        out = {line.key: _json_number(line.current) for line in self.key_figures}
        out[figures.OVERDUE.key] = self.overdue.count
        return out


def _json_number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _number(value):
    return value if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else None


def change_display(current, previous, *, is_rate: bool) -> str:
    """+3 / −2 / 0 for counts; percentage points for rates; — when either side has no value."""
    current, previous = _number(current), _number(previous)
    if current is None or previous is None:
        return figures.NO_VALUE
    diff = Decimal(str(current)) - Decimal(str(previous))
    if is_rate:
        diff = diff.quantize(Decimal("0.1"))
    elif diff == diff.to_integral_value():
        diff = diff.quantize(Decimal(1))
    text = f"+{diff}" if diff > 0 else (f"−{-diff}" if diff < 0 else "0")
    return _("%(change)s pts") % {"change": text} if is_rate else text


def _figure_lines(current: figures.Figures, previous: figures.Figures) -> list[FigureLine]:
    lines = []
    for f in KEY_FIGURES:
        cur, prev = current[f.key], previous[f.key]
        lines.append(FigureLine(f.key, str(f.label), cur.value, prev.value, cur.display, prev.display,
                                change_display(cur.value, prev.value, is_rate=f.is_rate), f.is_rate))
    return lines


def _service_lines(current: list[dict], previous: list[dict]) -> list[FigureLine]:
    before = {row["name"]: row for section in previous for row in section["figures"]}
    lines = []
    for section in current:
        for row in section["figures"]:
            prev = before.get(row["name"], {})
            lines.append(FigureLine(row["name"], str(row["label"]), row["value"], prev.get("value"),
                                    str(row["display"]), str(prev.get("display", figures.NO_VALUE)),
                                    change_display(row["value"], prev.get("value"), is_rate=False),
                                    section=str(section["title"])))
    return lines


def _by_grid(appeals: QuerySet[Appeal], period: figures.Period) -> figures.Breakdown:
    """Grids ranked like the communities on the figures page, with the same columns."""
    columns = figures.BY_COMMUNITY_COLUMNS
    rows = figures._grouped(appeals, period, columns, ["grid_id", "grid__name"], lambda r: r["grid__name"],
                            "received", TOP_LIMIT)
    return figures.Breakdown("grid", _("By grid (top %(n)d)") % {"n": TOP_LIMIT}, columns, rows)


def _case(appeal: Appeal, note: str = "") -> Case:
    """Titles only: no names, phones or addresses go into a briefing."""
    return Case(appeal.number or str(appeal.pk), appeal.title, appeal.category.name, str(appeal.get_status_display()),
                note)


def notable_cases(appeals: QuerySet[Appeal], period: figures.Period) -> dict[str, list[Case]]:
    base = appeals.select_related("category")
    solved = base.filter(figures.SOLVED_BY_WHISTLE.rows(period)).order_by("-closed_at", "-id")[:NOTABLE_LIMIT]
    overdue = (base.filter(figures.OVERDUE.rows(period))
               .annotate(due=Coalesce("resolve_due", "response_due"))
               .order_by(F("due").asc(nulls_last=True), "id")[:NOTABLE_LIMIT])
    supervised_ids = (Supervision.objects.filter(appeal__in=appeals).filter(period.within("created_at"))
                      .values("appeal_id"))
    supervised = base.filter(pk__in=supervised_ids).order_by("-created_at", "-id")[:NOTABLE_LIMIT]
    low_ids = (Rating.objects.filter(appeal__in=appeals, satisfaction=Satisfaction.DISSATISFIED)
               .filter(period.within("at")).values("appeal_id"))
    low = base.filter(pk__in=low_ids).order_by("-created_at", "-id")[:NOTABLE_LIMIT]

    def overdue_note(a):
        due = a.due
        if due is None:
            return ""
        return _("due %(date)s") % {"date": timezone.localtime(due).date().isoformat()}

    return {
        "solved_by_whistle": [_case(a) for a in solved],
        "longest_overdue": [_case(a, overdue_note(a)) for a in overdue],
        "supervised": [_case(a) for a in supervised],
        "low_ratings": [_case(a) for a in low],
    }


CASE_HEADINGS = {
    "solved_by_whistle": gettext_lazy("Difficult cases solved by whistling (吹哨)"),
    "longest_overdue": gettext_lazy("Longest overdue"),
    "supervised": gettext_lazy("Supervised (督办) in the period"),
    "low_ratings": gettext_lazy("Rated dissatisfied in the period"),
}


def briefing_title(scope, period: BriefingPeriod) -> str:
    return _("%(scope)s work briefing (工作简报) %(period)s") % {"scope": scope.name, "period": period.label}


def _summary(data: BriefingData, current: figures.Figures, top_category: str | None) -> str:
    by_key = {line.key: line for line in data.key_figures}
    text = _(
        "In %(period)s, %(scope)s received %(received)s appeals (%(received_change)s on the previous period) and "
        "handled %(handled)s. Appeals were whistled (吹哨) to units %(whistles)s times, units filed %(answers)s "
        "answers (答卷), and %(solved)s difficult cases were solved by whistling. Response rate %(response)s, "
        "resolution rate %(resolution)s, satisfaction rate %(satisfaction)s. %(overdue)s appeals are overdue "
        "right now."
    ) % {
        "period": data.period.label, "scope": data.scope.name,
        "received": current["received"].display, "received_change": by_key["received"].change,
        "handled": current["handled"].display, "whistles": current["whistles"].display,
        "answers": current["answers"].display, "solved": current["solved_by_whistle"].display,
        "response": current["response_rate"].display, "resolution": current["resolution_rate"].display,
        "satisfaction": current["satisfaction_rate"].display, "overdue": data.overdue.display,
    }
    if top_category:
        text += " " + _("The most frequent category was %(category)s.") % {"category": top_category}
    if data.in_progress:
        text += " " + _("The period is not over yet: the figures are as of %(now)s.") % {
            "now": timezone.localtime(data.now).strftime("%Y-%m-%d %H:%M")}
    return text


def collect(scope, period: BriefingPeriod, now: dt.datetime) -> BriefingData:
    """Everything the document shows, read from insights.figures."""
    appeals = scope_appeals(scope)
    unit = scope if isinstance(scope, Unit) else None
    previous = period.previous()
    this_p, prev_p = period.figures_period(now), previous.figures_period(now)
    current = figures.compute(appeals, this_p, unit=unit)
    before = figures.compute(appeals, prev_p, unit=unit)
    services: list[FigureLine] = []
    if unit is None:
        community_ids = selectors.community_ids(None, scope)
        services = _service_lines(figures.service_sections(community_ids, this_p),
                                  figures.service_sections(community_ids, prev_p))
    categories = figures.by_category(appeals, this_p, limit=TOP_LIMIT)
    breakdowns = [categories]
    if unit is None and scope.level == Region.Level.STREET:
        breakdowns.append(figures.by_community(appeals, this_p))
    if unit is None and scope.level in (Region.Level.STREET, Region.Level.COMMUNITY):
        breakdowns.append(_by_grid(appeals, this_p))
    breakdowns.append(figures.by_unit(appeals, this_p, unit))
    data = BriefingData(
        scope=scope, period=period, previous=previous, now=now, title=briefing_title(scope, period),
        key_figures=_figure_lines(current, before), overdue=current[figures.OVERDUE.key], services=services,
        weeks=figures.by_week(appeals, weeks=TREND_WEEKS, until=period.last_day, now=now),
        breakdowns=breakdowns, cases=notable_cases(appeals, this_p),
    )
    data.summary = _summary(data, current, categories.rows[0].label if categories.rows else None)
    data.hot = hot_topics(appeals, start=this_p.start, end=this_p.end, limit=HOT_LIMIT)
    return data


# ---------------------------------------------------------------- charts (Pillow)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
RED, GREEN, GREY, INK, GRID_LINE = (179, 38, 30), (46, 125, 50), (120, 120, 120), (33, 33, 33), (225, 225, 225)


def font_has_cjk(path: str) -> bool:
    """True when the font draws real glyphs for Chinese, not the empty box."""
    from PIL import ImageFont

    try:
        font = ImageFont.truetype(path, 24)
    except OSError:
        return False

    def glyph(text):
        mask = font.getmask(text)
        return mask.size, bytes(mask)

    missing = glyph("\U0010fffd")
    a, b = glyph("邻"), glyph("里")
    return a != b and missing not in (a, b) and a[0][0] > 0


@lru_cache(maxsize=4)
def _find_cjk_font(candidates: tuple[str, ...]) -> str | None:
    for path in candidates:
        if path and Path(path).is_file() and font_has_cjk(path):
            return path
    return None


def find_cjk_font() -> str | None:
    """A font on this machine that can write Chinese (settings.BRIEFING_FONT first), or None."""
    preferred = getattr(settings, "BRIEFING_FONT", "") or ""
    return _find_cjk_font((preferred, *FONT_CANDIDATES))


@dataclass(frozen=True)
class Chart:
    png: bytes
    labelled: bool  # False: no text in the image; the document carries the labels


def _font(path, size):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def chart_weeks(weeks: list[figures.Week], font_path: str | None) -> Chart:
    """Received (red) and closed (green) per week, as pairs of bars."""
    from PIL import Image, ImageDraw

    width, height = 1600, 800
    left, right, top, bottom = 90, 40, 90 if font_path else 40, 90 if font_path else 40
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(w.received.count, w.closed.count) for w in weeks), default=0) or 1
    small = _font(font_path, 22) if font_path else None
    for i in range(5):
        y = top + plot_h - plot_h * i // 4
        draw.line([(left, y), (width - right, y)], fill=GRID_LINE, width=2)
        if small:
            draw.text((left - 12, y), str(round(peak * i / 4)), fill=GREY, font=small, anchor="rm")
    slot = plot_w / max(len(weeks), 1)
    bar = slot * 0.34
    for i, w in enumerate(weeks):
        x0 = left + i * slot + slot * 0.14
        for j, (value, colour) in enumerate(((w.received.count, RED), (w.closed.count, GREEN))):
            h = plot_h * value / peak
            bx = x0 + j * bar
            if h:
                draw.rectangle([bx, top + plot_h - h, bx + bar - 4, top + plot_h], fill=colour)
            if small and value:
                draw.text((bx + bar / 2 - 2, top + plot_h - h - 6), str(value), fill=INK, font=small, anchor="md")
        if small:
            draw.text((left + i * slot + slot / 2, top + plot_h + 14), w.start.strftime("%m-%d"), fill=GREY,
                      font=small, anchor="ma")
    draw.line([(left, top + plot_h), (width - right, top + plot_h)], fill=INK, width=2)
    if font_path:
        legend = _font(font_path, 26)
        x = left
        for text, colour in ((_("Received"), RED), (_("Closed"), GREEN)):
            draw.rectangle([x, 30, x + 26, 56], fill=colour)
            draw.text((x + 36, 43), text, fill=INK, font=legend, anchor="lm")
            x += 60 + int(draw.textlength(text, font=legend)) + 40
    return Chart(_png(img), labelled=bool(font_path))


def chart_categories(breakdown: figures.Breakdown, font_path: str | None) -> Chart:
    """Appeals received per category, longest bar first."""
    from PIL import Image, ImageDraw

    rows = breakdown.rows
    row_h = 64
    width = 1600
    height = max(len(rows), 1) * row_h + 60
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = _font(font_path, 26) if font_path else None
    left = 520 if font else 40
    right = 120 if font else 40
    peak = max((r.cells[0].count for r in rows), default=0) or 1
    for i, row in enumerate(rows):
        y = 30 + i * row_h
        value = row.cells[0].count
        length = (width - left - right) * value / peak
        if length:
            draw.rectangle([left, y + 10, left + length, y + row_h - 10], fill=RED)
        if font:
            label = row.label if draw.textlength(row.label, font=font) <= left - 40 else row.label[:16] + "…"
            draw.text((left - 16, y + row_h / 2), label, fill=INK, font=font, anchor="rm")
            draw.text((left + length + 12, y + row_h / 2), str(value), fill=INK, font=font, anchor="lm")
    return Chart(_png(img), labelled=bool(font_path))


def _png(img) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ---------------------------------------------------------------- the Word document (python-docx)

DOCX_FONT = "Microsoft YaHei"  # Word's usual Chinese UI font; LibreOffice/WPS substitute their own


def _set_fonts(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.name = DOCX_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), DOCX_FONT)
    document.styles["Normal"].font.size = Pt(10.5)


# Style ids of python-docx's default template, set directly: looking styles up by
# name walks the whole style sheet on every paragraph.
TITLE, HEADING = "Title", {1: "Heading1", 2: "Heading2"}
BULLET, CAPTION, GRID = "ListBullet", "Caption", "TableGrid"


def _para(document, text: str, style_id: str | None = None):
    paragraph = document.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _heading(document, text: str, level: int):
    return _para(document, text, TITLE if level == 0 else HEADING[level])


def _table(document, header: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table._tbl.tblStyle_val = GRID
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = str(text)
    return table


def render_docx(data: BriefingData, font_path: str | None) -> bytes:
    """The document, in this order: title, period, summary, key figures, service
    figures, charts, rankings, notable cases, definitions."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    _set_fonts(document)
    props = document.core_properties
    props.title = data.title
    props.subject = f"{scope_key(data.scope)} {data.period.kind} {data.period.start.isoformat()}"
    props.author = _("Linli")
    props.created = data.now

    _heading(document, data.title, level=0)
    document.add_paragraph(_("Period: %(dates)s. Compared with %(previous)s (%(previous_dates)s).") % {
        "dates": data.period.dates, "previous": data.previous.label, "previous_dates": data.previous.dates})
    document.add_paragraph(_("Generated at %(now)s.") % {"now": timezone.localtime(data.now).strftime("%Y-%m-%d %H:%M")})

    _heading(document, _("Summary"), level=1)
    document.add_paragraph(data.summary)

    _heading(document, _("Key figures"), level=1)
    header = [_("Figure"), _("This period"), _("Previous period"), _("Change")]
    _table(document, header, [[line.label, line.current_display, line.previous_display, line.change]
                              for line in data.key_figures])
    document.add_paragraph(_("%(label)s: %(value)s (a snapshot of now).") % {
        "label": figures.OVERDUE.label, "value": data.overdue.display})
    document.add_paragraph(str(figures.PERIOD_NOTE))

    if data.services:
        _heading(document, _("Services, volunteering, mediation and visits"), level=1)
        _table(document, [_("Area of work"), *header],
               [[line.section, line.label, line.current_display, line.previous_display, line.change]
                for line in data.services])

    _heading(document, _("Charts"), level=1)
    trend = chart_weeks(data.weeks, font_path)
    document.add_picture(io.BytesIO(trend.png), width=Cm(16))
    caption = _("Appeals received (red) and closed (green) per week, the last %(n)d weeks.") % {"n": len(data.weeks)}
    _para(document, caption, CAPTION)
    if not trend.labelled:
        _table(document, [_("Week from"), _("Received"), _("Closed")],
               [[w.start.isoformat(), w.received.display, w.closed.display] for w in data.weeks])
    categories = data.breakdowns[0]
    if any(row.cells[0].count for row in categories.rows):
        chart = chart_categories(categories, font_path)
        document.add_picture(io.BytesIO(chart.png), width=Cm(16))
        _para(document, _("Appeals received per category, top to bottom as in the table below."), CAPTION)

    _heading(document, _("Rankings"), level=1)
    for breakdown in data.breakdowns:
        _heading(document, str(breakdown.title), level=2)
        if not breakdown.rows:
            document.add_paragraph(_("Nothing in this period."))
            continue
        _table(document, [_("Name"), *[str(c.label) for c in breakdown.columns]],
               [[row.label, *[cell.display for cell in row.cells]] for row in breakdown.rows])

    _heading(document, _("Hot topics"), level=1)
    if not data.hot:
        document.add_paragraph(_("No hot topic in this period: no group of similar appeals."))
    else:
        _table(document, [_("Topic"), _("Appeals"), _("Previous period"), _("Trend"), _("Support"), _("Places")],
               [[t.title, str(t.count), str(t.previous), f"{t.trend_label} {t.change}", str(t.support),
                 "、".join(name for name, _n in t.places)] for t in data.hot])

    _heading(document, _("Notable cases"), level=1)
    for key, cases in data.cases.items():
        _heading(document, str(CASE_HEADINGS[key]), level=2)
        if not cases:
            document.add_paragraph(_("None."))
        for case in cases:
            extra = f"；{case.note}" if case.note else ""
            _para(document, f"{case.number} {case.title}（{case.category}，{case.status}{extra}）", BULLET)

    _heading(document, _("How the figures are defined"), level=1)
    for f in KEY_FIGURES + (figures.OVERDUE,):
        _para(document, str(f.definition), BULLET)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class BuiltBriefing:
    title: str
    content: bytes
    data: BriefingData


def briefing_build(scope, kind: str, start, now: dt.datetime | None = None, *,
                   language: str | None = None) -> BuiltBriefing:
    """A .docx for the scope (Region or Unit, or "region:ID"/"unit:ID") and the
    week or month holding `start`. Written in the site language (Chinese) unless
    told otherwise; the period may be under way but not in the future."""
    now = now or timezone.now()
    scope = resolve_scope(scope)
    period = period_of(kind, start)
    if period.start > timezone.localtime(now).date():
        raise ValidationFailed(_("That period has not begun yet: choose this week or month or an earlier one."),
                               code="future_period")
    with translation.override(language or settings.LANGUAGE_CODE):
        data = collect(scope, period, now)
        content = render_docx(data, find_cjk_font())
    return BuiltBriefing(data.title, content, data)


# ---------------------------------------------------------------- storing

def _file_name(scope, period: BriefingPeriod) -> str:
    return f"briefing-{scope_key(scope).replace(':', '-')}-{period.kind}-{period.start.isoformat()}.docx"


def _scope_filter(scope) -> dict:
    return {"unit": scope, "region": None} if isinstance(scope, Unit) else {"region": scope, "unit": None}


def briefing_generate(*, actor, scope, kind: str, start, now: dt.datetime | None = None) -> Briefing:
    """Build and store the briefing; `actor` None is the schedule. The row for
    the same scope and period is replaced (new file, version + 1), never doubled."""
    now = now or timezone.now()
    scope = resolve_scope(scope)
    if actor is not None:
        _check_scope(actor, scope)
    built = briefing_build(scope, kind, start, now)
    period = built.data.period
    fields = {
        "period_end": period.end, "title": built.title[:200], "size": len(built.content),
        "summary": built.data.snapshot(), "generated_by": actor if actor is not None else None, "created_at": now,
    }
    key = {**_scope_filter(scope), "kind": period.kind, "period_start": period.start}
    stored = Briefing(**key, **fields)
    stored.file.save(_file_name(scope, period), ContentFile(built.content), save=False)
    new_name = stored.file.name
    try:
        with transaction.atomic():
            briefing, old_name = _store(key, fields, new_name, actor, scope, period)
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: _delete_file(old_name))
    except Exception:
        _delete_file(new_name)
        raise
    return briefing


def _store(key: dict, fields: dict, new_name: str, actor, scope, period) -> tuple[Briefing, str]:
    existing = Briefing.objects.select_for_update(of=("self",)).filter(**key).order_by("pk").first()
    if existing is None:
        try:
            with transaction.atomic():
                briefing = Briefing.objects.create(**key, **fields, file=new_name)
        except IntegrityError:
            # Someone made the same briefing at the same moment: replace theirs.
            existing = Briefing.objects.select_for_update(of=("self",)).filter(**key).order_by("pk").first()
            if existing is None:
                raise
        else:
            audit(actor=actor, action="briefing.generate", obj=briefing,
                  after={"scope": scope_key(scope), "kind": period.kind, "period_start": period.start.isoformat(),
                         "version": 1},
                  note="schedule" if actor is None else "")
            return briefing, ""
    old_name = existing.file.name
    before = {"version": existing.version, "file": old_name, "generated_by": existing.generated_by_id}
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.file.name = new_name
    existing.version += 1
    existing.save()
    audit(actor=actor, action="briefing.replace", obj=existing, before=before,
          after={"version": existing.version, "file": new_name, "generated_by": existing.generated_by_id},
          fields=["file", "version", "summary", "generated_by", "created_at"],
          note="schedule" if actor is None else "")
    return existing, old_name


def _delete_file(name: str) -> None:
    from django.core.files.storage import default_storage

    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:  # already gone: nothing to clean
        log.warning("briefing file %s could not be deleted", name)


def briefing_download(*, actor, pk) -> Briefing:
    """The briefing the user may see; every download is audited."""
    briefing = get_briefing(actor, pk)
    with transaction.atomic():
        audit(actor=actor, action="briefing.download", obj=briefing,
              after={"version": briefing.version, "file": briefing.file.name})
    return briefing


# ---------------------------------------------------------------- the schedule

def schedule_scopes() -> list[Region]:
    """Every street and every community, in code order."""
    return list(Region.objects.filter(level__in=[Region.Level.STREET, Region.Level.COMMUNITY]).order_by("code"))


def due_periods(today: dt.date) -> list[BriefingPeriod]:
    """Mondays: last week; the 1st: last month (both when a Monday is the 1st)."""
    due = []
    if today.weekday() == 0:
        due.append(last_complete_period(WEEK, today))
    if today.day == 1:
        due.append(last_complete_period(MONTH, today))
    return due


def run_schedule(now: dt.datetime | None = None) -> dict[str, int]:
    """Make the due briefings that do not exist yet as complete documents (made
    after their period ended), so running again the same day makes none twice."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    tally = {"generated": 0, "skipped": 0, "failed": 0}
    periods = due_periods(today)
    if not periods:
        return tally
    for period in periods:
        for region in schedule_scopes():
            done = Briefing.objects.filter(region=region, unit=None, kind=period.kind, period_start=period.start,
                                           created_at__gte=_local_midnight(period.end)).exists()
            if done:
                tally["skipped"] += 1
                continue
            try:
                briefing_generate(actor=None, scope=region, kind=period.kind, start=period.start, now=now)
            except Exception:  # one scope's failure must not stop the others; logged for the operators
                log.exception("briefing for %s %s %s failed", region.pk, period.kind, period.start)
                tally["failed"] += 1
            else:
                tally["generated"] += 1
    return tally
