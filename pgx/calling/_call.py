"""Call star-allele diplotypes for every sample and gene of a CallSet."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from pgx import reference
from pgx.callset import CallSet
from pgx.calling._match import AlleleModel, Match, match_haploid, match_lowest_function, match_phased, match_unphased
from pgx.calling._model import GeneModel, gene_model
from pgx.encode import PAD, GeneGenotypes, encode_gene, region_rows
from pgx.exceptions import GenomeBuildError

__all__ = ["call_diplotypes", "DIPLOTYPE_SCHEMA", "callable_genes"]

DIPLOTYPE_SCHEMA = {
    "sample_id": pl.String,
    "gene": pl.String,
    "diplotype": pl.String,
    "haplotype_1": pl.String,
    "haplotype_2": pl.String,
    "alternatives": pl.List(pl.String),
    "missing_positions": pl.List(pl.String),
    "novel_positions": pl.List(pl.String),
    "phased": pl.Boolean,
    "warnings": pl.List(pl.String),
    "n_top": pl.Int32,
}


def callable_genes(*, reference_dir: str | None = None) -> list[str]:
    """Genes with definition positions (the others come only from outside calls)."""
    out = []
    for gene in reference.genes(reference_dir=reference_dir):
        if reference.positions(gene, genome_build="GRCh38", reference_dir=reference_dir).height:
            out.append(gene)
    return out


def _diplotype_text(pair: tuple[str, str]) -> str:
    return pair[0] if not pair[1] else f"{pair[0]}/{pair[1]}"


def _fallback_model(model: GeneModel, rsid: str) -> AlleleModel | None:
    """The alleles defined by the fallback rsID's position alone."""
    positions = [k for k, rs in enumerate(model.sites.rsids) if rs == rsid]
    if not positions:
        return None
    keep_sites = np.isin(model.site_position, positions)
    alleles = model.alleles
    rows = [alleles.reference] + [
        a for a in range(len(alleles.names))
        if a != alleles.reference and alleles.sites[a].any() and not alleles.sites[a][~keep_sites].any()
    ]
    if len(rows) < 2:
        return None
    return AlleleModel(
        tuple(alleles.names[r] for r in rows), 0, alleles.sites[rows], alleles.positions[rows],
        alleles.activity[rows],
    )


def _call_gene(model: GeneModel, enc: GeneGenotypes, sample_ids: Sequence[str]) -> dict[str, list]:
    n = len(sample_ids)
    site_pos = model.site_position
    results: list[Match | None] = [None] * n
    phased_used = np.zeros(n, dtype=bool)
    haploid = enc.haploid
    diploid = ~haploid
    any_called = enc.called.any(axis=1)
    if model.rule == "lowest_function":
        matches = match_lowest_function(model.alleles, enc.dosage, site_pos)
        results = list(matches)
    else:
        use_phase = diploid & enc.phased & any_called
        groups = [
            (use_phase, lambda idx: match_phased(model.alleles, enc.haplotypes[idx], site_pos)),
            (diploid & ~use_phase, lambda idx: match_unphased(model.alleles, enc.dosage[idx], site_pos)),
            (haploid, lambda idx: match_haploid(model.alleles, enc.dosage[idx], site_pos)),
        ]
        for mask, run in groups:
            idx = np.flatnonzero(mask)
            if idx.size:
                for k, m in zip(idx, run(idx)):
                    results[k] = m
        phased_used = use_phase
    fallback = model.info.get("fallback_rsid")
    fallback_model = _fallback_model(model, fallback) if fallback else None
    fallback_sites = np.isin(site_pos, [k for k, rs in enumerate(model.sites.rsids) if rs == fallback])
    out: dict[str, list] = {key: [] for key in DIPLOTYPE_SCHEMA}
    labels = [model.sites.position_label(k) for k in range(len(model.sites.positions))]
    for s in range(n):
        warnings: list[str] = []
        missing = [labels[k] for k in np.flatnonzero(~enc.called[s] & ~enc.novel[s])]
        novel = [labels[k] for k in np.flatnonzero(enc.novel[s])]
        match = results[s] if any_called[s] else None
        if not any_called[s]:
            warnings.append("not_called")
        elif match is None and fallback_model is not None:
            only = np.where(fallback_sites, enc.dosage[s : s + 1], -1).astype(np.int8)
            fb = match_unphased(fallback_model, only, site_pos)[0]
            if fb is not None:
                match = fb
                warnings.append(f"fallback_{fallback}")
        if any_called[s] and match is None:
            warnings.append("no_match")
        if missing:
            warnings.append("missing_positions")
        if novel:
            warnings.append("novel_allele")
        if enc.assumed_reference.any():
            warnings.append("assumed_reference")
        if enc.gvcf_reference[s].any():
            warnings.append("gvcf_reference")
        if haploid[s]:
            warnings.append("haploid")
        if match is not None and len(match.diplotypes) > 1:
            warnings.append("ambiguous")
            if len(match.top) > 1:
                warnings.append("tied_top_score")
        best = match.diplotypes[0] if match is not None else None
        out["sample_id"].append(sample_ids[s])
        out["gene"].append(model.gene)
        out["diplotype"].append(_diplotype_text(best) if best else None)
        out["haplotype_1"].append(best[0] if best else None)
        out["haplotype_2"].append((best[1] or None) if best else None)
        out["alternatives"].append([_diplotype_text(d) for d in match.diplotypes[1:]] if match else [])
        out["missing_positions"].append(missing)
        out["novel_positions"].append(novel)
        out["phased"].append(bool(phased_used[s]))
        out["warnings"].append(warnings)
        out["n_top"].append(len(match.top) if match is not None else 0)
    return out


