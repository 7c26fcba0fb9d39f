"""Where certificate provisioning stands against the Department's deadline (pure, no database).

The certificates page says one of three things: everyone in scope holds a valid certificate (the
requirement is met, whatever the date), some still lack one and the deadline has not passed yet,
or some still lack one after the deadline (overdue). Only the last is a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ProvisioningState(StrEnum):
    MET = "met"  # every staff member in scope holds a valid certificate
    OPEN = "open"  # some lack one, the deadline is today or later
    OVERDUE = "overdue"  # some lack one, the deadline has passed
    NO_STAFF = "no_staff"  # nobody in scope (no school, or schools without staff yet)


@dataclass(frozen=True)
class ProvisioningStatus:
    state: ProvisioningState
    missing: int  # staff without a valid certificate
    days_left: int  # days until the deadline (0 on the day itself, negative after it)

    @property
    def days_over(self) -> int:
        return max(0, -self.days_left)


def provisioning_status(*, have: int, total: int, today: dt.date, deadline: dt.date) -> ProvisioningStatus:
    """``have`` of ``total`` staff hold a valid certificate on ``today``; the rule is all by ``deadline``."""
    missing = max(0, total - have)
    days_left = (deadline - today).days
    if total == 0:
        state = ProvisioningState.NO_STAFF
    elif missing == 0:
        state = ProvisioningState.MET
    elif days_left < 0:
        state = ProvisioningState.OVERDUE
    else:
        state = ProvisioningState.OPEN
    return ProvisioningStatus(state=state, missing=missing, days_left=days_left)
