"""Care subjects and visits through the services: due dates across months,
one-step appeals and service orders, audit rows, events and bad input."""

import datetime as dt

import pytest

from appeals.models import Appeal
from appeals.workflow import Channel
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog, Notification
from services.models import ServiceOrder
from testing.world import build_world
from visits import selectors, services
from visits.models import CareSubject, Event, Photo, Visit
from visits.workflow import SubjectStatus

from .factories import at, committed, person, png, subject, tag

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world():
    return build_world()


def visit(world, s, when, actor="grid_worker", **kwargs):
    return committed(services.visit_record, actor=world.users[actor], subject=s, visited_at=when, now=when, **kwargs)


def test_a_new_subject_is_due_at_once_and_each_visit_moves_the_due_date(world):
    s = subject(world, tags=["very_old"], now=at(2024, 1, 10))          # monthly
    assert s.next_due == D(2024, 1, 10) and s.status == SubjectStatus.DUE
    v = visit(world, s, at(2024, 1, 31))
    assert v.due_on == D(2024, 1, 10) and v.on_time is False and v.next_due == D(2024, 2, 29)
    v = visit(world, s, at(2024, 2, 29))
    assert v.on_time is True and v.next_due == D(2024, 3, 29)
    v = visit(world, s, at(2024, 3, 20))
    assert v.next_due == D(2024, 4, 20)
    s.refresh_from_db()
    assert s.next_due == D(2024, 4, 20) and s.status == SubjectStatus.OK
    assert s.last_visit_at == at(2024, 3, 20)


def test_schedule_over_the_year_end_and_a_start_date(world):
    s = subject(world, tags=["entitled"], now=at(2024, 11, 1), started_on="2024-11-30")  # quarterly
    assert s.next_due == D(2024, 11, 30) and s.status == SubjectStatus.OK
    v = visit(world, s, at(2024, 11, 30))
    assert v.next_due == D(2025, 2, 28)
    v = visit(world, s, at(2025, 2, 28))
    assert v.next_due == D(2025, 5, 28)


def test_several_tags_take_the_most_frequent_and_an_override_wins(world):
    s = subject(world, tags=["dibao", "living_alone"], now=at(2024, 6, 3))
    assert s.frequency == "weekly"
    v = visit(world, s, at(2024, 6, 3))
    assert v.next_due == D(2024, 6, 10)
    s = committed(services.subject_save, actor=world.users["grid_worker"], person=s.person, tags=["dibao", "living_alone"],
                  frequency_override="monthly", now=at(2024, 6, 4))
    s.refresh_from_db()
    assert s.frequency == "monthly" and s.next_due == D(2024, 7, 3)
    assert Event.objects.filter(machine="subject", object_id=s.pk, action="reschedule").exists()


def test_a_tag_frequency_change_reschedules_its_people(world):
    s = subject(world, tags=["disabled"], now=at(2024, 6, 3))
    visit(world, s, at(2024, 6, 3))
    s.refresh_from_db()
    assert s.next_due == D(2024, 7, 3)
    street = world.users["street_staff"]
    committed(services.tag_save, actor=street, code="disabled", name="残疾人", frequency="weekly", now=at(2024, 6, 4))
    s.refresh_from_db()
    assert s.next_due == D(2024, 6, 10)
    with pytest.raises(NotAllowed):
        services.tag_save(actor=world.users["community_staff"], code="disabled", name="x", frequency="weekly")
    with pytest.raises(ValidationFailed):
        services.tag_save(actor=street, code="new tag!", name="x", frequency="weekly")
    with pytest.raises(ValidationFailed):
        services.tag_save(actor=street, code="x", name="x", frequency="daily")