def call_diplotypes(
    callset: CallSet,
    *,
    genes: Sequence[str] | None = None,
    genome_build: str | None = None,
    assume_reference: bool = False,
    reference_dir: str | None = None,
) -> pl.DataFrame:
    """Star-allele diplotypes for every (sample, gene), without phenotypes.

    Parameters
    ----------
    callset : CallSet
    genes : sequence of str, optional
        Genes to call; every gene with definition positions by default.
    genome_build : {"GRCh38", "GRCh37"}, optional
        Defaults to the CallSet's build; required when that is unknown.
    assume_reference : bool, default False
        Count definition positions absent from the VCF as reference.
    reference_dir : str, optional

    Returns
    -------
    polars.DataFrame
        Columns as in :data:`DIPLOTYPE_SCHEMA`: ``alternatives`` lists every other
        diplotype consistent with the calls, ranked by PharmCAT's score; the first
        ``n_top - 1`` of them tie with ``diplotype`` for the top score.
    """
    build = genome_build or callset.genome_build
    if build is None:
        raise GenomeBuildError(
            "the genome build of the calls is unknown (no ##contig lengths or ##reference in the "
            "VCF header); pass genome_build='GRCh38' or 'GRCh37'"
        )
    if callset.genome_build and genome_build and callset.genome_build != genome_build:
        raise GenomeBuildError(
            f"genome_build={genome_build!r} but the calls were read as {callset.genome_build}"
        )
    wanted = list(genes) if genes is not None else callable_genes(reference_dir=reference_dir)
    frames = []
    for gene in wanted:
        model = gene_model(gene, build, reference_dir)
        lo = min(p for p, _ in model.sites.positions) - PAD
        hi = max(p for p, _ in model.sites.positions) + PAD
        rows = region_rows(callset.variants, model.sites.chrom, lo, hi)
        enc = encode_gene(callset, model.sites, assume_reference=assume_reference, rows_in_region=rows)
        frames.append(pl.DataFrame(_call_gene(model, enc, callset.sample_ids), schema=DIPLOTYPE_SCHEMA))
    if not frames:
        return pl.DataFrame(schema=DIPLOTYPE_SCHEMA)
    order = pl.DataFrame({"sample_id": list(callset.sample_ids), "_order": range(callset.n_samples)})
    return pl.concat(frames).join(order, on="sample_id").sort("_order", "gene").drop("_order")
