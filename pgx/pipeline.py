"""Orchestration of the stages: read -> encode -> call -> phenotype (-> recommend -> report)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import polars as pl

from pgx.callset import CallSet
from pgx.calling._call import LIST_SEP, split_list_columns
from pgx.calling import (
    OutsideCallError,
    allele_sort_key,
    call_diplotypes,
    outside_frame,
    read_outside_calls,
)
from pgx.io import read_vcf
from pgx.phenotype import INDETERMINATE, gene_phenotypes
from pgx.exceptions import ReferenceDataError
from pgx.reference import genes as reference_genes

__all__ = ["call", "CALL_SCHEMA"]

#: columns of the frame :func:`call` returns
CALL_SCHEMA = {
    "sample_id": pl.String,
    "gene": pl.String,
    "diplotype": pl.String,
    "haplotype_1": pl.String,
    "haplotype_2": pl.String,
    "alternatives": pl.List(pl.String),
    "function_1": pl.String,
    "function_2": pl.String,
    "activity_score": pl.Float64,
    "phenotype": pl.String,
    "missing_positions": pl.List(pl.String),
    "novel_positions": pl.List(pl.String),
    "phased": pl.Boolean,
    "warnings": pl.List(pl.String),
    "alternative_phenotypes": pl.List(pl.String),
}


def _split(diplotype: str | None) -> tuple[str | None, str | None]:
    if not diplotype:
        return None, None
    parts = diplotype.split("/", 1)
    if len(parts) == 1:
        return parts[0], None
    a, b = parts
    return (a, b) if allele_sort_key(a) <= allele_sort_key(b) else (b, a)


def _merge_outside(calls: pl.DataFrame, outside, sample_ids: Sequence[str]) -> tuple[pl.DataFrame, dict]:
    known = set(reference_genes())
    items = read_outside_calls(outside, genes=known) if isinstance(outside, (str, os.PathLike)) else outside
    frame = items if isinstance(items, pl.DataFrame) else outside_frame(items)
    if frame["sample_id"].null_count():
        if len(sample_ids) != 1:
            raise OutsideCallError(
                "the outside calls have no sample column (PharmCAT's single-sample format) but the VCF has "
                f"{len(sample_ids)} samples; add a sample_id column"
            )
        frame = frame.with_columns(pl.lit(sample_ids[0]).alias("sample_id"))
    unknown = set(frame["sample_id"].to_list()) - set(sample_ids)
    if unknown:
        raise OutsideCallError(f"outside calls name {len(unknown)} sample(s) that are not in the VCF")
    given: dict[tuple[str, str], tuple[str | None, float | None]] = {}
    rows = []
    for sample, gene, diplotype, phenotype, activity in frame.iter_rows():
        h1, h2 = _split(diplotype)
        rows.append({
            "sample_id": sample, "gene": gene, "diplotype": diplotype if h1 is None else (h1 if h2 is None else f"{h1}/{h2}"),
            "haplotype_1": h1, "haplotype_2": h2, "alternatives": [], "missing_positions": [],
            "novel_positions": [], "phased": False, "warnings": ["outside_call"], "n_top": 1,
        })
        given[(sample, gene)] = (phenotype, activity)
    replaced = pl.DataFrame(rows, schema=calls.schema)
    keys = replaced.select("sample_id", "gene")
    kept = calls.join(keys, on=["sample_id", "gene"], how="anti")
    order = {s: k for k, s in enumerate(sample_ids)}
    merged = pl.concat([kept, replaced]).with_columns(
        pl.col("sample_id").replace_strict(order, return_dtype=pl.Int64).alias("_order")
    ).sort("_order", "gene").drop("_order")
    return merged, given


def _annotate(calls: pl.DataFrame, given: dict, reference_dir: str | None) -> pl.DataFrame:
    cache: dict[tuple, tuple] = {}
    out = []
    for sample, gene, h1, h2, alternatives, warn, n_top in calls.select(
        "sample_id", "gene", "haplotype_1", "haplotype_2", "alternatives", "warnings", "n_top"
    ).iter_rows():
        phen_given, act_given = given.get((sample, gene), (None, None))
        key = (gene, h1, h2, tuple(alternatives), tuple(warn), n_top, phen_given, act_given)
        row = cache.get(key)
        if row is None:
            row = cache[key] = _annotate_one(gene, h1, h2, alternatives, warn, n_top, phen_given, act_given,
                                             reference_dir)
        out.append(row)
    f1s, f2s, scores, phenotypes, warnings, alt_phenotypes = (list(c) for c in zip(*out)) if out else ([],) * 6
    return calls.with_columns(
        pl.Series("function_1", f1s, dtype=pl.String),
        pl.Series("function_2", f2s, dtype=pl.String),
        pl.Series("activity_score", scores, dtype=pl.Float64),
        pl.Series("phenotype", phenotypes, dtype=pl.String),
        pl.Series("warnings", warnings, dtype=pl.String),
        pl.Series("alternative_phenotypes", alt_phenotypes, dtype=pl.String),
    ).pipe(split_list_columns, ["warnings", "alternative_phenotypes"]).select(list(CALL_SCHEMA))


def _annotate_one(gene, h1, h2, alternatives, warn, n_top, phen_given, act_given, reference_dir) -> tuple:
    warn = list(warn)
    try:
        rules = gene_phenotypes(gene, reference_dir)
    except ReferenceDataError:  # a gene without rule tables (HLA: outside calls only)
        rules = None
    f1 = f2 = None
    score = act_given
    phenotype = phen_given
    others: list[str] = []
    if rules is not None:
        others = [rules.assign(*_split(alt))[3] for alt in alternatives]
    if h1 is not None and rules is not None:
        f1, f2, computed, computed_phenotype = rules.assign(h1, h2)
        score = act_given if act_given is not None else computed
        if phenotype is None and act_given is not None and rules.kind == "activity_score":
            phenotype = rules.phenotype_for_score(act_given)
        if phenotype is None:
            phenotype = computed_phenotype
            if set(others[: max(0, n_top - 1)]) - {phenotype}:
                warn.append("ambiguous_phenotype")
                phenotype = INDETERMINATE
    elif phenotype is None and act_given is not None and rules is not None and rules.kind == "activity_score":
        phenotype = rules.phenotype_for_score(act_given)
    if phenotype is None and h1 is not None:
        phenotype = INDETERMINATE
    return f1, f2, score, phenotype, LIST_SEP.join(warn), LIST_SEP.join(others)


def call(
    callset: CallSet | str | os.PathLike[str],
    *,
    genes: Sequence[str] | None = None,
    genome_build: str | None = None,
    assume_reference: bool = False,
    outside_calls: str | os.PathLike[str] | pl.DataFrame | None = None,
    reference_dir: str | None = None,
) -> pl.DataFrame:
    """Call diplotype, function, activity score and phenotype for every sample and gene.

    Parameters
    ----------
    callset : CallSet or path
        Calls read with :func:`pgx.read_vcf`, or a VCF/BCF path to read.
    genes : sequence of str, optional
        Genes to call (default: every gene with definition positions, plus the genes
        named in ``outside_calls``).
    genome_build : {"GRCh38", "GRCh37"}, optional
        Defaults to the build of the calls.
    assume_reference : bool, default False
        Count definition positions absent from the VCF as reference (array or exome
        data); the ``warnings`` column then says ``assumed_reference``.
    outside_calls : path or polars.DataFrame, optional
        Diplotypes/phenotypes from other tools (see :func:`pgx.calling.read_outside_calls`);
        they replace or add the (sample, gene) rows they name.
    reference_dir : str, optional
        A reference folder other than the shipped one.

    Returns
    -------
    polars.DataFrame
        One row per (sample, gene); columns as in :data:`CALL_SCHEMA`. ``diplotype``
        is the top-scoring diplotype (PharmCAT's scoring); ``alternatives`` every other
        diplotype consistent with the calls, best first, with their phenotypes in
        ``alternative_phenotypes``. When diplotypes tie for the top score and imply
        different phenotypes, ``phenotype`` is ``"Indeterminate"``.

    Examples
    --------
    >>> import pgx
    >>> calls = pgx.call(pgx.example_vcf(), genes=["CYP2C19"])
    >>> calls.columns[:4]
    ['sample_id', 'gene', 'diplotype', 'haplotype_1']
    """
    if not isinstance(callset, CallSet):
        callset = read_vcf(callset, genome_build=genome_build)
    calls = call_diplotypes(callset, genes=genes, genome_build=genome_build,
                            assume_reference=assume_reference, reference_dir=reference_dir)
    given: dict = {}
    if outside_calls is not None:
        calls, given = _merge_outside(calls, outside_calls, callset.sample_ids)
    return _annotate(calls, given, reference_dir)
