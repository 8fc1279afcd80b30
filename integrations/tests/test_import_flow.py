"""Imports end to end through the services: check whole file, all-or-nothing,
clean rows only, re-import idempotence, audit, progress, each kind's rules."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from appeals.models import Appeal
from appeals.selectors import visible_appeals
from appeals.workflow import Channel, Status
from core.crypto import blind_index
from core.errors import InvalidTransition, NotAllowed, ValidationFailed
from core.models import AuditLog
from integrations import services
from integrations.models import ImportJob, WorkOrder
from party.models import PartyMember
from people.models import Person, Unit
from regions.models import Household
from testing.factories import user_with_role
from testing.loop import act

from .data.samples import HEADERS, bad_check_digit, build_scene, csv_bytes, id_number, resident_rows, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_scene()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Upload a file and let the background check (and import) run as the worker would."""
    def upload(user, kind, data, name="file.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_upload(actor=user, kind=kind, upload=SimpleUploadedFile(name, data))
        job.refresh_from_db()
        return job

    def confirm(user, job, clean_only=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.import_confirm(actor=user, job=job, clean_only=clean_only, expected_version=job.version)
        job.refresh_from_db()
        return job

    upload.confirm = confirm
    return upload


def errors_by_row(job):
    out = {}
    for e in job.errors:
        out.setdefault(e["row"], []).append((e["column"], e["message"]))
    return out


# ---------------------------------------------------------------- residents

def test_a_clean_resident_file_is_checked_then_imported_encrypted_with_households(world, run):
    staff = world.users["community_staff"]
    job = run(staff, "residents", xlsx(HEADERS["residents"], resident_rows(12)))
    assert (job.status, job.total, job.valid, job.error_count) == ("checked", 12, 12, 0)
    assert Person.objects.count() == 0  # nothing before the user decides
    job = run.confirm(staff, job)
    assert (job.status, job.done, job.created, job.percent) == ("done", 12, 12, 100)
    person = Person.objects.get(id_number_index=blind_index(id_number(3)))
    assert person.id_number == id_number(3) and person.phone == "13900000003"
    assert person.household.building.estate.name == "幸福小区"
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [person.pk])
        raw_id, raw_phone = cur.fetchone()
    assert id_number(3) not in raw_id and "13900000003" not in raw_phone
    assert not job.file  # the upload is removed once done
    actions = list(AuditLog.objects.filter(object_type="integrations.importjob", object_id=str(job.pk))
                   .values_list("action", flat=True))
    assert sorted(actions) == ["create", "import", "update"]
    done = AuditLog.objects.get(action="import", object_id=str(job.pk))
    assert done.actor == staff and done.after["created"] == 12


def test_reimporting_the_same_file_creates_no_duplicates(world, run):
    staff = world.users["community_staff"]
    data = xlsx(HEADERS["residents"], resident_rows(5))
    run.confirm(staff, run(staff, "residents", data))
    again = run.confirm(staff, run(staff, "residents", data))
    assert (again.created, again.updated, again.status) == (0, 0, "done")
    assert Person.objects.count() == 5 and Household.objects.count() == 5


def test_a_changed_phone_on_reimport_updates_the_person(world, run):
    staff = world.users["community_staff"]
    rows = resident_rows(2)
    run.confirm(staff, run(staff, "residents", xlsx(HEADERS["residents"], rows)))
    rows[1][3] = "13812345678"
    job = run.confirm(staff, run(staff, "residents", xlsx(HEADERS["residents"], rows)))
    assert (job.created, job.updated) == (0, 1)
    assert Person.objects.get(id_number_index=blind_index(rows[1][2])).phone == "13812345678"


BAD_RESIDENTS = [
    ["好人", "女", id_number(1), "13900000001", "", "幸福小区", "3号楼", "1", "101"],      # 2 clean
    ["", "男", id_number(2), "13900000002", "", "幸福小区", "3号楼", "1", "102"],           # 3 empty name
    ["坏电话", "男", id_number(3), "12345", "", "幸福小区", "3号楼", "1", "103"],            # 4 bad phone
    ["坏校验", "男", bad_check_digit(4), "", "", "幸福小区", "3号楼", "1", "104"],          # 5 bad check digit
    ["无楼", "男", id_number(5), "", "", "幸福小区", "9号楼", "1", "105"],                   # 6 unknown building
    ["重复", "女", id_number(1), "", "", "幸福小区", "3号楼", "1", "106"],                   # 7 repeats row 2
    ["长" * 70, "女", id_number(7), "", "", "幸福小区", "3号楼", "1", "107"],                # 8 too long
    ["=cmd|' /C calc'!A0", "女", id_number(8), "", "", "幸福小区", "3号楼", "1", "108"],     # 9 formula
    ["外区", "女", id_number(9), "", "", "和平小区", "1号楼", "1", "101"],                   # 10 other community
    ["无单元", "女", id_number(10), "", "", "幸福小区", "5号楼", "3", "101"],                # 11 entrance 3 of 1
    ["性别", "x", id_number(11), "", "", "幸福小区", "5号楼", "1", "102"],                   # 12 bad gender
    ["好人二", "男", id_number(12), "", "", "幸福小区", "5号楼", "", "103"],                  # 13 clean
]


def test_every_bad_row_is_reported_with_row_column_and_reason(world, run):
    job = run(world.users["community_staff"], "residents", xlsx(HEADERS["residents"], BAD_RESIDENTS))
    assert (job.status, job.total, job.valid, job.error_count) == ("checked", 12, 2, 10)
    errors = errors_by_row(job)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert errors[3][0][0] == "姓名"
    assert errors[4][0][0] == "手机号"
    assert errors[5][0][0] == "身份证号"
    assert errors[6][0][0] == "楼栋"
    assert errors[7][0][0] == "身份证号" and "2" in errors[7][0][1]
    assert errors[8][0][0] == "姓名"
    assert errors[9][0][0] == "姓名"
    assert errors[10][0][0] == "小区"
    assert errors[11][0][0] == "单元"
    assert errors[12][0][0] == "性别"
    assert all(message for row in errors.values() for _c, message in row)


def test_a_file_with_bad_rows_writes_nothing_unless_clean_rows_are_chosen(world, run):
    staff = world.users["community_staff"]
    job = run(staff, "residents", xlsx(HEADERS["residents"], BAD_RESIDENTS))
    with pytest.raises(ValidationFailed) as e:
        services.import_confirm(actor=staff, job=job, clean_only=False)
    assert e.value.code == "import_rejected"
    job.refresh_from_db()
    assert job.status == "checked" and Person.objects.count() == 0
    job = run.confirm(staff, job, clean_only=True)
    assert (job.status, job.created, job.done) == ("done", 2, 2)
    assert set(Person.objects.values_list("name", flat=True)) == {"好人", "好人二"}
    assert job.error_count == 10 and job.errors  # the report stays with the job


def test_the_messages_are_chinese_for_a_chinese_upload(world, run):
    from django.utils import translation

    with translation.override("zh-hans"):
        job = run(world.users["community_staff"], "residents", xlsx(HEADERS["residents"], BAD_RESIDENTS))
    assert job.language == "zh-hans"
    with translation.override("en"):
        job_en = run(world.users["community_staff"], "residents", xlsx(HEADERS["residents"], BAD_RESIDENTS))
    assert job_en.language == "en"
    assert len(job.errors) == len(job_en.errors)


def test_a_missing_required_column_rejects_the_file(world, run):
    headers = [h for h in HEADERS["residents"] if h != "身份证号"]
    job = run(world.users["community_staff"], "residents", xlsx(headers, [["张三", "男", "", "", "幸福小区", "3号楼", "1", "1"]]))
    assert job.status == "rejected"
    assert job.errors == [{"row": 1, "column": "身份证号", "message": job.errors[0]["message"]}]
    assert not job.file


def test_headers_from_the_template_with_stars_and_english_keys_are_accepted(world, run):
    headers = ["姓名*", "gender", "id_number", "phone", "community", "小区*", "楼栋*", "单元", "房号*"]
    job = run(world.users["community_staff"], "residents", xlsx(headers, resident_rows(2)))
    assert (job.status, job.valid) == ("checked", 2)


@pytest.mark.parametrize("data,name", [(b"plain text renamed", "r.xlsx"), (b"\n", "r.csv")])
def test_a_renamed_or_blank_file_is_rejected_in_the_check(world, run, data, name):
    job = run(world.users["community_staff"], "residents", data, name)
    assert job.status == "rejected" and job.message


def test_empty_and_wrong_type_uploads_are_refused_before_saving(world):
    staff = world.users["community_staff"]
    for data, name, code in [(b"", "r.xlsx", "empty"), (b"x", "r.pdf", "bad_type"), (b"{}", "g.xlsx", "bad_type")]:
        kind = "grids" if name == "g.xlsx" else "residents"
        with pytest.raises(ValidationFailed) as e:
            services.import_upload(actor=staff, kind=kind, upload=SimpleUploadedFile(name, data))
        assert e.value.code == code
    with pytest.raises(ValidationFailed):
        services.import_upload(actor=staff, kind="nonsense", upload=SimpleUploadedFile("r.xlsx", b"x"))
    assert ImportJob.objects.count() == 0


def test_a_gbk_csv_from_chinese_excel_imports(world, run):
    staff = world.users["community_staff"]
    job = run(staff, "residents", csv_bytes(HEADERS["residents"], resident_rows(3), "gbk"), "居民.csv")
    job = run.confirm(staff, job)
    assert job.created == 3 and Person.objects.filter(name="居民1").exists()


def test_a_resident_of_another_community_cannot_be_moved_by_community_staff(world, run):
    other = world.users["community_staff_other"]
    row = ["外人", "男", id_number(50), "", "", "和平小区", "1号楼", "1", "201"]
    run.confirm(other, run(other, "residents", xlsx(HEADERS["residents"], [row])))
    moved = ["外人", "男", id_number(50), "", "", "幸福小区", "3号楼", "1", "201"]
    job = run(world.users["community_staff"], "residents", xlsx(HEADERS["residents"], [moved]))
    assert job.valid == 0 and job.errors[0]["column"] == "身份证号"
    street = run(world.users["street_staff"], "residents", xlsx(HEADERS["residents"], [moved]))
    assert street.valid == 1


def test_an_ambiguous_estate_name_needs_the_community_column(world, run):
    from regions.models import Building, Estate

    twin = Estate.objects.create(name="幸福小区", community=world.communities[1])
    Building.objects.create(estate=twin, number="3号楼", grid=world.grids[2])
    row = ["甲", "男", id_number(60), "", "", "幸福小区", "3号楼", "1", "1"]
    job = run(world.users["street_staff"], "residents", xlsx(HEADERS["residents"], [row]))
    assert job.errors[0]["column"] == "小区"
    row[4] = world.communities[1].name
    job = run(world.users["street_staff"], "residents", xlsx(HEADERS["residents"], [row]))
    assert job.valid == 1


# ---------------------------------------------------------------- households, members, units

def test_households_are_keyed_by_address_and_anchor_flag_updates(world, run):
    staff = world.users["community_staff"]
    rows = [["幸福小区", "3号楼", "2", "201", "是"], ["幸福小区", "3号", "1", "101", "否"],
            ["幸福小区", "3号楼", "2", "201", "否"], ["幸福小区", "3号楼", "1", "102", "也许"]]
    job = run(staff, "households", xlsx(HEADERS["households"], rows))
    errors = errors_by_row(job)
    assert set(errors) == {4, 5} and errors[5][0][0] == "党员中心户"
    job = run.confirm(staff, job, clean_only=True)
    assert Household.objects.count() == 2
    assert Household.objects.get(entrance=2, room="201").is_party_anchor
    again = run.confirm(staff, run(staff, "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "2", "201", "否"]])))
    assert (again.created, again.updated) == (0, 1) and Household.objects.count() == 2


def test_party_members_by_org_name_with_dates_and_scope(world, run):
    staff = world.users["community_staff"]
    rows = [["李建国", id_number(70), "13900000070", "第一社区党支部", "1998年7月1日", "综合执法中队"],
            ["王红", id_number(71), "", "第二社区党支部", "2001-07-01", ""],        # other community's branch
            ["赵强", id_number(72), "", "不存在党支部", "", ""],                    # unknown org
            ["钱多", id_number(73), "", "第一社区党支部", "七月一日", ""],            # bad date
            ["孙单", id_number(74), "", "第一社区党支部", "", "不存在单位"]]          # unknown unit
    job = run(staff, "party_members", xlsx(HEADERS["party_members"], rows))
    errors = errors_by_row(job)
    assert [errors[r][0][0] for r in (3, 4, 5, 6)] == ["党组织", "党组织", "入党日期", "工作单位"]
    job = run.confirm(staff, job, clean_only=True)
    member = PartyMember.objects.get()
    assert (member.person.name, member.org.name, member.joined_on, member.employer.name) == (
        "李建国", "第一社区党支部", dt.date(1998, 7, 1), "综合执法中队")
    again = run.confirm(staff, run(staff, "party_members", xlsx(HEADERS["party_members"], rows[:1])))
    assert (again.created, again.updated) == (0, 0) and PartyMember.objects.count() == 1


def test_an_existing_resident_becomes_a_member_without_a_second_person(world, run):
    staff = world.users["community_staff"]
    run.confirm(staff, run(staff, "residents", xlsx(HEADERS["residents"], resident_rows(1))))
    row = ["居民0", id_number(0), "", "第一社区党支部", "", ""]
    run.confirm(staff, run(staff, "party_members", xlsx(HEADERS["party_members"], [row])))
    assert Person.objects.count() == 1 and PartyMember.objects.get().person.household is not None


def test_units_are_kept_by_the_street(world, run):
    street = world.users["street_staff"]
    rows = [["市政管理所", "职能部门", "", "0473-3999888"], ["物业甲", "物业企业", world.street.code, ""],
            ["不明", "外星单位", "", ""], ["综合执法中队", "police", "", ""]]
    job = run(street, "units", xlsx(HEADERS["units"], rows))
    errors = errors_by_row(job)
    assert set(errors) == {4, 5}  # unknown kind; an existing district-wide unit
    job = run.confirm(street, job, clean_only=True)
    assert Unit.objects.get(name="市政管理所").street == world.street
    assert Unit.objects.get(name="物业甲").kind == Unit.Kind.PROPERTY
    with pytest.raises(NotAllowed):
        services.import_upload(actor=world.users["community_staff"], kind="units",
                               upload=SimpleUploadedFile("u.xlsx", xlsx(HEADERS["units"], rows)))


def test_an_admin_may_import_district_wide_units(world, run):
    admin = user_with_role(Role.ADMIN, username="admin")
    job = run.confirm(admin, run(admin, "units", xlsx(HEADERS["units"], [["区应急局", "职能部门", "", ""]])))
    assert job.created == 1 and Unit.objects.get(name="区应急局").street is None


def test_residents_and_party_members_cannot_import_anything(world):
    for user in (world.users["resident"], world.users["grid_worker"], world.users["unit_handler"]):
        with pytest.raises(NotAllowed):
            services.import_upload(actor=user, kind="residents",
                                   upload=SimpleUploadedFile("r.xlsx", xlsx(HEADERS["residents"], resident_rows(1))))


# ---------------------------------------------------------------- 12345 work orders

def order(number, **kw):
    row = {"number": number, "received": "2024-03-05 09:30", "caller": "王女士", "phone": "13947300003",
           "address": "幸福小区3号楼东侧", "content": "3号楼前路灯不亮已经一周，晚上出行不便。", "category": "路灯",
           "deadline": "2024-03-12", "grid": "", "urgency": "一般"}
    row.update(kw)
    return list(row.values())


def test_work_orders_enter_the_loop_on_the_hotline_channel_placed_by_address(world, run):
    staff = world.users["community_staff"]
    rows = [order("GD001"), order("GD002", address="某路口", grid=world.grids[1].code, urgency="紧急", category="streetlight")]
    job = run.confirm(staff, run(staff, "work_orders", xlsx(HEADERS["work_orders"], rows)))
    assert (job.status, job.created) == ("done", 2)
    first = WorkOrder.objects.get(number="GD001").appeal
    assert (first.channel, first.status, first.grid, first.building.number) == (
        Channel.HOTLINE, Status.SUBMITTED, world.grids[0], "3号楼")
    assert first.reporter_name == "王女士" and first.reporter_phone == "13947300003" and first.reporter is None
    assert first.created_at == timezone.make_aware(dt.datetime(2024, 3, 5, 9, 30))
    second = WorkOrder.objects.get(number="GD002").appeal
    assert (second.grid, second.urgency) == (world.grids[1], "urgent")
    # on the community's workbench, and not on the other community's
    assert visible_appeals(staff).filter(pk=first.pk).exists()
    assert not visible_appeals(world.users["community_staff_other"]).filter(pk=first.pk).exists()
    again = run.confirm(staff, run(staff, "work_orders", xlsx(HEADERS["work_orders"], rows)))
    assert again.created == 0 and Appeal.objects.count() == 2


def test_the_12345_deadline_becomes_the_resolve_due_on_accept(world, run):
    staff = world.users["community_staff"]
    run.confirm(staff, run(staff, "work_orders", xlsx(HEADERS["work_orders"], [
        order("GD010", received=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
              deadline=(timezone.localdate() + dt.timedelta(days=30)).isoformat())])))
    appeal = WorkOrder.objects.get(number="GD010").appeal
    act(appeal, "accept", world.users["grid_worker"])
    appeal.refresh_from_db()
    expected = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=30), dt.time(23, 59, 59)))
    assert appeal.status == Status.ACCEPTED and appeal.resolve_due == expected


