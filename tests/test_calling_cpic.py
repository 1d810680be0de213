"""Calling every kind of named-allele diplotype, with VCFs written from CPIC's definitions.

The VCFs come from the oracle (CPIC's data as PharmCAT redistributes it, see
tests/test_reference_cpic.py) through tests/cpicgen.py, never from pgx's own tables, so a
wrong position, allele or wobble in ``reference/`` makes these calls fail. Per gene a fixed
random sample of allele pairs (all pairs for small genes) is called phased (the call must be
the intended diplotype), unphased (the call, or one of the alternatives with the call flagged
ambiguous: where one allele's variants are the union of two others', e.g. NAT2 *36 = *6 + *44,
PharmCAT's score prefers *1/*36 to *6/*44, and pgx follows it; benchmarks/bench_cpic_exhaustive.py
also reports how often the intended diplotype is the call or tied with it) and with one
position's record missing per sample (the intended diplotype is among those that fit).
Every pair of every gene: benchmarks/bench_cpic_exhaustive.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import pgx
from pgx.calling import call_diplotypes

import cpicgen

ORACLE = cpicgen.load_oracle()
GENES = sorted(ORACLE["genes"])
PAIRS_PER_GENE = 300


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    rng = np.random.default_rng(20261206)
    out = {}
    folder = tmp_path_factory.mktemp("cpic")
    for gene in GENES:
        data = ORACLE["genes"][gene]
        pairs = cpicgen.sample_pairs(data, PAIRS_PER_GENE, rng)
        for mode, phased, drop in (("exact", True, False), ("ambiguous", False, False),
                                   ("consistent", False, True)):
            ds = cpicgen.diplotype_vcf(gene, data, pairs, phased=phased, rng=rng, drop_one=drop)
            path = folder / f"{gene}.{mode}.vcf"
            path.write_text(ds.vcf_text)
            out[(gene, mode)] = (str(path), pairs)
    return out


@pytest.mark.parametrize("mode", ["exact", "ambiguous", "consistent"])
@pytest.mark.parametrize("gene", GENES)
def test_cpic_diplotypes_are_called(cases, gene, mode):
    path, pairs = cases[(gene, mode)]
    calls = call_diplotypes(pgx.read_vcf(path), genes=[gene])
    ok = cpicgen.found(calls, pairs, mode=mode)
    missed = [pairs[k] for k, hit in enumerate(ok) if not hit]
    assert sum(ok) / len(ok) >= 0.995, f"{len(missed)} of {len(pairs)} missed, e.g. {missed[:5]}"


def test_the_sample_covers_wobbles_both_ways(cases):
    # CYP2C19 *2 carries rs58973490 as R (G or A): the generator writes both bases
    with open(cases[("CYP2C19", "exact")][0], encoding="utf-8") as handle:
        text = handle.read()
    line = next(ln for ln in text.splitlines() if ln.startswith("chr10\t94775507\t"))
    cells = set(line.split("\t")[9:])
    assert {"0|0"} < cells and any("1" in c for c in cells)


def test_a_moved_position_is_caught(tmp_path):
    """The generator does not read pgx's tables: moving CYP2C9 *2's position (rs1799853) by
    10 bp in a copy of them makes every *2 call fail."""
    import shutil

    from pgx.reference import reference_dir

    copy = tmp_path / "ref"
    shutil.copytree(reference_dir(), copy)
    for name in ("positions.tsv", "definitions.tsv"):
        path = copy / "pharmacogenes" / "CYP2C9" / name
        text = path.read_text(encoding="utf-8")
        assert "\t94942290\t" in text
        path.write_text(text.replace("\t94942290\t", "\t94942300\t"), encoding="utf-8")
    pairs = [("*1", "*2"), ("*2", "*2"), ("*2", "*3")]
    ds = cpicgen.diplotype_vcf("CYP2C9", ORACLE["genes"]["CYP2C9"], pairs, phased=True, rng=np.random.default_rng(0))
    vcf = tmp_path / "c.vcf"
    vcf.write_text(ds.vcf_text)
    shipped = call_diplotypes(pgx.read_vcf(str(vcf)), genes=["CYP2C9"])
    assert all(cpicgen.found(shipped, pairs, mode="exact"))
    moved = call_diplotypes(pgx.read_vcf(str(vcf)), genes=["CYP2C9"], reference_dir=str(copy))
    assert not any(cpicgen.found(moved, pairs, mode="exact"))


def test_cyp2d6_star4_carrier_in_a_variant_only_file_with_assume_reference(tmp_path):
    """A 1000 Genomes-style file lists only the sites where someone carries an ALT: a *1/*4
    carrier (every *4 variant CPIC lists, heterozygous; wobbles as the reference) is called
    *1/*4 with --assume-reference, not left unmatched."""
    data = ORACLE["genes"]["CYP2D6"]
    ref_vals = data["alleles"]["*1"]["vcf"]
    star4 = {p: v for p, v in data["alleles"]["*4"]["vcf"].items() if v not in cpicgen.IUPAC and v != ref_vals[p]}
    assert "42128945" in star4  # rs3892097, the splice variant (1847G>A)
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr22,length=50818468>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA00001"]
    for p in sorted(star4, key=int):
        info = data["positions"][p]
        lines.append(f"chr22\t{p}\t.\t{info['ref']}\t{star4[p]}\t.\tPASS\t.\tGT\t0/1")
    path = tmp_path / "variant_only.vcf"
    path.write_text("\n".join(lines) + "\n")
    row = pgx.call(str(path), genes=["CYP2D6"], assume_reference=True).row(0, named=True)
    assert row["diplotype"] == "*1/*4"
    assert row["phenotype"] == "Intermediate Metabolizer"
    # a VCF cannot show the *5 deletion or duplications: the call says so
    note = next(w for w in row["warnings"] if w.startswith("structural_alleles_not_assessed: "))
    assert "*5" in note.split(": ", 1)[1].split(", ")
