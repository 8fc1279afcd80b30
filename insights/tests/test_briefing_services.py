"""Storing briefings: one row per scope and period, replaced cleanly, audited,
scoped like the figures page; and the schedule (Mondays, the 1st, idempotent)."""

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from docx import Document

from core.errors import NotAllowed, NotFound
from core.models import AuditLog
from insights import briefings as B
from insights.models import Briefing
from insights.tasks import briefings_task

from .street import NOW, START, TZ, module_street_fixtures


street, world = module_street_fixtures()


def at(y, m, d, hour=2):
    return dt.datetime(y, m, d, hour, 0, tzinfo=TZ)


def test_generating_stores_the_document_and_audits_it(street):
    staff = street.world.users["street_staff"]
    briefing = B.briefing_generate(actor=staff, scope=street.world.street, kind="month", start=START, now=NOW)
    assert (briefing.region, briefing.unit, briefing.kind) == (street.world.street, None, "month")
    assert (briefing.period_start, briefing.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert briefing.generated_by == staff and briefing.version == 1 and briefing.created_at == NOW
    assert briefing.summary["received"] == 13 and briefing.summary["overdue"] == 2
    with briefing.file.open("rb") as handle:
        content = handle.read()
    assert briefing.size == len(content)
    assert Document(io.BytesIO(content)).core_properties.title == briefing.title
    log = AuditLog.objects.get(action="briefing.generate")
    assert log.actor == staff and log.object_id == str(briefing.pk)
    assert log.after["scope"] == f"region:{street.world.street.pk}" and log.after["version"] == 1


def test_generating_again_replaces_the_file_and_bumps_the_version(street, django_capture_on_commit_callbacks):
    staff, other = street.world.users["street_staff"], street.world.users["community_staff"]
    community = street.world.communities[0]
    first = B.briefing_generate(actor=staff, scope=community, kind="week", start=dt.date(2026, 3, 3), now=NOW)
    old_name = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        again = B.briefing_generate(actor=other, scope=f"region:{community.pk}", kind="week",
                                    start=dt.date(2026, 3, 8), now=NOW + dt.timedelta(hours=1))
    assert again.pk == first.pk and again.version == 2 and again.generated_by == other
    assert Briefing.objects.count() == 1
    assert again.file.name != old_name
    assert default_storage.exists(again.file.name) and not default_storage.exists(old_name)
    log = AuditLog.objects.get(action="briefing.replace")
    assert log.before["version"] == 1 and log.after["version"] == 2 and log.actor == other


def test_weekly_monthly_and_unit_briefings_are_separate_rows(street):
    staff = street.world.users["street_staff"]
    B.briefing_generate(actor=staff, scope=street.world.street, kind="week", start=START, now=NOW)
    B.briefing_generate(actor=staff, scope=street.world.street, kind="month", start=START, now=NOW)
    B.briefing_generate(actor=staff, scope=street.world.units[0], kind="month", start=START, now=NOW)
    assert Briefing.objects.count() == 3
    assert Briefing.objects.get(unit=street.world.units[0]).region is None


def test_bad_input_saves_nothing(street, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # its own folder: the other test worker writes briefings too
    staff = street.world.users["street_staff"]
    files_before = _files()
    for kwargs in ({"scope": "region:0", "kind": "week", "start": START},
                   {"scope": street.world.street, "kind": "quarter", "start": START},
                   {"scope": street.world.street, "kind": "week", "start": dt.date(2026, 5, 1)}):
        with pytest.raises((NotFound, B.ValidationFailed)):
            B.briefing_generate(actor=staff, now=NOW, **kwargs)
    assert not Briefing.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="briefing.").exists()
    assert _files() == files_before


def _files() -> set[str]:
    return {f"{d}/{name}" for d, files in _walk("briefings") for name in files} if default_storage.exists(
        "briefings") else set()


def _walk(top):
    dirs, files = default_storage.listdir(top)
    yield top, files
    for d in dirs:
        yield from _walk(f"{top}/{d}")


# ---------------------------------------------------------------- who may make and read briefings

@pytest.mark.parametrize(("user", "scope", "allowed"), [
    ("street_staff", "street", True),
    ("street_staff", "community1", True),
    ("street_staff", "unit0", True),
    ("community_staff", "community0", True),
    ("community_staff", "grid0", True),
    ("community_staff", "community1", False),
    ("community_staff", "street", False),
    ("grid_worker", "grid0", True),
    ("grid_worker", "grid1", False),
    ("unit_handler", "unit0", True),
    ("unit_handler", "unit1", False),
    ("unit_handler", "street", False),
])
def test_who_may_generate_for_which_scope(street, user, scope, allowed):
    w = street.world
    scopes = {"street": w.street, "community0": w.communities[0], "community1": w.communities[1],
              "grid0": w.grids[0], "grid1": w.grids[1], "unit0": w.units[0], "unit1": w.units[1]}
    call = lambda: B.briefing_generate(actor=w.users[user], scope=scopes[scope], kind="month",
                                       start=START, now=NOW)
    if allowed:
        assert call().pk
    else:
        with pytest.raises(NotFound):
            call()
        assert not Briefing.objects.exists()


@pytest.mark.parametrize("user", ["resident", "resident2"])
def test_residents_may_not_make_briefings(street, user):
    with pytest.raises(NotAllowed):
        B.briefing_generate(actor=street.world.users[user], scope=street.world.street, kind="week", start=START,
                            now=NOW)


def test_the_list_shows_only_the_scopes_the_user_sees(street):
    w = street.world
    made = {name: B.briefing_generate(actor=None, scope=scope, kind="month", start=START, now=NOW)
            for name, scope in (("street", w.street), ("c0", w.communities[0]), ("c1", w.communities[1]),
                                ("u0", w.units[0]))}

    def seen(user):
        return {b.pk for b in B.visible_briefings(w.users[user])}

    assert seen("street_staff") == {b.pk for b in made.values()}
    assert seen("community_staff") == {made["c0"].pk}
    assert seen("community_staff_other") == {made["c1"].pk}
    assert seen("unit_handler") == {made["u0"].pk}
    assert seen("unit_handler_other") == set()
    assert seen("resident") == set()
    with pytest.raises(NotFound):
        B.get_briefing(w.users["community_staff"], made["street"].pk)
    with pytest.raises(NotFound):
        B.get_briefing(w.users["street_staff"], "x")


def test_downloads_are_audited(street):
    staff = street.world.users["community_staff"]
    briefing = B.briefing_generate(actor=None, scope=street.world.communities[0], kind="week", start=START, now=NOW)
    assert B.briefing_download(actor=staff, pk=briefing.pk) == briefing
    log = AuditLog.objects.get(action="briefing.download")
    assert log.actor == staff and log.object_id == str(briefing.pk)
    with pytest.raises(NotFound):
        B.briefing_download(actor=street.world.users["community_staff_other"], pk=briefing.pk)
    assert AuditLog.objects.filter(action="briefing.download").count() == 1


# ---------------------------------------------------------------- the schedule

@pytest.mark.parametrize(("today", "expected"), [
    (dt.date(2026, 3, 9), [("week", dt.date(2026, 3, 2))]),                  # a Monday
    (dt.date(2026, 3, 10), []),                                                 # a Tuesday
    (dt.date(2026, 4, 1), [("month", dt.date(2026, 3, 1))]),                   # the 1st, a Wednesday
    (dt.date(2026, 6, 1), [("week", dt.date(2026, 5, 25)), ("month", dt.date(2026, 5, 1))]),  # both
    (dt.date(2027, 1, 1), [("month", dt.date(2026, 12, 1))]),                  # New Year's Day, a Friday
    (dt.date(2027, 1, 4), [("week", dt.date(2026, 12, 28))]),                  # week 53 of 2026
    (dt.date(2026, 1, 5), [("week", dt.date(2025, 12, 29))]),                  # a week across New Year
    (dt.date(2024, 3, 1), [("month", dt.date(2024, 2, 1))]),                   # leap February
])
def test_due_periods(today, expected):
    assert [(p.kind, p.start) for p in B.due_periods(today)] == expected


def test_monday_makes_last_weeks_briefings_for_the_street_and_each_community_once(street):
    monday = at(2026, 3, 9)
    assert B.run_schedule(monday) == {"generated": 3, "skipped": 0, "failed": 0}
    made = Briefing.objects.all()
    assert {b.region for b in made} == {street.world.street, *street.world.communities}
    assert {(b.kind, b.period_start, b.generated_by) for b in made} == {("week", dt.date(2026, 3, 2), None)}
    assert AuditLog.objects.filter(action="briefing.generate", actor=None, note="schedule").count() == 3
    # Every hour that Monday: nothing is made twice.
    assert B.run_schedule(monday + dt.timedelta(hours=5)) == {"generated": 0, "skipped": 3, "failed": 0}
    assert Briefing.objects.count() == 3 and {b.version for b in Briefing.objects.all()} == {1}


def test_other_days_make_nothing(street):
    for day in (10, 11, 12, 13, 14, 15):
        assert B.run_schedule(at(2026, 3, day))["generated"] == 0
    assert not Briefing.objects.exists()


def test_the_first_makes_last_months_briefings(street):
    assert B.run_schedule(at(2026, 4, 1))["generated"] == 3
    briefing = Briefing.objects.get(region=street.world.street)
    assert (briefing.kind, briefing.period_start, briefing.period_end) == ("month", START, dt.date(2026, 4, 1))
    assert briefing.summary["received"] == 13


def test_a_monday_on_the_first_makes_both(street):
    assert B.run_schedule(at(2026, 6, 1))["generated"] == 6
    assert B.run_schedule(at(2026, 6, 1, 23))["generated"] == 0
    assert sorted(Briefing.objects.values_list("kind", flat=True)) == ["month"] * 3 + ["week"] * 3


def test_year_boundaries(street):
    assert B.run_schedule(at(2027, 1, 1))["generated"] == 3
    assert set(Briefing.objects.values_list("period_start", flat=True)) == {dt.date(2026, 12, 1)}
    assert B.run_schedule(at(2027, 1, 4))["generated"] == 3
    week = Briefing.objects.get(kind="week", region=street.world.street)
    assert (week.period_start, week.period_end) == (dt.date(2026, 12, 28), dt.date(2027, 1, 4))
    assert "2026" in week.title and "53" in week.title


def test_a_partial_briefing_made_during_the_week_is_completed_by_the_schedule(street):
    staff = street.world.users["street_staff"]
    partial = B.briefing_generate(actor=staff, scope=street.world.street, kind="week", start=dt.date(2026, 3, 2),
                                  now=at(2026, 3, 5, 12))
    assert B.run_schedule(at(2026, 3, 9))["generated"] == 3
    partial.refresh_from_db()
    assert partial.version == 2 and partial.generated_by is None
    assert B.run_schedule(at(2026, 3, 9, 3))["generated"] == 0


def test_one_failing_scope_does_not_stop_the_others(street, monkeypatch):
    real = B.briefing_build

    def flaky(scope, *args, **kwargs):
        if scope == street.world.communities[1]:
            raise RuntimeError("disk full")
        return real(scope, *args, **kwargs)

    monkeypatch.setattr(B, "briefing_build", flaky)
    assert B.run_schedule(at(2026, 3, 9)) == {"generated": 2, "skipped": 0, "failed": 1}
    assert not Briefing.objects.filter(region=street.world.communities[1]).exists()


def test_the_task_runs_the_schedule_for_today(street, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 9, 8))
    result = briefings_task.enqueue()
    assert result.return_value == {"generated": 3, "skipped": 0, "failed": 0}
    assert briefings_task.enqueue().return_value["generated"] == 0
