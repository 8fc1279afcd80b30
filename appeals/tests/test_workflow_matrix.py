"""Every (state, action, role) of the appeal loop, through the real service.

The expectation comes from the rules restated below as plain dicts, written
from DESIGN.md §3 and independent of `appeals.workflow` and
`appeals.selectors.permitted_role`: if either drifts from the other, a case
fails. Each state is reached from a fresh appeal by real service calls
(`drive`), including the grid-held and unit-held variants of the states a
rework or reopen returns to, and a suspension from every open state.

The world and one appeal per state are built once for the module inside an
outer transaction that is rolled back at the end; each case runs in its own
savepoint, so an allowed action is undone before the next case.
"""

from dataclasses import dataclass, field

import pytest
from django.db.models import Count, Q

from accounts.models import Role
from appeals import services
from appeals.models import Appeal, AppealEvent, Whistle
from appeals.selectors import available_actions
from appeals.workflow import Action, Channel, Status
from core.errors import InvalidTransition, NotAllowed, NotFound
from testing.factories import UnitFactory, user_with_role
from testing.module_data import rolled_back
from testing.world import build_world

# ---------------------------------------------------------------- the rules, restated

# Where each action may start.
FROM = {
    "accept": {"submitted"},
    "reject": {"submitted"},
    "merge": {"submitted", "accepted"},
    "handle": {"accepted"},
    "escalate": {"accepted", "in_progress"},
    "resolve": {"in_progress"},
    "whistle": {"accepted", "in_progress"},
    "claim": {"whistled"},
    "return": {"whistled", "claimed"},
    "answer": {"claimed"},
    "pass": {"verifying"},
    "fail": {"verifying"},
    "rate": {"revisiting"},
    "close": {"revisiting"},
    "suspend": {"submitted", "accepted", "in_progress", "whistled", "claimed", "verifying"},
    "resume": {"suspended"},
}

# Who may take it, by the role they hold over this appeal.
REGION_STAFF = {"grid_worker", "community_staff", "street_staff"}
WHO = {
    "accept": REGION_STAFF,
    "reject": REGION_STAFF,
    "merge": REGION_STAFF,
    "handle": REGION_STAFF,
    "escalate": {"grid_worker", "community_staff"},
    "resolve": REGION_STAFF,
    "whistle": {"street_staff"},
    "claim": {"unit_handler"},
    "return": {"unit_handler"},
    "answer": {"unit_handler"},
    "pass": REGION_STAFF,
    "fail": REGION_STAFF,
    "rate": {"resident", "grid_worker", "community_staff", "street_staff"},
    "close": {"community_staff", "street_staff"},
    "suspend": {"community_staff", "street_staff"},
    "resume": {"community_staff", "street_staff"},
}

# Small matters stay low: these actions are only for staff at or above the appeal's level.
LEVEL_BOUND = {"accept", "reject", "merge", "handle", "escalate", "resolve"}
ACTS_AT = {
    "grid_worker": {"grid"},
    "community_staff": {"grid", "community"},
    "street_staff": {"grid", "community", "street", "unit"},
}

# Where an allowed action leads ("holder": back to the unit if one holds it, else in progress;
# "previous": where it was before the suspension). Rate is tried as 满意.
TO = {
    "accept": "accepted", "reject": "rejected", "merge": "merged", "handle": "in_progress", "escalate": "accepted",
    "resolve": "verifying", "whistle": "whistled", "claim": "claimed", "return": "accepted", "answer": "verifying",
    "pass": "revisiting", "fail": "holder", "rate": "closed", "close": "closed", "suspend": "suspended",
    "resume": "previous",
}


def level_after(action: str, role: str, level: str) -> str:
    """Handling here puts it at the handler's level; escalating one level up; a whistle at the units;
    a return back at the street."""
    if action == "handle":
        return {"grid_worker": "grid", "community_staff": "community", "street_staff": "street"}[role]
    if action == "escalate":
        return {"grid": "community", "community": "street"}[level]
    return {"whistle": "unit", "return": "street"}.get(action, level)


# The people tried on every appeal. The appeal is always in grid 0 of community 0.
ACTORS = [
    "reporter",               # the resident who reported it
    "resident_other",         # another resident
    "grid_worker",            # grid worker of its grid
    "grid_worker_sibling",    # grid worker of the other grid in the same community
    "grid_worker_other",      # grid worker of a grid in the other community
    "community_staff",        # community staff of its community
    "community_staff_other",  # of the other community
    "street_staff",
    "unit_handler",           # handler of the lead unit (units[0])
    "unit_handler_helper",    # handler of a unit whistled as helper
    "unit_handler_other",     # handler of a unit never involved (units[1])
]


