"""Fixtures of the people tests: the tiny known world (see world.py)."""

from __future__ import annotations

import pytest

from tests.people.world import World, build_world


@pytest.fixture
def world(empty_db) -> World:
    return build_world()
