"""The category classifier: TF-IDF of jieba words and of characters, a linear SVM,
and sigmoid-calibrated probabilities so its confidence means something.

An appeal with both a title and a body is read three ways — title and body
together, the title alone, the body alone — and the three calibrated
probabilities are pooled (renormalised geometric mean): in the joined text the
short, telling title is outweighed by the body, while the training data holds
many titles and bodies on their own, so each single reading is one the model
knows well. bench/README.md has the figures.

Everything here is plain Python and scikit-learn (CPU, offline, in process); a
trained classifier is pickled into TrainedModel.blob. Same examples and the
same random_state give the same model (no threads, fixed seeds).
"""
import io
import pickle
import time
from collections import Counter

import numpy as np
from scipy import sparse

from .text import appeal_text, normalize, tokenize

# Bodies beyond this length add little but cost most of the training time.
MAX_CHARS = 600
MIN_EXAMPLES = 20
MIN_PER_LABEL = 3


class TooFewExamples(ValueError):
    """Not enough labelled examples (or labels) to train and evaluate a model."""


def document(title, body):
    """The text a model sees for one appeal: title, then the start of its body."""
    return appeal_text(title, body)[:MAX_CHARS]


def _view(title, body):
    doc = document(title, body)
    return doc, " ".join(tokenize(doc))


def prepare(titles, bodies, *, views=True):
    """Per example (document, its jieba words joined by spaces, views): what the features use.

    `views` holds the title alone and the body alone as (document, words) pairs when the
    example has both (prediction pools all three readings), else nothing. Fitting reads
    only the whole text, so `views=False` spares segmenting each text twice more."""
    items = []
    for title, body in zip(titles, bodies):
        doc, words = _view(title, body)
        both = views and normalize(title) and appeal_text("", body)
        items.append((doc, words, (_view(title, ""), _view("", body)) if both else ()))
    return items


