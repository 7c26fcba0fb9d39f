"""The one exception of the assessment engine."""

from __future__ import annotations


class AssessmentInputError(ValueError):
    """Bad input for one student; ``str(error)`` is a Vietnamese message naming subject and field."""
