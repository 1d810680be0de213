"""Call star-allele diplotypes for every sample and gene of a CallSet."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pgx import reference
from pgx.callset import CallSet
from pgx.calling._details import details_columns
from pgx.calling._match import (AlleleModel, Match, allele_sort_key, match_haploid, match_lowest_function,
                               match_phased, match_unphased, unique_rows)
from pgx.calling._model import GeneModel, gene_model
from pgx.calling._notes import sample_notes, where
from pgx.calling._proxy import call_proxy_gene, proxy_genes
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
    "position_genotypes": pl.List(pl.String),
    "position_status": pl.List(pl.String),
}


#: half calls (``./1``) at more sites than this leave the sample not called (2**n dosage patterns)
MAX_HALF_CALLS = 6

_LIST_COLUMNS = ("alternatives", "missing_positions", "novel_positions", "warnings")
_DETAIL_COLUMNS = ("position_genotypes", "position_status")  # per definition position (pgx.calling._details)
_TEXT_SCHEMA = {k: (pl.String if k in _LIST_COLUMNS else v) for k, v in DIPLOTYPE_SCHEMA.items()
                if k not in _DETAIL_COLUMNS}
#: the position columns left null (not asked for, or a gene called without definition positions)
_NO_DETAILS = [pl.lit(None, dtype=DIPLOTYPE_SCHEMA[c]).alias(c) for c in _DETAIL_COLUMNS]


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
    return alleles.subset(rows)


def _match_range(model: GeneModel, low: np.ndarray, high: np.ndarray) -> Match | None:
    """Every diplotype consistent with any dosage between ``low`` and ``high`` (half calls).

    The diplotypes that are top-scoring for some dosage pattern tie for the top: the calls
    cannot tell them apart.
    """
    free = np.flatnonzero(high != low)
    if free.size > MAX_HALF_CALLS:
        return None
    combos = np.array(list(itertools.product(*[range(int(low[k]), int(high[k]) + 1) for k in free])), dtype=np.int8)
    patterns = np.repeat(low[None, :], len(combos), axis=0)
    patterns[:, free] = combos
    matcher = match_lowest_function if model.rule == "lowest_function" else match_unphased
    found: dict[tuple[str, str], int] = {}
    top: set[tuple[str, str]] = set()
    for match in matcher(model.alleles, patterns, model.site_position):
        if match is None:
            continue
        for pair, score in zip(match.diplotypes, match.scores):
            found[pair] = max(found.get(pair, score), score)
        top.update(match.top)
    if not found:
        return None
    best = max(found.values())
    scores = {pair: best if pair in top else min(score, best - 1) for pair, score in found.items()}
    order = sorted(scores, key=lambda d: (-scores[d], allele_sort_key(d[0]), allele_sort_key(d[1])))
    return Match(tuple(order), tuple(scores[d] for d in order))


def _missing_texts(model: GeneModel) -> tuple[list[str], np.ndarray]:
    """Each position's rsID or label, and for each allele defined at one position its
    not-ruled-out text (``*2 (rs4244285 missing)``; None for alleles at several positions)."""
    alleles = model.alleles
    shown = [rs or model.sites.position_label(k) for k, rs in enumerate(model.sites.rsids)]
    fixed = np.full(len(alleles.names), None, dtype=object)
    for a, name in enumerate(alleles.names):
        where = np.unique(model.site_position[alleles.sites[a]])
        if where.size == 1:
            fixed[a] = f"{name} ({shown[int(where[0])]} missing)"
    return shown, fixed


def _not_ruled_out(model: GeneModel, match: Match | None, missing_row: np.ndarray, dosage: np.ndarray,
                   texts: tuple[list[str], np.ndarray] | None = None) -> str:
    """The alleles outside the call that missing positions cannot exclude, each with them:
    ``*2 (rs4244285 missing)``. An allele is excluded when a called position lacks one of
    its ALTs. ``texts`` is :func:`_missing_texts` of the model (computed when not given)."""
    if match is None or not missing_row.any():
        return ""
    alleles = model.alleles
    shown, fixed = texts if texts is not None else _missing_texts(model)
    site_missing = missing_row[model.site_position]
    open_ = (alleles.sites & site_missing).any(axis=1) & ~(alleles.sites & ~site_missing & (dosage == 0)).any(axis=1)
    open_[alleles.reference] = False
    in_call = {name for pair in match.diplotypes for name in pair}
    chosen = [a for a in np.flatnonzero(open_).tolist() if alleles.names[a] not in in_call]
    out = fixed[chosen].tolist()
    for k, a in enumerate(chosen):
        if out[k] is None:  # an allele defined at several positions: the missing ones
            where = sorted(set(model.site_position[alleles.sites[a] & site_missing].tolist()))
            out[k] = f"{alleles.names[a]} ({', '.join(shown[q] for q in where)} missing)"
    return "; ".join(out)


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
    # half calls (./1): every diplotype that one or two copies allow
    for s in np.flatnonzero((enc.dosage_max != enc.dosage).any(axis=1) & any_called & diploid):
        results[s] = _match_range(model, enc.dosage[s], enc.dosage_max[s])
        phased_used[s] = False
    fallback = model.info.get("fallback_rsid")
    labels = [model.sites.position_label(k) for k in range(len(model.sites.positions))]
    context = _GeneRows(
        model, enc, results, any_called, ~enc.called & ~enc.novel, enc.gvcf_reference.any(axis=1), labels,
        where(labels, enc.assumed_reference), fallback, _fallback_model(model, fallback) if fallback else None,
        np.isin(site_pos, [k for k, rs in enumerate(model.sites.rsids) if rs == fallback]))
    missing_mask, gvcf_any = context.missing_mask, context.gvcf_any
    # only samples with a flagged record (or a gene without data) have notes to write
    flagged = (enc.contradictory.any(axis=1) | enc.novel_with_defined.any(axis=1) | enc.duplicate.any(axis=1)
               | enc.half_call.any(axis=1) | enc.polyploid.any(axis=1) | enc.undefined_allele.any(axis=1)
               | enc.unplaced.any(axis=1) | enc.ref_mismatch.any(axis=1)
               | bool(enc.no_data_in_region))
    # samples with the same match, the same missing/novel positions and dosages share a row:
    # unflagged samples are grouped at once, flagged ones (with notes) one by one
    rows: list[tuple | None] = [None] * n
    plain = np.flatnonzero(~flagged)
    if plain.size:
        match_id = np.array([id(results[s]) for s in plain], dtype=np.int64)
        shape = np.column_stack([any_called[plain], gvcf_any[plain], haploid[plain]]).astype(np.uint8)
        key = np.concatenate([match_id.view(np.uint8).reshape(-1, 8), shape, missing_mask[plain].view(np.uint8),
                              enc.novel[plain].view(np.uint8), enc.dosage[plain].view(np.uint8)], axis=1)
        firsts, group = unique_rows(key)
        first_of = np.full(firsts.shape[0], -1, dtype=np.int64)
        first_of[group[::-1]] = plain[::-1]  # the first sample of each group
        group_rows = [context.row(int(s)) for s in first_of]
        for s, g in zip(plain.tolist(), group.tolist()):
            rows[s] = group_rows[g]
    cache: dict[tuple, tuple] = {}
    for s in np.flatnonzero(flagged).tolist():
        notes, blocked = sample_notes(enc, s, labels)
        key_s = (id(results[s]), bool(any_called[s]), missing_mask[s].tobytes(), enc.novel[s].tobytes(),
                 bool(gvcf_any[s]), bool(haploid[s]), notes, blocked, enc.dosage[s].tobytes())
        row = cache.get(key_s)
        if row is None:
            row = cache[key_s] = context.row(s, blocked, notes)
        rows[s] = row
    columns = list(zip(*rows)) if rows else [[] for _ in range(8)]
    diplotype, h1, h2, alternatives, missing, novel, warnings, n_top = columns
    return {
        "sample_id": list(sample_ids), "gene": [model.gene] * n, "diplotype": list(diplotype),
        "haplotype_1": list(h1), "haplotype_2": list(h2), "alternatives": list(alternatives),
        "missing_positions": list(missing), "novel_positions": list(novel),
        "phased": phased_used.tolist(), "warnings": list(warnings), "n_top": list(n_top),
    }


LIST_SEP = "\x1f"


@dataclass
class _GeneRows:
    """What the output rows of one gene are made from (see :func:`_call_gene`)."""

    model: GeneModel
    enc: GeneGenotypes
    results: list[Match | None]
    any_called: np.ndarray
    missing_mask: np.ndarray
    gvcf_any: np.ndarray
    labels: list[str]
    assumed: str  # the positions assumed reference
    fallback: str | None
    fallback_model: AlleleModel | None
    fallback_sites: np.ndarray
    texts: tuple = field(init=False)  # see _missing_texts

    def __post_init__(self) -> None:
        self.texts = _missing_texts(self.model)

    def row(self, s: int, blocked: bool = False, notes: tuple[str, ...] = ()) -> tuple:
        """Sample ``s``'s row; list columns as strings joined by a unit separator (split later).

        ``notes`` are the warnings of :func:`pgx.calling._notes.sample_notes`, which follow the
        bare codes; a ``blocked`` sample is not matched.
        """
        model, enc, labels = self.model, self.enc, self.labels
        any_called = bool(self.any_called[s]) and not blocked
        match = self.results[s] if any_called else None
        dosage = enc.dosage[s: s + 1]
        missing_row = self.missing_mask[s]
        warnings: list[str] = []
        missing = [labels[k] for k in np.flatnonzero(missing_row)]
        novel = [labels[k] for k in np.flatnonzero(enc.novel[s])]
        if not any_called:
            warnings.append("not_called")
        elif match is None and self.fallback_model is not None:
            only = np.where(self.fallback_sites, dosage, -1).astype(np.int8)
            fb = match_unphased(self.fallback_model, only, model.site_position)[0]
            if fb is not None:
                match = fb
                warnings.append(f"fallback_{self.fallback}")
        if any_called and match is None:
            warnings.append("no_match")
        if missing:
            warnings.append("missing_positions")
        if novel:
            warnings.append("novel_allele")
        if self.assumed:
            warnings.append("assumed_reference")
        if self.gvcf_any[s]:
            warnings.append("gvcf_reference")
        if enc.haploid[s]:
            warnings.append("haploid")
        if match is not None and len(match.diplotypes) > 1:
            warnings.append("ambiguous")
            if len(match.top) > 1:
                warnings.append("tied_top_score")
        warnings.extend(notes)
        if self.assumed:
            warnings.append("assumed_positions: " + self.assumed)
        open_alleles = _not_ruled_out(model, match, missing_row, dosage[0], self.texts)
        if open_alleles:
            warnings.append("not_ruled_out: " + open_alleles)
        best = match.diplotypes[0] if match is not None else None
        alternatives = [_diplotype_text(d) for d in match.diplotypes[1:]] if match else []
        return (
            _diplotype_text(best) if best else None,
            best[0] if best else None,
            (best[1] or None) if best else None,
            LIST_SEP.join(alternatives),
            LIST_SEP.join(missing),
            LIST_SEP.join(novel),
            LIST_SEP.join(warnings),
            len(match.top) if match is not None else 0,
        )


def _add_warning(frame: pl.DataFrame, code: str, *, only_called: bool = False) -> pl.DataFrame:
    """Append ``code`` to the (unit-separator-joined) warnings of every row, or of the called ones."""
    joined = pl.when(pl.col("warnings") == "").then(pl.lit(code)).otherwise(pl.col("warnings") + LIST_SEP + code)
    if only_called:
        joined = pl.when(pl.col("diplotype").is_not_null()).then(joined).otherwise(pl.col("warnings"))
    return frame.with_columns(joined.alias("warnings"))


def split_list_columns(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Turn unit-separator-joined string columns into list columns (empty string -> [])."""
    return frame.with_columns(
        pl.when(pl.col(name) == "").then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col(name).str.split(LIST_SEP)).alias(name)
        for name in names
    )


