"""The category classifier on the public appeals-2020 data: k-fold cross-validation and throughput.

    python bench/classifier.py [--data ../shared/data/appeals-2020] [--folds 5] [--plain] [--limit N]

Reads labeled.jsonl (whole appeals, title + body), titles.jsonl and bodies.jsonl
from --data (default ../shared/data/appeals-2020, relative to the project root;
the data is not in the repository). Prints macro-F1, accuracy and per-class
precision/recall/F1 by cross-validation with duplicate titles/bodies kept in one
fold (grouped, the honest figure; --plain adds ordinary stratified folds), over
all examples and over the whole appeals alone (what the platform classifies), then
the training time on everything and the prediction throughput (batch and one at
a time, as at intake).
"""

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = ("labeled.jsonl", "titles.jsonl", "bodies.jsonl")


def load(data, *, limit=None, seed=0):
    from intelligence.classifier import read_jsonl

    examples, sources = [], []
    for name in FILES:
        path = Path(data) / name
        if path.exists():
            rows = read_jsonl(path, labelled=True)
            examples += rows
            sources += [name] * len(rows)
    if not examples:
        raise SystemExit(f"no {', '.join(FILES)} under {data}")
    if limit and limit < len(examples):
        keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
        examples, sources = [examples[i] for i in keep], [sources[i] for i in keep]
    return examples, sources


def report(title, figures, out):
    print(f"\n## {title}: {figures['folds']}-fold, {figures['examples']} examples, "
          f"{'duplicates grouped in one fold' if figures['grouped'] else 'plain stratified folds'} ({figures['seconds']} s)",
          file=out)
    parts = [("all examples", figures)]
    if figures.get("subset", {}).get("examples"):
        parts.append((f"whole appeals only (labeled.jsonl, title + body, {figures['subset']['examples']} examples)",
                      figures["subset"]))
    for name, part in parts:
        print(f"\n{name}: macro-F1 {part['macro_f1']:.4f}   accuracy {part['accuracy']:.4f}", file=out)
        print(f"{'label':<10}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}", file=out)
        for row in part["per_class"]:
            print(f"{row['label']:<10}{row['precision']:>10.4f}{row['recall']:>8.4f}{row['f1']:>8.4f}{row['support']:>9}",
                  file=out)


def run(data, *, folds=5, plain=False, limit=None, out=sys.stdout):
    """Print the figures; return them as a dict (for the test that runs this on a small sample)."""
    from intelligence.classifier import CategoryClassifier, cross_validate

    examples, sources = load(data, limit=limit)
    titles, bodies, labels = zip(*examples)
    print(f"# Category classifier on {data}", file=out)
    print("examples: " + ", ".join(f"{name} {sources.count(name)}" for name in FILES if name in sources), file=out)
    whole = [name == "labeled.jsonl" for name in sources]
    result = {"grouped": cross_validate(titles, bodies, labels, folds=folds, grouped=True, subset=whole)}
    report("Cross-validation", result["grouped"], out)
    if plain:
        result["plain"] = cross_validate(titles, bodies, labels, folds=folds, grouped=False, subset=whole)
        report("Cross-validation", result["plain"], out)
    result["seen"] = same_source(examples, sources, out)

    started, cpu = time.perf_counter(), time.process_time()
    model = CategoryClassifier().fit(titles, bodies, labels)
    result["train_seconds"], result["train_cpu_seconds"] = time.perf_counter() - started, time.process_time() - cpu
    whole = [(t, b) for (t, b, _), s in zip(examples, sources) if s == "labeled.jsonl"] or [(t, b) for t, b, _ in examples]
    started, cpu = time.perf_counter(), time.process_time()
    model.predict([t for t, _ in whole], [b for _, b in whole])
    batch, batch_cpu = time.perf_counter() - started, time.process_time() - cpu
    sample = whole[:200]
    started, cpu = time.perf_counter(), time.process_time()
    for t, b in sample:
        model.predict_one(t, b)
    single, single_cpu = (time.perf_counter() - started) / len(sample), (time.process_time() - cpu) / len(sample)
    blob = len(model.dumps())
    result.update(batch_per_second=len(whole) / batch, batch_per_cpu_second=len(whole) / batch_cpu,
                  single_ms=single * 1000, single_cpu_ms=single_cpu * 1000, blob_bytes=blob)
    # Wall time is what a user waits on this machine; CPU time is what it would be on an idle one.
    print("\n## Training and throughput (model trained on all examples; wall clock, then CPU time)", file=out)
    print(f"training: {result['train_seconds']:.1f} s (CPU {result['train_cpu_seconds']:.1f} s) on {len(labels)} "
          f"examples; model {blob / 1e6:.1f} MB", file=out)
    print(f"prediction, batch of {len(whole)} appeals: {batch:.2f} s = {result['batch_per_second']:.0f} appeals/s "
          f"(CPU {batch_cpu:.2f} s = {result['batch_per_cpu_second']:.0f} appeals/s)", file=out)
    print(f"prediction, one at a time (as at intake): {result['single_ms']:.1f} ms each "
          f"(CPU {result['single_cpu_ms']:.1f} ms)", file=out)
    return result


def same_source(examples, sources, out):
    """Trained on titles.jsonl + bodies.jsonl only, scored on the whole appeals of labeled.jsonl.

    Every whole appeal's title is also in titles.jsonl, so this is the figure for new appeals whose
    text the model has already seen labelled (resubmissions, a held-out set drawn from the same
    source) — memory as much as generalisation; the grouped cross-validation above is the honest one.
    """
    from intelligence.classifier import CategoryClassifier, scores

    train = [e for e, s in zip(examples, sources) if s != "labeled.jsonl"]
    test = [e for e, s in zip(examples, sources) if s == "labeled.jsonl"]
    if not train or not test or len({label for _t, _b, label in train}) < 2:
        return None
    titles, bodies = {t for t, _b, _l in train if t}, {b for _t, b, _l in train if b}
    model = CategoryClassifier().fit(*zip(*train))
    predicted = [label for label, _confidence in model.predict([t for t, _b, _l in test], [b for _t, b, _l in test])]
    names = sorted({label for *_x, label in examples})
    figures = scores([label for *_x, label in test], predicted, names)
    figures.update(title_seen=sum(t in titles for t, _b, _l in test), body_seen=sum(b in bodies for _t, b, _l in test))
    print(f"\n## Same source, text seen: trained on titles.jsonl + bodies.jsonl ({len(train)}), scored on the "
          f"{len(test)} whole appeals (title already in training: {figures['title_seen']}, body: "
          f"{figures['body_seen']})\nmacro-F1 {figures['macro_f1']:.4f}   accuracy {figures['accuracy']:.4f}", file=out)
    return figures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "appeals-2020"))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--plain", action="store_true", help="also report plain stratified folds (duplicates may straddle folds)")
    p.add_argument("--limit", type=int, help="a random sample of this many examples (quick runs)")
    args = p.parse_args()
    run(args.data, folds=args.folds, plain=args.plain, limit=args.limit)


if __name__ == "__main__":
    main()
