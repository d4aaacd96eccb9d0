"""Fused digit runs are read as printed: forced splits whatever they sum to, ambiguous
ones marked, and a bounded cost per run."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.parse import parse_bytes
from workers.parse.fused import MAX_SPLITS, count_splits, enumerate_splits, read_run
from workers.parse.fused import T3_TOTAL as T3
from workers.parse.fused import T4_TOTAL as T4
from workers.parse.layouts import layouts
from workers.parse.settle import Settle, settle_table3
from workers.reading import SPLIT_ASSUMED, SPLIT_CHOSEN, SPLIT_FORCED, Reading

small = st.integers(0, 30) | st.integers(0, 999)


def fuse(values: list[int]) -> str:
    return "".join(str(v) for v in values)


def test_forced_split_is_taken_even_when_it_does_not_add_up() -> None:
    # 7 digits for 7 cells: only one reading, although 1+6 != 9 (the agency's error)
    got = read_run(["1600009"], 7, identity=T3)
    assert got is not None and got.values == [1, 6, 0, 0, 0, 0, 9]
    assert all(c.how == SPLIT_FORCED and c.certain for c in got.cells)
    # spaces are hard boundaries: '3 0 00 0 1 4' has exactly one split too
    got = read_run(["3", "0", "00", "0", "1", "4"], 7, identity=T3)
    assert got is not None and got.values == [3, 0, 0, 0, 0, 1, 4] and got.splits == 1


def test_ambiguous_run_settled_by_its_row_total_is_assumed() -> None:
    got = read_run(["801000081"], 7, identity=T3)
    assert got is not None and got.values == [80, 1, 0, 0, 0, 0, 81]
    varying = [c for c in got.cells if c.how == SPLIT_ASSUMED]
    assert varying and all(c.assumed == ("T3-TOTALS",) and c.certain for c in varying)
    # cells that no split changes are certain whatever the total says
    assert got.cells[3] == Reading(SPLIT_FORCED)


def test_ambiguous_run_that_never_adds_up_is_uncertain_not_dropped() -> None:
    # 16|0|0|2|0|0|19 does not add up, nor does any other split: read, marked uncertain
    got = read_run(["160", "02", "0", "019"], 7, identity=T3)
    assert got is not None
    assert any(not c.certain and c.how == SPLIT_CHOSEN for c in got.cells)
    assert 16 in got.cells[0].candidates and 160 in got.cells[0].candidates


def test_table4_groups_that_split_are_read() -> None:
    # 17 digits for 15 cells: the spaced review group is forced, the fused rest is not
    got = read_run(["1", "1", "0", "0", "2", "101001200012"], 15, identity=T4)
    assert got is not None
    assert got.values[:5] == [1, 1, 0, 0, 2] and all(c.how == SPLIT_FORCED for c in got.cells[:5])
    assert got.splits > 1 and any(c.how != SPLIT_FORCED for c in got.cells[5:])


def test_row_printed_with_label_and_no_values_is_not_missing() -> None:
    from tests.support.reports import text_report
    flat = text_report().replace("\n", "").replace("\t", "")
    flat = flat.replace("（一）予以公开2100003", "（一）予以公开0 0 0 0 0 0")  # 6 numbers for 7 cells
    r = parse_bytes(flat.encode(), filename="dump.txt")
    assert "3.1" not in r["table3"]
    assert r["reading"]["table3"]["3.1"]["unread"] is True


def test_forty_digit_run_is_bounded() -> None:
    run = ["1234567890" * 4]
    assert count_splits(run, 7, 7) > MAX_SPLITS or enumerate_splits(run, 7) is not None
    assert enumerate_splits(["9" * 200], 7) is None  # over the digit cap: not even counted
    from tests.support.reports import text_report
    flat = text_report().replace("\n", "").replace("\t", "")
    flat = flat.replace("（一）予以公开2100003", "（一）予以公开" + "1234567890" * 4)
    r = parse_bytes(flat.encode(), filename="dump.txt")
    assert "3.1" not in r["table3"] or not all(c["certain"] for c in r["reading"]["table3"]["3.1"])


@settings(max_examples=300, deadline=None)
@given(st.lists(small, min_size=7, max_size=7), st.booleans())
def test_printed_digits_are_never_misread_with_certainty(cells: list[int], consistent: bool) -> None:
    """Whatever the row sums to, the true reading is among the splits, and every cell
    marked forced has its printed value; an inconsistent row never passes as consistent."""
    if consistent:
        cells[6] = sum(cells[:6])
    digits = fuse(cells)
    splits = enumerate_splits([digits], 7)
    if splits is None:
        return  # too ambiguous to read: the parser leaves such a row unread
    assert tuple(cells) in splits
    got = read_run([digits], 7, identity=T3)
    assert got is not None
    for v, c, truth in zip(got.values, got.cells, cells):
        if c.how == SPLIT_FORCED:
            assert v == truth
        if c.how != SPLIT_FORCED:
            assert truth in c.candidates  # what was printed is always offered to the reviewer
    if sum(cells[:6]) != cells[6] and got.values != cells:
        # a different reading was taken: then it says it was not read as printed
        assert any(c.how != SPLIT_FORCED for c in got.cells)


def test_column_identities_settle_last_and_are_marked() -> None:
    L = layouts()
    zero = [0] * 7
    rows = {k: Settle(list(zero), [Reading(SPLIT_FORCED)] * 7) for k in L.t3_keys("2021")}
    rows["1"] = Settle([22, 0, 0, 0, 0, 0, 22], [Reading(SPLIT_FORCED)] * 7)
    rows["3.7"] = Settle([22, 0, 0, 0, 0, 0, 22], [Reading(SPLIT_FORCED)] * 7)
    # the profile says column 0 has two digits, column 1 one: 22|0 wins on evidence alone
    pool = ((2, 20, 0, 0, 0, 0, 22), (22, 0, 0, 0, 0, 0, 22))
    amb = read_run(["220000022"], 7, identity=T3)
    assert amb is not None and set(amb.pool) == set(pool)
    rows["3.1"] = Settle(list(amb.values), amb.cells, amb.pool)
    settle_table3(rows, L)
    assert rows["3.1"].values == [22, 0, 0, 0, 0, 0, 22]
    assert rows["3.1"].reads[0].how == SPLIT_CHOSEN and not rows["3.1"].reads[0].certain
    # with no evidence (every column two digits wide), only the identities can decide
    rows = {k: Settle(list(zero), [Reading(SPLIT_FORCED)] * 7) for k in L.t3_keys("2021")}
    rows["1"] = Settle([22, 10, 0, 0, 0, 0, 32], [Reading(SPLIT_FORCED)] * 7)
    rows["3.7"] = Settle([22, 10, 0, 0, 0, 0, 32], [Reading(SPLIT_FORCED)] * 7)
    rows["3.2"] = Settle([0, 10, 0, 0, 0, 0, 10], [Reading(SPLIT_FORCED)] * 7)
    rows["3.1"] = Settle(list(amb.values), amb.cells, amb.pool)
    settle_table3(rows, L)
    assert rows["3.1"].values == [22, 0, 0, 0, 0, 0, 22]
    first = rows["3.1"].reads[0]
    assert first.how == SPLIT_ASSUMED and {"T3-BALANCE", "T3-RESULTS"} <= set(first.assumed)


def test_stream_values_with_inner_spaces_are_read_as_their_digits() -> None:
    """A value printed with a space inside ("0 1", read as 01 by is_number/to_number) is one
    digit run when a row's values are too few for its cells: split as digits or left
    unread, never an ``int(' ')`` error (found by fuzzing mutated corpus pages)."""
    from workers.parse.stream import _cells

    assert _cells(["0", "0", "0 1", "1", "0"], 7, None) is None  # six digits for 7 cells: unread
    got = _cells(["1 2", "3"], 3, None)
    assert got is not None and got.values == [1, 2, 3]
