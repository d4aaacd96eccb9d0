"""The prose of a fictional report: a few sentences per section, tied to its tables.

Counts stated in the text are taken from the tables (N-APPLICATIONS, N-LITIGATION hold),
and the sentences of sections 一 and 五 rotate with the year so that two consecutive
reports of one body are not near-copies (X-COPY).  All wording is invented for the demo.
"""
from __future__ import annotations

import random
from typing import Any

from gkwatch.demo.layout import layout_of

_OVERVIEW = (
    "{agency}以提升政务公开质量为目标，围绕全县中心工作，细化公开清单，规范发布流程，"
    "推动政府信息公开工作制度化、常态化。",
    "本年度，{agency}调整了政务公开工作领导小组成员，明确分管负责人和专职联络员，"
    "把信息公开纳入年度重点工作一并部署、一并考核。",
    "{agency}坚持“以公开为常态、不公开为例外”，对照基层政务公开标准目录逐项梳理公开事项，"
    "更新了主动公开基本目录。",
    "围绕群众关心的办事流程和收费标准，{agency}在门户网站开设专题栏目，集中展示政策文件和解读材料，"
    "方便群众一站查询。",
    "{agency}健全信息发布保密审查机制，坚持“先审查、后公开”和“一事一审”，全年未发生泄密事件。",
    "本年度{agency}组织政务公开业务培训，邀请县政务公开办工作人员讲解年报编制和依申请公开答复要点。",
)
_PROBLEMS = (
    "政策解读形式还比较单一，图解、音视频等解读材料偏少；部分栏目更新不够及时。"
    "下一步将建立栏目更新台账，按月检查，并增加多样化解读产品。",
    "依申请公开答复文书的说理还不够充分，个别答复引用条款不够准确。"
    "下一步将制定答复文书范本，实行法律顾问审核，提高答复规范化水平。",
    "基层工作人员变动较多，业务能力参差不齐。下一步将以季度为单位开展业务培训，"
    "并把政务公开纳入新进人员岗前学习内容。",
    "公众参与渠道利用不充分，意见征集反馈偏少。下一步将完善意见征集和结果反馈机制，"
    "对采纳情况逐条说明。",
    "历史文件清理还不彻底，部分已失效文件未及时标注。下一步将开展规范性文件专项清理，"
    "动态更新文件有效性标识。",
)
_PROACTIVE = (
    "全年通过门户网站主动公开各类政府信息{items}条，其中政策文件{docs}件、工作动态{news}条。",
    "通过政务新媒体同步发布信息{media}条，对重要政策配套发布解读材料{interp}篇。",
)


def _pick(pool: tuple[str, ...], agency: str, year: int, n: int) -> list[str]:
    """``n`` sentences of ``pool``, rotating with the year (consecutive years differ)."""
    start = (sum(map(ord, agency)) + 2 * year) % len(pool)
    return [pool[(start + i) % len(pool)].format(agency=agency) for i in range(n)]


def narrative(report: dict[str, Any], *, seed: int) -> list[tuple[str, list[str]]]:
    """``[(heading, [paragraph, …]), …]`` for the six sections of ``report``, worded as
    its ``format_version`` (2021 or 2019 form) has them."""
    lay = layout_of(report.get("format_version"))
    agency, year = report["agency"], report["year"]
    rng = random.Random(f"{seed}:{agency}:{year}:text")
    t2, t3, t4 = report["table2"], report["table3"], report["table4"]
    # the 2019 form counts 本年新制作 documents, the 2021 form 本年制发
    docs = t2["normative_documents"]["issued" if lay.version == "2021" else "made"] or 0
    proactive = [s.format(items=rng.randint(60, 900), docs=docs + rng.randint(3, 40),
                          news=rng.randint(20, 300), media=rng.randint(10, 400),
                          interp=rng.randint(1, 20)) for s in _PROACTIVE]
    if docs:
        kind = "行政规范性文件" if lay.version == "2021" else "规范性文件"
        proactive.append(f"本年度制发{kind}{docs}件，均按规定在本机关门户网站公开。")
    new, carried, done, left = t3["1"][6], t3["2"][6], t3["3.7"][6], t3["4"][6]
    applications = [
        f"本年度共新收政府信息公开申请{new}件，上年结转{carried}件；已办结{done}件，"
        f"结转下年度继续办理{left}件。",
        f"在已办结的申请中，予以公开{t3['3.1'][6]}件，部分公开{t3['3.2'][6]}件，"
        f"本机关不掌握相关政府信息{t3['3.4.1'][6]}件。所有申请均在法定期限内答复。",
    ]
    review = t4["review"][4]
    suits = t4["litigation_direct"][4] + t4["litigation_after_review"][4]
    remedies = [f"本年度因政府信息公开工作被申请行政复议{review}件，被提起行政诉讼{suits}件。"]
    if t4["review"][1] or t4["litigation_direct"][1] or t4["litigation_after_review"][1]:
        remedies.append("对被纠正的案件，已逐件分析原因并完善了答复流程。")
    fee = ("本年度未收取信息处理费。" if rng.random() < 0.8
           else "本年度依照《政府信息公开信息处理费管理办法》收取信息处理费0元。")
    other = [fee, f"{agency}将继续按照政务公开年度工作要点，落实各项公开任务。"]
    texts = [
        [*_pick(_OVERVIEW, agency, year, 2),
         f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"],
        proactive, applications, remedies,
        _pick(_PROBLEMS, agency, year, 2), other,
    ]
    return list(zip(lay.section_headings, texts))


def title_of(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"
