"""The risk rules of a dispute, in one pure function.

The seeds' concern is 民转刑: a quarrel that turns into a crime. The rules
look at three things and say why:

* words in the text: violence, self-harm or revenge (打人, 拿刀, 跳楼, 同归于尽 …)
  make it high; threats, petitions and trouble-making (威胁, 上访, 闹事 …) medium;
* the type: labour and wage disputes (劳资) start at medium — unpaid wages
  gather crowds —, family disputes with any risk word go to high (domestic
  violence repeats);
* repeated incidents between the same parties in the same community
  (`REPEAT_WINDOW_DAYS` in workflow.py): the second is medium, the third high.

Two independent medium signals together make it high. No database access
here: `selectors.prior_incidents` counts the repeats.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .workflow import RISK_ORDER, DisputeType, Risk

HIGH_WORDS = ("拿刀", "动刀", "砍人", "砍死", "杀人", "杀了", "弄死", "打死", "跳楼", "跳河", "自杀", "轻生", "喝药",
              "农药", "同归于尽", "报复", "放火", "纵火", "煤气", "汽油", "炸药", "炸了", "持刀", "菜刀")
MEDIUM_WORDS = ("打人", "打架", "动手", "殴打", "威胁", "恐吓", "上访", "越级", "闹事", "堵门", "围堵", "辱骂",
                "扬言", "拉横幅", "砸", "聚集", "讨薪")
# Types that start above low whatever the text says.
TYPE_BASE = {DisputeType.LABOUR: Risk.MEDIUM}
# Types where any risk word counts as high.
TYPE_SENSITIVE = frozenset({DisputeType.FAMILY})
REPEAT_MEDIUM = 2  # this incident and one before it
REPEAT_HIGH = 3


@dataclass
class Assessment:
    level: str = Risk.LOW
    reasons: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def raise_to(self, level: str, reason: str) -> None:
        if RISK_ORDER[Risk(level)] > RISK_ORDER[Risk(self.level)]:
            self.level = Risk(level)
        self.reasons.append(reason)


def _found(text: str, words) -> list[str]:
    hits = []
    for word in words:
        if word in text and not any(word in longer for longer in hits):
            hits.append(word)
    return hits


def higher(a: str, b: str) -> str:
    return a if RISK_ORDER[Risk(a)] >= RISK_ORDER[Risk(b)] else b


def assess(text: str, dispute_type: str, incidents: int = 1) -> Assessment:
    """Score a dispute. `incidents` counts this one and the earlier ones
    between the same parties within the window."""
    result = Assessment()
    text = text or ""
    high = _found(text, HIGH_WORDS)
    medium = [w for w in _found(text, MEDIUM_WORDS) if not any(w in h or h in w for h in high)]
    mediums = 0
    if high:
        result.words += high
        result.raise_to(Risk.HIGH, _("Risk words: %(w)s") % {"w": "、".join(high)})
    if medium:
        result.words += medium
        if dispute_type in TYPE_SENSITIVE:
            result.raise_to(Risk.HIGH, _("Risk words in a family dispute: %(w)s") % {"w": "、".join(medium)})
        else:
            mediums += 1
            result.raise_to(Risk.MEDIUM, _("Risk words: %(w)s") % {"w": "、".join(medium)})
    base = TYPE_BASE.get(dispute_type)
    if base:
        mediums += 1
        result.raise_to(base, _("%(type)s disputes start at medium risk") % {"type": DisputeType(dispute_type).label})
    if incidents >= REPEAT_HIGH:
        result.raise_to(Risk.HIGH, _("Incident %(n)d between the same parties") % {"n": incidents})
    elif incidents >= REPEAT_MEDIUM:
        mediums += 1
        result.raise_to(Risk.MEDIUM, _("Incident %(n)d between the same parties") % {"n": incidents})
    if mediums >= 2 and result.level != Risk.HIGH:
        result.raise_to(Risk.HIGH, _("Several medium-risk signals together"))
    return result
