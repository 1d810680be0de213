"""Tumour biomarkers -> therapies (:func:`match`) and tumour mutational burden (:func:`tmb`)."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from pgx.callset import CallSet
from pgx.oncology._annotation import GAIN_OF_FUNCTION, LOSS_OF_FUNCTION, SomaticCalls, somatic_variants
from pgx.oncology._errors import AnnotationError, OncologyError
from pgx.oncology._knowledge import ALTERATION_TYPES, Rule, load_rules, load_tree
from pgx.oncology._read import read_somatic
from pgx.oncology._tables import COPY_NUMBER_CALLS, FUSION_PATTERN, read_copy_numbers, read_fusions

__all__ = ["MATCH_COLUMNS", "MATCH_TYPES", "NONSYNONYMOUS", "SCOPES", "Somatic", "match", "tmb"]

#: How a hit matched, in matching order (most specific first).
MATCH_TYPES = ALTERATION_TYPES
#: The columns of :func:`match`'s frame and their dtypes.
MATCH_COLUMNS = {
    "gene": pl.String, "alteration": pl.String, "therapy": pl.String, "tumor_type": pl.String,
    "tier": pl.String, "evidence_level": pl.String, "source": pl.String, "match_type": pl.String,
    "resistance": pl.Boolean, "biomarker": pl.String, "locus": pl.String, "source_date": pl.String,
    "note": pl.String, "scope": pl.String,
}
#: What a match's ``scope`` says, in the order rows are listed: the evidence covers the tumour type
#: asked for; it holds for a subtype of it (the ``tumor_type`` column names which); it is from another
#: tumour type (``off_label=True`` only).
SCOPES = ("tumor_type", "subtype", "off_label")
#: What :func:`match` and :func:`tmb` take as tumour calls.
Somatic = SomaticCalls | CallSet | str | os.PathLike
#: Consequences :func:`tmb` counts by default: coding, non-synonymous.
NONSYNONYMOUS = frozenset({"missense_variant", "stop_gained", "stop_lost", "start_lost", "frameshift_variant",
                           "inframe_insertion", "inframe_deletion", "protein_altering_variant"})
_MSI = {"MSI-H": True, "DMMR": True, "MSI-L": False, "MSS": False, "PMMR": False}
_SPLICE = frozenset({"splice_acceptor_variant", "splice_donor_variant", "exon_loss_variant"})


def _as_somatic(somatic: Somatic) -> tuple[SomaticCalls, pl.DataFrame | None]:
    """The calls with their annotation, and the loci to keep when a CallSet had to be read again."""
    if isinstance(somatic, SomaticCalls):
        return somatic, None
    if isinstance(somatic, (str, os.PathLike)):
        return read_somatic(somatic), None
    if not isinstance(somatic, CallSet):
        raise OncologyError(f"somatic must be a VCF path, a SomaticCalls or a CallSet, found {type(somatic).__name__}")
    try:
        return SomaticCalls.from_callset(somatic), None
    except AnnotationError as error:
        source = somatic.source
        if source is None or not os.path.isfile(source):
            where = "its source file is not known" if source is None else f"its source file {source!r} is gone"
            raise AnnotationError(
                f"this CallSet does not carry what matching needs ({error.reason}), and {where} to read it "
                "again: pass the VCF path itself (pgx.oncology.match('tumour.vcf', tumor_type=...)), or read it "
                "with pgx.oncology.read_somatic(path), or with pgx.read_vcf(path, fields=['ANN']) for SnpEff "
                "(VEP's CSQ needs its header layout: use read_somatic)", path=source, field=error.field) from None
    calls = read_somatic(source)
    given = somatic.variants.select(pl.col("chrom").cast(pl.String), pl.col("pos").cast(pl.Int64),
                                    pl.col("ref").cast(pl.String))
    if calls.callset.variants.select(given.columns).cast(dict(given.schema)).equals(given):
        return calls, None
    return calls, given.unique()  # the CallSet was a region or a subset: keep its loci only


def _filtered(somatic: SomaticCalls, *, pass_only: bool, min_vaf: float, min_depth: int,
              keep: pl.DataFrame | None = None) -> pl.DataFrame:
    table = somatic_variants(somatic).filter(pl.col("in_tumor"))
    if keep is not None:
        table = table.join(keep, on=["chrom", "pos", "ref"], how="semi")
    if pass_only:
        table = table.filter(pl.col("passed"))
    if min_vaf > 0:
        if "AD" not in somatic.callset.calldata or somatic.tumor_sample is None:
            raise OncologyError(f"min_vaf={min_vaf} needs per-sample AD: read the VCF with fields=[..., 'AD'] "
                                "or pass min_vaf=0")
        table = table.filter(pl.col("vaf").fill_null(0.0) >= min_vaf)
    if min_depth > 0:
        if not {"AD", "DP"}.intersection(somatic.callset.calldata) or somatic.tumor_sample is None:
            raise OncologyError(f"min_depth={min_depth} needs per-sample DP or AD: read the VCF with "
                                "fields=[..., 'AD', 'DP'] or pass min_depth=0")
        table = table.filter(pl.col("depth").fill_null(0) >= min_depth)
    return table


def tmb(somatic: Somatic, *, target_mb: float, min_vaf: float = 0.05, min_depth: int = 20,
        pass_only: bool = True, consequences: Iterable[str] = NONSYNONYMOUS) -> float:
    """Tumour mutational burden: coding non-synonymous somatic mutations per megabase of target.

    Each variant allele counts once, whatever the number of genes or transcripts it touches.

    Parameters
    ----------
    somatic : str, os.PathLike, SomaticCalls or CallSet
        The tumour's VEP- (``CSQ``) or SnpEff- (``ANN``) annotated VCF: its path (the annotation is
        found in its header), calls from :func:`read_somatic`, or a CallSet (one read without the
        annotation field is read again from its source file).
    target_mb : float
        The assay's target size in megabases (coding territory sequenced).
    min_vaf : float, default 0.05
        Lowest tumour variant allele fraction (from AD) counted; 0 turns the filter off.
    min_depth : int, default 20
        Lowest tumour depth (DP, else the sum of AD) counted; 0 turns the filter off.
    pass_only : bool, default True
        Count only records whose FILTER is PASS or ``.``.
    consequences : iterable of str, default :data:`NONSYNONYMOUS`
        Sequence Ontology terms that count (missense, stop gained/lost, start lost, frameshift,
        inframe indels, protein altering).

    Returns
    -------
    float
        Mutations per Mb.

    Raises
    ------
    OncologyError
        ``target_mb`` not positive, or a VAF/depth filter asked for without AD/DP.
    AnnotationError
        Missing or malformed annotation.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> import polars as pl
    >>> import pgx
    >>> from pgx.oncology import tmb
    >>> cs = pgx.CallSet.from_arrays(np.array([[[0, 1]], [[0, 1]]], dtype=np.int8), chrom=["chr7", "chr17"],
    ...                              pos=[140753336, 7676154], ref=["A", "G"], alt=[["T"], ["A"]], sample_ids=["T1"])
    >>> ann = ["T|missense_variant|MODERATE|BRAF|||||15/18||p.Val600Glu|||||",
    ...        "A|synonymous_variant|LOW|TP53|||||4/11||p.Pro72Pro|||||"]
    >>> cs = dataclasses.replace(cs, variants=cs.variants.with_columns(ANN=pl.Series(ann)))
    >>> tmb(cs, target_mb=0.5, min_vaf=0, min_depth=0)
    2.0
    """
    if not isinstance(target_mb, (int, float)) or not target_mb > 0 or math.isinf(target_mb):
        raise OncologyError(f"target_mb must be a positive number of megabases, found {target_mb!r}")
    wanted = frozenset(consequences)
    calls, keep = _as_somatic(somatic)
    table = _filtered(calls, pass_only=pass_only, min_vaf=min_vaf, min_depth=min_depth, keep=keep)
    counted = table.filter(pl.col("consequence").map_elements(
        lambda c: bool(wanted.intersection(c)), return_dtype=pl.Boolean))
    n = counted.select("variant_index", "alt").unique().height
    return n / float(target_mb)


def _variant_hit(rule: Rule, row: dict) -> bool:
    consequence = set(row["consequence"])
    protein = row["protein"] or ""
    kind = rule.alteration_type
    if kind == "exact":
        return protein in rule.values
    if kind == "codon":
        found = re.match(r"[A-Z*][0-9]+", protein)
        return "missense_variant" in consequence and found is not None and found[0] in rule.values
    if kind == "exon":
        exons, introns = set(row["exon"]), set(row["intron"])
        if rule.kind == "skipping":
            return any(
                ("splice_acceptor_variant" in consequence and n - 1 in introns)
                or ("splice_donor_variant" in consequence and n in introns)
                or (bool(_SPLICE & consequence) and n in exons)
                for n in rule.exons)
        if not exons & rule.exons:
            return False
        if rule.kind == "missense":
            return "missense_variant" in consequence
        if rule.kind == "protein_altering":
            return bool(consequence & (GAIN_OF_FUNCTION | LOSS_OF_FUNCTION))
        return rule.kind in consequence
    if kind == "gene":
        if rule.kind == "loss_of_function":
            return bool(consequence & LOSS_OF_FUNCTION)
        return bool(consequence & GAIN_OF_FUNCTION) and not consequence & LOSS_OF_FUNCTION
    return False


def _fusions(fusions: Sequence[str] | pl.DataFrame | str | os.PathLike[str] | None) -> list[tuple[str, str, str]]:
    if fusions is None:
        return []
    if isinstance(fusions, (str, os.PathLike)) and os.path.isfile(fusions):
        items = read_fusions(fusions)["fusion"].to_list()
    elif isinstance(fusions, (str, os.PathLike)):
        raise OncologyError(f"fusions must be a list of 'GENE1::GENE2' strings, a frame or a TSV path; "
                            f"{os.fspath(fusions)!r} is not a file")
    elif isinstance(fusions, pl.DataFrame):
        if "fusion" not in fusions.columns:
            raise OncologyError(f"the fusions frame needs a 'fusion' column, found {fusions.columns}")
        items = fusions["fusion"].drop_nulls().to_list()
    else:
        items = list(fusions)
    out = []
    for item in items:
        found = FUSION_PATTERN.fullmatch(str(item).strip())
        if not found:
            raise OncologyError(f"expected a fusion as 'GENE1::GENE2' (5' partner first; 'GENE1--GENE2' also "
                                f"accepted), found {item!r}")
        five, three = found[1].upper(), found[2].upper()
        out.append((five, three, f"{five}::{three}"))
    return out


def _copy_numbers(cna: Mapping[str, str] | pl.DataFrame | str | os.PathLike[str] | None) -> list[tuple[str, str]]:
    if cna is None:
        return []
    if isinstance(cna, (str, os.PathLike)):
        cna = read_copy_numbers(cna)
    if isinstance(cna, pl.DataFrame):
        if not {"gene", "call"} <= set(cna.columns):
            raise OncologyError(f"the cna frame needs 'gene' and 'call' columns, found {cna.columns}")
        pairs = list(zip(cna["gene"].to_list(), cna["call"].to_list()))
    elif isinstance(cna, Mapping):
        pairs = list(cna.items())
    else:
        raise OncologyError(f"cna must be a mapping gene -> call, a frame (gene, call) or a TSV path, "
                            f"found {type(cna).__name__}")
    out = []
    for gene, call in pairs:
        kind = COPY_NUMBER_CALLS.get(str(call).strip().lower())
        if kind is None:
            raise OncologyError(f"copy-number call for {gene}: expected one of {sorted(COPY_NUMBER_CALLS)}, found {call!r}")
        out.append((str(gene).upper(), kind))
    return out


def match(somatic: Somatic | None = None, *, tumor_type: str,
          fusions: Sequence[str] | pl.DataFrame | str | os.PathLike[str] | None = None,
          cna: Mapping[str, str] | pl.DataFrame | str | os.PathLike[str] | None = None, msi: str | None = None,
          tmb: float | None = None,
          off_label: bool = False, pass_only: bool = True, min_vaf: float = 0.0, min_depth: int = 0,
          reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Match a tumour's biomarkers to therapies in ``reference/oncology/biomarkers.tsv``.

    Matching order, most specific first: exact protein change, codon, exon rule, gene-level loss or
    gain of function, copy number, fusion, signature (TMB, MSI). For one alteration and therapy only
    the most specific hit is kept, and ``match_type`` says how it matched.

    Parameters
    ----------
    somatic : str, os.PathLike, SomaticCalls or CallSet, optional
        The tumour's VEP- (``CSQ``) or SnpEff- (``ANN``) annotated VCF: its path (the annotation is found
        in its header), calls from :func:`read_somatic`, or a CallSet (one read without the annotation
        field is read again from its source file, keeping the CallSet's loci). None to match fusions,
        copy numbers and signatures alone.
    tumor_type : str
        An OncoTree code, name or synonym, any case (``"LUAD"``, ``"lung adenocarcinoma"``, ``"NSCLC"``,
        ``"CRC"``, ``"breast cancer"``; see :func:`tumor_types`). Evidence for the type or any ancestor
        applies (an ``NSCLC`` row covers ``LUAD``); evidence for a subtype of a broad type (a tissue such
        as ``BREAST``, an umbrella such as ``NSCLC``) is listed too, its ``scope`` saying ``subtype``.
    fusions : list of str, polars.DataFrame or path, optional
        ``"GENE1::GENE2"`` strings (5' partner first; ``--`` accepted), a frame with a ``fusion`` column,
        or a TSV path (see :func:`read_fusions`).
    cna : mapping, polars.DataFrame or path, optional
        Gene copy-number calls: ``{"ERBB2": "amplification"}``, a frame with ``gene`` and ``call``, or
        a TSV path (see :func:`read_copy_numbers`); calls are amplification/amp/amplified or
        deletion/del/homdel/deep_deletion.
    msi : {"MSI-H", "dMMR", "MSI-L", "MSS", "pMMR"}, optional
        Microsatellite / mismatch-repair status; MSI-H and dMMR are treated alike.
    tmb : float, optional
        Tumour mutational burden in mutations per Mb (e.g. from :func:`tmb`).
    off_label : bool, default False
        Also report sensitivity evidence from other tumour types, as AMP/ASCO/CAP tier ``II-C``.
    pass_only : bool, default True
        Ignore records whose FILTER is not PASS or ``.``.
    min_vaf, min_depth : default 0
        Tumour VAF and depth filters for variants (need AD/DP).
    reference_dir : path, optional
        Another reference folder laid out like the shipped one.

    Returns
    -------
    polars.DataFrame
        Columns of :data:`MATCH_COLUMNS`: ``gene``, ``alteration`` (what the tumour has: ``"V600E"``,
        ``"EML4::ALK"``, ``"amplification"``, ``"TMB 12.0 mut/Mb"``), ``therapy``, ``tumor_type`` (the
        evidence's tumour types), ``tier``, ``evidence_level``, ``source``, ``match_type``,
        ``resistance``, ``biomarker`` (the rule matched), ``locus`` (``"chr7:140753336 A>T"``, 1-based;
        null for non-variant hits), ``source_date``, ``note`` and ``scope`` (:data:`SCOPES`: ``tumor_type``
        when the evidence covers the type asked for, ``subtype`` when it holds for the subtype that
        ``tumor_type`` names, ``off_label``). Sorted by match order, gene, alteration, scope.

    Raises
    ------
    UnknownTumorTypeError
        ``tumor_type`` is not in the vocabulary (the closest names are listed) or names several types.
    AnnotationError
        The calls lack VEP/SnpEff annotation, or it is malformed.
    OncologyError
        Malformed fusions, copy numbers, MSI status or TMB.

    Examples
    --------
    >>> from pgx.oncology import match
    >>> hits = match(tumor_type="LUAD", fusions=["EML4::ALK"], tmb=12.0)
    >>> hits.select("gene", "therapy", "match_type").head(3).rows()
    [('ALK', 'crizotinib', 'fusion'), ('ALK', 'ceritinib', 'fusion'), ('ALK', 'alectinib', 'fusion')]
    >>> hits.filter(hits["match_type"] == "signature").select("alteration", "therapy").rows()
    [('TMB 12.0 mut/Mb', 'pembrolizumab')]
    """
    tree = load_tree(reference_dir)
    code = tree.check(tumor_type)
    lineage, below = tree.lineage(code), tree.descendants(code)
    rules = load_rules(reference_dir)
    rank = {kind: n for n, kind in enumerate(MATCH_TYPES)}
    # (key identifying the alteration, therapy, resistance[, evidence's tumour types for subtypes])
    #   -> best (scope, rank, row order, record)
    best: dict[tuple, tuple] = {}

    def offer(rule: Rule, key: str, gene: str, alteration: str, locus: str | None) -> None:
        if rule.applies_to(lineage):
            scope = 0
        elif rule.include & below and not rule.exclude.intersection(lineage):
            scope = 1
        elif off_label and not rule.resistance:
            scope = 2
        else:
            return
        record = {
            "gene": gene, "alteration": alteration, "therapy": rule.therapy, "tumor_type": rule.tumor_types,
            "tier": rule.tier if scope < 2 else "II-C", "evidence_level": rule.evidence_level,
            "source": rule.source, "match_type": rule.alteration_type, "resistance": rule.resistance,
            "biomarker": f"{rule.gene} {rule.alteration}", "locus": locus, "source_date": rule.source_date,
            "note": rule.note or None, "scope": SCOPES[scope]}
        score = (scope, rank[rule.alteration_type], rule.row)
        slot = (key, rule.therapy, rule.resistance, rule.tumor_types if scope == 1 else None)
        if slot not in best or score < best[slot][0]:
            best[slot] = (score, record)

    by_gene: dict[str, list[Rule]] = {}
    for rule in rules:
        by_gene.setdefault(rule.gene, []).append(rule)

    if somatic is not None:
        calls, keep = _as_somatic(somatic)
        table = _filtered(calls, pass_only=pass_only, min_vaf=min_vaf, min_depth=min_depth, keep=keep)
        for row in table.iter_rows(named=True):
            candidates = [r for r in by_gene.get(row["gene"], ()) if r.alteration_type in ("exact", "codon", "exon", "gene")]
            if not candidates:
                continue
            locus = f"{row['chrom']}:{row['pos']} {row['ref']}>{row['alt']}"
            alteration = row["protein"] or row["hgvsc"] or "&".join(row["consequence"])
            for rule in candidates:
                if _variant_hit(rule, row):
                    offer(rule, f"{locus}|{row['gene']}", row["gene"], alteration, locus)
    for gene, kind in _copy_numbers(cna):
        for rule in by_gene.get(gene, ()):
            if rule.alteration_type == "copy_number" and rule.kind == kind:
                offer(rule, f"cn|{gene}|{kind}", gene, kind, None)
    for five, three, name in _fusions(fusions):
        for gene in dict.fromkeys((five, three)):
            for rule in by_gene.get(gene, ()):
                if rule.alteration_type == "fusion" and (rule.kind == "fusion" or name in rule.values):
                    offer(rule, f"fusion|{name}", gene, name, None)
    if msi is not None:
        status = _MSI.get(str(msi).strip().upper())
        if status is None:
            raise OncologyError(f"msi must be one of MSI-H, dMMR, MSI-L, MSS, pMMR; found {msi!r}")
        if status:
            for rule in by_gene.get("MSI", ()):
                offer(rule, "msi", "MSI", str(msi).strip(), None)
    if tmb is not None:
        if not isinstance(tmb, (int, float)) or math.isnan(tmb) or tmb < 0:
            raise OncologyError(f"tmb must be a non-negative number of mutations per Mb, found {tmb!r}")
        for rule in by_gene.get("TMB", ()):
            if tmb >= rule.threshold:
                offer(rule, "tmb", "TMB", f"TMB {float(tmb):.1f} mut/Mb", None)

    covered = {slot[:3]: score[0] for slot, (score, _) in best.items() if score[0] != 1}
    subtyped = {slot[:3] for slot, (score, _) in best.items() if score[0] == 1}
    kept = [(score, record) for slot, (score, record) in best.items()
            if (score[0] == 0) or (score[0] == 1 and covered.get(slot[:3]) != 0)
            or (score[0] == 2 and slot[:3] not in subtyped)]
    ordered = sorted(kept, key=lambda item: (item[0][1], item[1]["gene"], item[1]["alteration"], item[0][0],
                                             item[1]["tumor_type"], item[0][2]))
    return pl.DataFrame([record for _, record in ordered], schema=MATCH_COLUMNS, orient="row")
