"""The on-time rate and the inconsistency rate over the years, drawn here as SVG (no
script, no CDN): two bars per year, the rates from the upward report's totals."""
from __future__ import annotations

from typing import Any

from gkwatch.exports.explain import summarise

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 220, 44, 28, 16
SERIES = (("rate", "#3d8b3d", "按时发布率 on-time rate"), ("inconsistency_rate", "#c0632b", "数据不一致率 inconsistency rate"))


def rates_by_year(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per year: the on-time rate (among reports due) and the inconsistency rate (among
    reports published), None when nothing counts."""
    return [{"year": g["year"], "rate": g["rate"], "inconsistency_rate": g["inconsistency_rate"]}
            for g in summarise(rows) if g["region"] == "总计 total"]


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def svg(points: list[dict[str, Any]]) -> str:
    """The chart as an SVG element; only numbers and years go into it (nothing to escape)."""
    if not points:
        return ""
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / len(points)
    bar = min(slot / 3, 36)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
              f'aria-labelledby="chart-title" class="chart" id="rates-chart">'
              '<title id="chart-title">历年按时发布率与数据不一致率 on-time and inconsistency rates by year</title>')]
    for tick in (0, 0.5, 1):
        y = TOP + plot_h * (1 - tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 4}" y2="{y:.1f}" stroke="#d6d9e0"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#667">'
                     f'{int(tick * 100)}%</text>')
    for i, p in enumerate(points):
        x0 = LEFT + slot * i + (slot - 2 * bar) / 2
        for j, (key, colour, _) in enumerate(SERIES):
            value = p[key]
            h = plot_h * (value or 0)
            x = x0 + j * bar
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar - 3:.1f}" height="{h:.1f}" '
                         f'fill="{colour}" data-year="{int(p["year"])}" data-series="{key}" '
                         f'data-value="{"" if value is None else f"{value:.4f}"}"><title>{int(p["year"])} '
                         f'{_pct(value)}</title></rect>'
                         f'<text x="{x + (bar - 3) / 2:.1f}" y="{TOP + plot_h - h - 3:.1f}" text-anchor="middle" '
                         f'font-size="10" fill="#1d2330">{_pct(value)}</text>')
        parts.append(f'<text x="{x0 + bar:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="12" '
                     f'fill="#1d2330">{int(p["year"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend() -> list[tuple[str, str]]:
    return [(colour, label) for _, colour, label in SERIES]
