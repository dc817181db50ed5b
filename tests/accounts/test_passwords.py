"""Password hashing: production parameters in the app, whatever the test suite uses."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from creative_minds import passwords


def test_the_app_hashes_with_rfc_9106_parameters_when_nothing_changes_them():
    # A fresh interpreter imports the app as production does (the suite itself uses cheap hashes).
    code = (
        "from creative_minds.app import create_app; from creative_minds.passwords import hash_password; "
        "from argon2 import extract_parameters; p = extract_parameters(hash_password('x')); "
        "print(p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert [int(v) for v in out] == [3, 65536, 4, 32, 16]
    assert RFC_9106_LOW_MEMORY.memory_cost == 65536  # 64 MiB, as RFC 9106 recommends


def test_a_password_hashed_with_other_parameters_still_verifies():
    strong = "$argon2id$v=19$m=65536,t=3,p=4$" + "c2FsdHNhbHRzYWx0c2FsdA$" + "x" * 43
    assert passwords.verify_password(strong, "anything") is False  # wrong hash, no error
    passwords.use_parameters(RFC_9106_LOW_MEMORY)
    try:
        made_strong = passwords.hash_password("correct horse")
    finally:
        passwords.use_parameters(CHEAPEST)
    assert extract_parameters(made_strong).memory_cost == 65536
    assert passwords.verify_password(made_strong, "correct horse")
    assert not passwords.verify_password(made_strong, "wrong horse")
