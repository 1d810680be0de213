"""VCFs of named-allele diplotypes written from CPIC's definitions (the test oracle), not from pgx's tables.

Each sample of a generated VCF carries one diplotype (allele A on the first haplotype, B on
the second); a haplotype takes the allele's value at every position it specifies and the
reference allele's value elsewhere (CPIC: a blank cell is the reference). Wobble positions
(IUPAC codes: either base) are written one way or the other at random, so both ways occur
across samples. Used by tests/test_calling_cpic.py (sampled pairs) and
benchmarks/bench_cpic_exhaustive.py (every pair).
"""

from __future__ import annotations

import gzip
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ORACLE_PATH = Path(__file__).parent / "data" / "cpic_oracle.json.gz"
IUPAC = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC"}


def _contig_lengths() -> dict[str, int]:
    """GRCh38 lengths from the shipped contig table (only the header line needs them)."""
    path = Path(__file__).parent.parent / "reference" / "genome" / "contigs.tsv"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if fields[0] == "GRCh38":
            out[fields[1]] = int(fields[2])
    return out


CONTIG_LENGTHS = _contig_lengths()


def load_oracle() -> dict:
    return json.loads(gzip.decompress(ORACLE_PATH.read_bytes()))


@dataclass
class DiplotypeSet:
    gene: str
    vcf_text: str
    pairs: list[tuple[str, str]]


def matchable_alleles(gene_data: dict) -> list[str]:
    return [a for a, v in gene_data["alleles"].items() if v["vcf"] or v["reference"]]


def all_pairs(gene_data: dict) -> list[tuple[str, str]]:
    names = matchable_alleles(gene_data)
    return list(itertools.combinations_with_replacement(names, 2))


def sample_pairs(gene_data: dict, n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    pairs = all_pairs(gene_data)
    if len(pairs) <= n:
        return pairs
    keep = rng.choice(len(pairs), size=n, replace=False)
    return [pairs[k] for k in sorted(keep)]


def _haplotype(gene_data: dict, allele: str, positions: list[str], rng: np.random.Generator) -> list[str]:
    ref_name = next(a for a, v in gene_data["alleles"].items() if v["reference"])
    ref_vals = gene_data["alleles"][ref_name]["vcf"]
    spec = gene_data["alleles"][allele]["vcf"]
    out = []
    for p in positions:
        value = spec.get(p, ref_vals[p])
        if value in IUPAC:
            choices = [b for b in [gene_data["positions"][p]["ref"], *gene_data["positions"][p]["alts"]]
                       if b in IUPAC[value]]
            value = choices[int(rng.integers(len(choices)))]
        out.append(value)
    return out


def _droppable(gene_data: dict, a: str, b: str, positions: list[str], rng: np.random.Generator) -> int:
    """A position neither allele defines by a non-reference base (-1 when there is none)."""
    ref_name = next(n for n, v in gene_data["alleles"].items() if v["reference"])
    ref_vals = gene_data["alleles"][ref_name]["vcf"]
    used = {p for name in (a, b) for p, v in gene_data["alleles"][name]["vcf"].items()
            if not gene_data["alleles"][name]["reference"] and v != ref_vals[p]}
    free = [k for k, p in enumerate(positions) if p not in used]
    return int(free[int(rng.integers(len(free)))]) if free and len(positions) > 1 else -1


def diplotype_vcf(gene: str, gene_data: dict, pairs: list[tuple[str, str]], *, phased: bool,
                  rng: np.random.Generator, drop_one: bool = False) -> DiplotypeSet:
    """A multi-sample VCF, one sample per pair, every definition position written.

    ``drop_one`` leaves one position uncalled (``./.``) per sample, chosen at random among those
    neither allele defines by a variant base (an allele whose defining position is absent
    cannot be told from the reference, as in PharmCAT).
    """
    positions = sorted(gene_data["positions"], key=int)
    chrom = gene_data["chromosome"]
    haps = [(_haplotype(gene_data, a, positions, rng), _haplotype(gene_data, b, positions, rng)) for a, b in pairs]
    dropped = [_droppable(gene_data, a, b, positions, rng) for a, b in pairs] if drop_one else None
    sep = "|" if phased else "/"
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={chrom},length={CONTIG_LENGTHS[chrom]}>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
                       + [f"S{k}" for k in range(len(pairs))])]
    for k, p in enumerate(positions):
        info = gene_data["positions"][p]
        alleles = [info["ref"], *info["alts"]]
        index = {a: i for i, a in enumerate(alleles)}
        cells = []
        for s, (h1, h2) in enumerate(haps):
            if dropped is not None and dropped[s] == k:
                cells.append("./.")
            else:
                cells.append(f"{index[h1[k]]}{sep}{index[h2[k]]}")
        lines.append("\t".join([chrom, p, info["rsid"] or ".", info["ref"], ",".join(info["alts"]) or ".",
                                ".", "PASS", ".", "GT", *cells]))
    return DiplotypeSet(gene, "\n".join(lines) + "\n", pairs)


def found(calls, pairs: list[tuple[str, str]], *, mode: str) -> list[bool]:
    """Per sample, whether the intended diplotype was found.

    ``mode``: ``"exact"`` (phased: it is the call), ``"tie"`` (unphased: the call, or tied with
    it for the top score with the ``ambiguous`` warning set), ``"ambiguous"`` (unphased: the
    call, or any alternative with the ``ambiguous`` warning set: PharmCAT's score prefers the
    reference-heavy reading, e.g. NAT2 *1/*36 over *6/*44 when *36 = *6 + *44) or
    ``"consistent"`` (a position missing: the call or any alternative).
    """
    by_sample = {r["sample_id"]: r for r in calls.to_dicts()}
    out = []
    for k, (a, b) in enumerate(pairs):
        r = by_sample[f"S{k}"]
        want = tuple(sorted((a, b)))
        call = tuple(sorted(r["diplotype"].split("/"))) if r["diplotype"] else None
        alternatives = [tuple(sorted(d.split("/"))) for d in r["alternatives"]]
        if mode == "exact":
            ok = call == want
        elif mode == "tie":
            ok = call == want or (want in alternatives[: max(r["n_top"] - 1, 0)] and "ambiguous" in r["warnings"])
        elif mode == "ambiguous":
            ok = call == want or (want in alternatives and "ambiguous" in r["warnings"])
        else:
            ok = call == want or want in alternatives
        out.append(ok)
    return out
