"""Bad input gets a clear error and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Conflict, LinliError, NotAllowed, ValidationFailed
from mediation import services
from mediation.models import Agreement, Dispute, DisputeEvent, Party, Session
from testing.world import build_world

from .factories import act, record, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _record(world, **kw):
    params = dict(actor=world.users["grid_worker"], title="纠纷", description="楼上漏水到楼下。",
                  dispute_type="neighbour", source="grid", grid=world.grids[0])
    params.update(kw)
    return services.dispute_record(**params)


@pytest.mark.parametrize("kw,code", [
    ({"description": ""}, "required"),
    ({"description": "短"}, "too_short"),
    ({"description": "<script>alert(1)</script>很长的描述"}, "markup"),
    ({"dispute_type": "fight"}, "bad_type"),
    ({"source": "rumour"}, "bad_source"),
    ({"grid": "999"}, "unknown_grid"),
    ({"grid": None, "community": "nowhere"}, "unknown_community"),
    ({"parties": [{"name": "王", "phone": "12345"}]}, "bad_phone"),
    ({"parties": [{"name": "", "phone": "13900001111"}]}, "party_name_required"),
    ({"parties": [{"name": "王", "role": "judge"}]}, "bad_party_role"),
    ({"parties": [{"name": "王", "person_id": 99999}]}, "unknown_person"),
    ({"parties": [{"name": f"人{i}"} for i in range(11)]}, "too_many_parties"),
    ({"parties": ["王大爷"]}, "bad_party"),
    ({"source_appeal": 99999}, "unknown_appeal"),
])
def test_record_refuses_bad_input_and_saves_nothing(world, kw, code):
    with pytest.raises(ValidationFailed) as info:
        _record(world, **kw)
    assert info.value.code == code and info.value.message
    assert not Dispute.objects.exists() and not Party.objects.exists()


def test_recording_outside_ones_grids_is_refused(world):
    with pytest.raises(NotAllowed):
        _record(world, grid=world.grids[2])
    with pytest.raises(NotAllowed):
        _record(world, actor=world.users["resident"])
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("action,kw,code", [
    ("accept", {}, "mediator_required"),
    ("accept", {"mediator_name": "张", "mediator_kind": "wizard"}, "bad_mediator_kind"),
    ("accept", {"mediator_user": 99999}, "unknown_mediator"),
    ("withdraw", {"note": "  "}, "required"),
    ("escalate", {}, "required"),
    ("bogus", {}, "unknown_action"),
])
def test_steps_refuse_bad_input_and_change_nothing(world, action, kw, code):
    d = record(world)
    with pytest.raises(ValidationFailed) as info:
        services.dispute_transition(dispute=d, action=action, actor=world.users["community_staff"], **kw)
    assert info.value.code == code
    fresh = Dispute.objects.get(pk=d.pk)
    assert (fresh.status, fresh.version, fresh.level) == ("recorded", 1, "grid")
    assert not d.mediators.exists()


def test_a_mediator_from_another_street_is_refused(world):
    from accounts.models import Role
    from regions.models import Region
    from testing.factories import user_with_role

    elsewhere = Region.objects.create(code="150302099", name="别的街道", level=Region.Level.STREET)
    outsider = user_with_role(Role.STREET_STAFF, region=elsewhere, username="faraway")
    d = record(world)
    with pytest.raises(ValidationFailed) as info:
        services.dispute_transition(dispute=d, action="accept", actor=world.users["community_staff"],
                                    mediator_user=outsider.pk)
    assert info.value.code == "mediator_out_of_scope"


@pytest.mark.parametrize("kw,code", [
    ({"facts": "", "terms": "赔偿"}, "required"),
    ({"facts": "事实", "terms": ""}, "required"),
])
def test_agreement_needs_facts_and_terms(world, kw, code):
    d = to_state(world, "mediating")
    with pytest.raises(ValidationFailed):
        services.dispute_transition(dispute=d, action="agree", actor=world.users["community_staff"], **kw)
    assert not Agreement.objects.exists() and Dispute.objects.get(pk=d.pk).status == "mediating"


@pytest.mark.parametrize("upload,code", [
    (SimpleUploadedFile("a.txt", b"hello, not a scan"), "bad_file_type"),
    (SimpleUploadedFile("a.pdf", b"%PDF-1.4 truncated"), "bad_pdf"),
    (SimpleUploadedFile("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024 + 10) + b"%%EOF"), "file_too_large"),
    (None, "file_required"),
])
def test_signed_copy_is_checked_by_content_and_size(world, upload, code):
    d = to_state(world, "agreed")
    with pytest.raises(ValidationFailed) as info:
        services.dispute_transition(dispute=d, action="sign", actor=world.users["community_staff"],
                                    signed_copy=upload)
    assert info.value.code == code
    assert Dispute.objects.get(pk=d.pk).status == "agreed"
    assert not Agreement.objects.get(dispute=d).is_signed


def test_a_file_on_another_step_is_refused(world):
    from .factories import png

    d = record(world)
    with pytest.raises(ValidationFailed):
        services.dispute_transition(dispute=d, action="withdraw", actor=world.users["community_staff"], note="x",
                                    signed_copy=png())


@pytest.mark.parametrize("kw,code", [
    ({"notes": ""}, "required"),
    ({"notes": "调解记录内容", "held_at": "yesterday"}, "bad_datetime"),
    ({"notes": "调解记录内容", "held_at": "2999-01-01T10:00"}, "future_datetime"),
    ({"notes": "调解记录内容", "place": 99999}, "unknown_place"),
])
def test_sessions_refuse_bad_input(world, kw, code):
    d = to_state(world, "accepted")
    with pytest.raises(ValidationFailed) as info:
        services.session_record(actor=world.users["community_staff"], dispute=d, **kw)
    assert info.value.code == code
    assert not Session.objects.exists() and Dispute.objects.get(pk=d.pk).status == "accepted"


def test_follow_up_must_say_whether_it_holds(world):
    d = to_state(world, "following_up")
    before = DisputeEvent.objects.filter(dispute=d).count()
    for holds in (None, "maybe"):
        with pytest.raises(ValidationFailed):
            services.follow_up_record(actor=world.users["community_staff"], dispute=d, holds=holds, note="看了")
    assert DisputeEvent.objects.filter(dispute=d).count() == before


def test_a_stale_version_loses_cleanly(world):
    d = record(world)
    act(d, "accept", world.users["community_staff"], mediator_name="张调解")
    with pytest.raises(Conflict):
        services.dispute_transition(dispute=d.pk, action="withdraw", actor=world.users["community_staff"],
                                    note="撤回", expected_version=1)
    with pytest.raises(Conflict):
        services.dispute_transition(dispute=d.pk, action="withdraw", actor=world.users["community_staff"],
                                    note="撤回", expected_version="garbled")
    assert Dispute.objects.get(pk=d.pk).status == "accepted"


def test_every_error_is_a_linli_error_with_a_message(world):
    with pytest.raises(LinliError) as info:
        services.dispute_transition(dispute="abc", action="accept", actor=world.users["community_staff"])
    assert info.value.status == 404 and info.value.message