def test_bad_work_orders_are_reported(world, run):
    staff = world.users["community_staff"]
    rows = [order("GD020", category="外星分类"),
            order("GD021", address="无名路1号"),
            order("GD022", grid=world.grids[2].code),
            order("GD023", deadline="2024-03-01"),
            order("GD024", received="三月五日"),
            order("GD025", content="短"),
            order("GD026", category="市政设施"),   # a parent, not a leaf
            order("GD027"), order("GD027"),
            order("GD028", grid="999999999999999")]
    job = run(staff, "work_orders", xlsx(HEADERS["work_orders"], rows))
    errors = errors_by_row(job)
    assert {r: errors[r][0][0] for r in errors} == {2: "类别", 3: "地址", 4: "网格编码", 5: "办结时限", 6: "受理时间",
                                                    7: "诉求内容", 8: "类别", 10: "工单编号", 11: "网格编码"}
    assert job.valid == 1


def test_a_dry_run_of_work_orders_creates_no_appeal(world, run):
    job = run(world.users["community_staff"], "work_orders", xlsx(HEADERS["work_orders"], [order("GD030")]))
    assert job.status == "checked" and Appeal.objects.count() == 0


# ---------------------------------------------------------------- grids, progress, decisions

def grid_file(code, parent, lng=106.90, lat=39.70):
    import json

    from testing.factories import square
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": code, "name": "新网格", "level": "grid", "parent_code": parent},
        "geometry": square(lng, lat, 0.01)}]}).encode()


