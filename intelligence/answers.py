"""Answer check: does a unit's answer (答卷) address the appeal it answers?

A linear model over a few signals a supervisor would look at — is the answer
about this appeal (text similarity, the appeal's places and key words named),
does it say what was done (action words) and when (time expressions), or is
it boilerplate ("已收到，正在处理") — learned from real (appeal, official reply)
pairs against negatives built from them (see `training_pairs`). Every new
answer gets an AnswerCheck inside the appeal's transaction; a failing check
never blocks the answer. The shipped model is trained at setup (`load_demo`,
`train_answer_check --shipped`), never inside an answer's transaction.
"""
import functools
import hashlib
import json
import logging
import math
import pickle
import random
import re
import threading
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .text import normalize, tokenize

log = logging.getLogger(__name__)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "replies_sample.jsonl"
SEED = 20201
FLAG_BELOW = 0.5  # score under which an answer is flagged
BODY_CHARS = 800  # the start of a long appeal says what it is about
KEYWORD_BODY_CHARS = 400
ACK_CONTENT = 20  # a real reply with less content than this (once set phrases are gone) only acknowledges

# ---------------------------------------------------------------- signals

# Greetings, acknowledgements, forwarding and thanks: text that fits any appeal.
_GENERIC = [
    r"网友[“\"][^”\"]{0,20}[”\"]", r"[“\"]?uu\d+[”\"]?", r"网[友民]", r"市民", r"群众",
    r"(尊敬的)?(您|你)好[！!，,：:。]?", r"来信(已)?收悉", r"(您的|你的)?(留言|来信|来电|帖文|意见|问题|诉求)(已|我们已)?收悉",
    r"已收悉", r"已收到", r"收到", r"现(将有关情况)?(答复|回复)如下", r"现将.{0,40}(答复|回复)如下",
    r"(非常|十分)?感谢(您|你)(对我们工作)?的?(关心|关注|支持|信任|理解|来信|留言|监督)[、和与及]*(关心|关注|支持|信任|理解|监督)?",
    r"感谢(您|你)的?(来信|留言|反映|关注|支持)", r"谢谢(您|你)?(的)?(关注|支持|理解)?[！!。]?",
    r"欢迎(您|你)?继续(关注|监督)", r"敬请(谅解|关注)", r"给(您|你)带来的不便", r"再次(表示)?感谢",
    r"(我们)?(会|将)(尽快|及时|认真|积极)(处理|核实|调查|研究|回复|反馈|答复)", r"正在(处理|调查|核实|办理)(中)?",
    r"(已)?(转|转交|交办|转至|转给)(相关|有关)?(部门|单位)(进行)?(调查)?(处理|处置|核处|办理|答复|反馈)?",
    r"(相关|有关)(部门|单位)", r"高度重视", r"请(您|你)?(耐心)?等待", r"如有(疑问|问题|相关情况)", r"(及时)?反馈",
    r"问政西地省", r"平台", r"栏目", r"此致", r"敬礼",
]
_GENERIC_RE = re.compile("|".join(f"(?:{p})" for p in _GENERIC))

# What was done: inspections, orders, repairs, meetings, penalties, explanations of the rule.
_ACTIONS = (
    "经查", "经核实", "经调查", "经了解", "核查", "现场", "实地", "勘察", "约谈", "责令", "要求", "督促", "协调", "召开",
    "组织", "安排", "整改", "维修", "修复", "更换", "清理", "清运", "拆除", "查处", "处罚", "罚款", "立案", "取缔",
    "关停", "停业", "退还", "退费", "补发", "发放", "办理", "审批", "验收", "施工", "开工", "完工", "竣工", "铺设",
    "安装", "疏通", "恢复", "巡查", "执法", "检测", "监测", "封堵", "劝离", "纠正", "处理完毕", "已解决", "解决",
    "依据", "根据", "规定", "按照", "政策", "标准", "可以", "不符合", "符合", "申请", "咨询电话", "联系电话", "电话",
    "已经", "已将", "已对", "已于", "已责成", "已安排", "已完成", "已要求", "已联系", "已派", "纳入", "计划", "启动",
    "联系", "调查", "踏勘", "谈话", "通知书", "落实", "实施", "方案", "加强", "改进", "请到", "可到", "携带", "拨打",
)
_ACTIONS_RE = re.compile("|".join(map(re.escape, _ACTIONS)))

