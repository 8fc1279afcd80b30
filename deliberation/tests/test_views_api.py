"""The pages and the API as a user meets them: 200s, forms that keep what was
typed, clear errors (never a 500), scoping, documents, figures and the demo."""

import datetime as dt
import io
import json
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from deliberation import selectors, services
from deliberation.models import CoSign, Matter, Meeting, Task
from deliberation.workflow import Status

from .factories import build, raise_matter, to_decided, to_in_action, to_rating

pytestmark = pytest.mark.django_db
API = "/api/v1/deliberation"


@pytest.fixture
def w():
    return build()


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- pages

def test_resident_pages_show_the_six_steps_and_task_progress(client, w):
    matter = raise_matter(w)
    to_in_action(w, matter)
    login(client, w.users["neighbour"])
    page = client.get(reverse("deliberation:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-matter="{matter.number}"' in html and 'data-step="4"' in html and 'data-progress="0"' in html
    detail = client.get(reverse("deliberation:detail", args=[matter.pk])).content.decode()
    assert 'data-step-n="6"' in detail and "data-cosign-button" not in detail  # in action: no more co-signing
    assert client.get(reverse("deliberation:raise")).status_code == 200


def test_raising_on_the_page_keeps_the_text_on_error(client, w):
    login(client, w.users["raiser"])
    r = client.post(reverse("deliberation:raise"), {"title": "停车", "content": "<script>x</script>太乱了"})
    assert r.status_code == 400 and "data-error" in r.content.decode() and "停车" in r.content.decode()
    assert not Matter.objects.exists()
    r = client.post(reverse("deliberation:raise"), {"title": "停车难", "content": "晚上车停满消防通道，需要商量。"})
    matter = Matter.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("deliberation:detail", args=[matter.pk])


def test_staff_sort_accept_and_run_a_meeting_on_the_pages(client, w):
    matter = raise_matter(w)
    login(client, w.users["staff"])
    assert client.get(reverse("deliberation:workbench")).status_code == 200
    r = client.post(reverse("deliberation:act", args=[matter.pk, "sort_big"]), {"expected_version": matter.version})
    assert r.status_code == 302
    r = client.post(reverse("deliberation:act", args=[matter.pk, "decline"]), {"note": ""})
    assert r.status_code == 400 and "data-error" in r.content.decode()
    client.post(reverse("deliberation:act", args=[matter.pk, "accept"]), {"note": "同意"})
    r = client.post(reverse("deliberation:meeting_new"), {"community": w.community.code, "starts_at": "not a date",
                                                          "venue": "议事厅", "title": "第一次议事"})
    assert r.status_code == 400 and "第一次议事" in r.content.decode()
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(reverse("deliberation:meeting_new"), {"community": w.community.code, "starts_at": start,
                                                          "venue": "议事厅", "kind": "red_day"})
    meeting = Meeting.objects.get()
    assert r.status_code == 302
    act = lambda op, data: client.post(reverse("deliberation:meeting_act", args=[meeting.pk, op]), data)  # noqa: E731
    assert act("agenda", {"matter": matter.pk}).status_code == 302
    assert act("invite", {"party": "police", "name": "派出所"}).status_code == 302
    assert act("invite", {"party": "police", "name": "派出所"}).status_code == 400  # twice: clear error
    assert act("hold", {"expected_version": meeting.version}).status_code == 302
    r = act("decision", {"matter": matter.pk, "text": "同意施划", "votes_for": "-1", "votes_against": "0",
                         "votes_abstain": "0"})
    assert r.status_code == 400 and "同意施划" in r.content.decode()
    assert act("decision", {"matter": matter.pk, "text": "同意施划", "votes_for": "8", "votes_against": "1",
                            "votes_abstain": "2"}).status_code == 302
    assert act("minutes", {"minutes": "会议讨论了停车问题。", "host": "张书记"}).status_code == 302
    assert Matter.objects.get(pk=matter.pk).status == Status.DECIDED
    page = client.get(reverse("deliberation:meeting", args=[meeting.pk])).content.decode()
    assert 'data-decision-votes="8-1-2"' in page
    assert act("nonsense", {}).status_code == 404


def test_minutes_export_as_docx_and_pdf_with_the_decision_and_votes(client, w):
    from docx import Document

    matter = raise_matter(w)
    meeting = to_decided(w, matter)
    services.meeting_minutes(meeting=meeting, actor=w.users["staff"], minutes="讨论充分。", host="张书记")
    login(client, w.users["staff"])
    r = client.get(reverse("deliberation:meeting_export", args=[meeting.pk, "docx"]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "划定夜间临时停车区" in text and "7" in text and matter.title in text and "居委会" in text
    r = client.get(reverse("deliberation:meeting_export", args=[meeting.pk, "pdf"]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    from deliberation.documents import outline

    lines = [t for _k, t in outline(meeting)]
    assert any("7" in t and "1" in t for t in lines if "划定" not in t)
    assert client.get(reverse("deliberation:meeting_export", args=[meeting.pk, "xls"])).status_code == 404


def test_a_task_is_whistled_from_the_page(client, w):
    matter = raise_matter(w)
    task = to_in_action(w, matter)
    login(client, w.users["street"])
    r = client.post(reverse("deliberation:task_whistle", args=[task.pk]), {"deadline_workdays": "abc"})
    assert r.status_code == 400 and Task.objects.get(pk=task.pk).appeal is None
    r = client.post(reverse("deliberation:task_whistle", args=[task.pk]), {"note": "请尽快"})
    assert r.status_code == 302 and Task.objects.get(pk=task.pk).appeal.status == "whistled"
    # The appeal page shows the task panel and the unit handler sees the matter.
    login(client, w.users["unit"])
    page = client.get(reverse("appeals:detail", args=[Task.objects.get(pk=task.pk).appeal_id])).content.decode()
    assert 'data-linked="deliberation_task"' in page
    assert client.get(reverse("deliberation:detail", args=[matter.pk])).status_code == 200


def test_others_get_404_and_residents_403_on_staff_pages(client, w):
    matter = raise_matter(w)
    login(client, w.users["outsider"])
    assert client.get(reverse("deliberation:detail", args=[matter.pk])).status_code == 404
    assert client.post(reverse("deliberation:cosign", args=[matter.pk])).status_code == 404
    assert client.get(reverse("deliberation:workbench")).status_code == 403
    login(client, w.users["neighbour"])
    assert client.post(reverse("deliberation:act", args=[matter.pk, "sort_big"])).status_code == 403
    assert client.post(reverse("deliberation:act", args=[matter.pk, "bogus"])).status_code == 400
    assert client.post(reverse("deliberation:cosign", args=[matter.pk])).status_code == 302
    assert client.post(reverse("deliberation:cosign", args=[matter.pk])).status_code == 400
    assert CoSign.objects.count() == 1


def test_residents_rate_on_the_page(client, w):
    matter = raise_matter(w)
    to_rating(w, matter)
    login(client, w.users["neighbour"])
    assert "data-rate-submit" in client.get(reverse("deliberation:detail", args=[matter.pk])).content.decode()
    assert client.post(reverse("deliberation:rate", args=[matter.pk]), {"comment": "好"}).status_code == 400
    assert client.post(reverse("deliberation:rate", args=[matter.pk]), {"satisfaction": "satisfied"}).status_code == 302
    assert 'data-my-rating="satisfied"' in client.get(reverse("deliberation:detail", args=[matter.pk])).content.decode()


def test_from_appeal_page(client, w):
    from appeals import services as appeal_services

    appeal = appeal_services.appeal_submit(actor=w.users["raiser"], content="广场舞噪音很大影响休息",
                                           category=w.world.category, grid_code=w.world.grids[0].code)
    login(client, w.users["staff"])
    url = reverse("deliberation:from_appeal", args=[appeal.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"title": "广场舞", "content": "广场舞噪音很大影响休息"})
    matter = Matter.objects.get()
    assert r.status_code == 302 and matter.source_appeal_id == appeal.pk
    assert client.get(url).status_code == 302  # already a matter
    login(client, w.users["raiser"])
    assert client.get(reverse("deliberation:from_appeal", args=[appeal.pk])).status_code in (302, 403)


# ---------------------------------------------------------------- API

def test_api_raise_act_and_read(client, w):
    login(client, w.users["raiser"])
    r = client.post(API + "/matters", json.dumps({"title": "健身器材坏了", "content": "小区健身器材坏了很久没人修"}),
                    content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["step"] == 1 and body["status"] == "raised" and len(body["steps"]) == 6
    mid = body["id"]
    r = client.post(API + "/matters", json.dumps({"content": "短"}), content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "too_short"
    login(client, w.users["staff"])
    r = client.post(f"{API}/matters/{mid}/actions/sort_big", json.dumps({"expected_version": 99}),
                    content_type="application/json")
    assert r.status_code == 409
    r = client.post(f"{API}/matters/{mid}/actions/sort_big", json.dumps({}), content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "reviewing" and r.json()["raiser_name"]
    assert client.get(f"{API}/matters?status=reviewing").json()["count"] == 1
    login(client, w.users["outsider"])
    assert client.get(f"{API}/matters/{mid}").status_code == 404
    login(client, w.users["neighbour"])
    assert client.post(f"{API}/matters/{mid}/cosign").status_code == 201
    assert client.post(f"{API}/matters/{mid}/cosign").status_code == 400
    assert client.post(f"{API}/matters/{mid}/actions/accept", json.dumps({}),
                       content_type="application/json").status_code == 403


def test_api_meeting_task_and_rating(client, w):
    matter = raise_matter(w)
    services.matter_transition(matter, "sort_big", w.users["staff"])
    services.matter_transition(matter, "accept", w.users["staff"])
    login(client, w.users["staff"])
    start = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = client.post(API + "/meetings", json.dumps({"starts_at": start, "venue": "议事厅"}), content_type="application/json")
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    assert client.post(f"{API}/meetings/{mid}/agenda", json.dumps({"matter": matter.pk}),
                       content_type="application/json").status_code == 200
    assert client.post(f"{API}/meetings/{mid}/invitations", json.dumps({"party": "owners", "name": "业委会"}),
                       content_type="application/json").status_code == 201
    assert client.post(f"{API}/meetings/{mid}/actions/hold", json.dumps({}), content_type="application/json"
                       ).status_code == 200
    r = client.post(f"{API}/meetings/{mid}/decisions", json.dumps({"matter": matter.pk, "text": "同意", "votes_for": 5}),
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["agenda"][0]["decision"]["passed"] is True
    r = client.post(f"{API}/matters/{matter.pk}/tasks", json.dumps({"title": "维修", "owner_unit": w.units[0].pk}),
                    content_type="application/json")
    assert r.status_code == 201
    tid = r.json()["id"]
    login(client, w.users["unit"])
    assert client.get(f"{API}/tasks").json()["count"] == 1
    r = client.post(f"{API}/tasks/{tid}/actions/progress", json.dumps({"progress": 150}), content_type="application/json")
    assert r.status_code == 400
    r = client.post(f"{API}/tasks/{tid}/actions/complete", json.dumps({"note": "修好了"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    login(client, w.users["member"])
    assert client.post(f"{API}/matters/{matter.pk}/checks", json.dumps({"note": "已查看"}),
                       content_type="application/json").status_code == 201
    login(client, w.users["staff"])
    client.post(f"{API}/matters/{matter.pk}/actions/open_rating", json.dumps({}), content_type="application/json")
    login(client, w.users["neighbour"])
    r = client.post(f"{API}/matters/{matter.pk}/ratings", json.dumps({"satisfaction": "so-so"}),
                    content_type="application/json")
    assert r.status_code == 400
    r = client.post(f"{API}/matters/{matter.pk}/ratings", json.dumps({"satisfaction": "basic"}),
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["round"] == 1
    assert client.get(f"{API}/meetings/{mid}").json()["invitations"][0]["name"] == "业委会"


# ---------------------------------------------------------------- figures and demo

def test_figures_count_matters_by_step_meetings_and_ratings(w):
    a = raise_matter(w)
    to_rating(w, a)
    services.matter_rate(matter=a, actor=w.users["neighbour"], satisfaction="satisfied")
    services.matter_rate(matter=a, actor=w.users["raiser"], satisfaction="dissatisfied")
    services.matter_transition(a, "close_rating", w.users["staff"])  # 50% → reopened, back at step 4
    raise_matter(w)
    values = {f["key"]: f["value"] for f in selectors.figures([w.community.pk], None, None)}
    assert values["raised"] == 2 and values["at_step_1"] == 1 and values["at_step_4"] == 1
    assert values["meetings_held"] == 1 and values["decisions_passed"] == 1 and values["satisfaction_rate"] == 50.0
    assert values["closed"] == 0
    other = {f["key"]: f["value"] for f in selectors.figures([w.world.communities[1].pk], None, None)}
    assert other["raised"] == 0 and other["satisfaction_rate"] is None
    assert all(f["label"] and f["definition"] for f in selectors.figures(None, None, None))


def test_figures_page_shows_deliberation(client, w):
    raise_matter(w)
    login(client, w.users["street"])
    r = client.get(reverse("insights:figures"))
    assert r.status_code == 200 and 'data-figure="deliberation.raised"' in r.content.decode()


def test_demo_loader_is_deterministic_and_goes_through_the_services(w):
    from demo.world import DemoWorld
    from deliberation import demo

    world = DemoWorld(street=w.world.street)
    world.community_staff = {w.community.pk: w.users["staff"], w.world.communities[1].pk: w.users["staff_other"]}
    world.street_staff = w.users["street"]
    world.unit_handlers = {w.units[0].pk: w.users["unit"], w.units[1].pk: w.users["unit_other"]}
    world.residents = [w.users["raiser"], w.users["neighbour"], w.users["outsider"]]
    world.members = [w.users["contact"], w.users["member"]]
    world.units = {"a": w.units[0], "b": w.units[1]}
    tally = demo.load(world, random.Random(3), timezone.now())
    assert tally["matters"] == Matter.objects.count() > 0
    assert tally["closed"] == Matter.objects.filter(status=Status.CLOSED).count() > 0
    assert Meeting.objects.filter(status="held").exists() and Task.objects.filter(appeal__isnull=False).exists()
