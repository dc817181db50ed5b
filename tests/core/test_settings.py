"""Settings come from the environment, are checked, and are all documented."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from creative_minds.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table():
    first_cells = re.findall(r"^\| ([^|]+) \|", README.read_text(), re.M)
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    missing = [name for name in Settings.environment_variables() if name not in documented]
    assert missing == []


def test_environment_variables_set_the_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/creative")
    monkeypatch.setenv("CM_SMALL_NUMBER_THRESHOLD", "7")
    monkeypatch.setenv("CM_MEANINGFUL_CHANGE", "2.5")
    monkeypatch.setenv("CM_SECURE_COOKIES", "false")
    settings = Settings.from_env()
    assert settings.database_url == "postgresql+psycopg://db.example/creative"
    assert settings.small_number_threshold == 7
    assert settings.meaningful_change_points == Decimal("2.5")
    assert settings.secure_cookies is False
    assert Settings.from_env(small_number_threshold=3).small_number_threshold == 3  # code wins


def test_cookies_are_https_only_unless_turned_off(monkeypatch):
    monkeypatch.delenv("CM_SECURE_COOKIES", raising=False)
    assert Settings.from_env().secure_cookies is True


@pytest.mark.parametrize(("name", "value"), [("CM_SMALL_NUMBER_THRESHOLD", "0"), ("CM_SESSION_MAX_AGE", "soon")])
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings.from_env()
    assert name in str(caught.value)
