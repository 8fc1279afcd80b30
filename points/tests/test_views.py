"""The points pages as people use them: a resident checks their points on a
phone; staff serve the counter, keep the catalogue, set rules, adjust and
reverse. Bad input shows a message in the page (never a 500) and keeps
what was typed."""

import re

import pytest
from django.urls import reverse

from core.models import AuditLog
from points import selectors, services
from points.models import PointsEntry, PointsRule, Redemption, Reward, Source
from testing.world import build_world

from .factories import RewardFactory, fund, resident_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def person(world):
    user = resident_of(world.communities[0], name="张桂兰", phone="13947300001", username="zhang")
    fund(user, 100, community=world.communities[0])
    return user


@pytest.fixture
def rice(world):
    return RewardFactory(community=world.communities[0], name="大米5斤", points=30, stock=3)


def html(response) -> str:
    return response.content.decode()


def as_user(client, user):
    client.force_login(user)
    return client


def error_text(response) -> str:
    match = re.search(r'class="alert alert--error"[^>]*>([^<]*)<', html(response))
    return match.group(1).strip() if match else ""


# ---------------------------------------------------------------- resident

def test_a_resident_sees_balance_ledger_and_what_they_can_afford(client, world, person, rice):
    RewardFactory(community=world.communities[0], name="体检券", points=500, stock=2)
    RewardFactory(community=world.communities[1], name="别的社区的油", points=10, stock=2)
    RewardFactory(community=world.communities[0], name="已下架", points=10, stock=2, is_active=False)
    services.redeem(actor=world.users["community_staff"], user=person, reward=rice)
    page = html(as_user(client, person).get(reverse("points:mine")))
    assert 'data-balance="70"' in page
    assert "大米5斤" in page and "体检券" in page
    assert "别的社区的油" not in page and "已下架" not in page
    assert world.communities[0].name in page  # where to redeem
    assert "表彰奖励" in page and "+100" in page and "-30" in page
    assert 'name="quantity"' not in page  # no self-service debit


def test_a_reversal_is_shown_as_such(client, world, person):
    entry = fund(person, 5, community=world.communities[0])
    services.reverse(entry=entry, actor=None, reason="重复计分")
    page = html(as_user(client, person).get(reverse("points:mine")))
    assert "ledger__item--reversal" in page and "ledger__item--reversed" in page and "重复计分" in page


def test_a_resident_without_a_household_still_gets_a_page(client, world):
    page = as_user(client, world.users["resident"]).get(reverse("points:mine"))
    assert page.status_code == 200 and 'data-balance="0"' in html(page)


@pytest.mark.parametrize("name", ["counter", "catalogue", "rules", "adjust"])
def test_staff_pages_are_not_for_residents(client, person, name):
    assert as_user(client, person).get(reverse(f"points:{name}")).status_code == 404


def test_a_resident_cannot_post_a_redemption(client, person, rice):
    response = as_user(client, person).post(reverse("points:redeem"), {"person": person.pk, "reward": rice.pk,
                                                                       "quantity": 1})
    assert response.status_code == 404 and not Redemption.objects.exists()


# ---------------------------------------------------------------- counter

def test_staff_find_a_person_by_name_and_serve_them(client, world, person, rice):
    c = as_user(client, world.users["community_staff"])
    found = html(c.get(reverse("points:counter"), {"q": "桂兰"}))
    assert "张桂兰" in found and "139****0001" in found and "13947300001" not in found
    serving = html(c.get(reverse("points:counter"), {"person": person.pk}))
    assert 'data-balance="100"' in serving and "大米5斤" in serving
    done = c.post(reverse("points:redeem"), {"person": person.pk, "reward": rice.pk, "quantity": "2"}, follow=True)
    assert done.status_code == 200 and 'data-balance="40"' in html(done)
    assert Reward.objects.get(pk=rice.pk).stock == 1


def test_a_phone_lookup_at_the_counter_is_audited(client, world, person):
    c = as_user(client, world.users["community_staff"])
    page = html(c.get(reverse("points:counter"), {"q": "13947300001"}))
    assert "张桂兰" in page
    log = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL, actor=world.users["community_staff"])
    assert log.fields == ["phone"] and log.after == {"users": [person.pk]}


def test_a_bad_phone_search_shows_a_message(client, world):
    response = as_user(client, world.users["community_staff"]).get(reverse("points:counter"), {"q": "12345"})
    assert response.status_code == 400 and "alert--error" in html(response)


@pytest.mark.parametrize("post, fragment", [
    ({"reward": "", "quantity": "1"}, "choose an item"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "4"}, "stock"),
    ({"reward": "999999", "quantity": "1"}, "not found"),
    ({"reward": "x", "quantity": "1"}, "not found"),
])
def test_bad_redemptions_show_a_message_and_change_nothing(client, world, person, rice, post, fragment):
    c = as_user(client, world.users["community_staff"])
    data = {"person": person.pk, "reward": rice.pk, **post}
    with_english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    c.cookies["django_language"] = "en"
    response = c.post(reverse("points:redeem"), data, **with_english)
    assert 400 <= response.status_code < 500
    assert fragment in error_text(response).lower()
    assert not Redemption.objects.exists() and selectors.balance(person) == 100
    assert f'value="{post["quantity"]}"' in html(response)  # what was typed is kept


