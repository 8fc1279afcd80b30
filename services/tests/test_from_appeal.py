"""A small appeal (楼道灯泡、下水道) handled as a service order: the link is kept
and the appeal is reported resolved when the order is done."""

import pytest

from appeals.models import Answer, Appeal
from appeals.workflow import Status as AppealStatus
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from core.models import Notification
from services import selectors, services
from services.workflow import Channel, Status
from testing.loop import act as appeal_act
from testing.loop import report
from testing.world import build_world

from .factories import act, committed, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def accepted_appeal(world, by="grid_worker"):
    appeal = report(world, reporter_phone="13812345678", address="3号楼2单元楼道")
    return appeal_act(appeal, "accept", world.users[by])


def test_convert_keeps_the_link_and_resolves_the_appeal_when_done(world):
    grid_worker, staff, resident = world.users["grid_worker"], world.users["community_staff"], world.users["resident"]
    appeal = accepted_appeal(world)
    assert selectors.can_convert_appeal(grid_worker, appeal)
    assert selectors.can_convert_appeal(staff, appeal)
    assert not selectors.can_convert_appeal(resident, appeal)
    assert not selectors.can_convert_appeal(world.users["community_staff_other"], appeal)

    order = committed(services.order_from_appeal, grid_worker, appeal, skills=["plumbing_electrical"], note="换灯泡")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.handler) == (AppealStatus.IN_PROGRESS, grid_worker)
    assert (order.status, order.channel, order.appeal_id, order.recorded_by) == (
        Status.REQUESTED, Channel.APPEAL, appeal.pk, grid_worker)
    assert (order.requester, order.requester_phone, order.community, order.grid) == (
        resident, "13812345678", appeal.community, appeal.grid)
    assert order.address == "3号楼2单元楼道" and (order.lng, order.lat) == (appeal.lng, appeal.lat)
    assert selectors.order_for_appeal(appeal) == order
    assert not selectors.can_convert_appeal(grid_worker, appeal)  # once
    assert Notification.objects.filter(recipient=resident, verb="order_from_appeal").exists()
    with pytest.raises(Conflict):
        services.order_from_appeal(staff, appeal)

    helper = make_provider(username="helper", area=[world.communities[0]])
    act(order, "dispatch", staff, provider=helper)
    act(order, "accept", helper.user)
    act(order, "complete", helper.user, note="已更换楼道灯泡")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.VERIFYING
    answer = Answer.objects.get(appeal=appeal)
    assert answer.text == f"服务工单 {order.number} 已完成：已更换楼道灯泡"
    assert answer.answered_by == grid_worker
    assert order.events.get(action="complete").data["appeal_resolved"] is True


def test_an_in_progress_appeal_is_converted_as_it_is(world):
    staff = world.users["community_staff"]
    appeal = accepted_appeal(world, by="community_staff")
    appeal = appeal_act(appeal, "handle", staff)
    order = services.order_from_appeal(staff, appeal, kind="wish")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.handler) == (AppealStatus.IN_PROGRESS, staff)
    assert order.status == Status.OPEN  # a wish goes to the wall


def test_when_the_appeal_cannot_be_resolved_the_order_stays_done_and_the_converter_is_told(world):
    grid_worker, staff = world.users["grid_worker"], world.users["community_staff"]
    appeal = accepted_appeal(world)
    order = services.order_from_appeal(grid_worker, appeal)
    # Meanwhile the community takes the appeal over: a grid worker may no longer resolve it.
    appeal_act(appeal, "escalate", grid_worker, note="需要社区协调")
    appeal_act(appeal, "handle", staff)
    helper = make_provider(username="helper", area=[world.communities[0]])
    act(order, "dispatch", staff, provider=helper)
    act(order, "accept", helper.user)
    order = act(order, "complete", helper.user, note="已修好")
    assert order.status == Status.DONE
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.IN_PROGRESS
    assert order.events.get(action="complete").data["appeal_resolved"] is False
    assert Notification.objects.filter(recipient=grid_worker, verb="order_appeal").exists()


def test_only_small_appeals_in_hand_can_be_converted(world):
    grid_worker, staff, street = world.users["grid_worker"], world.users["community_staff"], world.users["street_staff"]
    submitted = report(world)
    with pytest.raises(InvalidTransition):
        services.order_from_appeal(staff, submitted)
    whistled = appeal_act(appeal_act(report(world), "accept", street), "whistle", street, lead_unit=world.units[0].pk)
    with pytest.raises(InvalidTransition):
        services.order_from_appeal(street, whistled)
    at_street = appeal_act(report(world), "accept", street)
    at_street = appeal_act(at_street, "handle", street)  # handled at street level
    assert not selectors.can_convert_appeal(street, at_street)
    with pytest.raises(NotAllowed):
        services.order_from_appeal(street, at_street)
    with pytest.raises(NotFound):
        services.order_from_appeal(world.users["community_staff_other"], accepted_appeal(world))
    with pytest.raises(NotFound):
        services.order_from_appeal(grid_worker, "not-a-number")
    assert not Appeal.objects.filter(service_order__isnull=False).exists()


def test_the_conversion_page(client, world):
    staff = world.users["community_staff"]
    appeal = accepted_appeal(world)
    client.force_login(staff)
    url = f"/services/from-appeal/{appeal.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "services/from_appeal.html" in [t.name for t in page.templates]
    bad = client.post(url, {"kind": "errand", "items": ""})
    assert bad.status_code == 400 and 'class="alert alert--error"' in bad.content.decode()
    assert selectors.order_for_appeal(appeal) is None
    response = client.post(url, {"kind": "service", "skills": ["plumbing_electrical"], "note": "换灯泡"})
    order = selectors.order_for_appeal(appeal)
    assert response.status_code == 302 and response["Location"] == f"/services/{order.pk}/"
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == f"/services/{order.pk}/"
    client.force_login(world.users["community_staff_other"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["resident"])
    other = accepted_appeal(world)
    assert client.get(f"/services/from-appeal/{other.pk}/").status_code == 403


def test_the_appeal_page_offers_the_conversion_and_then_links_the_order(client, world):
    from django.urls import reverse

    grid_worker = world.users["grid_worker"]
    appeal = accepted_appeal(world)
    client.force_login(grid_worker)
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert reverse("services:from_appeal", args=[appeal.pk]) in page and "data-service-order" not in page

    order = committed(services.order_from_appeal, grid_worker, appeal, note="换灯泡")
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert reverse("services:from_appeal", args=[appeal.pk]) not in page
    assert f'data-service-order="{order.number}"' in page and reverse("services:detail", args=[order.pk]) in page

    client.force_login(world.users["resident"])  # the reporter sees the order's state, and may open it as its requester
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert f'data-service-order="{order.number}"' in page and reverse("services:from_appeal", args=[appeal.pk]) not in page