@dataclass(frozen=True)
class Variant:
    """A state and the facts about the appeal in it that the rules depend on."""

    steps: tuple  # (action, actor, extra kwargs) from a fresh submitted appeal
    status: str
    level: str
    lead: bool = False          # the lead unit (units[0]) currently holds it
    whistled: bool = False      # it was ever whistled (to units[0], with the helper unit)
    suspended_from: str = ""
    rework: int = 0
    reopen: int = 0


def _s(action, actor, **kw):
    return (action, actor, kw)


ACCEPT_GW = _s("accept", "grid_worker")
ACCEPT_ST = _s("accept", "street_staff")
HANDLE_GW = _s("handle", "grid_worker")
RESOLVE_GW = _s("resolve", "grid_worker", note="已处理")
WHISTLE = _s("whistle", "street_staff", note="请限期处理", lead_unit="lead", helper_units="helper")
CLAIM = _s("claim", "unit_handler")
ANSWER = _s("answer", "unit_handler", note="已修复")
PASS = _s("pass", "grid_worker")
FAIL = _s("fail", "grid_worker", note="现场未修好")
DISSATISFIED = _s("rate", "reporter", satisfaction="dissatisfied", note="还是不亮")
SUSPEND = _s("suspend", "community_staff", note="等待业主回国")

GRID_TO_VERIFYING = (ACCEPT_GW, HANDLE_GW, RESOLVE_GW)
UNIT_TO_VERIFYING = (ACCEPT_ST, WHISTLE, CLAIM, ANSWER)
W = dict(whistled=True)

VARIANTS: dict[str, Variant] = {
    "submitted": Variant((), "submitted", "grid"),
    "accepted@grid": Variant((ACCEPT_GW,), "accepted", "grid"),
    "accepted@community": Variant((ACCEPT_GW, _s("escalate", "grid_worker", note="需社区协调")), "accepted", "community"),
    "accepted@street": Variant((ACCEPT_GW, _s("escalate", "grid_worker", note="需社区协调"),
                                _s("escalate", "community_staff", note="上报街道")), "accepted", "street"),
    "accepted@returned": Variant((ACCEPT_ST, WHISTLE, _s("return", "unit_handler", note="不属本单位职责")),
                                 "accepted", "street", **W),
    "in_progress@grid": Variant((ACCEPT_GW, HANDLE_GW), "in_progress", "grid"),
    "in_progress@community": Variant((_s("accept", "community_staff"), _s("handle", "community_staff")),
                                     "in_progress", "community"),
    "in_progress@street": Variant((ACCEPT_ST, _s("handle", "street_staff")), "in_progress", "street"),
    "in_progress@rework": Variant(GRID_TO_VERIFYING + (FAIL,), "in_progress", "grid", rework=1),
    "in_progress@reopened": Variant(GRID_TO_VERIFYING + (PASS, DISSATISFIED), "in_progress", "grid", reopen=1),
    "whistled": Variant((ACCEPT_ST, WHISTLE), "whistled", "unit", lead=True, **W),
    "claimed": Variant((ACCEPT_ST, WHISTLE, CLAIM), "claimed", "unit", lead=True, **W),
    "claimed@rework": Variant(UNIT_TO_VERIFYING + (FAIL,), "claimed", "unit", lead=True, rework=1, **W),
    "claimed@reopened": Variant(UNIT_TO_VERIFYING + (PASS, DISSATISFIED), "claimed", "unit", lead=True, reopen=1, **W),
    "verifying@grid": Variant(GRID_TO_VERIFYING, "verifying", "grid"),
    "verifying@unit": Variant(UNIT_TO_VERIFYING, "verifying", "unit", lead=True, **W),
    "revisiting@grid": Variant(GRID_TO_VERIFYING + (PASS,), "revisiting", "grid"),
    "revisiting@unit": Variant(UNIT_TO_VERIFYING + (PASS,), "revisiting", "unit", lead=True, **W),
    "closed": Variant(GRID_TO_VERIFYING + (PASS, _s("rate", "reporter", satisfaction="satisfied")), "closed", "grid"),
    "rejected": Variant((_s("reject", "grid_worker", note="不属于受理范围"),), "rejected", "grid"),
    "merged": Variant((_s("merge", "grid_worker", parent="parent"),), "merged", "grid"),
    "suspended<-submitted": Variant((SUSPEND,), "suspended", "grid", suspended_from="submitted"),
    "suspended<-accepted": Variant((ACCEPT_GW, SUSPEND), "suspended", "grid", suspended_from="accepted"),
    "suspended<-in_progress": Variant((ACCEPT_GW, HANDLE_GW, SUSPEND), "suspended", "grid", suspended_from="in_progress"),
    "suspended<-whistled": Variant((ACCEPT_ST, WHISTLE, SUSPEND), "suspended", "unit", lead=True,
                                   suspended_from="whistled", **W),
    "suspended<-claimed": Variant((ACCEPT_ST, WHISTLE, CLAIM, SUSPEND), "suspended", "unit", lead=True,
                                  suspended_from="claimed", **W),
    "suspended<-verifying": Variant(GRID_TO_VERIFYING + (SUSPEND,), "suspended", "grid", suspended_from="verifying"),
}