def test_grids_from_geojson_through_the_same_page(world, run):
    from regions.models import Region

    staff = world.users["street_staff"]
    community = world.communities[0].code
    job = run(staff, "grids", grid_file(community + "009", community), "grids.geojson")
    assert (job.status, job.valid) == ("checked", 1)
    assert not Region.objects.filter(code=community + "009").exists()  # the check is a dry run
    job = run.confirm(staff, job)
    assert job.status == "done" and Region.objects.get(code=community + "009").parent == world.communities[0]


def test_an_overlapping_or_outside_grid_is_refused(world, run):
    staff = world.users["community_staff"]
    community = world.communities[0].code
    overlap = run(staff, "grids", grid_file(community + "009", community, lng=world.grids[0].min_lng,
                                          lat=world.grids[0].min_lat), "g.geojson")
    assert overlap.valid == 0 and overlap.errors
    with pytest.raises(ValidationFailed):
        services.import_confirm(actor=staff, job=overlap)
    other = world.communities[1].code
    outside = run(staff, "grids", grid_file(other + "009", other), "g.geojson")
    assert outside.status == "rejected"
    broken = run(staff, "grids", b"{not json", "g.json")
    assert broken.status == "rejected"


def test_progress_counts_up_to_everything(world, run):
    staff = world.users["community_staff"]
    job = run(staff, "residents", xlsx(HEADERS["residents"], resident_rows(250)))
    assert job.percent == 0 and job.status == "checked"
    job.status, job.done = ImportJob.Status.RUNNING, 125
    assert job.percent == 50
    job.refresh_from_db()
    job = run.confirm(staff, job)
    assert (job.done, job.valid, job.percent, job.created) == (250, 250, 100, 250)


