"""Counts stated in the narrative: "受理政府信息公开申请 17 件", "无法提供265件，占32.9%" …

Pure text scanning, no table knowledge: each :class:`Statement` says which kinds of
count a number may be (``kinds``), where it was and the clause it came from. The
N-* checks compare the kinds with table values. The scanner is deliberately narrow:
a number counts only when a known keyword stands in the same clause, with no other
number between them, and clauses about sub-groups (其中, 自然人, 网上 …) or changes
(同比, 增长 …) are skipped, because a false alarm costs more than a missed one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: keyword regex -> kind; longer phrases first so that they win at the same position.
_APP_KEYWORDS: list[tuple[str, str]] = [
    # "依申请公开信息数22条": the count of items handled on application (narrow on purpose:
    # "依申请公开176条" alone is often the 公开属性 of documents issued, not applications)
    (r"依申请公开(?:政府)?信息(?:数|数量)", "on_application"),
    (r"(?:予以|同意)?公开(?:及|和|与|或|\+)部分公开|予以公开（含部分公开）", "disclosed_both"),
    (r"部分公开", "partial"),
    (r"不予公开", "refused"),
    (r"予以公开|同意公开|全部公开|准予公开", "disclosed"),
    (r"无法提供", "unable"),
    (r"不予处理", "not_processed"),
    (r"其他处理", "other"),
    (r"上一?年度?结转|上年度?遗留|结转上一?年度?", "carried_in"),
    (r"结转(?:至|到)?下一?年度?|转(?:至|到|入)?下一?年度?|顺延(?:至|到)?下一?年度?|顺延办理", "carried_out"),
    (r"办结|答复|办理完毕|已办理|处理完毕", "concluded"),
    (r"收到|受理|接收|新收|接到|收悉", "received"),
    (r"办理", "handled"),
]
#: clauses whose count may be in 条 as well as 件
_ANY_UNIT = re.compile(r"依申请公开(?:政府)?信息(?:数|数量)")
_APP_RE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(_APP_KEYWORDS)))
_LIT_RE = re.compile(r"复议后(?:起诉|诉讼)|行政复议|复议|行政诉讼|诉讼|起诉")

#: kinds that need 申请 in the clause (受理咨询X件 is not about applications)
_NEEDS_APPLICATION = {"received", "handled"}
_SKIP_APP = re.compile(
    r"其中|自然人|法人|企业|公民|网上|网络|互联网|在线|当面|信函|邮寄|传真|电子邮件|邮件|线上|线下|现场|窗口|平台|"
    r"同比|较上|比上|较去|去年|增长|下降|减少|增加|上升|回落|累计|以来|历年|平均|日均|月均|涉及|关于|咨询|建议|提案|"
    r"信访|留言|投诉|举报|来信|热线|复议|诉讼|起诉|事项|诉求|依职权|主动公开")
_SKIP_LIT = re.compile(r"维持|纠正|纠错|败诉|胜诉|审结|撤回|驳回|结果|同比|较上|比上|去年|增长|下降|减少|增加|累计|以来|其中")
_NUMBER = re.compile(r"(?<![\d.])(\d+)(件|条|个|宗|起)")
_COUNT_END = re.compile(r"\d(?:件|条|个|宗|起)")
_CLAUSE_SEP = "，。；：！？（）、《》“”\"'"
_PERCENT = re.compile(r"^[，（]?(?:占(?:比|总数的?|全部申请的?)?)?(\d+(?:\.\d+)?)%")
_MAINTAINED = re.compile(
    r"均获维持|全部维持|均被维持|均维持|均予维持|全部胜诉|均胜诉|零败诉|无败诉|未败诉|没有败诉|未出现败诉|"
    r"零纠错|未被纠错|无纠错|未被纠正|没有被纠错|未发生[^。；]{0,20}?(?:纠错|败诉)")
_MAINTAINED_SKIP = re.compile(r"其余|除[^。；]{0,20}外|另有|部分|大部分|多数|基本")


@dataclass(frozen=True)
class Statement:
    """A count stated in the text."""

    where: str            # "preamble" or the section key "1"…"6"
    kinds: frozenset[str]  # what the number may be ("received", "review", …)
    value: int
    clause: str           # the clause up to and including the number
    percent: str | None = None  # "33.9" when the text adds "占33.9%"


@dataclass(frozen=True)
class MaintainedClaim:
    """A claim that every case was upheld / none lost (均获维持, 零败诉 …)."""

    where: str
    groups: tuple[str, ...]
    phrase: str
    sentence: str


def _clause_before(text: str, pos: int) -> str:
    start = pos
    while start > 0 and text[start - 1] not in _CLAUSE_SEP:
        start -= 1
    clause = text[start:pos]
    # text without punctuation (flattened crawler dumps): an earlier count ends the clause
    ends = [m.end() for m in _COUNT_END.finditer(clause)]
    return clause[ends[-1]:] if ends else clause


def _tail_after(text: str, pos: int, limit: int = 24) -> str:
    end = pos
    while end < len(text) and end - pos < limit and text[end] not in "，。；！？":
        end += 1
    return text[pos:end]


def _app_kinds(clause: str, tail: str) -> set[str]:
    kinds: set[str] = set()
    last_end = -1
    for m in _APP_RE.finditer(clause):
        kinds.add(_APP_KEYWORDS[int(m.lastgroup[1:])][1])
        last_end = m.end()
    if kinds and (re.search(r"\d", clause[last_end:]) or len(clause) - last_end > 20):
        return set()  # the keyword is not about this number
    if not kinds and re.match(r"[^，。；]{0,20}?(?:顺延|结转)(?:至|到)?下一?年", tail):
        kinds.add("carried_out")  # "另有72件申请…顺延到下年度答复"
    if kinds & _NEEDS_APPLICATION and "申请" not in clause and not re.match(r"(?:政府信息公开|信息公开|依)?申请", tail):
        kinds -= _NEEDS_APPLICATION
    return kinds


def _lit_kinds(clause: str, tail: str) -> set[str]:
    hits = [m for m in _LIT_RE.finditer(clause)]
    if not hits:
        tail_hit = re.match(r"(?:政府信息公开)?(行政复议|行政诉讼)", tail)
        if tail_hit:
            return {"review"} if "复议" in tail_hit.group(1) else {"litigation"}
        return set()
    last = hits[-1]
    between = clause[last.end():]
    if re.search(r"\d", between) or len(between) > 12 or _SKIP_LIT.search(between):
        return set()
    words = {m.group(0) for m in hits}
    has_review = any(w in ("行政复议", "复议") for w in words)
    has_lit = any("诉" in w for w in words)
    if has_review and has_lit:
        return {"combined"}
    return {"review"} if has_review else {"litigation"}


def scan(texts: list[tuple[str, str]]) -> tuple[list[Statement], list[MaintainedClaim]]:
    """All count statements and 均获维持-type claims in the normalized texts."""
    stmts: list[Statement] = []
    claims: list[MaintainedClaim] = []
    for where, raw in texts:
        text = re.sub(r"公开、部分公开", "公开及部分公开", raw)
        for m in _NUMBER.finditer(text):
            clause = _clause_before(text, m.start())
            tail = _tail_after(text, m.end())
            sentence_start = max(text.rfind(c, 0, m.start()) for c in "。；") + 1
            if _LIT_RE.search(clause) or re.match(r"(?:政府信息公开)?(?:行政复议|行政诉讼)", tail):
                kinds = _lit_kinds(clause, tail)
            elif _SKIP_APP.search(clause) or (m.group(2) != "件" and "申请" not in tail[:6]
                                              and not _ANY_UNIT.search(clause)):
                kinds = set()
            else:
                kinds = _app_kinds(clause, tail)
            if not kinds:
                continue
            pm = _PERCENT.match(text[m.end():m.end() + 16])
            stmts.append(Statement(where, frozenset(kinds), int(m.group(1)),
                                   text[max(sentence_start, m.start() - len(clause)):m.end()][-60:],
                                   pm.group(1) if pm else None))
        for m in _MAINTAINED.finditer(text):
            s0 = max(text.rfind(c, 0, m.start()) for c in "。；") + 1
            sentence = text[s0:m.end()]
            if _MAINTAINED_SKIP.search(sentence):
                continue
            phrase = m.group(0)
            review = "复议" in sentence
            lit = "诉讼" in sentence or "起诉" in sentence
            if "败诉" in phrase or "胜诉" in phrase:
                groups = ("litigation_direct", "litigation_after_review")
            elif review and not lit:
                groups = ("review",)
            elif lit and not review:
                groups = ("litigation_direct", "litigation_after_review")
            else:
                groups = ("review", "litigation_direct", "litigation_after_review")
            if "未发生" in phrase and "复议" in phrase and "诉讼" in phrase:
                groups = ("review", "litigation_direct", "litigation_after_review")
            claims.append(MaintainedClaim(where, groups, phrase, sentence[-60:]))
    return stmts, claims
