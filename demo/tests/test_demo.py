"""The demo world `make run` loads: the street of the Fenghuangling report."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appeals.models import Appeal, AppealEvent, Category
from appeals.workflow import Channel, Status
from demo import world as demo
from demo.imports_and_briefings import rebased_work_orders
from insights import dashboard
from insights.models import Briefing
from integrations.models import ImportJob, WorkOrder
from people.models import Unit
from regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        try:
            yield demo.load(appeals=250)
        finally:
            # Committed, not rolled back: emptied even when the load fails half way, or the
            # rest of the worker's tests would meet its rows.
            call_command("flush", "--no-input", verbosity=0)


def test_the_street_has_six_communities_and_83_grids_with_15_digit_codes(loaded):
    assert Region.objects.filter(level="community").count() == 6
    grids = Region.objects.filter(level="grid")
    assert grids.count() == 83
    assert all(len(g.code) == 15 and g.code.startswith(g.parent.code) for g in grids.select_related("parent"))


def test_the_twelve_units_of_the_report_and_routed_categories(loaded):
    names = set(Unit.objects.values_list("name", flat=True))
    for short in ["综合执法中队", "派出所", "市场监督管理局", "自来水公司", "移动公司", "燃气公司", "供电公司",
                  "路灯管理所", "市政公司", "住建局", "城投", "总工会"]:
        assert any(short in n for n in names), short
    leaves = Category.objects.filter(parent__isnull=False)
    assert leaves.count() == 20 and leaves.filter(default_unit__isnull=False).count() >= 17


def test_one_account_per_role_logs_in(loaded, client):
    for login, _what in demo.ACCOUNTS:
        assert User.objects.get(username=login).check_password(demo.DEMO_PASSWORD)


def test_appeals_reach_every_state_through_the_real_loop(loaded):
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "in_progress", "whistled", "claimed", "verifying", "revisiting", "closed",
            "rejected", "suspended"} <= statuses
    # every appeal's timeline starts with its submission and ends in its current status
    for appeal in Appeal.objects.all()[:50]:
        events = list(AppealEvent.objects.filter(appeal=appeal).exclude(action="supervise"))
        assert events[0].action == "submit" and events[-1].to_status == appeal.status


def test_load_demo_command_runs_once(loaded, capsys):
    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out


def test_a_12345_hand_over_is_in_the_import_log_and_its_orders_in_the_loop(loaded, client):
    job = ImportJob.objects.get(kind=ImportJob.Kind.WORK_ORDERS)
    street = User.objects.get(username="street")
    assert (job.status, job.created_by, job.file_name) == (ImportJob.Status.DONE, street, "work_orders_12345.csv")
    assert (job.total, job.created, job.error_count, job.clean_only) == (40, 38, 2, True)
    assert sorted(e["column"] for e in job.errors) == ["地址", "类别"]  # the two bad rows, reported
    orders = WorkOrder.objects.filter(job=job).select_related("appeal")
    assert orders.count() == 38 and {o.appeal.channel for o in orders} == {Channel.HOTLINE}
    statuses = {o.appeal.status for o in orders}
    assert Status.CLOSED in statuses and len(statuses) >= 4  # driven along the loop, not left submitted
    # The hotline's limit is the resolve-by time of an order accepted and handled in the community
    # (a whistle, a suspension or rework set their own).
    plain = {"submit", "accept", "handle", "resolve", "pass", "supervise"}
    kept = [o for o in orders if o.appeal.accepted_at and set(o.appeal.events.values_list("action", flat=True)) <= plain]
    assert kept and all(o.appeal.resolve_due == o.deadline for o in kept)
    client.force_login(street)
    page = client.get(reverse("integrations:imports")).content.decode()
    assert "work_orders_12345.csv" in page
    report = client.get(reverse("integrations:import_job", args=[job.pk])).content.decode()
    assert "园林绿化" in report


def test_the_shipped_work_orders_are_moved_by_whole_weeks_to_end_last_week():
    today = dt.date(2027, 5, 19)
    rows = list(csv.reader(io.StringIO(rebased_work_orders(today).decode("utf-8-sig"))))
    shipped = list(csv.reader(io.StringIO(demo.DATA.joinpath("work_orders_12345.csv").read_text("utf-8-sig"))))
    assert rows[0] == shipped[0] and len(rows) == len(shipped) == 41
    latest = max(dt.date.fromisoformat(r[1][:10]) for r in rows[1:])
    assert today - dt.timedelta(days=7) <= latest < today
    for new, old in zip(rows[1:], shipped[1:]):
        moved = dt.date.fromisoformat(new[1][:10]) - dt.date.fromisoformat(old[1][:10])
        assert moved.days % 7 == 0 and new[1][10:] == old[1][10:]  # same weekday and time of day
        assert dt.date.fromisoformat(new[7]) - dt.date.fromisoformat(old[7]) == moved
        assert new[0] == f"GD{new[1][:10].replace('-', '')}{old[0][-4:]}" and new[2:7] == old[2:7]


def test_weekly_and_monthly_briefings_are_on_the_briefings_page(loaded, client):
    regions = Region.objects.filter(level__in=["street", "community"])
    assert Briefing.objects.filter(kind="week").count() == Briefing.objects.filter(kind="month").count() == 7
    assert set(Briefing.objects.values_list("region", flat=True)) == set(regions.values_list("pk", flat=True))
    assert all(b.size > 0 and b.period_end <= timezone.localdate() for b in Briefing.objects.all())
    client.force_login(User.objects.get(username="street"))
    page = client.get(reverse("insights:briefings")).content.decode()
    for briefing in Briefing.objects.filter(region__level="street"):
        assert reverse("insights:briefing_download", args=[briefing.pk]) in page


@pytest.mark.parametrize("login,params", [("street", {}), ("changqing", {}), ("grid", {}), ("unit", {}),
                                          ("admin", {}), ("street", {"period": "this_month"})])
def test_the_dashboard_from_rollups_equals_the_naive_figures_after_the_load(loaded, login, params):
    """The load skips the per-change rollup refresh and rebuilds once: the figures must not notice."""
    start = (timezone.localdate() - dt.timedelta(days=150)).isoformat()
    params = params or {"period": "custom", "start": start, "end": timezone.localdate().isoformat()}
    scope = dashboard.choose(User.objects.get(username=login), params)
    used, naive = dashboard.figures_source(scope), dashboard.NaiveSource(scope)
    assert used.name == "rollups"
    period = scope.period
    assert {k: (v.count, v.hits) for k, v in used.compute(period).items()} == {
        k: (v.count, v.hits) for k, v in naive.compute(period).items()}
    assert used.compute(period)["received"].count > 0 or login == "unit"
    for name in ("by_category", "by_channel", "by_unit"):
        a, b = getattr(used, name)(period), getattr(naive, name)(period)
        assert [(r.label, [c.display for c in r.cells]) for r in a.rows] == [
            (r.label, [c.display for c in r.cells]) for r in b.rows], name
    for name in ("by_week", "by_month"):
        kwargs = {"until": scope.weeks_until, "now": scope.now}
        assert [(w.start, w.received.count, w.closed.count) for w in getattr(used, name)(**kwargs)] == [
            (w.start, w.received.count, w.closed.count) for w in getattr(naive, name)(**kwargs)], name
