"""What the records app tells the apps built on it.

``version_superseded`` is sent, inside the composing transaction, when a correction makes version
n+1 of a record whose version n had started signing: ``new`` and ``old`` are the two versions and
``by`` who composed. The signing app keeps the subject teachers' confirmations of rows that did not
change (``signing.carry``).
"""

from __future__ import annotations

from django.dispatch import Signal

version_superseded = Signal()

__all__ = ["version_superseded"]