def test_not_enough_points_at_the_counter(client, world, person):
    tv = RewardFactory(community=world.communities[0], name="体检券", points=101, stock=1)
    response = as_user(client, world.users["community_staff"]).post(
        reverse("points:redeem"), {"person": person.pk, "reward": tv.pk, "quantity": "1"})
    assert response.status_code == 400 and "100" in error_text(response)


def test_a_person_of_another_community_is_not_served(client, world, person, rice):
    c = as_user(client, world.users["community_staff_other"])
    found = html(c.get(reverse("points:counter"), {"q": "张桂兰"}))
    assert f"?person={person.pk}" not in found and "139****0001" not in found
    response = c.post(reverse("points:redeem"), {"person": person.pk, "reward": rice.pk, "quantity": "1"})
    assert response.status_code == 404 and not Redemption.objects.exists()
    assert c.get(reverse("points:ledger", args=[person.pk])).status_code == 404


def test_cancel_at_the_counter_needs_a_reason(client, world, person, rice):
    staff = world.users["community_staff"]
    redemption = services.redeem(actor=staff, user=person, reward=rice)
    c = as_user(client, staff)
    url = reverse("points:redemption_cancel", args=[redemption.pk])
    refused = c.post(url, {"person": person.pk, f"cancel{redemption.pk}-reason": ""})
    assert refused.status_code == 400 and error_text(refused)
    done = c.post(url, {"person": person.pk, f"cancel{redemption.pk}-reason": "物品退回"})
    assert done.status_code == 302
    assert Redemption.objects.get(pk=redemption.pk).status == "cancelled" and selectors.balance(person) == 100
    again = c.post(url, {"person": person.pk, f"cancel{redemption.pk}-reason": "再退"})
    assert again.status_code == 409 and error_text(again)


# ---------------------------------------------------------------- catalogue

def test_staff_keep_the_catalogue_from_the_page(client, world):
    c = as_user(client, world.users["community_staff"])
    assert c.get(reverse("points:catalogue")).status_code == 200
    c.post(reverse("points:catalogue"), {"community": world.communities[0].pk, "new-name": "食用油", "new-points": "80",
                                         "new-stock": "4", "new-description": "5L"})
    oil = Reward.objects.get(name="食用油")
    c.post(reverse("points:reward_edit", args=[oil.pk]), {f"edit{oil.pk}-name": "食用油5L", f"edit{oil.pk}-points": "90"})
    c.post(reverse("points:reward_stock", args=[oil.pk]), {f"stock{oil.pk}-delta": "-1", f"stock{oil.pk}-note": "破损"})
    c.post(reverse("points:reward_active", args=[oil.pk]), {"active": "0"})
    oil.refresh_from_db()
    assert (oil.name, oil.points, oil.stock, oil.is_active) == ("食用油5L", 90, 3, False)
    assert "食用油5L" in html(c.get(reverse("points:catalogue")))


@pytest.mark.parametrize("url_name, data", [
    ("points:catalogue", {"new-name": "", "new-points": "10"}),
    ("points:catalogue", {"new-name": "油", "new-points": "-3"}),
    ("points:catalogue", {"new-name": "油", "new-points": "10", "new-stock": "很多"}),
    ("points:reward_edit", {"edit{pk}-name": "油", "edit{pk}-points": "zero"}),
    ("points:reward_stock", {"stock{pk}-delta": "-99"}),
    ("points:reward_stock", {"stock{pk}-delta": ""}),
])
def test_bad_catalogue_input_shows_a_message(client, world, rice, url_name, data):
    c = as_user(client, world.users["community_staff"])
    data = {k.format(pk=rice.pk): v for k, v in data.items()}
    data.setdefault("community", world.communities[0].pk)
    args = [] if url_name == "points:catalogue" else [rice.pk]
    response = c.post(reverse(url_name, args=args), data)
    assert response.status_code == 400 and error_text(response)
    rice.refresh_from_db()
    assert (Reward.objects.count(), rice.points, rice.stock) == (1, 30, 3)


def test_another_communitys_items_are_out_of_reach(client, world, rice):
    c = as_user(client, world.users["community_staff_other"])
    assert "大米5斤" not in html(c.get(reverse("points:catalogue")))
    assert c.post(reverse("points:reward_stock", args=[rice.pk]), {f"stock{rice.pk}-delta": "5"}).status_code == 404
    assert c.post(reverse("points:catalogue"), {"community": world.communities[0].pk, "new-name": "油",
                                                "new-points": "5"}).status_code == 403
    assert Reward.objects.get(pk=rice.pk).stock == 3 and Reward.objects.count() == 1


# ---------------------------------------------------------------- rules