class CategoryClassifier:
    """Fit on (title, body, label) examples; predict (label, confidence) pairs."""

    def __init__(self, *, random_state=0, c=0.5):
        self.random_state = random_state
        self.c = c
        self.labels_ = []
        self.trained_on = 0

    # ------------------------------------------------------------------ fit

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32, min_df=1)
        chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                max_features=200_000, dtype=np.float32)
        return words, chars

    def _features(self, items, *, fit=False):
        tokens, docs = [item[1] for item in items], [item[0] for item in items]
        if fit:
            self.words_, self.chars_ = self._vectorizers()
            return sparse.hstack([self.words_.fit_transform(tokens), self.chars_.fit_transform(docs)]).tocsr()
        return sparse.hstack([self.words_.transform(tokens), self.chars_.transform(docs)]).tocsr()

    def fit(self, titles, bodies, labels):
        return self.fit_prepared(prepare(titles, bodies, views=False), labels)

    def fit_prepared(self, items, labels):
        """Fit on prepare()d examples (cross-validation segments each text once, not once per fold)."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        labels = [str(label) for label in labels]
        counts = Counter(labels)
        if len(counts) < 2 or min(counts.values()) < 2:  # the calibration needs two of each
            raise TooFewExamples(counts)
        X = self._features(items, fit=True)
        folds = min(3, min(Counter(labels).values()))
        svm = LinearSVC(C=self.c, random_state=self.random_state)
        self.model_ = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
        self.model_.fit(X, labels)
        self.labels_ = [str(c) for c in self.model_.classes_]
        self.trained_on = len(labels)
        return self

    # -------------------------------------------------------------- predict

    def predict(self, titles, bodies):
        """[(label, confidence)] in input order."""
        return self.predict_prepared(prepare(titles, bodies))

    def predict_prepared(self, items):
        if not items:
            return []
        # Every reading of every example in one batch, then one pooled probability per example.
        readings, owner = [], []
        for n, item in enumerate(items):
            for view in ((item[0], item[1]), *item[2]):
                readings.append(view)
                owner.append(n)
        # The geometric mean, renormalised: as well calibrated on cross-validation as a single
        # reading (the plain mean of probabilities came out under-confident, the product over-confident).
        log_each = np.log(np.clip(self.model_.predict_proba(self._features(readings)), 1e-12, 1.0))
        owner = np.asarray(owner)
        log_mean = np.zeros((len(items), log_each.shape[1]))
        np.add.at(log_mean, owner, log_each)
        log_mean /= np.bincount(owner, minlength=len(items))[:, None]
        proba = np.exp(log_mean - log_mean.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        best = proba.argmax(axis=1)
        return [(self.labels_[i], round(float(p[i]), 4)) for i, p in zip(best, proba)]

    def predict_one(self, title, body):
        return self.predict([title], [body])[0]

    # ---------------------------------------------------------- persistence

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def loads(blob) -> "CategoryClassifier":
        model = pickle.loads(bytes(blob))
        if not isinstance(model, CategoryClassifier):
            raise TypeError("not a category classifier")
        return model


def check_trainable(labels):
    counts = Counter(labels)
    usable = {label for label, n in counts.items() if n >= MIN_PER_LABEL}
    if len(labels) < MIN_EXAMPLES or len(usable) < 2 or len(usable) < len(counts):
        raise TooFewExamples(counts)


def rare_labels(labels):
    """Labels with fewer than MIN_PER_LABEL examples: a model cannot learn (or be scored on) them."""
    return sorted(label for label, n in Counter(labels).items() if n < MIN_PER_LABEL)


def duplicate_groups(titles, bodies):
    """A group id per example: examples sharing a title or a body share a group, so
    cross-validation never scores a text the model was trained on."""
    parent = list(range(len(titles)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen = {}
    for i, (title, body) in enumerate(zip(titles, bodies)):
        for key in (("t", normalize(title).replace(" ", "")), ("b", normalize(body).replace(" ", ""))):
            if not key[1]:
                continue
            if key in seen:
                parent[find(i)] = find(seen[key])
            else:
                seen[key] = i
    return [find(i) for i in range(len(titles))]


def cross_validate(titles, bodies, labels, *, folds=5, random_state=0, grouped=True, make=None, subset=None):
    """Macro-F1, accuracy, per-class figures and the confusion matrix by k-fold cross-validation.

    `grouped` keeps duplicate titles/bodies in one fold (honest figures); without it,
    plain stratified folds (what published figures on this kind of data use). `subset`, one
    boolean per example, adds the same figures on those examples alone under "subset" (the
    benchmark marks the whole appeals, title and body, which is what the platform classifies)."""
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    make = make or (lambda: CategoryClassifier(random_state=random_state))
    titles, bodies, labels = list(titles), list(bodies), np.array(labels, dtype=object)
    check_trainable(list(labels))
    folds = max(2, min(folds, min(Counter(labels).values())))
    if grouped:
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
        splits = splitter.split(titles, labels, duplicate_groups(titles, bodies))
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state).split(titles, labels)
    predicted = np.empty(len(labels), dtype=object)
    started = time.perf_counter()
    items = prepare(titles, bodies)
    for train, test in splits:
        model = make().fit_prepared([items[i] for i in train], labels[train])
        predicted[test] = [label for label, _ in model.predict_prepared([items[i] for i in test])]
    names = sorted(set(labels))
    figures = {"folds": folds, "grouped": grouped, "examples": len(labels), **scores(labels, predicted, names),
               "labels": names, "confusion": confusion_matrix(labels, predicted, labels=names).tolist(),
               "seconds": round(time.perf_counter() - started, 1)}
    if subset is not None:
        mask = np.array(subset, dtype=bool)
        figures["subset"] = {"examples": int(mask.sum()), **scores(labels[mask], predicted[mask], names)}
    return figures


def scores(labels, predicted, names):
    """Macro-F1, accuracy and per-class precision/recall/F1/support of predictions against labels."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=names, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", labels=names, zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "per_class": [
            {"label": name, "precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
             "support": int(s)}
            for name, p, r, f, s in zip(names, precision, recall, f1, support)
        ],
    }


class BadLine(ValueError):
    """A JSON Lines file has a line that is not a JSON object with the fields we need."""


def read_jsonl(path, *, labelled):
    """Records of a JSON Lines file as (title, body[, label]) tuples; blank lines skipped.

    Raises BadLine naming the file and line when a line is not a JSON object, a text
    is not a string, or (when `labelled`) the label is missing."""
    import json

    records = []
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise BadLine(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise BadLine(f"{path}:{number}: expected a JSON object")
            title, body = record.get("title") or "", record.get("body") or ""
            if not isinstance(title, str) or not isinstance(body, str):
                raise BadLine(f"{path}:{number}: \"title\" and \"body\" must be strings")
            if labelled:
                label = record.get("label")
                if not isinstance(label, str) or not label.strip():
                    raise BadLine(f"{path}:{number}: missing \"label\"")
                records.append((title, body, label.strip()))
            else:
                records.append((title, body))
    return records
