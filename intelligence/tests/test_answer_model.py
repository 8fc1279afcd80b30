"""The answer check's model: trained deterministically from the shipped fixture,
versioned, retrained from a file, rolled back; and its benchmark on a small sample."""

import collections
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from appeals.workflow import Action, Status
from core.errors import Conflict, ValidationFailed
from intelligence import answers
from intelligence.models import AnswerCheck, TrainedModel
from testing.loop import act, report
from testing.world import build_world

pytestmark = pytest.mark.django_db

APPEAL = ("幸福小区3栋门口路灯不亮", "幸福小区3栋门口的路灯坏了一周了，晚上很黑，老人出门不方便。")
SPECIFIC = "经现场核查，幸福小区3栋门口路灯系线路老化导致不亮，我队已于6月3日安排电工更换线路和灯泡，目前路灯已恢复照明。"
GENERIC = "已收到，正在处理。"


def _rows(n):
    return answers.read_rows(answers.FIXTURE)[:n]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_fixture_gives_known_training_pairs():
    pairs = answers.training_pairs(_rows(256))
    assert len(pairs) == 512
    assert collections.Counter(p["kind"] for p in pairs) == {
        "official": 238, "acknowledgement": 18, "template": 106, "unrelated": 86, "opening": 64}
    assert sum(p["label"] for p in pairs) == 238
    assert pairs == answers.training_pairs(_rows(256))  # same seed, same pairs


def test_training_is_deterministic_and_the_shipped_model_tells_generic_from_specific(shipped_answer_model):
    rows = _rows(60)
    first, second = answers._fit(answers.training_pairs(rows)), answers._fit(answers.training_pairs(rows))
    triples = [(r["title"], r["body"], r["reply"]) for r in rows] + [(*APPEAL, GENERIC), (*APPEAL, SPECIFIC)]
    assert np.array_equal(first.score_signals(first.signals(triples)), second.score_signals(second.signals(triples)))
    assert first.weights() == second.weights()

    row = answers.train_from_fixture()
    assert (row.version, row.kind, row.is_current, row.trained_on) == (1, "answer", True, 256)
    assert row.evaluation["cross_validated"] is False and row.evaluation["fixture"] == answers.fixture_digest()
    model = answers.current_answer_model()[1]
    assert model.check(*APPEAL, GENERIC)["flagged"] is True
    assert model.check(*APPEAL, SPECIFIC)["flagged"] is False
    assert model.check(*APPEAL, "感谢您的来信，我们会尽快处理。")["flagged"] is True
    # The reply to another appeal, about something else: flagged as not about this one.
    other = next(r for r in _rows(256) if "物业" in r["title"] and not answers.is_acknowledgement(r["reply"]))
    verdict = model.check(*APPEAL, other["reply"])
    assert verdict["flagged"] and "unrelated" in {r["code"] for r in verdict["reasons"]}


def _to_unit(world):
    u = world.users
    appeal = report(world, title=APPEAL[0], content=APPEAL[1])
    appeal = act(appeal, Action.ACCEPT, u["street_staff"])
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk)
    return act(appeal, Action.CLAIM, u["unit_handler"])


def test_the_first_answer_without_a_model_is_in_before_the_model_is_trained(
        shipped_answer_model, django_capture_on_commit_callbacks):
    world = build_world()
    appeal = _to_unit(world)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = act(appeal, Action.ANSWER, world.users["unit_handler"], note=GENERIC)
        # Inside the answer's transaction: the answer is in, nothing trained, nothing checked yet.
        assert appeal.status == Status.VERIFYING and appeal.answers.count() == 1
        assert not TrainedModel.objects.filter(kind="answer").exists() and not AnswerCheck.objects.exists()
    check = AnswerCheck.objects.get(answer__appeal=appeal)  # after the commit
    assert check.flagged and check.model.version == 1 and check.model.is_current


