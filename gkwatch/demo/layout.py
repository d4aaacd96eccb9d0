"""The national table layouts, as data shared by the renderers and the generator.

The module-level names without suffix describe 国办公开办函〔2021〕30号 (the default);
``LAYOUTS["2019"]`` describes the older 〔2019〕60号 form used for 2019 and 2020 reports
(table 二 with columns 上一年项目数量/本年增/减 and the 第（九）项 采购 block, table 三 with a
single （六）其他处理 row).  Row keys are the ones of ``gkwatch.report/1`` (see
shared/spec/report-json.md).  The labels are the standard forms' own wording.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workers.validate.labels import T3_COLUMNS_ZH, T4_CELLS_ZH, T4_GROUPS as T4_GROUP_LABELS

Version = Literal["2021", "2019"]

SECTION_HEADINGS: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

# column names and table-四 groups are the layouts' (workers/parse/layouts.toml)
T3_COLUMNS: tuple[str, ...] = T3_COLUMNS_ZH
T3_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class ResultGroup:
    """One block of 三、本年度办理结果: a heading and its rows (key, label)."""

    heading: str
    rows: tuple[tuple[str, str], ...]   # a single row with label "" spans both label columns


RESULT_GROUPS: tuple[ResultGroup, ...] = (
    ResultGroup("（一）予以公开", (("3.1", ""),)),
    ResultGroup("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (("3.2", ""),)),
    ResultGroup("（三）不予公开", (
        ("3.3.1", "1.属于国家秘密"),
        ("3.3.2", "2.其他法律行政法规禁止公开"),
        ("3.3.3", "3.危及“三安全一稳定”"),
        ("3.3.4", "4.保护第三方合法权益"),
        ("3.3.5", "5.属于三类内部事务信息"),
        ("3.3.6", "6.属于四类过程性信息"),
        ("3.3.7", "7.属于行政执法案卷"),
        ("3.3.8", "8.属于行政查询事项"),
    )),
    ResultGroup("（四）无法提供", (
        ("3.4.1", "1.本机关不掌握相关政府信息"),
        ("3.4.2", "2.没有现成信息需要另行制作"),
        ("3.4.3", "3.补正后申请内容仍不明确"),
    )),
    ResultGroup("（五）不予处理", (
        ("3.5.1", "1.信访举报投诉类申请"),
        ("3.5.2", "2.重复申请"),
        ("3.5.3", "3.要求提供公开出版物"),
        ("3.5.4", "4.无正当理由大量反复申请"),
        ("3.5.5", "5.要求行政机关确认或重新出具已获取信息"),
    )),
    ResultGroup("（六）其他处理", (
        ("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("3.6.3", "3.其他"),
    )),
    ResultGroup("（七）总计", (("3.7", ""),)),
)
T3_HEAD_ROWS: tuple[tuple[str, str], ...] = (
    ("1", "一、本年新收政府信息公开申请数量"),
    ("2", "二、上年结转政府信息公开申请数量"),
)
T3_RESULTS_HEADING = "三、本年度办理结果"
T3_TAIL_ROW: tuple[str, str] = ("4", "四、结转下年度继续办理")

#: every result row key (3.7 excluded), in printed order
RESULT_KEYS: tuple[str, ...] = tuple(k for g in RESULT_GROUPS for k, _ in g.rows if k != "3.7")
#: all 25 rows of table 三, in printed order
T3_KEYS: tuple[str, ...] = ("1", "2", *RESULT_KEYS, "3.7", "4")

T4_GROUPS: tuple[str, ...] = tuple(T4_GROUP_LABELS)
T4_CELLS: tuple[str, ...] = T4_CELLS_ZH


@dataclass(frozen=True)
class T2Block:
    """One block of table 二: its 第二十条 heading, column headings and rows (key, label)."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, str], ...]
    fields: tuple[str, ...]


T2_BLOCKS: tuple[T2Block, ...] = (
    T2Block("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"),
            (("rules", "规章"), ("normative_documents", "行政规范性文件")),
            ("issued", "repealed", "in_force")),
    T2Block("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可"),), ("decisions",)),
    T2Block("第二十条第（六）项", ("本年处理决定数量",),
            (("punishment", "行政处罚"), ("coercion", "行政强制")), ("decisions",)),
    T2Block("第二十条第（八）项", ("本年收费金额（单位：万元）",), (("fees", "行政事业性收费"),), ("amount",)),
)


def fmt_number(value: object) -> str:
    """How a cell prints: integers plainly, money with two decimals, blanks as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- the 〔2019〕60号 form -------------------------------------------------------------

SECTION_HEADINGS_2019: tuple[str, ...] = (
    *SECTION_HEADINGS[:4],
    "五、政府信息公开工作存在的主要问题及改进情况",
    SECTION_HEADINGS[5],
)

_COUNTS_2019 = ("上一年项目数量", "本年增/减", "处理决定数量")
_COUNT_FIELDS_2019 = ("previous_items", "change", "decisions")
T2_BLOCKS_2019: tuple[T2Block, ...] = (
    T2Block("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
            (("rules", "规章"), ("normative_documents", "规范性文件")),
            ("made", "published", "total_public")),
    T2Block("第二十条第（五）项", _COUNTS_2019,
            (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")), _COUNT_FIELDS_2019),
    T2Block("第二十条第（六）项", _COUNTS_2019,
            (("punishment", "行政处罚"), ("coercion", "行政强制")), _COUNT_FIELDS_2019),
    T2Block("第二十条第（八）项", _COUNTS_2019[:2], (("fees", "行政事业性收费"),), _COUNT_FIELDS_2019[:2]),
    T2Block("第二十条第（九）项", ("采购项目数量", "采购总金额"), (("procurement", "政府集中采购"),),
            ("items", "amount")),
)

RESULT_GROUPS_2019: tuple[ResultGroup, ...] = tuple(
    ResultGroup("（六）其他处理", (("3.6", ""),)) if g.heading == "（六）其他处理" else g
    for g in RESULT_GROUPS)


@dataclass(frozen=True)
class Layout:
    """Everything that differs between the two national forms."""

    version: Version
    section_headings: tuple[str, ...]
    t2_blocks: tuple[T2Block, ...]
    t2_width: int          # value columns of table 二 (each block spreads its columns over them)
    result_groups: tuple[ResultGroup, ...]

    @property
    def result_keys(self) -> tuple[str, ...]:
        """Every result row key (3.7 excluded), in printed order."""
        return tuple(k for g in self.result_groups for k, _ in g.rows if k != "3.7")

    @property
    def t3_keys(self) -> tuple[str, ...]:
        """All rows of table 三, in printed order."""
        return ("1", "2", *self.result_keys, "3.7", "4")


LAYOUTS: dict[str, Layout] = {
    "2021": Layout("2021", SECTION_HEADINGS, T2_BLOCKS, 3, RESULT_GROUPS),
    "2019": Layout("2019", SECTION_HEADINGS_2019, T2_BLOCKS_2019, 4, RESULT_GROUPS_2019),
}


def layout_of(version: str | None) -> Layout:
    """The layout for a ``format_version`` (``None`` means the current 2021 form)."""
    try:
        return LAYOUTS[version or "2021"]
    except KeyError:
        raise ValueError(f"unknown report layout {version!r} (known: {', '.join(LAYOUTS)})") from None


def spread(n: int, width: int) -> list[int]:
    """Column spans of ``n`` headings over ``width`` value columns, the wider ones first
    (3 over 4 → [2, 1, 1], as the printed 2019 form has it)."""
    base, extra = divmod(width, n)
    return [base + (1 if i < extra else 0) for i in range(n)]
