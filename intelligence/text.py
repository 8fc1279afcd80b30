"""Chinese text handling shared by every part of intelligence.

jieba is imported lazily and its dictionary loaded once per process, with its
log silenced, so management commands that print JSON keep stdout clean and a
process that never segments text never pays for the dictionary.

Stable signatures (other modules import these): normalize(text) -> str,
tokenize(text) -> list[str], appeal_text(title, body) -> str,
strip_boilerplate(text) -> str, content_words(text) -> list[str].
"""
import logging
import re
import threading
import unicodedata

_lock = threading.Lock()
_jieba = None

# Runs of characters that carry no meaning for a classifier or a similarity.
_NOISE = re.compile(r"[\s\u3000\xa0]+")
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
# Greetings and letter formulas common to every appeal; they say nothing about its subject.
_FORMULAS = ("尊敬的领导", "领导您好", "领导：您好", "您好", "你好", "谢谢", "此致敬礼", "此致", "敬礼")
# How 12345 work orders and residents' letters open, and the building words every address has:
# they make unrelated appeals look alike and would name a topic "来电人反映".
_CALLER = r"(?:市民|群众|居民|业主|网友|来电人|来信人|诉求人|投诉人)"
_OPENING = re.compile(
    rf"{_CALLER}?(?:来电|来信|致电)?人?(?:反映|反应)[：:，,]?"
    rf"|{_CALLER}(?:称|表示|咨询|投诉|求助)[：:，,]?"
    rf"|{_CALLER}?来电人?[：:，,]?|来信人|诉求人")
_BOILERPLATE = re.compile(rf"{_OPENING.pattern}|\d*\s*(?:号楼|号院|单元|栋)|小区")
_LEADING = re.compile(rf"^(?:\s|[：:，,]|{_OPENING.pattern})+")
# Words every appeal uses, whatever it is about: never a topic's keyword.
STOP_WORDS = frozenset("""
市民 群众 居民 业主 网友 来电 来电人 来信 来信人 致电 诉求 诉求人 投诉人 反映 反应 表示 咨询 投诉 求助 人称
问题 情况 希望 请求 要求 尽快 及时 处理 解决 相关 有关 部门 领导 政府 你们 我们 他们 现在 目前 已经 一直 没有
小区 社区 号楼 单元 附近 门口 楼下 严重 影响 导致 存在 进行 能否 是否 为什么 如何 怎么 请问 谢谢 您好
""".split())


def _segmenter():
    """jieba, initialised once (dictionary loaded, log silenced)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.ERROR)
                logging.getLogger("jieba").setLevel(logging.ERROR)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalize(text):
    """NFKC (full-width letters and digits to half-width), lower case, one space for any whitespace run."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return _NOISE.sub(" ", text).strip()


def tokenize(text):
    """Words of a Chinese (or mixed) text by jieba, normalised, without punctuation and whitespace."""
    text = normalize(text)
    if not text:
        return []
    return [w for w in _segmenter().lcut(text) if not _PUNCT_OR_SPACE.match(w)]


def appeal_text(title, body):
    """Title and body as one normalised text, without the letter formulas (您好, 此致敬礼) every appeal shares."""
    title = normalize(title)
    body = normalize(body)
    for formula in _FORMULAS:
        body = body.replace(formula, " ")
    return " ".join(part for part in (title, body) if part)


def strip_boilerplate(text):
    """The text without the hotline's and letters' set phrases (市民来电反映, 来电人称, 3号楼, 小区),
    normalised: what is left says what the appeal is about."""
    return normalize(_BOILERPLATE.sub(" ", normalize(text)))


def without_opening(title):
    """A title without the hotline's opening (“市民来电反映：”), as it is shown; unchanged otherwise."""
    title = str(title or "")
    return _LEADING.sub("", title) or title


def content_words(text):
    """The words that say what a text is about: jieba words of the text without boilerplate,
    two characters or more, no numbers, none of STOP_WORDS."""
    return [w for w in tokenize(strip_boilerplate(text)) if len(w) >= 2 and not w.isdigit() and w not in STOP_WORDS]