_TIME_RE = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*月(底|份|上旬|中旬|下旬|初)?|[上中下]旬|年底|年内|月底|"
    r"\d+\s*(个)?(工作日|天|日内|周|星期|小时)|(今|明|后)天|本周|下周|近期|近日|目前|日前|近两天|当天|当日|即日|预计|"
    r"[一二三四五六七八九十两]+\s*(个)?(工作日|天|周|星期|个月|月)|春节|国庆|年前|年后"
)

# Endings of place names as residents and replies write them: districts, streets, estates, villages, schools.
_PLACE_SUFFIX = ("区", "县", "市", "镇", "乡", "村", "街道", "社区", "小区", "花园", "花苑", "家园", "公寓", "大厦", "广场",
                 "中学", "小学", "学校", "幼儿园", "医院", "路", "街", "大道", "巷", "桥", "栋", "组", "苑", "城", "湖", "山")
_PLACE_SUFFIX_RE = re.compile("(" + "|".join(sorted(map(re.escape, _PLACE_SUFFIX), key=len, reverse=True)) + ")$")
_PLACE_STOP = set("""
城市 线路 进城 地区 市委 市民 全区 全县 小区 社区 学校 公司 医院 马路 道路 街道 该小区 本小区 我们小区 我们村
本村 我村 市区 城区 片区 辖区 我区 本市 我市 全市 该公司
""".split())

# Words every appeal and reply share; they say nothing about this appeal.
_KEYWORD_STOP = set("""
问题 反映 反应 情况 希望 请求 要求 领导 政府 部门 相关 有关 我们 你们 他们 没有 现在 一直 已经 可以 什么 怎么 如何
这个 那个 这样 因为 所以 但是 而且 还是 就是 不是 目前 关于 进行 处理 解决 市民 网友 您好 谢谢 一下 时候 自己 这些
能否 是否 为什么 请问 咨询 尊敬 非常 严重 到底 现象 以及 或者 如果 可能 需要 应该 给予 帮助 居民 业主 我家 附近
""".split())

REASON_TEXT = {
    "generic": _("Mostly set phrases (such as “received, being handled”) with nothing specific."),
    "unrelated": _("Does not seem to be about this appeal: little in common with what the resident wrote."),
    "no_place": _("Names none of the places in the appeal: %(places)s."),
    "no_action": _("Does not say what was done (no inspection, order, repair or explanation)."),
    "no_time": _("Gives no time (when it was done or by when it will be)."),
    "too_short": _("Very short."),
    "unchecked": _("Could not be checked."),
}


def _generic_chars(text: str) -> int:
    return sum(len(m.group(0)) for m in _GENERIC_RE.finditer(text))


@functools.lru_cache(maxsize=4096)
def _tokens(title: str, body: str) -> tuple[str, ...]:
    return tuple(tokenize(title) + tokenize(body[:KEYWORD_BODY_CHARS]))


@functools.lru_cache(maxsize=4096)
def _places(title: str, body: str) -> tuple[str, ...]:
    """Place names in an appeal: a word with a place ending (潇楚南路, a2区), or a bare ending joined to the word before."""
    found = []
    tokens = _tokens(title, body)
    for n, word in enumerate(tokens):
        if not _PLACE_SUFFIX_RE.search(word):
            continue
        if word in _PLACE_SUFFIX and n > 0:
            before = tokens[n - 1]
            # 幸福+小区, a2+区, 809+路 — but not 门口+路: a one-character ending only after a code-like word.
            if (len(word) >= 2 and len(before) >= 2 and before not in _KEYWORD_STOP) or re.search(r"[a-z0-9]", before):
                word = before + word
        if len(word) < 2 or word in _PLACE_STOP or word in _PLACE_SUFFIX or word in found:
            continue
        found.append(word)
    return tuple(found[:8])


