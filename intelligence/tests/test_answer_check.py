"""The answer check as staff meet it: a unit answers, the check runs in the same
transaction, and the grid worker who verifies sees whether the answer addresses
the appeal — and why not."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from appeals.workflow import Action, Status
from intelligence import answers
from intelligence.models import AnswerCheck, TrainedModel
from testing.loop import act, report
from testing.world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answer_model")]

TITLE = "幸福小区3栋门口路灯不亮"
CONTENT = "幸福小区3栋门口的路灯坏了一周了，晚上很黑，老人出门不方便。"
SPECIFIC = "经现场核查，幸福小区3栋门口路灯系线路老化导致不亮，我队已于6月3日安排电工更换线路和灯泡，目前路灯已恢复照明。"


@pytest.fixture
def world():
    return build_world()


def _to_unit(world):
    """A streetlight appeal whistled to the unit and claimed by its handler."""
    u = world.users
    appeal = report(world, title=TITLE, content=CONTENT)
    appeal = act(appeal, Action.ACCEPT, u["street_staff"])
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk)
    return act(appeal, Action.CLAIM, u["unit_handler"])


def _zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def test_a_generic_answer_is_flagged_and_the_grid_worker_sees_why(world, client):
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note="已收到，正在处理。")
    assert appeal.status == Status.VERIFYING
    check = AnswerCheck.objects.get(answer__appeal=appeal)
    assert check.flagged and check.score < answers.FLAG_BELOW
    codes = {r["code"] for r in check.reasons}
    assert {"generic", "no_action", "no_time"} <= codes
    assert check.model.kind == TrainedModel.Kind.ANSWER and check.model.is_current

    client.force_login(world.users["grid_worker"])
    tasks = client.get(reverse("appeals:my_tasks")).content.decode()
    to_verify = tasks[tasks.index('id="to_verify"'):]
    assert "data-answer-flag" in to_verify and appeal.title in to_verify
    assert "回复可能没有针对诉求" in to_verify
    assert _zh(answers.REASON_TEXT["generic"]) in to_verify

    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-answer-check="flagged"' in page
    assert _zh(answers.REASON_TEXT["no_action"]) in page and "可能没有针对诉求" in page
    top = page[:page.index('id="work-h"')]  # before the answers: the note at the top, by the buttons to verify
    assert 'data-linked="answer_check"' in top and _zh(answers.REASON_TEXT["generic"]) in top


def test_the_resident_does_not_see_the_check(world, client):
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note="已收到，正在处理。")
    client.force_login(world.users["resident"])
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "已收到，正在处理。" in page and "data-answer-check" not in page


def test_a_specific_answer_naming_place_action_and_time_is_not_flagged(world, client):
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note=SPECIFIC)
    check = AnswerCheck.objects.get(answer__appeal=appeal)
    assert not check.flagged and check.score >= answers.FLAG_BELOW
    assert not {"generic", "unrelated", "no_action", "no_time", "no_place"} & {r["code"] for r in check.reasons}

    client.force_login(world.users["grid_worker"])
    tasks = client.get(reverse("appeals:my_tasks")).content.decode()
    assert appeal.title in tasks and "data-answer-flag" not in tasks
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-answer-check="ok"' in page and 'data-linked="answer_check"' not in page


def test_the_grid_workers_own_resolve_report_is_checked_too(world):
    u = world.users
    appeal = report(world, title=TITLE, content=CONTENT)
    appeal = act(appeal, Action.ACCEPT, u["grid_worker"])
    appeal = act(appeal, Action.HANDLE, u["grid_worker"])
    appeal = act(appeal, Action.RESOLVE, u["grid_worker"], note="感谢您的来信，我们会尽快处理。")
    check = AnswerCheck.objects.get(answer__appeal=appeal)
    assert check.flagged and check.answer.unit is None


def test_a_second_answer_after_rework_gets_its_own_check(world):
    u = world.users
    appeal = act(_to_unit(world), Action.ANSWER, u["unit_handler"], note="已收到，正在处理。")
    appeal = act(appeal, Action.FAIL, u["grid_worker"], note="现场路灯还是不亮")
    appeal = act(appeal, Action.ANSWER, u["unit_handler"], note=SPECIFIC)
    flags = list(AnswerCheck.objects.filter(answer__appeal=appeal).order_by("answer__at", "answer__id")
                 .values_list("flagged", flat=True))
    assert flags == [True, False]


def test_a_failing_check_never_blocks_the_answer(world, client, monkeypatch, caplog):
    def broken(answer):
        with connection.cursor() as cursor:  # a database error inside the check, as bad as it gets
            cursor.execute("SELECT * FROM no_such_table_for_the_answer_check")

    monkeypatch.setattr(answers, "check_answer", broken)
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note="已收到，正在处理。")
    appeal.refresh_from_db()
    assert appeal.status == Status.VERIFYING and appeal.answers.count() == 1
    check = AnswerCheck.objects.get(answer__appeal=appeal)
    assert not check.flagged and check.reasons == [{"code": "unchecked"}] and check.model is None
    assert "answer check failed" in caplog.text

    client.force_login(world.users["grid_worker"])
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-answer-check="unchecked"' in page and "未能检查" in page


def test_even_a_check_that_cannot_be_recorded_leaves_the_answer(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model store unavailable")

    monkeypatch.setattr(answers, "check_answer", broken)
    monkeypatch.setattr(AnswerCheck.objects, "update_or_create", broken)
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note="已收到，正在处理。")
    appeal.refresh_from_db()
    assert appeal.status == Status.VERIFYING and appeal.answers.count() == 1
    assert not AnswerCheck.objects.exists()


def test_staff_read_the_checks_over_the_api(world, client):
    appeal = act(_to_unit(world), Action.ANSWER, world.users["unit_handler"], note="已收到，正在处理。")
    url = f"/api/v1/intelligence/appeals/{appeal.pk}/answer-checks"
    client.force_login(world.users["grid_worker"])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert len(body) == 1 and body[0]["flagged"] is True and body[0]["unit"] == world.units[0].name
    assert body[0]["model_version"] == TrainedModel.objects.get(kind="answer", is_current=True).version
    assert "generic" in [r["code"] for r in body[0]["reasons"]]
    assert all(r["text"] for r in body[0]["reasons"])

    client.force_login(world.users["resident"])  # the reporter sees the appeal, not the check
    assert client.get(url).status_code == 403
    client.force_login(world.users["grid_worker_other"])  # another grid's worker does not see the appeal
    assert client.get(url).status_code == 404
