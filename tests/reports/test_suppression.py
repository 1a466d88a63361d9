"""Small-count suppression: no count from 1 to 4 is shown, and none can be worked out from the rest."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.suppression import COMPLEMENTARY, SMALL, show_count, suppress_line


def possible_values(cells: tuple[str, ...], total: str, index: int) -> set[int]:
    """What a reader can conclude about cell ``index``: every value consistent with what is shown.

    An attacker who knows the rule: "<5" is 1–4, "*" is 5 or more, the total is the sum when shown.
    """
    hidden = [i for i, v in enumerate(cells) if v in (SMALL, COMPLEMENTARY)]
    known = sum(int(v) for v in cells if v not in (SMALL, COMPLEMENTARY))
    if total in (SMALL, COMPLEMENTARY):
        return set(range(1, 5)) if cells[index] == SMALL else set(range(5, 10))
    rest = int(total) - known
    ranges = [range(1, 5) if cells[i] == SMALL else range(5, rest + 1) for i in hidden]
    found = set()
    for combination in itertools.product(*ranges):
        if sum(combination) == rest:
            found.add(combination[hidden.index(index)])
    return found


@pytest.mark.parametrize(
    ("values", "cells", "total"),
    [
        ([100, 50, 20], ("100", "50", "20"), "170"),
        ([100, 3, 20], ("100", SMALL, COMPLEMENTARY), "123"),
        ([100, 3, 2, 20], ("100", SMALL, SMALL, "20"), "125"),
        # Two ones: their sum (2) would give both away; a third cell is withheld.
        ([100, 1, 1, 20], ("100", SMALL, SMALL, COMPLEMENTARY), "122"),
        ([3], (SMALL,), SMALL),
        ([3, 0], (SMALL, "0"), SMALL),
        # The only other cell is withheld, and then the total must go too.
        ([3, 7], (SMALL, COMPLEMENTARY), "10"),
        # A cell of 1 next to a withheld 5 would follow from a total of 6: the total is withheld.
        ([1, 5], (SMALL, COMPLEMENTARY), COMPLEMENTARY),
        ([0, 0, 40], ("0", "0", "40"), "40"),
    ],
)
def test_lines_are_suppressed_as_the_rule_says(values, cells, total) -> None:
    line = suppress_line(values)
    assert (line.cells, line.total) == (cells, total)


def test_a_cell_of_three_never_appears() -> None:
    line = suppress_line([3, 250, 40, 3])
    assert "3" not in line.cells and line.cells.count(SMALL) == 2


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_a_lone_count_under_five_is_shown_as_less_than_five(value, shown) -> None:
    assert show_count(value) == shown


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=5))
def test_no_suppressed_cell_can_be_worked_out_from_the_total_and_the_other_cells(values) -> None:
    line = suppress_line(values)
    for index, (value, shown) in enumerate(zip(values, line.cells, strict=True)):
        if 1 <= value <= 4:
            assert shown == SMALL
        if shown == SMALL:
            possible = possible_values(line.cells, line.total, index)
            assert value in possible
            assert len(possible) >= 2, (values, line)
        elif shown != COMPLEMENTARY:
            assert shown == str(value)
