"""The Safran–Shamir (2018) table as the seed prints it, row by row (claim REV.ss18-table).

Source: REV's Figure 4 ("Result of convergence to bad local minima. Cited from [3]"), seed
001_f3a8f3668e711d70.txt. The OCR set the two columns of the table (n = k on the left, n = k + 1
on the right) side by side; each :class:`Row` keeps the OCR text it was read from and how it was
read. A row whose percentage is lost has ``percent = None``: it is still run, and its estimate
reported, but nothing is checked against it.

Reading rules (the same for every row): "|", "[", "1" and "l" between the two numbers are the
column rule ("13113" is 13 | 13, "151 16" is 15 | 16); a space inside a percentage is a lost
decimal point ("34 6%" is 34.6%, as the table prints one decimal elsewhere); k is confirmed by
the row order (k grows by one per line) where the OCR lost it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Row", "ROWS", "TABLE_N_EQ_K", "TABLE_N_EQ_K_PLUS_1", "UNREADABLE_ROWS", "row", "transcribed_rate"]


@dataclass(frozen=True)
class Row:
    """One (k, n) row: the OCR text, the percentage read from it (None: unreadable), the reading."""

    k: int
    n: int
    ocr: str
    percent: float | None
    reading: str
    alternative: float | None = None  # a second legible reading, also tested

    @property
    def rate(self) -> float | None:
        return None if self.percent is None else self.percent / 100.0


_N_EQ_K = [
    (6, "6 16 03%", 0.3, "'16' is '| 6'; '03%' is 0.3% with the decimal point lost (as in row 10); "
     "the alternative reading 3% is tested too", 3.0),
    (7, "7 |7 5.5%", 5.5, "clean", None),
    (8, "8 |8 12.6%", 12.6, "clean", None),
    (9, "9 |9 21.8%", 21.8, "clean", None),
    (10, "10| 10 34 6%", 34.6, "'34 6%' is 34.6% (decimal point read as a space)", None),
    (11, "1l 45.5%", 45.5, "'1l' is 11 and the n column was lost; k = n = 11 from the row order", None),
    (12, "12|12 58.5%", 58.5, "clean", None),
    (13, "13113 73%", 73.0, "'13113' is 13 | 13", None),
    (14, "14 | 14 73.6%", 73.6, "clean", None),
    (15, "15|15 80.3%", 80.3, "clean", None),
    (16, "16|16| 85.1%", 85.1, "clean (a second column rule)", None),
    (17, "17 | 17 89.7%", 89.7, "clean", None),
    (18, "18 | 18 90%", 90.0, "clean", None),
    (19, "19|19 93.4%", 93.4, "clean", None),
    (20, "20 | 20 01%", None, "UNREADABLE: '01%' lost a digit group (it cannot be 0.1% or 1%: the "
     "column grows with k, 93.4% at k = 19); run and reported, not checked", None),
]
_N_EQ_K1 = [
    (8, "8 |9 0.1%", 0.1, "clean", None),
    (10, "10 | 11 0.1%", 0.1, "clean", None),
    (11, "11|12 0.1%", 0.1, "clean", None),
    (12, "12 [ 13 0.3%", 0.3, "'[' is the column rule", None),
    (13, "13 | 14 1.5%", 1.5, "clean", None),
    (14, "14 | 15 5.5%", 5.5, "clean", None),
    (15, "151 16 10.1%", 10.1, "'151 16' is 15 | 16", None),
    (16, "16 | 17 18%", 18.0, "clean", None),
    (17, "17 | 18 20.9%", 20.9, "clean", None),
    (18, "18 | 19 36.9%", 36.9, "clean", None),
    (19, "19 | 20 49.1%", 49.1, "clean", None),
]

ROWS: tuple[Row, ...] = tuple(Row(k, k, o, p, r, a) for k, o, p, r, a in _N_EQ_K) + tuple(
    Row(k, k + 1, o, p, r, a) for k, o, p, r, a in _N_EQ_K1
)

# the legible rows as {k: percent} (kept for the tests and docs that read them this way)
TABLE_N_EQ_K: dict[int, float] = {r.k: r.percent for r in ROWS if r.n == r.k and r.percent is not None}
TABLE_N_EQ_K_PLUS_1: dict[int, float] = {r.k: r.percent for r in ROWS if r.n == r.k + 1 and r.percent is not None}
UNREADABLE_ROWS: dict[tuple[int, int], str] = {
    (20, 20): "OCR '20 | 20 01%': the percentage lost a digit group — unreadable",
    (6, 7): "no row in the seed",
    (7, 8): "no row in the seed",
    (9, 10): "no row in the seed (between '8 |9' and '10 | 11')",
    (20, 21): "no row in the seed",
}


def row(k: int, n: int) -> Row:
    """The seed's row (k, n); KeyError with the reason for rows the seed does not have."""
    for r in ROWS:
        if (r.k, r.n) == (k, n):
            return r
    raise KeyError(f"row (k={k}, n={n}): {UNREADABLE_ROWS.get((k, n), 'not in the table')}")


def transcribed_rate(k: int, n: int) -> float:
    """The table's rate for (k, n) as a fraction; KeyError (with the reason) for unreadable rows."""
    r = row(k, n)
    if r.rate is None:
        raise KeyError(f"row (k={k}, n={n}): {UNREADABLE_ROWS[(k, n)]}")
    return r.rate