def test_the_shipped_model_is_installed_at_setup_once(shipped_answer_model, capsys):
    call_command("train_answer_check", "--shipped")
    assert "version 1 is current" in capsys.readouterr().out
    call_command("train_answer_check", "--shipped")
    assert "version 1 is current" in capsys.readouterr().out
    assert TrainedModel.objects.filter(kind="answer").count() == 1


def test_losing_the_race_to_install_the_shipped_model_uses_the_winners_and_other_errors_surface(
        shipped_answer_model, monkeypatch):
    install = answers._install

    def beaten(*args, **kwargs):
        install(*args, **kwargs)  # another process installed it first...
        raise Conflict()  # ...so this one's install loses (model_install turns the clash into Conflict)

    monkeypatch.setattr(answers, "_install", beaten)
    row, model = answers.ensure_answer_model()
    assert row.version == 1 and row.is_current and model.check(*APPEAL, GENERIC)["flagged"] is True
    assert TrainedModel.objects.filter(kind="answer").count() == 1

    TrainedModel.objects.filter(kind="answer").delete()

    def broken(*args, **kwargs):
        install(*args, **kwargs)
        raise RuntimeError("not a race")

    monkeypatch.setattr(answers, "_install", broken)
    with pytest.raises(RuntimeError):
        answers.ensure_answer_model()


def test_retraining_makes_a_new_version_used_by_the_next_check_and_rollback_restores_the_old(
        tmp_path, capsys, shipped_answer_model):
    world = build_world()
    u = world.users

    def answered(note):
        appeal = act(_to_unit(world), Action.ANSWER, u["unit_handler"], note=note)
        return AnswerCheck.objects.get(answer__appeal=appeal)

    call_command("train_answer_check", "--shipped")
    capsys.readouterr()
    assert answered(GENERIC).model.version == 1

    call_command("train_answer_check", str(_write(tmp_path / "replies.jsonl", _rows(80))), "--folds", "2")
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 2 and out["trained_on"] == 80 and 0 <= out["f1"] <= 1 and 0 <= out["auc"] <= 1
    v2 = TrainedModel.objects.get(kind="answer", is_current=True)
    assert v2.version == 2 and v2.source == TrainedModel.Source.FILES
    assert {"precision", "recall", "f1", "auc", "official_flagged", "by_kind", "weights"} <= set(v2.evaluation)
    assert answered(SPECIFIC).model.version == 2

    call_command("train_answer_check", "--rollback")
    assert "version 1" in capsys.readouterr().out
    assert TrainedModel.objects.get(kind="answer", is_current=True).version == 1
    assert TrainedModel.objects.filter(kind="answer").count() == 2  # version 2 kept for a roll forward
    assert answered(GENERIC).model.version == 1

    with pytest.raises(ValidationFailed):
        answers.rollback_answer_model()
    with pytest.raises(CommandError):
        call_command("train_answer_check", "--rollback")
    assert TrainedModel.objects.get(kind="answer", is_current=True).version == 1


def test_the_command_says_what_is_wrong_with_a_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "路灯", "body": "不亮", "reply": "已修复"}\nnot json\n', encoding="utf-8")
    with pytest.raises(CommandError, match="2"):
        call_command("train_answer_check", str(bad))
    with pytest.raises(CommandError, match="20"):
        call_command("train_answer_check", str(_write(tmp_path / "few.jsonl", _rows(5))))
    with pytest.raises(CommandError):
        call_command("train_answer_check", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError):
        call_command("train_answer_check")
    assert not TrainedModel.objects.filter(kind="answer").exists()


def test_the_benchmark_runs_on_a_small_sample(capsys):
    path = Path(settings.BASE_DIR) / "bench" / "answer_check.py"
    spec = importlib.util.spec_from_file_location("bench_answer_check", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.run([str(answers.FIXTURE), "--sample", "60", "--folds", "2"])
    printed = capsys.readouterr().out
    assert "precision" in printed and "AUC" in printed and "official replies flagged" in printed
    for key in ("precision", "recall", "f1", "auc", "official_flagged", "unseen_generic_flagged"):
        assert 0 <= figures[key] <= 1
    assert figures["pairs"] == 120 and figures["checks_per_second"] > 0
