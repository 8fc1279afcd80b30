"""Briefings carry the period's hot topics."""

import io

import pytest
from django.utils import timezone
from docx import Document

from insights import briefings
from testing.loop import report
from testing.world import build_world

pytestmark = pytest.mark.django_db


def test_a_weekly_briefing_lists_the_hot_topic_of_its_week():
    world = build_world()
    now = timezone.now()
    for title in ("北门路灯不亮，晚上很黑", "小区北门路灯坏了不亮", "北门的路灯一直不亮"):
        report(world, grid=0, title=title, content=f"幸福小区{title}，请尽快修理。", now=now)

    built = briefings.briefing_build(world.street, "week", timezone.localdate(now), now)

    assert [t.count for t in built.data.hot] == [3]
    document = Document(io.BytesIO(built.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert built.data.hot[0].title in cells and world.grids[0].name in cells
    assert "幸福小区" + built.data.hot[0].title not in "\n".join(cells)  # titles only, never the content
