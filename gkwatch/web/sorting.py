"""Server-side sorting of the matrix and the alert log (issue 17): ``sort`` names a column,
``order`` is ``asc`` or ``desc``; each column heading is a link that sorts by it (again:
the other way round), keeping the filters given. No script: the page works as a list of
links, also without internet."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from models.dashboard_queries import STATUSES

#: the order a status sorts in: the worst first when descending makes no sense for a
#: label, so the legend's order (on time … pending) is the ascending one
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
ALERT_STATE_RANK = {"firing": 0, "resolved": 1}


def _blank_last(value: Any) -> tuple[int, Any]:
    # a blank (no agency, no year) sorts after every value whichever the order; the
    # caller flips only the second part
    return (1, 0) if value is None or value == "" else (0, value)


def sort_items(items: list[dict[str, Any]], keys: Mapping[str, Callable[[dict[str, Any]], Any]],
               sort: str | None, order: str | None) -> tuple[list[dict[str, Any]], str, str]:
    """``items`` sorted by the column ``sort`` (unknown: left as given); returns the
    items with the sort and order in force ('' when none)."""
    if not sort or sort not in keys:
        return items, "", ""
    order = "desc" if order == "desc" else "asc"
    key = keys[sort]
    present = [i for i in items if _blank_last(key(i))[0] == 0]
    blank = [i for i in items if _blank_last(key(i))[0] == 1]
    present.sort(key=key, reverse=order == "desc")
    return present + blank, sort, order


def matrix_keys(years: list[int]) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """Matrix columns: agency name, kind, region and each year (by the legend's order)."""
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "name": lambda a: a["name"], "kind": lambda a: a["kind"] or "", "region": lambda a: a["region"] or ""}
    for y in years:
        keys[f"y{y}"] = _year_key(y)
    return keys


def _year_key(year: int) -> Callable[[dict[str, Any]], Any]:
    def key(a: dict[str, Any]) -> Any:
        return STATUS_RANK.get((a["cells"].get(year) or {}).get("status", ""))
    return key


ALERT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda a: a["id"], "kind": lambda a: a["kind"], "agency": lambda a: a.get("agency") or "",
    "year": lambda a: a.get("year"), "state": lambda a: ALERT_STATE_RANK.get(a["state"], 9),
    "starts": lambda a: a["starts_at"]}


class SortLinks:
    """Column headings that link to the same page sorted by them."""

    def __init__(self, path: str, params: Mapping[str, Any], sort: str, order: str) -> None:
        self.path, self.sort, self.order = path, sort, order
        self.params = {k: v for k, v in params.items() if v not in (None, "") and k not in ("sort", "order")}

    def href(self, key: str) -> str:
        order = "desc" if key == self.sort and self.order == "asc" else "asc"
        return f"{self.path}?{urlencode({**self.params, 'sort': key, 'order': order})}"

    def __call__(self, key: str, label: str) -> Markup:
        on = key == self.sort
        arrow = ("▲" if self.order == "asc" else "▼") if on else ""
        hint = "点击排序 sort" if not on else ("升序 ascending" if self.order == "asc" else "降序 descending")
        return Markup('<a class="sort{on}" href="{href}" data-sort="{key}" title="{hint}">{label}{arrow}</a>').format(
            on=" on" if on else "", href=self.href(key), key=key, hint=hint, label=escape(label),
            arrow=Markup(f' <span class="arrow">{arrow}</span>') if arrow else "")
