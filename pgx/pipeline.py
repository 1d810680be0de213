"""Orchestration of the stages: read -> encode -> call -> phenotype (-> recommend -> report)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from collections.abc import Sequence

import numpy as np
import polars as pl

from pgx.callset import CallSet
from pgx.calling._call import LIST_SEP, split_list_columns
from pgx.calling import (
    DIPLOTYPE_SCHEMA,
    OutsideCallError,
    allele_sort_key,
    call_diplotypes,
    outside_frame,
    proxy_phenotypes,
    read_outside_calls,
)
from pgx.io import read_vcf, require_genotypes, variant_only_reason
from pgx.io._probe import _unknown_build_error
from pgx.phenotype import INDETERMINATE, gene_phenotypes
from pgx.exceptions import PgxError, ReferenceDataError, VariantOnlyInputWarning
from pgx.reference import genes as reference_genes

__all__ = ["call", "read_genotypes", "report", "CALL_SCHEMA", "write_calls_tsv", "read_calls_tsv", "read_medications",
           "read_table", "train_model", "predict_model", "evaluate_model", "pseudonymize_samples", "input_sample_ids",
           "write_somatic_section", "tumor_report_section", "simulate", "build_features", "read_cohort_table",
           "scan_cohort_table", "cohort_table_path", "scan_table", "model_sections", "call_alignments",
           "ALIGNMENT_CALL_SCHEMA"]

_PHENOTYPE_COLUMNS = {
    "function_1": pl.String,
    "function_2": pl.String,
    "activity_score": pl.Float64,
    "phenotype": pl.String,
}
#: columns of the frame :func:`call` returns: the diplotype columns with the phenotype
#: columns after ``alternatives``, and ``alternative_phenotypes`` last
CALL_SCHEMA = {
    **{k: v for k, v in DIPLOTYPE_SCHEMA.items() if k in ("sample_id", "gene", "diplotype", "haplotype_1",
                                                          "haplotype_2", "alternatives")},
    **_PHENOTYPE_COLUMNS,
    **{k: v for k, v in DIPLOTYPE_SCHEMA.items() if k in ("missing_positions", "novel_positions", "phased",
                                                          "warnings")},
    "alternative_phenotypes": pl.List(pl.String),
    **{k: v for k, v in DIPLOTYPE_SCHEMA.items() if k in ("position_genotypes", "position_status")},
}
#: columns a calls table may lack (written before they existed, or by another tool): read as nulls
_OPTIONAL_CALL_COLUMNS = ("position_genotypes", "position_status")


def _split(diplotype: str | None) -> tuple[str | None, str | None]:
    if not diplotype:
        return None, None
    parts = diplotype.split("/", 1)
    if len(parts) == 1:
        return parts[0], None
    a, b = parts
    return (a, b) if allele_sort_key(a) <= allele_sort_key(b) else (b, a)


def _outside_calls_frame(outside, sample_ids: Sequence[str]) -> pl.DataFrame:
    """Outside calls (a path, OutsideCall items or a frame) as a frame whose every row names
    one of ``sample_ids`` (PharmCAT's sample-less single-sample format gets the only one)."""
    items = read_outside_calls(outside, genes=set(reference_genes())) if isinstance(outside, (str, os.PathLike)) \
        else outside
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
    return frame


def _merge_outside(calls: pl.DataFrame, outside, sample_ids: Sequence[str]) -> tuple[pl.DataFrame, dict]:
    frame = _outside_calls_frame(outside, sample_ids)
    given: dict[tuple[str, str], tuple[str | None, float | None]] = {}
    rows = []
    for row in frame.iter_rows(named=True):
        sample, gene, diplotype, phenotype, activity = (row[k] for k in ("sample_id", "gene", "diplotype", "phenotype",
                                                                         "activity_score"))
        h1, h2 = _split(diplotype)
        rows.append({
            "sample_id": sample, "gene": gene, "diplotype": diplotype if h1 is None else (h1 if h2 is None else f"{h1}/{h2}"),
            "haplotype_1": h1, "haplotype_2": h2, "alternatives": [], "missing_positions": [],
            "novel_positions": [], "phased": False, "n_top": 1,
            "warnings": ["outside_call"] + (["outside_name_mapped"] if row.get("notes") else []),
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
    n = calls.height
    keys = ["gene", "haplotype_1", "haplotype_2", "_alternatives", "_warnings", "n_top"]
    frame = calls.select(
        "sample_id", "gene", "haplotype_1", "haplotype_2",
        pl.col("alternatives").list.join(LIST_SEP).alias("_alternatives"),
        pl.col("warnings").list.join(LIST_SEP).alias("_warnings"), "n_top",
    ).with_row_index("_i")
    # rows with outside phenotypes or activity scores one by one; the rest once per distinct call
    outside = np.zeros(n, dtype=bool)
    if given:
        pairs = set(given)
        outside = np.array([pair in pairs for pair in zip(frame["sample_id"], frame["gene"])], dtype=bool)
    groups = frame.filter(~pl.Series(outside)).group_by(keys, maintain_order=True).agg(pl.col("_i"))
    todo = [(row, None, None) for row in groups.select(keys).iter_rows()]
    singles = frame.filter(pl.Series(outside))
    todo += [(row[2:], *given[(row[1], row[2])]) for row in singles.select("_i", "sample_id", *keys).iter_rows()]
    group_of = np.empty(n, dtype=np.int64)
    members = groups.with_row_index("_g").select("_g", "_i").explode("_i")
    group_of[members["_i"].to_numpy()] = members["_g"].to_numpy()
    group_of[singles["_i"].to_numpy()] = np.arange(groups.height, groups.height + singles.height)
    values = [_annotate_one(gene, h1, h2, _unjoin(alternatives), _unjoin(warn), n_top, phen_given, act_given,
                            reference_dir)
              for (gene, h1, h2, alternatives, warn, n_top), phen_given, act_given in todo]
    columns = [np.array(column, dtype=object)[group_of] for column in zip(*values)] if values \
        else [np.empty(0, dtype=object)] * 6
    f1s, f2s, scores, phenotypes, warnings, alt_phenotypes = (c.tolist() for c in columns)
    return calls.with_columns(
        pl.Series("function_1", f1s, dtype=pl.String),
        pl.Series("function_2", f2s, dtype=pl.String),
        pl.Series("activity_score", scores, dtype=pl.Float64),
        pl.Series("phenotype", phenotypes, dtype=pl.String),
        pl.Series("warnings", warnings, dtype=pl.String),
        pl.Series("alternative_phenotypes", alt_phenotypes, dtype=pl.String),
    ).pipe(split_list_columns, ["warnings", "alternative_phenotypes"]).select(list(CALL_SCHEMA))


def _unjoin(joined: str | None) -> list[str]:
    """A list column's value back from :data:`LIST_SEP`-joined text."""
    return joined.split(LIST_SEP) if joined else []


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
    position_details: bool = False,
) -> pl.DataFrame:
    """Call diplotype, function, activity score and phenotype for every sample and gene.

    Parameters
    ----------
    callset : CallSet or path
        Calls read with :func:`pgx.read_vcf`, or a VCF/BCF path to read.
    genes : sequence of str, optional
        Genes to call (default: every gene with definition positions, HLA-B from its
        tag-SNP proxy, plus the genes named in ``outside_calls``). A proxy row gives
        carrier statuses (``phenotype`` ``"HLA-B*57:01 positive"``) and the warning
        ``hla_tag_proxy``; an outside call for the same sample and gene replaces it.
    genome_build : {"GRCh38", "GRCh37"}, optional
        Defaults to the build of the calls.
    assume_reference : bool, default False
        Count definition positions absent from the VCF as reference (array or exome
        data); the ``warnings`` column then says ``assumed_reference`` and lists them
        (``assumed_positions: ...``). A gene with no record of the input in its region
        stays not called (``no_data_in_region``).
    outside_calls : path or polars.DataFrame, optional
        Diplotypes/phenotypes from other tools (see :func:`pgx.calling.read_outside_calls`);
        they replace or add the (sample, gene) rows they name.
    reference_dir : str, optional
        A reference folder other than the shipped one.
    position_details : bool, default False
        Fill ``position_genotypes`` and ``position_status`` for every definition position
        (what the reports' allele-matching tables show; :func:`pgx.report` asks for them);
        otherwise they are null.

    Returns
    -------
    polars.DataFrame
        One row per (sample, gene); columns as in :data:`CALL_SCHEMA`. ``diplotype``
        is the top-scoring diplotype (PharmCAT's scoring); ``alternatives`` every other
        diplotype consistent with the calls, best first, with their phenotypes in
        ``alternative_phenotypes``. When diplotypes tie for the top score and imply
        different phenotypes, ``phenotype`` is ``"Indeterminate"``.

    Raises
    ------
    NoGenotypesError
        The VCF has no sample columns (sites-only) or no GT call at all.
    GenomeBuildError
        The build is unknown (neither the header nor the REF bases at definition
        positions decide it) or contradicts ``genome_build``.

    Warns
    -----
    VariantOnlyInputWarning
        Once, when the input looks variant-only (no reference calls) and
        ``assume_reference`` is False: its message says what ``assume_reference`` assumes.

    Examples
    --------
    >>> import pgx
    >>> calls = pgx.call(pgx.example_vcf(), genes=["CYP2C19"])
    >>> calls.columns[:4]
    ['sample_id', 'gene', 'diplotype', 'haplotype_1']
    """
    if not isinstance(callset, CallSet):
        callset = read_genotypes(callset, genome_build=genome_build)
    elif callset.n_samples == 0:
        require_genotypes(callset)
    if not assume_reference:
        _hint_assume_reference(callset, genome_build or callset.genome_build, reference_dir)
    calls = call_diplotypes(callset, genes=genes, genome_build=genome_build, assume_reference=assume_reference,
                            reference_dir=reference_dir, position_details=position_details)
    # HLA tag-SNP proxies carry their allele statuses as phenotypes; outside calls replace them
    given: dict = {key: (status, None) for key, status in proxy_phenotypes(calls).items()}
    if outside_calls is not None:
        calls, outside_given = _merge_outside(calls, outside_calls, callset.sample_ids)
        given.update(outside_given)
    return _annotate(calls, given, reference_dir)


def read_genotypes(path: str | os.PathLike[str], *, samples: Sequence[str] | None = None,
                   genome_build: str | None = None) -> CallSet:
    """Read a VCF to call from: :func:`pgx.read_vcf`, refusing files with nothing to call.

    Parameters
    ----------
    path : path
        A VCF/BCF.
    samples : sequence of str, optional
    genome_build : {"GRCh38", "GRCh37"}, optional
        As in :func:`pgx.read_vcf`.

    Returns
    -------
    CallSet
        Its ``genome_build`` is known; ``genome_build_source`` says how it was found.

    Raises
    ------
    NoGenotypesError
        A sites-only VCF, or one without any GT call.
    GenomeBuildError
        Neither ``genome_build``, the header nor the REF bases at definition positions
        give the build.

    Examples
    --------
    >>> import pgx
    >>> cs = read_genotypes(pgx.example_vcf())
    >>> cs.genome_build, cs.genome_build_source
    ('GRCh38', '##contig lengths (8 contigs)')
    """
    callset = read_vcf(path, samples=samples, genome_build=genome_build)
    require_genotypes(callset)
    if callset.genome_build is None:
        raise _unknown_build_error(path)
    return callset


def _hint_assume_reference(callset: CallSet, build: str | None, reference_dir: str | None) -> None:
    """Warn once when the calls look variant-only: absent positions then leave genes uncalled."""
    if build is None:
        return
    reason = variant_only_reason(callset, build, reference_dir=reference_dir)
    if reason is not None:
        warnings.warn(
            f"{callset.source or 'the input'} looks variant-only ({reason}); positions absent from it are "
            "unknown, so genes go uncalled or Indeterminate. If the file lists every non-reference site of "
            "the genes it covers, pass assume_reference=True: absent positions in covered genes are then "
            "counted as reference", VariantOnlyInputWarning, stacklevel=3)


_LIST_FIELDS = ("alternatives", "missing_positions", "novel_positions", "warnings", "alternative_phenotypes",
                *_OPTIONAL_CALL_COLUMNS)


def write_calls_tsv(calls: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a calls table as TSV (list columns as JSON arrays, struct columns as JSON objects), atomically.

    Parameters
    ----------
    calls : polars.DataFrame
        As :func:`call` or :func:`call_alignments` returns.
    path : path

    Examples
    --------
    >>> import pgx, pathlib, tempfile
    >>> calls = pgx.call(pgx.example_vcf(), genes=["CYP2C19"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "calls.tsv"
    >>> write_calls_tsv(calls, path)
    >>> read_calls_tsv(path).equals(calls)
    True
    """
    import json

    text = calls.with_columns(
        pl.Series(c, [json.dumps(v) for v in calls[c].to_list()], dtype=pl.String)
        for c in calls.columns if c in _LIST_FIELDS or isinstance(calls.schema[c], pl.Struct)
    ).write_csv(separator="\t", null_value="", quote_style="never")
    _atomic_text(os.fspath(path), text)


def _atomic_text(path: str, text: str) -> None:
    _atomic_write(path, lambda handle: handle.write(text))


def _atomic_write(path: str, write, *, binary: bool = False) -> None:
    """Call ``write(handle)`` on a hidden temporary file next to ``path``, fsync it and rename
    it to ``path``: a reader sees the whole file or none (a failure leaves nothing)."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_calls_tsv(path: str | os.PathLike[str], *, reference_dir: str | None = None) -> pl.DataFrame:
    """Read a calls table written by :func:`write_calls_tsv` or made by another tool.

    A table with pgx's columns is read as it is. A smaller table with ``sample_id``,
    ``gene`` and at least one of ``diplotype``, ``phenotype``, ``activity_score`` (another
    caller's output) is completed: functions, activity scores and phenotypes come from
    the reference tables, as for outside calls.

    Parameters
    ----------
    path : path
    reference_dir : str, optional

    Returns
    -------
    polars.DataFrame
        Columns as in :data:`CALL_SCHEMA`.

    Raises
    ------
    OutsideCallError
        If the file cannot be read or lacks the required columns.
    """
    import json

    path = os.fspath(path)
    try:
        raw = pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise OutsideCallError(f"cannot read calls table {path}: {exc}") from None
    if set(CALL_SCHEMA) - set(_OPTIONAL_CALL_COLUMNS) <= set(raw.columns):
        raw = raw.with_columns(pl.lit("null").alias(c) for c in _OPTIONAL_CALL_COLUMNS if c not in raw.columns)
        frame = raw.select(list(CALL_SCHEMA)).with_columns(
            pl.col(c).replace("", None) for c in ("diplotype", "haplotype_1", "haplotype_2", "function_1",
                                                  "function_2", "phenotype")
        )
        try:
            frame = frame.with_columns(
                *(pl.Series(c, [json.loads(v) for v in frame[c].to_list()], dtype=pl.List(pl.String))
                  for c in _LIST_FIELDS),
                pl.col("activity_score").replace("", None).cast(pl.Float64),
                (pl.col("phased") == "true").alias("phased"),
            )
        except (pl.exceptions.PolarsError, ValueError) as exc:
            raise OutsideCallError(f"calls table {path}: a column does not hold what pgx writes ({exc})") from None
        return frame.select(list(CALL_SCHEMA))
    columns = {c.lower(): c for c in raw.columns}
    sample = columns.get("sample_id") or columns.get("sample")
    if sample is None or "gene" not in columns:
        raise OutsideCallError(
            f"calls table {path}: expected pgx's calls columns, or at least sample_id, gene and diplotype/"
            f"phenotype/activity_score; found {raw.columns}"
        )
    items = read_outside_calls(path, genes=set(reference_genes(reference_dir=reference_dir)), reference_dir=reference_dir)
    frame = outside_frame(items)
    samples = list(dict.fromkeys(frame["sample_id"].to_list()))
    empty = pl.DataFrame(schema={k: v for k, v in DIPLOTYPE_SCHEMA.items()})
    merged, given = _merge_outside(empty, frame, samples)
    return _annotate(merged, given, reference_dir)


def input_sample_ids(source: str | os.PathLike[str], *, from_calls: bool = False) -> list[str]:
    """The sample ids of a VCF (from its header) or of a calls table."""
    if from_calls:
        return list(dict.fromkeys(read_calls_tsv(source)["sample_id"].to_list()))
    if _is_alignment_path(source):
        from pgx.io import alignment_info

        return [alignment_info(source, genome_build="GRCh38").sample_id]
    from pgx.io import read_header

    return list(read_header(source).samples)


def pseudonymize_samples(frame: pl.DataFrame, pseudonyms: dict[str, str], *,
                         column: str = "sample_id") -> pl.DataFrame:
    """Replace the ``column`` values (``sample_id``, or a patient id) by their pseudonyms
    (every value must have one).

    Raises
    ------
    PgxError
        If a value has no pseudonym.
    """
    values = frame[column].cast(pl.String)
    missing = set(values.drop_nulls().unique().to_list()) - set(pseudonyms)
    if missing:
        what = "sample(s)" if column == "sample_id" else f"{column} value(s)"
        raise PgxError(f"{len(missing)} {what} have no pseudonym")
    return frame.with_columns(values.replace_strict(pseudonyms, return_dtype=pl.String).alias(column))


def read_medications(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a medications TSV with columns ``sample_id`` and ``drug`` (one row per drug taken).

    Raises
    ------
    PgxError
        If the file cannot be read or lacks the columns.
    """
    path = os.fspath(path)
    try:
        frame = pl.read_csv(path, separator="\t", infer_schema=False, comment_prefix="#")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise PgxError(f"cannot read medications {path}: {exc}") from None
    columns = {c.strip().lower(): c for c in frame.columns}
    sample = columns.get("sample_id") or columns.get("sample")
    if sample is None or "drug" not in columns:
        raise PgxError(f"medications {path}: expected the columns sample_id and drug, found {frame.columns}")
    return frame.select(pl.col(sample).alias("sample_id"), pl.col(columns["drug"]).alias("drug"))


def report(
    source: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    from_calls: bool = False,
    medications: str | os.PathLike[str] | pl.DataFrame | None = None,
    outside_calls: str | os.PathLike[str] | None = None,
    drugs: Sequence[str] | None = None,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    formats: Sequence[str] = ("html", "json"),
    genome_build: str | None = None,
    assume_reference: bool = False,
    force: bool = False,
    threads: int = 1,
    progress=None,
    pseudonyms: dict[str, str] | None = None,
    reference_dir: str | None = None,
    min_count: int | None = None,
    audit_chain_head: str | None = None,
    tumor=None,
    models=None,
    alignments: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    alignment_reference: str | None = None,
) -> dict:
    """VCF (or a calls table) in, one report per sample out: the README's main job.

    Parameters
    ----------
    source : path
        A VCF/BCF, a BAM/CRAM (CYP2D6 only, :func:`call_alignments`), or with
        ``from_calls=True`` a calls table (:func:`read_calls_tsv`).
    outdir : path
        The output folder (created when missing).
    from_calls : bool, default False
    medications : path or polars.DataFrame, optional
        Current medications (sample_id, drug) for phenoconversion.
    outside_calls : path, optional
    drugs, samples, genes : sequences of str, optional
        Restrict the drugs, samples and genes reported.
    formats : sequence of {"html", "json", "fhir", "tsv"}
    genome_build : {"GRCh38", "GRCh37"}, optional
        Required when it cannot be read from the input (a calls table).
    assume_reference : bool, default False
    force : bool, default False
        Rewrite samples whose reports are complete (else a rerun resumes).
    threads : int, default 1
        Worker processes rendering and writing blocks of samples in parallel (1: in
        this process).
    progress : callable, optional
        Called as ``progress(done, total)`` after each sample.
    pseudonyms : dict of str to str, optional
        Sample id -> pseudonym (:class:`pgx.privacy.Pseudonymizer`). Reports then carry
        the pseudonyms (in their contents and file names), no input file name, and the
        run date's year only.
    reference_dir : str, optional
    min_count : int, optional
        Smallest count the cohort summary shows (smaller ones appear as ``"<min_count"``;
        see :func:`pgx.privacy.suppress_small_counts`). Default: 11 with ``pseudonyms``,
        else 1 (every count shown).
    audit_chain_head : str, optional
        The audit log's head when the run began (:func:`pgx.privacy.chain_head`),
        stamped into every report.
    tumor : pgx.report.TumorSection, optional
        One patient's tumour section (:func:`tumor_report_section`), added to the report
        of the only sample reported (a multi-sample input needs ``samples`` narrowed to one).
    models : mapping of str to pgx.report.ModelSection, optional
        Per input sample id, a model's prediction and its top contributions
        (:func:`model_sections`), added to the sample's report. Every sample reported needs one.
    alignments : path or sequence of paths, optional
        BAM/CRAM files of the same samples: their CYP2D6 calls (:func:`call_alignments`: copy
        number, deletions, duplications, hybrids) replace the VCF's, and the report's methods
        say so. A file's ``@RG SM`` must name a sample of the VCF (one file with a one-sample
        VCF needs no match).
    alignment_reference : str, optional
        The reference FASTA of CRAM files (``source`` or ``alignments``).

    Returns
    -------
    dict of str to pgx.report.SampleStatus

    Raises
    ------
    PgxError
        Bad input (VCF, calls table, medications, outside calls), an unknown gene or
        drug, or an output folder that cannot be written.
    """
    from pgx.recommend import recommend
    from pgx.reference import reference_version
    from pgx.report import ReportMeta, write_cohort_summary, write_reports

    outdir = os.fspath(outdir)
    _check_writable(outdir)
    build_source = None
    if from_calls:
        calls = read_calls_tsv(source, reference_dir=reference_dir)
        build = genome_build or "GRCh38"
        if samples is not None:
            calls = calls.filter(pl.col("sample_id").is_in(list(samples)))
        if genes is not None:
            calls = calls.filter(pl.col("gene").is_in(list(genes)))
    elif _is_alignment_path(source):
        from_reads = call_alignments(source, genome_build=genome_build, reference=alignment_reference)
        calls = from_reads.select(list(CALL_SCHEMA))
        build = genome_build or _alignment_build(source, alignment_reference)
    else:
        callset = read_genotypes(source, samples=samples, genome_build=genome_build)
        calls = call(callset, genes=genes, genome_build=genome_build, assume_reference=assume_reference,
                     outside_calls=outside_calls, reference_dir=reference_dir, position_details=True)
        build = genome_build or callset.genome_build
        build_source = None if genome_build else callset.genome_build_source
    if alignments is not None:
        from_reads = call_alignments(alignments, genome_build=build, reference=alignment_reference)
        calls = _replace_with_read_calls(calls, from_reads)
    try:  # created once the input has been read: a bad input leaves nothing behind
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise PgxError(f"cannot create the output folder {outdir}: {exc.strerror}") from None
    meds = read_medications(medications) if isinstance(medications, (str, os.PathLike)) else medications
    recommendations = recommend(calls, drugs=drugs, medications=meds, reference_dir=reference_dir)
    if models is not None:
        missing = [s for s in dict.fromkeys(calls["sample_id"].to_list()) if s not in models]
        if missing:
            which = "" if pseudonyms is not None else f": {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"
            raise PgxError(f"the model's feature table has no row for {len(missing)} sample(s) of the report{which}")
        if pseudonyms is not None:
            models = {pseudonyms[s]: section for s, section in models.items() if s in pseudonyms}
    if pseudonyms is not None:
        calls = pseudonymize_samples(calls, pseudonyms)
        recommendations = pseudonymize_samples(recommendations, pseudonyms)
    names = list(dict.fromkeys(calls["sample_id"].to_list()))
    if tumor is not None and len(names) != 1:
        raise PgxError(f"a tumour section belongs to one patient, but the report covers {len(names)} samples; "
                       "choose the patient's sample (pgx report --sample)")
    sections = {"tumor": None if tumor is None else {names[0]: tumor},
                "models": None if models is None else {n: models[n] for n in names}}
    meta = ReportMeta(reference_version=reference_version(reference_dir), genome_build=build,
                      genome_build_source=build_source,
                      input_name=None if pseudonyms is not None else os.path.basename(os.fspath(source)),
                      cohort={"samples": len(names)}, date_precision="day" if pseudonyms is None else "year",
                      audit_chain_head=audit_chain_head, reference_dir=reference_dir)
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive whole number, found {threads!r}")
    step = max(1, len(names) // 100)
    blocks = [names[start : start + step] for start in range(0, len(names), step)]
    statuses: dict = {}
    done = 0
    if threads > 1 and len(blocks) > 1:
        results = _write_in_processes(outdir, calls, recommendations, meta, formats, blocks, force, threads, sections)
    else:
        results = (write_reports(outdir, calls.filter(pl.col("sample_id").is_in(block)),
                                 recommendations.filter(pl.col("sample_id").is_in(block)), meta,
                                 formats=formats, samples=block, force=force, **sections) for block in blocks)
    for block, result in zip(blocks, results):
        statuses.update(result)
        done += len(block)
        if progress is not None:
            progress(done, len(names))
    if len(names) > 1:
        write_cohort_summary(outdir, calls, meta,
                             min_count=min_count if min_count is not None else (1 if pseudonyms is None else 11))
    return statuses


def _check_writable(outdir: str) -> None:
    """Fail early when ``outdir`` (or, when it does not exist yet, its nearest existing parent)
    cannot be written; nothing is created."""
    folder = os.path.abspath(outdir)
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise PgxError(f"cannot create the output folder {outdir}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PgxError(f"the output folder {outdir} is not writable" if folder == os.path.abspath(outdir)
                       else f"cannot create the output folder {outdir}: {folder} is not writable")


_WORKER: dict = {}


def _init_report_worker(folder: str, outdir: str, meta, formats, force: bool, sections: dict) -> None:
    _WORKER.update(calls=pl.read_parquet(os.path.join(folder, "calls.parquet")),
                   recommendations=pl.read_parquet(os.path.join(folder, "recommendations.parquet")),
                   outdir=outdir, meta=meta, formats=formats, force=force, sections=sections)


def _report_block(block: list[str]) -> dict:
    from pgx.report import write_reports

    w = _WORKER
    return write_reports(w["outdir"], w["calls"].filter(pl.col("sample_id").is_in(block)),
                         w["recommendations"].filter(pl.col("sample_id").is_in(block)), w["meta"],
                         formats=w["formats"], samples=block, force=w["force"], **w["sections"])


def _write_in_processes(outdir, calls, recommendations, meta, formats, blocks, force, workers, sections):
    """Render and write sample blocks in worker processes (spawned: polars must not be forked)."""
    import multiprocessing
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory(prefix="pgx-report-") as folder:
        calls.write_parquet(os.path.join(folder, "calls.parquet"))
        recommendations.write_parquet(os.path.join(folder, "recommendations.parquet"))
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_report_worker,
                                 initargs=(folder, outdir, meta, list(formats), force, sections)) as pool:
            yield from pool.map(_report_block, blocks)


_MODEL_KINDS = ("response", "adverse", "dose")


def read_table(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a feature table from Parquet, TSV or CSV (by the file's suffix).

    Raises
    ------
    PgxError
        If the file cannot be read.
    """
    path = os.fspath(path)
    try:
        return scan_table(path).collect()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise PgxError(f"cannot read the table {path}: {exc}") from None


def scan_table(path: str | os.PathLike[str]) -> pl.LazyFrame:
    """Scan a feature table lazily, typed as :func:`read_table` reads it: filter or slice it
    before collecting to read only some rows.

    A text (TSV, CSV) column without a single value says nothing about its type: it is read
    as missing numbers, decided on the whole file, so every slice has the same types.

    Raises
    ------
    PgxError
        If the file cannot be read.

    Examples
    --------
    >>> import os, tempfile, polars as pl
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> pl.DataFrame({"x": [1, 2, 3], "note": [None, None, None]}).write_csv(path)
    >>> scan_table(path).slice(1, 1).collect().rows(), scan_table(path).collect_schema()["note"]
    ([(2, None)], Float64)
    """
    path = os.fspath(path)
    try:
        if path.endswith(".parquet"):
            lazy = pl.scan_parquet(path)
            lazy.collect_schema()  # reads the footer: a damaged or missing file fails here, named
            return lazy
        lazy = pl.scan_csv(path, separator="\t" if path.endswith((".tsv", ".txt")) else ",")
        text = [c for c, dtype in lazy.collect_schema().items() if dtype == pl.String]
        if not text:
            return lazy
        counts = lazy.select(pl.len(), *[pl.col(c).null_count() for c in text]).collect().row(0)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise PgxError(f"cannot read the table {path}: {exc}") from None
    empty = [c for c, nulls in zip(text, counts[1:]) if counts[0] and nulls == counts[0]]
    return lazy.with_columns(pl.col(empty).cast(pl.Float64)) if empty else lazy


def _require(table: pl.DataFrame, column: str, path) -> None:
    if column not in table.columns:
        raise PgxError(f"{os.fspath(path)}: no column {column!r}; found {table.columns[:20]}")


def train_model(features: str | os.PathLike[str], model_dir: str | os.PathLike[str], *, outcome: str,
                kind: str = "response", id_column: str = "patient_id", drop: Sequence[str] = (),
                random_state: int = 0, overwrite: bool = False):
    """Fit a pgx model on a feature table and save it (LightGBM text model + JSON, no pickle).

    Parameters
    ----------
    features : path
        One row per patient (Parquet, TSV or CSV) holding the outcome column.
    model_dir : path
        Where the model is saved.
    outcome : str
        The outcome column (0/1 for ``response``/``adverse``, a number for ``dose``).
    kind : {"response", "adverse", "dose"}
    id_column : str, default "patient_id"
        Left out of the features.
    drop : sequence of str
        Other columns to leave out (e.g. future information).
    random_state : int, default 0
    overwrite : bool, default False

    Returns
    -------
    pathlib.Path
        The model folder.
    """
    from pgx.models import save_model

    estimator = _estimator(kind, random_state)
    table = read_table(features)
    _require(table, outcome, features)
    X = table.drop(_not_features(table.columns, outcome, id_column, drop))
    model = estimator.fit(X, table[outcome].to_numpy())
    return save_model(model, model_dir, overwrite=overwrite)


def _estimator(kind: str, random_state: int):
    """The unfitted pgx estimator of a model kind (``response``, ``adverse``, ``dose``)."""
    from pgx.models import AdverseReactionClassifier, DoseRegressor, ResponseClassifier

    if kind not in _MODEL_KINDS:
        raise PgxError(f"unknown model kind {kind!r}; choose from {', '.join(_MODEL_KINDS)}")
    cls = {"response": ResponseClassifier, "adverse": AdverseReactionClassifier, "dose": DoseRegressor}[kind]
    return cls(random_state=random_state)


def _not_features(columns: Sequence[str], outcome: str, id_column: str, drop: Sequence[str]) -> list[str]:
    """The columns of a feature table a model does not learn from: the outcome, the id, ``drop``."""
    return [c for c in (outcome, id_column, *drop) if c in columns]


def predict_model(model_dir: str | os.PathLike[str], features: str | os.PathLike[str],
                  out: str | os.PathLike[str], *, id_column: str = "patient_id", top: int = 5,
                  pseudonyms: dict[str, str] | None = None):
    """Predict with a saved model and write one TSV row per patient with the prediction and
    its top contributions (LightGBM TreeSHAP), atomically.

    ``pseudonyms`` (raw id -> pseudonym, every id listed) replaces the ``id_column``
    values in what is written.

    Returns
    -------
    polars.DataFrame
        What was written.
    """
    _, table, prediction, top_rows = _predict_explained(model_dir, features, top)
    ids = table[id_column] if id_column in table.columns else pl.Series(id_column, range(table.height))
    why = (top_rows.group_by("sample", maintain_order=True)
           .agg(pl.format("{}={} ({})", "feature", "value", pl.col("contribution").round(3))
                .str.join("; ").alias("top_contributions")))
    result = (pl.DataFrame({id_column: ids, "prediction": prediction}).with_row_index("sample")
              .join(why.with_columns(pl.col("sample").cast(pl.UInt32)), on="sample", how="left").drop("sample"))
    if pseudonyms is not None:
        result = pseudonymize_samples(result, pseudonyms, column=id_column)
    _atomic_text(os.fspath(out), result.write_csv(separator="\t"))
    return result


def _predict_explained(model_dir, features, top: int):
    """Load a saved model and predict a feature table with it: (model, table, predictions,
    :func:`pgx.models.explain`'s ``top`` contributions per row)."""
    from pgx.models import explain, load_model

    model = load_model(model_dir)
    table = read_table(features)
    for column in model.feature_names_in_:
        _require(table, column, features)
    X = table.select(list(model.feature_names_in_))
    prediction = model.predict_proba(X)[:, 1] if hasattr(model, "classes_") else model.predict(X)
    return model, table, prediction, explain(model, X, top=top)


def model_sections(model_dir: str | os.PathLike[str], features: str | os.PathLike[str], *,
                   id_column: str = "sample_id", top: int = 5) -> dict:
    """Each row's prediction by a saved model and its ``top`` TreeSHAP contributions, as the
    report sections :func:`report` adds (``models=``), keyed by the ``id_column`` value.

    Parameters
    ----------
    model_dir : path
        A model saved by :func:`pgx.models.save_model` (``pgx train``).
    features : path
        The feature table (Parquet, TSV, CSV) with the model's columns and ``id_column``.
    id_column : str, default "sample_id"
        The column naming each row's sample, as the VCF names it.
    top : int, default 5

    Returns
    -------
    dict of str to pgx.report.ModelSection

    Raises
    ------
    PgxError
        If the model or table cannot be read, a model column or ``id_column`` is missing,
        or an id is repeated.

    Examples
    --------
    >>> import os, tempfile, numpy as np, polars as pl
    >>> from pgx.models import DoseRegressor, save_model
    >>> rng = np.random.default_rng(0)
    >>> X = pl.DataFrame({"vkorc1": rng.choice(["G/G", "A/G", "A/A"], 300), "noise": rng.normal(size=300)})
    >>> y = np.where(X["vkorc1"] == "A/A", 20.0, 35.0) + rng.normal(size=300)
    >>> folder = tempfile.mkdtemp()
    >>> _ = save_model(DoseRegressor(n_estimators=50, n_jobs=1, random_state=0).fit(X, y), os.path.join(folder, "dose"))
    >>> X.head(2).with_columns(sample_id=pl.Series(["S1", "S2"])).write_parquet(os.path.join(folder, "f.parquet"))
    >>> sections = model_sections(os.path.join(folder, "dose"), os.path.join(folder, "f.parquet"), top=1)
    >>> sorted(sections), sections["S1"].scale, sections["S1"].contributions[0].feature
    (['S1', 'S2'], 'dose', 'vkorc1')
    """
    from pgx.report import ModelContribution, ModelSection

    model, table, prediction, top_rows = _predict_explained(model_dir, features, top)
    _require(table, id_column, features)
    ids = table[id_column].cast(pl.String)
    if ids.null_count() or ids.n_unique() != len(ids):
        raise PgxError(f"{os.fspath(features)}: column {id_column!r} must name each row's sample once "
                       "(found a missing or repeated value)")
    name = os.path.basename(os.path.normpath(os.fspath(model_dir)))
    scale = "probability" if hasattr(model, "classes_") else "dose"
    pushes: dict[int, list] = {}
    for row in top_rows.iter_rows(named=True):
        pushes.setdefault(row["sample"], []).append(
            ModelContribution(row["feature"], row["value"], row["contribution"]))
    return {sample: ModelSection(name, type(model).__name__, float(prediction[i]), scale, tuple(pushes.get(i, ())))
            for i, sample in enumerate(ids.to_list())}


def evaluate_model(model_dir: str | os.PathLike[str], features: str | os.PathLike[str],
                   card: str | os.PathLike[str], *, outcome: str, id_column: str = "patient_id",
                   strata: Sequence[str] = ("population", "sex"), n_boot: int = 200, random_state: int = 0,
                   training_features: str | os.PathLike[str] | None = None):
    """Evaluate a saved model on held-out patients; write a model card (``.json`` and ``.html``).

    Parameters
    ----------
    model_dir : path
        A model saved by :func:`train_model`.
    features : path
        Held-out patients (Parquet, TSV or CSV) with the model's feature columns and ``outcome``.
    card : path
        The card's path without extension.
    outcome : str
    id_column : str, default "patient_id"
    strata : sequence of str
        Columns whose levels are evaluated separately, when present.
    n_boot : int, default 200
    random_state : int, default 0
    training_features : path, optional
        The table the model was trained on (or a random sample of its rows). When given, a
        membership-inference audit (:func:`pgx.models.membership_inference_audit`) of
        training against the held-out patients of ``features`` goes into the card as
        ``privacy``. Patients (by ``id_column``) in both tables are refused.

    Returns
    -------
    tuple of pathlib.Path
        The card's files.

    Raises
    ------
    PgxError
        If a table lacks a column, or a patient is in both tables.
    """
    from pgx.models import evaluate, feature_importance, load_model, model_card, write_model_card

    model = load_model(model_dir)
    table = read_table(features)
    _require(table, outcome, features)
    for column in model.feature_names_in_:
        _require(table, column, features)
    privacy = None
    if training_features is not None:
        privacy = _membership_audit(model, read_table(training_features), table, outcome=outcome,
                                    id_column=id_column, paths=(training_features, features),
                                    random_state=random_state)
    X = table.select(list(model.feature_names_in_))
    y = table[outcome].to_numpy()
    binary = hasattr(model, "classes_")
    prediction = model.predict_proba(X)[:, 1] if binary else model.predict(X)
    truth = (y == model.classes_[1]).astype(int) if binary else y
    report_ = evaluate(
        truth, prediction, task="binary" if binary else "regression",
        strata={s: table[s].cast(pl.String).fill_null("missing").to_numpy() for s in strata if s in table.columns},
        groups=table[id_column].to_numpy() if id_column in table.columns else None,
        n_boot=n_boot, random_state=random_state)
    return write_model_card(model_card(model, report_, name=Path(os.fspath(model_dir)).name,
                                       feature_importance=feature_importance(model, X.head(5000)),
                                       privacy=privacy), card)


def _membership_audit(model, train: pl.DataFrame, holdout: pl.DataFrame, *, outcome: str, id_column: str,
                      paths: tuple, random_state: int) -> dict:
    """The membership-inference audit of ``evaluate_model``: patients with an outcome in each table."""
    from pgx.models import membership_inference_audit

    for frame, path in zip((train, holdout), paths):
        _require(frame, outcome, path)
        for column in model.feature_names_in_:
            _require(frame, column, path)
    if id_column in train.columns and id_column in holdout.columns:
        shared = train.select(pl.col(id_column).cast(pl.String)).join(
            holdout.select(pl.col(id_column).cast(pl.String)), on=id_column, how="semi").height
        if shared:
            raise PgxError(f"{os.fspath(paths[1])}: {shared} patient(s) (by {id_column!r}) are also in the "
                           f"training table {os.fspath(paths[0])}; the membership audit needs held-out "
                           "patients the model never saw")
    train, holdout = train.drop_nulls(outcome), holdout.drop_nulls(outcome)
    columns = list(model.feature_names_in_)
    return membership_inference_audit(model, train.select(columns), train[outcome].to_numpy(),
                                      holdout.select(columns), holdout[outcome].to_numpy(),
                                      random_state=random_state)


def tumor_report_section(somatic: str | os.PathLike[str], *, tumor_type: str, target_mb: float | None = None,
                         msi: str | None = None, fusions=None, cna=None):
    """The tumour section of a patient report from an annotated somatic VCF.

    Therapy matches (:func:`pgx.oncology.match`), TMB when ``target_mb`` is given, MSI,
    and the chemotherapy of the tumour type whose germline genes the report cross-links
    (:func:`pgx.oncology.germline_toxicity`). ``fusions`` and ``cna`` are matched with the
    variants, as in :func:`pgx.oncology.match` (lists, frames, or TSV paths read by
    :func:`pgx.oncology.read_fusions` and :func:`pgx.oncology.read_copy_numbers`).

    Returns
    -------
    pgx.report.TumorSection

    Examples
    --------
    >>> import pgx
    >>> section = tumor_report_section(pgx.example_vcf("somatic_vep.vcf"), tumor_type="COAD", target_mb=1.5)
    >>> section.tmb, [link.drug for link in section.toxicity]
    (6.0, ['fluorouracil', 'capecitabine', 'irinotecan'])
    """
    from pgx.oncology._read import somatic_section
    from pgx.report import tumor_section

    found = somatic_section(somatic, tumor_type=tumor_type, target_mb=target_mb, msi=msi, fusions=fusions, cna=cna)
    return tumor_section(tumor_type=found["tumor_type"], matches=found["matches"], toxicity=found["germline_toxicity"],
                         tmb=found["tmb"], msi=found["msi"])


def write_somatic_section(somatic: str | os.PathLike[str], outdir: str | os.PathLike[str], *, tumor_type: str,
                          target_mb: float | None = None, msi: str | None = None, fusions=None,
                          cna=None) -> list[str]:
    """Match a somatic VCF's biomarkers to therapies and write ``tumour_matches.tsv`` and
    ``tumour_summary.json`` (tumour type, TMB, MSI, germline-toxicity drugs) into ``outdir``.

    ``fusions`` and ``cna`` are matched with the variants, as in :func:`pgx.oncology.match` (lists,
    frames, or TSV paths read by :func:`pgx.oncology.read_fusions` and
    :func:`pgx.oncology.read_copy_numbers`).

    Returns
    -------
    list of str
        The files written.
    """
    import json

    from pgx.oncology._read import somatic_section

    section = somatic_section(somatic, tumor_type=tumor_type, target_mb=target_mb, msi=msi, fusions=fusions, cna=cna)
    matches = section["matches"]
    table = matches.with_columns(
        pl.col(c).list.join(";") for c, t in matches.schema.items() if t == pl.List(pl.String))
    paths = [os.path.join(os.fspath(outdir), "tumour_matches.tsv"), os.path.join(os.fspath(outdir), "tumour_summary.json")]
    _atomic_text(paths[0], table.write_csv(separator="\t"))
    summary = {"tumor_type": section["tumor_type"], "tmb_mutations_per_mb": section["tmb"], "msi": section["msi"],
               "therapy_matches": matches.height,
               "germline_toxicity_drugs": section["germline_toxicity"]["drug"].to_list()}
    _atomic_text(paths[1], json.dumps(summary, indent=2) + "\n")
    return paths


def simulate(out_dir: str | os.PathLike[str], *, n_patients: int, seed: int = 0, format: str = "parquet",
             vcf: bool = True) -> dict:
    """Simulate a cohort with known outcome mechanisms and write it to ``out_dir``.

    Returns
    -------
    dict of str to pathlib.Path
        The files written (patients, diplotypes, biomarkers, treatments, outcomes, VCF).
    """
    from pgx.simulate import simulate_cohort

    return simulate_cohort(n_patients, seed=seed).write(out_dir, format=format, vcf=vcf)


#: dtypes of the cohort columns :func:`simulate` writes, so a TSV cohort reads as its Parquet twin does
#: (dates as dates, activity scores as numbers even when the first rows are empty)
_COHORT_DTYPES = {"index_date": pl.Date, "time": pl.Date, "start": pl.Date, "stop": pl.Date,
                  "activity_score": pl.Float64, "value": pl.Float64, "dose": pl.Float64, "p_true": pl.Float64,
                  "mu_true": pl.Float64, "event": pl.Boolean, "birth_year": pl.Int64, "age": pl.Int64,
                  "line": pl.Int64, "patient_id": pl.String, "sample_id": pl.String}


def scan_cohort_table(cohort_dir: str | os.PathLike[str], name: str) -> pl.LazyFrame:
    """Scan the table ``name`` (``patients``, ``diplotypes``, ...) of a cohort folder lazily,
    from ``name.parquet`` or ``name.tsv``; filter it before collecting to read only some rows.

    TSV columns of the layout :func:`simulate` writes get their Parquet types (dates as
    ``Date``, scores and values as ``Float64``, ...).

    Raises
    ------
    PgxError
        If the folder holds neither file.

    Examples
    --------
    >>> import tempfile, polars as pl
    >>> folder = tempfile.mkdtemp()
    >>> _ = simulate(folder, n_patients=5, format="tsv", vcf=False)
    >>> lazy = scan_cohort_table(folder, "patients").filter(pl.col("patient_id") == "P000001")
    >>> lazy.collect().select("patient_id", "index_date").schema
    Schema([('patient_id', String), ('index_date', Date)])
    """
    folder = os.fspath(cohort_dir)
    path = cohort_table_path(folder, name)
    if path is None:
        raise PgxError(f"{folder}: no {name}.parquet or {name}.tsv")
    try:
        if path.endswith(".parquet"):
            return pl.scan_parquet(path)
        header = pl.read_csv(path, separator="\t", n_rows=0).columns
        return pl.scan_csv(path, separator="\t",
                           schema_overrides={c: t for c, t in _COHORT_DTYPES.items() if c in header})
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise PgxError(f"cannot read the table {name} of {folder}: {exc}") from None


def cohort_table_path(cohort_dir: str | os.PathLike[str], name: str) -> str | None:
    """The file of the table ``name`` of a cohort folder: ``name.parquet``, else ``name.tsv``;
    None when neither exists.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = simulate(folder, n_patients=5, format="tsv", vcf=False)
    >>> cohort_table_path(folder, "patients").endswith("patients.tsv"), cohort_table_path(folder, "nothing")
    (True, None)
    """
    for suffix in (".parquet", ".tsv"):
        path = os.path.join(os.fspath(cohort_dir), name + suffix)
        if os.path.exists(path):
            return path
    return None


def read_cohort_table(cohort_dir: str | os.PathLike[str], name: str,
                      patients: Sequence[str] | None = None) -> pl.DataFrame:
    """Read the table ``name`` (``patients``, ``diplotypes``, ...) of a cohort folder, from
    ``name.parquet`` or ``name.tsv`` (typed as :func:`scan_cohort_table` says).

    ``patients`` (patient ids) keeps only their rows (those whose ``patient_id``, or for a
    table without one its ``sample_id``, is listed), reading no others into memory.

    Raises
    ------
    PgxError
        If the folder holds neither file, or it cannot be read.
    """
    lazy = scan_cohort_table(cohort_dir, name)
    if patients is not None:
        key = "patient_id" if "patient_id" in lazy.collect_schema().names() else "sample_id"
        lazy = lazy.filter(pl.col(key).is_in(list(patients)))
    try:
        return lazy.collect()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise PgxError(f"cannot read the table {name} of {os.fspath(cohort_dir)}: {exc}") from None


def _cohort_frames(cohort_dir: str | os.PathLike[str], patients: Sequence[str] | None = None) -> dict:
    """The ``patients``, ``diplotypes``, ``biomarkers`` and ``treatments`` tables of a cohort
    folder, all rows or only those of some patients (diplotypes through their ``sample_id``)."""
    frames = {"patients": read_cohort_table(cohort_dir, "patients", patients)}
    samples = patients
    if patients is not None and "sample_id" in frames["patients"].columns:
        samples = frames["patients"]["sample_id"].cast(pl.String).drop_nulls().to_list()
    frames["diplotypes"] = read_cohort_table(cohort_dir, "diplotypes", samples)
    for name in ("biomarkers", "treatments"):
        frames[name] = read_cohort_table(cohort_dir, name, patients)
    return frames


def _outcome_is_binary(cohort_dir: str | os.PathLike[str], outcome: str) -> bool:
    """Whether ``outcome`` of the cohort's ``outcomes`` table is an event (0/1) or a value;
    decided on all its rows, so every block of patients encodes it alike.

    Raises
    ------
    PgxError
        If the table has no row of this outcome.
    """
    counts = (scan_cohort_table(cohort_dir, "outcomes").filter(pl.col("outcome") == outcome)
              .select(pl.len().alias("rows"), pl.col("event").null_count().alias("nulls")).collect())
    rows, nulls = counts.row(0)
    if rows == 0:
        raise PgxError(f"{os.fspath(cohort_dir)}: no outcome {outcome!r} in outcomes")
    return nulls < rows


def _patient_features(cohort_dir: str | os.PathLike[str], frames: dict, spec, *, outcome: str | None = None,
                     binary: bool = True, pseudonyms: dict[str, str] | None = None) -> pl.DataFrame:
    """The feature rows of the patients in ``frames`` (:func:`_cohort_frames`) under ``spec``,
    with the outcome joined (for ``outcome``, ``binary`` as :func:`_outcome_is_binary` says)
    and the ids pseudonymised; what :func:`build_features` writes, for any block of patients."""
    from pgx.features import build

    patients = frames["patients"]
    features = build(calls=frames["diplotypes"], biomarkers=frames["biomarkers"], treatments=frames["treatments"],
                     index_dates=patients.select("patient_id", "index_date"), patients=patients, spec=spec)
    if outcome is not None:
        outcomes = read_cohort_table(cohort_dir, "outcomes", patients["patient_id"].to_list())
        outcomes = outcomes.filter(pl.col("outcome") == outcome)
        value = pl.col("event").cast(pl.Int8) if binary else pl.col("value")
        # keep the patients the outcome was observed in
        features = features.join(outcomes.select("patient_id", value.alias(outcome)), on="patient_id", how="inner",
                                 maintain_order="left")
    if pseudonyms is not None:
        from pgx.privacy import cap_ages

        features = pseudonymize_samples(features, pseudonyms, column="patient_id")
        # Safe Harbor: ages over 89 only as one group (the age feature and age-valued biomarkers)
        ages = ["age"] + [c for c in features.columns
                          if c.startswith("bm_age_") and c.rsplit("_", 2)[-2] in ("last", "min", "max", "mean")]
        features = cap_ages(features, ages)
    return features


def _write_table(table: pl.DataFrame, out: str | os.PathLike[str]) -> None:
    """Write a table atomically as Parquet, TSV or CSV (by the file's suffix)."""
    target = os.fspath(out)
    if target.endswith(".parquet"):
        _atomic_write(target, table.write_parquet, binary=True)
    else:
        _atomic_text(target, table.write_csv(separator="\t" if target.endswith(".tsv") else ","))


def _read_spec(spec: str | os.PathLike[str]):
    """The :class:`~pgx.features.FeatureSpec` saved at ``spec`` (JSON)."""
    from pgx.features import FeatureSpec

    with open(os.fspath(spec), encoding="utf-8") as handle:
        return FeatureSpec.from_json(handle.read())


def build_features(cohort_dir: str | os.PathLike[str], out: str | os.PathLike[str], *,
                   spec: str | os.PathLike[str] | None = None, write_spec: str | os.PathLike[str] | None = None,
                   outcome: str | None = None, pseudonyms: dict[str, str] | None = None) -> pl.DataFrame:
    """Build one feature row per patient from a simulated (or same-layout) cohort folder.

    Parameters
    ----------
    cohort_dir : path
        Holds ``patients``, ``diplotypes``, ``biomarkers`` and ``treatments`` tables (Parquet
        or TSV), as :func:`simulate` writes them; ``patients`` has ``index_date``.
    out : path
        The feature table to write (``.parquet``, ``.tsv`` or ``.csv``).
    spec : path, optional
        A saved feature spec (JSON) so the columns match a trained model's; inferred
        from the data otherwise.
    write_spec : path, optional
        Save the spec used.
    outcome : str, optional
        Keep the patients with this outcome (from ``outcomes``) and add it as a column (its
        ``event`` as 0/1, or its ``value``), for training.
    pseudonyms : dict of str to str, optional
        Patient id -> pseudonym (every patient listed): the ``patient_id`` column written
        holds the pseudonyms, and ages of 90 and over (``age``, and the last/min/max/mean of
        an ``age`` biomarker) become 90 (:func:`pgx.privacy.cap_ages`).

    Returns
    -------
    polars.DataFrame
    """
    from pgx.features import infer_spec

    frames = _cohort_frames(cohort_dir)
    if spec is not None:
        feature_spec = _read_spec(spec)
    else:
        feature_spec = infer_spec(calls=frames["diplotypes"], biomarkers=frames["biomarkers"],
                                  treatments=frames["treatments"], patients=frames["patients"])
    binary = _outcome_is_binary(cohort_dir, outcome) if outcome is not None else True
    features = _patient_features(cohort_dir, frames, feature_spec, outcome=outcome, binary=binary,
                                pseudonyms=pseudonyms)
    _write_table(features, out)
    if write_spec is not None:
        _atomic_text(os.fspath(write_spec), feature_spec.to_json())
    return features


#: columns of the frame :func:`call_alignments` returns: those of :data:`CALL_SCHEMA`, then the
#: copy number, the structure and the quality figures of the call
ALIGNMENT_CALL_SCHEMA = {
    **CALL_SCHEMA,
    "copy_number": pl.Int32,
    "structure": pl.String,
    "call_quality": pl.Struct({"mean_depth": pl.Float64, "mapq0_fraction": pl.Float64, "fit_residual": pl.Float64}),
}


def _parse_region(text: str) -> tuple[str, int, int]:
    from pgx.exceptions import RegionError

    contig, _, span = text.rpartition(":")
    try:
        first, last = (int(x.replace(",", "")) for x in span.split("-"))
    except ValueError:
        contig = ""
    if not contig or first < 1 or last < first:
        raise RegionError(f"expected a control region such as chr1:1000000-1100000 (1-based, inclusive), "
                          f"found {text!r}", field="controls")
    return contig, first - 1, last


def _call_alignment_file(path: str, genes: tuple[str, ...], genome_build: str | None, reference: str | None,
                         controls: tuple[str, ...] | None, min_depth: float) -> list[dict]:
    """Call one BAM/CRAM: io reads the arrays, calling turns them into calls."""
    from pgx.calling._structural import call_structure, locus_model
    from pgx.exceptions import AlignmentFileError
    from pgx.io import aligned_read_length, alignment_info, count_alleles, read_depth

    info = alignment_info(path, reference=reference, genome_build=genome_build)
    rows = []
    for gene in genes:
        model = locus_model(gene, genome_build=info.genome_build)
        contig = info.contig(model.chrom)
        if contig is None:
            raise AlignmentFileError(f"no {model.chrom} (or {model.chrom[3:]}) contig in the header, so no "
                                     f"{gene} reads; its contigs include {', '.join(list(info.contigs)[:3])}",
                                     path=path)
        (depth, depth_mapq), = read_depth(path, [(contig, *model.window)], reference=reference)
        if not depth.any():
            where = f"; its reads are on {', '.join(info.mapped_contigs[:5])}" if info.mapped_contigs else ""
            raise AlignmentFileError(f"no reads over the {gene} locus {contig}:{model.window[0] + 1}-"
                                     f"{model.window[1]} ({info.genome_build}){where}", path=path)
        control_depth = None
        if controls:
            regions = [_parse_region(text) for text in controls]
            present = [(info.contig(r[0]) or r[0], r[1], r[2]) for r in regions]
            if all(r[0] in info.contigs for r in present):
                control_depth = np.concatenate([d for d, _ in read_depth(path, present, reference=reference)])
            else:
                control_depth = np.zeros(0, dtype=np.int32)
        sites = model.sites(contig)
        ref_counts, alt_counts = count_alleles(path, sites + model.unplaced(contig), reference=reference)
        read_length = aligned_read_length(path, (contig, *model.window), reference=reference)
        k = len(sites)
        result = call_structure(depth, depth_mapq, ref_counts[:k], alt_counts[:k], model=model,
                                control_depth=control_depth, min_depth=min_depth, read_length=max(read_length, 50),
                                unplaced_counts=(ref_counts[k:], alt_counts[k:]))
        rows.append({"sample_id": info.sample_id, "result": result})
    return rows


def call_alignments(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    genes: Sequence[str] = ("CYP2D6",),
    genome_build: str | None = None,
    reference: str | None = None,
    controls: Sequence[str] | None = None,
    min_depth: float = 15.0,
    workers: int = 1,
) -> pl.DataFrame:
    """Call CYP2D6 copy number, structure, diplotype and phenotype from aligned reads.

    Each BAM/CRAM is read over the CYP2D locus only (per-base depth and allele counts at the
    definition positions, see :mod:`pgx.io`); :func:`pgx.calling.call_structure` fits the
    copy-number profile of CYP2D6 and CYP2D7 with the structures of
    ``reference/structural/`` and assigns star alleles to the gene copies.

    Parameters
    ----------
    paths : path or sequence of paths
        Coordinate-sorted, indexed BAM or CRAM files, one sample each (the sample id is the
        ``SM`` of the first ``@RG`` line, else the file name).
    genes : sequence of str, default ("CYP2D6",)
        Genes of :func:`pgx.reference.structural_genes`.
    genome_build : {"GRCh38", "GRCh37"}, optional
        Defaults to the build the ``@SQ`` lengths name; an error when they name another.
    reference : str, optional
        The FASTA the CRAM files were compressed against (required for CRAM).
    controls : sequence of str, optional
        Copy-number-neutral regions (``chr1:1000000-1100000``, 1-based inclusive) to
        normalise depth against, for WGS files; by default the CYP2D8 side of the locus.
        Regions the file does not cover leave the call Indeterminate (``controls_absent``).
    min_depth : float, default 15.0
        Under this mean control depth the call is Indeterminate.
    workers : int, default 1
        Files processed in parallel by this many processes.

    Returns
    -------
    polars.DataFrame
        One row per (file, gene); columns as in :data:`ALIGNMENT_CALL_SCHEMA`: those of
        :func:`pgx.call`, then ``copy_number`` (gene copies, hybrids included),
        ``structure`` (the structural haplotypes, ``*5``, ``*4x2``, ``*36+*10``, or
        ``normal``) and ``call_quality`` (mean control depth, fraction of reads at MAPQ 0
        over the genes, root-mean-square copy-number residual of the fit). When the data
        cannot support a call, ``diplotype`` is null, ``phenotype`` is ``"Indeterminate"``
        and ``warnings`` gives the reason (``low_depth``, ``controls_absent``,
        ``exome_like_profile``, ``fit_residual``, ``ambiguous_structure``).

    Raises
    ------
    AlignmentFileError
        A file is missing or unreadable, has no index, is a CRAM without ``reference``, has
        no chr22/22 contig or no read over the locus.
    GenomeBuildError
        The ``@SQ`` lengths contradict ``genome_build`` or match no build.

    Examples
    --------
    >>> import os, tempfile, pgx
    >>> from pgx.simulate import simulate_cyp2d6_bam
    >>> bam = simulate_cyp2d6_bam(os.path.join(tempfile.mkdtemp(), "s.bam"),
    ...                           ("duplication_x2", "normal"), alleles=("*4", "*1"), random_state=5)
    >>> row = pgx.call_alignments(bam).row(0, named=True)
    >>> row["diplotype"], row["copy_number"], row["structure"], row["phenotype"]
    ('*1/*4x2', 3, '*4x2', 'Intermediate Metabolizer')
    """
    from concurrent.futures import ProcessPoolExecutor

    from pgx.reference import structural_genes

    items = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
    genes = tuple(genes)
    known = structural_genes()
    unknown = [g for g in genes if g not in known]
    if unknown:
        raise ReferenceDataError(f"genes= names {unknown}; calling from reads covers {known}")
    args = (genes, genome_build, reference, tuple(controls) if controls else None, min_depth)
    if workers > 1 and len(items) > 1:
        from pgx.calling._structural import locus_model

        for gene in genes:  # built once here: forked workers inherit the cached models
            for build in ((genome_build,) if genome_build else ("GRCh38", "GRCh37")):
                locus_model(gene, genome_build=build)
        with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
            done = list(pool.map(_call_alignment_file, items, *([a] * len(items) for a in args)))
    else:
        done = [_call_alignment_file(path, *args) for path in items]
    return _alignment_frame([row for rows in done for row in rows])


def _alignment_frame(rows: list[dict]) -> pl.DataFrame:
    records = []
    for row in rows:
        r = row["result"]
        warn = ([r.reason] if r.reason else []) + ["called_from_reads"]
        if r.structure is not None:
            warn.append(f"structure: {r.structure} (copy number {r.copy_number})")
        records.append({
            "sample_id": row["sample_id"], "gene": r.gene, "diplotype": r.diplotype,
            "haplotype_1": r.haplotype_1, "haplotype_2": r.haplotype_2, "alternatives": r.alternatives,
            "missing_positions": r.missing_positions, "novel_positions": [], "phased": False,
            "warnings": warn, "n_top": r.n_top,
        })
    calls = pl.DataFrame(records, schema=DIPLOTYPE_SCHEMA)
    annotated = _annotate(calls, {}, None)
    extra = pl.DataFrame({
        "copy_number": [row["result"].copy_number for row in rows],
        "structure": [row["result"].structure for row in rows],
        "call_quality": [{"mean_depth": round(row["result"].mean_depth, 2),
                          "mapq0_fraction": round(row["result"].mapq0_fraction, 4),
                          "fit_residual": None if row["result"].fit_residual is None
                          else round(row["result"].fit_residual, 3)} for row in rows],
        "_indeterminate": [row["result"].reason is not None for row in rows],
    }, schema={k: ALIGNMENT_CALL_SCHEMA[k] for k in ("copy_number", "structure", "call_quality")} | {
        "_indeterminate": pl.Boolean})
    out = pl.concat([annotated, extra], how="horizontal")
    return out.with_columns(
        pl.when(pl.col("_indeterminate")).then(pl.lit(INDETERMINATE)).otherwise(pl.col("phenotype")).alias("phenotype")
    ).drop("_indeterminate").select(list(ALIGNMENT_CALL_SCHEMA))


def _is_alignment_path(path) -> bool:
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).lower().endswith((".bam", ".cram"))


def _alignment_build(path, reference: str | None) -> str:
    from pgx.io import alignment_info

    return alignment_info(path, reference=reference).genome_build


def _replace_with_read_calls(calls: pl.DataFrame, from_reads: pl.DataFrame) -> pl.DataFrame:
    """The VCF's calls with the (sample, gene) rows called from reads put in their place."""
    vcf_samples = list(dict.fromkeys(calls["sample_id"].to_list()))
    read_samples = list(dict.fromkeys(from_reads["sample_id"].to_list()))
    if len(vcf_samples) == 1 and len(read_samples) == 1:
        from_reads = from_reads.with_columns(pl.lit(vcf_samples[0]).alias("sample_id"))
    else:
        unknown = [k for k, s in enumerate(read_samples, start=1) if s not in set(vcf_samples)]
        if unknown:
            raise PgxError(f"the BAM/CRAM file(s) number {', '.join(map(str, unknown))} name a sample (@RG SM) "
                           f"that is not among the {len(vcf_samples)} samples of the VCF")
    rows = from_reads.select(list(CALL_SCHEMA))
    kept = calls.join(rows.select("sample_id", "gene"), on=["sample_id", "gene"], how="anti")
    order = {s: k for k, s in enumerate(vcf_samples)}
    return pl.concat([kept, rows]).with_columns(
        pl.col("sample_id").replace_strict(order, return_dtype=pl.Int64).alias("_order")
    ).sort("_order", "gene").drop("_order")
