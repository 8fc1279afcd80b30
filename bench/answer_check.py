"""How well the answer check tells answers that address an appeal from those that do not.

    python bench/answer_check.py [PATH] [--sample N] [--folds 5]

PATH is the folder of the shared data set (default ../shared/data/appeals-2020,
which exists only on our machines; the project's fixture
intelligence/fixtures/replies_sample.jsonl works too, as a file). Reads
replies.jsonl (appeals with the government's official reply), builds the
labelled pairs of intelligence.answers.training_pairs (real replies = addresses
the appeal; replies of an unrelated appeal, boilerplate, a reply's opening without
its action = does not; real replies that only acknowledge = does not) and prints:

* precision / recall / F1 of "flagged" and ROC AUC by K-fold cross-validation
  (folds by appeal), with the share flagged of each kind of pair;
* the official replies themselves: the share flagged, all of them, the
  substantive ones and the acknowledgement-only ones (out-of-fold scores);
* generic answers written for this bench, never seen in training, paired with
  real appeals: the share flagged;
* checks per second of a model trained on all rows.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Boilerplate in other words than TEMPLATE_PIECES (what a unit might really write), not used in training.
UNSEEN_GENERIC = (
    "感谢您对我们工作的支持，我们将认真研究您的建议。",
    "您好，您的诉求我们已经知晓，会跟进的。",
    "收悉，我们将及时核实情况后予以答复。",
    "您反映的情况已记录，后续将统一处理。",
    "谢谢您的反馈，已通知有关人员。",
    "你好，此事我们知道了，会处理的。",
    "问题已登记，感谢您的理解与配合。",
    "已阅，转办。",
)


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "data" / "appeals-2020"),
                   help="folder with replies.jsonl, or a replies.jsonl-format file")
    p.add_argument("--sample", type=int, default=0, help="use only the first N appeals (0 = all)")
    p.add_argument("--folds", type=int, default=5)
    return p.parse_args(argv)


def run(argv=None) -> dict:
    args = parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from intelligence import answers as A

    path = Path(args.path)
    if path.is_dir():
        path = path / "replies.jsonl"
    if not path.exists():
        sys.exit(f"{path} not found: give the folder of the appeals-2020 data set or a replies.jsonl file")
    rows = A.read_rows(path)
    if args.sample:
        rows = rows[:args.sample]
    print(f"data: {path} — {len(rows)} appeals with official replies")

    started = time.perf_counter()
    cv = A.cross_validate(rows, folds=args.folds)
    cv_seconds = time.perf_counter() - started
    print(f"\n{cv['folds']}-fold cross-validation over {cv['pairs']} pairs ({cv_seconds:.1f} s); positive class = flagged")
    print(f"  precision {cv['precision']:.3f}  recall {cv['recall']:.3f}  F1 {cv['f1']:.3f}  AUC {cv['auc']:.3f}")
    print("  share flagged by kind of pair (should be low for 'official', high for the rest):")
    for kind, figures in cv["by_kind"].items():
        print(f"    {kind:<16} n={figures['n']:<5} flagged {figures['flagged']:.3f}")
    official = cv["by_kind"].get("official", {"n": 0, "flagged": 0.0})
    ack = cv["by_kind"].get("acknowledgement", {"n": 0, "flagged": 0.0})
    print(f"\nofficial replies flagged (out of fold): all {cv['official_flagged']:.3f} of {official['n'] + ack['n']}; "
          f"substantive {official['flagged']:.3f} of {official['n']}; acknowledgement-only {ack['flagged']:.3f} of {ack['n']}")

    model = A._fit(A.training_pairs(rows))
    appeals = rows[:max(1, min(len(rows), 200))]
    triples = [(r["title"], r["body"], text) for r in appeals for text in UNSEEN_GENERIC]
    unseen = float((model.score_signals(model.signals(triples)) < A.FLAG_BELOW).mean())
    print(f"unseen generic answers ({len(UNSEEN_GENERIC)} texts × {len(appeals)} appeals) flagged: {unseen:.3f}")

    triples = [(r["title"], r["body"], r["reply"]) for r in rows]
    A._text_signals.cache_clear()
    A._keywords.cache_clear()
    A._places.cache_clear()
    started = time.perf_counter()
    for t in triples:
        model.check(*t)
    per_second = len(triples) / (time.perf_counter() - started)
    print(f"throughput: {per_second:.0f} checks/s, one at a time, as in the appeal loop")
    return {**cv, "unseen_generic_flagged": unseen, "checks_per_second": per_second}


if __name__ == "__main__":
    run()
