"""The pages: staff record from the phone, act on the dispute page, download and
upload the agreement; errors are shown, never a 500; others get 404."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from mediation.models import Dispute
from testing.loop import act as appeal_act
from testing.loop import report
from testing.world import build_world

from .factories import png, record, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_workbench_lists_high_risk_first_with_queues(client, world):
    quiet = record(world)
    risky = record(world, description="对方扬言拿刀砍人", parties=[{"name": "甲"}, {"name": "乙"}])
    client.force_login(world.users["community_staff"])
    response = client.get(reverse("mediation:workbench"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-queue="alerts"' in html
    open_section = html[html.index('data-queue="open"'):html.index('data-queue="follow_ups"')]
    assert open_section.index(f'data-dispute="{risky.pk}"') < open_section.index(f'data-dispute="{quiet.pk}"')
    assert client.get(reverse("mediation:workbench"), {"risk": "low", "community": "x"}).status_code == 200


def test_residents_get_404_everywhere(client, world):
    d = record(world)
    client.force_login(world.users["resident"])
    for url in (reverse("mediation:workbench"), reverse("mediation:record"), reverse("mediation:detail", args=[d.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("mediation:act", args=[d.pk, "accept"])).status_code == 404


def test_record_from_the_form_and_errors_keep_what_was_typed(client, world):
    client.force_login(world.users["grid_worker"])
    url = reverse("mediation:record")
    assert client.get(url).status_code == 200
    data = {"description": "短", "dispute_type": "neighbour", "source": "grid", "grid": world.grids[0].code,
            "party0_name": "王大爷", "party0_phone": "13900001111"}
    response = client.post(url, data)
    assert response.status_code == 400 and "王大爷" in response.content.decode()
    assert not Dispute.objects.exists()
    data["description"] = "两家为楼道杂物争吵，扬言要报复。"
    response = client.post(url, data)
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("mediation:detail", args=[d.pk])
    assert d.risk_level == "high" and d.parties.get().name == "王大爷"


def test_the_dispute_page_walks_the_loop(client, world):
    d = record(world)
    client.force_login(world.users["community_staff"])
    detail = reverse("mediation:detail", args=[d.pk])
    html = client.get(detail).content.decode()
    assert 'data-action="accept"' in html and "139****1111" in html and "13900001111" not in html
    r = client.post(reverse("mediation:act", args=[d.pk, "accept"]),
                    {"accept-mediator_name": "张调解", "accept-mediator_kind": "peoples_mediator",
                     "accept-expected_version": "1"})
    assert r.status_code == 302
    r = client.post(reverse("mediation:session", args=[d.pk]), {"session-notes": "双方陈述事实"})
    assert r.status_code == 302 and Dispute.objects.get(pk=d.pk).status == "mediating"
    r = client.post(reverse("mediation:act", args=[d.pk, "agree"]), {"agree-facts": "漏水", "agree-terms": ""})
    assert r.status_code == 400 and 'data-action="agree"' in r.content.decode()
    client.post(reverse("mediation:act", args=[d.pk, "agree"]), {"agree-facts": "漏水", "agree-terms": "赔偿"})
    agreement = Dispute.objects.get(pk=d.pk).agreements.get()
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        r = client.get(reverse("mediation:agreement", args=[d.pk, agreement.pk, fmt]))
        assert r.status_code == 200 and r.content.startswith(magic)
    assert client.get(reverse("mediation:agreement", args=[d.pk, agreement.pk, "exe"])).status_code == 404
    r = client.post(reverse("mediation:act", args=[d.pk, "sign"]), {"sign-signed_copy": png()})
    assert r.status_code == 302
    r = client.get(reverse("mediation:signed_copy", args=[d.pk, agreement.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    r = client.post(reverse("mediation:follow_up", args=[d.pk]),
                    {"follow-holds": "yes", "follow-note": "协议履行", "follow-close": "on"})
    assert r.status_code == 302 and Dispute.objects.get(pk=d.pk).status == "closed"


def test_reveal_phone_is_logged_and_htmx_gets_a_fragment(client, world):
    d = record(world)
    party = d.parties.first()
    client.force_login(world.users["community_staff"])
    url = reverse("mediation:reveal_phone", args=[d.pk, party.pk])
    r = client.post(url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "13900001111" in r.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(party.pk)).count() == 1
    assert client.post(reverse("mediation:reveal_phone", args=[d.pk, 99999])).status_code == 404


def test_a_wrong_step_shows_the_message_not_a_500(client, world):
    d = to_state(world, "closed")
    client.force_login(world.users["community_staff"])
    r = client.post(reverse("mediation:act", args=[d.pk, "withdraw"]), {"withdraw-note": "x"})
    assert r.status_code == 409
    assert client.post(reverse("mediation:act", args=[d.pk, "nonsense"])).status_code == 404
    r = client.post(reverse("mediation:risk", args=[d.pk]), {"risk-level": "high", "risk-reason": "x"})
    assert r.status_code == 409


def test_from_appeal_page(client, world):
    worker = world.users["grid_worker"]
    appeal = appeal_act(report(world), "accept", worker)
    client.force_login(worker)
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-convert="mediation"' in page
    url = reverse("mediation:from_appeal", args=[appeal.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"dispute_type": "neighbour", "party0_name": "张三", "party1_name": "李四"})
    d = Dispute.objects.get()
    assert r.status_code == 302 and d.source_appeal == appeal
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-linked="mediation"' in page and d.number in page
    assert client.get(url).status_code == 302  # already mediated: goes to the dispute
    client.force_login(world.users["grid_worker_other"])
    assert client.get(url).status_code == 404
