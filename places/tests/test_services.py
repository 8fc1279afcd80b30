"""Every write: what it saves, its audit row, bad input saving nothing, who may."""

import pytest

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from places import services
from places.models import OpeningHours, Place, PlaceAmenity, PlaceUse, SpecialDay
from .factories import make_place

pytestmark = pytest.mark.django_db


def base(world, **over):
    data = dict(name="长青社区党群服务站", kind="service_station", region=world.communities[0].code,
                lng=106.805, lat=39.665, phone="0473-2012345", contact_name="值班社工",
                hours=["08:30-12:00, 14:00-18:00"] * 5 + ["", ""], amenities={"water": "", "heating_food": "11:00-13:00"})
    data.update(over)
    return data


def test_create_saves_place_hours_offerings_and_an_audit_row(world):
    staff = world.users["community_staff"]
    place = services.place_create(actor=staff, **base(world))
    assert place.region == world.communities[0] and place.created_by == staff and place.version == 0
    assert OpeningHours.objects.filter(place=place, amenity__isnull=True).count() == 10
    heating = PlaceAmenity.objects.get(place=place, amenity="heating_food")
    assert set(heating.hours.values_list("start_minute", "end_minute")) == {(660, 780)}
    assert heating.hours.count() == 7
    row = AuditLog.objects.get(action="places.create", object_id=str(place.pk))
    assert row.actor == staff and row.after["hours"]["0"].startswith("08:30")
    assert sorted(row.after["amenities"]) == ["heating_food", "water"]


@pytest.mark.parametrize("over, code", [
    ({"hours": ["25:00-26:00"] + [""] * 6}, "bad_time"),
    ({"hours": ["08:00-12:00, 11:00-13:00"] + [""] * 6}, "overlapping_hours"),
    ({"hours": ["22:00-06:00", "05:00-07:00"] + [""] * 5}, "overlapping_hours"),
    ({"hours": ["08:00-12:00"]}, "bad_hours"),
    ({"lng": 2.35, "lat": 48.85}, "bad_coordinates"),  # Paris: outside China
    ({"lng": "abc", "lat": 39.6}, "bad_coordinates"),
    ({"lng": 106.8, "lat": ""}, "bad_coordinates"),
    ({"lng": "", "lat": ""}, "location_required"),  # public but nowhere on the map
    ({"amenities": {"jacuzzi": ""}}, "unknown_amenity"),
    ({"amenities": {"water": "9-10"}}, "bad_hours"),
    ({"name": ""}, "required"), ({"name": "<b>x</b>站"}, "markup"),
    ({"kind": "castle"}, "bad_kind"),
    ({"region": "999999999999"}, "unknown_region"),
    ({"phone": "12345"}, "bad_phone"),
])
def test_bad_input_is_refused_clearly_and_nothing_is_saved(world, over, code):
    with pytest.raises(ValidationFailed) as e:
        services.place_create(actor=world.users["community_staff"], **base(world, **over))
    assert e.value.code == code and e.value.message
    assert Place.objects.count() == 0 and OpeningHours.objects.count() == 0
    assert not AuditLog.objects.filter(action__startswith="places.").exists()


def test_a_grid_cannot_own_a_place_and_names_are_unique_per_community(world):
    with pytest.raises(ValidationFailed) as e:
        services.place_create(actor=world.users["street_staff"], **base(world, region=world.grids[0].code))
    assert e.value.code == "bad_region"
    services.place_create(actor=world.users["community_staff"], **base(world))
    with pytest.raises(ValidationFailed) as e:
        services.place_create(actor=world.users["community_staff"], **base(world))
    assert e.value.code == "duplicate_name" and Place.objects.count() == 1


def test_an_internal_place_needs_no_location(world):
    place = services.place_create(actor=world.users["community_staff"],
                                  **base(world, lng="", lat="", is_public=False, kind="mediation_room"))
    assert place.lng is None and not place.is_public


@pytest.mark.parametrize("user, region, allowed", [
    ("community_staff", "c0", True), ("community_staff", "c1", False), ("community_staff", "street", False),
    ("street_staff", "c1", True), ("street_staff", "street", True),
    ("grid_worker", "c0", False), ("resident", "c0", False), ("unit_handler", "c0", False),
])
def test_who_may_add_a_place(world, user, region, allowed):
    target = {"c0": world.communities[0], "c1": world.communities[1], "street": world.street}[region]
    call = lambda: services.place_create(actor=world.users[user], **base(world, region=target.code))  # noqa: E731
    if allowed:
        assert call().region == target
    else:
        with pytest.raises(NotAllowed):
            call()
        assert Place.objects.count() == 0


def test_update_changes_only_what_is_given_audits_the_fields_and_bumps_the_version(world):
    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    services.place_update(place.pk, actor=staff, expected_version=0, hours=["24h"] * 7, phone="13812345678")
    place.refresh_from_db()
    assert place.version == 1 and place.phone == "13812345678" and place.name.startswith("社区1")
    assert OpeningHours.objects.filter(place=place, amenity__isnull=True).count() == 7
    row = AuditLog.objects.get(action="places.update", object_id=str(place.pk))
    assert set(row.fields) == {"hours", "phone"} and row.before["hours"]["0"] != row.after["hours"]["0"]


