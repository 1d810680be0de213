"""CYP2D6 from reads on public BAMs of other tools' test folders (never committed; read from their git).

Run: ``PYTHONPATH=. python benchmarks/bench_cyp2d6_real.py --pangu-git DIR [--cyrius-git DIR]``

The files (licences differ, so they are read from local clones, not shipped):

- PacificBiosciences/pangu ``demo_data/*.GRCh38.bam`` (BSD-3-Clause-Clear), commit 966a06e: HiFi reads
  of HG00438 and NA20129 ("wgs", region extracts) and HG002 and HG01190 (target capture). Pangu's own
  demo report calls NA20129 ``*4x2/*5`` (copy number 3); its log shows 15 s from "Processing" to
  "Diplotype called" for that file (README and demo_data/example/NA20129_caller.log), the only
  documented per-sample time of a CYP2D6-from-reads tool we found.
- Illumina/Cyrius ``caller/tests/test_data/{HG00611,NA23275}.bam`` (PolyForm Strict 1.0.0: used here,
  not redistributed): Illumina 150 bp reads, GRCh37 (``22``), extracted over 22:42,514,851-42,548,148.

None of these files is what pgx's read-depth model is for (short-read WGS with the control region
or ``controls=`` present): the Illumina files stop 3.7 kb into the in-locus control region, the
capture files cover exons, and the HiFi extracts hold reads chosen for overlapping CYP2D6, so their
depth relative to the control region is biased. The check is that no file gets a call the data
cannot support: each is Indeterminate with its reason, or called with the file's own tool's call
among the depth-equivalent ties. Each file is
also timed (median of ``--repeats``). Results go to ``results/cyp2d6_real.json``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import write_result  # noqa: E402

PANGU = ("966a06e722f18b8599d210dc93e25c1293aa03ed",
         [f"demo_data/{n}.GRCh38.bam" for n in ("HG00438_wgs", "NA20129_wgs", "HG002_target_capture",
                                                "HG01190_target_capture")])
CYRIUS = ("HEAD", ["caller/tests/test_data/HG00611.bam", "caller/tests/test_data/NA23275.bam"])
#: what the file's own tool reports, where its repository says (not a consensus truth)
THEIR_CALL = {"NA20129_wgs.GRCh38.bam": "*4x2/*5 (Pangu demo report)"}


def _extract(git: Path, commit: str, paths: list[str], folder: Path) -> list[Path]:
    out = []
    for path in paths:
        for suffix in ("", ".bai"):
            blob = subprocess.run(["git", "-C", str(git), "show", f"{commit}:{path}{suffix}"], check=True,
                                  capture_output=True).stdout
            (folder / (Path(path).name + suffix)).write_bytes(blob)
        out.append(folder / Path(path).name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pangu-git", type=Path, required=True)
    parser.add_argument("--cyrius-git", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "cyp2d6_real.json"))
    args = parser.parse_args()
    import pgx

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = _extract(args.pangu_git, PANGU[0], PANGU[1], Path(tmp))
        if args.cyrius_git:
            files += _extract(args.cyrius_git, CYRIUS[0], CYRIUS[1], Path(tmp))
        pgx.call_alignments(files[0])  # warm-up: imports, locus model
        for path in files:
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                row = pgx.call_alignments(path).row(0, named=True)
                times.append(time.perf_counter() - t0)
            rows.append({"file": path.name, "diplotype": row["diplotype"], "alternatives": row["alternatives"],
                         "phenotype": row["phenotype"],
                         "copy_number": row["copy_number"], "reason": row["warnings"][0],
                         "call_quality": row["call_quality"], "their_call": THEIR_CALL.get(path.name),
                         "seconds_median": statistics.median(times)})
            print(f"{path.name}: {row['diplotype'] or 'not called'} ({row['phenotype']}); {row['warnings'][0]}; "
                  f"median {statistics.median(times):.2f} s", flush=True)
    confident = [r["file"] for r in rows if r["diplotype"] is not None]
    result = {"files": rows, "called": confident,
              "peer_documented": {"tool": "Pangu 0.2.x (HiFi)", "file": "NA20129_wgs.GRCh38.bam",
                                  "seconds_to_diplotype": 15.0, "source": "demo_data/example/NA20129_caller.log"}}
    write_result(Path(args.out), result)
    print(f"{len(rows)} files, {len(confident)} called: {confident}")


if __name__ == "__main__":
    main()
