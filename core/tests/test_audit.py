"""Audit rows: who (and a frozen copy of their name), what, which object,
before/after, the request it came from."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.audit import audit
from core.middleware import RequestIdMiddleware
from core.models import AuditLog
from testing.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_audit_row_records_actor_object_and_change():
    user = UserFactory(username="wang", display_name_override="王网格员")
    person = PersonFactory(name="李四")
    row = audit(actor=user, action=AuditLog.Action.UPDATE, obj=person, fields=["phone"],
                before={"phone": "138****5678"}, after={"phone": "139****0000"}, note="更正电话")
    row = AuditLog.objects.get(pk=row.pk)
    assert (row.actor_id, row.actor_name, row.action) == (user.pk, "王网格员", "update")
    assert (row.object_type, row.object_id, row.object_repr) == ("people.person", str(person.pk), "李四")
    assert (row.fields, row.before, row.after, row.note) == (
        ["phone"], {"phone": "138****5678"}, {"phone": "139****0000"}, "更正电话")
    assert row.at is not None and row.request_id == ""


def test_the_actors_name_is_frozen_when_the_user_changes_or_goes():
    user = UserFactory(username="zhao", display_name_override="赵主任")
    row = audit(actor=user, action=AuditLog.Action.EXPORT, object_type="appeals.appeal", object_repr="导出 12 条")
    user.display_name_override = "赵书记"
    user.save()
    user.delete()
    row = AuditLog.objects.get(pk=row.pk)
    assert (row.actor_id, row.actor_name) == (None, "赵主任")


def test_a_system_action_has_no_actor():
    row = audit(actor=None, action=AuditLog.Action.LOGIN_FAILED, object_type="accounts.user", object_repr="nobody")
    assert (row.actor_id, row.actor_name) == (None, "system")


def test_long_text_is_cut_to_fit():
    row = audit(actor=None, action=AuditLog.Action.IMPORT, object_repr="区" * 300, note="注" * 600)
    row.refresh_from_db()
    assert (len(row.object_repr), len(row.note)) == (200, 500)


def test_a_row_written_during_a_request_carries_its_request_id():
    written = []

    def view(request):
        written.append(audit(actor=None, action=AuditLog.Action.VIEW_PERSONAL, object_type="people.person",
                             object_id=7, object_repr="张三"))
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-123"))
    assert response["X-Request-Id"] == "req-123"
    assert AuditLog.objects.get(pk=written[0].pk).request_id == "req-123"
    # Outside the request the id is gone again.
    assert audit(actor=None, action=AuditLog.Action.IMPORT).request_id == ""
