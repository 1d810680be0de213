"""CYP2D6 from reads with another aligner: the simulated reads realigned with BWA-MEM.

Run: ``PYTHONPATH=. python benchmarks/bench_cyp2d6_bwa.py [--draws 2] [--depth 30]`` (needs ``bwa`` on
the PATH, e.g. ``apt-get install bwa``; it is not a pgx dependency).

pgx's own simulated BAMs are aligned with minimap2. A user's files come from other aligners, which
give MAPQ 0, clip junction reads and place paralog reads by their own rules. This takes each
simulated BAM's read pairs, realigns them with ``bwa mem`` to the shipped GRCh38 locus sequence
(coordinates shifted back onto chr22), and calls them: for each of the 13 truth sets of
tests/test_cyp2d6_reads.py, ``--draws`` draws. Reported: calls made, Indeterminate, and calls whose
copy number or diplotype (truth among the ties) is wrong. Results go to ``results/cyp2d6_bwa.json``.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from _results import write_result  # noqa: E402

_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def _realign(src: str, dst: str, fasta: str, start0: int, length: int, folder: str) -> str:
    import pysam

    mates: dict[str, dict[int, str]] = collections.defaultdict(dict)
    for read in pysam.AlignmentFile(src):
        seq = read.query_sequence
        mates[read.query_name][1 if read.is_read1 else 2] = seq.translate(_COMPLEMENT)[::-1] if read.is_reverse else seq
    fq = [os.path.join(folder, "r1.fq"), os.path.join(folder, "r2.fq")]
    with open(fq[0], "w") as one, open(fq[1], "w") as two:
        for name, pair in mates.items():
            if 1 in pair and 2 in pair:
                one.write(f"@{name}\n{pair[1]}\n+\n{'I' * len(pair[1])}\n")
                two.write(f"@{name}\n{pair[2]}\n+\n{'I' * len(pair[2])}\n")
    sam = subprocess.run(["bwa", "mem", "-t", "1", "-R", "@RG\\tID:rg\\tSM:bwa", fasta, *fq], check=True,
                         capture_output=True, text=True).stdout
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr22", "LN": length}],
              "RG": [{"ID": "rg", "SM": "bwa"}]}
    unsorted = dst + ".unsorted.bam"
    with pysam.AlignmentFile(unsorted, "wb", header=header) as out:
        for line in sam.splitlines():
            if line.startswith("@"):
                continue
            f = line.split("\t")
            f[2] = "chr22" if f[2] == "locus" else f[2]
            f[6] = "chr22" if f[6] == "locus" else f[6]
            f[3] = str(int(f[3]) + start0) if f[3] != "0" else f[3]
            f[7] = str(int(f[7]) + start0) if f[7] != "0" else f[7]
            f = [x for x in f if not x.startswith(("SA:", "XA:"))]
            out.write(pysam.AlignedSegment.fromstring("\t".join(f), out.header))
    pysam.sort("-o", dst, unsorted)
    pysam.index(dst)
    os.remove(unsorted)
    return dst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=2)
    parser.add_argument("--depth", type=float, default=30.0)
    parser.add_argument("--out", default=str(HERE / "results" / "cyp2d6_bwa.json"))
    args = parser.parse_args()
    if shutil.which("bwa") is None:
        raise SystemExit("bwa is not on the PATH (apt-get install bwa)")
    import pgx
    from pgx.reference import contig_lengths, structural_sequence
    from pgx.simulate import simulate_cyp2d6_bam
    from test_cyp2d6_reads import TRUTH

    _, start0, seq = structural_sequence("CYP2D6")
    length = contig_lengths("GRCh38")["chr22"]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        fasta = os.path.join(folder, "locus.fa")
        Path(fasta).write_text(">locus\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
        subprocess.run(["bwa", "index", fasta], check=True, capture_output=True)
        for draw in range(args.draws):
            batch = []
            for k, (structures, alleles, *_) in enumerate(TRUTH):
                src = simulate_cyp2d6_bam(os.path.join(folder, f"m{draw}_{k}.bam"), structures, alleles=alleles,
                                          depth=args.depth, random_state=9000 + 100 * draw + k)
                batch.append(_realign(src, os.path.join(folder, f"b{draw}_{k}.bam"), fasta, start0, length, folder))
            for (_, _, truth, copies, _), row in zip(TRUTH, pgx.call_alignments(batch).iter_rows(named=True)):
                ok = row["diplotype"] is not None and row["copy_number"] == copies and truth in [
                    row["diplotype"], *row["alternatives"]]
                rows.append({"truth": truth, "draw": draw, "diplotype": row["diplotype"],
                             "alternatives": row["alternatives"][:5], "reason": row["warnings"][0],
                             "right": ok, "call_quality": row["call_quality"]})
    made = [r for r in rows if r["diplotype"] is not None]
    result = {"aligner": subprocess.run(["bwa"], capture_output=True, text=True).stderr.split("Version: ")[1].split()[0],
              "depth": args.depth, "samples": len(rows), "called": len(made),
              "indeterminate": len(rows) - len(made), "wrong": sum(not r["right"] for r in made), "rows": rows}
    write_result(Path(args.out), result)
    print(f"bwa mem {result['aligner']}: {len(rows)} samples, {len(made)} called, {result['indeterminate']} "
          f"Indeterminate, {result['wrong']} wrong")


if __name__ == "__main__":
    main()
