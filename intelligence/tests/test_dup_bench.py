"""The duplicate and hot-topic benchmarks run end to end on the small fixture copied from
hot.jsonl (the full runs are printed by bench/, never asserted here; no timings checked)."""

import pytest

from bench import duplicates as dup_bench
from bench import hot_topics as hot_bench

from .test_hot import SAMPLE


def rows():
    return dup_bench.read_jsonl(SAMPLE)


def test_the_labelling_rule_gives_the_fixture_its_clusters():
    sample = rows()
    labels = dup_bench.label(sample)
    assert {i: name for i, name in labels.items() if not name.startswith("同题:")} == \
        {i: r["cluster"] for i, r in enumerate(sample) if r["cluster"]}


def test_quality_prints_precision_and_recall_on_the_fixture(capsys):
    result = dup_bench.quality(rows(), background=10)
    dup_bench.print_quality(result)

    assert result["positives"] > 0 and result["labelled"] == 18
    for row in result["table"]:
        assert 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1
    recalls = [row["recall"] for row in result["table"]]
    assert recalls == sorted(recalls, reverse=True)  # a higher threshold never finds more
    assert "precision" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_scale_run_loads_open_appeals_and_looks_them_up():
    from appeals.models import Appeal

    sample = rows()
    loaded = dup_bench.load(300, sample, streets=1, communities=2, grids=2, batch=100)
    result = dup_bench.speed(sample, loaded["grids"], loaded["end"], probes=3)

    assert Appeal.objects.filter(status__in=["submitted", "accepted"]).count() == 300
    assert result["probes"] == 3 and result["mean_ms"] > 0


def test_hot_topics_bench_runs_on_the_fixture():
    import datetime as dt

    result = hot_bench.run(rows(), start=dt.datetime(2019, 1, 1), end=dt.datetime(2020, 1, 10), top=5)

    assert result["items"] == len(rows()) and 1 <= len(result["topics"]) <= 5
    assert set(result["purity"]) == {"丽发新城搅拌站", "伊景园滨河苑车位", "茶场村拆迁"}
