"""Partitioned calling: one VCF job split into sample blocks and pharmacogene regions.

A job is cut into partitions, each a block of samples and, when the VCF has a tabix
or CSI index, one gene's region. A partition reads only its slice
(:func:`pgx.read_vcf` with ``samples=`` and ``region=``), calls it with
:func:`pgx.call`, and can write its result as one Parquet file, atomically (a
temporary name, then :func:`os.replace`), so a rerun skips every partition already
complete and a partition lost with a killed worker is simply computed again. The
partitions then combine into the frame :func:`pgx.call` returns for the whole file,
row for row. :func:`report_partitioned` runs ``pgx report`` the same way, one sample
block per task: each task calls its block and writes its samples' reports.

Partitions run in this process by default, or on a Dask cluster when asked
(``workers=N`` starts a local cluster of N worker processes and stops it afterwards;
``scheduler="tcp://host:port"`` uses a running ``dask.distributed`` scheduler whose
workers see the same files). Dask is an optional extra
(``pip install "pgx-genomics[dask]"``) imported only here, and only when asked.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from pgx._version import __version__
from pgx.calling import callable_genes, gene_model, proxy_genes
from pgx.encode import PAD
from pgx.exceptions import PgxError, RegionError
from pgx.io import (existing_index, index_vcf, infer_file_genome_build, read_header, read_vcf, require_file_genotypes,
                    require_genotypes)
from pgx.pipeline import (
    CALL_SCHEMA,
    _atomic_write,
    _cohort_frames,
    _outcome_is_binary,
    _estimator,
    _not_features,
    _patient_features,
    cohort_table_path,
    read_cohort_table,
    scan_table,
    _outside_calls_frame,
    call,
    pseudonymize_samples,
    read_medications,
)
from pgx.reference import normalize_contig, reference_version, tag_snps

__all__ = ["Partition", "PartitionedCalls", "PartitionedReport", "plan_partitions", "call_partitioned",
           "report_partitioned", "ClusterError", "DaskNotInstalledError", "INSTALL_HINT", "DEFAULT_SAMPLE_BLOCK",
           "PatientBlock", "PartitionedFeatures", "features_partitioned", "DEFAULT_PATIENT_BLOCK", "train_on_dask",
           "DEFAULT_TRAIN_ROWS"]

#: how to install the optional Dask extra
INSTALL_HINT = 'pip install "pgx-genomics[dask]"'
#: samples per partition unless asked otherwise
DEFAULT_SAMPLE_BLOCK = 5000
#: patients per block of a feature job unless asked otherwise
DEFAULT_PATIENT_BLOCK = 20000
#: rows per partition of the feature matrix of a training job unless asked otherwise
DEFAULT_TRAIN_ROWS = 50000
_JOB_FILE = "_job.json"


class ClusterError(PgxError, RuntimeError):
    """A partitioned job could not run or complete: the scheduler is unreachable, a
    partition failed, or the output folder holds the partitions of another job."""


class DaskNotInstalledError(PgxError, ImportError):
    """A Dask cluster was asked for but ``dask.distributed`` is not installed."""


@dataclass(frozen=True)
class Partition:
    """One slice of a calling job.

    Attributes
    ----------
    name : str
        ``part-BBBBB-LABEL``: the 0-based sample block and the gene (``all`` when the
        partition calls every requested gene from the whole file); the Parquet file
        is ``name + ".parquet"``.
    block : int
        The 0-based sample block.
    samples : tuple of str
        The block's sample names, in the file's (or the requested) order.
    genes : tuple of str or None
        The genes called; None for every gene :func:`pgx.call` calls by default.
    region : str or None
        ``CONTIG:START-STOP`` (1-based, inclusive) read through the index, or None to
        read the whole file.
    """

    name: str
    block: int
    samples: tuple[str, ...]
    genes: tuple[str, ...] | None = None
    region: str | None = None


@dataclass(frozen=True)
class PartitionedCalls:
    """The result of :func:`call_partitioned`.

    Attributes
    ----------
    calls : polars.DataFrame
        The combined calls, as :func:`pgx.call` returns them for the whole file.
    partitions : tuple of Partition
        Every partition of the job.
    computed : tuple of str
        Names of the partitions computed by this run.
    skipped : tuple of str
        Names of the partitions already complete in ``parquet_dir`` (not recomputed).
    genome_build : str or None
        The build the job called in.
    genome_build_source : str or None
        How it was inferred (as ``CallSet.genome_build_source``); None when it was given.
    """

    calls: pl.DataFrame
    partitions: tuple[Partition, ...]
    computed: tuple[str, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())
    genome_build: str | None = None
    genome_build_source: str | None = None


@dataclass(frozen=True)
class PatientBlock:
    """One block of patients of a feature job.

    Attributes
    ----------
    name : str
        ``part-BBBBB`` (the 0-based block); the Parquet file is ``name + ".parquet"``.
    block : int
        The 0-based block.
    patients : tuple of str
        The block's patient ids, in the order of the cohort's ``patients`` table.
    """

    name: str
    block: int
    patients: tuple[str, ...]


@dataclass(frozen=True)
class PartitionedFeatures:
    """The result of :func:`features_partitioned`.

    Attributes
    ----------
    features : polars.DataFrame
        The combined feature table, as :func:`pgx.pipeline.build_features` writes it.
    spec : pgx.features.FeatureSpec
        The spec every block was built with (given, or merged from the blocks' specs).
    blocks : tuple of PatientBlock
        Every block of the job.
    computed : tuple of str
        Names of the blocks computed by this run.
    skipped : tuple of str
        Names of the blocks already complete in ``parquet_dir`` (not recomputed).
    """

    features: pl.DataFrame
    spec: object
    blocks: tuple[PatientBlock, ...]
    computed: tuple[str, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())


def _job_index(path: str, by_region: bool | None, folder: str | None, local: bool) -> str | None:
    """Index an unindexed bgzip-compressed VCF so that partitions can read it by gene region.

    The index goes into the job's folder (``folder``, which every worker sees) or, when the
    workers run on this machine, a cache folder under the system's temporary folder; it is
    named by the input's path, size and modification time, so a changed file is indexed
    again and a rerun reuses it. Returns None (the job reads whole-file blocks, or through
    the file's own index) when the file has an index beside it, is not BGZF or is unsorted,
    when regions are not wanted, or when no folder is visible to the workers.
    """
    if by_region is False or existing_index(path) is not None:
        return None
    if folder is None and local:
        folder = os.path.join(tempfile.gettempdir(), f"pgx-index-{os.getuid()}")
        os.makedirs(folder, exist_ok=True)
    if folder is None:
        return None
    stat = os.stat(path)
    target = os.path.join(folder, f"_input-{_digest([path, stat.st_size, stat.st_mtime_ns])[:20]}.tbi")
    if os.path.exists(target):
        return target
    try:
        return index_vcf(path, target)
    except RegionError:
        if by_region:
            raise
        return None


def _gene_region(gene: str, build: str, reference_dir: str | None) -> str | None:
    """``CONTIG:START-STOP`` around a gene's definition (or tag-SNP) positions, padded."""
    try:
        if gene in proxy_genes(reference_dir=reference_dir):
            tags = tag_snps(gene, genome_build=build, reference_dir=reference_dir)
            chroms = {normalize_contig(c) for c in tags["chrom"].to_list()}
            if len(chroms) != 1:
                return None
            chrom, positions = chroms.pop(), [int(p) for p in tags["pos"].to_list()]
        else:
            sites = gene_model(gene, build, reference_dir).sites
            chrom, positions = sites.chrom, [p for p, _ in sites.positions]
    except PgxError:  # not callable from the VCF (outside calls only): the whole-file partition reports it
        return None
    if not positions:
        return None
    return f"{chrom}:{max(1, min(positions) - PAD)}-{max(positions) + PAD}"


def _blocks(names: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(names[k: k + size]) for k in range(0, len(names), size)]


def _chosen_samples(path: str, names: Sequence[str], samples: Sequence[str | int] | None) -> list[str]:
    """The requested samples by name (all of the file's by default), each checked to be in it."""
    if samples is None:
        return list(names)
    index = set(names)
    chosen = [names[s] if isinstance(s, int) else s for s in samples]
    absent = [k for k, s in enumerate(chosen) if s not in index]
    if absent:
        raise ValueError(f"{path}: {len(absent)} requested sample(s) are not in the file "
                         f"(positions {absent[:10]} of the request)")
    return chosen


def _require_genotypes(path: str, samples: Sequence[str | int] | None) -> None:
    """Refuse, before anything is written, a file an in-process run refuses for having no
    sample column or no GT call (the build is checked next, as in one process)."""
    require_file_genotypes(path, samples=_chosen_samples(path, read_header(path).samples, samples))


def plan_partitions(
    path: str | os.PathLike[str],
    *,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    genome_build: str | None = None,
    sample_block: int = DEFAULT_SAMPLE_BLOCK,
    by_region: bool | None = None,
    reference_dir: str | None = None,
    index: str | os.PathLike[str] | None = None,
) -> list[Partition]:
    """Cut a calling job into partitions: sample blocks, times gene regions when indexed.

    Parameters
    ----------
    path : str or os.PathLike
        The VCF/BCF.
    samples : sequence of str, optional
        The samples to call, in the order wanted (default: every sample of the file).
    genes : sequence of str, optional
        The genes to call (default: those :func:`pgx.call` calls).
    genome_build : {"GRCh38", "GRCh37"}, optional
        Needed for the gene regions; when not given, inferred as :func:`pgx.read_vcf`
        infers it (:func:`pgx.io.infer_file_genome_build`: the header, else the REF bases
        at definition positions).
    sample_block : int, default 5000
        Samples per partition.
    by_region : bool, optional
        Split each block by gene region. By default, when the file has a tabix (.tbi)
        or CSI (.csi) index; True without one raises :class:`~pgx.RegionError`.
    reference_dir : str, optional
    index : str or os.PathLike, optional
        An index of the file kept elsewhere (see :func:`pgx.io.index_vcf`), counted as
        the file's own.

    Returns
    -------
    list of Partition
        Block-major, genes in order within a block.

    Raises
    ------
    ValueError
        If ``sample_block`` is below 1 or a sample is not in the file.
    RegionError
        If ``by_region=True`` and the file has no index.
    GenomeBuildError
        If regions are wanted and neither the header nor the REF bases decide the build.

    Examples
    --------
    >>> import pgx
    >>> parts = plan_partitions(pgx.example_vcf(), sample_block=3)
    >>> [(p.name, p.samples, p.region) for p in parts]  # no index: whole-file blocks
    [('part-00000-all', ('SAMPLE_A', 'SAMPLE_B', 'SAMPLE_C'), None), ('part-00001-all', ('SAMPLE_D',), None)]
    """
    path = os.fspath(path)
    if sample_block < 1:
        raise ValueError(f"sample_block: expected a whole number of at least 1, found {sample_block}")
    header = read_header(path)
    require_genotypes(header, path=path)
    chosen = _chosen_samples(path, header.samples, samples)
    indexed = index is not None or existing_index(path) is not None
    if by_region is None:
        by_region = indexed
    elif by_region and not indexed:
        raise RegionError(f"{path}: splitting by gene region needs a tabix (.tbi) or CSI (.csi) index; "
                          "create one with `tabix -p vcf` (or `bcftools index` for BCF)")
    blocks = _blocks(chosen, sample_block)
    if not by_region:
        wanted = tuple(genes) if genes is not None else None
        return [Partition(f"part-{b:05d}-all", b, block, wanted, None) for b, block in enumerate(blocks)]
    build = infer_file_genome_build(path, genome_build=genome_build, index=index, reference_dir=reference_dir)[0]
    wanted_genes = list(genes) if genes is not None else (
        callable_genes(reference_dir=reference_dir) + sorted(proxy_genes(reference_dir=reference_dir)))
    regions = {gene: _gene_region(gene, build, reference_dir) for gene in wanted_genes}
    parts = []
    for b, block in enumerate(blocks):
        for gene in wanted_genes:
            parts.append(Partition(f"part-{b:05d}-{gene}", b, block, (gene,), regions[gene]))
    return parts


# ---------------------------------------------------------------------------------------------
# one partition (runs in this process or on a Dask worker)


def _run_partition(job: dict, part, outside, pseudonyms: dict[str, str] | None) -> dict:
    """Compute one partition (of calls, or of features when ``job["kind"] == "features"``);
    write it (atomically) when the job has a folder.

    Returns ``{"name", "status": "written"|"skipped"|"done"|"failed", "frame"?, "message"?}``;
    pgx errors come back as text so they cross process boundaries intact.
    """
    folder = job["parquet_dir"]
    target = os.path.join(folder, part.name + ".parquet") if folder else None
    if target and os.path.exists(target):
        return {"name": part.name, "status": "skipped"}
    try:
        frame = (_compute_features if job.get("kind") == "features" else _compute)(job, part, outside, pseudonyms)
    except (PgxError, OSError, ValueError) as exc:
        return {"name": part.name, "status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    if target is None:
        return {"name": part.name, "status": "done", "frame": frame}
    _atomic_write(target, frame.write_parquet, binary=True)
    return {"name": part.name, "status": "written"}


def _compute(job: dict, part: Partition, outside: pl.DataFrame | None,
             pseudonyms: dict[str, str] | None) -> pl.DataFrame:
    options = {"samples": list(part.samples), "genome_build": job["genome_build"]}
    callset = None
    if part.region is not None:
        try:
            callset = read_vcf(job["path"], region=part.region, index=job.get("index"), **options)
        except RegionError:  # e.g. the gene's contig has no records in the index: read the block whole
            callset = None
    if callset is None:
        callset = read_vcf(job["path"], **options)
    calls = call(callset, genes=None if part.genes is None else list(part.genes), genome_build=job["genome_build"],
                 assume_reference=job["assume_reference"], outside_calls=outside,
                 reference_dir=job["reference_dir"], position_details=job.get("position_details", False))
    if pseudonyms is not None:
        calls = pseudonymize_samples(calls, pseudonyms)
    return calls


def _compute_features(job: dict, block: PatientBlock, spec: dict, pseudonyms: dict[str, str] | None) -> pl.DataFrame:
    """The feature rows of one block of patients, reading only their rows of the cohort tables."""
    import warnings

    from pgx.features import FeatureSpec, MissingBlockWarning

    frames = _cohort_frames(job["cohort"], block.patients)
    with warnings.catch_warnings():
        # a block without any measurement of some biomarker (or drug) the cohort has: its null
        # columns are expected, not a sign of a missing input
        warnings.filterwarnings("ignore", r".*spec column\(s\) could not be computed", MissingBlockWarning)
        return _patient_features(job["cohort"], frames, FeatureSpec.from_dict(spec), outcome=job["outcome"],
                                 binary=job["binary"], pseudonyms=pseudonyms)


def _summarise_block(job: dict, block: PatientBlock) -> dict:
    """What one block of patients contributes to the feature spec: the spec of its rows
    (every drug kept) and its drug counts, for :func:`pgx.features.merge_specs`."""
    from pgx.features import drug_counts, infer_spec

    try:
        frames = _cohort_frames(job["cohort"], block.patients)
        spec = infer_spec(calls=frames["diplotypes"], biomarkers=frames["biomarkers"], treatments=frames["treatments"],
                          patients=frames["patients"], max_drugs=sys.maxsize)
        counts = drug_counts(frames["treatments"])
    except (PgxError, OSError, ValueError) as exc:
        return {"name": block.name, "status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    return {"name": block.name, "status": "done", "spec": spec.to_dict(), "drugs": counts}


# ---------------------------------------------------------------------------------------------
# the job


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _check_folder(folder: str, description: dict) -> None:
    """Create the folder with its job description, or check it describes this job; remove
    the temporary files of an interrupted run."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, _JOB_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            try:
                found = json.load(handle)
            except ValueError:
                found = {}
        differ = sorted(k for k in set(found) | set(description) if found.get(k) != description.get(k))
        if differ:
            raise ClusterError(
                f"{folder} holds the partitions of another job (it differs in: {', '.join(differ)}); "
                "use an empty folder, or remove this one to start over"
            )
    else:
        _atomic_write(path, lambda handle: json.dump(description, handle, indent=1, sort_keys=True))
    for name in os.listdir(folder):  # what an interrupted run was writing
        if name.startswith(".part-") and name.endswith(".tmp"):
            os.remove(os.path.join(folder, name))


def _cluster_module(workers: int | None, scheduler: str | None):
    """``dask.distributed`` when a cluster is asked for (checked), else None."""
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers (a local cluster) or scheduler (a running one), not both")
    if workers is not None and workers < 1:
        raise ValueError(f"workers: expected a whole number of at least 1, found {workers}")
    return _import_distributed() if workers is not None or scheduler is not None else None


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DaskNotInstalledError(
            f"running on a Dask cluster needs dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


def call_partitioned(
    path: str | os.PathLike[str],
    *,
    parquet_dir: str | os.PathLike[str] | None = None,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    genome_build: str | None = None,
    assume_reference: bool = False,
    outside_calls: str | os.PathLike[str] | pl.DataFrame | None = None,
    sample_block: int = DEFAULT_SAMPLE_BLOCK,
    by_region: bool | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    pseudonyms: Mapping[str, str] | None = None,
    reference_dir: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PartitionedCalls:
    """Call a VCF partition by partition, in this process or on a Dask cluster.

    The result equals ``pgx.call(pgx.read_vcf(path, samples=samples), ...)`` row for
    row, however the job is cut and wherever it runs.

    Parameters
    ----------
    path : str or os.PathLike
        The VCF/BCF; with a cluster, a path every worker can read.
    parquet_dir : str or os.PathLike, optional
        Folder for one Parquet file per partition (``part-BBBBB-GENE.parquet``, each
        written atomically) and ``_job.json`` describing the job. A rerun skips the
        partitions already there. Without it results travel back in memory.
    samples, genes, genome_build, assume_reference
        As for :func:`pgx.read_vcf` and :func:`pgx.call`.
    outside_calls : path or polars.DataFrame, optional
        As for :func:`pgx.call`; the job is then split by sample blocks only.
    sample_block : int, default 5000
        Samples per partition.
    by_region : bool, optional
        Split blocks by gene region (default: when the file has a tabix/CSI index).
    workers : int, optional
        Start a local Dask cluster of this many worker processes (one thread each)
        for the job, and stop it afterwards.
    scheduler : str, optional
        The address of a running ``dask.distributed`` scheduler (``tcp://host:8786``).
    pseudonyms : mapping of str to str, optional
        Sample id -> pseudonym, applied inside each partition, so no partition file
        holds a raw sample id.
    reference_dir : str, optional
    progress : callable, optional
        Called as ``progress(done, total)`` as partitions complete.

    Returns
    -------
    PartitionedCalls

    Raises
    ------
    DaskNotInstalledError
        If ``workers`` or ``scheduler`` is given and dask.distributed is not installed.
    ClusterError
        If the scheduler cannot be reached, ``parquet_dir`` holds another job's
        partitions, or partitions failed (each named with its error; the complete ones
        stay in ``parquet_dir`` for a rerun).

    Examples
    --------
    >>> import pgx, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "parts"
    >>> run = call_partitioned(pgx.example_vcf(), parquet_dir=folder, genes=["CYP2C19"], sample_block=2)
    >>> run.computed, run.calls.equals(pgx.call(pgx.example_vcf(), genes=["CYP2C19"]))
    (('part-00000-all', 'part-00001-all'), True)
    >>> call_partitioned(pgx.example_vcf(), parquet_dir=folder, genes=["CYP2C19"], sample_block=2).skipped
    ('part-00000-all', 'part-00001-all')
    """
    distributed = _cluster_module(workers, scheduler)
    path = os.path.abspath(os.fspath(path))
    folder = os.path.abspath(os.fspath(parquet_dir)) if parquet_dir is not None else None
    by_region = False if outside_calls is not None else by_region
    local = distributed is None or workers is not None
    _require_genotypes(path, samples)
    # the build first (through an index when there is one), then the folder: a refused input leaves nothing
    index = None if folder is not None else _job_index(path, by_region, None, local=local)
    build, build_source = infer_file_genome_build(path, genome_build=genome_build, index=index,
                                                  reference_dir=reference_dir)
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
        index = _job_index(path, by_region, folder, local=local)
    parts = plan_partitions(path, samples=samples, genes=genes, genome_build=build,
                            sample_block=sample_block, by_region=by_region, reference_dir=reference_dir, index=index)
    blocks: dict[int, tuple[str, ...]] = {}
    for part in parts:
        blocks.setdefault(part.block, part.samples)
    ordered = [s for b in sorted(blocks) for s in blocks[b]]
    outside = None if outside_calls is None else _outside_calls_frame(outside_calls, ordered)
    if pseudonyms is not None:
        missing = set(ordered) - set(pseudonyms)
        if missing:
            raise PgxError(f"{len(missing)} sample(s) have no pseudonym")
    job = {"path": path, "parquet_dir": folder, "genome_build": build, "assume_reference": assume_reference,
           "reference_dir": reference_dir, "index": index}
    if folder is not None:
        stat = os.stat(path)
        _check_folder(folder, {
            # pseudonymised runs keep file names out of their outputs (they may name people)
            "pgx": __version__, "reference_data": reference_version(),
            "input": path if pseudonyms is None else _digest(path), "input_size": stat.st_size,
            "input_mtime_ns": stat.st_mtime_ns, "genome_build": genome_build, "assume_reference": assume_reference,
            "genes": None if genes is None else list(genes), "samples_sha256": _digest(ordered),
            "partitions_sha256": _digest([(p.name, p.region) for p in parts]),
            "outside_calls_sha256": None if outside is None else _digest(outside.rows()),
            "pseudonyms_sha256": None if pseudonyms is None else _digest(sorted(pseudonyms.items())),
        })
    done = {p.name for p in parts if folder is not None and os.path.exists(os.path.join(folder, p.name + ".parquet"))}
    todo = [p for p in parts if p.name not in done]

    def payload(part: Partition):
        block_outside = None if outside is None else outside.filter(pl.col("sample_id").is_in(list(part.samples)))
        block_pseudonyms = None if pseudonyms is None else {s: pseudonyms[s] for s in part.samples}
        return job, part, block_outside, block_pseudonyms

    total = len(parts)
    if progress is not None:
        progress(len(done), total)
    with _session(distributed if todo else None, workers, scheduler) as client:
        results = _run_tasks(client, todo, payload, kind="call",
                             progress=None if progress is None else (lambda n: progress(len(done) + n, total)))
    _raise_failed(results, total, "partition(s)",
                  "the {complete} complete one(s) are kept in " + f"{folder}: rerun to resume" if folder else None)
    frames = {r["name"]: r["frame"] for r in results if "frame" in r}
    if folder is not None:
        frames = {p.name: pl.read_parquet(os.path.join(folder, p.name + ".parquet")) for p in parts}
    combined = _combine([frames[p.name] for p in parts], ordered, pseudonyms)
    computed = tuple(r["name"] for r in results if r["status"] in ("written", "done"))
    skipped = tuple(p.name for p in parts if p.name not in set(computed))
    return PartitionedCalls(combined, tuple(parts), computed, skipped, build,
                            None if genome_build else build_source)


def _one_line(message: str, limit: int = 300) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _combine(frames: list[pl.DataFrame], ordered: Sequence[str], pseudonyms: Mapping[str, str] | None) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=CALL_SCHEMA)
    names = [pseudonyms[s] for s in ordered] if pseudonyms is not None else list(ordered)
    order = {name: k for k, name in enumerate(names)}
    return (
        pl.concat([f.select(list(CALL_SCHEMA)) for f in frames])
        .with_columns(pl.col("sample_id").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort("_order", "gene", maintain_order=True)
        .drop("_order")
    )


def _raise_failed(results: list[dict], total: int, what: str, kept: str | None) -> None:
    """Raise :class:`ClusterError` naming each failed task (the first ten) with its error;
    ``kept`` (with ``{complete}`` for the number of complete tasks) says what a rerun resumes from."""
    failed = [r for r in results if r["status"] == "failed"]
    if not failed:
        return
    lines = "; ".join(f"{r['name']}: {_one_line(r['message'])}" for r in failed[:10])
    more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
    tail = "; " + kept.replace("{complete}", str(total - len(failed))) if kept else ""
    raise ClusterError(f"{len(failed)} of {total} {what} failed: {lines}{more}{tail}")


def _discard_stdout() -> None:
    """Point this process's standard output (file descriptor 1) at the null device."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)


def _quiet_stdout_plugin(distributed):
    """A worker plugin that discards the standard output of the local workers pgx starts.

    They share the terminal's standard output with the ``pgx`` command, and libraries print
    there from C (LightGBM's data-parallel learner announces its network set-up, from worker
    threads where its log routing does not reach), which would mix with what ``pgx`` prints.
    Results and errors travel through Dask, and logs go to standard error, so nothing is lost;
    a restarted worker runs the plugin again. Workers of an external scheduler are left alone.
    """

    class QuietStdout(distributed.WorkerPlugin):
        def setup(self, worker) -> None:
            _discard_stdout()

    return QuietStdout()


@contextlib.contextmanager
def _session(distributed, workers: int | None, scheduler: str | None):
    """A ``distributed.Client`` for the ``with`` block: on a local cluster of ``workers``
    processes (started and stopped here) or the running ``scheduler``; None (run in this
    process) when ``distributed`` is None."""
    if distributed is None:
        yield None
        return
    import logging

    cluster = None
    try:
        if workers is not None:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
            client.register_plugin(_quiet_stdout_plugin(distributed), name="pgx-quiet-stdout")
        else:
            client = distributed.Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"the Dask scheduler at {scheduler}" if scheduler else f"a local cluster of {workers} workers"
        raise ClusterError(f"cannot start or reach {where}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_tasks(client, todo: list, payload, *, progress, task=None, kind: str = "call", weight=None) -> list[dict]:
    """Run ``task(*payload(part))`` (default :func:`_run_partition`) for each partition
    (anything with a ``name``): in this process when ``client`` is None, else on its Dask
    cluster. Collect each one's result, or its failure named with the partition (a worker
    that died too often, a bug); ``progress(done)`` counts ``weight(part)`` (default 1) each."""
    task = _run_partition if task is None else task
    results: list[dict] = []
    done = 0

    def record(result: dict, part) -> None:
        nonlocal done
        results.append(result)
        done += 1 if weight is None else weight(part)
        if progress is not None:
            progress(done)

    if client is None:
        for part in todo:
            record(task(*payload(part)), part)
        return results
    import distributed

    run = uuid.uuid4().hex[:8]
    futures = {client.submit(task, *payload(part), key=f"pgx-{kind}-{run}-{part.name}", pure=False): part
               for part in todo}
    for future in distributed.as_completed(futures):
        part = futures[future]
        if future.status == "error":
            error = future.exception()
            record({"name": part.name, "status": "failed", "message": f"{type(error).__name__}: {error}"}, part)
        else:
            record(future.result(), part)
    return results


# ---------------------------------------------------------------------------------------------
# per-sample reports, block by block


@dataclass(frozen=True)
class PartitionedReport:
    """The result of :func:`report_partitioned`.

    Attributes
    ----------
    statuses : dict of str to pgx.report.SampleStatus
        What was done for each sample (pseudonym when pseudonymised), in sample order.
    calls : polars.DataFrame
        The combined calls (the cohort summary's input), as :func:`pgx.call` returns them
        for the whole file (pseudonymised when asked).
    partitions : tuple of Partition
        Every partition read; the partitions of one sample block run as one task.
    """

    statuses: dict
    calls: pl.DataFrame
    partitions: tuple[Partition, ...]


@dataclass(frozen=True)
class _Block:
    """One report task: a sample block and its partitions (one per gene region, or the whole file)."""

    name: str
    samples: tuple[str, ...]
    parts: tuple[Partition, ...]


def _run_report_block(job: dict, block: _Block, outside: pl.DataFrame | None, pseudonyms: dict[str, str] | None,
                      medications: pl.DataFrame | None) -> dict:
    """Call one sample block, recommend, and write its samples' reports (runs here or on a worker)."""
    from pgx.recommend import recommend
    from pgx.report import write_reports

    try:
        calls = _combine([_compute(job, part, outside, None) for part in block.parts], block.samples, None)
        recommendations = recommend(calls, drugs=job["drugs"], medications=medications,
                                    reference_dir=job["reference_dir"])
        if pseudonyms is not None:
            calls = pseudonymize_samples(calls, pseudonyms)
            recommendations = pseudonymize_samples(recommendations, pseudonyms)
        names = list(dict.fromkeys(calls["sample_id"].to_list()))
        statuses = write_reports(job["outdir"], calls, recommendations, job["meta"], formats=job["formats"],
                                 samples=names, force=job["force"])
    except (PgxError, OSError, ValueError) as exc:
        return {"name": block.name, "status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    return {"name": block.name, "status": "done", "frame": calls, "statuses": statuses}


def report_partitioned(
    path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    medications: str | os.PathLike[str] | pl.DataFrame | None = None,
    outside_calls: str | os.PathLike[str] | pl.DataFrame | None = None,
    drugs: Sequence[str] | None = None,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    formats: Sequence[str] = ("html", "json"),
    genome_build: str | None = None,
    assume_reference: bool = False,
    force: bool = False,
    sample_block: int = DEFAULT_SAMPLE_BLOCK,
    by_region: bool | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    pseudonyms: Mapping[str, str] | None = None,
    reference_dir: str | None = None,
    min_count: int | None = None,
    audit_chain_head: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PartitionedReport:
    """Per-sample reports of a VCF, one sample block per task, in this process or on Dask.

    Each task reads its block (gene region by gene region when the file is indexed, as
    :func:`call_partitioned` does), calls it, recommends, and writes its samples'
    reports with :func:`pgx.report.write_reports` (each file atomically; complete
    samples are skipped unless ``force``). The cohort summary is then written from the
    combined calls. The files are byte for byte those :func:`pgx.pipeline.report` writes
    in one process on the same day.

    Parameters
    ----------
    path : str or os.PathLike
        The VCF/BCF; with a cluster, a path every worker can read.
    outdir : str or os.PathLike
        The output folder (created when missing); with a cluster, one every worker can write.
    medications, outside_calls, drugs, samples, genes, formats, genome_build, assume_reference, force
        As for :func:`pgx.pipeline.report`.
    sample_block : int, default 5000
        Samples per task.
    by_region : bool, optional
        Read each block gene region by gene region (default: when the file has a
        tabix/CSI index; never with ``outside_calls``).
    workers, scheduler
        A local Dask cluster of this many worker processes, or the address of a running
        scheduler (as for :func:`call_partitioned`); neither: in this process.
    pseudonyms : mapping of str to str, optional
        Sample id -> pseudonym, as for :func:`pgx.pipeline.report`.
    reference_dir : str, optional
    min_count : int, optional
        Smallest count the cohort summary shows (default 11 with ``pseudonyms``, else 1).
    audit_chain_head : str, optional
        Stamped into every report, as for :func:`pgx.pipeline.report`.
    progress : callable, optional
        Called as ``progress(done, total)`` in samples as blocks complete.

    Returns
    -------
    PartitionedReport

    Raises
    ------
    DaskNotInstalledError
        If ``workers`` or ``scheduler`` is given and dask.distributed is not installed.
    ClusterError
        If the cluster cannot be reached or blocks failed (each named with its error; the
        reports already written stay, and a rerun skips them).
    PgxError
        Bad input (medications, outside calls, an unknown genome build) or an output
        folder that cannot be written.

    Examples
    --------
    >>> import pgx, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> run = report_partitioned(pgx.example_vcf(), out / "split", formats=["tsv"], sample_block=2)
    >>> sorted(run.statuses) == sorted(pgx.read_vcf(pgx.example_vcf()).sample_ids)
    True
    >>> _ = pgx.pipeline.report(pgx.example_vcf(), out / "whole", formats=["tsv"])
    >>> all((out / "split" / f.name).read_bytes() == f.read_bytes() for f in (out / "whole").iterdir())
    True
    >>> {s.status for s in report_partitioned(pgx.example_vcf(), out / "split", formats=["tsv"]).statuses.values()}
    {'skipped'}
    """
    from pgx.report import ReportMeta, write_cohort_summary

    distributed = _cluster_module(workers, scheduler)
    path = os.path.abspath(os.fspath(path))
    outdir = os.path.abspath(os.fspath(outdir))
    _require_genotypes(path, samples)  # these checks before the folder is made: a refused input leaves nothing
    by_region = False if outside_calls is not None else by_region
    index = _job_index(path, by_region, None, local=distributed is None or workers is not None)
    build, build_source = infer_file_genome_build(path, genome_build=genome_build, index=index,
                                                  reference_dir=reference_dir)
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise PgxError(f"cannot create the output folder {outdir}: {exc.strerror}") from None
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise PgxError(f"the output folder {outdir} is not writable")
    parts = plan_partitions(path, samples=samples, genes=genes, genome_build=build,
                            sample_block=sample_block, by_region=by_region, reference_dir=reference_dir, index=index)
    grouped: dict[int, list[Partition]] = {}
    for part in parts:
        grouped.setdefault(part.block, []).append(part)
    blocks = [_Block(f"block-{b:05d}", group[0].samples, tuple(group)) for b, group in sorted(grouped.items())]
    ordered = [s for block in blocks for s in block.samples]
    outside = None if outside_calls is None else _outside_calls_frame(outside_calls, ordered)
    meds = read_medications(medications) if isinstance(medications, (str, os.PathLike)) else medications
    if pseudonyms is not None:
        missing = set(ordered) - set(pseudonyms)
        if missing:
            raise PgxError(f"{len(missing)} sample(s) have no pseudonym")
    meta = ReportMeta(reference_version=reference_version(reference_dir), genome_build=build,
                      genome_build_source=None if genome_build else build_source,
                      input_name=None if pseudonyms is not None else os.path.basename(path),
                      run_date=datetime.date.today(), cohort={"samples": len(ordered)},
                      date_precision="day" if pseudonyms is None else "year", audit_chain_head=audit_chain_head)
    job = {"path": path, "parquet_dir": None, "genome_build": build, "assume_reference": assume_reference,
           "reference_dir": reference_dir, "index": index, "outdir": outdir, "formats": list(formats), "force": force,
           "drugs": None if drugs is None else list(drugs), "meta": meta, "position_details": True}

    def payload(block: _Block):
        def only(frame: pl.DataFrame | None) -> pl.DataFrame | None:
            return None if frame is None else frame.filter(pl.col("sample_id").is_in(list(block.samples)))

        block_pseudonyms = None if pseudonyms is None else {s: pseudonyms[s] for s in block.samples}
        return job, block, only(outside), block_pseudonyms, only(meds)

    total = len(ordered)
    if progress is not None:
        progress(0, total)
    with _session(distributed, workers, scheduler) as client:
        results = _run_tasks(client, blocks, payload,
                             progress=None if progress is None else (lambda n: progress(n, total)),
                             task=_run_report_block, kind="report", weight=lambda block: len(block.samples))
    _raise_failed(results, len(blocks), "sample block(s)", f"the reports written are kept in {outdir}: rerun to resume")
    by_name = {r["name"]: r for r in results}
    calls = _combine([by_name[b.name]["frame"] for b in blocks], ordered, pseudonyms)
    statuses: dict = {}
    for block in blocks:
        statuses.update(by_name[block.name]["statuses"])
    if calls["sample_id"].n_unique() > 1:
        write_cohort_summary(outdir, calls, meta,
                             min_count=min_count if min_count is not None else (1 if pseudonyms is None else 11))
    return PartitionedReport(statuses, calls, tuple(parts))


# ---------------------------------------------------------------------------------------------
# patient feature tables, block by block


def features_partitioned(
    cohort_dir: str | os.PathLike[str],
    *,
    parquet_dir: str | os.PathLike[str] | None = None,
    spec=None,
    outcome: str | None = None,
    pseudonyms: Mapping[str, str] | None = None,
    patient_block: int = DEFAULT_PATIENT_BLOCK,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PartitionedFeatures:
    """Build a cohort's feature table block of patients by block, in this process or on Dask.

    The result equals the table :func:`pgx.pipeline.build_features` builds in one process,
    row for row. Each task reads only its patients' rows of the cohort tables (a filtered
    scan of the Parquet or TSV files). What the feature spec learns from the data (genes,
    phenotype and allele categories, biomarkers, the most frequent drugs, demographic
    levels) is fixed for the whole cohort before any block is built: from ``spec`` when
    given, else by a first pass in which every block reports its own spec and drug counts,
    merged with :func:`pgx.features.merge_specs`; so every block has the same columns.

    Parameters
    ----------
    cohort_dir : str or os.PathLike
        A cohort folder as :func:`pgx.pipeline.simulate` writes it (Parquet or TSV); with a
        cluster, a path every worker can read.
    parquet_dir : str or os.PathLike, optional
        Folder for one Parquet file per block (``part-BBBBB.parquet``, each written
        atomically) and ``_job.json`` describing the job; a rerun skips the blocks already
        there. Without it results travel back in memory.
    spec : pgx.features.FeatureSpec, optional
        The columns to build (a trained model's); inferred from all the data otherwise.
    outcome : str, optional
        Keep the patients with this outcome and add it as a column, as for
        :func:`pgx.pipeline.build_features`.
    pseudonyms : mapping of str to str, optional
        Patient id -> pseudonym (every patient listed), applied inside each block (with
        the ages capped at 90), so no block file holds a raw patient id.
    patient_block : int, default 20000
        Patients per block.
    workers, scheduler
        A local Dask cluster of this many worker processes, or the address of a running
        scheduler (as for :func:`call_partitioned`); neither: in this process.
    progress : callable, optional
        Called as ``progress(done, total)`` as tasks complete (the spec pass, when there
        is one, counts one task per block too).

    Returns
    -------
    PartitionedFeatures

    Raises
    ------
    ValueError
        If ``patient_block`` is below 1.
    DaskNotInstalledError
        If ``workers`` or ``scheduler`` is given and dask.distributed is not installed.
    ClusterError
        If the cluster cannot be reached, ``parquet_dir`` holds another job's blocks, or
        blocks failed (each named with its error; complete ones stay for a rerun).
    PgxError
        A cohort table is missing or unreadable, or the outcome is not in it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from pgx.pipeline import build_features, simulate
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = simulate(folder / "cohort", n_patients=30, vcf=False)
    >>> run = features_partitioned(folder / "cohort", parquet_dir=folder / "parts", patient_block=12)
    >>> run.computed
    ('part-00000', 'part-00001', 'part-00002')
    >>> run.features.equals(build_features(folder / "cohort", folder / "features.parquet"))
    True
    """
    from pgx.features import FeatureSpec, merge_specs

    if patient_block < 1:
        raise ValueError(f"patient_block: expected a whole number of at least 1, found {patient_block}")
    distributed = _cluster_module(workers, scheduler)
    cohort = os.path.abspath(os.fspath(cohort_dir))
    folder = os.path.abspath(os.fspath(parquet_dir)) if parquet_dir is not None else None
    ids = read_cohort_table(cohort, "patients").get_column("patient_id").cast(pl.String).to_list()
    if not ids:
        raise PgxError(f"{cohort}: the patients table has no rows")
    blocks = [PatientBlock(f"part-{b:05d}", b, block) for b, block in enumerate(_blocks(ids, patient_block))]
    if pseudonyms is not None:
        missing = set(ids) - set(pseudonyms)
        if missing:
            raise PgxError(f"{len(missing)} patient(s) have no pseudonym")
    job = {"kind": "features", "cohort": cohort, "parquet_dir": folder, "outcome": outcome,
           "binary": _outcome_is_binary(cohort, outcome) if outcome is not None else True}
    phases = 1 if spec is not None else 2
    total = phases * len(blocks)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    with _session(distributed, workers, scheduler) as client:
        if spec is None:
            report(0)
            summaries = _run_tasks(client, blocks, lambda block: (job, block), progress=report,
                                   task=_summarise_block, kind="feature-spec")
            _raise_failed(summaries, len(blocks), "block(s) of the feature-spec pass", None)
            by_name = {r["name"]: r for r in summaries}
            spec = merge_specs([FeatureSpec.from_dict(by_name[b.name]["spec"]) for b in blocks],
                               drug_counts=pl.concat([by_name[b.name]["drugs"] for b in blocks]))
        offset = (phases - 1) * len(blocks)
        if folder is not None:
            stats = {name: os.stat(path) for name, path in _cohort_files(cohort).items()}
            _check_folder(folder, {
                "pgx": __version__, "reference_data": reference_version(), "job": "features",
                "input": cohort if pseudonyms is None else _digest(cohort),
                "inputs": {name: [st.st_size, st.st_mtime_ns] for name, st in stats.items()},
                "outcome": outcome, "spec_sha256": _digest(spec.to_dict()),
                "blocks_sha256": _digest([(b.name, b.patients) for b in blocks]),
                "pseudonyms_sha256": None if pseudonyms is None else _digest(sorted(pseudonyms.items())),
            })
        done = [b for b in blocks if folder is not None and os.path.exists(os.path.join(folder, b.name + ".parquet"))]
        todo = [b for b in blocks if b not in done]
        report(offset + len(done))
        spec_dict = spec.to_dict()

        def payload(block: PatientBlock):
            return job, block, spec_dict, None if pseudonyms is None else {p: pseudonyms[p] for p in block.patients}

        results = _run_tasks(client if todo else None, todo, payload, kind="features",
                             progress=lambda n: report(offset + len(done) + n))
    _raise_failed(results, len(blocks), "block(s)",
                  "the {complete} complete one(s) are kept in " + f"{folder}: rerun to resume" if folder else None)
    frames = {r["name"]: r["frame"] for r in results if "frame" in r}
    if folder is not None:
        frames = {b.name: pl.read_parquet(os.path.join(folder, b.name + ".parquet")) for b in blocks}
    features = pl.concat([frames[b.name] for b in blocks], how="vertical_relaxed")
    computed = tuple(r["name"] for r in results if r["status"] in ("written", "done"))
    skipped = tuple(b.name for b in blocks if b.name not in set(computed))
    return PartitionedFeatures(features, spec, tuple(blocks), computed, skipped)


def _cohort_files(cohort: str) -> dict[str, str]:
    """The cohort table files a feature job reads (their sizes and times describe the job)."""
    paths = {name: cohort_table_path(cohort, name)
             for name in ("patients", "diplotypes", "biomarkers", "treatments", "outcomes")}
    return {name: path for name, path in paths.items() if path is not None}


# ---------------------------------------------------------------------------------------------
# model training with lightgbm.dask


def train_on_dask(
    features: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    *,
    outcome: str,
    kind: str = "response",
    id_column: str = "patient_id",
    drop: Sequence[str] = (),
    random_state: int = 0,
    overwrite: bool = False,
    partition_rows: int = DEFAULT_TRAIN_ROWS,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Fit a pgx model on a feature table with LightGBM's Dask estimators, and save it.

    The table is read by the workers in row partitions (``partition_rows`` rows each, a
    slice of a lazy scan of the file) and encoded there with the categories of its string
    columns fixed on the whole table first, as single-machine training fixes them; only the
    outcome (one value per row) is held here. The steps, calibration included, follow
    :func:`pgx.pipeline.train_model` (see :mod:`pgx.models._dask` for what differs on Dask:
    data-parallel trees, every fold boosted to ``n_estimators`` and the round count chosen
    from the held-out loss of every round). The model is saved with
    :func:`pgx.models.save_model`: the same files, read by :func:`pgx.models.load_model`,
    ``pgx predict`` and ``pgx evaluate`` unchanged.

    Parameters
    ----------
    features : str or os.PathLike
        One row per patient (Parquet, TSV or CSV) holding the outcome column; with a
        cluster, a path every worker can read.
    model_dir : str or os.PathLike
        Where the model is saved.
    outcome, kind, id_column, drop, random_state, overwrite
        As for :func:`pgx.pipeline.train_model`.
    partition_rows : int, default 50000
        Rows per partition of the feature matrix at most (the partitions are of near-equal size).
    workers, scheduler
        A local Dask cluster of this many worker processes, or the address of a running
        scheduler (as for :func:`call_partitioned`); one of them is needed.
    progress : callable, optional
        Called as ``progress(done, total)`` as the boosters are trained (one per
        calibration fold, then the final model).

    Returns
    -------
    pathlib.Path
        The model folder.

    Raises
    ------
    ValueError
        If neither or both of ``workers`` and ``scheduler`` are given, or ``partition_rows``
        is below 1, or the data cannot train a model (for example one outcome class).
    DaskNotInstalledError
        If dask.distributed is not installed.
    ClusterError
        If the cluster cannot be started or reached.
    PgxError
        If the table cannot be read or lacks the outcome, or ``model_dir`` exists without
        ``overwrite``.

    Examples
    --------
    A cluster is needed (in one process, use :func:`pgx.pipeline.train_model`):

    >>> train_on_dask("features.parquet", "model", outcome="y")
    Traceback (most recent call last):
    ...
    ValueError: train_on_dask: give workers (a local cluster) or scheduler (a running one)
    """
    if workers is None and scheduler is None:
        raise ValueError("train_on_dask: give workers (a local cluster) or scheduler (a running one)")
    distributed = _cluster_module(workers, scheduler)
    if partition_rows < 1:
        raise ValueError(f"partition_rows: expected a whole number of at least 1, found {partition_rows}")
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        raise DaskNotInstalledError(f"training on Dask needs pandas (lightgbm.dask uses it), which is not installed: "
                                    f"{INSTALL_HINT}")
    import dask
    import dask.array as da

    from pgx.models import save_model
    from pgx.models._dask import fit_on_dask
    from pgx.models._frame import TableEncoder, polars_kind

    path = os.path.abspath(os.fspath(features))
    estimator = _estimator(kind, random_state)
    if os.path.exists(os.fspath(model_dir)) and not overwrite:
        raise PgxError(f"{os.fspath(model_dir)}: already exists; pass overwrite (--force) to replace it")
    lazy = scan_table(path)
    schema = lazy.collect_schema()
    if outcome not in schema:
        raise PgxError(f"{path}: no column {outcome!r}; found {schema.names()[:20]}")
    skip = set(_not_features(schema.names(), outcome, id_column, drop))
    columns = [c for c in schema.names() if c not in skip]
    if not columns:
        raise ValueError("expected at least one feature column, found 0 columns")
    kinds = {c: polars_kind(c, schema[c]) for c in columns}
    text = [c for c in columns if kinds[c] == "categorical"]
    levels = {}
    if text:
        found = lazy.select([pl.col(c).cast(pl.String).drop_nulls().unique().implode() for c in text]).collect()
        levels = {c: sorted(found[c][0].to_list()) for c in text}
    encoder = TableEncoder([{"name": c, "kind": kinds[c], **({"categories": levels[c]} if c in levels else {})}
                            for c in columns])
    y = lazy.select(outcome).collect()[outcome].to_numpy()
    n = len(y)
    if n == 0:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    pieces = []
    # partitions of near-equal size (at most partition_rows each): a short last one could leave a
    # worker too few rows of a fold to train on
    count = -(-n // partition_rows)
    bounds = [n * k // count for k in range(count + 1)]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        length = stop - start
        # named by its rows, so a failure or a killed worker says which partition
        rows = dask.delayed(_encoded_rows, pure=True, name=f"pgx-train-rows-{start}-{start + length - 1}")
        pieces.append(da.from_delayed(rows(path, columns, start, length, encoder.to_dict()),
                                      shape=(length, len(columns)), dtype=float))
    X = da.concatenate(pieces, axis=0)
    with _session(distributed, workers, scheduler) as client:
        try:
            model = fit_on_dask(estimator, X, y, encoder=encoder, client=client, progress=progress)
        except distributed.KilledWorker as exc:
            raise ClusterError(f"training stopped: workers died computing {exc}") from None
    return save_model(model, model_dir, overwrite=overwrite)


def _encoded_rows(path: str, columns: list[str], start: int, length: int, encoder: list[dict]):
    """Rows ``start`` to ``start + length`` of a feature table as the model's float matrix (on a worker)."""
    import numpy as np

    from pgx.models._frame import TableEncoder

    frame = scan_table(path).select(columns).slice(start, length).collect()
    matrix, _ = TableEncoder.from_dict(encoder).transform(frame)
    if np.isinf(matrix).any():
        raise ValueError(f"{path}: rows {start}-{start + length - 1} hold infinity; use null or NaN for missing values")
    return matrix
