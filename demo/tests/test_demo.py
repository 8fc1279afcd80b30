"""The demo world `make run` loads: the street of the Fenghuangling report."""

import pytest
from django.core.management import call_command

from accounts.models import User
from appeals.models import Appeal, AppealEvent, Category
from demo import world as demo
from people.models import Unit
from regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        world = demo.load(appeals=250)
        yield world
        from django.core.management import call_command as cc

        cc("flush", "--no-input", verbosity=0)


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