def test_a_stale_version_is_a_conflict_and_saves_nothing(world):
    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    services.place_update(place.pk, actor=staff, expected_version=0, name="新名字服务站")
    with pytest.raises(Conflict):
        services.place_update(place.pk, actor=world.users["street_staff"], expected_version=0, name="另一个名字")
    with pytest.raises(ValidationFailed):
        services.place_update(place.pk, actor=staff, expected_version="x", name="另一个名字")
    place.refresh_from_db()
    assert place.name == "新名字服务站" and place.version == 1


def test_bad_hours_on_update_keep_the_old_hours(world):
    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    with pytest.raises(ValidationFailed):
        services.place_update(place.pk, actor=staff, name="改了名字", hours=["08:00-25:00"] + [""] * 6)
    place.refresh_from_db()
    assert not place.name == "改了名字" and place.hours.count() == 10 and place.version == 0


def test_staff_of_another_community_cannot_edit_and_hidden_places_are_not_found(world):
    place = make_place(world, actor=world.users["community_staff"])
    with pytest.raises(NotAllowed):
        services.place_update(place.pk, actor=world.users["community_staff_other"], name="抢过来")
    services.place_set_active(place.pk, actor=world.users["community_staff"], active=False)
    with pytest.raises(NotFound):
        services.place_update(place.pk, actor=world.users["community_staff_other"], name="抢过来")
    with pytest.raises(NotFound):
        services.place_update(999999, actor=world.users["street_staff"], name="不存在")


def test_staff_cannot_move_a_place_into_a_community_they_do_not_run(world):
    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    with pytest.raises(NotAllowed):
        services.place_update(place.pk, actor=staff, region=world.communities[1].code)


# ---------------------------------------------------------------- the one state: active / deactivated

STATES = [True, False]
ACTIONS = [True, False]  # activate, deactivate
ROLES = ["community_staff", "community_staff_other", "street_staff", "grid_worker", "resident", "unit_handler"]
MAY_MANAGE = {"community_staff", "street_staff"}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("activate", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_activation_matrix(world, state, activate, role):
    place = make_place(world, actor=world.users["community_staff"])
    if not state:
        services.place_set_active(place.pk, actor=world.users["street_staff"], active=False)
    before = AuditLog.objects.count()
    call = lambda: services.place_set_active(place.pk, actor=world.users[role], active=activate,  # noqa: E731
                                             note="搬迁")
    if role not in MAY_MANAGE:
        with pytest.raises(NotAllowed if state else NotFound):
            call()
    elif state == activate:
        with pytest.raises(Conflict):
            call()
    else:
        result = call()
        assert result.is_active is activate
        row = AuditLog.objects.latest("id")
        assert row.action == ("places.activate" if activate else "places.deactivate") and row.note == "搬迁"
        return
    place.refresh_from_db()
    assert place.is_active is state and AuditLog.objects.count() == before


def test_special_days_and_daily_counts(world):
    from .factories import at

    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    now = at(2024, 5, 6, 9)
    day = services.special_day_set(place.pk, actor=staff, date="2024-05-12", is_closed=False, hours="09:00-12:00",
                                   note="周日加开", now=now)
    assert day.ranges == [[540, 720]] and not day.is_closed
    services.special_day_set(place.pk, actor=staff, date="2024-05-12", is_closed=True, now=now)  # replaces
    assert SpecialDay.objects.get(place=place).is_closed
    for bad, code in [("2024-13-01", "bad_date"), ("2023-01-01", "bad_date"), ("2030-01-01", "bad_date")]:
        with pytest.raises(ValidationFailed) as e:
            services.special_day_set(place.pk, actor=staff, date=bad, now=now)
        assert e.value.code == code
    with pytest.raises(ValidationFailed):
        services.special_day_set(place.pk, actor=staff, date="2024-05-13", is_closed=False, hours="", now=now)
    services.special_day_remove(place.pk, day.pk, actor=staff, now=now)
    assert not SpecialDay.objects.exists()
    with pytest.raises(NotFound):
        services.special_day_remove(place.pk, day.pk, actor=staff)

    services.use_record(place.pk, actor=staff, date="2024-05-05", count="42", now=now)
    services.use_record(place.pk, actor=staff, date="2024-05-05", count=40, now=now)
    assert PlaceUse.objects.get(place=place).count == 40
    for bad in ["-1", "abc", "100001"]:
        with pytest.raises(ValidationFailed):
            services.use_record(place.pk, actor=staff, date="2024-05-05", count=bad, now=now)
    with pytest.raises(ValidationFailed):
        services.use_record(place.pk, actor=staff, date="2024-05-07", count=3, now=now)  # tomorrow
    with pytest.raises(NotAllowed):
        services.use_record(place.pk, actor=world.users["resident"], date="2024-05-05", count=3, now=now)
    assert AuditLog.objects.filter(action="places.use").count() == 2
    assert AuditLog.objects.filter(action__in=["places.special_day", "places.special_day_remove"]).count() == 3
