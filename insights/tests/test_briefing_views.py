"""The briefing pages: list, generate now, download; scoped like the figures page,
bad input answered in the page (never a 500), downloads audited."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from core.models import AuditLog
from insights import briefings as B
from insights.models import Briefing

LIST, GENERATE = reverse("insights:briefings"), reverse("insights:briefing_generate")


def last_monday() -> dt.date:
    return B.last_complete_period("week", timezone.localdate()).start


@pytest.fixture
def as_user(client, world):
    def login(name):
        client.force_login(world.users[name])
        return client
    return login


def test_the_page_offers_the_scopes_the_user_may_choose(as_user, world):
    response = as_user("community_staff").get(LIST)
    assert response.status_code == 200
    form = response.context["form"]
    keys = [key for key, _label in form.fields["scope"].choices]
    assert keys[0] == f"region:{world.communities[0].pk}"
    assert f"region:{world.grids[0].pk}" in keys and f"region:{world.grids[1].pk}" in keys
    assert f"region:{world.communities[1].pk}" not in keys and f"region:{world.street.pk}" not in keys
    assert form.initial["kind"] == "week" and form.initial["day"] == last_monday()
    assert b'id="briefing-form"' in response.content
    assert f'value="{last_monday().isoformat()}"'.encode() in response.content  # ISO, as type=date needs


def test_generate_now_makes_the_briefing_and_lists_it(as_user, world):
    client = as_user("street_staff")
    response = client.post(GENERATE, {"scope": f"region:{world.street.pk}", "kind": "week",
                                      "day": last_monday().isoformat()})
    assert response.status_code == 302 and response.url == LIST
    briefing = Briefing.objects.get()
    assert briefing.generated_by == world.users["street_staff"] and briefing.period_start == last_monday()
    page = client.get(LIST)
    assert f'data-briefing="{briefing.pk}"'.encode() in page.content
    assert reverse("insights:briefing_download", args=[briefing.pk]).encode() in page.content
    # Again: the same row, version 2, still one card.
    client.post(GENERATE, {"scope": f"region:{world.street.pk}", "kind": "week", "day": last_monday().isoformat()})
    assert Briefing.objects.get().version == 2
    assert client.get(LIST).content.count(b"data-briefing=") == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"scope": "region:999999", "kind": "week", "day": "2026-03-02"}, "scope"),
    ({"scope": "", "kind": "week", "day": "2026-03-02"}, "scope"),
    ({"kind": "quarter", "day": "2026-03-02"}, "kind"),
    ({"kind": "week", "day": "2026-02-30"}, "day"),
    ({"kind": "week", "day": ""}, "day"),
])
def test_bad_form_input_is_shown_in_the_page(as_user, world, data, field):
    data = {"scope": f"region:{world.street.pk}", **data}
    response = as_user("street_staff").post(GENERATE, data)
    assert response.status_code == 400
    assert f'data-field-error="{field}"'.encode() in response.content
    assert not Briefing.objects.exists()


def test_a_future_period_is_explained_not_a_500(as_user, world):
    future = timezone.localdate() + dt.timedelta(days=40)
    response = as_user("street_staff").post(GENERATE, {"scope": f"region:{world.street.pk}", "kind": "month",
                                                       "day": future.isoformat()})
    assert response.status_code == 400
    assert b"data-briefing-error" in response.content
    assert not Briefing.objects.exists()


def test_a_scope_outside_the_users_area_is_refused(as_user, world):
    response = as_user("community_staff").post(GENERATE, {"scope": f"region:{world.communities[1].pk}",
                                                          "kind": "week", "day": last_monday().isoformat()})
    assert response.status_code == 400 and b'data-field-error="scope"' in response.content
    assert not Briefing.objects.exists()


def test_download_gives_the_word_document_and_is_audited(as_user, world):
    briefing = B.briefing_generate(actor=None, scope=world.communities[0], kind="week", start=last_monday())
    response = as_user("community_staff").get(reverse("insights:briefing_download", args=[briefing.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.core_properties.title == briefing.title
    log = AuditLog.objects.get(action="briefing.download")
    assert log.actor == world.users["community_staff"] and log.object_id == str(briefing.pk)


def test_someone_elses_briefing_is_not_found(as_user, world):
    briefing = B.briefing_generate(actor=None, scope=world.communities[0], kind="week", start=last_monday())
    client = as_user("community_staff_other")
    assert client.get(reverse("insights:briefing_download", args=[briefing.pk])).status_code == 404
    assert f'data-briefing="{briefing.pk}"'.encode() not in client.get(LIST).content
    assert not AuditLog.objects.filter(action="briefing.download").exists()
    assert client.get(reverse("insights:briefing_download", args=[987654])).status_code == 404


def test_a_missing_file_is_not_a_500(as_user, world):
    briefing = B.briefing_generate(actor=None, scope=world.street, kind="week", start=last_monday())
    briefing.file.storage.delete(briefing.file.name)
    assert as_user("street_staff").get(reverse("insights:briefing_download", args=[briefing.pk])).status_code == 404


def test_the_list_filters_by_kind(as_user, world):
    week = B.briefing_generate(actor=None, scope=world.street, kind="week", start=last_monday())
    month = B.briefing_generate(actor=None, scope=world.street, kind="month",
                                start=B.last_complete_period("month", timezone.localdate()).start)
    client = as_user("street_staff")
    weekly = client.get(LIST, {"kind": "week"}).content
    assert f'data-briefing="{week.pk}"'.encode() in weekly and f'data-briefing="{month.pk}"'.encode() not in weekly
    assert client.get(LIST, {"kind": "nonsense"}).status_code == 200


@pytest.mark.parametrize("user", ["resident", "resident2"])
def test_residents_are_refused(as_user, user):
    client = as_user(user)
    assert client.get(LIST).status_code == 403
    assert client.post(GENERATE, {"kind": "week"}).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_generate_is_post_only(as_user):
    assert as_user("street_staff").get(GENERATE).status_code == 405


def test_the_page_works_in_both_languages(as_user, world):
    client = as_user("unit_handler")
    for language in ("zh-hans", "en"):
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        keys = [key for key, _label in response.context["form"].fields["scope"].choices]
        assert keys == [f"unit:{world.units[0].pk}"]