def test_visit_writes_event_audit_and_photos(world):
    s = subject(world, now=at(2024, 3, 1))
    v = visit(world, s, at(2024, 3, 1), findings="身体还好，冰箱里吃的不多。", flags=["health", "money"],
              photos=[png()], mode="home", lng=world.grids[0].centroid_lng, lat=world.grids[0].centroid_lat)
    assert v.flags == ["health", "money"] and Photo.objects.filter(visit=v).count() == 1
    assert Event.objects.filter(machine="subject", object_id=s.pk, action="visit").count() == 1
    assert AuditLog.objects.filter(object_type="visits.visit", object_id=str(v.pk), action=AuditLog.Action.CREATE).exists()
    assert AuditLog.objects.filter(object_type="visits.caresubject", object_id=str(s.pk), note="visits.subject.visit").exists()


def test_a_visit_opens_an_appeal_in_one_step(world):
    s = subject(world, now=at(2024, 3, 1))
    v = visit(world, s, at(2024, 3, 4), findings="楼道灯坏了，老人晚上出门看不见。",
              appeal={"category": world.category.code}, photos=[png()])
    appeal = Appeal.objects.get(pk=v.appeal_id)
    assert appeal.channel == Channel.VISIT and appeal.grid == world.grids[0]
    assert appeal.reporter_name == s.person.name and appeal.reporter_phone == s.person.phone
    assert appeal.attachments.count() == 1
    # the appeal page says where it came from
    from appeals import hooks

    links = hooks.links_for(appeal, world.users["grid_worker"])
    assert any(link["key"] == "visit" and link["url"] for link in links)
    assert any(link["key"] == "visit" and not link["url"] for link in hooks.links_for(appeal, world.users["unit_handler"]))


def test_a_bad_appeal_saves_nothing(world):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        services.visit_record(actor=world.users["grid_worker"], subject=s, findings="楼道灯坏了，老人看不见。",
                              appeal={"category": "no-such"}, now=at(2024, 3, 4))
    assert Visit.objects.count() == 0 and Appeal.objects.count() == 0
    s.refresh_from_db()
    assert s.version == 1 and s.last_visit_at is None


def test_opening_anything_needs_findings(world):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=world.users["grid_worker"], subject=s, appeal={"category": world.category.code},
                              now=at(2024, 3, 4))
    assert e.value.code == "required" and Visit.objects.count() == 0


def test_community_staff_open_a_service_order_from_a_visit(world):
    s = subject(world, now=at(2024, 3, 1))
    v = visit(world, s, at(2024, 3, 4), actor="community_staff", findings="卫生间水龙头漏水，老人自己修不了。",
              order={"title": "修水龙头"})
    order = ServiceOrder.objects.get(pk=v.service_order_id)
    assert order.household == s.household and order.requester_name == s.person.name and order.title == "修水龙头"


def test_the_grid_worker_of_the_household_opens_a_service_order_on_a_visit(world):
    s = subject(world, now=at(2024, 3, 1))
    assert selectors.can_open_order(world.users["grid_worker"], s)
    v = visit(world, s, at(2024, 3, 4), findings="卫生间水龙头漏水，老人自己修不了。", order={"title": "修水龙头"})
    order = ServiceOrder.objects.get(pk=v.service_order_id)
    assert order.channel == "visit" and order.household == s.household and order.requester_name == s.person.name


def test_a_grid_worker_of_another_grid_cannot_record_a_service_order_and_nothing_is_saved(world):
    from services.services import order_submit

    s = subject(world, now=at(2024, 3, 1))
    other = world.users["grid_worker_other"]
    assert not selectors.can_open_order(other, s)
    with pytest.raises(NotAllowed):
        order_submit(actor=other, kind="service", content="卫生间水龙头漏水。", channel="visit", household=s.household,
                     requester_name="王大爷", now=at(2024, 3, 4))
    with pytest.raises(NotAllowed):  # nor by phone, which is for community staff
        order_submit(actor=world.users["grid_worker"], kind="service", content="卫生间水龙头漏水。", channel="phone",
                     household=s.household, requester_name="王大爷", now=at(2024, 3, 4))
    assert Visit.objects.count() == 0 and ServiceOrder.objects.count() == 0


