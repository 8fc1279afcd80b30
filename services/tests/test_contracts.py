"""What other apps read from services: the figures, 双报到 service records, the
appeal page's hooks, the sweep task, the demo loader, and the API document."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest

from accounts.models import Role
from core.records import ServiceRecord
from party.models import PartyMember, PartyOrg
from people.models import Person
from regions.models import Household
from services import selectors, services
from services.models import ErrandItem, Provider, ServiceOrder
from services.workflow import Status
from testing.factories import BuildingFactory, EstateFactory, user_with_role
from testing.world import build_world

from .factories import act, ask, at, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def finish(world, order, helper, when, *, rating=None, late=False):
    staff = world.users["community_staff"] if order.community == world.communities[0] \
        else world.users["community_staff_other"]
    if order.status == Status.OPEN and order.kind == "wish":
        act(order, "claim", helper.user, now=when)
    else:
        act(order, "dispatch", staff, provider=helper, now=when)
        act(order, "accept", helper.user, now=when)
    done_at = when + (dt.timedelta(days=6) if late else dt.timedelta(hours=3))
    act(order, "complete", helper.user, note="好了", now=done_at)
    if rating:
        act(order, "confirm", staff, rating=rating, now=done_at + dt.timedelta(hours=1))
    return done_at


def test_figures_count_what_the_definitions_say(world):
    c0, c1 = world.communities
    helper = make_provider(username="helper", area=[c0, c1])
    march, april = at(2026, 3, 2, 9), at(2026, 4, 1, 9)
    finish(world, ask(world, now=march), helper, march, rating=5)
    finish(world, ask(world, kind="errand", now=march), helper, march, rating=3, late=True)
    finish(world, ask(world, kind="wish", content="想要一副老花镜。", now=march), helper, march)
    ask(world, kind="wish", content="想要一台收音机。", now=march)                     # still on the wall
    finish(world, ask(world, in_community=1, now=march), helper, march, rating=4)   # the other community
    finish(world, ask(world, now=april), helper, april, rating=1)                   # another period
    act(ask(world, now=march), "cancel", world.users["resident"], note="不要了", now=march)

    got = {f["key"]: f["value"] for f in selectors.figures([c0.pk], at(2026, 3, 1, 0), at(2026, 4, 1, 0))}
    assert got == {"orders_received": 5, "orders_handled": 3, "wishes_posted": 2, "wishes_fulfilled": 1,
                   "errands_done": 1, "services_done": 1, "avg_rating": 4.0, "on_time_rate": 66.7,
                   "open_orders": 1 + 1}  # the wish on the wall, and the wish done but not confirmed
    everywhere = {f["key"]: f["value"] for f in selectors.figures(None, None, None)}
    assert (everywhere["orders_received"], everywhere["orders_handled"], everywhere["avg_rating"]) == (7, 5, 3.3)
    empty = {f["key"]: f["value"] for f in selectors.figures([c0.pk], at(2025, 1, 1), at(2025, 2, 1))}
    assert (empty["avg_rating"], empty["on_time_rate"], empty["orders_handled"]) == (None, None, 0)
    for figure in selectors.figures(None, None, None):
        assert set(figure) == {"key", "label", "value", "definition"} and str(figure["label"]) and \
            str(figure["definition"])


def test_service_records_for_dual_reporting(world):
    member = make_provider(username="member", area=[world.communities[0]])
    other = make_provider(username="other", area=[world.communities[0]])
    q1 = at(2026, 2, 10)
    done_at = finish(world, ask(world, now=q1), member, q1, rating=5)
    finish(world, ask(world, kind="wish", content="想学写毛笔字。", now=q1), member, q1)
    finish(world, ask(world, now=q1), other, q1)
    finish(world, ask(world, now=at(2026, 4, 2)), member, at(2026, 4, 2))   # next quarter
    act(ask(world, now=q1), "dispatch", world.users["community_staff"], provider=member, now=q1)  # not done

    records = selectors.service_records([member.user_id], at(2026, 1, 1, 0), at(2026, 4, 1, 0))
    assert [type(r) for r in records] == [ServiceRecord, ServiceRecord]
    assert [(r.user_id, r.kind) for r in records] == [(member.user_id, "service"), (member.user_id, "wish")]
    assert records[0].at == done_at and records[0].url.startswith("/services/") and records[0].title


def test_the_appeal_page_hooks(world):
    from testing.loop import act as appeal_act
    from testing.loop import report

    appeal = appeal_act(report(world), "accept", world.users["grid_worker"])
    assert selectors.order_for_appeal(appeal) is None
    assert selectors.can_convert_appeal(world.users["grid_worker"], appeal)
    order = services.order_from_appeal(world.users["grid_worker"], appeal)
    assert selectors.order_for_appeal(appeal) == order
    assert appeal.service_order == order


def test_the_sweep_task_runs_the_sweep(world):
    from services.tasks import sweep_orders_task

    helper = make_provider(username="helper", area=[world.communities[0]])
    order = ask(world, now=at(2020, 1, 6))
    act(order, "dispatch", world.users["community_staff"], provider=helper, now=at(2020, 1, 6))
    result = sweep_orders_task.enqueue()
    assert result.return_value == {"timeout": 1, "auto_confirm": 0}
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.REQUESTED


def _person_at(world, community: int, name: str, room: str, *, member: bool = False):
    grid = world.grids[community * 2]
    estate = EstateFactory(community=world.communities[community])
    building = BuildingFactory(estate=estate, grid=grid, lng=grid.centroid_lng, lat=grid.centroid_lat)
    household = Household.objects.create(building=building, room=room)
    person = Person.objects.create(name=name, phone="13900000000", household=household)
    if member:
        org = PartyOrg.objects.get_or_create(name="党支部", kind=PartyOrg.Kind.BRANCH)[0]
        PartyMember.objects.create(person=person, org=org)
    return user_with_role(Role.PARTY_MEMBER if member else Role.RESIDENT, person=person)


def test_the_demo_loader_drives_orders_through_the_real_services(world):
    from testing.loop import act as appeal_act
    from testing.loop import report

    now = at(2026, 6, 1, 12)
    c0, c1 = world.communities
    demo_world = SimpleNamespace(
        street=world.street,
        members=[_person_at(world, i % 2, f"党员{i}", f"{i}01", member=True) for i in range(4)],
        volunteers=[_person_at(world, i % 2, f"志愿者{i}", f"{i}02") for i in range(3)],
        merchants=[_person_at(world, 0, "高师傅", "103")],
        residents=[_person_at(world, i % 2, f"居民{i}", f"{i}04") for i in range(6)],
        community_staff={c0.pk: world.users["community_staff"], c1.pk: world.users["community_staff_other"]},
        grid_workers={world.grids[0].pk: world.users["grid_worker"]},
    )
    appeal_act(report(world, now=now - dt.timedelta(days=3)), "accept", world.users["grid_worker"],
               now=now - dt.timedelta(days=3))

    tally = services_demo_load(demo_world, now)

    assert Provider.objects.count() == 8 and Provider.objects.filter(is_active=True).count() == 8
    assert Provider.objects.get(kind="merchant").approved_by == world.users["community_staff"]
    orders = ServiceOrder.objects.all()
    assert orders.count() == 41  # 40 asked, one appeal converted
    assert orders.filter(kind="wish").count() == 13 and orders.filter(kind="wish", status="open").exists()
    assert orders.filter(kind="wish", status="confirmed").exists()
    assert ErrandItem.objects.filter(is_done=True).exists()
    assert tally["from_appeals"] == 1 and orders.filter(channel="appeal").count() == 1
    assert set(orders.values_list("status", flat=True)) >= {"requested", "open", "confirmed"}
    assert not orders.filter(created_at__gte=now).exists()
    for order in orders[:20]:
        events = list(order.events.exclude(action="tick"))
        assert events[0].action == "submit" and events[-1].to_status == order.status


def services_demo_load(demo_world, now):
    from services import demo

    return demo.load(demo_world, random.Random(7), now, orders=40)


def test_the_api_document_covers_every_services_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    mine = {(m, p): op for p, methods in schema["paths"].items() for m, op in methods.items()
            if p.split("/")[3] in ("orders", "wishes", "providers", "skills")}
    assert len(mine) == 13
    for (method, path), op in mine.items():
        errors = {int(c) for c in op["responses"] if int(c) >= 400}
        if path == "/api/v1/wishes":
            assert not op.get("security") and 500 in errors  # the public wall
        else:
            assert op.get("security") and {401, 403, 500} <= errors, path
        if "{" in path:
            assert 404 in errors, path
        if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
            assert 400 in errors, path
