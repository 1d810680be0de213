#!/usr/bin/env python3
"""Write the OncoTree test oracle: the pinned OncoTree release's code, name, main type and parent.

``tests/data/oncotree_oracle.txt.gz`` is the pinned column subset of OncoTree ``oncotree_2026_05_21``
(github.com/cBioPortal/oncotree ``trees/tsv/oncotree_2026_05_21.txt`` at commit bbb84053; CC BY 4.0),
one tumour type a line, ``CODE|Name|MainType|PARENT``, as /work/pinned/oncotree/README describes it,
compressed unchanged. tests/test_reference_sources.py compares reference/oncology/tumor_types.tsv
with it.

Usage::

    python tools/pin_oncotree_oracle.py [--pinned FILE] [--out tests/data/oncotree_oracle.txt.gz]
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pinned", type=Path, default=Path("/work/pinned/oncotree/oncotree_2026_05_21.cols.txt"))
    parser.add_argument("--out", type=Path, default=here / "tests" / "data" / "oncotree_oracle.txt.gz")
    args = parser.parse_args(argv)
    data = args.pinned.read_bytes()
    write_atomic(args.out, gzip.compress(data, mtime=0))
    print(f"{args.out}: {len(data.splitlines())} tumour types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
