"""Every (state, action, person) of 三单制, through the real service.

The expectation comes from the rules restated below as plain dicts, written
from the brief and independent of `services.workflow` and
`services.selectors.permitted_role`: if either drifts, a case fails. Each
state is reached from a fresh order by real service calls.

The world and one order per state are built once for the module inside an
outer transaction rolled back at the end; each case runs in its own savepoint.
"""

from dataclasses import dataclass, field

import pytest

from accounts.models import Role
from core.errors import InvalidTransition, NotAllowed, NotFound
from points.models import PointsEntry
from services import services
from services.models import OrderEvent, Provider, ServiceOrder
from services.selectors import available_actions
from services.workflow import Action, Status
from testing.factories import user_with_role
from testing.module_data import rolled_back
from testing.world import build_world

from .factories import make_provider

# ---------------------------------------------------------------- the rules, restated

FROM = {
    "publish": {"requested"},
    "withdraw": {"open"},
    "dispatch": {"requested", "open"},
    "accept": {"dispatched"},
    "decline": {"dispatched"},
    "claim": {"open"},
    "release": {"accepted"},
    "no_show": {"accepted"},
    "complete": {"accepted"},
    "reopen": {"done"},
    "confirm": {"done"},
    "cancel": {"requested", "open", "dispatched", "accepted"},
}
STAFF = {"staff", "street_staff"}
# Who may, as a function of the person and the order's facts.
WHO = {
    "publish": lambda a, v: a in STAFF,
    "withdraw": lambda a, v: a in STAFF,
    "dispatch": lambda a, v: a in STAFF,
    "accept": lambda a, v: a == v.holder,
    "decline": lambda a, v: a == v.holder,
    "claim": lambda a, v: a in ("holder", "provider_near"),   # any active provider of the area but the requester
    "release": lambda a, v: a == v.holder,
    "no_show": lambda a, v: a == "requester" or a in STAFF,
    "complete": lambda a, v: a == v.holder,
    "reopen": lambda a, v: a == "requester" or a in STAFF,
    "confirm": lambda a, v: a == "requester" or a in STAFF,
    # The requester only before it is accepted.
    "cancel": lambda a, v: a in STAFF or (a == "requester" and v.status != "accepted"),
}
TO = {
    "publish": "open", "withdraw": "requested", "dispatch": "dispatched", "accept": "accepted", "decline": "requested",
    "claim": "accepted", "release": "requested", "no_show": "requested", "complete": "done", "reopen": "accepted",
    "confirm": "confirmed", "cancel": "cancelled",
}

ACTORS = [
    "requester",         # the resident who asked
    "resident_other",
    "staff",             # community staff of the order's community
    "staff_other",       # of the other community
    "street_staff",
    "holder",            # the provider it is (or will be) dispatched to / claimed by; serves the community
    "provider_near",     # another active provider of the community
    "provider_far",      # an active provider of the other community
    "provider_pending",  # a merchant of the community not yet approved
]


@dataclass(frozen=True)
class Variant:
    steps: tuple
    status: str
    kind: str = "service"
    holder: str | None = None   # who holds it now


def _s(action, actor, **kw):
    return (action, actor, kw)


DISPATCH = _s("dispatch", "staff", provider="holder")
ACCEPT = _s("accept", "holder")
COMPLETE = _s("complete", "holder", note="已完成")
VARIANTS = {
    "requested": Variant((), "requested"),
    "requested@returned": Variant((DISPATCH, _s("decline", "holder", note="没空")), "requested"),
    "open": Variant((_s("publish", "staff"),), "open"),
    "open@wish": Variant((), "open", kind="wish"),
    "dispatched": Variant((DISPATCH,), "dispatched", holder="holder"),
    "accepted": Variant((DISPATCH, ACCEPT), "accepted", holder="holder"),
    "accepted@claimed": Variant((_s("claim", "holder"),), "accepted", kind="wish", holder="holder"),
    "done": Variant((DISPATCH, ACCEPT, COMPLETE), "done", holder="holder"),
    "confirmed": Variant((DISPATCH, ACCEPT, COMPLETE, _s("confirm", "requester", rating=5)), "confirmed",
                         holder="holder"),
    "cancelled": Variant((_s("cancel", "requester", note="不需要了"),), "cancelled"),
}


def can_see(actor: str, v: Variant) -> bool:
    if actor in ("requester", "staff", "street_staff"):
        return True
    if v.kind == "wish" and v.status == "open":
        return True  # the public wall
    if actor == "holder":
        return v.holder == "holder" or v.status == "open"
    if actor == "provider_near":
        return v.status == "open"
    return False


def expected(variant: str, action: str, actor: str):
    """(True, target) or (False, the error class)."""
    v = VARIANTS[variant]
    if v.status in FROM[action] and WHO[action](actor, v):
        return True, TO[action]
    if not can_see(actor, v):
        if action == "claim" and (v.kind == "wish" or actor in ("holder", "provider_near")):
            return False, InvalidTransition  # it was on the wall or their board: someone else took it
        return False, NotFound
    if v.status not in FROM[action]:
        return False, InvalidTransition
    return False, NotAllowed


