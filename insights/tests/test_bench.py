"""The benchmark's own code on a small city, so it cannot rot between the big runs:
the generator's bulk load and the set-based rebuild, then the benchmark's two
dashboards, which must agree. Timings are printed by bench/, never asserted here."""

import pytest

from appeals.models import Answer, Appeal, AppealEvent, Rating, Whistle
from bench import dashboard as bench_dashboard
from bench import generate as bench_generate
from insights.models import AppealDay, AppealRollup, PendingResponse


@pytest.mark.django_db
def test_a_generated_history_reads_the_same_from_the_rollups_as_from_the_raw_tables():
    args = bench_generate.parse(["--appeals", "400", "--years", "1", "--streets", "2", "--communities", "2",
                                 "--grids", "2", "--batch", "150", "--seed", "7"])
    indexes_before = _indexes()
    result = bench_generate.generate(args)

    rows = result["rows"]
    assert rows["appeals"] == Appeal.objects.count() == 400
    assert rows["events"] == AppealEvent.objects.count() > 400  # every appeal has its submit event and more
    assert rows["whistles"] == Whistle.objects.count() > 0
    assert rows["answers"] == Answer.objects.count() > 0 and rows["ratings"] == Rating.objects.count() > 0
    assert Appeal.objects.filter(status="closed").exists() and Appeal.objects.filter(status="merged").exists()
    # Raw writes store what the ORM reads back.
    first = Appeal.objects.order_by("pk").first()
    assert first.created_at.tzinfo is not None and first.street.level == "street"
    assert AppealEvent.objects.filter(appeal=first, action="submit").get().data == {"channel": first.channel}
    assert indexes_before and _indexes() == indexes_before  # dropped for the load, made again after it

    assert result["rollups"]["appeal_day"] == AppealDay.objects.count() > 0
    assert result["rollups"]["appeal_rollup"] == AppealRollup.objects.count() > 0
    assert result["rollups"]["pending_response"] == PendingResponse.objects.count()

    lines = bench_dashboard.measure(repeat=1)
    assert [(line["scope"].split()[0], line["period"]) for line in lines] == [
        ("city", "last quarter"), ("city", "all history"), ("street", "last quarter"), ("street", "all history")]
    assert all(line["equal"] for line in lines), lines


def _indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        return sorted(name for model in (Appeal, AppealEvent, Whistle, Answer, Rating)
                      for name, _sql in bench_generate._secondary_indexes(cursor, connection.vendor,
                                                                          model._meta.db_table))
