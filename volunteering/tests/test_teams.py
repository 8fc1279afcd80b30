"""Teams: staff set them up and appoint the leader; anyone asks to join; the
leader or staff decide; members leave. Through services and pages."""

import pytest

from core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from core.models import AuditLog, Notification
from testing.world import build_world
from volunteering import services
from volunteering.models import TeamEvent, TeamMembership, VolunteerTeam
from volunteering.workflow import MembershipStatus, TeamKind

from .factories import volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def team(world, django_capture_on_commit_callbacks):
    leader = volunteer("李建军", username="leader")
    with django_capture_on_commit_callbacks(execute=True):
        return services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                name="清洁家园志愿服务队", kind=TeamKind.CLEAN, leader=leader.username)


def test_staff_set_up_a_team_and_its_leader_is_an_active_member(world, team):
    assert team.leader.username == "leader"
    assert TeamMembership.objects.get(team=team, user=team.leader).status == MembershipStatus.ACTIVE
    assert TeamEvent.objects.filter(team=team, action="create").exists()
    assert AuditLog.objects.filter(object_type="volunteering.volunteerteam", object_id=str(team.pk)).exists()
    assert Notification.objects.filter(recipient=team.leader, verb="team_leader").exists()


def test_only_staff_of_the_community_set_up_teams(world):
    for who in ("resident", "community_staff_other", "grid_worker"):
        with pytest.raises(NotAllowed):
            services.team_create(actor=world.users[who], community=world.communities[0].pk, name="队", kind="clean")
    # Street staff manage every community of their street.
    team = services.team_create(actor=world.users["street_staff"], community=world.communities[0].pk,
                                name="助老队", kind="disability_elderly")
    assert team.leader is None


def test_a_custom_team_names_its_kind_and_names_are_unique_per_community(world, team):
    with pytest.raises(ValidationFailed) as e:
        services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk, name="巡逻队",
                             kind="custom")
    assert e.value.code == "required"
    custom = services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                  name="巡逻队", kind="custom", custom_kind="义务巡逻")
    assert custom.kind_label == "义务巡逻"
    with pytest.raises(ValidationFailed) as e:
        services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                             name="清洁家园志愿服务队", kind="clean")
    assert e.value.code == "duplicate_team"


def test_join_approve_leave(world, team, django_capture_on_commit_callbacks):
    resident = world.users["resident"]
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.team_join(actor=resident, team=team.pk, note="我周末有空")
    assert membership.status == MembershipStatus.PENDING
    assert Notification.objects.filter(recipient=team.leader, verb="team_request").exists()

    with pytest.raises(Conflict):
        services.team_join(actor=resident, team=team.pk)
    with pytest.raises(NotAllowed):  # not for the requester to approve themselves
        services.membership_act(actor=resident, membership=membership.pk, action="approve")

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_act(actor=team.leader, membership=membership.pk, action="approve")
    assert membership.status == MembershipStatus.ACTIVE and membership.decided_by == team.leader
    assert Notification.objects.filter(recipient=resident, verb="team_approve").exists()

    membership = services.membership_act(actor=resident, membership=membership.pk, action="leave")
    assert membership.status == MembershipStatus.LEFT
    # After leaving one may ask again: a new membership row, the old one kept.
    again = services.team_join(actor=resident, team=team.pk)
    assert again.pk != membership.pk
    assert TeamMembership.objects.filter(team=team, user=resident).count() == 2


def test_staff_reject_and_the_leader_cannot_leave(world, team):
    request = services.team_join(actor=world.users["resident"], team=team.pk)
    with pytest.raises(NotAllowed):  # staff of another community
        services.membership_act(actor=world.users["community_staff_other"], membership=request.pk, action="reject")
    rejected = services.membership_act(actor=world.users["community_staff"], membership=request.pk, action="reject")
    assert rejected.status == MembershipStatus.REJECTED
    with pytest.raises(InvalidTransition):
        services.membership_act(actor=team.leader, membership=request.pk, action="approve")

    own = TeamMembership.objects.get(team=team, user=team.leader)
    with pytest.raises(ValidationFailed) as e:
        services.membership_act(actor=team.leader, membership=own.pk, action="leave")
    assert e.value.code == "leader_stays"


def test_removing_a_member_needs_a_reason(world, team):
    m = services.team_join(actor=world.users["resident"], team=team.pk)
    services.membership_act(actor=team.leader, membership=m.pk, action="approve")
    with pytest.raises(ValidationFailed):
        services.membership_act(actor=team.leader, membership=m.pk, action="remove")
    removed = services.membership_act(actor=team.leader, membership=m.pk, action="remove", note="长期未参加活动")
    assert removed.status == MembershipStatus.LEFT


def test_a_closed_team_takes_no_members_and_staff_can_appoint_a_new_leader(world, team):
    newcomer = volunteer("王秀英", username="wang")
    team = services.team_update(actor=world.users["community_staff"], team=team.pk, name=team.name, kind=team.kind,
                                leader="wang", is_active=True)
    assert team.leader == newcomer
    assert TeamMembership.objects.get(team=team, user=newcomer).status == MembershipStatus.ACTIVE
    with pytest.raises(NotAllowed):
        services.team_update(actor=newcomer, team=team.pk, name="x", kind="clean")
    services.team_update(actor=world.users["community_staff"], team=team.pk, name=team.name, kind=team.kind,
                         leader="wang", is_active=False)
    with pytest.raises(InvalidTransition):
        services.team_join(actor=world.users["resident2"], team=team.pk)


# ---------------------------------------------------------------- pages

def test_a_resident_asks_to_join_on_the_page_and_the_leader_approves_there(client, world, team):
    client.force_login(world.users["resident"])
    page = client.get("/volunteering/teams/")
    assert page.status_code == 200 and "清洁家园志愿服务队" in page.content.decode()
    response = client.post(f"/volunteering/teams/{team.pk}/join/", {"note": "想参加"})
    assert response.status_code == 302
    membership = TeamMembership.objects.get(team=team, user=world.users["resident"])
    assert membership.status == MembershipStatus.PENDING

    client.force_login(team.leader)
    page = client.get(f"/volunteering/teams/{team.pk}/")
    assert "想参加" in page.content.decode()
    response = client.post(f"/volunteering/memberships/{membership.pk}/approve/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_pages_refuse_clearly_and_never_fail(client, world, team):
    client.force_login(world.users["resident"])
    other = services.team_join(actor=world.users["resident2"], team=team.pk)
    response = client.post(f"/volunteering/memberships/{other.pk}/approve/", follow=True)
    assert response.status_code == 200
    assert "not allowed" in response.content.decode()
    assert TeamMembership.objects.get(pk=other.pk).status == MembershipStatus.PENDING
    assert client.post("/volunteering/memberships/999999/approve/", follow=True).status_code == 200
    assert client.post(f"/volunteering/memberships/{other.pk}/explode/", follow=True).status_code == 200
    assert client.get("/volunteering/teams/999999/").status_code == 404
    # Staff set up a team through the workbench; markup is refused with the form kept.
    client.force_login(world.users["community_staff"])
    response = client.post("/volunteering/staff/teams/", {"name": "<script>x</script>", "kind": "clean",
                                                          "community": world.communities[0].pk})
    assert response.status_code == 400
    assert "HTML" in response.content.decode()
    assert not VolunteerTeam.objects.filter(name__contains="script").exists()
