"""Chinese text handling shared by every part of intelligence.

jieba is imported lazily and its dictionary loaded once per process, with its
log silenced, so management commands that print JSON keep stdout clean and a
process that never segments text never pays for the dictionary.

Stable signatures (other modules import these): normalize(text) -> str,
tokenize(text) -> list[str], appeal_text(title, body) -> str.
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
