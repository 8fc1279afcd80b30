"""The mediation loop end to end through the real services: record, assign,
sessions, agreement, signed copy, follow-up, close; referral and feedback;
escalation; a broken agreement; the appeal link; the overdue sweep."""

import datetime as dt
import io
import zipfile

import pytest

from core.errors import InvalidTransition, ValidationFailed
from core.models import AuditLog, Notification
from mediation import documents, selectors, services
from mediation.models import Dispute, DisputeEvent
from testing.loop import act as appeal_act
from testing.loop import report
from testing.world import build_world

from .factories import act, at, committed, pdf, png, record, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_record_assign_mediate_agree_sign_follow_up_close(world):
    staff, worker = world.users["community_staff"], world.users["grid_worker"]
    t = at(2026, 3, 2, 9)
    d = record(world, now=t)
    assert (d.status, d.level, d.number) == ("recorded", "grid", f"TJ20260302{d.pk:06d}")
    assert d.community == world.communities[0] and d.street == world.street and d.recorded_by == worker
    assert Notification.objects.filter(recipient=staff, verb="dispute_new").exists()
    assert [p.name for p in d.parties.all()] == ["王大爷", "李阿姨"]
    assert d.parties.first().phone_masked == "139****1111"

    d = act(d, "accept", worker, mediator_user=world.users["community_staff"].pk, mediator_kind="peoples_mediator",
            now=t + dt.timedelta(hours=1))
    assert d.status == "accepted" and d.mediators.get().user == staff
    committed(services.mediator_add, actor=worker, dispute=d, name="退休法官陈姨", kind="elder", now=t + dt.timedelta(hours=2))
    session = committed(services.session_record, actor=staff, dispute=d, notes="双方陈述，初步同意赔偿。",
                        location="社区调解室", attendees="王大爷、李阿姨", now=t + dt.timedelta(days=1))
    d.refresh_from_db()
    assert d.status == "mediating" and d.mediation_started_at == t + dt.timedelta(days=1)
    assert session.held_at == t + dt.timedelta(days=1)

    d = act(d, "agree", staff, facts="楼上漏水致楼下受损。", terms="赔偿800元\n修复防水层", now=t + dt.timedelta(days=2))
    agreement = selectors.current_agreement(d)
    assert d.status == "agreed" and agreement.sequence == 1 and not agreement.is_signed
    with pytest.raises(ValidationFailed):
        services.dispute_transition(dispute=d, action="sign", actor=staff)  # no file
    d = act(d, "sign", staff, signed_copy=pdf(), now=t + dt.timedelta(days=3))
    agreement.refresh_from_db()
    assert d.status == "following_up" and agreement.is_signed and agreement.signed_content_type == "application/pdf"
    assert d.follow_up_due == dt.date(2026, 3, 20)

    with pytest.raises(InvalidTransition):
        services.dispute_transition(dispute=d, action="close", actor=staff)  # no follow-up yet
    committed(services.follow_up_record, actor=worker, dispute=d, holds=True, note="协议已履行",
              close=True, now=t + dt.timedelta(days=18))
    d.refresh_from_db()
    assert d.status == "closed" and d.closed_at == t + dt.timedelta(days=18) and d.follow_up_due is None
    actions = list(DisputeEvent.objects.filter(dispute=d).order_by("id").values_list("action", flat=True))
    assert actions == ["record", "accept", "mediator", "start", "session", "agree", "sign", "follow_up", "close"]
    assert AuditLog.objects.filter(object_type="mediation.dispute", object_id=str(d.pk)).count() == 6
    assert AuditLog.objects.filter(note__in=["mediation.session", "mediation.follow_up", "mediation.mediator_add"]).count() == 3
    assert Notification.objects.filter(recipient=staff, verb="dispute_mediator").exists()


def test_a_broken_agreement_reopens_and_a_second_agreement_follows(world):
    staff = world.users["community_staff"]
    d = to_state(world, "following_up")
    committed(services.follow_up_record, actor=staff, dispute=d, holds=False, note="对方没有赔偿")
    d.refresh_from_db()
    assert d.status == "mediating" and d.follow_up_due is None
    assert DisputeEvent.objects.filter(dispute=d, action="reopen").exists()
    d = act(d, "agree", staff, facts="第二次调解。", terms="一周内赔偿")
    assert selectors.current_agreement(d).sequence == 2


def test_referral_to_the_police_unit_which_gives_feedback(world):
    staff, handler = world.users["community_staff"], world.users["unit_handler"]
    d = to_state(world, "mediating")
    d = act(d, "refer", staff, partner="police", unit=world.units[0].pk, note="双方推搡，转警调")
    assert d.status == "referred" and Notification.objects.filter(recipient=handler, verb="dispute_referred").exists()
    assert selectors.visible_disputes(handler).filter(pk=d.pk).exists()
    d = act(d, "feedback", handler, result="resolved", note="已调解，双方和解")
    referral = d.referrals.get()
    assert (referral.result, referral.feedback_by) == ("resolved", handler)
    d = act(d, "close", staff, note="联动化解")
    assert d.status == "closed" and d.outcome == "联动化解"