def role_over(actor: str, v: Variant) -> str | None:
    """The role an actor holds over the appeal in this variant, if any."""
    return {
        "reporter": "resident",
        "grid_worker": "grid_worker",
        "community_staff": "community_staff",
        "street_staff": "street_staff",
        "unit_handler": "unit_handler" if v.lead else None,
    }.get(actor)


def can_see(actor: str, v: Variant) -> bool:
    if actor in ("reporter", "grid_worker", "community_staff", "street_staff"):
        return True
    if actor in ("unit_handler", "unit_handler_helper"):
        return v.whistled  # whistled to it as lead or helper, at any time since
    return False


def expected(variant: str, action: str, actor: str):
    """(True, target status, level after) or (False, the error class)."""
    v = VARIANTS[variant]
    role = role_over(actor, v)
    allowed = (v.status in FROM[action] and role in WHO[action]
               and (action not in LEVEL_BOUND or v.level in ACTS_AT[role]))
    if not allowed:
        if not can_see(actor, v):
            return False, NotFound
        if v.status not in FROM[action]:
            return False, InvalidTransition
        return False, NotAllowed
    target = TO[action]
    if target == "holder":
        target = "claimed" if v.lead else "in_progress"
    elif target == "previous":
        target = v.suspended_from
    return True, target, level_after(action, role, v.level)


# ---------------------------------------------------------------- driving appeals into states

@dataclass
class Matrix:
    world: object
    users: dict
    helper_unit: object
    parent: Appeal
    appeals: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)  # snapshot of each variant's appeal, restored after every case


def extend_world(world) -> tuple[dict, object]:
    """The world's users plus the extra scopes the matrix needs, keyed as in ACTORS."""
    u = world.users
    helper_unit = UnitFactory(name="供电公司")
    users = {
        "reporter": u["resident"],
        "resident_other": u["resident2"],
        "grid_worker": u["grid_worker"],
        "grid_worker_sibling": user_with_role(Role.GRID_WORKER, region=world.grids[1], username="grid1"),
        "grid_worker_other": u["grid_worker_other"],
        "community_staff": u["community_staff"],
        "community_staff_other": u["community_staff_other"],
        "street_staff": u["street_staff"],
        "unit_handler": u["unit_handler"],
        "unit_handler_helper": user_with_role(Role.UNIT_HANDLER, unit=helper_unit, username="helper_unit"),
        "unit_handler_other": u["unit_handler_other"],
        "parent_reporter": user_with_role(Role.RESIDENT, username="resident3"),
    }
    return users, helper_unit


def new_appeal(world, reporter, grid=0, **kwargs) -> Appeal:
    lng, lat = world.point_in(grid)
    params = dict(actor=reporter, title="路灯不亮", content="小区门口的路灯坏了一周了，晚上很黑。",
                  category="streetlight", lng=lng, lat=lat, channel=Channel.RESIDENT)
    params.update(kwargs)
    return services.appeal_submit(**params)


def drive(m: Matrix, name: str) -> Appeal:
    """A fresh appeal by the reporter, taken into the variant's state by real service calls."""
    v = VARIANTS[name]
    appeal = new_appeal(m.world, m.users["reporter"])
    for action, actor, kw in v.steps:
        kw = dict(kw)
        if kw.get("lead_unit") == "lead":
            kw["lead_unit"] = m.world.units[0].pk
        if kw.get("helper_units") == "helper":
            kw["helper_units"] = [m.helper_unit.pk]
        if kw.get("parent") == "parent":
            kw["parent"] = m.parent.pk
        appeal = services.appeal_transition(appeal=appeal, action=action, actor=m.users[actor], **kw)
    appeal.refresh_from_db()
    got = (appeal.status, appeal.level, appeal.lead_unit_id == m.world.units[0].pk, appeal.suspended_from,
           appeal.rework_count, appeal.reopen_count)
    want = (v.status, v.level, v.lead, v.suspended_from, v.rework, v.reopen)
    assert got == want, f"{name}: driving the appeal reached {got}, expected {want}"
    return appeal


