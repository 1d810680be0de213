"""Writing a built table so that a failed or interrupted build never leaves half a file.

Shared by the tools/ scripts (they put their own folder on ``sys.path``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Text is written as UTF-8 with ``\\n`` line ends.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_tsv(path: Path, header: list[str], columns: list[str], rows: list[list]) -> None:
    """A ``#`` header block, a column line and tab-separated rows, written atomically."""
    text = "\n".join(header) + "\n" + "\t".join(columns) + "\n"
    text += "".join("\t".join(str(v) for v in row) + "\n" for row in rows)
    write_atomic(path, text)
