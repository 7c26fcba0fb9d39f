"""The three-way rule an Excel import applies to each cell (see ``gradebook.import_merge``)."""

import pytest

from hocba.gradebook.import_merge import Decision, decide, values_at_export


@pytest.mark.parametrize(("base", "incoming", "current", "expected"), [
    ("7.0", "7.0", "7.0", Decision.SAME),  # nobody changed it
    ("7.0", "8.0", "7.0", Decision.APPLY),  # the file changed it
    (None, "8.0", None, Decision.APPLY),  # the file filled an empty cell
    ("7.0", "7.0", "2.0", Decision.KEEP),  # the system changed it: the file's old value must not undo that
    ("7.0", "9.0", "2.0", Decision.CONFLICT),  # both changed it differently
    ("7.0", None, "2.0", Decision.CONFLICT),  # the file emptied a cell the system changed
    ("7.0", "2.0", "2.0", Decision.SAME),  # both made the same change
])
def test_each_cell_is_merged_three_ways(base, incoming, current, expected):
    assert decide(base=base, incoming=incoming, current=current) is expected


def test_the_value_at_the_export_is_the_old_value_of_the_first_change_since():
    changes = [(1, "gk", "7.0"), (1, "gk", "2.0"), (2, "tx1", None)]
    assert values_at_export(changes) == {(1, "gk"): "7.0", (2, "tx1"): None}
