"""Small-count suppression for published tables, with complementary suppression.

The rule: a count from 1 to 4 is shown as "<5" (primary suppression).
A table line is a set of cells published together with their total. A reader
who knows the total and every other cell could subtract to recover a
suppressed cell, so more cells are withheld (complementary suppression) until
none can be worked out.

What a reader knows about a withheld cell: "<5" means 1–4; "*" (a complementary
cell) means at least 5, since only a published count of 5 or more is ever chosen
for it. For each "<5" cell the possible values are then

    lo = 1 when the line has a "*" cell, else max(1, D - 4 (p - 1))
    hi = min(4, D - (p - 1) - 5 q)

where D = total - the published cells, p the number of "<5" cells and q the
number of "*" cells. A cell is exposed when lo == hi. While any is exposed, the
smallest published non-zero cell is withheld as well; when none is left, the
total is withheld. Each added cell only widens every range, so this stops.
Zeros are published: they say nobody, which identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
SMALL = "<5"
COMPLEMENTARY = "*"


@dataclass(frozen=True)
class Line:
    """A suppressed line: the shown value of each cell and of the total (strings)."""

    cells: tuple[str, ...]
    total: str

    @property
    def suppressed(self) -> int:
        """How many cells are withheld (either marker)."""
        return sum(1 for value in self.cells if value in (SMALL, COMPLEMENTARY))


def is_small(value: int) -> bool:
    """A count that must never be published: 1 to 4."""
    return 0 < value < THRESHOLD


def exposed(values: list[int], small: set[int], extra: set[int], total_known: bool = True) -> bool:
    """True when some "<5" cell's value follows from the total and the published cells."""
    if not small or not total_known:
        return False
    published = sum(v for i, v in enumerate(values) if i not in small and i not in extra)
    rest = sum(values) - published
    p, q = len(small), len(extra)
    lo = 1 if q else max(1, rest - 4 * (p - 1))
    hi = min(4, rest - (p - 1) - THRESHOLD * q)
    return lo >= hi


def suppress_line(values: list[int]) -> Line:
    """Suppress one line of counts published with its total."""
    total = sum(values)
    small = {i for i, v in enumerate(values) if is_small(v)}
    extra: set[int] = set()
    total_shown = not is_small(total)
    while total_shown and exposed(values, small, extra):
        candidates = [i for i, v in enumerate(values) if v >= THRESHOLD and i not in extra]
        if not candidates:
            total_shown = False
            break
        extra.add(min(candidates, key=lambda i: (values[i], i)))
    cells = tuple(
        SMALL if i in small else COMPLEMENTARY if i in extra else str(value) for i, value in enumerate(values)
    )
    shown_total = str(total) if total_shown else SMALL if is_small(total) else COMPLEMENTARY
    return Line(cells, shown_total)


def show_count(value: int) -> str:
    """A lone count (no line around it): "<5" for 1 to 4."""
    return SMALL if is_small(value) else str(value)


def publishable(shown: str) -> bool:
    """True when a shown value is an exact number (a rate or percentile may be built on it)."""
    return shown not in (SMALL, COMPLEMENTARY)
