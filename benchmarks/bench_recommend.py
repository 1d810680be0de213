"""Guidance speed: ``pgx.recommend`` for 1,000 patients x every drug of every source (CPIC, DPWG, FDA).

Run: ``python benchmarks/bench_recommend.py [--samples 1000] [--repeats 5]``

The calls come from a simulated cohort VCF (``pgx.simulate.simulate_pgx_vcf``, random diplotypes of
every pharmacogene; HLA-B as outside calls drawn from a few typed alleles) called by ``pgx.call``;
only ``recommend`` is timed. Also times one source at a time, so the cost of adding DPWG and FDA
shows side by side. Goal (issue 17): under 1 s for 1,000 patients x all drugs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
RESULTS = HERE / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import polars as pl

    import pgx
    from pgx.recommend import guidelines, recommend
    from pgx.simulate import simulate_pgx_vcf

    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    vcf = DATA / f"pgx_cohort_{args.samples}.vcf"
    if not vcf.exists():
        simulate_pgx_vcf(vcf, n_samples=args.samples, seed=args.samples)
    rng = random.Random(17)
    alleles = ["*15:02", "*57:01", "*58:01", "*07:02", "*08:01", "*44:02", "*35:01"]
    ids = pgx.read_vcf(vcf).sample_ids if hasattr(pgx, "read_vcf") else None
    calls = pgx.call(vcf)
    samples = calls["sample_id"].unique(maintain_order=True).to_list() if ids is None else list(ids)
    hla = pl.DataFrame({"sample_id": samples, "gene": ["HLA-B"] * len(samples),
                        "diplotype": [f"{rng.choice(alleles)}/{rng.choice(alleles)}" for _ in samples],
                        "phenotype": [None] * len(samples)})
    calls = pl.concat([calls.filter(pl.col("gene") != "HLA-B"), hla], how="diagonal_relaxed")
    table = guidelines()
    n_drugs = table["drug"].n_unique()
    results = {}
    for label, sources in (("CPIC", ("CPIC",)), ("DPWG", ("DPWG",)), ("FDA", ("FDA",)),
                           ("CPIC+DPWG+FDA", ("CPIC", "DPWG", "FDA"))):
        recommend(calls, sources=sources)  # warm the table caches
        times, cpu, rows = [], [], 0
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            out = recommend(calls, sources=sources)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            rows = out.height
        results[label] = {"median_s": statistics.median(times), "runs_s": times, "rows": rows,
                          "median_cpu_s": statistics.median(cpu), "min_s": min(times),
                          "drugs": table.filter(pl.col("source").is_in(sources))["drug"].n_unique()}
    print(f"pgx.recommend, {len(samples)} patients, {n_drugs} drugs over all sources "
          f"(median of {args.repeats}; recommend only, calls made beforehand; "
          "the machine is shared, so CPU time is shown beside wall time)")
    print("| sources | drugs | output rows | median s (wall) | best s | median CPU s | patients x drugs per s |")
    print("|---|---|---|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label} | {r['drugs']} | {r['rows']:,} | {r['median_s']:.3f} | {r['min_s']:.3f} | "
              f"{r['median_cpu_s']:.3f} | {len(samples) * r['drugs'] / r['median_s']:,.0f} |")
    all_three = results["CPIC+DPWG+FDA"]["median_s"]
    print(f"ratio all three / CPIC alone: {all_three / results['CPIC']['median_s']:.2f}x; "
          f"goal < 1 s: {'met' if all_three < 1 else 'NOT met'} ({all_three:.3f} s)")
    (RESULTS / "recommend.json").write_text(json.dumps({
        "samples": len(samples), "drugs": n_drugs, "results": results, "date": time.strftime("%Y-%m-%d"),
        "pgx": pgx.__version__}, indent=2))


if __name__ == "__main__":
    main()
