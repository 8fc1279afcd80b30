"""Excel export in a real browser: community staff filter the appeal workbench,
the export link follows the filter (htmx swaps the results), the download is the
filtered list with phones masked; the full-data link gives the numbers and the
export log page shows both downloads."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integrations.exports import get_spec
from integrations.models import ExportLog
from testing.loop import report
from testing.world import build_world

from .support import DESKTOP, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def sheet_rows(download) -> list[dict]:
    keys = [c.key for c in get_spec("appeals.workbench").columns]
    with open(download.path(), "rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
    return [dict(zip(keys, row)) for row in list(ws.iter_rows(values_only=True))[1:]]


def test_exporting_the_filtered_workbench(transactional_db, live_server, browser):  # noqa: F811
    world = build_world()
    report(world, grid=0, reporter_phone="13812345678", title="路灯不亮")
    report(world, grid=1, reporter_phone="13900001111", title="井盖松动")
    errors: list[str] = []
    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    page = staff.page
    page.goto(staff.base + reverse("appeals:workbench"))
    page.locator("#id_q").fill("井盖")
    page.locator("#id_q").press("Enter")
    page.wait_for_selector('[data-export-link="masked"][href*="q="]')
    staff.shot("exports-workbench")

    with page.expect_download() as info:
        page.locator('[data-export-link="masked"]').click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = sheet_rows(download)
    assert [r["title"] for r in rows] == ["井盖松动"]
    assert rows[0]["reporter_phone"] == "139****1111"

    with page.expect_download() as info:
        page.locator('[data-export-link="full"]').click()
    rows = sheet_rows(info.value)
    assert [r["reporter_phone"] for r in rows] == ["13900001111"]

    page.goto(staff.base + reverse("integrations:export_log"))
    assert page.locator("[data-export-log]").count() == 2
    assert page.locator('[data-export-log][data-masked="0"]').count() == 1
    staff.shot("exports-log")
    assert ExportLog.objects.count() == 2
    assert not errors, errors
