"""Behaviour of 三单制 end to end through the real services: each path a
resident, staff or provider takes, and what everyone sees afterwards."""

import datetime as dt

import pytest

from core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import Notification
from points.models import PointsAccount, PointsEntry, PointsRule
from services import selectors, services
from services.models import OrderEvent, Provider, ServiceOrder
from services.workflow import Status
from testing.world import build_world

from .factories import act, ask, at, committed, make_provider, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def provider_in(world, community=0, **kwargs):
    kwargs.setdefault("area", [world.communities[community]])
    kwargs.setdefault("skills", ["plumbing_electrical"])
    return make_provider(**kwargs)


def balance(user) -> int:
    account = PointsAccount.objects.filter(user=user).first()
    return account.balance if account else 0


def test_dispatch_accept_complete_confirm_credits_points_once(world):
    staff, resident = world.users["community_staff"], world.users["resident"]
    helper = provider_in(world, username="helper")
    PointsRule.objects.create(region=world.communities[0], key="order_service", points=15)
    t0 = at(2026, 3, 2, 9)
    order = ask(world, skills=["plumbing_electrical"], now=t0)
    assert order.status == Status.REQUESTED and order.number.startswith("20260302")

    order = act(order, "dispatch", staff, provider=helper.pk, now=t0 + dt.timedelta(hours=1))
    assert (order.status, order.provider_id) == (Status.DISPATCHED, helper.pk)
    assert order.respond_due == t0 + dt.timedelta(hours=25)
    assert Notification.objects.filter(recipient=helper.user, verb="order_dispatched").exists()

    order = act(order, "accept", helper.user, now=t0 + dt.timedelta(hours=2))
    assert order.status == Status.ACCEPTED
    assert order.finish_due == dt.datetime(2026, 3, 5, 23, 59, 59, tzinfo=order.finish_due.tzinfo)  # 3 working days

    order = act(order, "complete", helper.user, note="换了新的阀芯", files=[png()], now=t0 + dt.timedelta(days=1))
    assert order.status == Status.DONE and order.done_note == "换了新的阀芯"
    assert order.photos.count() == 1
    assert Notification.objects.filter(recipient=resident, verb="order_done").exists()

    order = act(order, "confirm", resident, rating="5", thanks="谢谢李师傅", now=t0 + dt.timedelta(days=2))
    assert (order.status, order.rating, order.thanks) == (Status.CONFIRMED, 5, "谢谢李师傅")
    assert balance(helper.user) == 15
    assert PointsEntry.objects.filter(source_key=f"order:{order.pk}").count() == 1

    with pytest.raises(InvalidTransition):
        act(order, "confirm", resident, rating=4)
    assert balance(helper.user) == 15
    actions = list(OrderEvent.objects.filter(order=order).values_list("action", flat=True))
    assert actions == ["submit", "dispatch", "accept", "complete", "confirm"]


def test_staff_confirm_on_behalf_of_a_walk_in_requester(world):
    staff = world.users["community_staff"]
    helper = provider_in(world, username="helper")
    order = services.order_submit(actor=staff, kind="errand", content="帮王奶奶办理高龄津贴申请。", channel="walk_in",
                                  requester_name="王秀英", requester_phone="13900001111",
                                  community=world.communities[0].code, items=["身份证复印件", "户口本", "银行卡复印件"])
    assert order.requester is None and order.recorded_by == staff and order.items.count() == 3
    act(order, "dispatch", staff, provider=helper)
    act(order, "accept", helper.user)
    act(order, "complete", helper.user, note="已提交申请")
    with pytest.raises(ValidationFailed) as info:
        act(order, "confirm", staff)
    assert info.value.code == "bad_rating"
    order = act(order, "confirm", staff, rating=4)
    assert order.status == Status.CONFIRMED and balance(helper.user) == 10


@pytest.mark.parametrize("path", ["decline", "release", "no_show_by_requester", "no_show_by_staff"])
def test_giving_back_returns_to_dispatch_and_lowers_reliability(world, path):
    staff, resident = world.users["community_staff"], world.users["resident"]
    helper = provider_in(world, username="helper")
    newcomer_score = selectors.reliability_score(0, 0)
    order = ask(world)
    act(order, "dispatch", staff, provider=helper.pk)
    if path == "decline":
        order = act(order, "decline", helper.user, note="这周出差")
    else:
        act(order, "accept", helper.user)
        if path == "release":
            order = act(order, "release", helper.user, note="缺少配件")
        else:
            order = act(order, "no_show", resident if path == "no_show_by_requester" else staff, note="约好的时间没来")
    assert order.status == Status.REQUESTED
    assert (order.provider_id, order.accepted_at, order.finish_due, order.respond_due) == (None, None, None, None)
    load, done, lapses = selectors.provider_stats([helper.pk])[helper.pk]
    assert (load, done, lapses) == (0, 0, 1)
    assert selectors.reliability_score(done, lapses) < newcomer_score
    told = helper.user if path == "no_show_by_staff" else staff  # nobody is told of what they did themselves
    assert Notification.objects.filter(recipient=told, verb="order_returned").exists()
    # It can be dispatched again, to someone else.
    other = provider_in(world, username="other")
    assert act(order, "dispatch", staff, provider=other.pk).provider_id == other.pk


