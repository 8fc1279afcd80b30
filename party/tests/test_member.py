"""The member profile, the served households of a 党员中心户, honours and the public 亮身份 plaque."""

import pytest
from django.urls import reverse

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from party import services
from party.models import Award, PartyMember, PartyPost
from regions.models import Household
from testing.world import build_world

from .factories import PartyOrgFactory, building_in, household_in, member_of, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def anchor(world):
    member = member_of(world, 0, name="李建军", anchor=True, employer=world.units[0])
    member.person.phone = "13912345678"
    member.person.save()
    Household.objects.filter(pk=member.anchor_household_id).update(room="七零九室")
    member.refresh_from_db()
    PartyPost.objects.create(person=member.person, org=member.org, title="组织委员")
    return member


def test_the_member_publishes_a_plaque_that_shows_no_phone_and_no_room(client, world, anchor):
    with pytest.raises(ValidationFailed):  # a public plaque needs a pledge
        services.plaque_update(actor=user_of(anchor), member=anchor, pledge="", is_public=True)
    services.plaque_update(actor=user_of(anchor), member=anchor, pledge="随叫随到，帮邻居办实事", is_public=True)
    Award.objects.create(person=anchor.person, title="2025年度先锋党员", awarded_on="2025-12-20")

    client.logout()
    page = client.get(reverse("party:plaque", args=[anchor.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("李建军", anchor.org.name, "组织委员", "随叫随到，帮邻居办实事", "2025年度先锋党员",
                  str(anchor.anchor_household.building)):
        assert shown in html, shown
    assert "13912345678" not in html and "139****5678" not in html
    assert "七零九室" not in html


def test_a_plaque_is_404_unless_the_member_chose_to_be_public(client, world, anchor):
    assert client.get(reverse("party:plaque", args=[anchor.pk])).status_code == 404
    assert client.get(reverse("party:plaque", args=[987654])).status_code == 404
    services.plaque_update(actor=user_of(anchor), member=anchor, pledge="承诺", is_public=True)
    assert client.get(reverse("party:plaque", args=[anchor.pk])).status_code == 200

    staff = world.users["community_staff"]
    with pytest.raises(NotAllowed):  # staff may take a plaque down, never put one up
        services.plaque_update(actor=staff, member=member_of(world, 0), pledge="替他写的承诺", is_public=True)
    services.plaque_update(actor=staff, member=anchor, pledge="工作人员改写的承诺", is_public=False)
    assert client.get(reverse("party:plaque", args=[anchor.pk])).status_code == 404
    assert PartyMember.objects.get(pk=anchor.pk).pledge == "承诺"  # staff never write in the member's name
    assert AuditLog.objects.filter(action="party.member.plaque", actor=staff).exists()


def test_staff_keep_the_households_an_anchor_serves(world, anchor):
    staff = world.users["community_staff"]
    building = building_in(world, 0, number="2号楼")
    neighbour = household_in(world, 0, room="201", building=building)
    services.served_household_add(actor=staff, member=anchor, building=building.pk, entrance="1", room="201")
    assert list(anchor.served_households.all()) == [neighbour]
    with pytest.raises(Conflict):
        services.served_household_add(actor=staff, member=anchor, building=building.pk, room="201")
    with pytest.raises(ValidationFailed):
        services.served_household_add(actor=staff, member=anchor, building=building.pk, room="999")
    with pytest.raises(ValidationFailed):  # another community's household
        services.served_household_add(actor=staff, member=anchor, household=household_in(world, 1).pk)
    with pytest.raises(NotAllowed):
        services.served_household_add(actor=world.users["community_staff_other"], member=anchor, building=building.pk,
                                      room="201")
    with pytest.raises(NotAllowed):
        services.served_household_add(actor=user_of(anchor), member=anchor, building=building.pk, room="201")
    with pytest.raises(ValidationFailed):
        services.served_household_add(actor=staff, member=member_of(world, 0), building=building.pk, room="201")
    services.served_household_remove(actor=staff, member=anchor, household=neighbour.pk)
    assert not anchor.served_households.exists()
    with pytest.raises(NotFound):
        services.served_household_remove(actor=staff, member=anchor, household=neighbour.pk)


def test_the_profile_is_for_staff_and_the_member_themself(client, world, anchor):
    staff = world.users["community_staff"]
    services.served_household_add(actor=staff, member=anchor, household=household_in(world, 0, room="502").pk)
    services.award_record(actor=staff, person=anchor.person, title="区优秀共产党员", community=world.communities[0].pk,
                          awarded_on="2026-07-01")
    for user in (staff, world.users["street_staff"], user_of(anchor)):
        client.force_login(user)
        page = client.get(reverse("party:member", args=[anchor.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert "李建军" in html and "组织委员" in html and "区优秀共产党员" in html and "502" in html
        assert world.units[0].name in html
        assert "13912345678" not in html  # masked on the profile too
    for user in (world.users["community_staff_other"], world.users["resident"], world.users["unit_handler"]):
        client.force_login(user)
        assert client.get(reverse("party:member", args=[anchor.pk])).status_code == 404


def test_honours_are_recorded_by_staff_with_a_title_and_a_past_date(world, anchor):
    staff = world.users["community_staff"]
    with pytest.raises(ValidationFailed):
        services.award_record(actor=staff, person=anchor.person, title="", community=world.communities[0].pk)
    with pytest.raises(ValidationFailed):
        services.award_record(actor=staff, person=anchor.person, title="未来之星", community=world.communities[0].pk,
                              awarded_on="2999-01-01")
    with pytest.raises(NotAllowed):
        services.award_record(actor=world.users["resident"], person=anchor.person, title="自封",
                              community=world.communities[0].pk)
    assert not Award.objects.exists()


def test_profile_forms_keep_input_and_show_the_error(client, world, anchor):
    client.force_login(user_of(anchor))
    response = client.post(reverse("party:plaque_edit", args=[anchor.pk]),
                           {"pledge": "<script>x</script>我的承诺", "is_public": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "alert--error" in html and "我的承诺" in html
    ok = client.post(reverse("party:plaque_edit", args=[anchor.pk]), {"pledge": "我的承诺", "is_public": "on"})
    assert ok.status_code == 302
    page = client.get(reverse("party:member", args=[anchor.pk])).content.decode()
    assert "data:image/svg+xml" in page  # the plaque's QR code, for printing on the door

    client.force_login(world.users["community_staff"])
    response = client.post(reverse("party:served_add", args=[anchor.pk]), {"building": "", "room": "302"})
    assert response.status_code == 400 and 'value="302"' in response.content.decode()


def test_an_org_in_a_grid_makes_its_community_staff_responsible(world):
    org = PartyOrgFactory(region=world.grids[2])
    member = member_of(world, 0)
    PartyMember.objects.filter(pk=member.pk).update(org=org)
    member.refresh_from_db()
    from party.selectors import can_manage_member

    assert can_manage_member(world.users["community_staff_other"], member)  # org sits in community 2
    assert can_manage_member(world.users["community_staff"], member)  # lives in community 1
    assert not can_manage_member(world.users["grid_worker"], member)
