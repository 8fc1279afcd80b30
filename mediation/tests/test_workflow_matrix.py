"""Every (state, action, person) of 矛盾纠纷调解, through the real service.

The expectation comes from the rules restated below as plain dicts, written
from the brief and independent of `mediation.workflow` and
`mediation.selectors.permitted_role`: if either drifts, a case fails. Each
state is reached from a fresh dispute by real service calls. The world and one
dispute per state are built once for the module and rolled back at the end.
"""

from dataclasses import dataclass, field

import pytest

from accounts.models import Role
from core.errors import InvalidTransition, NotAllowed, NotFound
from mediation import services
from mediation.models import Dispute, DisputeEvent
from mediation.selectors import available_actions
from mediation.workflow import Action, Status
from testing.factories import user_with_role
from testing.module_data import rolled_back
from testing.world import build_world

from .factories import NEIGHBOURS, png

# ---------------------------------------------------------------- the rules, restated

FROM = {
    "accept": {"recorded"},
    "start": {"accepted"},
    "agree": {"mediating"},
    "sign": {"agreed"},
    "reopen": {"following_up"},
    "close": {"following_up", "feedback_received"},
    "refer": {"accepted", "mediating"},
    "feedback": {"referred"},
    "resume": {"feedback_received"},
    "escalate": {"recorded", "accepted", "mediating"},
    "withdraw": {"recorded", "accepted", "mediating", "referred", "feedback_received"},
}
TO = {"accept": "accepted", "start": "mediating", "agree": "agreed", "sign": "following_up", "reopen": "mediating",
      "close": "closed", "refer": "referred", "feedback": "feedback_received", "resume": "mediating",
      "escalate": None, "withdraw": "withdrawn"}


def holds_it(actor: str, level: str) -> bool:
    """小事不出社区: the grid worker holds it at grid level, community staff up to community level, the street always."""
    return actor == "street_staff" or (actor == "community_staff" and level in ("grid", "community")) or (
        actor == "grid_worker" and level == "grid")


WHO = {
    "accept": lambda a, v: holds_it(a, v.level),
    "start": lambda a, v: holds_it(a, v.level) or a == "mediator",
    "agree": lambda a, v: holds_it(a, v.level) or a == "mediator",
    "sign": lambda a, v: holds_it(a, v.level) or a == "mediator",
    "reopen": lambda a, v: holds_it(a, v.level) or a == "mediator",
    "close": lambda a, v: holds_it(a, v.level),
    "refer": lambda a, v: holds_it(a, v.level),
    "feedback": lambda a, v: holds_it(a, v.level) or (a == "unit_handler" and v.unit),
    "resume": lambda a, v: holds_it(a, v.level),
    "escalate": lambda a, v: holds_it(a, v.level),
    "withdraw": lambda a, v: holds_it(a, v.level),
}

ACTORS = [
    "grid_worker",            # of the dispute's grid; recorded it
    "grid_worker_other",      # of a grid in the other community
    "community_staff",
    "community_staff_other",
    "street_staff",
    "mediator",               # the grid worker of the sibling grid, on the team once accepted
    "unit_handler",           # of the police unit some disputes are referred to
    "resident",
]


@dataclass(frozen=True)
class Variant:
    steps: tuple
    status: str
    level: str = "grid"
    unit: bool = False         # referred to the unit on Linli
    holds: bool = False        # a follow-up found the agreement holding


def _s(action, actor="community_staff", **kw):
    return (action, actor, kw)


ACCEPT = _s("accept", mediator_user="mediator", mediator_kind="grid_leader")
START = _s("start")
AGREE = _s("agree", facts="楼上漏水致楼下受损。", terms="楼上赔偿800元。")
SIGN = _s("sign", signed_copy="png")
HOLDS = ("follow_up", "community_staff", {"holds": True, "note": "协议履行良好"})
REFER = _s("refer", partner="court", note="转法院诉调")
VARIANTS = {
    "recorded": Variant((), "recorded"),
    "recorded@community": Variant((_s("escalate", "grid_worker", note="网格调解不成"),), "recorded", "community"),
    "accepted": Variant((ACCEPT,), "accepted"),
    "mediating": Variant((ACCEPT, START), "mediating"),
    "mediating@street": Variant((ACCEPT, START, _s("escalate", note="上交社区"), _s("escalate", note="上交街道")),
                                "mediating", "street"),
    "agreed": Variant((ACCEPT, START, AGREE), "agreed"),
    "following_up": Variant((ACCEPT, START, AGREE, SIGN), "following_up"),
    "following_up@holds": Variant((ACCEPT, START, AGREE, SIGN, HOLDS), "following_up", holds=True),
    "referred": Variant((ACCEPT, START, REFER), "referred"),
    "referred@unit": Variant((ACCEPT, START, _s("refer", partner="police", unit="unit", note="转派出所警调")),
                             "referred", unit=True),
    "feedback_received": Variant((ACCEPT, START, REFER, _s("feedback", result="returned", note="退回继续调解")),
                                 "feedback_received"),
    "closed": Variant((ACCEPT, START, AGREE, SIGN, HOLDS, _s("close")), "closed", holds=True),
    "withdrawn": Variant((_s("withdraw", note="双方和解"),), "withdrawn"),
}


def can_see(actor: str, v: Variant) -> bool:
    if actor in ("grid_worker", "community_staff", "street_staff"):
        return True
    if actor == "mediator":
        return any(step[0] == "accept" for step in v.steps)
    if actor == "unit_handler":
        return v.unit
    return False