@pytest.mark.parametrize("kwargs, code", [
    ({"mode": "telepathy"}, "bad_mode"),
    ({"flags": ["bored"]}, "bad_flag"),
    ({"findings": "<script>x</script>"}, "markup"),
    ({"visited_at": "2024-03-10T10:00:00+08:00"}, "bad_time"),      # in the future
    ({"visited_at": "2024-01-01T10:00:00+08:00"}, "bad_time"),      # too long ago
    ({"visited_at": "yesterday"}, "bad_date"),
    ({"lng": "abc", "lat": "1"}, "bad_coordinates"),
])
def test_bad_visit_input_is_refused_clearly_and_saves_nothing(world, kwargs, code):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=world.users["grid_worker"], subject=s, now=at(2024, 3, 4), **kwargs)
    assert e.value.code == code and e.value.message
    assert Visit.objects.count() == 0


def test_a_bad_photo_saves_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        services.visit_record(actor=world.users["grid_worker"], subject=s, now=at(2024, 3, 4),
                              photos=[SimpleUploadedFile("x.png", b"not an image")])
    assert Visit.objects.count() == 0 and Photo.objects.count() == 0


def test_visits_must_be_in_order(world):
    s = subject(world, now=at(2024, 3, 1))
    visit(world, s, at(2024, 3, 5))
    with pytest.raises(ValidationFailed):
        services.visit_record(actor=world.users["grid_worker"], subject=s, visited_at=at(2024, 3, 4), now=at(2024, 3, 6))


def test_a_stale_screen_loses(world):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(Conflict):
        services.visit_record(actor=world.users["grid_worker"], subject=s, expected_version=99, now=at(2024, 3, 4))


def test_who_may_visit(world):
    s = subject(world, now=at(2024, 3, 1))
    for name in ("grid_worker_other", "community_staff_other", "resident", "unit_handler"):
        with pytest.raises(NotFound):
            services.visit_record(actor=world.users[name], subject=s, now=at(2024, 3, 4))
    visit(world, s, at(2024, 3, 4), actor="street_staff")
    assert Visit.objects.count() == 1


def test_subjects_only_in_ones_own_grids(world):
    p = person(world, 2)
    tag("living_alone")
    with pytest.raises(NotAllowed):
        services.subject_save(actor=world.users["grid_worker"], person=p, tags=["living_alone"])
    with pytest.raises(NotAllowed):
        services.subject_save(actor=world.users["community_staff"], person=p, tags=["living_alone"])
    s = services.subject_save(actor=world.users["community_staff_other"], person=p, tags=["living_alone"])
    assert s.grid == world.grids[2] and s.community == world.communities[1]


@pytest.mark.parametrize("kwargs, code", [
    ({"tags": []}, "tags_required"),
    ({"tags": ["nope"]}, "unknown_tag"),
    ({"frequency_override": "daily"}, "bad_frequency"),
    ({"started_on": "31/12/2024"}, "bad_date"),
    ({"responsible": "999999"}, "bad_responsible"),
    ({"person": "abc"}, "unknown_person"),
])
def test_bad_subject_input(world, kwargs, code):
    tag("living_alone")
    params = {"person": person(world), "tags": ["living_alone"], **kwargs}
    with pytest.raises(ValidationFailed) as e:
        services.subject_save(actor=world.users["grid_worker"], **params)
    assert e.value.code == code
    assert CareSubject.objects.count() == 0


def test_a_person_without_household_cannot_be_tagged(world):
    from testing.factories import PersonFactory

    tag("living_alone")
    with pytest.raises(ValidationFailed) as e:
        services.subject_save(actor=world.users["grid_worker"], person=PersonFactory(), tags=["living_alone"])
    assert e.value.code == "no_household"


def test_responsible_worker_is_told(world):
    s = subject(world, responsible=world.users["grid_worker"].pk, actor="community_staff", now=at(2024, 3, 1))
    assert s.responsible == world.users["grid_worker"]
    assert Notification.objects.filter(recipient=world.users["grid_worker"], verb="care_subject").exists()