def _place_named(place: str, answer: str) -> bool:
    """A place counts as named if it, or its distinctive part (without 区/路/小区…), is in the answer."""
    if place in answer:
        return True
    core = _PLACE_SUFFIX_RE.sub("", place)
    return len(core) >= 2 and core in answer


@functools.lru_cache(maxsize=4096)
def _keywords(title: str, body: str, limit: int = 12) -> tuple[str, ...]:
    """The appeal's content words (title first), without words all appeals share."""
    seen, out = set(), []
    for w in _tokens(title, body):
        if len(w) < 2 or w in _KEYWORD_STOP or w.isdigit() or w in seen:
            continue
        seen.add(w)
        out.append(w)
        if len(out) >= limit:
            break
    return tuple(out)


# The signals that say whether an answer is about this appeal at all.
RELATION = ("cos_all", "cos_title", "keyword_share", "place_named")
FEATURES = ("cos_all", "cos_title", "keyword_share", "place_named", "no_places", "actions", "times",
            "length", "generic_share", "content_length", "digits")


@functools.lru_cache(maxsize=16384)
def _stripped(answer: str) -> str:
    return _GENERIC_RE.sub(" ", answer)


@functools.lru_cache(maxsize=16384)
def _text_signals(title: str, body: str, answer: str) -> dict:
    """The signals that need no fitted vocabulary (cached: cross-validation asks for them once per fold)."""
    generic = min(_generic_chars(answer), len(answer))
    content = len(answer) - generic
    stripped = _stripped(answer)
    kws = _keywords(title, body)
    appeal_places = _places(title, body)
    missing = [p for p in appeal_places if not _place_named(p, stripped)]
    return {
        "keyword_share": sum(1 for w in kws if w in stripped) / len(kws) if kws else 0.0,
        "place_named": float(bool(appeal_places) and len(missing) < len(appeal_places)),
        "no_places": float(not appeal_places),
        "actions": math.log1p(len(_ACTIONS_RE.findall(stripped))),
        "times": math.log1p(len(_TIME_RE.findall(answer))),
        "length": math.log1p(len(answer)),
        "generic_share": generic / len(answer) if answer else 1.0,
        "content_length": math.log1p(content),
        "digits": float(bool(re.search(r"\d", stripped))),
        "_missing_places": missing[:2],
        "_raw_length": len(answer),
        "_raw_content": content,
    }


def signals_many(vectorizer, triples) -> list[dict]:
    """The raw signals for (title, body, answer) triples; the model weighs them, the reasons name them.

    One vectorizer call for all texts: a call per pair costs more than the arithmetic."""
    clean = [(normalize(t), normalize(b)[:BODY_CHARS], normalize(a)) for t, b, a in triples]
    if not clean:
        return []
    docs = vectorizer.transform([doc for t, b, a in clean for doc in (f"{t} {b}", t, _stripped(a))])
    whole, title, answer = docs[0::3], docs[1::3], docs[2::3]
    cos_all = np.asarray(whole.multiply(answer).sum(axis=1)).ravel()
    cos_title = np.asarray(title.multiply(answer).sum(axis=1)).ravel()
    return [{"cos_all": float(ca), "cos_title": float(ct), **_text_signals(*c)}
            for ca, ct, c in zip(cos_all, cos_title, clean)]


def _vector(sig: dict) -> list[float]:
    return [sig[name] for name in FEATURES]


# ---------------------------------------------------------------- training data

def _content_left(reply: str) -> int:
    """Characters of a reply that are neither set phrases, user ids, dates nor punctuation."""
    text = _stripped(normalize(reply))
    text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日|[\W_\d]+", "", text)
    return len(text)


def is_acknowledgement(reply: str) -> bool:
    """A real reply that only acknowledges (“网友：您好！留言已收悉”, “已转有关部门调查核处”)."""
    return _content_left(reply) < ACK_CONTENT


# Pieces of boilerplate answers; combined at random into the "template" negatives.
TEMPLATE_PIECES = (
    ("", "您好！", "网友您好：", "尊敬的市民：", "您好，", "居民朋友："),
    ("已收到，正在处理。", "您的留言已收悉。", "来信收悉。", "您反映的问题我们已经收到。", "收到您的诉求。", "情况已知悉。"),
    ("我们高度重视，正在处理。", "已转相关部门处理。", "我们会尽快核实处理。", "相关部门正在调查核实。", "请耐心等待。", "",
     "我们将认真研究。", "已交有关单位办理。"),
    ("感谢您的来信！", "谢谢您的关注和支持。", "欢迎继续监督。", "", "给您带来的不便，敬请谅解。", "谢谢！"),
)


