"""Errors a person can cause, carrying Vietnamese messages per field or row."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation. ``errors`` maps a field (or "row 12, column C") to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def as_dict(self) -> dict:
        return {"message": self.message, "errors": self.errors}

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        details = "; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items())
        return f"{self.message} ({details})"


class PermissionDeniedError(DomainError):
    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này."):
        super().__init__(message)


class StaleWriteError(DomainError):
    """Optimistic versioning: someone saved a newer value first."""
