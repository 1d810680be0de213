"""Diplotypes of two named alleles, for every gene and both builds, written as VCF by
pgx.simulate from pgx's own tables (phased and unphased), must come back as that diplotype or
among the consistent alternatives: the simulator, the tables and the caller agree with each
other. Genes with more than MAX_PAIRS pairs are sampled (fixed seed); every pair, written from
CPIC's definitions rather than pgx's tables, is tests/test_calling_cpic.py's and
benchmarks/bench_cpic_exhaustive.py's job."""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np
import pytest

import pgx
from pgx.calling import allele_sort_key, callable_genes, gene_model
from pgxgen import diplotype_vcf

GENES = callable_genes()
HAPLOID = {"MT-RNR1"}
MAX_PAIRS = 1500


def _canonical(a: str, b: str | None) -> str:
    if b is None:
        return a
    return "/".join(sorted((a, b), key=allele_sort_key))


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
@pytest.mark.parametrize("phased", [True, False], ids=["phased", "unphased"])
@pytest.mark.parametrize("gene", GENES)
def test_every_diplotype_comes_back(tmp_path, gene, phased, build):
    model = gene_model(gene, build)
    names = model.alleles.names
    if gene in HAPLOID:
        wanted = [(a, None) for a in names]
    else:
        wanted = list(combinations_with_replacement(names, 2))
        if len(wanted) > MAX_PAIRS:
            keep = np.random.default_rng(20261206).choice(len(wanted), size=MAX_PAIRS, replace=False)
            wanted = [wanted[k] for k in sorted(keep)]
    samples = [(f"S{k}", a, b) for k, (a, b) in enumerate(wanted)]
    path = tmp_path / f"{gene}.vcf"
    path.write_text(diplotype_vcf(gene, samples, phased=phased, build=build))
    calls = pgx.call(str(path), genes=[gene], genome_build=build)
    assert calls.height == len(samples)
    missed = []
    for (name, a, b), row in zip(samples, calls.iter_rows(named=True)):
        assert row["sample_id"] == name
        expected = _canonical(a, b)
        if model.rule == "lowest_function":
            ok = row["diplotype"] == expected
        else:
            ok = row["diplotype"] == expected or expected in row["alternatives"]
        if not ok:
            missed.append((expected, row["diplotype"], row["alternatives"][:5]))
    assert not missed, f"{gene}: {len(missed)} of {len(samples)} diplotypes not recovered, e.g. {missed[:5]}"
