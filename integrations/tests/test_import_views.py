"""The import pages: who may open them, uploads with errors shown (never a 500),
templates to download, the polled panel, confirming, and a race on confirm."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from integrations.importers import IMPORTERS
from integrations.models import ImportJob
from people.models import Person

from .data.samples import HEADERS, build_scene, resident_rows, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_scene()


def login(client, world, who="community_staff"):
    client.force_login(world.users[who])
    return client


def upload(client, kind, data, name="r.xlsx"):
    return client.post(reverse("integrations:imports"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_the_import_page_for_staff_and_not_for_residents(client, world):
    login(client, world)
    page = client.get(reverse("integrations:imports"))
    assert page.status_code == 200
    kinds = {k["value"] for k in page.context["kinds"]}
    assert kinds == {"residents", "households", "party_members", "work_orders", "grids"}  # units are the street's
    login(client, world, "street_staff")
    assert "units" in {k["value"] for k in client.get(reverse("integrations:imports")).context["kinds"]}
    login(client, world, "resident")
    assert client.get(reverse("integrations:imports")).status_code == 403
    assert client.get(reverse("integrations:import_template", args=["residents"])).status_code == 403
    client.logout()
    assert client.get(reverse("integrations:imports")).status_code == 302


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_each_template_has_the_header_and_one_example_row(client, world, kind):
    login(client, world, "street_staff")
    response = client.get(reverse("integrations:import_template", args=[kind]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert [h.rstrip("*") for h in rows[0]] == [c.header for c in IMPORTERS[kind].columns]


def test_the_filled_in_template_example_checks_clean(client, world, django_capture_on_commit_callbacks):
    login(client, world)
    response = client.get(reverse("integrations:import_template", args=["households"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    sheet["B2"], sheet["C2"] = "幸福小区", "3号楼"  # A is the community, its example is 社区1
    out = io.BytesIO()
    sheet.parent.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "households", out.getvalue())
    job = ImportJob.objects.get()
    assert (job.status, job.valid) == ("checked", 1)


def test_the_grids_template_is_geojson_and_unknown_kinds_404(client, world):
    login(client, world)
    response = client.get(reverse("integrations:import_template", args=["grids"]))
    assert response.status_code == 200 and b"FeatureCollection" in response.content
    assert client.get(reverse("integrations:import_template", args=["units"])).status_code == 404
    assert client.get(reverse("integrations:import_template", args=["nonsense"])).status_code == 404


@pytest.mark.parametrize("kind,data,name", [
    ("residents", b"", "r.xlsx"), ("residents", b"x", "r.exe"), ("", b"x", "r.xlsx"), ("grids", b"{}", "g.csv")])
def test_a_bad_upload_shows_the_reason_and_saves_nothing(client, world, kind, data, name):
    login(client, world)
    response = upload(client, kind, data, name)
    assert response.status_code == 400
    assert response.context["error"]
    assert ImportJob.objects.count() == 0


def test_uploading_without_a_file_is_a_clear_error(client, world):
    login(client, world)
    response = client.post(reverse("integrations:imports"), {"kind": "residents"})
    assert response.status_code == 400 and response.context["error"]


def test_a_forbidden_kind_is_refused_on_the_page(client, world):
    login(client, world)
    response = upload(client, "units", xlsx(HEADERS["units"], [["甲", "职能部门", "", ""]]))
    assert response.status_code == 403 and response.context["error"]


def test_upload_check_confirm_through_the_pages(client, world, django_capture_on_commit_callbacks):
    login(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "residents", xlsx(HEADERS["residents"], resident_rows(3) + [["", "", "", "", "", "", "", "", "1"]]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("integrations:import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="import-errors"' in html and 'data-row="5"' in html and "data-import-clean" in html
    assert "data-confirm-import" not in html
    # the all-or-nothing button is not there; posting it anyway is refused with a message
    response = client.post(reverse("integrations:import_confirm", args=[job.pk]), {"version": job.version}, follow=True)
    assert response.status_code == 200 and Person.objects.count() == 0
    assert any(m.level_tag == "error" for m in response.context["messages"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:import_confirm", args=[job.pk]), {"version": job.version, "clean_only": "1"})
    assert Person.objects.count() == 3
    panel = client.get(reverse("integrations:import_progress", args=[job.pk]))
    assert panel.status_code == 200
    assert b'data-status="done"' in panel.content and b'data-percent="100"' in panel.content
    assert b"hx-trigger" not in panel.content  # polling stops when done
    listing = client.get(reverse("integrations:imports"))
    assert f'data-job="{job.pk}"'.encode() in listing.content


def test_the_panel_polls_while_the_job_runs(client, world):
    login(client, world)
    job = ImportJob.objects.create(kind="residents", file_name="r.xlsx", created_by=world.users["community_staff"],
                                   created_at="2024-01-01T00:00:00Z", status="running", total=10, valid=10, done=4)
    panel = client.get(reverse("integrations:import_progress", args=[job.pk]))
    assert b'hx-trigger="every 1s"' in panel.content and b'data-percent="40"' in panel.content


def test_someone_elses_job_is_not_found(client, world, django_capture_on_commit_callbacks):
    login(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "residents", xlsx(HEADERS["residents"], resident_rows(1)))
    job = ImportJob.objects.get()
    login(client, world, "community_staff_other")
    for name in ("import_job", "import_progress"):
        assert client.get(reverse(f"integrations:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("integrations:import_confirm", args=[job.pk])).status_code == 404
    assert client.post(reverse("integrations:import_cancel", args=[job.pk])).status_code == 404
    assert client.get(reverse("integrations:import_job", args=[99999])).status_code == 404


def test_cancel_through_the_page(client, world, django_capture_on_commit_callbacks):
    login(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "residents", xlsx(HEADERS["residents"], resident_rows(1)))
    job = ImportJob.objects.get()
    response = client.post(reverse("integrations:import_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"
    again = client.post(reverse("integrations:import_cancel", args=[job.pk]), follow=True)
    assert again.status_code == 200 and any(m.level_tag == "error" for m in again.context["messages"])


@pytest.mark.postgres
def test_two_confirms_at_once_start_the_import_once(transactional_db):
    from integrations import services
    from testing.concurrency import needs_real_locks, race

    needs_real_locks()
    world = build_scene()
    staff = world.users["community_staff"]
    job = services.import_upload(actor=staff, kind="households", upload=SimpleUploadedFile(
        "h.xlsx", xlsx(HEADERS["households"], [["幸福小区", "3号楼", "1", "101", ""]])))
    services.import_check(job.pk)
    job.refresh_from_db()
    results = race(*[lambda: services.import_confirm(actor=staff, job=job.pk, expected_version=job.version)] * 2)
    winners = [r for r, e in results if e is None]
    assert len(winners) == 1, results
    job.refresh_from_db()
    assert job.status == "done" and job.created == 1
