"""Bringing a sheet back from Excel without losing what changed in the system since it was exported.

A teacher exports a sheet, works on the file for a while, and imports it. Meanwhile the same cells may
have changed in the system (a colleague, another tab, an earlier import). For every cell the import
compares three values, as a three-way merge does:

* ``base``: the cell when the file was exported (the cell's history tells it: the ``old`` value of its
  first change after the export; the current value when nothing changed since);
* ``incoming``: the cell in the file;
* ``current``: the cell in the system now.

The rule is a pure function so that it can be read and tested on its own.
"""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    SAME = "same"  # the file already says what the system has: nothing to do
    APPLY = "apply"  # only the file changed the cell: store the file's value
    KEEP = "keep"  # only the system changed it since the export: keep the newer value, ignore the file's old one
    CONFLICT = "conflict"  # both changed it, differently: refuse, showing the newer value


def decide(*, base: str | None, incoming: str | None, current: str | None) -> Decision:
    """What an import does with one cell (values as stored: canonical text, or None for empty)."""
    if incoming == current:
        return Decision.SAME
    if current == base:
        return Decision.APPLY
    if incoming == base:
        return Decision.KEEP
    return Decision.CONFLICT


def values_at_export(changes: list[tuple[int, str, str | None]]) -> dict[tuple[int, str], str | None]:
    """(row id, field) → the value the cell had at the export, from the changes made since, oldest first
    (``(row id, field, old)`` each): the ``old`` of each cell's first change. Cells with no change since are
    absent (their value at the export is their current value)."""
    base: dict[tuple[int, str], str | None] = {}
    for row_id, field, old in changes:
        base.setdefault((row_id, field), old)
    return base