def test_end_and_resume_care(world):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        services.subject_end(actor=world.users["community_staff"], subject=s, note="", now=at(2024, 3, 2))
    committed(services.subject_end, actor=world.users["community_staff"], subject=s, note="搬去女儿家住", now=at(2024, 3, 2))
    s.refresh_from_db()
    assert s.status == SubjectStatus.ENDED and s.next_due is None and s.ended_on == D(2024, 3, 2)
    assert selectors.due_lists(world.users["grid_worker"], now=at(2024, 3, 3))["overdue"] == []
    with pytest.raises(InvalidTransition):
        services.visit_record(actor=world.users["grid_worker"], subject=s, now=at(2024, 3, 3))
    with pytest.raises(InvalidTransition):
        services.subject_save(actor=world.users["grid_worker"], person=s.person, tags=["living_alone"])
    with pytest.raises(NotAllowed):  # any grid worker may visit; ending and resuming is for staff and the responsible
        services.subject_resume(actor=world.users["grid_worker"], subject=s, now=at(2024, 4, 1))
    committed(services.subject_resume, actor=world.users["community_staff"], subject=s, now=at(2024, 4, 1))
    s.refresh_from_db()
    assert s.status == SubjectStatus.DUE and s.next_due == D(2024, 4, 1) and s.ended_on is None


def test_due_lists_put_the_overdue_first(world):
    a = subject(world, now=at(2024, 3, 1), person=person(world, name="甲", phone="13800000001"))
    b = subject(world, now=at(2024, 3, 1), person=person(world, name="乙", phone="13800000002"))
    c = subject(world, now=at(2024, 3, 1), person=person(world, name="丙", phone="13800000003"), tags=["entitled"])
    visit(world, b, at(2024, 3, 8))     # weekly: due 15 Mar
    visit(world, c, at(2024, 3, 8))     # quarterly: due 8 Jun
    lists = selectors.due_lists(world.users["grid_worker"], now=at(2024, 3, 10))
    assert [s.pk for s in lists["overdue"]] == [a.pk] and lists["overdue"][0].days_overdue == 9
    assert [s.pk for s in lists["due"]] == [b.pk]
    assert [s.pk for s in lists["later"]] == [c.pk]
    assert selectors.due_lists(world.users["grid_worker_other"], now=at(2024, 3, 10))["overdue"] == []


def test_the_sweep_moves_statuses_and_notifies_once_a_day(world):
    s = subject(world, tags=["very_old"], now=at(2024, 1, 10))
    visit(world, s, at(2024, 1, 10))      # due 10 Feb
    counts = committed(services.sweep, now=at(2024, 2, 4))
    s.refresh_from_db()
    assert s.status == SubjectStatus.DUE and counts["fell_due"] == 1
    committed(services.sweep, now=at(2024, 2, 11, 6))
    s.refresh_from_db()
    assert s.status == SubjectStatus.OVERDUE
    committed(services.sweep, now=at(2024, 2, 11, 18))
    committed(services.sweep, now=at(2024, 2, 12, 6))
    notes = Notification.objects.filter(recipient=world.users["grid_worker"], verb="visit_overdue")
    assert notes.count() == 2   # 11 and 12 Feb, not twice on the 11th
    events = list(Event.objects.filter(machine="subject", object_id=s.pk).values_list("action", flat=True))
    assert events == ["create", "visit", "fall_due", "lapse"]
    visit(world, s, at(2024, 2, 12, 9))
    s.refresh_from_db()
    assert s.status == SubjectStatus.OK and s.overdue_notified_on is None


def test_reveal_is_logged(world):
    s = subject(world, now=at(2024, 3, 1))
    assert services.reveal_personal(actor=world.users["grid_worker"], subject=s, field="phone") == "13800001111"
    assert services.reveal_personal(actor=world.users["community_staff"], subject=s.pk, field="id_number") \
        == "150302194501011234"
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_type="people.person").count() == 2
    with pytest.raises(NotFound):
        services.reveal_personal(actor=world.users["grid_worker_other"], subject=s)
    with pytest.raises(ValidationFailed):
        services.reveal_personal(actor=world.users["grid_worker"], subject=s, field="password")
