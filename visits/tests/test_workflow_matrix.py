"""Every (state, action, person) of the four visits machines, through the real services.

The expectation is restated below as plain dicts from the brief, independent
of `visits.workflow` and `visits.selectors.roles_for`: if either drifts, a
case fails. Records are made by the services and put into each state; the
world is built once for the module and rolled back at the end, each case in
its own savepoint.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Role as AccountRole
from core.errors import InvalidTransition, NotAllowed, NotFound
from regions.models import Household
from testing.factories import user_with_role
from testing.module_data import rolled_back
from testing.world import build_world
from visits import selectors, services
from visits.models import Campaign, CareSubject, Event, Patrol, PatrolFinding
from visits.workflow import TABLES, PatrolStatus, SubjectStatus

from .factories import building, person, tag

# ---------------------------------------------------------------- the rules, restated

RULES = {
    "subject": {
        "states": ["ok", "due", "overdue", "ended"],
        "actors": ["responsible", "grid_worker", "grid_worker_other", "community_staff", "community_staff_other",
                   "street_staff", "resident"],
        "sees": {"responsible", "grid_worker", "community_staff", "street_staff"},
        "actions": {
            "visit": ({"ok", "due", "overdue"}, {"responsible", "grid_worker", "community_staff", "street_staff"}, "ok"),
            "end": ({"ok", "due", "overdue"}, {"responsible", "community_staff", "street_staff"}, "ended"),
            "resume": ({"ended"}, {"responsible", "community_staff", "street_staff"}, "due"),
        },
        # the visit checks who before the state (an ended subject is still theirs to see)
        "who_first": {"visit"},
    },
    "campaign": {
        "states": ["draft", "running", "finished", "cancelled"],
        "actors": ["community_staff", "street_staff", "community_staff_other", "grid_worker", "grid_worker_other",
                   "resident"],
        "sees": {"community_staff", "street_staff", "grid_worker"},
        "actions": {
            "start": ({"draft"}, {"community_staff", "street_staff"}, "running"),
            "finish": ({"running"}, {"community_staff", "street_staff"}, "finished"),
            "reopen": ({"finished"}, {"community_staff", "street_staff"}, "running"),
            "cancel": ({"draft"}, {"community_staff", "street_staff"}, "cancelled"),
        },
        "who_first": set(),
    },
    "patrol": {
        "states": ["open", "closed"],
        "actors": ["grid_worker", "community_staff", "street_staff", "community_staff_other", "grid_worker_other",
                   "resident"],
        "sees": {"grid_worker", "community_staff", "street_staff"},
        "actions": {"end": ({"open"}, {"grid_worker"}, "closed")},
        "who_first": set(),
    },
    "finding": {
        "states": ["noted", "reported", "dismissed"],
        "actors": ["grid_worker", "community_staff", "street_staff", "community_staff_other", "grid_worker_other",
                   "resident"],
        "sees": {"grid_worker", "community_staff", "street_staff"},
        "actions": {
            "report": ({"noted"}, {"grid_worker", "community_staff", "street_staff"}, "reported"),
            "dismiss": ({"noted"}, {"grid_worker", "community_staff", "street_staff"}, "dismissed"),
            "restore": ({"dismissed"}, {"grid_worker", "community_staff", "street_staff"}, "noted"),
        },
        "who_first": set(),
    },
}


def expected(machine, state, action, actor):
    rule = RULES[machine]
    sources, who, target = rule["actions"][action]
    if actor not in rule["sees"]:
        return False, NotFound
    checks = [(actor in who, NotAllowed), (state in sources, InvalidTransition)]
    if action not in rule["who_first"]:
        checks.reverse()
    for ok, error in checks:
        if not ok:
            return False, error
    return True, target


# ---------------------------------------------------------------- the records

MODELS = {"subject": CareSubject, "campaign": Campaign, "patrol": Patrol, "finding": PatrolFinding}


@pytest.fixture(scope="module")
def m(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        w = build_world()
        users = dict(w.users)
        users["responsible"] = user_with_role(AccountRole.GRID_WORKER, region=w.grids[0], username="resp")
        now = timezone.now()
        today = timezone.localtime(now).date()
        tag("very_old")
        hh = Household.objects.create(building=building(w, 0), room="301")
        records = {}
        for state in RULES["subject"]["states"]:
            p = person(w, 0, name=f"老人{state}", phone="13900000000", hh=hh)
            s = services.subject_save(actor=users["community_staff"], person=p, tags=["very_old"],
                                      responsible=users["responsible"].pk)
            due = {"ok": today + dt.timedelta(days=20), "due": today + dt.timedelta(days=2),
                   "overdue": today - dt.timedelta(days=3), "ended": None}[state]
            CareSubject.objects.filter(pk=s.pk).update(status=state, next_due=due,
                                                       ended_on=today if state == "ended" else None)
            records[("subject", state)] = s.pk
        Household.objects.create(building=building(w, 0), room="101")
        for state in RULES["campaign"]["states"]:
            c = services.campaign_create(actor=users["community_staff"], title=f"敲门{state}", starts_on=today,
                                         ends_on=today + dt.timedelta(days=10), community=w.communities[0])
            Campaign.objects.filter(pk=c.pk).update(status=state)
            records[("campaign", state)] = c.pk
        for state in RULES["patrol"]["states"]:
            p = services.patrol_start(actor=users["grid_worker"], lng=w.point_in(0)[0], lat=w.point_in(0)[1])
            Patrol.objects.filter(pk=p.pk).update(status=PatrolStatus.CLOSED)  # free the worker for the next
            records[("patrol", state)] = p.pk
        patrol = Patrol.objects.get(pk=records[("patrol", "closed")])
        Patrol.objects.filter(pk=patrol.pk).update(status=PatrolStatus.OPEN)
        for state in RULES["finding"]["states"]:
            f = services.finding_add(actor=users["grid_worker"], patrol=patrol, note=f"发现问题：{state}",
                                     category=w.category)
            PatrolFinding.objects.filter(pk=f.pk).update(status=state)
            records[("finding", state)] = f.pk
        Patrol.objects.filter(pk=patrol.pk).update(status=PatrolStatus.CLOSED)
        Patrol.objects.filter(pk=records[("patrol", "open")]).update(status=PatrolStatus.OPEN)
        yield SimpleNamespace(world=w, users=users, records=records)


def attempt(machine, action, pk, user):
    if machine == "subject":
        if action == "visit":
            return services.visit_record(actor=user, subject=pk)
        if action == "end":
            return services.subject_end(actor=user, subject=pk, note="迁出本社区")
        return services.subject_resume(actor=user, subject=pk)
    if machine == "campaign":
        return services.campaign_transition(actor=user, campaign=pk, action=action, note="情况说明")
    if machine == "patrol":
        return services.patrol_end(actor=user, patrol=pk)
    if action == "report":
        return services.finding_report(actor=user, finding=pk)
    return services.finding_transition(actor=user, finding=pk, action=action, note="情况说明")


def snapshot(machine, pk):
    obj = MODELS[machine].objects.get(pk=pk)
    return {"status": obj.status, "version": obj.version,
            "events": Event.objects.filter(machine=machine, object_id=pk).count()}


CASES = [(machine, state, action, actor) for machine, rule in RULES.items() for state in rule["states"]
         for action in rule["actions"] for actor in rule["actors"]]


@pytest.mark.django_db
@pytest.mark.parametrize("machine,state,action,actor", CASES)
def test_transition(m, machine, state, action, actor):
    pk = m.records[(machine, state)]
    user = m.users[actor]
    before = snapshot(machine, pk)
    ok, outcome = expected(machine, state, action, actor)
    if ok:
        attempt(machine, action, pk, user)
        after = snapshot(machine, pk)
        assert after["status"] == outcome
        assert after["version"] == before["version"] + 1
        event = Event.objects.filter(machine=machine, object_id=pk).order_by("-id").first()
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (action, state, outcome, user.pk)
        assert after["events"] == before["events"] + 1
    else:
        with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
            attempt(machine, action, pk, user)
        assert type(info.value) is outcome, f"expected {outcome.__name__}, got {type(info.value).__name__}"
        assert info.value.message
        assert snapshot(machine, pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize("machine,state", [(mc, s) for mc, r in RULES.items() for s in r["states"]])
def test_available_actions_match_the_rules(m, machine, state):
    obj = MODELS[machine].objects.get(pk=m.records[(machine, state)])
    for actor in RULES[machine]["actors"]:
        if actor not in RULES[machine]["sees"]:
            continue
        want = {a for a in RULES[machine]["actions"] if expected(machine, state, a, actor)[0]}
        got = set(selectors.available_actions(machine, obj, m.users[actor])) - {"reschedule"}
        assert got == want, f"{machine} {state} {actor}"


@pytest.mark.django_db
@pytest.mark.parametrize("machine,action,state", [
    ("subject", "fall_due", "ok"), ("subject", "lapse", "due"), ("patrol", "auto_close", "open")])
def test_system_steps_are_refused_to_people(m, machine, action, state):
    obj = MODELS[machine].objects.select_for_update().get(pk=m.records[(machine, state)])
    with pytest.raises(NotAllowed):
        services._apply(machine, obj, action, m.users["street_staff"], now=timezone.now())


@pytest.mark.django_db
def test_system_steps_follow_the_table(m):
    now = timezone.now()
    obj = CareSubject.objects.get(pk=m.records[("subject", "overdue")])
    with pytest.raises(InvalidTransition):
        services._apply("subject", obj, "fall_due", None, now=now, system=True)
    obj = CareSubject.objects.get(pk=m.records[("subject", "ok")])
    assert services._apply("subject", obj, "lapse", None, now=now, system=True) == SubjectStatus.OVERDUE


def test_the_matrix_covers_every_status_and_action():
    from visits.workflow import ACTIONS, STATUSES

    system = {"fall_due", "lapse", "auto_close", "reschedule"}
    for machine, rule in RULES.items():
        assert set(rule["states"]) == set(STATUSES[machine].values)
        assert set(rule["actions"]) == set(TABLES[machine]) - system
        assert set(TABLES[machine]) == set(ACTIONS[machine].values)
