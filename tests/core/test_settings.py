"""Settings from the environment: production refuses to start half-configured, passes the deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
HOCBA = Path(sys.executable).parent / "hocba"
SECRET = "k3y-" + "Xq9#vL2!mP7@wR4$" * 4  # 68 characters, varied enough for check --deploy


def production_env(tmp_path, **overrides) -> dict[str, str]:
    # A production process starts from a clean environment: nothing of the test run's own settings
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop in this process).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOCBA_", "DJANGO_"))}
    env.update({"HOCBA_ENV": "production", "HOCBA_SECRET_KEY": SECRET,
                "HOCBA_ALLOWED_HOSTS": "hocba.example.vn",
                "HOCBA_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "PYTHONPATH": str(ROOT / "src")})
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, env, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, **kw)


def hocba_cmd() -> list[str]:
    return [str(HOCBA)] if HOCBA.exists() else [sys.executable, "-m", "hocba"]


def test_production_passes_the_deploy_check(tmp_path):
    result = run([*hocba_cmd(), "manage", "check", "--deploy", "--fail-level", "WARNING"],
                 production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_settings_fail_the_deploy_check(tmp_path):
    """The check is not vacuous: without HOCBA_ENV=production it finds problems."""
    env = production_env(tmp_path, HOCBA_ENV=None, HOCBA_SECRET_KEY=None)
    result = run([*hocba_cmd(), "manage", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W" in result.stdout + result.stderr


NO_KEY = "HOCBA_SECRET_KEY phải được đặt (ít nhất 50 ký tự) khi chạy production."


@pytest.mark.parametrize(("overrides", "message"), [
    ({"HOCBA_SECRET_KEY": None}, NO_KEY),
    ({"HOCBA_SECRET_KEY": "ngan-qua"}, NO_KEY),
    ({"HOCBA_ALLOWED_HOSTS": None}, "HOCBA_ALLOWED_HOSTS phải được đặt khi chạy production."),
])
def test_production_refuses_to_load_half_configured(tmp_path, overrides, message):
    result = run([sys.executable, "-c", "import hocba.settings"], production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_serves_https_only_with_secure_cookies_and_hsts(tmp_path):
    script = textwrap.dedent("""
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
        django.setup()
        from django.test import Client
        c = Client()
        plain = c.get("/dang-nhap/", HTTP_HOST="hocba.example.vn")
        print("plain", plain.status_code, plain.get("Location"))
        r = c.get("/dang-nhap/", secure=True, HTTP_HOST="hocba.example.vn")
        print("secure", r.status_code)
        print("hsts", r.get("Strict-Transport-Security"))
        print("csp", r.get("Content-Security-Policy"))
        print("csrf-cookie-secure", bool(r.cookies["csrftoken"]["secure"]))
        from django.conf import settings
        print("session-cookie-secure", settings.SESSION_COOKIE_SECURE, "debug", settings.DEBUG)
        bad = c.get("/dang-nhap/", secure=True, HTTP_HOST="evil.example.com")
        print("other-host", bad.status_code)
    """)
    result = run([sys.executable, "-c", script], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["plain"] == "301 https://hocba.example.vn/dang-nhap/"
    assert lines["secure"] == "200"
    assert lines["hsts"].startswith("max-age=31536000") and "includeSubDomains" in lines["hsts"]
    assert "default-src 'self'" in lines["csp"]
    assert lines["csrf-cookie-secure"] == "True"
    assert lines["session-cookie-secure"] == "True debug False"
    assert lines["other-host"] == "400"


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_data_dir_comes_from_the_environment(tmp_path):
    result = run([sys.executable, "-c", "from django.conf import settings; import django; "
                  "import os; os.environ['DJANGO_SETTINGS_MODULE']='hocba.settings'; django.setup(); "
                  "print(settings.DATA_DIR); print(settings.DATABASES['default']['NAME'])"],
                 production_env(tmp_path, HOCBA_ENV=None, DATABASE_URL=None))
    assert result.returncode == 0, result.stderr
    data_dir, db_name = result.stdout.split()
    assert Path(data_dir) == tmp_path.resolve()
    assert Path(db_name) == tmp_path.resolve() / "hocba.sqlite3"


def test_cli_help_lists_the_commands(tmp_path):
    env = production_env(tmp_path, HOCBA_ENV=None)
    result = run([*hocba_cmd(), "--help"], env)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"seed-demo", "audit-verify", "demo", "serve", "assess", "manage"} <= listed


def test_cli_refuses_an_unknown_command_in_vietnamese(tmp_path):
    result = run([*hocba_cmd(), "khong-co"], production_env(tmp_path, HOCBA_ENV=None))
    assert result.returncode == 2
    assert "không có lệnh 'khong-co'" in result.stderr
