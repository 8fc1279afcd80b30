"""The appeal pages as people use them: report, follow, act, see only their own."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from appeals import services
from appeals.models import Appeal, AppealEvent, Attachment
from appeals.workflow import Action, Channel, Status
from core.models import AuditLog
from testing.world import build_world
from testing.loop import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def png(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")




def login(client, world, key):
    client.force_login(world.users[key])
    return client


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- reporting

def test_resident_reports_with_a_pin_and_photo_and_sees_it_in_my_appeals(client, world):
    login(client, world, "resident")
    form = client.get(reverse("appeals:report"))
    page = html(form)
    assert form.status_code == 200
    assert 'value="streetlight"' in page and "市政设施" in page  # leaf category grouped under its parent
    assert 'name="channel"' not in page  # staff-only fields stay hidden from residents
    assert 'id="grids-geojson"' in page and 'data-map="pick"' in page

    lng, lat = world.point_in(1)
    response = client.post(reverse("appeals:report"), {
        "category": "streetlight", "title": "北门路灯不亮", "content": "小区北门的路灯坏了一周了，晚上很黑。",
        "lng": f"{lng:.6f}", "lat": f"{lat:.6f}", "address": "幸福小区北门", "photos": [png()],
    }, follow=True)

    assert response.redirect_chain[-1][0] == reverse("appeals:mine")
    appeal = Appeal.objects.get()
    assert appeal.grid == world.grids[1] and appeal.reporter == world.users["resident"]
    assert appeal.channel == Channel.RESIDENT and appeal.status == Status.SUBMITTED
    assert appeal.attachments.count() == 1
    page = html(response)
    assert appeal.number in page and "北门路灯不亮" in page
    assert "感谢您的反映" in page  # the success message, in Chinese
    assert 'aria-current="step"' in page  # the progress steps


def test_pin_outside_every_grid_shows_the_chinese_message_and_saves_nothing(client, world):
    login(client, world, "resident")
    response = client.post(reverse("appeals:report"), {
        "category": "streetlight", "content": "河边的护栏断了，很危险。", "lng": "106.5", "lat": "39.5",
        "address": "河边步道",
    })
    page = html(response)
    assert response.status_code == 400
    assert "该位置不在本街道服务的网格范围内" in page
    assert Appeal.objects.count() == 0 and AppealEvent.objects.count() == 0
    # What the user typed is still there.
    assert "河边的护栏断了，很危险。" in page and 'value="河边步道"' in page and 'value="106.5"' in page


def test_non_image_upload_is_refused_and_nothing_is_saved(client, world):
    login(client, world, "resident")
    lng, lat = world.point_in(0)
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post(reverse("appeals:report"), {
        "category": "streetlight", "content": "路灯坏了一周了。", "lng": lng, "lat": lat, "photos": [png(), fake],
    })
    assert response.status_code == 400
    assert "“photo.jpg”不是可接受的图片" in html(response)
    assert "请重新选择照片" in html(response)
    assert Appeal.objects.count() == 0 and Attachment.objects.count() == 0


def test_oversize_upload_is_refused_and_nothing_is_saved(client, world, settings):
    login(client, world, "resident")
    lng, lat = world.point_in(0)
    big = SimpleUploadedFile("big.png", b"\0" * (settings.UPLOAD_MAX_BYTES + 1), content_type="image/png")
    response = client.post(reverse("appeals:report"), {
        "category": "streetlight", "content": "路灯坏了一周了。", "lng": lng, "lat": lat, "photos": [big],
    })
    assert "照片“big.png”超过 5 MB" in html(response)
    assert Appeal.objects.count() == 0 and Attachment.objects.count() == 0


def test_script_in_the_text_is_refused_and_shown_escaped(client, world):
    login(client, world, "resident")
    lng, lat = world.point_in(0)
    response = client.post(reverse("appeals:report"), {
        "category": "streetlight", "content": "<script>alert('x')</script>路灯坏了", "lng": lng, "lat": lat,
    })
    page = html(response)
    assert "问题描述不能包含 HTML 标签或脚本" in page
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    assert Appeal.objects.count() == 0


def test_staff_record_a_hotline_call_by_grid_without_a_pin(client, world):
    login(client, world, "street_staff")
    page = html(client.get(reverse("appeals:report")))
    assert 'name="channel"' in page and 'name="grid"' in page and 'name="urgency"' in page
    response = client.post(reverse("appeals:report"), {
        "channel": Channel.HOTLINE, "urgency": "urgent", "reporter_name": "王阿姨", "reporter_phone": "13912345678",
        "category": "streetlight", "content": "来电反映：三号楼前路灯不亮。", "grid": world.grids[2].code,
        "address": "三号楼前",
    }, follow=True)
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.channel == Channel.HOTLINE and appeal.grid == world.grids[2] and appeal.reporter is None
    assert appeal.urgency == "urgent" and appeal.reporter_name == "王阿姨"
    page = html(response)
    assert "139****5678" in page and "13912345678" not in page  # masked until asked for


# ---------------------------------------------------------------- scope of every list

def test_each_list_shows_only_its_own_scope(client, world):
    own = report(world, grid=0, title="零号网格的路灯")
    other = report(world, user="resident2", grid=2, title="二号网格的路灯")
    whistled = report(world, grid=1, title="一号网格吹哨的路灯")
    services.appeal_transition(appeal=whistled, action=Action.ACCEPT, actor=world.users["street_staff"])
    services.appeal_transition(appeal=whistled, action=Action.WHISTLE, actor=world.users["street_staff"],
                               lead_unit=world.units[0].pk)

    def titles(key, url_name):
        login(client, world, key)
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        page = html(response)
        return {t for t in ("零号网格的路灯", "二号网格的路灯", "一号网格吹哨的路灯") if t in page}

    assert titles("grid_worker", "appeals:my_tasks") == {"零号网格的路灯"}
    assert titles("grid_worker_other", "appeals:my_tasks") == {"二号网格的路灯"}
    assert titles("community_staff", "appeals:workbench") == {"零号网格的路灯", "一号网格吹哨的路灯"}
    assert titles("community_staff_other", "appeals:workbench") == {"二号网格的路灯"}
    assert titles("street_staff", "appeals:workbench") == {"零号网格的路灯", "二号网格的路灯", "一号网格吹哨的路灯"}
    assert titles("unit_handler", "appeals:unit_workbench") == {"一号网格吹哨的路灯"}
    assert titles("unit_handler_other", "appeals:unit_workbench") == set()
    assert titles("resident", "appeals:mine") == {"零号网格的路灯", "一号网格吹哨的路灯"}
    assert titles("resident2", "appeals:mine") == {"二号网格的路灯"}

    # Someone else's appeal is simply not there.
    login(client, world, "grid_worker")
    assert client.get(reverse("appeals:detail", args=[other.pk])).status_code == 404
    login(client, world, "resident2")
    assert client.get(reverse("appeals:detail", args=[own.pk])).status_code == 404
    # Residents have no workbench.
    assert client.get(reverse("appeals:workbench")).status_code == 404
    assert client.get(reverse("appeals:unit_workbench")).status_code == 404


def test_empty_task_lists_say_so(client, world):
    login(client, world, "grid_worker")
    assert html(client.get(reverse("appeals:my_tasks"))).count("暂无待办") == 4
    login(client, world, "unit_handler")
    assert "暂无待办" in html(client.get(reverse("appeals:unit_workbench")))


def test_home_sends_each_role_to_its_page(client, world):
    assert client.get("/").url == reverse("accounts:login")
    for key, target in [("resident", "core:me"), ("grid_worker", "appeals:my_tasks"),
                        ("community_staff", "appeals:workbench"), ("street_staff", "appeals:workbench"),
                        ("unit_handler", "appeals:unit_workbench")]:
        login(client, world, key)
        assert client.get("/").url == reverse(target), key


# ---------------------------------------------------------------- the appeal page and its actions

def _actions(page: str) -> set[str]:
    import re

    return set(re.findall(r'data-action="([a-z_]+)"', page))


def test_detail_page_shows_only_the_actions_this_user_may_take(client, world):
    appeal = report(world, grid=0)
    url = reverse("appeals:detail", args=[appeal.pk])
    login(client, world, "grid_worker")
    page = html(client.get(url))
    assert _actions(page) == {"accept", "reject", "merge"}
    assert "督办" not in page.split('id="actions-h"')[1].split("</section>")[0]  # grid workers do not supervise
    login(client, world, "street_staff")
    assert _actions(html(client.get(url))) == {"accept", "reject", "merge", "suspend"}
    login(client, world, "resident")
    page = html(client.get(url))
    assert _actions(page) == set() and "该诉求目前没有需要您办理的事项" in page

    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["grid_worker"])
    login(client, world, "street_staff")
    page = html(client.get(url))
    assert "whistle" in _actions(page) and "accept" not in _actions(page)
    assert "吹哨派单" in page
    login(client, world, "unit_handler")
    assert client.get(url).status_code == 404  # not whistled to them yet


def test_the_whole_loop_through_the_pages(client, world, django_capture_on_commit_callbacks):
    appeal = report(world, grid=0)
    url = reverse("appeals:detail", args=[appeal.pk])

    def act(key, action, data=None, **extra):
        login(client, world, key)
        version = Appeal.objects.get(pk=appeal.pk).version
        payload = {f"{action}-expected_version": version}
        payload.update({f"{action}-{k}": v for k, v in (data or {}).items()})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("appeals:act", args=[appeal.pk, action]), payload, follow=True, **extra)
        assert response.status_code == 200, html(response)
        return response

    response = act("street_staff", "accept")
    assert "已完成“受理”" in html(response)
    page = html(client.get(url))
    # The whistle form preselects the category's default unit.
    assert f'<option value="{world.units[0].pk}" selected>' in page
    act("street_staff", "whistle", {"lead_unit": world.units[0].pk, "helper_units": [world.units[1].pk],
                                    "deadline_workdays": "3", "note": "请三日内修复"})
    assert Appeal.objects.get(pk=appeal.pk).status == Status.WHISTLED
    act("unit_handler", "claim")
    act("unit_handler", "answer", {"note": "已更换灯泡", "files": [png("fixed.png")]})
    answered = Appeal.objects.get(pk=appeal.pk)
    assert answered.status == Status.VERIFYING and answered.attachments.count() == 1
    act("grid_worker", "pass")
    response = act("resident", "rate", {"satisfaction": "satisfied"})
    closed = Appeal.objects.get(pk=appeal.pk)
    assert closed.status == Status.CLOSED and closed.satisfaction == "satisfied"
    page = html(response)
    assert "已结案" in page and "已更换灯泡" in page and "综合执法中队" in page
    assert list(closed.events.values_list("action", flat=True)) == [
        "submit", "accept", "whistle", "claim", "answer", "pass", "rate"]
    # The resident heard about it in the inbox.
    login(client, world, "resident")
    assert "请评价" in html(client.get(reverse("core:inbox")))


def test_required_note_missing_shows_the_message_and_keeps_the_form(client, world):
    appeal = report(world, grid=0)
    login(client, world, "grid_worker")
    response = client.post(reverse("appeals:act", args=[appeal.pk, "reject"]),
                           {"reject-expected_version": appeal.version, "reject-note": ""})
    assert response.status_code == 400
    assert "请填写意见" in html(response)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_stale_page_loses_with_a_conflict_message_and_nothing_changes(client, world):
    appeal = report(world, grid=0)
    login(client, world, "grid_worker")
    shown_version = appeal.version  # what the grid worker's page showed
    client.get(reverse("appeals:detail", args=[appeal.pk]))
    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["community_staff"])
    before = Appeal.objects.get(pk=appeal.pk)

    response = client.post(reverse("appeals:act", args=[appeal.pk, "reject"]),
                           {"reject-expected_version": shown_version, "reject-note": "重复反映，已在处理"})
    assert response.status_code == 409
    assert "其他人刚刚处理了这条记录，请刷新后重试" in html(response)
    assert "重复反映，已在处理" in html(response)  # the typed reason is kept
    after = Appeal.objects.get(pk=appeal.pk)
    assert (after.status, after.version) == (before.status, before.version) == (Status.ACCEPTED, 2)
    assert after.events.count() == 2

    # With htmx the same error comes back as a fragment for the form.
    response = client.post(reverse("appeals:act", args=[appeal.pk, "handle"]),
                           {"handle-expected_version": shown_version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in html(response)
    assert 'role="alert"' in html(response) and "其他人刚刚处理了这条记录" in html(response)
    assert Appeal.objects.get(pk=appeal.pk).version == 2


def test_htmx_action_success_redirects_the_page(client, world):
    appeal = report(world, grid=0)
    login(client, world, "grid_worker")
    response = client.post(reverse("appeals:act", args=[appeal.pk, "accept"]),
                           {"accept-expected_version": appeal.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("appeals:detail", args=[appeal.pk])
    assert Appeal.objects.get(pk=appeal.pk).status == Status.ACCEPTED


def test_action_not_permitted_is_refused_with_a_message(client, world):
    appeal = report(world, grid=0)
    login(client, world, "resident")
    response = client.post(reverse("appeals:act", args=[appeal.pk, "accept"]), {"accept-expected_version": 1})
    assert response.status_code == 403 and "您无权对该诉求执行“受理”" in html(response)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_merge_by_typed_number(client, world):
    first = report(world, grid=0)
    second = report(world, user="resident2", grid=0, content="门口路灯一直不亮，晚上看不清路。")
    login(client, world, "grid_worker")
    page = html(client.get(reverse("appeals:detail", args=[second.pk])))
    assert f'<option value="{first.pk}">{first.number}' in page  # offered as a duplicate candidate
    response = client.post(reverse("appeals:act", args=[second.pk, "merge"]),
                           {"merge-expected_version": 1, "merge-parent_number": "99999999999999"})
    assert "未找到要合并到的诉求" in html(response)
    client.post(reverse("appeals:act", args=[second.pk, "merge"]),
                {"merge-expected_version": 1, "merge-parent_number": first.number})
    merged = Appeal.objects.get(pk=second.pk)
    assert merged.status == Status.MERGED and merged.parent == first
    # The second reporter follows the first appeal's progress.
    login(client, world, "resident2")
    page = html(client.get(reverse("appeals:mine")))
    assert f"随 {first.number} 办理" in page


def test_supervise_button_sends_a_notice(client, world, django_capture_on_commit_callbacks):
    appeal = report(world, grid=0)
    login(client, world, "street_staff")
    assert reverse("appeals:supervise", args=[appeal.pk]) in html(client.get(reverse("appeals:detail", args=[appeal.pk])))
    response = client.post(reverse("appeals:supervise", args=[appeal.pk]), {"note": ""})
    assert "请填写意见" in html(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appeals:supervise", args=[appeal.pk]), {"note": "请今天内响应"}, follow=True)
    assert "督办已发送" in html(response)
    assert appeal.supervisions.get().note == "请今天内响应"
    assert world.users["grid_worker"].notifications.filter(verb="supervision").exists()
    login(client, world, "grid_worker")
    assert client.post(reverse("appeals:supervise", args=[appeal.pk]), {"note": "催办"}).status_code == 403


# ---------------------------------------------------------------- personal data

def test_reveal_phone_shows_the_number_to_region_staff_and_writes_an_audit_row(client, world):
    appeal = report(world, grid=0, reporter_phone="13800001234")
    url = reverse("appeals:detail", args=[appeal.pk])
    login(client, world, "community_staff")
    page = html(client.get(url))
    assert "138****1234" in page and "13800001234" not in page
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).count() == 0

    response = client.post(reverse("appeals:reveal_phone", args=[appeal.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13800001234" in html(response)
    row = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL)
    assert row.actor == world.users["community_staff"] and row.object_id == str(appeal.pk)
    assert row.fields == ["reporter_phone"]

    # A unit the appeal was whistled to sees it masked and cannot reveal it.
    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["street_staff"])
    services.appeal_transition(appeal=appeal, action=Action.WHISTLE, actor=world.users["street_staff"],
                               lead_unit=world.units[0].pk)
    login(client, world, "unit_handler")
    page = html(client.get(url))
    assert "138****1234" in page and reverse("appeals:reveal_phone", args=[appeal.pk]) not in page
    response = client.post(reverse("appeals:reveal_phone", args=[appeal.pk]), HTTP_HX_REQUEST="true")
    assert "13800001234" not in html(response) and "您无权进行此操作" in html(response)
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).count() == 1


# ---------------------------------------------------------------- photos

def test_attachment_is_served_as_its_image_type_only_to_those_who_see_the_appeal(client, world):
    appeal = report(world, grid=0, photos=[png()])
    photo = appeal.attachments.get()
    url = reverse("core:attachment", args=[photo.pk])

    login(client, world, "resident")
    assert url in html(client.get(reverse("appeals:detail", args=[appeal.pk])))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    login(client, world, "grid_worker")
    assert client.get(url).status_code == 200
    for key in ("resident2", "grid_worker_other", "unit_handler"):
        login(client, world, key)
        assert client.get(url).status_code == 404, key
    client.logout()
    assert client.get(url).status_code == 302


def test_a_stored_non_image_is_never_served_as_html(client, world):
    appeal = report(world, grid=0, photos=[png()])
    Attachment.objects.filter(appeal=appeal).update(content_type="text/html")
    login(client, world, "resident")
    response = client.get(reverse("core:attachment", args=[appeal.attachments.get().pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_overdue_appeal_shows_its_flag_and_the_automatic_supervision(client, world, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    appeal = report(world, grid=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_overdue(now=timezone.now() + dt.timedelta(days=3))
    login(client, world, "grid_worker")
    tasks = html(client.get(reverse("appeals:my_tasks")))
    assert tasks.count("card--overdue") == 2  # in “overdue” and in “to accept”
    page = html(client.get(reverse("appeals:detail", args=[appeal.pk])))
    assert "badge--overdue" in page and "响应超期" in page
    assert "督办" in page and "系统" in page  # the sweep's entry on the timeline