# ---------------------------------------------------------------- driving orders into states

@dataclass
class Matrix:
    world: object
    users: dict
    providers: dict
    orders: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)


def make_matrix() -> Matrix:
    world = build_world()
    c0, c1 = world.communities
    u = world.users
    providers = {
        "holder": make_provider(username="holder", area=[c0], skills=["plumbing_electrical"]),
        "provider_near": make_provider(username="near", area=[c0]),
        "provider_far": make_provider(username="far", area=[c1]),
        "provider_pending": make_provider(username="pending", area=[c0], kind=Provider.Kind.MERCHANT, active=False),
    }
    users = {
        "requester": u["resident"], "resident_other": u["resident2"], "staff": u["community_staff"],
        "staff_other": u["community_staff_other"],
        "street_staff": user_with_role(Role.STREET_STAFF, region=world.street, username="street_b"),
        **{k: p.user for k, p in providers.items()},
    }
    return Matrix(world=world, users=users, providers=providers)


def drive(m: Matrix, name: str) -> ServiceOrder:
    v = VARIANTS[name]
    order = services.order_submit(actor=m.users["requester"], kind=v.kind, content="家里灯泡坏了，够不着，想请人帮忙换。",
                                  community=m.world.communities[0].code)
    for action, actor, kw in v.steps:
        kw = dict(kw)
        if kw.get("provider") == "holder":
            kw["provider"] = m.providers["holder"].pk
        order = services.order_transition(order, action, m.users[actor], **kw)
    order.refresh_from_db()
    holder = "holder" if order.provider_id == m.providers["holder"].pk else None
    assert (order.status, order.kind, holder) == (v.status, v.kind, v.holder), name
    return order


def snapshot(pk) -> dict:
    row = ServiceOrder.objects.filter(pk=pk).values("status", "version", "provider", "accepted_at", "done_at",
                                                     "rating").get()
    row["events"] = OrderEvent.objects.filter(order_id=pk).count()
    row["points"] = PointsEntry.objects.filter(source_key=f"order:{pk}").count()
    return row


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        m = make_matrix()
        for name in VARIANTS:
            m.orders[name] = drive(m, name)
            m.baselines[name] = snapshot(m.orders[name].pk)
        yield m


def attempt_kwargs(m: Matrix, action: str) -> dict:
    kw = {"note": "情况说明"}
    if action == "dispatch":
        kw["provider"] = m.providers["provider_near"].pk
    elif action == "confirm":
        kw["rating"] = 5
    return kw


CASES = [(v, a, r) for v in VARIANTS for a in FROM for r in ACTORS]


@pytest.mark.django_db
@pytest.mark.parametrize("variant,action,actor", CASES)
def test_transition(matrix, variant, action, actor):
    order = matrix.orders[variant]
    user = matrix.users[actor]
    before = matrix.baselines[variant]
    outcome = expected(variant, action, actor)
    if outcome[0]:
        target = outcome[1]
        result = services.order_transition(order.pk, action, user, **attempt_kwargs(matrix, action))
        after = ServiceOrder.objects.get(pk=order.pk)
        assert (result.status, after.status) == (target, target)
        assert after.version == before["version"] + 1
        event = OrderEvent.objects.filter(order_id=order.pk).order_by("-id").first()
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (
            action, VARIANTS[variant].status, target, user.pk)
        assert OrderEvent.objects.filter(order_id=order.pk).count() == before["events"] + 1
        assert snapshot(order.pk)["points"] == before["points"] + (1 if action == "confirm" else 0)
    else:
        error = outcome[1]
        with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
            services.order_transition(order.pk, action, user, **attempt_kwargs(matrix, action))
        assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}: {info.value.message}"
        assert info.value.message
        assert snapshot(order.pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_available_actions_match_the_rules(matrix, variant):
    """The buttons and API choices are exactly the allowed actions, for everyone."""
    order = ServiceOrder.objects.get(pk=matrix.orders[variant].pk)
    for actor in ACTORS:
        want = {a for a in FROM if expected(variant, a, actor)[0]}
        got = {a.value for a in available_actions(order, matrix.users[actor])}
        assert got == want, f"{variant} / {actor}"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["timeout", "auto_confirm"])
def test_system_steps_are_refused_to_people(matrix, action):
    order = matrix.orders["dispatched" if action == "timeout" else "done"]
    with pytest.raises(NotAllowed):
        services.order_transition(order.pk, action, matrix.users["staff"])


def test_the_matrix_covers_every_status_and_action():
    assert {v.status for v in VARIANTS.values()} == set(Status.values)
    assert set(FROM) == set(WHO) == set(TO) == {a.value for a in Action} - {"timeout", "auto_confirm"}
    for actor in ACTORS:
        outcomes = {expected(v, a, actor)[0] for v in VARIANTS for a in FROM}
        if actor in ("resident_other", "staff_other", "provider_far", "provider_pending"):
            assert outcomes == {False}
        else:
            assert outcomes == {True, False}
