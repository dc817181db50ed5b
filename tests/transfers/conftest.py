"""Imports let go of saved rows every CLEAR_EVERY rows (200); the tests' files are small, so they let
go every second row, to run that path too."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _let_go_often(monkeypatch):
    monkeypatch.setattr("transfers.service.CLEAR_EVERY", 2)
