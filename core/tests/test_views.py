"""Home, inbox and language switching, as a user meets them."""

import pytest
from django.urls import reverse

from core.models import Notification
from testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_language_switch_to_english_changes_the_page_and_back(client, world):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "登录邻里" in page and 'lang="zh-Hans"' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("accounts:login")}, follow=True)
    page = response.content.decode()
    assert "Log in to Linli" in page and "登录邻里" not in page and 'lang="en"' in page

    client.force_login(world.users["resident"])
    page = client.get(reverse("appeals:report")).content.decode()
    assert "Report a problem" in page and "Use my location" in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我要反映" in client.get(reverse("appeals:report")).content.decode()


def test_inbox_lists_messages_and_marks_them_read(client, world):
    user = world.users["grid_worker"]
    Notification.objects.create(recipient=user, verb="new_appeal", title="您的网格有新诉求：路灯不亮", url="/appeals/tasks/")
    Notification.objects.create(recipient=user, verb="supervision", title="督办：井盖丢失")
    Notification.objects.create(recipient=world.users["resident"], verb="progress", title="别人的消息")
    client.force_login(user)

    page = client.get(reverse("core:inbox")).content.decode()
    assert "路灯不亮" in page and "井盖丢失" in page and "别人的消息" not in page
    assert '<span class="count"' in page  # unread count in the header

    opened = client.post(reverse("core:inbox_read"), {"id": user.notifications.get(verb="new_appeal").pk, "open": "1"})
    assert opened.url == "/appeals/tasks/"
    assert user.notifications.filter(read_at__isnull=True).count() == 1
    unread_page = client.get(reverse("core:inbox"), {"show": "unread"}).content.decode()
    assert "井盖丢失" in unread_page and "路灯不亮" not in unread_page

    response = client.post(reverse("core:inbox_read"), follow=True)
    assert "已将 1 条消息标为已读" in response.content.decode()
    assert user.notifications.filter(read_at__isnull=True).count() == 0

    other = world.users["resident"].notifications.get()
    assert client.post(reverse("core:inbox_read"), {"id": other.pk}).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_inbox_refuses_to_open_links_off_the_site(client, world):
    user = world.users["resident"]
    note = Notification.objects.create(recipient=user, verb="x", title="t", url="https://evil.example/")
    client.force_login(user)
    assert client.post(reverse("core:inbox_read"), {"id": note.pk, "open": "1"}).url == reverse("core:inbox")


def test_navigation_follows_the_roles(client, world):
    client.force_login(world.users["street_staff"])
    page = client.get(reverse("appeals:workbench")).content.decode()
    assert reverse("appeals:workbench") in page and reverse("appeals:report") in page
    assert reverse("insights:figures") in page
    client.force_login(world.users["resident"])
    page = client.get(reverse("appeals:mine")).content.decode()
    assert reverse("appeals:workbench") not in page and reverse("insights:figures") not in page
    assert "我的诉求" in page


def test_pages_send_a_strict_content_security_policy_and_no_inline_script(client, world):
    client.force_login(world.users["street_staff"])
    for url in (reverse("appeals:workbench"), reverse("appeals:report"), reverse("core:inbox")):
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        page = response.content.decode()
        assert " onclick=" not in page and "<script>" not in page
        assert "https://" not in page.split("<body")[0]  # no CDN in the head


def test_residents_land_on_their_home_with_what_they_can_do(client, world):
    client.force_login(world.users["resident"])
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:me")
    page = response.content.decode()
    for name in ("appeals:report", "services:ask", "services:wall", "volunteering:activities", "points:mine"):
        assert f'href="{reverse(name)}"' in page, name
    assert "维修、代办、微心愿" in page and "Repairs, errands" not in page  # the hints are in Chinese too
    # Provider and party-member entries only for those who are one.
    assert f'class="tile" href="{reverse("services:board")}"' not in page
    assert f'class="tile" href="{reverse("party:my_record")}"' not in page


def test_a_party_member_who_serves_sees_the_provider_and_dual_reporting_entries(client, world):
    from party.models import PartyMember, PartyOrg
    from services.tests.factories import make_provider
    from testing.factories import PersonFactory

    user = world.users["resident2"]
    user.person = PersonFactory()
    user.save()
    PartyMember.objects.create(person=user.person, org=PartyOrg.objects.create(name="支部", kind=PartyOrg.Kind.BRANCH),
                               employer=world.units[0])
    make_provider(user, area=[world.communities[0]])
    client.force_login(user)
    page = client.get(reverse("core:me")).content.decode()
    assert f'class="tile" href="{reverse("services:board")}"' in page
    assert f'class="tile" href="{reverse("party:my_record")}"' in page
    assert f'href="{reverse("services:board")}"' in page.split("</nav>")[0]  # and in the header navigation