def _template(rng: random.Random) -> str:
    return "".join(rng.choice(pieces) for pieces in TEMPLATE_PIECES) or "已收到，正在处理。"


def _opening(reply: str) -> str:
    """The reply's leading sentences up to the first one that says what was done: related, but no action."""
    sentences = [s for s in re.split(r"(?<=[。！!；;])", reply) if s.strip()]
    kept = []
    for sentence in sentences:
        if _ACTIONS_RE.search(_stripped(normalize(sentence))) or _TIME_RE.search(sentence):
            break
        kept.append(sentence)
    opening = "".join(kept)
    return opening if kept and len(opening) < 0.6 * len(reply) else ""


def training_pairs(rows: list[dict], seed: int = SEED) -> list[dict]:
    """Labelled (appeal, answer) pairs: label 1 = addresses the appeal, 0 = does not.

    * official: the government's reply to this appeal (1), unless it only
      acknowledges (is_acknowledgement) — then it is a real generic answer (0, "acknowledgement").
    * one constructed negative per appeal (0), by turns:
      "unrelated" — the substantive reply of another appeal whose title shares
      (almost) no characters with this one; "template" — boilerplate composed
      from TEMPLATE_PIECES; "opening" — this appeal's own reply cut before its
      first sentence with an action or a time (restates the appeal, says nothing done).
    """
    rng = random.Random(seed)
    titles = [set(normalize(r.get("title", ""))) for r in rows]
    substantive = [i for i, r in enumerate(rows) if not is_acknowledgement(r.get("reply", ""))]
    pairs = []
    kinds = ("unrelated", "template", "opening")
    for i, row in enumerate(rows):
        reply = row.get("reply", "")
        base = {"id": row.get("id", i), "title": row.get("title", ""), "body": row.get("body", "")}
        ack = is_acknowledgement(reply)
        pairs.append({**base, "answer": reply, "label": 0 if ack else 1, "kind": "acknowledgement" if ack else "official"})
        kind = kinds[i % 3]
        answer = ""
        if kind == "opening":
            answer = "" if ack else _opening(reply)
            kind = "opening" if answer else "template"
        if kind == "unrelated":
            for _attempt in range(30):
                j = rng.choice(substantive) if substantive else i
                overlap = len(titles[i] & titles[j]) / max(1, min(len(titles[i]), len(titles[j])))
                if j != i and overlap < 0.25:
                    answer = rows[j]["reply"]
                    break
            kind = "unrelated" if answer else "template"
        if kind == "template":
            answer = _template(rng)
        pairs.append({**base, "answer": answer, "label": 0, "kind": kind})
    return pairs