def test_a_job_can_be_confirmed_once_and_cancelled_only_before(world, run):
    staff = world.users["community_staff"]
    job = run(staff, "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "101", ""]]))
    stale = job.version
    job = run.confirm(staff, job)
    from core.errors import Conflict
    with pytest.raises((Conflict, InvalidTransition)):
        services.import_confirm(actor=staff, job=job, expected_version=stale)
    with pytest.raises(InvalidTransition):
        services.import_cancel(actor=staff, job=job)
    second = run(staff, "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "102", ""]]))
    services.import_cancel(actor=staff, job=second)
    second.refresh_from_db()
    assert second.status == "cancelled" and Household.objects.count() == 1


def test_someone_else_cannot_see_or_start_my_import(world, run):
    from core.errors import NotFound

    job = run(world.users["community_staff"], "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "101", ""]]))
    with pytest.raises(NotFound):
        services.import_confirm(actor=world.users["community_staff_other"], job=job)
    admin = user_with_role(Role.ADMIN, username="admin")
    from integrations.imports.selectors import get_job
    assert get_job(admin, job.pk) == job


def test_the_data_changing_between_check_and_import_writes_nothing(world, run):
    from regions.models import Building

    staff = world.users["community_staff"]
    job = run(staff, "residents", xlsx(HEADERS["residents"], [["甲", "男", id_number(80), "", "", "幸福小区", "5号楼", "1", "1"]]))
    Building.objects.filter(number="5号楼").update(number="6号楼")
    job = run.confirm(staff, job)
    assert job.status == "failed" and job.message and Person.objects.count() == 0


def test_the_sweep_expires_forgotten_files_and_fails_dead_jobs(world, run):
    staff = world.users["community_staff"]
    forgotten = run(staff, "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "101", ""]]))
    dead = run(staff, "households", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "102", ""]]))
    ImportJob.objects.filter(pk=dead.pk).update(status=ImportJob.Status.RUNNING)
    later = timezone.now() + dt.timedelta(days=8)
    assert services.sweep_import_jobs(now=later) == {"expired": 1, "stuck": 1}
    forgotten.refresh_from_db()
    dead.refresh_from_db()
    assert (forgotten.status, dead.status) == ("cancelled", "failed") and not forgotten.file
    assert services.sweep_import_jobs(now=later) == {"expired": 0, "stuck": 0}


def test_the_tasks_run_through_django_tasks(world):
    from integrations.tasks import check_import_task, run_import_task, sweep_import_jobs_task

    staff = world.users["community_staff"]
    job = services.import_upload(actor=staff, kind="households", upload=SimpleUploadedFile(
        "h.xlsx", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "101", ""]])))
    assert check_import_task.enqueue(job.pk).return_value == "checked"
    services.import_confirm(actor=staff, job=job)
    assert run_import_task.enqueue(job.pk).return_value == "done"
    assert run_import_task.enqueue(job.pk).return_value == "done"  # a second run does nothing
    assert Household.objects.count() == 1
    assert sweep_import_jobs_task.enqueue().return_value == {"expired": 0, "stuck": 0}