def make_matrix() -> Matrix:
    world = build_world()
    users, helper_unit = extend_world(world)
    parent = new_appeal(world, users["parent_reporter"], title="同一路灯")
    return Matrix(world=world, users=users, helper_unit=helper_unit, parent=parent)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """World and one appeal per variant, built once and rolled back after the module."""
    with rolled_back(django_db_blocker):
        m = make_matrix()
        for name in VARIANTS:
            m.appeals[name] = drive(m, name)
            m.baselines[name] = snapshot(m.appeals[name].pk)
        yield m


def attempt_kwargs(m: Matrix, action: str) -> dict:
    kw = {"note": "情况说明"}
    if action == "merge":
        kw["parent"] = m.parent.pk
    elif action == "whistle":
        kw.update(lead_unit=m.world.units[0].pk, helper_units=[m.helper_unit.pk])
    elif action == "rate":
        kw["satisfaction"] = "satisfied"
    return kw


def snapshot(pk) -> dict:
    """Everything a transition could touch, in one query."""
    counts = {"events": Count("events", distinct=True), "answers": Count("answers", distinct=True),
              "ratings": Count("ratings", distinct=True)}
    for state in Whistle.State.values:
        counts[f"whistles_{state}"] = Count("whistles", filter=Q(whistles__state=state), distinct=True)
    return Appeal.objects.filter(pk=pk).values(
        "status", "version", "level", "lead_unit", "handler", "parent", "resolve_due", "suspended_from",
        "rework_count", "reopen_count", "satisfaction").annotate(**counts).get()


CASES = [(v, a.value, r) for v in VARIANTS for a in Action for r in ACTORS]


@pytest.mark.django_db
@pytest.mark.parametrize("variant,action,actor", CASES)
def test_transition(matrix, variant, action, actor):
    appeal = matrix.appeals[variant]
    user = matrix.users[actor]
    before = matrix.baselines[variant]
    outcome = expected(variant, action, actor)
    if outcome[0]:
        _, target, level = outcome
        result = services.appeal_transition(appeal=appeal.pk, action=action, actor=user, **attempt_kwargs(matrix, action))
        after = Appeal.objects.get(pk=appeal.pk)
        assert (result.status, after.status, after.level) == (target, target, level)
        assert after.version == before["version"] + 1
        event = AppealEvent.objects.filter(appeal_id=appeal.pk).order_by("-id").first()
        assert AppealEvent.objects.filter(appeal_id=appeal.pk).count() == before["events"] + 1
        assert (event.action, event.from_status, event.to_status, event.actor_id, event.role) == (
            action, VARIANTS[variant].status, target, user.pk, role_over(actor, VARIANTS[variant]))
    else:
        error = outcome[1]
        with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
            services.appeal_transition(appeal=appeal.pk, action=action, actor=user, **attempt_kwargs(matrix, action))
        assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}: {info.value.message}"
        assert info.value.message
        assert snapshot(appeal.pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_available_actions_match_the_rules(matrix, variant):
    """The buttons and API choices are exactly the allowed actions, for every actor."""
    appeal = Appeal.objects.get(pk=matrix.appeals[variant].pk)
    for actor in ACTORS:
        want = {a.value for a in Action if expected(variant, a.value, actor)[0]}
        got = {a.value for a in available_actions(appeal, matrix.users[actor])}
        assert got == want, f"{variant} / {actor}"


def test_the_matrix_covers_every_status_and_action():
    reached = {v.status for v in VARIANTS.values()} | {v.suspended_from for v in VARIANTS.values() if v.suspended_from}
    assert reached == {s.value for s in Status}
    assert set(FROM) == set(WHO) == set(TO) == {a.value for a in Action}
    # Suspension is tried from every state it may start in.
    assert {v.suspended_from for v in VARIANTS.values() if v.suspended_from} == FROM["suspend"]
    # Every actor is both allowed something and refused something somewhere, so no row is vacuous.
    for actor in ACTORS:
        outcomes = {expected(v, a, actor)[0] for v in VARIANTS for a in FROM}
        if actor in ("resident_other", "grid_worker_sibling", "grid_worker_other", "community_staff_other",
                     "unit_handler_helper", "unit_handler_other"):
            assert outcomes == {False}
        else:
            assert outcomes == {True, False}