def call_diplotypes(
    callset: CallSet,
    *,
    genes: Sequence[str] | None = None,
    genome_build: str | None = None,
    assume_reference: bool = False,
    reference_dir: str | None = None,
    position_details: bool = False,
) -> pl.DataFrame:
    """Star-allele diplotypes for every (sample, gene), without phenotypes.

    Parameters
    ----------
    callset : CallSet
    genes : sequence of str, optional
        Genes to call; every gene with definition positions by default, and the genes
        with tag-SNP proxies (HLA-B: rs2395029 for HLA-B*57:01), whose rows carry the
        ``hla_tag_proxy`` warning (see :func:`proxy_genes`).
    genome_build : {"GRCh38", "GRCh37"}, optional
        Defaults to the CallSet's build; required when that is unknown.
    assume_reference : bool, default False
        Count definition positions absent from the VCF as reference, only for genes
        with at least one record of the input in their region and, for a ``region=``
        read, inside the regions read (else ``no_data_in_region``, not called).
    reference_dir : str, optional
    position_details : bool, default False
        Fill ``position_genotypes`` and ``position_status`` (the sample's genotype and status at
        every definition position, for the reports' allele-matching tables); otherwise they are null,
        which keeps cohort calling fast.

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
    proxies = set(proxy_genes(reference_dir=reference_dir))
    wanted = list(genes) if genes is not None else callable_genes(reference_dir=reference_dir) + sorted(proxies)
    frames = []
    for gene in wanted:
        if gene in proxies:
            rows = call_proxy_gene(callset, gene, build, assume_reference=assume_reference,
                                   reference_dir=reference_dir)
            for name in _LIST_COLUMNS:
                rows[name] = [LIST_SEP.join(v) for v in rows[name]]
            frames.append(pl.DataFrame(rows, schema=_TEXT_SCHEMA).with_columns(
                _NO_DETAILS))
            continue
        model = gene_model(gene, build, reference_dir)
        lo = min(p for p, _ in model.sites.positions) - PAD
        hi = max(p for p, _ in model.sites.positions) + PAD
        rows = region_rows(callset.variants, model.sites.chrom, lo, hi)
        enc = encode_gene(callset, model.sites, assume_reference=assume_reference, rows_in_region=rows)
        frame = pl.DataFrame(_call_gene(model, enc, callset.sample_ids), schema=_TEXT_SCHEMA).with_columns(
            details_columns(callset, model, enc, rows) if position_details else _NO_DETAILS)
        if reference.unplaced_alleles(gene, genome_build=build, reference_dir=reference_dir):
            # CPIC defines these alleles on GRCh38 only: they cannot be called from these data
            frame = _add_warning(frame, "grch38_only_alleles")
        table = reference.allele_table(gene, reference_dir=reference_dir)
        structural = table.filter(pl.col("structural"))["allele"].to_list()
        if structural:
            # deletions, duplications and hybrids leave no trace a VCF can show: a called
            # diplotype says it could not have seen them
            frame = _add_warning(frame, "structural_alleles_not_assessed: " + ", ".join(structural),
                                 only_called=True)
        frames.append(frame)
    if not frames:
        return pl.DataFrame(schema=DIPLOTYPE_SCHEMA)
    order = pl.DataFrame({"sample_id": list(callset.sample_ids), "_order": range(callset.n_samples)})
    joined = pl.concat(frames).join(order, on="sample_id").sort("_order", "gene", maintain_order=True).drop("_order")
    return split_list_columns(joined, _LIST_COLUMNS).select(list(DIPLOTYPE_SCHEMA))
