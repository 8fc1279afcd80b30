"""The briefings list (工作简报), the recent imports and the export log itself as Excel: each
export is the page's rows for the page's filters and scoping, is logged, and is refused
(403, nothing logged) to those who may not see the page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AuditLog
from insights import briefings as B
from integrations.exports import get_spec
from integrations.models import ExportLog, ImportJob
from testing.factories import user_with_role
from testing.world import build_world

from .export_support import assert_refused, download, page_export_link, values

pytestmark = pytest.mark.django_db




@pytest.fixture
def world():
    return build_world()


def test_none_of_these_lists_holds_personal_data_to_mask():
    for name in ("insights.briefings", "integrations.imports", "integrations.export_log"):
        assert get_spec(name).personal_fields == []


# ---------------------------------------------------------------- briefings (工作简报)

@pytest.fixture
def briefings(world):
    today = timezone.localdate()
    week, month = B.last_complete_period("week", today), B.last_complete_period("month", today)
    street_staff, other = world.users["street_staff"], world.users["community_staff_other"]
    made = {
        "street_week": B.briefing_generate(actor=street_staff, scope=world.street, kind="week", start=week.start),
        "street_month": B.briefing_generate(actor=None, scope=world.street, kind="month", start=month.start),
        "far_week": B.briefing_generate(actor=other, scope=world.communities[1], kind="week", start=week.start),
    }
    return made


def test_briefings_export_is_the_filtered_list_and_is_logged(client, world, briefings):
    client.force_login(world.users["street_staff"])
    page = client.get(reverse("insights:briefings"), {"kind": "week"})
    shown = list(page.context["page"].object_list)
    assert {b.pk for b in shown} == {briefings["street_week"].pk, briefings["far_week"].pk}
    assert "kind=week" in page_export_link(page, "insights.briefings")

    rows = download(client, "insights.briefings", kind="week")
    assert values(rows, "title") == [b.title for b in shown]
    street = next(r for r in rows if r["title"] == briefings["street_week"].title)
    assert street["area"] == world.street.name and street["version"] == 1
    assert street["received"] == briefings["street_week"].summary.get("received")
    assert street["period_start"].date() == briefings["street_week"].period_start
    log = ExportLog.objects.get(list_name="insights.briefings")
    assert (log.filters, log.row_count, log.masked) == ({"kind": "week"}, 2, True)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).exists()

    # an unknown kind filters nothing, on the page and in the export
    page = client.get(reverse("insights:briefings"), {"kind": "quarter"})
    assert len(download(client, "insights.briefings", kind="quarter")) == len(page.context["page"].object_list) == 3

    client.force_login(world.users["community_staff"])  # another community's staff: none of these are theirs
    assert list(client.get(reverse("insights:briefings")).context["page"].object_list) == []
    assert download(client, "insights.briefings") == []


def test_briefings_export_is_refused_to_residents(client, world, briefings):
    client.force_login(world.users["resident"])
    assert client.get(reverse("insights:briefings")).status_code == 403
    assert_refused(client, "insights.briefings")


# ---------------------------------------------------------------- imports

def job(user, name, **fields):
    return ImportJob.objects.create(kind=fields.pop("kind", ImportJob.Kind.RESIDENTS), file_name=name,
                                    created_by=user, created_by_name=user.display_name, created_at=timezone.now(),
                                    **fields)


def test_imports_export_is_the_users_jobs_and_all_of_them_for_administrators(client, world):
    staff, street = world.users["community_staff"], world.users["street_staff"]
    job(staff, "居民名册.xlsx", status=ImportJob.Status.DONE, total=10, valid=9, error_count=1, created=9)
    job(staff, "=HYPERLINK(\"x\").csv", kind=ImportJob.Kind.HOUSEHOLDS, status=ImportJob.Status.REJECTED,
        message="文件为空")
    job(street, "单位.xlsx", kind=ImportJob.Kind.UNITS, status=ImportJob.Status.CHECKED, total=3, valid=3)

    client.force_login(staff)
    page = client.get(reverse("integrations:imports"), {"kind": "households"})
    link = page_export_link(page, "integrations.imports")
    assert link.endswith("integrations.imports.xlsx")  # the upload form's kind is not a filter of the list
    rows = download(client, "integrations.imports")
    assert values(rows, "file_name") == [("'" + j.file_name if j.file_name[0] == "=" else j.file_name)
                                         for j in page.context["jobs"]]
    assert [(r["rows"], r["clean"], r["errors"], r["created"]) for r in rows] == [(0, 0, 0, 0), (10, 9, 1, 9)]
    assert values(rows, "message") == ["文件为空", None]
    log = ExportLog.objects.get(list_name="integrations.imports")
    assert (log.user, log.row_count, log.masked) == (staff, 2, True)

    client.force_login(user_with_role(Role.ADMIN, username="admin1"))
    assert len(download(client, "integrations.imports")) == 3


def test_imports_export_is_refused_to_residents(client, world):
    client.force_login(world.users["resident"])
    assert client.get(reverse("integrations:imports")).status_code == 403
    assert_refused(client, "integrations.imports")


# ---------------------------------------------------------------- the export log

def test_export_log_export_is_the_page_for_its_list_filter(client, world):
    staff, other = world.users["community_staff"], world.users["street_staff"]
    client.force_login(staff)
    download(client, "volunteering.activities")
    download(client, "points.catalogue")
    client.force_login(other)
    download(client, "points.catalogue")

    client.force_login(staff)
    page = client.get(reverse("integrations:export_log"), {"list": "points.catalogue"})
    assert "list=points.catalogue" in page_export_link(page, "integrations.export_log")
    rows = download(client, "integrations.export_log", list="points.catalogue")
    assert [(r["list_name"], r["user"]) for r in rows] == [(log.list_name, log.user_name)
                                                           for log in page.context["page"].object_list]
    assert len(rows) == 1 and rows[0]["filters"] is None and rows[0]["rows"] == 0
    # the whole log: their own exports only, the log's own export included
    rows = download(client, "integrations.export_log")
    assert values(rows, "list_name") == ["integrations.export_log", "points.catalogue", "volunteering.activities"]
    assert rows[0]["filters"] == "list=points.catalogue"
    log = ExportLog.objects.filter(list_name="integrations.export_log").first()
    assert (log.user, log.filters, log.row_count) == (staff, {}, 3)

    client.force_login(user_with_role(Role.ADMIN, username="admin1"))
    page = client.get(reverse("integrations:export_log"), {"list": "points.catalogue"})
    rows = download(client, "integrations.export_log", list="points.catalogue")
    assert len(rows) == len(page.context["page"].object_list) == 2
    assert {r["user"] for r in rows} == {staff.display_name, other.display_name}
    assert download(client, "integrations.export_log", list="nope") == []


def test_export_log_export_is_refused_to_those_who_may_not_see_the_log(client, world):
    client.force_login(world.users["resident"])
    assert client.get(reverse("integrations:export_log")).status_code == 404
    assert_refused(client, "integrations.export_log")


# ---------------------------------------------------------------- one import's rows with errors

def test_an_imports_bad_rows_export_with_quoted_numbers_masked(client, django_capture_on_commit_callbacks):
    """A staff member uploads a roster with a wrong phone; the bad-rows list (page and Excel) quotes the
    cell with its digits masked, the export is logged, and another staff member's export is refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .data.samples import HEADERS, build_scene, resident_rows, xlsx

    world = build_scene()
    rows = resident_rows(3)
    rows[1][3] = "13912345678901"  # 14 digits: not a phone, quoted in the message
    client.force_login(world.users["community_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:imports"),
                    {"kind": "residents", "file": SimpleUploadedFile("r.xlsx", xlsx(HEADERS["residents"], rows))})
    job = ImportJob.objects.get()
    assert job.error_count == 1 and "13912345678901" not in str(job.errors)
    page = client.get(reverse("integrations:import_job", args=[job.pk]))
    assert "139*******8901" in page.content.decode() and "13912345678901" not in page.content.decode()
    assert f"job={job.pk}" in page_export_link(page, "integrations.import_errors")

    exported = download(client, "integrations.import_errors", job=job.pk)
    assert [(r["row"], r["column"]) for r in exported] == [(e["row"], e["column"]) for e in job.errors]
    assert "139*******8901" in exported[0]["message"]
    assert ExportLog.objects.get(list_name="integrations.import_errors").row_count == 1

    client.force_login(world.users["street_staff"])  # not their upload: as the page, not found
    assert client.get(reverse("integrations:import_job", args=[job.pk])).status_code == 404
    before = ExportLog.objects.count()
    assert client.get(reverse("integrations:export", args=["integrations.import_errors"]), {"job": job.pk}).status_code == 404
    assert ExportLog.objects.count() == before
