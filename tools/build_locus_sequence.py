"""Build ``reference/structural/CYP2D6_sequence.tsv``: the GRCh38 sequence of the CYP2D locus.

The GRC assembly is public, but no copy of it is reachable from the build machine. The
sequence is therefore read back from reads aligned to GRCh38 with an extended CIGAR: where a
read has an ``=`` operation (read base equals reference base) the aligner has told us the
reference base. The reads are the four GRCh38 demo BAMs of PacificBiosciences/pangu
(pbmm2 alignments of HiFi reads over chr22; BSD-3-Clause-Clear licence; only the reference
bases they imply are kept, no read). A position is written only when at least one read says
``=`` there and no two reads disagree; a position no read confirms is written ``N``.

The builder then checks the sequence against facts from other sources and stops if any fails:

* every CYP2D6 definition position (GRCh38, CPIC via ``reference/pharmacogenes/CYP2D6``) has
  the definition's reference allele;
* the sequence is as long as the window and has at most ``--max-unknown`` ``N`` bases.

Usage::

    python tools/build_locus_sequence.py --pangu-git /work/.mirror/PacificBiosciences+pangu/repo
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pysam

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

PANGU_COMMIT = "966a06e722f18b8599d210dc93e25c1293aa03ed"
BAMS = ("HG002_target_capture.GRCh38.bam", "HG00438_wgs.GRCh38.bam", "HG01190_target_capture.GRCh38.bam",
        "NA20129_wgs.GRCh38.bam")
#: chr22 window, 0-based half-open: the locus of reference/structural/CYP2D6_locus.tsv
#: (42,116,497-42,155,810) with about 15 kb either side for reads that hang over its ends
WINDOW = ("chr22", 42_100_000, 42_170_000)
RETRIEVED = "2026-12-07"
_CODE = {c: k for k, c in enumerate("ACGT")}


def confirmed_bases(bam_paths: list[Path], window: tuple[str, int, int]) -> np.ndarray:
    """Per window position and base (A, C, G, T), how many reads confirm it with ``=``."""
    chrom, lo, hi = window
    counts = np.zeros((hi - lo, 4), dtype=np.int64)
    for path in bam_paths:
        with pysam.AlignmentFile(str(path)) as bam:
            for read in bam.fetch(chrom, lo, hi):
                if read.is_unmapped or read.query_sequence is None:
                    continue
                seq = read.query_sequence
                rpos, qpos = read.reference_start, 0
                for op, length in read.cigartuples:
                    if op == 7:  # '=': read base is the reference base
                        for k in range(max(rpos, lo) - rpos, min(rpos + length, hi) - rpos):
                            base = _CODE.get(seq[qpos + k])
                            if base is not None:
                                counts[rpos + k - lo, base] += 1
                    if op in (0, 7, 8):
                        rpos += length
                        qpos += length
                    elif op in (1, 4):
                        qpos += length
                    elif op in (2, 3):
                        rpos += length
                    if op == 0:
                        raise SystemExit(f"{path}: read {read.query_name} has an M operation; "
                                         "expected =/X CIGARs (pbmm2)")
    return counts


def sequence_from_counts(counts: np.ndarray) -> str:
    """The confirmed base per position, ``N`` where none or two differ."""
    seen = counts > 0
    out = np.full(len(counts), ord("N"), dtype=np.uint8)
    one = seen.sum(axis=1) == 1
    out[one] = np.frombuffer(b"ACGT", dtype=np.uint8)[counts[one].argmax(axis=1)]
    return out.tobytes().decode()


def check_definitions(sequence: str, window: tuple[str, int, int], definitions: Path) -> int:
    """Every GRCh38 definition position's reference allele; returns how many were checked."""
    chrom, lo, hi = window
    checked, bad = 0, []
    with open(definitions, encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            pos, ref = int(row["pos_grch38"]), row["ref"]
            if row["chrom"] != chrom or not lo < pos <= hi - len(ref):
                continue
            have = sequence[pos - 1 - lo:pos - 1 - lo + len(ref)]
            checked += 1
            if have != ref:
                bad.append(f"{chrom}:{pos} {row['allele']} ref {ref}, sequence {have}")
    if bad:
        raise SystemExit("sequence disagrees with the CPIC definitions:\n  " + "\n  ".join(sorted(set(bad))))
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pangu-git", required=True, type=Path,
                        help="a git directory of github.com/PacificBiosciences/pangu holding commit " + PANGU_COMMIT)
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "reference", type=Path)
    parser.add_argument("--max-unknown", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name in BAMS:
            for suffix in ("", ".bai"):
                blob = subprocess.run(["git", "-C", str(args.pangu_git), "show", f"{PANGU_COMMIT}:demo_data/{name}{suffix}"],
                                      check=True, capture_output=True).stdout
                Path(tmp, name + suffix).write_bytes(blob)
            paths.append(Path(tmp, name))
        counts = confirmed_bases(paths, WINDOW)
    sequence = sequence_from_counts(counts)
    chrom, lo, hi = WINDOW
    unknown = [lo + 1 + k for k, c in enumerate(sequence) if c == "N"]
    if len(sequence) != hi - lo or len(unknown) > args.max_unknown:
        raise SystemExit(f"{len(unknown)} positions unconfirmed (at most {args.max_unknown} allowed)")
    checked = check_definitions(sequence, WINDOW, args.out / "pharmacogenes" / "CYP2D6" / "definitions.tsv")
    digest = hashlib.sha256(sequence.encode()).hexdigest()
    depth = counts.sum(axis=1)
    header = [
        "# gene: CYP2D6",
        "# source: GRCh38 (GCF_000001405.40) chr22 bases as confirmed by '=' CIGAR operations of the pbmm2 alignments "
        f"in github.com/PacificBiosciences/pangu demo_data/{{{','.join(BAMS)}}} (reads not kept)",
        f"# source_version: pangu commit {PANGU_COMMIT}",
        f"# retrieved: {RETRIEVED}",
        "# licence: GRC assembly sequence, public (NCBI); pangu BSD-3-Clause-Clear (only reference bases implied "
        "by its alignments are used)",
        "# genome_build: GRCh38",
        "# built by: tools/build_locus_sequence.py",
        f"# confirmed reads per position: median {int(np.median(depth))}, minimum {int(depth.min())}; "
        f"unconfirmed positions written N (1-based): {', '.join(map(str, unknown)) or 'none'}",
        f"# checked: the reference allele of all {checked} CYP2D6 definition rows (CPIC, GRCh38) in the window",
        "# start0 is 0-based, end exclusive; sha256 is of the sequence text",
    ]
    text = "\n".join(header) + "\n" + "\t".join(["genome_build", "chrom", "start0", "end", "sha256", "sequence"]) + "\n"
    text += "\t".join(["GRCh38", chrom, str(lo), str(hi), digest, sequence]) + "\n"
    write_atomic(args.out / "structural" / "CYP2D6_sequence.tsv", text)
    print(f"wrote {hi - lo} bases ({len(unknown)} N), {checked} definition rows checked, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
