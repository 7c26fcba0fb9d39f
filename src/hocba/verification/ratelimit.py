"""A small per-client rate limiter on Django's cache (fixed window).

``HOCBA_VERIFY_RATE`` / ``HOCBA_VERIFY_UPLOAD_RATE`` ("requests/seconds", from settings or the
environment) bound what one client IP may ask. The default cache (``HOCBA_CACHE=memory``) counts per
process, so with N gunicorn workers a client gets up to N× the limit; in production set
``HOCBA_CACHE=database`` (or ``file`` on one machine) so the count is global (see settings.cache_setting).
"""

from __future__ import annotations

import time

from django.core.cache import cache

from hocba.core.throttle import rate_setting

RATE_LIMITED_MESSAGE = "Bạn đã gửi quá nhiều yêu cầu xác thực trong thời gian ngắn. Vui lòng thử lại sau ít phút."


def client_ip(request) -> str:
    """The client's address as seen by this server (behind a proxy, the proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "?"


def allow(request, bucket: str = "code") -> bool:
    """Count one request of ``bucket`` for the client; False when over the limit of the current window."""
    count, seconds = rate_setting("HOCBA_VERIFY_UPLOAD_RATE" if bucket == "upload" else "HOCBA_VERIFY_RATE")
    window = int(time.time() // seconds)
    key = f"hocba:rl:{bucket}:{client_ip(request)}:{window}"
    if cache.add(key, 1, timeout=seconds + 1):
        return True
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds + 1)
        return True
    return used <= count
