"""Risk escalation on constructed cases: each rule alone, then together, then
through the service (repeats between the same parties, the alert, hand changes)."""

import datetime as dt

import pytest

from core.errors import NotAllowed, ValidationFailed
from core.models import AuditLog, Notification
from mediation import risk, services
from mediation.models import Dispute, DisputeEvent
from testing.world import build_world

from .factories import act, at, committed, record


# ---------------------------------------------------------------- the pure rules

@pytest.mark.parametrize("text,level", [
    ("楼上漏水到楼下，协商赔偿未果。", "low"),
    ("他扬言要拿刀砍人。", "high"),
    ("说要和对方同归于尽", "high"),
    ("威胁要跳楼", "high"),
    ("家里煤气罐放在门口吓唬人", "high"),
    ("放话要报复对方全家", "high"),
    ("两人在楼道打架了", "medium"),
    ("扬言要去上访闹事", "medium"),
    ("对方天天堵门辱骂", "medium"),
    ("邻居说要炸酱面配方，双方争执", "low"),   # no risk word hidden inside an innocent one
])
def test_words_in_a_neighbours_dispute(text, level):
    assert risk.assess(text, "neighbour").level == level


def test_the_reason_names_the_words_found():
    result = risk.assess("他拿刀威胁对方", "neighbour")
    assert result.level == "high"
    assert "拿刀" in result.words and "威胁" in result.words
    assert any("拿刀" in r for r in result.reasons)


def test_a_medium_word_in_a_family_dispute_is_high():
    assert risk.assess("丈夫动手打人", "neighbour").level == "medium"
    assert risk.assess("丈夫动手打人", "family").level == "high"


def test_labour_disputes_start_at_medium():
    assert risk.assess("拖欠三个月工资", "labour").level == "medium"
    assert risk.assess("拖欠三个月工资", "contract").level == "low"


@pytest.mark.parametrize("incidents,level", [(1, "low"), (2, "medium"), (3, "high"), (5, "high")])
def test_repeated_incidents_alone(incidents, level):
    assert risk.assess("楼上漏水", "neighbour", incidents=incidents).level == level


def test_two_medium_signals_together_are_high():
    assert risk.assess("双方打架", "neighbour", incidents=2).level == "high"       # word + repeat
    assert risk.assess("拖欠工资", "labour", incidents=2).level == "high"          # type + repeat
    assert risk.assess("拖欠工资还威胁老板", "labour").level == "high"             # type + word
    assert risk.assess("楼上漏水", "neighbour", incidents=2).level == "medium"     # one signal stays medium


# ---------------------------------------------------------------- through the service

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_a_risk_word_makes_it_high_and_alerts_community_and_street_at_once(world):
    d = record(world, description="楼上住户扬言要拿刀砍人，楼下很害怕。")
    assert (d.risk_level, d.risk_rule_level) == ("high", "high")
    assert d.risk_alerted_at is not None and any("拿刀" in r for r in d.risk_reasons)
    for who in ("community_staff", "street_staff"):
        assert Notification.objects.filter(recipient=world.users[who], verb="dispute_high_risk").exists()
    assert not Notification.objects.filter(recipient=world.users["community_staff_other"],
                                           verb="dispute_high_risk").exists()
    event = DisputeEvent.objects.get(dispute=d, action="risk")
    assert (event.data["from"], event.data["to"], event.data["by"]) == ("low", "high", "rule")
    assert AuditLog.objects.filter(object_id=str(d.pk), note="mediation.risk_rule").exists()


def test_a_quiet_dispute_stays_low_and_alerts_nobody(world):
    d = record(world)
    assert d.risk_level == "low" and d.risk_reasons == []
    assert not Notification.objects.filter(verb="dispute_high_risk").exists()


def test_repeats_between_the_same_parties_raise_it_second_medium_third_high(world):
    t = at(2026, 3, 2)
    first = record(world, now=t)
    second = record(world, now=t + dt.timedelta(days=10))
    third = record(world, now=t + dt.timedelta(days=20))
    assert (first.risk_level, second.risk_level, third.risk_level) == ("low", "medium", "high")
    assert any(first.number in r for r in second.risk_reasons)
    assert Notification.objects.filter(recipient=world.users["street_staff"], verb="dispute_high_risk").count() == 1


def test_repeats_match_by_phone_or_person_not_only_by_name(world):
    t = at(2026, 3, 2)
    record(world, now=t)
    renamed = record(world, now=t + dt.timedelta(days=3),
                     parties=[{"name": "王老汉", "phone": "139 0000 1111"}, {"name": "李女士", "phone": "13900002222"}])
    assert renamed.risk_level == "medium"


def test_repeats_do_not_count_other_parties_other_communities_or_long_ago(world):
    t = at(2026, 3, 2)
    record(world, now=t)
    other_pair = record(world, now=t + dt.timedelta(days=1),
                        parties=[{"name": "王大爷", "phone": "13900001111"}, {"name": "赵先生"}])
    elsewhere = record(world, "grid_worker_other", grid=2, now=t + dt.timedelta(days=2))
    long_after = record(world, now=t + dt.timedelta(days=200))
    assert (other_pair.risk_level, elsewhere.risk_level, long_after.risk_level) == ("low", "low", "low")


def test_a_threat_made_at_a_session_raises_the_risk(world):
    staff = world.users["community_staff"]
    d = record(world)
    d = act(d, "accept", staff, mediator_name="张调解")
    committed(services.session_record, actor=staff, dispute=d, notes="调解中一方情绪激动，扬言要同归于尽。")
    d.refresh_from_db()
    assert d.risk_level == "high"
    assert Notification.objects.filter(recipient=world.users["street_staff"], verb="dispute_high_risk").exists()


def test_staff_raise_by_hand_with_a_reason(world):
    d = record(world)
    d = committed(services.risk_set, actor=world.users["community_staff"], dispute=d, level="high",
                  reason="当事人有暴力前科")
    assert (d.risk_level, d.risk_rule_level, d.risk_note) == ("high", "low", "当事人有暴力前科")
    assert Notification.objects.filter(recipient=world.users["street_staff"], verb="dispute_high_risk").exists()
    event = DisputeEvent.objects.filter(dispute=d, action="risk").last()
    assert event.data["by"] == "hand" and event.note == "当事人有暴力前科"


def test_lowering_below_the_rule_needs_a_reason_and_is_marked(world):
    d = record(world, description="对方扬言要报复")
    with pytest.raises(ValidationFailed):
        services.risk_set(actor=world.users["community_staff"], dispute=d, level="low", reason="  ")
    assert Dispute.objects.get(pk=d.pk).risk_level == "high"
    d = services.risk_set(actor=world.users["community_staff"], dispute=d, level="medium",
                          reason="已核实为气话，双方已冷静")
    assert d.risk_level == "medium"
    assert DisputeEvent.objects.filter(dispute=d, action="risk").last().data["below_rule"] is True
    # a later session without risk words does not silently undo the hand change
    act(d, "accept", world.users["community_staff"], mediator_name="张调解")
    services.session_record(actor=world.users["community_staff"], dispute=d, notes="双方平静协商，各退一步。")
    assert Dispute.objects.get(pk=d.pk).risk_level == "medium"


def test_a_grid_worker_cannot_set_the_risk_by_hand(world):
    d = record(world)
    with pytest.raises(NotAllowed):
        services.risk_set(actor=world.users["grid_worker"], dispute=d, level="high", reason="觉得危险")
    assert Dispute.objects.get(pk=d.pk).risk_level == "low"
