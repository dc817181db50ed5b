"""A busy port gets a plain message saying what to do, not a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

from click.testing import CliRunner

from creative_minds.cli import main, port_problem


def test_a_port_in_use_is_named_with_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = port_problem("127.0.0.1", port)
        assert message is not None and f"Port {port} on 127.0.0.1 is already in use" in message
        assert "PORT=" in message and "./scripts/demo" in message and "--port" in message
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
        assert result.exit_code == 1 and "already in use" in result.output


def test_a_free_port_is_fine():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port_problem("127.0.0.1", port) is None


def test_the_demo_script_checks_the_port_first():
    """The line scripts/demo runs before loading anything exits with the message."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = (
            "import sys; from creative_minds.cli import port_problem; "
            "p = port_problem(sys.argv[1], int(sys.argv[2])); p and sys.exit(p)"
        )
        done = subprocess.run([sys.executable, "-c", code, "127.0.0.1", str(port)], capture_output=True, text=True)
    assert done.returncode == 1 and "already in use" in done.stderr
    with open("scripts/demo", encoding="utf-8") as script:
        text = script.read()
    assert f'\'{code}\' "$HOST" "$PORT"' in text
    assert text.index("port_problem") < text.index("db upgrade")