def expected(variant: str, action: str, actor: str):
    """(True, target) or (False, the error class)."""
    v = VARIANTS[variant]
    if not can_see(actor, v):
        return False, NotFound
    if v.status not in FROM[action]:
        return False, InvalidTransition
    if action == "escalate" and v.level == "street":
        return False, InvalidTransition
    if not WHO[action](actor, v):
        return False, NotAllowed
    if action == "close" and v.status == "following_up" and not v.holds:
        return False, InvalidTransition  # closed only after a follow-up finds it holding
    return True, TO[action] or v.status


# ---------------------------------------------------------------- driving disputes into states

@dataclass
class Matrix:
    world: object
    users: dict
    disputes: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)


def make_matrix() -> Matrix:
    world = build_world()
    u = world.users
    users = {
        "grid_worker": u["grid_worker"], "grid_worker_other": u["grid_worker_other"],
        "community_staff": u["community_staff"], "community_staff_other": u["community_staff_other"],
        "street_staff": u["street_staff"], "unit_handler": u["unit_handler"], "resident": u["resident"],
        "mediator": user_with_role(Role.GRID_WORKER, region=world.grids[1], username="grid1"),
    }
    return Matrix(world=world, users=users)


def _resolve(m: Matrix, kw: dict) -> dict:
    kw = dict(kw)
    if kw.get("mediator_user") == "mediator":
        kw["mediator_user"] = m.users["mediator"].pk
    if kw.get("unit") == "unit":
        kw["unit"] = m.world.units[0].pk
    if kw.get("signed_copy") == "png":
        kw["signed_copy"] = png()
    return kw


def drive(m: Matrix, name: str) -> Dispute:
    v = VARIANTS[name]
    dispute = services.dispute_record(actor=m.users["grid_worker"], title="楼上漏水",
                                      description="楼上卫生间漏水到楼下，双方协商未果。", dispute_type="neighbour",
                                      source="grid", parties=[dict(p) for p in NEIGHBOURS], grid=m.world.grids[0])
    for action, actor, kw in v.steps:
        if action == "follow_up":
            services.follow_up_record(actor=m.users[actor], dispute=dispute, **kw)
        else:
            services.dispute_transition(dispute=dispute, action=action, actor=m.users[actor], **_resolve(m, kw))
    dispute.refresh_from_db()
    assert (dispute.status, dispute.level) == (v.status, v.level), name
    return dispute


def snapshot(pk) -> dict:
    row = Dispute.objects.filter(pk=pk).values("status", "version", "level", "closed_at", "follow_up_due").get()
    row["events"] = DisputeEvent.objects.filter(dispute_id=pk).count()
    return row


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        m = make_matrix()
        for name in VARIANTS:
            m.disputes[name] = drive(m, name)
            m.baselines[name] = snapshot(m.disputes[name].pk)
        yield m


def attempt_kwargs(m: Matrix, action: str) -> dict:
    kw = {"note": "情况说明"}
    if action == "accept":
        kw.update(mediator_name="老党员王伯", mediator_kind="elder")
    elif action == "agree":
        kw.update(facts="双方因漏水发生纠纷。", terms="赔偿500元。")
    elif action == "sign":
        kw["signed_copy"] = png()
    elif action == "refer":
        kw["partner"] = "petition"
    elif action == "feedback":
        kw["result"] = "resolved"
    return kw


CASES = [(v, a, r) for v in VARIANTS for a in FROM for r in ACTORS]


@pytest.mark.django_db
@pytest.mark.parametrize("variant,action,actor", CASES)
def test_transition(matrix, variant, action, actor):
    dispute = matrix.disputes[variant]
    user = matrix.users[actor]
    before = matrix.baselines[variant]
    outcome = expected(variant, action, actor)
    if outcome[0]:
        target = outcome[1]
        result = services.dispute_transition(dispute=dispute.pk, action=action, actor=user,
                                             **attempt_kwargs(matrix, action))
        after = Dispute.objects.get(pk=dispute.pk)
        assert (result.status, after.status) == (target, target)
        assert after.version == before["version"] + 1
        event = DisputeEvent.objects.filter(dispute_id=dispute.pk).order_by("-id").first()
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (
            action, VARIANTS[variant].status, target, user.pk)
        if action == "escalate":
            assert after.level == {"grid": "community", "community": "street"}[before["level"]]
    else:
        error = outcome[1]
        with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
            services.dispute_transition(dispute=dispute.pk, action=action, actor=user,
                                        **attempt_kwargs(matrix, action))
        assert type(info.value) is error, \
            f"expected {error.__name__}, got {type(info.value).__name__}: {info.value.message}"
        assert info.value.message
        assert snapshot(dispute.pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_available_actions_match_the_rules(matrix, variant):
    """The buttons and API choices are exactly the allowed actions, for everyone."""
    dispute = Dispute.objects.get(pk=matrix.disputes[variant].pk)
    for actor in ACTORS:
        want = {a for a in FROM if expected(variant, a, actor)[0]}
        # The close button shows before the follow-up; pressing it explains why not yet.
        if variant == "following_up" and WHO["close"](actor, VARIANTS[variant]) and can_see(actor, VARIANTS[variant]):
            want.add("close")
        got = {a.value for a in available_actions(dispute, matrix.users[actor])}
        assert got == want, f"{variant} / {actor}"


def test_the_matrix_covers_every_status_and_action():
    assert {v.status for v in VARIANTS.values()} == set(Status.values)
    assert set(FROM) == set(WHO) == set(TO) == {a.value for a in Action}
    for actor in ACTORS:
        outcomes = {expected(v, a, actor)[0] for v in VARIANTS for a in FROM}
        if actor in ("grid_worker_other", "community_staff_other", "resident"):
            assert outcomes == {False}
        else:
            assert outcomes == {True, False}
