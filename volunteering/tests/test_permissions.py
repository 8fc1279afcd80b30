"""Who sees which page: the roster, the venue screen, the workbench and team
editing belong to whoever runs them; public pages to everyone logged in; the
verification page to anyone."""

import pytest

from testing.factories import user_with_role
from testing.world import build_world
from volunteering import services

from .factories import publish_now, volunteer

pytestmark = pytest.mark.django_db

OK, HIDDEN, LOGIN = 200, 404, 302


@pytest.fixture
def scene():
    world = build_world()
    leader = volunteer("队长", username="leader")
    team = services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                name="综治维稳队", kind="stability", leader=leader.pk)
    activity = publish_now(world, by=leader, team=team.pk, community=None)
    people = {
        "anonymous": None,
        "resident": world.users["resident"],
        "leader": leader,
        "community_staff": world.users["community_staff"],
        "other_staff": world.users["community_staff_other"],
        "street_staff": world.users["street_staff"],
        "grid_worker": world.users["grid_worker"],
        "admin": user_with_role("admin", username="root"),
    }
    return world, team, activity, people


PAGES = {
    "activities": lambda t, a: "/volunteering/",
    "activity": lambda t, a: f"/volunteering/activities/{a.pk}/",
    "mine": lambda t, a: "/volunteering/mine/",
    "teams": lambda t, a: "/volunteering/teams/",
    "team": lambda t, a: f"/volunteering/teams/{t.pk}/",
    "staff": lambda t, a: "/volunteering/staff/",
    "roster": lambda t, a: f"/volunteering/activities/{a.pk}/roster/",
    "venue": lambda t, a: f"/volunteering/activities/{a.pk}/venue/",
    "verify": lambda t, a: "/volunteering/verify/",
}

EXPECTED = {
    #                  activities act  mine teams team staff  roster  venue   verify
    "anonymous":       (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK),
    "resident":        (OK, OK, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN, OK),
    "leader":          (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "community_staff": (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "other_staff":     (OK, OK, OK, OK, OK, OK, HIDDEN, HIDDEN, OK),
    "street_staff":    (OK, OK, OK, OK, OK, OK, OK, OK, OK),
    "grid_worker":     (OK, OK, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN, OK),
    "admin":           (OK, OK, OK, OK, OK, OK, OK, OK, OK),
}


@pytest.mark.parametrize("who", EXPECTED)
def test_page_access_matrix(client, scene, who):
    _world, team, activity, people = scene
    if people[who] is not None:
        client.force_login(people[who])
    got = tuple(client.get(url(team, activity)).status_code for url in PAGES.values())
    assert dict(zip(PAGES, got)) == dict(zip(PAGES, EXPECTED[who]))


def test_only_staff_see_the_team_edit_form_and_only_runners_the_join_requests(client, scene):
    world, team, _activity, people = scene
    services.team_join(actor=world.users["resident2"], team=team.pk, note="想加入巡逻")
    for who, edit, requests in [("resident", False, False), ("leader", False, True), ("community_staff", True, True),
                                ("other_staff", False, False)]:
        client.force_login(people[who])
        html = client.get(f"/volunteering/teams/{team.pk}/").content.decode()
        assert (f"/volunteering/teams/{team.pk}/edit/" in html) is edit, who
        assert ("想加入巡逻" in html) is requests, who
    client.force_login(people["leader"])
    own = team.memberships.get(user=people["leader"])
    assert f"/volunteering/memberships/{own.pk}/leave/" not in client.get(f"/volunteering/teams/{team.pk}/").content.decode()
    response = client.post(f"/volunteering/teams/{team.pk}/edit/", {"name": "改名", "kind": "clean"})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "综治维稳队"