def read_rows(path) -> list[dict]:
    """replies.jsonl rows ({"title", "body", "reply"}, more fields allowed); a bad line is a clear error."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(_("Line %(n)d is not JSON: %(error)s") % {"n": n, "error": e}) from e
            if not isinstance(row, dict) or not isinstance(row.get("reply"), str) or not row["reply"].strip():
                raise ValueError(_("Line %(n)d has no “reply” text.") % {"n": n})
            if not (row.get("title") or row.get("body")):
                raise ValueError(_("Line %(n)d has neither “title” nor “body”.") % {"n": n})
            rows.append({"id": row.get("id", n), "title": str(row.get("title") or ""),
                         "body": str(row.get("body") or ""), "reply": row["reply"]})
    if len(rows) < 20:
        raise ValueError(_("At least 20 appeals with replies are needed to train the answer check; got %(n)d.")
                         % {"n": len(rows)})
    return rows


# ---------------------------------------------------------------- the model

class AnswerModel:
    """Vocabulary, scaler and logistic regression for the score; a second, smaller one on the
    relation signals alone says whether the answer is about this appeal at all (the "unrelated" reason)."""

    labels_ = ["addresses", "does_not_address"]

    def __init__(self, vectorizer, scaler, classifier, relation, trained_on):
        self.vectorizer, self.scaler, self.classifier, self.relation = vectorizer, scaler, classifier, relation
        self.trained_on = trained_on  # appeals (each gives one real and one constructed pair)

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    def signals(self, triples) -> list[dict]:
        return signals_many(self.vectorizer, triples)

    def score_signals(self, sigs: list[dict]) -> np.ndarray:
        X = self.scaler.transform(np.array([_vector(s) for s in sigs]))
        return self.classifier.predict_proba(X)[:, 1]

    def check(self, title, body, answer) -> dict:
        sig = self.signals([(title, body, answer)])[0]
        score = float(self.score_signals([sig])[0])
        related = float(self.relation.predict_proba(np.array([[sig[n] for n in RELATION]]))[0, 1])
        return {"score": score, "flagged": score < FLAG_BELOW, "reasons": reasons_for(sig, related)}

    def weights(self) -> dict:
        return {name: round(float(w), 3) for name, w in zip(FEATURES, self.classifier.coef_[0])}


def reasons_for(sig: dict, related: float) -> list[dict]:
    """Which signals failed, as codes (shown translated by `reason_texts`)."""
    reasons = []
    if sig["generic_share"] >= 0.5 or sig["_raw_content"] < 10:
        reasons.append({"code": "generic"})
    if sig["_raw_length"] < 15:
        reasons.append({"code": "too_short"})
    if related < FLAG_BELOW:
        reasons.append({"code": "unrelated"})
    if sig["_missing_places"] and not sig["place_named"]:
        reasons.append({"code": "no_place", "places": list(sig["_missing_places"])})
    if sig["actions"] == 0:
        reasons.append({"code": "no_action"})
    if sig["times"] == 0:
        reasons.append({"code": "no_time"})
    return reasons


def _fit(pairs: list[dict]) -> AnswerModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    texts = [normalize(f"{p['title']} {p['body']}")[:BODY_CHARS] for p in pairs[::2]]
    texts += [_stripped(normalize(p["answer"])) for p in pairs if p["kind"] == "official"]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=30000)
    vectorizer.fit(texts)
    vectorizer.stop_words_ = None  # the dropped n-grams: not needed, and most of the pickle
    sigs = signals_many(vectorizer, [(p["title"], p["body"], p["answer"]) for p in pairs])
    X = np.array([_vector(s) for s in sigs])
    y = np.array([p["label"] for p in pairs])
    scaler = StandardScaler().fit(X)
    classifier = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(scaler.transform(X), y)
    about = [(s, p["label"]) for s, p in zip(sigs, pairs) if p["kind"] in ("official", "unrelated")]
    relation = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")).fit(
        np.array([[s[n] for n in RELATION] for s, _label in about]), np.array([label for _s, label in about]))
    return AnswerModel(vectorizer, scaler, classifier, relation, trained_on=len(pairs) // 2)


def cross_validate(rows: list[dict], folds: int = 5, seed: int = SEED) -> dict:
    """Scores by K-fold cross-validation, folds by appeal (an appeal's pairs never straddle train and test).

    The positive class of precision/recall is "flagged" (does not address the appeal)."""
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    pairs = training_pairs(rows, seed)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    fold_of = {rows[i].get("id", i): n % folds for n, i in enumerate(order)}
    scores = np.zeros(len(pairs))
    for k in range(folds):
        train = [p for p in pairs if fold_of[p["id"]] != k]
        test_idx = [n for n, p in enumerate(pairs) if fold_of[p["id"]] == k]
        model = _fit(train)
        sigs = model.signals([(pairs[n]["title"], pairs[n]["body"], pairs[n]["answer"]) for n in test_idx])
        scores[test_idx] = model.score_signals(sigs)
    y_flag = np.array([1 - p["label"] for p in pairs])
    pred_flag = (scores < FLAG_BELOW).astype(int)
    precision, recall, f1, _support = precision_recall_fscore_support(y_flag, pred_flag, average="binary", zero_division=0)
    by_kind = {}
    for kind in sorted({p["kind"] for p in pairs}):
        idx = [n for n, p in enumerate(pairs) if p["kind"] == kind]
        by_kind[kind] = {"n": len(idx), "flagged": round(float(pred_flag[idx].mean()), 4)}
    return {
        "folds": folds, "appeals": len(rows), "pairs": len(pairs),
        "precision": round(float(precision), 4), "recall": round(float(recall), 4), "f1": round(float(f1), 4),
        "auc": round(float(roc_auc_score(y_flag, 1 - scores)), 4),
        "official_flagged": round(float(pred_flag[[n for n, p in enumerate(pairs) if p["kind"] in
                                                   ("official", "acknowledgement")]].mean()), 4),
        "by_kind": by_kind,
    }


# ---------------------------------------------------------------- versions

_lock = threading.Lock()
_from_fixture: dict = {}  # fixture digest -> (AnswerModel, evaluation): the shipped model, trained once per process


def _train(rows: list[dict], folds: int = 5) -> tuple[AnswerModel, dict]:
    model = _fit(training_pairs(rows))
    evaluation = cross_validate(rows, folds=folds) if folds > 1 else {}
    evaluation.update({"weights": model.weights(), "flag_below": FLAG_BELOW})
    return model, evaluation


def _install(model: AnswerModel, evaluation: dict, *, source: str, actor=None, note: str = ""):
    from .models import TrainedModel
    from .services import model_install

    return model_install(classifier=model, source=source, evaluation=evaluation, actor=actor, note=note,
                         kind=TrainedModel.Kind.ANSWER)


def train_answer_model(rows: list[dict], *, source: str, actor=None, note: str = "", folds: int = 5):
    """Train on (appeal, reply) rows, store the cross-validated evaluation, make it the current version."""
    model, evaluation = _train(rows, folds=folds)
    return _install(model, evaluation, source=source, actor=actor, note=note)


def rollback_answer_model(actor=None):
    """Back to the version before the current one (the shared rollback of intelligence.services)."""
    from .models import TrainedModel
    from .services import model_rollback

    return model_rollback(actor=actor, kind=TrainedModel.Kind.ANSWER)


def fixture_digest() -> str:
    return hashlib.sha256(FIXTURE.read_bytes()).hexdigest()[:16]


def shipped_model() -> tuple[AnswerModel, dict]:
    """The model shipped with the project and its (uncross-validated) evaluation: trained
    deterministically from the fixture, once per process (10–15 s: never inside a request)."""
    digest = fixture_digest()
    with _lock:
        if digest not in _from_fixture:
            # No cross-validation here (it would take a minute):
            # `train_answer_check FILE` and bench/answer_check.py give the figures.
            model, evaluation = _train(read_rows(FIXTURE), folds=0)
            evaluation.update({"fixture": digest, "cross_validated": False})
            _from_fixture[digest] = (model, evaluation)
    return _from_fixture[digest]


def train_from_fixture(actor=None):
    """Install the shipped model as the next version and make it current."""
    from .models import TrainedModel

    model, evaluation = shipped_model()
    return _install(model, dict(evaluation), source=TrainedModel.Source.FILES, actor=actor,
                    note=f"shipped fixture {FIXTURE.name} ({evaluation['fixture']})")


def current_answer_model():
    """(TrainedModel, AnswerModel) now in use, or (None, None) before the first one is installed."""
    from .models import TrainedModel
    from .selectors import current_loaded

    return current_loaded(TrainedModel.Kind.ANSWER, pickle.loads)


def ensure_answer_model():
    """The current (TrainedModel, AnswerModel), installing the shipped one first when there is
    none. Run at setup (`load_demo`, `train_answer_check --shipped`), or after an answer's
    transaction has committed: training takes seconds and must not hold the answer's locks."""
    from core.errors import Conflict

    row, model = current_answer_model()
    if row is None:
        try:
            train_from_fixture()
        except Conflict:  # somebody else installed one at the same moment (model_install): use theirs
            pass
        row, model = current_answer_model()
        if row is None:
            raise Conflict()
    return row, model


# ---------------------------------------------------------------- checks in the loop

def check_answer(answer):
    """Check one answer against its appeal and keep the verdict (replacing an earlier one)."""
    from .models import AnswerCheck

    row, model = ensure_answer_model()
    appeal = answer.appeal
    verdict = model.check(appeal.title, appeal.content, answer.text)
    check, _created = AnswerCheck.objects.update_or_create(
        answer=answer, defaults={"model": row, "score": round(verdict["score"], 4), "flagged": verdict["flagged"],
                                 "reasons": verdict["reasons"]})
    return check


def _check_recorded(answer):
    """Check in a savepoint; a failing check is logged and the answer marked unchecked."""
    from .models import AnswerCheck

    try:
        with transaction.atomic():
            check_answer(answer)
    except Exception:
        log.exception("answer check failed for answer %s of appeal %s", answer.pk, answer.appeal_id)
        try:
            with transaction.atomic():
                AnswerCheck.objects.update_or_create(
                    answer=answer, defaults={"model": None, "score": 0.5, "flagged": False,
                                             "reasons": [{"code": "unchecked"}]})
        except Exception:
            log.exception("could not even mark answer %s unchecked", answer.pk)


def _check_after_commit(answer_id):
    """The first answer on a platform without an answer model: trained and checked once the answer is in."""
    from appeals.models import Answer

    answer = Answer.objects.select_related("appeal").filter(pk=answer_id).first()
    if answer is not None:
        _check_recorded(answer)


def on_transition(*, appeal, action, target, actor, now):
    """appeals.hooks.after_transition: every new answer (答卷 or resolve report) is checked in the same
    transaction. Without a model yet, the shipped one is trained and the answer checked right after the
    commit, so the answer never waits for the training. A failing check never blocks the answer."""
    from appeals.workflow import Action

    from .models import TrainedModel
    from .selectors import current_model

    if action not in (Action.ANSWER, Action.RESOLVE):
        return
    answer = appeal.answers.order_by("-at", "-id").first()
    if answer is None:
        return
    if current_model(TrainedModel.Kind.ANSWER) is None:
        answer_id = answer.pk
        transaction.on_commit(lambda: _check_after_commit(answer_id))
        return
    _check_recorded(answer)


def reason_pairs(check) -> list[tuple[str, str]]:
    """The check's reasons as (code, text in the user's language)."""
    pairs = []
    for reason in check.reasons or []:
        code = reason.get("code") if isinstance(reason, dict) else str(reason)
        text = REASON_TEXT.get(code)
        if text is None:
            continue
        if code == "no_place":
            pairs.append((code, str(text) % {"places": "、".join(reason.get("places", []))}))
        else:
            pairs.append((code, str(text)))
    return pairs


def reason_texts(check) -> list[str]:
    return [text for _code, text in reason_pairs(check)]


def checks_for_appeal(user, appeal_id: int):
    """The answer checks of an appeal, for staff who may see it (residents: NotAllowed)."""
    from appeals.selectors import visible_appeals
    from core.errors import NotFound

    from .models import AnswerCheck
    from .selectors import require_staff

    if not visible_appeals(user).filter(pk=appeal_id).exists():
        raise NotFound()
    require_staff(user)
    return list(AnswerCheck.objects.filter(answer__appeal_id=appeal_id).select_related("answer__unit", "model")
                .order_by("answer__at", "answer__id"))


def latest_check(appeal):
    """The check of the appeal's latest answer (the one to verify now), if any."""
    from .models import AnswerCheck

    return AnswerCheck.objects.filter(answer__appeal=appeal).order_by("-answer__at", "-answer__id").first()


def page_link(appeal, user) -> list[dict]:
    """appeals.hooks.page_links: at the top of the page, before the buttons to verify, a note
    for staff that the latest answer may not address the appeal (its reasons are next to it)."""
    from appeals.workflow import Status

    from .selectors import is_staff

    if appeal.status != Status.VERIFYING or not is_staff(user):
        return []
    check = latest_check(appeal)
    if check is None or not check.flagged:
        return []
    return [{"key": "answer_check", "label": _("Answer check"),
             "text": _("The latest answer may not address this appeal: %(reasons)s Check on site before passing it.")
             % {"reasons": " ".join(reason_texts(check)[:2])},
             "url": "#work-h"}]
