"""Writing reports to a folder: atomic files, restartable cohort runs, cohort summary."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, Union
from xml.sax.saxutils import escape as _xml_escape

import polars as pl

from pgx._typing import PathLike
from pgx.privacy import suppress_small_counts
from pgx.report._base import (
    Format, ModelSection, ReportError, ReportMeta, check_calls, check_recommendations, report_from_results, results_by_sample,
    unique_in_order,
)
from pgx.report._fhir import FhirFormat
from pgx.report._html import HtmlFormat
from pgx.report._json import JsonFormat
from pgx.report._tsv import TsvFormat
from pgx.report._tumor import TumorSection

__all__ = ["FORMATS", "SampleStatus", "write_reports", "write_cohort_summary", "report_file_stem",
           "phenotype_frequencies",
           "atomic_write"]

#: the report formats by name
FORMATS: dict[str, Format] = {f.name: f for f in (HtmlFormat(), JsonFormat(), FhirFormat(), TsvFormat())}

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclasses.dataclass(frozen=True)
class SampleStatus:
    """What :func:`write_reports` did for one sample.

    Attributes
    ----------
    status : {"written", "skipped", "failed"}
        ``skipped``: every output already existed and ``force`` was False.
    files : tuple of str
        The file names (not paths) of the sample's outputs.
    message : str or None
        Why the sample failed.
    """

    status: Literal["written", "skipped", "failed"]
    files: tuple[str, ...]
    message: str | None = None


def report_file_stem(sample_id: str) -> str:
    """The file name stem of a sample's reports.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``; when
    that changed the name (or it starts with a dot), a short hash of the identifier is
    appended so that distinct samples never share a file.

    Examples
    --------
    >>> report_file_stem("NA12878")
    'NA12878'
    >>> report_file_stem("patient 7/a")
    'patient_7_a-...'
    """
    stem = _SAFE.sub("_", sample_id)
    if stem != sample_id or not stem or stem.startswith("."):
        digest = hashlib.sha256(sample_id.encode("utf-8")).hexdigest()[:8]
        stem = f"{stem.lstrip('.') or 'sample'}-{digest}"
    return stem


def atomic_write(path: PathLike, content: Union[str, bytes], *, sync_folder: bool = True,
                 durable: bool = True) -> None:
    """Write a file so that it is either complete or absent.

    The content goes to a hidden temporary file in the same folder (``.<name>.<random>.tmp``),
    is flushed and fsynced, then renamed over ``path`` with :func:`os.replace`. On any
    error the temporary file is removed and ``path`` is left as it was. With
    ``sync_folder`` (default) the folder is fsynced too, making the rename durable;
    callers writing many files may do that once at the end instead. ``durable=False``
    skips the file's own fsync: the write stays atomic (a crash of the writer leaves
    the old file or the new one, never part of one), and the caller makes a batch
    durable with one folder fsync.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(target, "hello\\n")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('hello\\n', ['a.txt'])
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if sync_folder:
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """fsync a folder so renames in it survive a crash (where the platform allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _resolve_formats(formats: Iterable[Union[str, Format]]) -> list[Format]:
    if isinstance(formats, (str, Format)):
        formats = [formats]
    resolved: list[Format] = []
    for item in formats:
        if isinstance(item, Format):
            resolved.append(item)
        elif isinstance(item, str) and item in FORMATS:
            resolved.append(FORMATS[item])
        else:
            raise ReportError(f"formats: unknown format {item!r}; choose from {', '.join(FORMATS)}")
    if not resolved:
        raise ReportError(f"formats: expected at least one of {', '.join(FORMATS)}")
    suffixes = [f.suffix for f in resolved]
    if len(set(suffixes)) != len(suffixes):
        raise ReportError(f"formats: two formats share a file suffix: {suffixes}")
    return resolved


def write_reports(
    outdir: PathLike,
    calls: pl.DataFrame,
    recommendations: pl.DataFrame | None,
    meta: ReportMeta,
    *,
    formats: Sequence[Union[str, Format]] = ("html", "json"),
    samples: Sequence[str] | None = None,
    force: bool = False,
    threads: int = 1,
    tumor: Mapping[str, TumorSection] | None = None,
    models: Mapping[str, ModelSection] | None = None,
) -> dict[str, SampleStatus]:
    """Write one report file per sample and format, atomically and restartably.

    Files are named ``<stem><suffix>`` (see :func:`report_file_stem`; suffixes
    ``.html``, ``.json``, ``.fhir.json``, ``.tsv``). Each is written with
    :func:`atomic_write`, so an interrupted run leaves complete files or none. A
    sample whose files all exist is skipped unless ``force``: rerunning an
    interrupted cohort run only writes what is missing. A sample that fails (bad
    data, a write error) is reported and the others are still written.

    Parameters
    ----------
    outdir : str or path-like
        Output folder, created if missing.
    calls : polars.DataFrame
        One row per (sample, gene), see :data:`pgx.report.CALL_COLUMNS`.
    recommendations : polars.DataFrame or None
        One row per (sample, drug, source), see :data:`pgx.report.RECOMMENDATION_COLUMNS`.
    meta : ReportMeta
        Versions, genome build, input name and date stamped into every output.
    formats : sequence of str or Format, default ("html", "json")
        Names from :data:`FORMATS` or Format instances.
    samples : sequence of str, optional
        Samples to write (default: every sample in ``calls``, in order of appearance).
    force : bool, default False
        Rewrite samples whose outputs are complete.
    threads : int, default 1
        Threads writing files while the next samples render. Files are not fsynced one
        by one (one folder fsync ends the batch), so writing is cheap and extra threads
        mostly compete with rendering for the interpreter; use processes (as
        :func:`pgx.pipeline.report` does) to go faster. ``1`` writes in the calling thread.
    tumor : mapping of str to TumorSection, optional
        Per sample, a tumour section (:func:`pgx.report.tumor_section`) to add to its
        report.
    models : mapping of str to ModelSection, optional
        Per sample, a model's prediction and its top contributions to add to its report
        (:func:`pgx.pipeline.model_sections` makes them from a saved model).

    Returns
    -------
    dict of str to SampleStatus
        Per sample, in the order written.

    Raises
    ------
    ReportError
        If a frame is malformed or a format unknown (nothing is written).
    OSError
        If ``outdir`` cannot be created.

    Examples
    --------
    >>> import datetime, pathlib, tempfile
    >>> import polars as pl
    >>> from pgx.report import ReportMeta, write_reports
    >>> calls = pl.DataFrame({"sample_id": ["S1", "S2"], "gene": ["CYP2C19", "CYP2C19"],
    ...                       "diplotype": ["*1/*2", "*1/*1"],
    ...                       "phenotype": ["Intermediate Metabolizer", "Normal Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> {s: r.status for s, r in write_reports(out, calls, None, meta).items()}
    {'S1': 'written', 'S2': 'written'}
    >>> sorted(p.name for p in out.iterdir())
    ['S1.html', 'S1.json', 'S2.html', 'S2.json']
    >>> {s: r.status for s, r in write_reports(out, calls, None, meta).items()}
    {'S1': 'skipped', 'S2': 'skipped'}
    """
    resolved = _resolve_formats(formats)
    calls = check_calls(calls)
    recommendations = check_recommendations(recommendations)
    if not isinstance(meta, ReportMeta):
        raise ReportError(f"meta: expected a pgx.report.ReportMeta, found {type(meta).__name__}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)

    gene_rows = results_by_sample(calls, "calls")
    drug_rows = results_by_sample(recommendations, "recommendations") if recommendations.height else {}
    wanted = list(gene_rows) if samples is None else [str(s) for s in samples]

    if not isinstance(threads, int) or threads < 1:
        raise ReportError(f"threads: expected a positive integer, found {threads!r}")
    status: dict[str, SampleStatus | Future] = {}
    stems: dict[str, str] = {}
    leftovers: dict[str, list[str]] = {}
    existing = set(os.listdir(outdir))
    for entry in existing:
        if entry.startswith(".") and entry.endswith(".tmp"):
            leftovers.setdefault(entry[1:].rsplit(".", 2)[0], []).append(entry)
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    pending: deque[Future] = deque()
    try:
        for sample in wanted:
            stem = report_file_stem(sample)
            names = tuple(stem + f.suffix for f in resolved)
            if stem in stems and stems[stem] != sample:  # pragma: no cover - needs a sha256 prefix collision
                status[sample] = SampleStatus("failed", names, f"file name clash with sample {stems[stem]!r}")
                continue
            stems[stem] = sample
            for name in names:  # temporary files left by an interrupted run of this sample
                for stale in leftovers.pop(name, ()):
                    (outdir / stale).unlink(missing_ok=True)
            if not force and all(name in existing and (outdir / name).is_file() for name in names):
                status[sample] = SampleStatus("skipped", names)
                continue
            try:
                report = report_from_results(sample, gene_rows.get(sample, []), drug_rows.get(sample, []), meta,
                                             (tumor or {}).get(sample), (models or {}).get(sample))
                documents = [(outdir / name, fmt.render_report(report)) for name, fmt in zip(names, resolved)]
            except Exception as error:  # one bad sample must not stop the cohort; reported, not hidden
                status[sample] = SampleStatus("failed", names, f"{type(error).__name__}: {error}")
                continue
            if pool is None:
                status[sample] = _write_sample(names, documents)
            else:
                while len(pending) >= 4 * threads:  # bound the rendered documents held in memory
                    pending.popleft().result()
                future = pool.submit(_write_sample, names, documents)
                pending.append(future)
                status[sample] = future
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    # one fsync of the folder makes the whole batch durable (renames and, on journalling
    # file systems with ordered data, the files' contents)
    _sync_folder(outdir)
    return {sample: s.result() if isinstance(s, Future) else s for sample, s in status.items()}


def _write_sample(names: tuple[str, ...], documents: list[tuple[Path, Union[str, bytes]]]) -> SampleStatus:
    try:
        for path, document in documents:
            atomic_write(path, document, sync_folder=False, durable=False)
    except Exception as error:  # reported per sample
        return SampleStatus("failed", names, f"{type(error).__name__}: {error}")
    return SampleStatus("written", names)


# --------------------------------------------------------------------------- cohort summary

NOT_CALLED = "not called"


def phenotype_frequencies(calls: pl.DataFrame) -> pl.DataFrame:
    """Phenotype counts per gene: one row per (gene, phenotype).

    Columns: ``gene``, ``phenotype`` (``"not called"`` where no diplotype was called),
    ``count``, ``samples`` (samples with a row for the gene) and ``frequency``
    (count / samples). Sorted by gene, then by decreasing count, then phenotype.

    Examples
    --------
    >>> import polars as pl
    >>> calls = pl.DataFrame({"sample_id": ["A", "B", "C"], "gene": ["TPMT"] * 3,
    ...                       "diplotype": ["*1/*1", "*1/*3A", None],
    ...                       "phenotype": ["Normal Metabolizer", "Intermediate Metabolizer", None]})
    >>> phenotype_frequencies(calls).select("phenotype", "count").rows()
    [('Intermediate Metabolizer', 1), ('Normal Metabolizer', 1), ('not called', 1)]
    """
    calls = check_calls(calls)
    phenotype = (pl.when(pl.col("diplotype").is_null() | pl.col("phenotype").is_null())
                 .then(pl.lit(NOT_CALLED)).otherwise(pl.col("phenotype").cast(pl.String)))
    frame = calls.select(pl.col("gene").cast(pl.String), pl.col("sample_id").cast(pl.String),
                         phenotype.alias("phenotype"))
    counts = frame.group_by("gene", "phenotype").agg(pl.col("sample_id").n_unique().alias("count"))
    totals = frame.group_by("gene").agg(pl.col("sample_id").n_unique().alias("samples"))
    return (counts.join(totals, on="gene")
            .with_columns((pl.col("count") / pl.col("samples")).alias("frequency"))
            .with_columns(pl.col("count").cast(pl.Int64), pl.col("samples").cast(pl.Int64))
            .sort(["gene", "count", "phenotype"], descending=[False, True, False]))


def _svg(freq: pl.DataFrame, meta: ReportMeta) -> str:
    x = _xml_escape
    label_w, bar_w, row_h, pad = 300, 420, 20, 16
    rows = freq.rows(named=True)
    genes = unique_in_order([r["gene"] for r in rows])
    height = pad * 2 + 40 + len(genes) * 26 + len(rows) * row_h + 40
    width = label_w + bar_w + 140
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title">',
        '<title id="title">Phenotype frequencies per gene</title>',
        '<style>text{font-family:system-ui,Arial,sans-serif;font-size:12px;fill:#1b1f24}'
        '.gene{font-weight:bold;font-size:13px}.small{font-size:11px;fill:#57606a}'
        '.bar{fill:#2f6f9f}.nc{fill:#b42318}</style>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{pad}" y="{pad + 12}" class="gene">Phenotype frequencies per gene</text>',
    ]
    y = pad + 40
    for gene in genes:
        out.append(f'<text x="{pad}" y="{y + 14}" class="gene">{x(gene)}</text>')
        y += 26
        for row in (r for r in rows if r["gene"] == gene):
            out.append(f'<text x="{pad + 12}" y="{y + 13}">{x(row["phenotype"])}</text>')
            if row["suppressed"]:  # no bar: its length would give the hidden count away
                out.append(f'<text x="{label_w}" y="{y + 13}" class="small">'
                           f'{x(row["count"])} / {row["samples"]} (hidden: small count)</text>')
                y += row_h
                continue
            length = max(1.0, bar_w * row["frequency"])
            cls = "nc" if row["phenotype"] == NOT_CALLED else "bar"
            out.append(f'<rect class="{cls}" x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row_h - 6}"/>')
            out.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 13}">'
                       f'{row["count"]} / {row["samples"]} ({100 * row["frequency"]:.1f}%)</text>')
            y += row_h
    y += 20
    out.append(f'<text x="{pad}" y="{y}" class="small">pgx {x(meta.pgx_version)}; reference data '
               f'{x(meta.reference_version)}; genome build {x(meta.genome_build)}; '
               f'run {x(meta.run_date_text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_cohort_summary(outdir: PathLike, calls: pl.DataFrame, meta: ReportMeta, *,
                         min_count: int = 1) -> dict[str, Path]:
    """Write phenotype frequencies per gene as a TSV table and an SVG bar plot.

    Writes ``phenotype_frequencies.tsv`` (the columns of :func:`phenotype_frequencies`,
    after ``#`` comment lines stamping the pgx version, reference data version, genome
    build and run date) and ``phenotype_frequencies.svg`` (a self-contained plot, no
    external fonts or scripts), both atomically. With ``min_count`` above 1, counts
    under it are shown as ``"<min_count"`` with no frequency or bar, with
    complementary suppression per gene (see :func:`pgx.privacy.suppress_small_counts`).

    Parameters
    ----------
    outdir : str or path-like
        Output folder, created if missing.
    calls : polars.DataFrame
        The calls of the cohort.
    meta : ReportMeta
        Stamped into both files.
    min_count : int, default 1
        Smallest count shown; ``1`` shows every count. ``pgx report --pseudonymize``
        uses 11.

    Returns
    -------
    dict
        ``{"table": path, "plot": path}``.

    Examples
    --------
    >>> import datetime, pathlib, tempfile
    >>> import polars as pl
    >>> from pgx.report import ReportMeta, write_cohort_summary
    >>> calls = pl.DataFrame({"sample_id": ["A", "B"], "gene": ["CYP2C19"] * 2,
    ...                       "diplotype": ["*1/*2", "*1/*1"],
    ...                       "phenotype": ["Intermediate Metabolizer", "Normal Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> paths = write_cohort_summary(pathlib.Path(tempfile.mkdtemp()), calls, meta)
    >>> sorted(p.name for p in paths.values())
    ['phenotype_frequencies.svg', 'phenotype_frequencies.tsv']
    >>> pl.read_csv(paths["table"], separator="\\t", comment_prefix="#").row(0)
    ('CYP2C19', 'Intermediate Metabolizer', 1, 2, 0.5)
    """
    if not isinstance(meta, ReportMeta):
        raise ReportError(f"meta: expected a pgx.report.ReportMeta, found {type(meta).__name__}")
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ReportError(f"min_count: expected a whole number of at least 1, found {min_count!r}")
    freq = suppress_small_counts(phenotype_frequencies(calls), "count", k=min_count, by="gene",
                                 total_column="samples")
    hidden = pl.col("count").str.starts_with("<")
    freq = freq.with_columns(pl.when(hidden).then(None).otherwise(pl.col("frequency")).alias("frequency"),
                             hidden.alias("suppressed"))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stamp = {**meta.stamp(), **({"min_count": min_count} if min_count > 1 else {})}
    header = "".join(f"# {key}={'' if value is None else value}\n" for key, value in stamp.items())
    lines = ["\t".join(freq.columns[:5])]
    for gene, phenotype, count, samples, frequency, _ in freq.rows():
        lines.append(f"{gene}\t{phenotype}\t{count}\t{samples}\t{'' if frequency is None else f'{frequency:.6g}'}")
    paths = {"table": outdir / "phenotype_frequencies.tsv", "plot": outdir / "phenotype_frequencies.svg"}
    atomic_write(paths["table"], header + "\n".join(lines) + "\n")
    atomic_write(paths["plot"], _svg(freq, meta))
    return paths