def test_escalation_grid_to_community_to_street(world):
    d = record(world)
    d = act(d, "escalate", world.users["grid_worker"], note="网格调解不了")
    assert d.level == "community" and d.status == "recorded"
    assert Notification.objects.filter(recipient=world.users["community_staff"], verb="dispute_escalated").exists()
    assert not selectors.permitted_role(world.users["grid_worker"], d, "accept")
    d = act(d, "escalate", world.users["community_staff"], note="社区调不了，上交街道")
    assert d.level == "street"
    assert Notification.objects.filter(recipient=world.users["street_staff"], verb="dispute_escalated").exists()
    with pytest.raises(InvalidTransition):
        services.dispute_transition(dispute=d, action="escalate", actor=world.users["street_staff"], note="再上交")


def test_agreement_documents_name_the_parties_and_terms(world):
    d = to_state(world, "agreed")
    agreement = selectors.current_agreement(d)
    docx = documents.docx_bytes(agreement)
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "王大爷" in xml and "13900001111" in xml and "楼上赔偿800元并修复防水。" in xml
    pdf_bytes = documents.pdf_bytes(agreement)
    assert pdf_bytes.startswith(b"%PDF-") and len(pdf_bytes) > 1000


def test_a_picture_is_accepted_as_the_signed_copy(world):
    d = to_state(world, "agreed")
    d = act(d, "sign", world.users["community_staff"], signed_copy=png())
    assert selectors.current_agreement(d).signed_content_type == "image/png"


def test_an_appeal_mediated_as_a_dispute_is_reported_resolved_when_it_closes(world):
    worker = world.users["grid_worker"]
    appeal = appeal_act(report(world), "accept", worker)
    assert selectors.can_convert_appeal(worker, appeal)
    d = committed(services.dispute_from_appeal, actor=worker, appeal=appeal, dispute_type="neighbour",
                  parties=[{"name": "张三"}, {"name": "李四"}])
    appeal.refresh_from_db()
    assert (d.source, d.source_appeal, d.grid) == ("appeal", appeal, appeal.grid)
    assert appeal.status == "in_progress"
    assert not selectors.can_convert_appeal(worker, appeal)  # once only
    from appeals import hooks

    links = hooks.links_for(appeal, worker)
    mediation_links = [link for link in links if link["key"] == "mediation"]
    assert len(mediation_links) == 1 and d.number in mediation_links[0]["text"]
    assert hooks.conversions_for(appeal, worker) == []
    staff = world.users["community_staff"]
    d = act(d, "accept", staff, mediator_name="张调解")
    d = act(d, "start", staff)
    d = act(d, "agree", staff, facts="邻里纠纷。", terms="互相谅解")
    d = act(d, "sign", staff, signed_copy=png())
    committed(services.follow_up_record, actor=staff, dispute=d, holds=True, note="已和好", close=True)
    appeal.refresh_from_db()
    assert appeal.status == "verifying"
    assert DisputeEvent.objects.get(dispute=d, action="close").data["appeal_resolved"] is True
    assert DisputeEvent.objects.filter(dispute=d, action="appeal").exists()  # the after_transition hook


def test_conversion_button_is_offered_only_to_the_appeal_handler(world):
    from appeals import hooks

    appeal = appeal_act(report(world), "accept", world.users["grid_worker"])
    assert [b["key"] for b in hooks.conversions_for(appeal, world.users["grid_worker"])] == ["mediation"]
    assert hooks.conversions_for(appeal, world.users["grid_worker_other"]) == []
    assert hooks.conversions_for(appeal, world.users["resident"]) == []


def test_the_sweep_reminds_once_per_overdue_follow_up(world):
    t = at(2026, 3, 2)
    d = to_state(world, "following_up", now=t)
    assert committed(services.sweep_follow_ups, now=t + dt.timedelta(days=10)) == {"reminded": 0}
    assert committed(services.sweep_follow_ups, now=t + dt.timedelta(days=20)) == {"reminded": 1}
    assert committed(services.sweep_follow_ups, now=t + dt.timedelta(days=21)) == {"reminded": 0}
    assert Notification.objects.filter(verb="dispute_follow_up_overdue").exists()
    from mediation.tasks import sweep_follow_ups_task

    assert sweep_follow_ups_task.enqueue().return_value == {"reminded": 0}
    assert Dispute.objects.get(pk=d.pk).status == "following_up"


def test_party_phone_reveal_is_logged(world):
    d = record(world)
    party = d.parties.first()
    shown = services.reveal_party_phone(actor=world.users["community_staff"], dispute=d, party_id=party.pk)
    assert shown.phone == "13900001111"
    log = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(party.pk))
    assert log.fields == ["phone"] and log.actor == world.users["community_staff"]


def test_contract_for_visits_records_in_one_step_with_a_grid_id(world):
    d = services.dispute_record(actor=world.users["grid_worker"], title="", description="走访发现两户因漏水争吵",
                                dispute_type="neighbour", source="visit", grid=world.grids[0].pk)
    assert (d.source, d.grid, d.title) == ("visit", world.grids[0], "走访发现两户因漏水争吵")
    d2 = services.dispute_record(actor=world.users["community_staff"], title="t", description="社区接待来访纠纷",
                                 dispute_type="other", source="walk_in", community=world.communities[0].code)
    assert (d2.grid, d2.level) == (None, "community")
