#!/usr/bin/env python3
"""Build demo/data/appeals.jsonl: ~600 real public appeal texts for the demo world.

Source: /work/shared/data/appeals-2020/ (2020 TipDM Cup "智慧政务中的文本挖掘应用"
public message-board data; see its README.md). 400 rows come from hot.jsonl
(with their public "likes") and 200 from replies.jsonl (with the official
reply; they become answered/closed appeals in the demo).

Filters, in order (every rule is plain data below, so it can be audited):

1. Drop rows whose title+body hit BLOCK_ANY (political or abusive wording,
   violence, links garbled upstream as https://baidu.com, phone/ID/contact
   details, names introduced with 名叫/姓名), or whose *title* hits
   BLOCK_TITLE (topics a city street does not handle: rural villages,
   schools, hospitals, household registration, metro/airport/highway, the
   2020 epidemic, taxes, housing sales). Replies rows are also dropped if the
   official reply contains a link.
2. Drop bodies shorter than 40 characters and duplicates (same title, or same
   first 40 characters of body, across both files; first occurrence wins).
3. Categorise by keyword rules: for each category, score = 3 x keyword hits in
   the title + 1 x hits in the body (each keyword counted once per field),
   after removing that category's NEGATIVE phrases ("信号灯" is not a phone
   signal, "卫生健康局" is not litter, "劳动纠纷" is not a neighbour dispute).
   The best score wins; ties go to the earlier category in CATEGORIES (more
   specific ones come first). A row is kept only if the winning category has
   a keyword in the title, or its score is >= 3 and at least twice the
   runner-up's -- i.e. it is clearly about one category.
4. Pick per source a fixed number of rows per category: proportional to the
   square root of what is available (so common topics stay common without
   swamping the rest), at least MIN_HOT / MIN_REPLIES each. Within a
   category, rows with a title hit and a clear margin come first, then a
   stable hash of the id decides (no randomness that depends on Python's
   hash seed).

Text changes (everything else is verbatim):

* anonymised place tokens are removed or replaced by a neutral word so the
  text reads naturally for a Wuhai street: a chain such as "A市A3区" followed
  by a street or estate name is dropped ("A市A3区联丰路" -> "联丰路"); followed
  by an agency it becomes the bare level ("A市住建局" -> "市住建局",
  "A7县人民法院" -> "区人民法院"); standing alone it becomes "本市"/"本区";
  "西地省" -> "自治区", "问政西地省" -> "问政". Letter-only estate zones such as
  "三金B区" or "b区" are kept.
* a surname + given name before an official or business title is shortened
  to surname + title ("胡华衡书记" -> "胡书记"); "联系人：王某某" -> "联系人：王同志".
* every run of 7 or more digits is masked as "****".
* body is cut to <= 600 characters and reply to <= 500 characters at the last
  sentence end (。！？；!?) inside the limit (or at the limit with "…" if
  there is none in the last 40% of it).

    .venv/bin/python demo/tools/make_appeals.py [--src /work/shared/data/appeals-2020]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SRC = Path("/work/shared/data/appeals-2020")
OUT = Path(__file__).resolve().parents[1] / "data" / "appeals.jsonl"

N_HOT, N_REPLIES = 400, 200
MIN_HOT, MIN_REPLIES = 7, 3
BODY_MAX, REPLY_MAX = 600, 500

# code -> keywords. Order matters for ties: specific categories first.
CATEGORIES: dict[str, list[str]] = {
    "muni_streetlight": ["路灯"],
    "util_gas": ["燃气", "天然气", "煤气", "管道气"],
    "util_water": ["停水", "水压", "自来水", "水质", "供水", "水表", "水费", "断水"],
    "util_power": ["停电", "电力", "电线", "电表", "供电", "电压", "电费", "变压器", "断电"],
    "util_telecom": ["信号", "宽带", "基站", "光纤", "中国移动", "移动公司", "联通", "电信", "网速", "上网", "网络", "4G", "通信"],
    "muni_sewer": ["下水道", "污水", "井盖", "排水", "堵塞", "化粪池", "渍水", "积水", "内涝", "管网"],
    "env_noise": ["噪音", "噪声", "扰民", "广场舞", "高音喇叭", "音响", "夜间施工"],
    "env_street_vendor": ["占道", "摆摊", "夜市", "摊贩", "夜宵摊", "马路市场", "出店经营", "流动摊"],
    "env_illegal_build": ["违建", "违章建筑", "违章搭建", "私搭乱建", "乱搭", "搭建", "外挂楼梯", "加层", "违章"],
    "env_garbage": ["垃圾", "卫生", "异味", "臭味", "恶臭", "清运", "保洁", "脏乱差"],
    "market_food": ["食品", "餐馆", "过期", "餐饮", "饭店", "地沟油", "食物中毒", "变质", "外卖"],
    "labour_wages": ["工资", "欠薪", "农民工", "社保", "讨薪", "拖欠", "劳动合同", "养老保险", "劳务费", "劳动纠纷", "劳动仲裁"],
    "public_security": ["治安", "偷盗", "诈骗", "消防", "盗窃", "小偷", "被盗", "赌博", "消防通道", "火灾"],
    "neighbour_dispute": ["邻居", "纠纷", "楼上", "漏水到楼下", "养狗", "遛狗", "狗", "宠物", "邻里", "高空抛物", "养犬", "犬只",
                          "住改商", "群租", "承重墙", "圈占", "私占"],
    "parking_traffic": ["停车", "车位", "公交", "红绿灯", "信号灯", "乱停", "斑马线", "拥堵", "违停", "交通"],
    "property_mgmt": ["物业", "业委会", "业主委员会", "电梯", "停车费", "物业费", "维修基金", "门禁"],
    "housing_renovation": ["改造", "老旧小区", "房屋", "漏水", "提质", "危房", "开裂", "渗水", "外墙"],
    "muni_road": ["道路", "路面", "坑洼", "人行道", "破损", "烂路", "修路", "泥泞", "坑"],
    "market_license": ["无证", "无照", "非法经营", "经营", "乱收费", "收费", "价格", "黑作坊"],
    "infra_construction": ["施工", "工程", "建设", "拆迁", "征收", "工地", "修建"],
}
# Phrases removed from the text before one category's keywords are counted
# ("信号灯" is a traffic light, not a phone signal; "卫生健康局" is not litter).
NEGATIVE: dict[str, list[str]] = {
    "util_telecom": ["信号灯", "网络有限公司", "网络公司", "网络科技", "网络问政", "网络诈骗", "电信诈骗",
                     "网络招嫖", "网络平台", "网络电视", "网络投票", "交通信号"],
    "env_garbage": ["卫生健康", "卫生服务", "卫生院", "卫生局", "卫生间", "卫计", "卫生许可"],
    "util_power": ["电力局车辆"],
    "market_food": ["食品有限公司", "食品公司", "食品贸易"],
    "market_license": ["经营场所", "经营许可"],
    "neighbour_dispute": ["劳动纠纷", "物业纠纷", "物管纠纷", "合同纠纷", "收费纠纷", "劳资纠纷"],
}
NAMES = {
    "env_garbage": "垃圾清运/环境卫生",
    "env_illegal_build": "违章搭建",
    "env_street_vendor": "占道经营",
    "env_noise": "噪音扰民",
    "muni_streetlight": "路灯",
    "muni_road": "道路破损",
    "muni_sewer": "下水道/井盖",
    "util_water": "供水",
    "util_power": "供电",
    "util_gas": "燃气",
    "util_telecom": "通信网络",
    "market_food": "食品安全",
    "market_license": "无证经营/市场秩序",
    "property_mgmt": "物业管理",
    "housing_renovation": "老旧小区改造/住房",
    "infra_construction": "基础设施建设",
    "labour_wages": "劳动保障/欠薪",
    "public_security": "社会治安",
    "neighbour_dispute": "邻里纠纷",
    "parking_traffic": "停车/交通",
}

# Anywhere in title or body: politics, abuse, violence, garbled links, contact details.
BLOCK_ANY = re.compile(
    "|".join(
        [
            r"腐败|贪污|受贿|行贿|贪官|狗官|保护伞|黑恶|黑社会|官商勾结|渎职|共产党|党中央|习近平|总书记",
            r"上访|信访|维稳|游行|示威|静坐|横幅|集体维权|群体性",
            r"流氓|无耻|人渣|畜生|混蛋|王八|他妈|狗日|傻逼|草泥马|垃圾政府|不要脸|去死|滚出",
            r"打人|殴打|杀人|死亡|去世|身亡|自杀|跳楼|强奸|色情|嫖娼|招嫖|卖淫|吸毒|毒品",
            r"https?://|baidu\.com|www\.",
            r"1[3-9]\d{9}|\d{17}[\dXx]|0\d{2,3}-\d{7,8}|身份证|联系电话|电话号码|手机号|联系方式|QQ|微信号",
            r"名叫|姓名|我叫|我名|本人名|本人叫|汉族|现年",
        ]
    )
)
# In the title: topics outside a city street's everyday work.
BLOCK_TITLE = re.compile(
    "|".join(
        [
            r"村|乡|镇|农村|农民(?!工)|组村民|我组|[一二三四五六七八九十\d]组|硬化",
            r"学校|学生|幼儿园|老师|教师|招生|入学|学位|学籍|高考|中考|大学|学院|培训|办学|补课|教育|中学|小学|完小|[一二三四五六七八九十]中|早教|考生|驾校|事业单位|屏蔽器",
            r"党|书记|政协|人大代表|人大常委",
            r"医院|医保|医生|患者|疫苗|计生|生育|二胎|独生",
            r"落户|户口|户籍|公积金|驾照|驾驶证|退休|人才|考试|招聘|编制",
            r"地铁|高铁|机场|高速|国道|省道|港口|火车|铁路|湘江",
            r"疫情|新冠|肺炎|口罩|防控",
            r"纳税|税务|发票|贷款|P2P|理财|集资|投资|股",
            r"购房|买房|限购|房价|开发商|楼盘|预售|交房|捂盘|摇号|房产证|不动产|产权",
            r"咨询|请问|政策|是否|能否|可否|如何",
        ]
    )
)

# ---- place tokens -----------------------------------------------------------------
TOKEN = r"(?:西地省|[A-Z]\d*\s?县市|[A-Z]\d*\s?市|[A-Z]\d+\s?区|[A-Z]\d*\s?县|[A-Z]\d*\s?州)"
CHAIN = re.compile(rf"(?<![A-Za-z0-9]){TOKEN}+")
ORG = re.compile(
    r"^(?:人民(?:政府|法院|检察|医院|银行|代表|广播)|政府|党委|委|住建|住房|城管|城市管理|公安|交警|交通|教育|卫健|卫生|人社|人力资源|"
    r"市场|工商|环保|生态|自然资源|国土|规划|发改|财政|民政|应急|消防|水务|水利|供水|自来水|燃气|"
    r"电力|供电|园林|市政|城建|建设|房产|房管|信访|纪委|法院|检察|监察|政协|人大|妇联|总工会|文旅|"
    r"文化|体育|商务|农业|林业|司法|统计|审计|城投|区委|市委|县委|政务|12345|领导|各级|相关|有关|"
    r"城区|区|级|街道办|[\u4e00-\u9fff]{0,2}局|[\u4e00-\u9fff]{0,2}办)"
)
PLACE_AHEAD = re.compile(r"^[^，。！？；、,.!?;：:（）()“”\"]{0,10}?(?:路|街|巷|道|小区|社区|花园|苑|城|园|大厦|广场|公寓|家园|府|湾|村|镇|乡|山|湖|港|栋|号)")
# "A3区大道", "A1区北路", "A1区苑": the token is part of a road or estate name
ROAD_NAMED = re.compile(r"^(?:[东南西北中]?路|[东南西北]?街|大道|大桥|公园|广场|大市场|汽车站|火车站|苑|园|河(?![东西])|湖|山)")
STANDALONE_BEFORE = re.compile(r"(?:在|到|来|去|回|于|从|住|至|全|本|整个|各位|我们|咱们|离开|留在|《|“)$")
STANDALONE_AFTER = re.compile(r"^(?:$|的|[，。！？；、,.!?;：:）)”]|人|各|内|外|地区|范围|市民|居民|户|所有|全|这|一些|很多|多)")


def _level(tok: str) -> str:
    return "市" if tok.endswith("市") else "区"


def replace_places(text: str) -> str:
    text = text.replace("问政西地省", "问政")

    def sub(m: re.Match) -> str:
        chain = re.findall(TOKEN, m.group())
        if chain == ["西地省"]:
            return "自治区"
        chain = [t for t in chain if t != "西地省"]
        last = chain[-1]
        after = m.string[m.end() : m.end() + 14]
        before = m.string[max(0, m.start() - 4) : m.start()]
        if ORG.match(after):
            return _level(last)
        if ROAD_NAMED.match(after):
            return "中心"
        if STANDALONE_AFTER.match(after):
            return "本" + _level(last)
        if PLACE_AHEAD.match(after):
            return ""
        if STANDALONE_BEFORE.search(before):
            return "本" + _level(last)
        return ""

    text = CHAIN.sub(sub, text)
    return text


# ---- names, digits ------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤易"
    "常温康施文牛樊葛邢安齐伍余欧阳左颜聂柳"
)
NOT_GIVEN = "镇乡村县区市委局省街道党总副支部处科院厅所长主社会组队站办司公店家的了是在和与及等个位名姓老小大"
TITLES = "书记|副书记|局长|副局长|县长|副县长|市长|副市长|区长|副区长|主任|副主任|经理|总经理|老板|董事长|队长|所长|站长|镇长|乡长|科长|处长|法官|警官|律师|医生|师傅|民警|会计"
NAME_TITLE = re.compile(rf"(?<!感)([{SURNAMES}])[^\W\d{NOT_GIVEN}A-Za-z]{{1,2}}({TITLES})")
CONTACT = re.compile(rf"(联系人[：:]?\s*)([{SURNAMES}])[\u4e00-\u9fff]{{1,2}}")
DIGITS = re.compile(r"\d{7,}")


def scrub(text: str) -> str:
    text = replace_places(text)
    text = NAME_TITLE.sub(lambda m: m.group(1) + m.group(2), text)
    text = CONTACT.sub(lambda m: m.group(1) + m.group(2) + "同志", text)
    text = DIGITS.sub("****", text)
    return text.strip()


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(p) for p in "。！？；!?")
    if cut >= int(limit * 0.6):
        return head[: cut + 1]
    return head[: limit - 1] + "…"


# ---- categorising -------------------------------------------------------------------
def score(title: str, body: str) -> list[tuple[int, int, str]]:
    """[(score, has_title_hit, code)] best first (ties by CATEGORIES order)."""
    out = []
    for order, (code, kws) in enumerate(CATEGORIES.items()):
        t_, b_ = title, body
        for neg in NEGATIVE.get(code, ()):
            t_, b_ = t_.replace(neg, ""), b_.replace(neg, "")
        t = sum(1 for k in kws if k in t_)
        b = sum(1 for k in kws if k in b_)
        out.append((3 * t + b, 1 if t else 0, -order, code))
    out.sort(reverse=True)
    return [(s, th, code) for s, th, _o, code in out]


def classify(title: str, body: str):
    ranked = score(title, body)
    (s1, th1, c1), (s2, _th2, _c2) = ranked[0], ranked[1]
    if s1 == 0:
        return None
    clear = s1 >= 3 and s1 >= 2 * s2
    if not (th1 or clear):
        return None
    return c1, (2 if th1 and clear else 1 if th1 else 0)


def stable_key(source: str, rid) -> str:
    return hashlib.sha256(f"linli-demo:{source}:{rid}".encode()).hexdigest()


def quotas(avail: dict[str, int], total: int, minimum: int) -> dict[str, int]:
    cats = list(CATEGORIES)
    weights = {c: math.sqrt(avail.get(c, 0)) for c in cats}
    wsum = sum(weights.values())
    q = {c: min(avail.get(c, 0), max(minimum, round(total * weights[c] / wsum))) for c in cats}
    # settle rounding: trim from / add to the largest categories that have room
    while sum(q.values()) > total:
        c = max((c for c in cats if q[c] > minimum), key=lambda c: (q[c], c))
        q[c] -= 1
    while sum(q.values()) < total:
        room = [c for c in cats if q[c] < avail.get(c, 0)]
        c = max(room, key=lambda c: (avail[c] - q[c], c))
        q[c] += 1
    return q


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, default=SRC)
    args = ap.parse_args()

    stats = Counter()
    seen_titles: set[str] = set()
    seen_bodies: set[str] = set()
    pools: dict[str, dict[str, list]] = {"hot": defaultdict(list), "replies": defaultdict(list)}
    for source in ("hot", "replies"):
        for line in (args.src / f"{source}.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            stats[f"{source}:read"] += 1
            title, body = (r["title"] or "").strip(), (r["body"] or "").strip()
            reply = (r.get("reply") or "").strip()
            if BLOCK_ANY.search(title + "\n" + body):
                stats[f"{source}:blocked_text"] += 1
                continue
            if BLOCK_TITLE.search(replace_places(title)):
                stats[f"{source}:blocked_title"] += 1
                continue
            if source == "replies" and (not reply or re.search(r"https?://|baidu\.com", reply)):
                stats[f"{source}:bad_reply"] += 1
                continue
            if len(body) < 40:
                stats[f"{source}:short"] += 1
                continue
            tkey, bkey = re.sub(r"\W", "", title), re.sub(r"\W", "", body)[:40]
            if tkey in seen_titles or bkey in seen_bodies:
                stats[f"{source}:duplicate"] += 1
                continue
            seen_titles.add(tkey)
            seen_bodies.add(bkey)
            cls = classify(title, body)
            if cls is None:
                stats[f"{source}:unclear"] += 1
                continue
            code, clarity = cls
            pools[source][code].append((-clarity, stable_key(source, r["id"]), r))

    out_rows = []
    picked = {}
    for source, total, minimum in (("hot", N_HOT, MIN_HOT), ("replies", N_REPLIES, MIN_REPLIES)):
        avail = {c: len(v) for c, v in pools[source].items()}
        q = quotas(avail, total, minimum)
        picked[source] = q
        for code in CATEGORIES:
            for _clar, _key, r in sorted(pools[source][code], key=lambda t: (t[0], t[1]))[: q[code]]:
                out_rows.append(
                    {
                        "source": source,
                        "source_id": r["id"],
                        "title": scrub(r["title"]),
                        "body": truncate(scrub(r["body"]), BODY_MAX),
                        "time": r["time"],
                        "likes": int(r.get("likes") or 0) if source == "hot" else 0,
                        "category": code,
                        "reply": truncate(scrub(r["reply"]), REPLY_MAX) if source == "replies" else None,
                    }
                )
    # stable order: source, then original id
    out_rows.sort(key=lambda x: (x["source"] != "hot", x["source_id"]))

    # checks
    per_cat = Counter(x["category"] for x in out_rows)
    assert len(out_rows) == N_HOT + N_REPLIES, len(out_rows)
    assert set(per_cat) == set(CATEGORIES) and min(per_cat.values()) >= 8, per_cat
    leftover = re.compile(rf"(?<![A-Za-z0-9]){TOKEN}|\d{{7,}}")
    for x in out_rows:
        for k in ("title", "body", "reply"):
            if x[k]:
                assert not leftover.search(x[k]), (x["source_id"], k, leftover.search(x[k]).group())
        assert len(x["body"]) <= BODY_MAX and (x["reply"] is None or len(x["reply"]) <= REPLY_MAX)
        assert (x["source"] == "replies") == (x["reply"] is not None)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for x in out_rows:
            fh.write(json.dumps(x, ensure_ascii=False) + "\n")

    print("filter stats:", dict(sorted(stats.items())))
    print("available after filters (hot / replies):")
    for code in CATEGORIES:
        print(
            f"  {code:20s} {NAMES[code]:12s} avail {len(pools['hot'][code]):4d} / {len(pools['replies'][code]):4d}"
            f"  picked {picked['hot'][code]:3d} / {picked['replies'][code]:3d}  total {per_cat[code]:3d}"
        )
    print(f"wrote {OUT}: {len(out_rows)} rows ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
