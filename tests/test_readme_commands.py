"""The README's `flask …` commands work as written, from a shell without FLASK_APP (issue 12).

Each runs as a subprocess in the repository's directory with a cleaned environment (no
FLASK_APP, no TASKDESK_* but the admin password, a temporary SQLite database): `flask` must find
the app through `.flaskenv`. Quiet by default: no log lines, no Python dicts.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
README = (ROOT / "README.md").read_text()


def _block_commands() -> list[str]:
    """The `.venv/bin/flask …` lines of the README's sh blocks (comments dropped)."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(".venv/bin/flask "):
                commands.append(line)
    return commands


def _inline_commands() -> set[str]:
    """The first two words of every `flask …` the README's prose names: `flask jobs reminders`."""
    return {
        " ".join(found.split()[:3])
        for found in re.findall(r"`(?:[A-Z_]+=\S+ )?(?:\.venv/bin/)?(flask [a-z][a-z -]*)", README)
    }


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'readme.db'}",
        "TASKDESK_ADMIN_PASSWORD": "a long readme passphrase",
        "PASSWORD_HASH": "argon2-fast",
    }


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = shlex.split(command)
    args[0] = FLASK
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def test_the_readme_block_commands_run_from_a_clean_shell(tmp_path):
    commands = _block_commands()
    assert ".venv/bin/flask db upgrade" in commands
    assert any("users create-admin" in c for c in commands)
    env = _env(tmp_path)
    seen = ""
    for command in commands:
        result = _run(command, env)
        output = result.stdout + result.stderr
        assert result.returncode == 0, (command, output)
        assert "No such command" not in output and "Traceback" not in output
        assert not re.search(r"\b(INFO|WARNING)\b", output), (command, output)
        assert "{'" not in output, (command, output)  # no Python dicts
        seen += output
    assert "Created admin you <you@example.com>" in seen


@pytest.mark.parametrize("command", sorted(_inline_commands()))
def test_every_flask_command_the_readme_names_exists(tmp_path, command):
    result = _run(f".venv/bin/{command} --help", _env(tmp_path))
    assert result.returncode == 0, (command, result.stdout + result.stderr)
    assert "Usage:" in result.stdout


def test_db_help_prints_no_log_lines(tmp_path):
    result = _run(".venv/bin/flask db --help", _env(tmp_path))
    assert result.returncode == 0
    assert result.stderr == "", result.stderr
    assert result.stdout.startswith("Usage: flask db")
