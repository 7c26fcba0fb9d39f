"""Who may use the family portal and create the family accounts of a class."""

from __future__ import annotations

from hocba.core.models import Role
from hocba.core.permissions import RULES

R = Role
RULES.update({
    "verification:family:portal": frozenset({R.STUDENT, R.GUARDIAN}),
    "verification:account:create": frozenset({R.SCHOOL_ADMIN, R.PRINCIPAL}),
})