def test_sweep_times_out_late_orders_and_confirms_stale_ones(world):
    staff = world.users["community_staff"]
    helper = provider_in(world, username="helper")
    t0 = at(2026, 3, 2, 9)
    not_accepted = ask(world, now=t0)
    act(not_accepted, "dispatch", staff, provider=helper, now=t0)
    not_finished = ask(world, now=t0)
    act(not_finished, "dispatch", staff, provider=helper, now=t0)
    act(not_finished, "accept", helper.user, now=t0)  # finish by 3-5 23:59:59
    waiting = ask(world, now=t0)
    act(waiting, "dispatch", staff, provider=helper, now=t0)
    act(waiting, "accept", helper.user, now=t0)
    act(waiting, "complete", helper.user, note="修好了", now=t0 + dt.timedelta(hours=3))

    sweep = lambda now: committed(services.sweep_orders, now=now)  # noqa: E731
    assert sweep(t0 + dt.timedelta(hours=23)) == {"timeout": 0, "auto_confirm": 0}
    assert sweep(t0 + dt.timedelta(hours=25)) == {"timeout": 1, "auto_confirm": 0}
    assert ServiceOrder.objects.get(pk=not_accepted.pk).status == Status.REQUESTED
    assert sweep(at(2026, 3, 6, 1)) == {"timeout": 1, "auto_confirm": 0}
    assert ServiceOrder.objects.get(pk=not_finished.pk).status == Status.REQUESTED
    assert sweep(at(2026, 3, 9, 11)) == {"timeout": 0, "auto_confirm": 0}
    assert sweep(at(2026, 3, 9, 13)) == {"timeout": 0, "auto_confirm": 1}
    stale = ServiceOrder.objects.get(pk=waiting.pk)
    assert (stale.status, stale.rating) == (Status.CONFIRMED, None)
    assert balance(helper.user) == 10
    assert sweep(at(2026, 3, 20)) == {"timeout": 0, "auto_confirm": 0}

    assert selectors.provider_stats([helper.pk])[helper.pk] == (0, 1, 2)
    timeouts = OrderEvent.objects.filter(action="timeout").order_by("at")
    assert [(e.provider_id, e.role, e.actor_id) for e in timeouts] == [(helper.pk, "system", None)] * 2
    assert Notification.objects.filter(recipient=staff, verb="order_returned").count() == 2
    assert Notification.objects.filter(recipient=helper.user, verb="order_returned").count() == 2


def test_accept_uses_the_preferred_date_when_it_is_ahead(world):
    staff = world.users["community_staff"]
    helper = provider_in(world, username="helper")
    t0 = at(2026, 3, 2, 9)
    order = ask(world, preferred_date="2026-03-14", preferred_time="周六上午", now=t0)
    act(order, "dispatch", staff, provider=helper, now=t0)
    order = act(order, "accept", helper.user, now=t0)
    assert order.finish_due == dt.datetime(2026, 3, 14, 23, 59, 59, tzinfo=order.finish_due.tzinfo)


def test_reopen_sends_it_back_to_the_provider_with_a_fresh_deadline(world):
    staff, resident = world.users["community_staff"], world.users["resident"]
    helper = provider_in(world, username="helper")
    t0 = at(2026, 3, 2, 9)
    order = ask(world, now=t0)
    act(order, "dispatch", staff, provider=helper, now=t0)
    act(order, "accept", helper.user, now=t0)
    act(order, "complete", helper.user, note="修好了", now=t0)
    order = act(order, "reopen", resident, note="还在滴水", now=at(2026, 3, 4, 9))
    assert (order.status, order.done_at, order.provider_id) == (Status.ACCEPTED, None, helper.pk)
    assert order.finish_due == dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=order.finish_due.tzinfo)
    assert Notification.objects.filter(recipient=helper.user, verb="order_reopened").exists()


