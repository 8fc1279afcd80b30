"""双报到 registration rules and who may do what, through the services and the pages."""

import pytest
from django.urls import reverse

from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog, Notification
from party import services
from party.models import DualReport, DualReportEvent
from testing.factories import UnitFactory

from .factories import member_of, resident_of, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    from testing.world import build_world

    return build_world()


def test_a_member_registers_themself_with_the_community_they_live_in(world, django_capture_on_commit_callbacks):
    member = member_of(world, 0, employer=world.units[0])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.dual_report_register(actor=user_of(member), kind="member")

    assert (report.member, report.community, report.status) == (member, world.communities[0], "active")
    assert report.registered_by == user_of(member)
    assert DualReportEvent.objects.filter(report=report, action="register", to_status="active").count() == 1
    assert AuditLog.objects.filter(action="party.dual_report.register", object_id=str(report.pk)).exists()
    staff = world.users["community_staff"]
    assert Notification.objects.filter(recipient=staff, verb="dual_report").exists()


def test_a_member_cannot_register_themself_elsewhere_but_staff_of_that_community_can(
        world, django_capture_on_commit_callbacks):
    member = member_of(world, 0, employer=world.units[0])
    with pytest.raises(NotAllowed):
        services.dual_report_register(actor=user_of(member), kind="member", community=world.communities[1].pk)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.dual_report_register(actor=world.users["community_staff_other"], kind="member",
                                               member=member.pk, community=world.communities[1].pk)
    assert report.community == world.communities[1]
    assert Notification.objects.filter(recipient=user_of(member), verb="dual_report").exists()


def test_only_in_service_members_take_part(world):
    retired = member_of(world, 0, employer=None)
    with pytest.raises(ValidationFailed) as err:
        services.dual_report_register(actor=user_of(retired), kind="member")
    assert err.value.code == "not_in_service"
    with pytest.raises(ValidationFailed):
        services.dual_report_register(actor=world.users["community_staff"], kind="member", member=retired.pk,
                                      community=world.communities[0].pk)
    assert not DualReport.objects.exists()


def test_a_resident_who_is_not_a_member_cannot_register(world):
    with pytest.raises(NotAllowed):
        services.dual_report_register(actor=resident_of(world, 0), kind="member")


def test_one_active_registration_per_member_until_it_ends(world):
    member = member_of(world, 0, employer=world.units[0])
    staff, street = world.users["community_staff"], world.users["street_staff"]
    first = services.dual_report_register(actor=staff, kind="member", member=member.pk, community=world.communities[0].pk)
    with pytest.raises(Conflict) as err:
        services.dual_report_register(actor=street, kind="member", member=member.pk, community=world.communities[1].pk)
    assert err.value.code == "already_registered" and world.communities[0].name in err.value.message

    ended = services.dual_report_end(actor=user_of(member), report=first.pk, note="搬家了")
    assert (ended.status, ended.ended_by) == ("ended", user_of(member))
    with pytest.raises(InvalidTransition):
        services.dual_report_end(actor=staff, report=first.pk)
    again = services.dual_report_register(actor=street, kind="member", member=member.pk, community=world.communities[1].pk)
    assert again.status == "active"
    assert DualReport.objects.filter(member=member).count() == 2
    assert list(DualReportEvent.objects.filter(report=first).values_list("action", flat=True)) == ["register", "end"]


def test_units_are_registered_by_community_staff_once_per_community(world):
    unit = world.units[1]
    staff = world.users["community_staff"]
    with pytest.raises(NotAllowed):
        services.dual_report_register(actor=world.users["community_staff_other"], kind="unit", unit=unit.pk,
                                      community=world.communities[0].pk)
    with pytest.raises(NotAllowed):
        services.dual_report_register(actor=world.users["unit_handler"], kind="unit", unit=unit.pk,
                                      community=world.communities[0].pk)
    services.dual_report_register(actor=staff, kind="unit", unit=unit.pk, community=world.communities[0].pk)
    with pytest.raises(Conflict):
        services.dual_report_register(actor=staff, kind="unit", unit=unit.pk, community=world.communities[0].pk)
    services.dual_report_register(actor=world.users["street_staff"], kind="unit", unit=unit.pk,
                                  community=world.communities[1].pk)  # another community: fine
    assert DualReport.objects.filter(kind="unit", unit=unit, status="active").count() == 2


def test_ending_is_for_the_member_and_staff_of_the_community(world):
    member = member_of(world, 0, employer=world.units[0])
    report = services.dual_report_register(actor=user_of(member), kind="member")
    for outsider in (world.users["community_staff_other"], world.users["resident"], user_of(member_of(world, 0))):
        with pytest.raises(NotFound):
            services.dual_report_end(actor=outsider, report=report.pk)
    services.dual_report_end(actor=world.users["street_staff"], report=report.pk)
    assert DualReport.objects.get(pk=report.pk).status == "ended"


