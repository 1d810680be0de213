"""Run the `pgx` command as a user does: the installed console script (CI), else this
interpreter's `-m pgx.cli`."""

from __future__ import annotations

import shutil
import subprocess
import sys


def pgx_command(*args: str) -> list[str]:
    """The argv of ``pgx ARGS...``."""
    exe = shutil.which("pgx")
    return [exe, *args] if exe else [sys.executable, "-m", "pgx.cli", *args]


def run_pgx(*args: str, env=None, timeout: int = 300, cwd=None) -> subprocess.CompletedProcess:
    """Run ``pgx ARGS...`` and capture its output as text."""
    return subprocess.run(pgx_command(*args), capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def write_key_file(folder) -> str:
    """A fresh random pseudonym key in ``folder/key``, owner-only (as ``--key-file`` wants)."""
    import os
    from pathlib import Path

    key = Path(folder) / "key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    return str(key)