class TestCancel:
    def dispatched(self, world):
        helper = provider_in(world, username="helper")
        order = ask(world)
        act(order, "dispatch", world.users["community_staff"], provider=helper)
        return order, helper

    def test_the_requester_cancels_before_it_is_accepted(self, world):
        order, helper = self.dispatched(world)
        order = act(order, "cancel", world.users["resident"], note="邻居帮我修好了")
        assert order.status == Status.CANCELLED
        assert Notification.objects.filter(recipient=helper.user, verb="order_cancelled").exists()

    def test_the_requester_cannot_cancel_once_accepted_but_staff_can(self, world):
        order, helper = self.dispatched(world)
        act(order, "accept", helper.user)
        with pytest.raises(NotAllowed) as info:
            act(order, "cancel", world.users["resident"], note="不需要了")
        assert "community staff" in info.value.message or "社区" in info.value.message
        assert act(order, "cancel", world.users["community_staff"], note="居民来电取消").status == Status.CANCELLED

    def test_nobody_cancels_what_is_done(self, world):
        order, helper = self.dispatched(world)
        act(order, "accept", helper.user)
        act(order, "complete", helper.user, note="好了")
        for user in (world.users["resident"], world.users["community_staff"]):
            with pytest.raises(InvalidTransition):
                act(order, "cancel", user, note="取消")

    def test_a_note_is_required(self, world):
        order, _helper = self.dispatched(world)
        with pytest.raises(ValidationFailed) as info:
            act(order, "cancel", world.users["resident"], note="  ")
        assert info.value.code == "required"
        assert ServiceOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_a_wish_goes_to_the_wall_and_a_provider_of_the_area_claims_it(world):
    resident = world.users["resident"]
    near = provider_in(world, username="near", skills=["elderly_care"])
    far = provider_in(world, community=1, username="far")
    wish = ask(world, kind="wish", title="想要一副老花镜", content="眼睛花了，想要一副200度的老花镜。")
    assert wish.status == Status.OPEN
    open_wishes, _fulfilled = selectors.wall()
    assert list(open_wishes) == [wish]
    assert Notification.objects.filter(recipient=near.user, verb="order_board").exists()
    assert not Notification.objects.filter(recipient=far.user).exists()

    with pytest.raises(NotAllowed) as info:
        act(wish, "claim", far.user)
    assert info.value.message == "该工单不在您的服务范围内。" or "outside your service area" in info.value.message
    with pytest.raises(NotAllowed):
        act(wish, "claim", resident)  # not a provider, and their own wish

    wish = act(wish, "claim", near.user, note="我来")
    assert (wish.status, wish.provider_id) == (Status.ACCEPTED, near.pk)
    assert wish.finish_due is not None
    assert list(selectors.wall()[0]) == []
    assert Notification.objects.filter(recipient=resident, verb="order_accepted").exists()


def test_a_provider_cannot_claim_their_own_wish(world):
    member = provider_in(world, username="member")
    wish = ask(world, user=member.user, kind="wish", content="想学用智能手机视频通话。")
    with pytest.raises(NotAllowed) as info:
        act(wish, "claim", member.user)
    assert info.value.message


def test_dispatch_refuses_providers_who_cannot_take_the_order(world):
    staff = world.users["community_staff"]
    far = provider_in(world, community=1, username="far")
    inactive = provider_in(world, username="inactive", active=False)
    order = ask(world)
    for provider, code in ((far, "provider_out_of_area"), (inactive, "provider_inactive"), (None, "provider_required"),
                           ("999999", "unknown_provider"), ("abc", "unknown_provider")):
        with pytest.raises(ValidationFailed) as info:
            act(order, "dispatch", staff, provider=provider.pk if isinstance(provider, Provider) else provider)
        assert info.value.code == code
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.REQUESTED
    me_too = make_provider(user=world.users["resident"], area=[world.communities[0]])
    with pytest.raises(ValidationFailed) as info:
        act(order, "dispatch", staff, provider=me_too.pk)
    assert info.value.code == "provider_is_requester"


def test_a_grid_provider_serves_its_grid_only(world):
    staff = world.users["community_staff"]
    grid_helper = make_provider(username="gridhelper", area=[world.grids[0]])
    in_grid = ask(world, grid=world.grids[0].code)
    other_grid = ask(world, grid=world.grids[1].code)
    whole_community = ask(world)
    assert act(in_grid, "dispatch", staff, provider=grid_helper).status == Status.DISPATCHED
    with pytest.raises(ValidationFailed):
        act(other_grid, "dispatch", staff, provider=grid_helper)
    assert act(whole_community, "dispatch", staff, provider=grid_helper).status == Status.DISPATCHED


