"""numerics/ss18/table.py (claim REV.ss18-table): every row of the seed's table, looked up through
``row`` / ``transcribed_rate`` and the dict views, against the percentages written out here from
the OCR text of seed 001_f3a8f3668e711d70.txt (Figure 4 of REV, the two columns n = k, n = k + 1)."""

from __future__ import annotations

import re

import pytest

from numerics.ss18 import table

# (k, n, percent read, the first number of its OCR text)
N_EQ_K = {6: 0.3, 7: 5.5, 8: 12.6, 9: 21.8, 10: 34.6, 11: 45.5, 12: 58.5, 13: 73.0, 14: 73.6, 15: 80.3,
          16: 85.1, 17: 89.7, 18: 90.0, 19: 93.4}
N_EQ_K1 = {8: 0.1, 10: 0.1, 11: 0.1, 12: 0.3, 13: 1.5, 14: 5.5, 15: 10.1, 16: 18.0, 17: 20.9, 18: 36.9, 19: 49.1}
MISSING = {(20, 20): "unreadable", (6, 7): "no row in the seed", (7, 8): "no row in the seed",
           (9, 10): "between '8 |9' and '10 | 11'", (20, 21): "no row in the seed"}


@pytest.mark.parametrize("k, n, percent", [(k, k, p) for k, p in N_EQ_K.items()] + [(k, k + 1, p) for k, p in N_EQ_K1.items()])
def test_each_legible_row_is_found_with_its_rate(k, n, percent):
    r = table.row(k, n)
    assert (r.k, r.n, r.percent) == (k, n, percent)
    assert table.transcribed_rate(k, n) == pytest.approx(percent / 100, rel=1e-15)
    # the OCR text starts with k (or its OCR misreading '1l' for 11)
    assert r.ocr.replace("1l", "11").startswith(str(k))


def test_the_dict_views_hold_exactly_the_legible_rows_of_each_column():
    assert table.TABLE_N_EQ_K == N_EQ_K
    assert table.TABLE_N_EQ_K_PLUS_1 == N_EQ_K1
    assert len(table.ROWS) == 15 + 11


def test_the_unreadable_row_is_run_but_has_no_rate():
    r = table.row(20, 20)
    assert r.percent is None and r.rate is None and "UNREADABLE" in r.reading
    with pytest.raises(KeyError, match="unreadable"):
        table.transcribed_rate(20, 20)


@pytest.mark.parametrize("k, n", sorted(MISSING))
def test_rows_the_seed_lacks_raise_key_error_with_the_reason(k, n):
    assert set(table.UNREADABLE_ROWS) == set(MISSING)
    if (k, n) != (20, 20):
        with pytest.raises(KeyError, match=re.escape(MISSING[(k, n)])):
            table.row(k, n)
        with pytest.raises(KeyError, match=re.escape(MISSING[(k, n)])):
            table.transcribed_rate(k, n)


def test_a_row_not_in_the_table_at_all_says_so():
    with pytest.raises(KeyError, match="not in the table"):
        table.row(30, 30)


def test_the_k6_row_carries_its_alternative_reading_of_3_percent():
    """'03%' is read as 0.3% (decimal point lost); the alternative reading 3% is tested too."""
    r = table.row(6, 6)
    assert (r.percent, r.alternative) == (0.3, 3.0)
    assert all(x.alternative is None for x in table.ROWS if (x.k, x.n) != (6, 6))