@pytest.mark.parametrize("kwargs, error", [
    ({"kind": "nonsense"}, ValidationFailed),
    ({"kind": "member", "member": "abc", "community": "1"}, NotFound),
    ({"kind": "member", "member": "999999", "community": "x"}, NotFound),
    ({"kind": "unit", "unit": "", "community": "COMMUNITY"}, ValidationFailed),
    ({"kind": "unit", "unit": "9" * 30, "community": "COMMUNITY"}, NotFound),
    ({"kind": "unit", "unit": "UNIT", "community": "GRID"}, ValidationFailed),
    ({"kind": "unit", "unit": "UNIT", "community": "COMMUNITY", "note": "<script>alert(1)</script>"}, ValidationFailed),
])
def test_bad_input_is_refused_with_a_message_and_saves_nothing(world, kwargs, error):
    values = {"COMMUNITY": str(world.communities[0].pk), "GRID": str(world.grids[0].pk), "UNIT": str(world.units[0].pk)}
    kwargs = {k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(error) as err:
        services.dual_report_register(actor=world.users["community_staff"], **kwargs)
    assert err.value.message
    assert not DualReport.objects.exists() and not DualReportEvent.objects.exists()


def test_inactive_units_cannot_register(world):
    unit = UnitFactory(is_active=False)
    with pytest.raises(ValidationFailed):
        services.dual_report_register(actor=world.users["community_staff"], kind="unit", unit=unit.pk,
                                      community=world.communities[0].pk)


# ---------------------------------------------------------------- pages

def test_staff_register_and_end_through_the_page(client, world):
    member = member_of(world, 0, employer=world.units[0], name="王建华")
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("party:dual"))
    assert page.status_code == 200 and "王建华" in page.content.decode()  # offered for registration

    response = client.post(reverse("party:dual_register"), {"kind": "member", "member": member.pk,
                                                            "community": world.communities[0].pk, "note": "单位推荐"})
    assert response.status_code == 302
    report = DualReport.objects.get(member=member)

    page = client.get(reverse("party:dual"))
    assert reverse("party:dual_end", args=[report.pk]) in page.content.decode()
    response = client.post(reverse("party:dual_end", args=[report.pk]), {"note": "调动"})
    assert response.status_code == 302
    assert DualReport.objects.get(pk=report.pk).status == "ended"


def test_the_page_keeps_what_was_typed_when_registration_fails(client, world):
    client.force_login(world.users["community_staff"])
    response = client.post(reverse("party:dual_register"), {"kind": "unit", "unit": "", "community": world.communities[0].pk,
                                                            "note": "这是我写的备注"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="alert alert--error"' in html and "这是我写的备注" in html


def test_a_member_registers_on_the_page_and_sees_their_record(client, world):
    member = member_of(world, 0, employer=world.units[0])
    client.force_login(user_of(member))
    page = client.get(reverse("party:dual"))
    assert page.status_code == 200 and 'value="self"' in page.content.decode()
    response = client.post(reverse("party:dual_register"), {"kind": "self"})
    assert response.status_code == 302 and response["Location"] == reverse("party:my_record")
    record = client.get(reverse("party:my_record")).content.decode()
    assert world.communities[0].name in record


def test_pages_are_closed_to_those_they_are_not_for(client, world):
    client.force_login(world.users["resident"])
    assert client.get(reverse("party:dual")).status_code == 404
    assert client.get(reverse("party:quarter")).status_code == 404
    assert client.get(reverse("party:my_record")).status_code == 404
    client.logout()
    assert client.get(reverse("party:dual")).status_code == 302  # to log-in


def test_staff_cannot_end_another_communitys_registration_through_the_page(client, world):
    member = member_of(world, 1, employer=world.units[0])
    report = services.dual_report_register(actor=user_of(member), kind="member")
    client.force_login(world.users["community_staff"])
    assert client.post(reverse("party:dual_end", args=[report.pk])).status_code == 404
    assert DualReport.objects.get(pk=report.pk).status == "active"


def test_the_quarter_page_survives_bad_parameters(client, world):
    client.force_login(world.users["community_staff"])
    for params in ({"year": "abc", "quarter": "2"}, {"year": "2026", "quarter": "9"}, {"community": "x' OR 1=1"},
                   {"community": str(world.communities[1].pk)}, {"year": "99999999999999999999999"}):
        response = client.get(reverse("party:quarter"), params)
        assert response.status_code in (200, 400), params
        assert 'class="alert alert--error"' in response.content.decode(), params


# ---------------------------------------------------------------- concurrency

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_registering_one_member_at_once_leave_one_registration():
    from testing.concurrency import needs_real_locks, race
    from testing.world import build_world

    needs_real_locks()
    world = build_world()
    member = member_of(world, 0, employer=world.units[0])
    calls = [lambda u=u, c=c: services.dual_report_register(actor=world.users[u], kind="member", member=member.pk,
                                                            community=world.communities[c].pk)
             for u, c in (("community_staff", 0), ("community_staff_other", 1))]

    results = race(*calls)

    assert sum(1 for r, e in results if e is None) == 1, results
    assert [type(e) for r, e in results if e is not None] == [Conflict]
    assert DualReport.objects.filter(member=member, status="active").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ending_one_registration_twice_at_once_ends_it_once():
    from testing.concurrency import needs_real_locks, race
    from testing.world import build_world

    needs_real_locks()
    world = build_world()
    member = member_of(world, 0, employer=world.units[0])
    report = services.dual_report_register(actor=user_of(member), kind="member")

    results = race(*[lambda u=u: services.dual_report_end(actor=u, report=report.pk)
                     for u in (user_of(member), world.users["community_staff"])])

    assert sum(1 for r, e in results if e is None) == 1, results
    assert [type(e) for r, e in results if e is not None] == [InvalidTransition]
    assert DualReportEvent.objects.filter(report=report, action="end").count() == 1
