"""SQLite's side files are never committed by mistake."""

from __future__ import annotations

import subprocess

from creative_minds import REPO_DIR


def test_sqlite_write_ahead_log_and_shared_memory_files_are_ignored():
    names = ["creative_minds.db-wal", "creative_minds.db-shm", "other.sqlite3-wal", "data/demo.sqlite-shm"]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], cwd=REPO_DIR, capture_output=True, text=True, check=False
    )
    assert done.stdout.split() == names