def test_publish_and_withdraw_a_service_order(world):
    staff = world.users["community_staff"]
    near = provider_in(world, username="near")
    order = ask(world)
    order = act(order, "publish", staff)
    assert order.status == Status.OPEN
    assert list(selectors.board_orders(near.user)) == [order]
    order = act(order, "withdraw", staff, note="已有邻居帮忙")
    assert order.status == Status.REQUESTED
    assert list(selectors.board_orders(near.user)) == []


def test_errand_checklist_is_ticked_by_the_provider_while_working(world):
    staff, resident = world.users["community_staff"], world.users["resident"]
    helper = provider_in(world, username="helper")
    order = ask(world, kind="errand", content="代办居住证续签，需要准备材料。")
    first = order.items.first()
    with pytest.raises(NotFound):
        services.errand_item_set(actor=helper.user, order=order, item_id=first.pk, done=True)  # not theirs yet
    services.errand_item_set(actor=staff, order=order, item_id=first.pk, done=True)
    act(order, "dispatch", staff, provider=helper)
    act(order, "accept", helper.user)
    second = order.items.last()
    item = services.errand_item_set(actor=helper.user, order=order, item_id=second.pk, done=True)
    assert item.is_done and item.done_by == helper.user
    with pytest.raises(NotAllowed):
        services.errand_item_set(actor=resident, order=order, item_id=second.pk, done=False)
    assert list(order.items.values_list("is_done", flat=True)) == [True, True]
    assert OrderEvent.objects.filter(order=order, action="tick").count() == 2


class TestProviders:
    def test_a_volunteer_takes_orders_at_once(self, world):
        user = world.users["resident2"]
        p = services.provider_save(actor=user, kind="volunteer", skills=["haircut"],
                                   service_area=[world.communities[0].code], available_days=["6", "7"],
                                   availability_note="周末")
        assert (p.is_active, p.is_pending, p.available_days) == (True, False, [6, 7])
        assert list(p.skills.values_list("code", flat=True)) == ["haircut"]

    def test_a_merchant_waits_for_staff_of_its_area(self, world):
        user = world.users["resident2"]
        p = committed(services.provider_save, actor=user, kind="merchant", shop_name="便民维修店",
                      skills=["appliance_repair"], service_area=[world.communities[0].code])
        assert (p.is_active, p.is_pending) == (False, True)
        assert Notification.objects.filter(recipient=world.users["community_staff"], verb="provider_pending").exists()
        with pytest.raises(NotAllowed):
            services.provider_approve(actor=world.users["community_staff_other"], provider=p)
        p = services.provider_approve(actor=world.users["community_staff"], provider=p)
        assert (p.is_active, p.approved_by) == (True, world.users["community_staff"])
        with pytest.raises(InvalidTransition):
            services.provider_approve(actor=world.users["community_staff"], provider=p)

    def test_a_merchant_needs_a_shop_name_and_only_members_serve_as_party_members(self, world):
        user = world.users["resident2"]
        with pytest.raises(ValidationFailed) as info:
            services.provider_save(actor=user, kind="merchant", skills=["haircut"],
                                   service_area=[world.communities[0].code])
        assert info.value.code == "required"
        with pytest.raises(ValidationFailed) as info:
            services.provider_save(actor=user, kind="party_member", skills=["haircut"],
                                   service_area=[world.communities[0].code])
        assert info.value.code == "not_party_member"
        with pytest.raises(ValidationFailed) as info:
            services.provider_save(actor=user, kind="volunteer", skills=["haircut"], service_area=[])
        assert info.value.code == "area_required"  # no household to default to

    def test_staff_stop_and_restart_a_provider(self, world):
        staff = world.users["community_staff"]
        p = provider_in(world, username="helper")
        order = ask(world)
        with pytest.raises(ValidationFailed):
            services.provider_set_active(actor=staff, provider=p, active=False)  # reason required
        services.provider_set_active(actor=staff, provider=p, active=False, note="多次爽约")
        with pytest.raises(ValidationFailed) as info:
            act(order, "dispatch", staff, provider=p)
        assert info.value.code == "provider_inactive"
        services.provider_set_active(actor=staff, provider=p, active=True)
        assert act(order, "dispatch", staff, provider=p).status == Status.DISPATCHED


def test_staff_of_one_community_need_not_name_it(world):
    base = dict(kind="service", content="帮忙修一下水管。", channel="phone", requester_name="王秀英")
    order = services.order_submit(actor=world.users["community_staff"], **base)
    assert order.community == world.communities[0]
    with pytest.raises(ValidationFailed) as info:  # the street runs two: it must say which
        services.order_submit(actor=world.users["street_staff"], **base)
    assert info.value.code == "community_required"
