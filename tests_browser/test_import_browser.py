"""Importing residents in a real browser: community staff download nothing
special, upload a workbook with bad rows, see the errors table with row and
column, import only the clean rows, and watch the progress bar reach 100 %.
Then they import a new grid from a GeoJSON file through the same page.
Screenshots go to test-artifacts/."""

import pytest

from integrations.models import ImportJob
from integrations.tests.data.samples import HEADERS, bad_check_digit, build_scene, resident_rows, xlsx
from integrations.tests.test_import_flow import grid_file
from people.models import Person
from regions.models import Region

from .support import DESKTOP, Person as BrowserPerson, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def test_upload_see_errors_import_clean_rows_progress_to_100(transactional_db, live_server, browser, tmp_path):
    world = build_scene()
    rows = resident_rows(6)
    rows[2][3] = "12345"                     # bad phone, row 4
    rows[4][2] = bad_check_digit(4)          # bad ID check digit, row 6
    path = tmp_path / "居民.xlsx"
    path.write_bytes(xlsx(HEADERS["residents"], rows))
    errors: list[str] = []

    staff = BrowserPerson(browser, live_server, "community0", DESKTOP, errors)
    staff.go("integrations:imports")
    page = staff.page
    page.locator('input[name="kind"][value="residents"]').check()
    assert page.locator("[data-template-link]").get_attribute("href").endswith("/imports/templates/residents/")
    page.locator('input[name="kind"][value="grids"]').check()
    assert page.locator("[data-template-link]").get_attribute("href").endswith("/imports/templates/grids/")
    page.locator('input[name="kind"][value="residents"]').check()
    page.locator('input[name="file"]').set_input_files(str(path))
    staff.shot("import-01-upload")
    with page.expect_navigation():
        page.locator('#import-form button[type="submit"]').click()

    panel = page.locator("#import-panel")
    panel.locator("#import-errors").wait_for()
    assert panel.get_attribute("data-status") == "checked"
    assert page.locator('#import-errors tr[data-row="4"][data-column="手机号"]').count() == 1
    assert page.locator('#import-errors tr[data-row="6"][data-column="身份证号"]').count() == 1
    assert Person.objects.count() == 0
    staff.shot("import-02-errors")

    with page.expect_navigation():
        page.locator("[data-import-clean]").click()
    page.locator('#import-panel[data-status="done"]').wait_for()
    assert page.locator("#import-progress").get_attribute("data-percent") == "100"
    staff.shot("import-03-done")
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.error_count) == ("done", 4, 2)
    assert Person.objects.count() == 4

    # A new grid of the community, drawn elsewhere and saved as GeoJSON.
    community = world.communities[0]
    grids = tmp_path / "新网格.geojson"
    grids.write_bytes(grid_file(community.code + "009", community.code))
    staff.go("integrations:imports")
    page.locator('input[name="kind"][value="grids"]').check()
    page.locator('input[name="file"]').set_input_files(str(grids))
    with page.expect_navigation():
        page.locator('#import-form button[type="submit"]').click()
    page.locator('#import-panel[data-status="checked"]').wait_for()
    assert not Region.objects.filter(code=community.code + "009").exists()  # checked, not yet written
    with page.expect_navigation():
        page.locator("[data-confirm-import]").click()
    page.locator('#import-panel[data-status="done"]').wait_for()
    staff.shot("import-04-grid-done")
    assert Region.objects.get(code=community.code + "009").parent == community
    assert not errors, errors
