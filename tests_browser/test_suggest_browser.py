"""Category suggestion in a real browser (Debian's chromium through Playwright).

A category model is trained from the shipped fixture. A resident on a phone
opens the report form and types a problem; after a short pause the form shows
the suggested category with its confidence and unit, and one tap puts it into
the category field. Screenshots go to test-artifacts/.
"""

import pytest

from intelligence import services
from intelligence.classifier import CategoryClassifier, read_jsonl
from intelligence.models import TrainedModel
from intelligence.tests.test_category import LABELS, SCHOOL, TRAIN
from testing.factories import CategoryFactory
from testing.world import build_world

from .support import PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def test_a_resident_typing_a_report_sees_the_suggested_category(transactional_db, live_server, browser):
    world = build_world()
    parent = CategoryFactory(code="topics", name="议题")
    for i, label in enumerate(LABELS):
        CategoryFactory(code=f"t{i}", name=label, parent=parent, default_unit=world.units[i % 2])
    model = CategoryClassifier().fit(*zip(*read_jsonl(TRAIN, labelled=True)))
    services.model_install(classifier=model, source=TrainedModel.Source.FILES, evaluation={})
    errors: list[str] = []

    resident = Person(browser, live_server, "resident", PHONE, errors)
    resident.go("appeals:report")
    page = resident.page
    page.locator("#id_content").press_sequentially(SCHOOL[1][:30], delay=15)
    suggestion = page.locator("#category-suggestion [data-suggested]")
    suggestion.wait_for(timeout=20000)
    assert suggestion.get_attribute("data-suggested") == "t5"
    assert "教育文体" in suggestion.inner_text() and world.units[1].name in suggestion.inner_text()
    resident.shot("suggest-01-typing")

    page.locator("[data-use-category]").click()
    assert page.locator("#id_category").input_value() == "t5"
    # Chosen: once the suggestion is asked again, nothing more is offered.
    page.locator("[data-use-category]").wait_for(state="detached", timeout=20000)
    assert page.locator("#category-suggestion [data-suggested]").count() == 1
    resident.shot("suggest-02-chosen")
    assert errors == []
