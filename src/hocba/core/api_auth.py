"""API authentication: bearer tokens for systems, the session for our own pages."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from hocba.core.models import ApiToken


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        row = (ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(token), revoked=False)
               .first())
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


class SessionAuthCsrf(APIKeyCookie):
    """Session cookie authentication with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        if request.user.is_authenticated:
            return request.user
        return None
