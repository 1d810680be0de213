#!/usr/bin/env python3
"""Write the VCF specification test oracle: the reserved INFO and FORMAT keys, read from its LaTeX.

``tests/data/vcf_spec_oracle.json`` holds, per specification version (4.3, 4.4, 4.5) and section,
each reserved key with its Number and Type, read from the tables labelled ``table:reserved-info``
and ``table:reserved-genotypes`` of ``VCFv<version>.tex`` in samtools/hts-specs at ``COMMIT``.
tests/test_reference_sources.py compares reference/vcf/reserved_keys.tsv with it. This script
shares no code with tools/build_vcf_reserved.py on purpose: it splits each table line on ``&``
instead of matching a pattern.

Usage::

    python tools/pin_vcf_spec_oracle.py [--hts-specs GIT_DIR] [--out tests/data/vcf_spec_oracle.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

COMMIT = "c101c79"
VERSIONS = ("4.3", "4.4", "4.5")
SECTIONS = {"table:reserved-info": "INFO", "table:reserved-genotypes": "FORMAT"}


def reserved(tex: str) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for label, section in SECTIONS.items():
        start = tex.index("\\label{" + label + "}")
        body = tex[start: tex.index("\\end{longtable}", start)]
        keys: dict[str, list[str]] = {}
        for line in body.splitlines():
            cells = [c.strip() for c in line.split("&")]
            if len(cells) < 4 or not cells[0] or "\\" in cells[0] or "[" in cells[0]:
                continue  # not a row, or a key written as a pattern
            keys[cells[0]] = [cells[1], cells[2]]
        out[section] = keys
    return out


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hts-specs", type=Path, default=Path("/work/.mirror/samtools+hts-specs/repo"))
    parser.add_argument("--out", type=Path, default=here / "tests" / "data" / "vcf_spec_oracle.json")
    args = parser.parse_args(argv)
    oracle = {"source": "samtools/hts-specs VCFv<version>.tex, tables of reserved INFO and genotype keys",
              "commit": COMMIT, "versions": {}}
    for version in VERSIONS:
        tex = subprocess.run(["git", "--git-dir", str(args.hts_specs), "show", f"{COMMIT}:VCFv{version}.tex"],
                             check=True, capture_output=True, text=True).stdout
        oracle["versions"][version] = reserved(tex)
    write_atomic(args.out, json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    print(f"{args.out}: " + ", ".join(f"{v}: {sum(map(len, s.values()))} keys" for v, s in oracle["versions"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
