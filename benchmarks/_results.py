"""Write a benchmark's JSON results atomically (a half-written file never replaces the last one)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_result(path: str | os.PathLike, result: dict) -> Path:
    out = Path(path)
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, out)
    return out
