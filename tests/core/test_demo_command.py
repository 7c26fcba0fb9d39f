"""`hocba demo --bind`: the records it composes point at the address it serves on."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from hocba.core.management.commands.demo import public_url


@pytest.mark.django_db
def test_the_demo_on_another_port_prints_and_uses_that_address(monkeypatch, settings_restored):
    monkeypatch.delenv("HOCBA_PUBLIC_URL", raising=False)
    out = io.StringIO()
    monkeypatch.setattr("hocba.core.management.commands.demo.call_command", lambda *a, **k: None)
    call_command("demo", bind="127.0.0.1:8931", no_serve=True, stdout=out)
    assert "mở http://127.0.0.1:8931/" in out.getvalue()
    # The QR codes of records composed from now on, and the server process started next, use it.
    assert settings.HOCBA_PUBLIC_URL == os.environ["HOCBA_PUBLIC_URL"] == "http://127.0.0.1:8931"


@pytest.mark.django_db
def test_an_address_set_by_the_operator_is_kept(monkeypatch, settings_restored):
    monkeypatch.setenv("HOCBA_PUBLIC_URL", "https://hocba.example.vn")
    settings.HOCBA_PUBLIC_URL = "https://hocba.example.vn"
    monkeypatch.setattr("hocba.core.management.commands.demo.call_command", lambda *a, **k: None)
    call_command("demo", bind="127.0.0.1:8931", no_serve=True, stdout=io.StringIO())
    assert settings.HOCBA_PUBLIC_URL == "https://hocba.example.vn"


def test_all_interfaces_means_this_machine_in_a_link():
    assert public_url("0.0.0.0:8000") == "http://127.0.0.1:8000"
    assert public_url("192.168.1.20:8080") == "http://192.168.1.20:8080"


@pytest.fixture
def settings_restored():
    before = settings.HOCBA_PUBLIC_URL
    yield
    settings.HOCBA_PUBLIC_URL = before
