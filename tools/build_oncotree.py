"""Write reference/oncology/tumor_types.tsv from a pinned copy of an OncoTree release.

Source: OncoTree (Memorial Sloan Kettering Cancer Center), release ``oncotree_2026_05_21``, the file
``trees/tsv/oncotree_2026_05_21.txt`` of github.com/cBioPortal/oncotree at commit
bbb84053527282e264a9193e53c87754bd269129, licensed CC BY 4.0 (the repository README's 'License'
section). The pinned copy keeps four of its columns, '|'-separated, one tumour type a line::

    CODE|Name|MainType|PARENT

(``/work/pinned/oncotree/oncotree_2026_05_21.cols.txt``; its README says how it was made). This
script checks the tree (unique codes, every parent a code, one root, no cycle) and writes every
type, in the source's order, with one change of pgx's own: a grouping ``SOLID`` (any solid tumour)
sits between OncoTree's root ``TISSUE`` and every tissue except ``HEMATOPOIETIC``, because FDA
tumour-agnostic indications are written for solid tumours. The synonyms that map common names
(NSCLC, CRC, breast cancer, ...) to these codes are pgx's own table, ``tumor_type_synonyms.tsv``,
checked against this one when loaded.

Run from the repository root::

    python tools/build_oncotree.py [--pinned PATH]
    python tools/build_reference.py --manifest-only
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RELEASE = "oncotree_2026_05_21"
COMMIT = "bbb84053527282e264a9193e53c87754bd269129"
PINNED = Path(f"/work/pinned/oncotree/{RELEASE}.cols.txt")
RETRIEVED = "2026-12-06"
SOLID = ("SOLID", "Any Solid Tumor", "-", "pgx grouping")
HEADER = [
    "# Tumour-type vocabulary: every OncoTree tumour type (code, name, main type, parent), for",
    "#   reference/oncology/biomarkers.tsv, germline_toxicity.tsv and the tumor_type argument of pgx.oncology.",
    "#   A biomarker row for a code applies to that code and everything below it (NSCLC covers LUAD, LUSC).",
    "#   pgx adds one grouping, SOLID (any solid tumour), between OncoTree's root TISSUE and every tissue",
    "#   except HEMATOPOIETIC; everything else is OncoTree's tree as released.",
    f"# source: OncoTree (Memorial Sloan Kettering Cancer Center), github.com/cBioPortal/oncotree "
    f"trees/tsv/{RELEASE}.txt",
    f"# source_version: {RELEASE} (commit {COMMIT})",
    f"# retrieved: {RETRIEVED}",
    "# licence: OncoTree CC BY 4.0 (attribution: OncoTree, MSKCC, oncotree.mskcc.org; Kundra et al., "
    "JCO Clin Cancer Inform 2021;5:221); pgx's SOLID grouping CC0-1.0",
    "# built by: tools/build_oncotree.py from a pinned column subset of the release file",
    "# kind: OncoTree (a tumour type), OncoTree tissue (a child of TISSUE), OncoTree root, pgx grouping",
]
COLUMNS = ["code", "name", "main_type", "parent", "kind"]


def read_pinned(path: Path) -> list[tuple[str, str, str, str]]:
    """The pinned rows as (code, name, main_type, parent); checks the tree."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != 4 or not cells[0] or not cells[1]:
            raise SystemExit(f"{path}, line {n}: expected CODE|Name|MainType|PARENT, found {line!r}")
        rows.append((cells[0], " ".join(cells[1].split()), cells[2], cells[3]))
    codes = [row[0] for row in rows]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{path}: duplicate codes {sorted({c for c in codes if codes.count(c) > 1})}")
    known = set(codes)
    roots = [row[0] for row in rows if not row[3]]
    if roots != ["TISSUE"]:
        raise SystemExit(f"{path}: expected the one root TISSUE, found {roots}")
    for code, _, _, parent in rows:
        if parent and parent not in known:
            raise SystemExit(f"{path}: {code}'s parent {parent} is not a code")
    parents = {row[0]: row[3] for row in rows}
    for code in codes:
        seen, current = set(), code
        while current:
            if current in seen:
                raise SystemExit(f"{path}: the parent chain of {code} loops")
            seen.add(current)
            current = parents[current]
    return rows


def table(rows: list[tuple[str, str, str, str]]) -> list[list[str]]:
    """The rows of tumor_types.tsv: the SOLID grouping inserted under TISSUE."""
    out = [[SOLID[0], SOLID[1], SOLID[2], "TISSUE", SOLID[3]]]
    for code, name, main_type, parent in rows:
        if not parent:
            kind, parent = "OncoTree root", "-"
        elif parent == "TISSUE":
            kind = "OncoTree tissue"
            parent = "TISSUE" if code == "HEMATOPOIETIC" else "SOLID"
        else:
            kind = "OncoTree"
        out.append([code, name, main_type or "-", parent, kind])
    return out


def write(path: Path, rows: list[list[str]]) -> None:
    text = "\n".join(HEADER) + "\n" + "\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    write_atomic(path, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pinned", type=Path, default=PINNED)
    parser.add_argument("--out", type=Path, default=ROOT / "reference" / "oncology" / "tumor_types.tsv")
    args = parser.parse_args(argv)
    rows = table(read_pinned(args.pinned))
    write(args.out, rows)
    print(f"wrote {len(rows)} tumour types to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
