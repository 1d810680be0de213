"""Pharmacogene genotypes with a known truth, written as real VCF.

Records are built from the curated definitions (as PharmCAT's tests build VCFs from
rsIDs): one record per definition (position, REF), SNV records with the genome's base as
REF, so what is written is what a variant caller would write.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from pgx import reference
from pgx.calling import callable_genes, gene_model

__all__ = ["GeneRecord", "gene_records", "diplotype_vcf", "simulate_pgx_vcf"]

_CHROM_ORDER = {f"chr{i}": i for i in range(1, 23)} | {"chrX": 23, "chrY": 24, "chrM": 25}
_HAPLOID = {"MT-RNR1"}


@dataclass(frozen=True)
class GeneRecord:
    """One VCF record of a gene's definition positions.

    Attributes
    ----------
    chrom, pos, ref, alts
        The record (``pos`` 1-based).
    allele_index : dict of str to int
        For every named allele, the index (0 = REF) of the allele it carries here.
    """

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    allele_index: dict


def gene_records(gene: str, *, genome_build: str = "GRCh38") -> list[GeneRecord]:
    """The VCF records that encode every named allele of ``gene``.

    Parameters
    ----------
    gene : str
    genome_build : {"GRCh38", "GRCh37"}

    Returns
    -------
    list of GeneRecord

    Examples
    --------
    >>> recs = gene_records("CYP2C19")
    >>> rec = next(r for r in recs if r.pos == 94781859)
    >>> rec.ref, rec.alts, rec.allele_index["*2"], rec.allele_index["*38"]
    ('G', ('A',), 1, 0)
    """
    chrom = reference.gene_info(gene)["chrom"]
    positions = reference.positions(gene, genome_build=genome_build)
    variants: dict[str, set[tuple[int, str, str]]] = {}
    for allele, pos, r, alt in reference.allele_definitions(gene, genome_build=genome_build).select(
        "allele", "pos", "ref", "alt"
    ).iter_rows():
        variants.setdefault(allele, set()).add((pos, r, alt))
    names = list(reference.allele_table(gene)["allele"])
    records = []
    for pos, r, alts, genome_ref in positions.select("pos", "ref", "alt", "genome_ref").iter_rows():
        alt_list = alts.split(",")
        snv = len(r) == 1 and all(len(a) == 1 for a in alt_list)
        if snv:
            vcf_ref = genome_ref or r
            vcf_alts = tuple(b for b in dict.fromkeys([r, *alt_list]) if b != vcf_ref)
            index = {vcf_ref: 0, **{b: k for k, b in enumerate(vcf_alts, start=1)}}
        else:
            vcf_ref, vcf_alts = r, tuple(alt_list)
            index = {a: k for k, a in enumerate(vcf_alts, start=1)}
        per_allele = {}
        for name in names:
            carried = [alt for p, rr, alt in variants.get(name, ()) if p == pos and rr == r and alt in index]
            per_allele[name] = index[carried[0]] if carried else (index[r] if snv else 0)
        records.append(GeneRecord(chrom, int(pos), vcf_ref, vcf_alts, per_allele))
    return records


def _header(chroms: Sequence[str], genome_build: str, samples: Sequence[str]) -> str:
    lengths = reference.contig_lengths(genome_build)
    lines = ["##fileformat=VCFv4.2", f"##reference={genome_build}", "##source=pgx.simulate"]
    lines += [f"##contig=<ID={c},length={lengths[c]},assembly={genome_build}>" for c in chroms]
    lines += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples])]
    return "\n".join(lines) + "\n"


def _gt_text(first: np.ndarray, second: np.ndarray | None, sep: str) -> np.ndarray:
    a = first.astype(str)
    if second is None:
        return a
    return np.char.add(np.char.add(a, sep), second.astype(str))


def diplotype_vcf(gene: str, samples: Sequence[tuple[str, str, str | None]], *, phased: bool = False,
                  genome_build: str = "GRCh38") -> str:
    """VCF text of one gene with one sample per (name, allele 1, allele 2).

    Parameters
    ----------
    gene : str
    samples : sequence of (str, str, str or None)
        Sample name and its two named alleles; a None second allele writes a haploid call.
    phased : bool, default False
        Write ``|`` (allele 1 on the first haplotype) instead of ``/``.
    genome_build : {"GRCh38", "GRCh37"}

    Returns
    -------
    str

    Examples
    --------
    >>> text = diplotype_vcf("CYP2C19", [("S1", "*2", "*17")])
    >>> [ln.split("\\t")[9] for ln in text.splitlines() if "\\t94781859\\t" in ln]
    ['1/0']
    """
    records = gene_records(gene, genome_build=genome_build)
    sep = "|" if phased else "/"
    out = [_header([records[0].chrom], genome_build, [s[0] for s in samples])]
    for rec in records:
        calls = []
        for _, a1, a2 in samples:
            h1 = rec.allele_index[a1]
            calls.append(str(h1) if a2 is None else f"{h1}{sep}{rec.allele_index[a2]}")
        out.append("\t".join([rec.chrom, str(rec.pos), ".", rec.ref, ",".join(rec.alts) or ".", ".", "PASS", ".",
                              "GT", *calls]) + "\n")
    return "".join(out)


def simulate_pgx_vcf(
    path: str | os.PathLike[str],
    *,
    n_samples: int,
    genes: Sequence[str] | None = None,
    genome_build: str = "GRCh38",
    reference_weight: float = 0.6,
    phased: bool = False,
    seed: int = 0,
) -> pl.DataFrame:
    """Write a multi-sample VCF of every pharmacogene position with random diplotypes.

    Each haplotype is the gene's reference allele with probability
    ``reference_weight`` and otherwise a named allele chosen uniformly. These are
    synthetic draws for testing and benchmarking, not population frequencies.

    Parameters
    ----------
    path : path
        The VCF to write (plain text; written to a temporary name, then renamed).
    n_samples : int
    genes : sequence of str, optional
        Default: every gene with definition positions.
    genome_build : {"GRCh38", "GRCh37"}
    reference_weight : float, default 0.6
    phased : bool, default False
    seed : int, default 0

    Returns
    -------
    polars.DataFrame
        The truth: sample_id, gene, allele_1, allele_2.

    Examples
    --------
    >>> import tempfile, pathlib, pgx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cohort.vcf"
    >>> truth = simulate_pgx_vcf(path, n_samples=5, genes=["TPMT"], phased=True)
    >>> truth.columns
    ['sample_id', 'gene', 'allele_1', 'allele_2']
    >>> calls = pgx.call(str(path), genes=["TPMT"])
    >>> calls.height, calls["diplotype"].null_count()
    (5, 0)
    """
    rng = np.random.default_rng(seed)
    chosen = list(genes) if genes is not None else callable_genes()
    samples = [f"SIM{k:06d}" for k in range(n_samples)]
    truth = {"sample_id": [], "gene": [], "allele_1": [], "allele_2": []}
    blocks: list[tuple[int, int, str]] = []
    sep = "|" if phased else "/"
    for gene in chosen:
        names = list(gene_model(gene, genome_build).alleles.names)
        ploidy = 1 if gene in _HAPLOID else 2
        pick = rng.integers(1, len(names), size=(n_samples, ploidy)) if len(names) > 1 else np.zeros(
            (n_samples, ploidy), dtype=int)
        haps = np.where(rng.random((n_samples, ploidy)) < reference_weight, 0, pick)
        truth["sample_id"] += samples
        truth["gene"] += [gene] * n_samples
        truth["allele_1"] += [names[i] for i in haps[:, 0]]
        truth["allele_2"] += [names[i] for i in haps[:, 1]] if ploidy == 2 else [None] * n_samples
        for rec in gene_records(gene, genome_build=genome_build):
            table = np.array([rec.allele_index[n] for n in names])
            gts = _gt_text(table[haps[:, 0]], table[haps[:, 1]] if ploidy == 2 else None, sep)
            line = "\t".join([rec.chrom, str(rec.pos), ".", rec.ref, ",".join(rec.alts) or ".", ".", "PASS",
                              ".", "GT", *gts.tolist()])
            blocks.append((_CHROM_ORDER.get(rec.chrom, 99), rec.pos, line))
    blocks.sort(key=lambda b: (b[0], b[1]))
    chroms = sorted({b[2].split("\t", 1)[0] for b in blocks}, key=lambda c: _CHROM_ORDER.get(c, 99))
    target = os.fspath(path)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(_header(chroms, genome_build, samples))
        for _, _, line in blocks:
            handle.write(line + "\n")
    os.replace(tmp, target)
    return pl.DataFrame(truth, schema={"sample_id": pl.String, "gene": pl.String, "allele_1": pl.String,
                                       "allele_2": pl.String})
