"""Cell values as teachers type them (``hocba.gradebook.values``)."""

from __future__ import annotations

import pytest

from hocba.gradebook.values import CellError, parse_score


@pytest.mark.parametrize("typed", ["-0", "-0,0", "+0", "-0.00", "0", "0,0"])
def test_a_zero_is_stored_as_zero_whatever_its_sign(typed):
    assert parse_score(typed) == "0.0"


@pytest.mark.parametrize("typed", ["-0,1", "-1", "-10"])
def test_a_real_negative_score_is_still_refused(typed):
    with pytest.raises(CellError, match="nằm ngoài thang 0–10"):
        parse_score(typed)