def test_rules_page_shows_where_values_come_from_and_saves(client, world):
    street_staff = world.users["street_staff"]
    services.set_rule(actor=street_staff, region=world.street, key="activity_hour", points=15)
    c = as_user(client, world.users["community_staff"])
    page = html(c.get(reverse("points:rules")))
    assert world.communities[0].name in page and world.communities[1].name not in page
    assert 'data-effective="15"' in page
    prefix = f"r{world.communities[0].pk}"
    response = c.post(reverse("points:rules_save", args=[world.communities[0].pk]),
                      {f"{prefix}-activity_hour": "20", f"{prefix}-order_wish": "", f"{prefix}-order_service": "12",
                       f"{prefix}-order_errand": ""})
    assert response.status_code == 302
    assert services.rule_points(world.communities[0], "activity_hour") == 20
    assert services.rule_points(world.communities[0], "order_service") == 12
    bad = c.post(reverse("points:rules_save", args=[world.communities[0].pk]), {f"{prefix}-activity_hour": "-5"})
    assert bad.status_code == 400 and error_text(bad) and 'value="-5"' in html(bad)
    forbidden = c.post(reverse("points:rules_save", args=[world.street.pk]), {f"r{world.street.pk}-activity_hour": "1"})
    assert forbidden.status_code == 403
    assert PointsRule.objects.get(region=world.street).points == 15


# ---------------------------------------------------------------- adjust and ledger

def test_staff_adjust_then_reverse_from_the_ledger(client, world, person):
    staff = world.users["community_staff"]
    c = as_user(client, staff)
    form = html(c.get(reverse("points:adjust"), {"person": person.pk}))
    assert 'name="amount"' in form and "张桂兰" in form
    done = c.post(reverse("points:adjust"), {"person": person.pk, "amount": "20", "reason": "楼道清扫",
                                             "community": world.communities[0].pk})
    assert done.status_code == 302 and selectors.balance(person) == 120
    entry = PointsEntry.objects.get(source=Source.ADJUSTMENT)
    ledger = html(c.get(reverse("points:ledger", args=[person.pk])))
    assert "楼道清扫" in ledger and reverse("points:entry_reverse", args=[entry.pk]) in ledger
    refused = c.post(reverse("points:entry_reverse", args=[entry.pk]), {f"rev{entry.pk}-reason": ""})
    assert refused.status_code == 400 and error_text(refused)
    c.post(reverse("points:entry_reverse", args=[entry.pk]), {f"rev{entry.pk}-reason": "录错了"})
    assert selectors.balance(person) == 100
    twice = c.post(reverse("points:entry_reverse", args=[entry.pk]), {f"rev{entry.pk}-reason": "再冲"})
    assert twice.status_code == 409 and error_text(twice)


@pytest.mark.parametrize("amount", ["", "abc", "0", "-101", "1.5", "100001"])
def test_bad_adjustments_show_a_message_and_keep_the_reason(client, world, person, amount):
    c = as_user(client, world.users["community_staff"])
    response = c.post(reverse("points:adjust"), {"person": person.pk, "amount": amount, "reason": "表扬信",
                                                 "community": world.communities[0].pk})
    assert response.status_code == 400 and error_text(response)
    assert 'value="表扬信"' in html(response)
    assert selectors.balance(person) == 100


def test_adjust_for_an_unknown_person_or_bad_community(client, world, person):
    c = as_user(client, world.users["community_staff"])
    assert c.post(reverse("points:adjust"), {"person": "999999", "amount": "5", "reason": "x"}).status_code == 404
    assert c.post(reverse("points:adjust"), {"person": "abc", "amount": "5", "reason": "x"}).status_code == 404
    other = c.post(reverse("points:adjust"), {"person": person.pk, "amount": "5", "reason": "奖励",
                                              "community": world.communities[1].pk})
    assert other.status_code == 403 and selectors.balance(person) == 100


def test_a_redemption_entry_offers_no_reverse_button(client, world, person, rice):
    redemption = services.redeem(actor=world.users["community_staff"], user=person, reward=rice)
    c = as_user(client, world.users["community_staff"])
    ledger = html(c.get(reverse("points:ledger", args=[person.pk])))
    assert reverse("points:entry_reverse", args=[redemption.entry_id]) not in ledger
    response = c.post(reverse("points:entry_reverse", args=[redemption.entry_id]),
                      {f"rev{redemption.entry_id}-reason": "退"})
    assert response.status_code == 400 and error_text(response)


def test_an_entry_booked_by_another_community_offers_no_reverse_button(client, world, person):
    elsewhere = fund(person, 10, community=world.communities[1])
    ours = PointsEntry.objects.filter(account__user=person, community=world.communities[0]).first()
    ledger = html(as_user(client, world.users["community_staff"]).get(reverse("points:ledger", args=[person.pk])))
    assert reverse("points:entry_reverse", args=[ours.pk]) in ledger
    assert reverse("points:entry_reverse", args=[elsewhere.pk]) not in ledger
