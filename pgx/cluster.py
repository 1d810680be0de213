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

import datetime
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from pgx._version import __version__
from pgx.calling import callable_genes, gene_model, proxy_genes
from pgx.encode import PAD
from pgx.exceptions import GenomeBuildError, PgxError, RegionError
from pgx.io import detect_genome_build, existing_index, index_vcf, read_header, read_vcf
from pgx.pipeline import (
    CALL_SCHEMA,
    _atomic_write,
    _outside_calls_frame,
    call,
    pseudonymize_samples,
    read_medications,
)
from pgx.reference import normalize_contig, reference_version, tag_snps

__all__ = ["Partition", "PartitionedCalls", "PartitionedReport", "plan_partitions", "call_partitioned",
           "report_partitioned", "ClusterError", "DaskNotInstalledError", "INSTALL_HINT", "DEFAULT_SAMPLE_BLOCK"]

#: how to install the optional Dask extra
INSTALL_HINT = 'pip install "pgx-genomics[dask]"'
#: samples per partition unless asked otherwise
DEFAULT_SAMPLE_BLOCK = 5000
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
    """

    calls: pl.DataFrame
    partitions: tuple[Partition, ...]
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
        folder = os.path.join(tempfile.gettempdir(), "pgx-index")
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
        Detected from the header when not given; needed for the gene regions.
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
        If regions are wanted and the build is unknown.

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
    names = list(header.samples)
    if samples is None:
        chosen = names
    else:
        index = set(names)
        chosen = [names[s] if isinstance(s, int) else s for s in samples]
        absent = [k for k, s in enumerate(chosen) if s not in index]
        if absent:
            raise ValueError(f"{path}: {len(absent)} requested sample(s) are not in the file "
                             f"(positions {absent[:10]} of the request)")
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
    build = detect_genome_build(header, path=path, requested=genome_build)
    if build is None:
        raise GenomeBuildError(
            f"{path}: the genome build is unknown (no ##contig lengths or ##reference in the VCF header); "
            "pass genome_build='GRCh38' or 'GRCh37'"
        )
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


def _run_partition(job: dict, part: Partition, outside: pl.DataFrame | None,
                   pseudonyms: dict[str, str] | None) -> dict:
    """Compute one partition; write it (atomically) when the job has a folder.

    Returns ``{"name", "status": "written"|"skipped"|"done"|"failed", "frame"?, "message"?}``;
    pgx errors come back as text so they cross process boundaries intact.
    """
    folder = job["parquet_dir"]
    target = os.path.join(folder, part.name + ".parquet") if folder else None
    if target and os.path.exists(target):
        return {"name": part.name, "status": "skipped"}
    try:
        frame = _compute(job, part, outside, pseudonyms)
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
                 reference_dir=job["reference_dir"])
    if pseudonyms is not None:
        calls = pseudonymize_samples(calls, pseudonyms)
    return calls


# ---------------------------------------------------------------------------------------------
# the job


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _check_folder(folder: str, description: dict) -> None:
    """Create the folder with its job description, or check it describes this job."""
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
        return
    _atomic_write(path, lambda handle: json.dump(description, handle, indent=1, sort_keys=True))


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
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
    index = _job_index(path, by_region, folder, local=distributed is None or workers is not None)
    parts = plan_partitions(path, samples=samples, genes=genes, genome_build=genome_build,
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
    job = {"path": path, "parquet_dir": folder, "genome_build": genome_build, "assume_reference": assume_reference,
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
        for name in os.listdir(folder):  # what an interrupted run was writing
            if name.startswith(".part-") and name.endswith(".tmp"):
                os.remove(os.path.join(folder, name))
    done = {p.name for p in parts if folder is not None and os.path.exists(os.path.join(folder, p.name + ".parquet"))}
    todo = [p for p in parts if p.name not in done]

    def payload(part: Partition):
        block_outside = None if outside is None else outside.filter(pl.col("sample_id").is_in(list(part.samples)))
        block_pseudonyms = None if pseudonyms is None else {s: pseudonyms[s] for s in part.samples}
        return job, part, block_outside, block_pseudonyms

    total = len(parts)
    if progress is not None:
        progress(len(done), total)
    if distributed is None or not todo:
        results = []
        for part in todo:
            results.append(_run_partition(*payload(part)))
            if progress is not None:
                progress(len(done) + len(results), total)
    else:
        results = _run_on_cluster(distributed, todo, payload, workers=workers, scheduler=scheduler,
                                  progress=None if progress is None else (lambda n: progress(len(done) + n, total)))
    failed = [r for r in results if r["status"] == "failed"]
    if failed:
        lines = "; ".join(f"{r['name']}: {_one_line(r['message'])}" for r in failed[:10])
        more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
        kept = f"; the {total - len(failed)} complete one(s) are kept in {folder}: rerun to resume" if folder else ""
        raise ClusterError(f"{len(failed)} of {total} partition(s) failed: {lines}{more}{kept}")
    frames = {r["name"]: r["frame"] for r in results if "frame" in r}
    if folder is not None:
        frames = {p.name: pl.read_parquet(os.path.join(folder, p.name + ".parquet")) for p in parts}
    combined = _combine([frames[p.name] for p in parts], ordered, pseudonyms)
    computed = tuple(r["name"] for r in results if r["status"] in ("written", "done"))
    skipped = tuple(p.name for p in parts if p.name not in set(computed))
    return PartitionedCalls(combined, tuple(parts), computed, skipped)


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


def _run_on_cluster(distributed, todo: list, payload, *, workers: int | None, scheduler: str | None,
                    progress, task=None, kind: str = "call", weight=None) -> list[dict]:
    """Submit the partitions (anything with a ``name``) to a Dask cluster, each run as
    ``task(*payload(part))`` (default :func:`_run_partition`); collect each one's result or failure."""
    import logging

    task = _run_partition if task is None else task

    cluster = None
    try:
        if workers is not None:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"the Dask scheduler at {scheduler}" if scheduler else f"a local cluster of {workers} workers"
        raise ClusterError(f"cannot start or reach {where}: {exc}") from None
    results: list[dict] = []
    done = 0
    try:
        run = uuid.uuid4().hex[:8]
        futures = {client.submit(task, *payload(part), key=f"pgx-{kind}-{run}-{part.name}", pure=False): part
                   for part in todo}
        for future in distributed.as_completed(futures):
            part = futures[future]
            if future.status == "error":  # the worker died too often, or a bug: report it with its partition
                error = future.exception()
                results.append({"name": part.name, "status": "failed", "message": f"{type(error).__name__}: {error}"})
            else:
                results.append(future.result())
            done += 1 if weight is None else weight(part)
            if progress is not None:
                progress(done)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
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
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise PgxError(f"cannot create the output folder {outdir}: {exc.strerror}") from None
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise PgxError(f"the output folder {outdir} is not writable")
    by_region = False if outside_calls is not None else by_region
    index = _job_index(path, by_region, None, local=distributed is None or workers is not None)
    parts = plan_partitions(path, samples=samples, genes=genes, genome_build=genome_build,
                            sample_block=sample_block, by_region=by_region, reference_dir=reference_dir, index=index)
    grouped: dict[int, list[Partition]] = {}
    for part in parts:
        grouped.setdefault(part.block, []).append(part)
    blocks = [_Block(f"block-{b:05d}", group[0].samples, tuple(group)) for b, group in sorted(grouped.items())]
    ordered = [s for block in blocks for s in block.samples]
    build = detect_genome_build(read_header(path), path=path, requested=genome_build)
    if build is None:
        raise PgxError("the genome build is unknown; pass genome_build")
    outside = None if outside_calls is None else _outside_calls_frame(outside_calls, ordered)
    meds = read_medications(medications) if isinstance(medications, (str, os.PathLike)) else medications
    if pseudonyms is not None:
        missing = set(ordered) - set(pseudonyms)
        if missing:
            raise PgxError(f"{len(missing)} sample(s) have no pseudonym")
    meta = ReportMeta(reference_version=reference_version(reference_dir), genome_build=build,
                      input_name=None if pseudonyms is not None else os.path.basename(path),
                      run_date=datetime.date.today(), cohort={"samples": len(ordered)},
                      date_precision="day" if pseudonyms is None else "year", audit_chain_head=audit_chain_head)
    job = {"path": path, "parquet_dir": None, "genome_build": genome_build, "assume_reference": assume_reference,
           "reference_dir": reference_dir, "index": index, "outdir": outdir, "formats": list(formats), "force": force,
           "drugs": None if drugs is None else list(drugs), "meta": meta}

    def payload(block: _Block):
        def only(frame: pl.DataFrame | None) -> pl.DataFrame | None:
            return None if frame is None else frame.filter(pl.col("sample_id").is_in(list(block.samples)))

        block_pseudonyms = None if pseudonyms is None else {s: pseudonyms[s] for s in block.samples}
        return job, block, only(outside), block_pseudonyms, only(meds)

    total = len(ordered)
    if progress is not None:
        progress(0, total)
    if distributed is None:
        results, done = [], 0
        for block in blocks:
            results.append(_run_report_block(*payload(block)))
            done += len(block.samples)
            if progress is not None:
                progress(done, total)
    else:
        results = _run_on_cluster(distributed, blocks, payload, workers=workers, scheduler=scheduler,
                                  progress=None if progress is None else (lambda n: progress(n, total)),
                                  task=_run_report_block, kind="report", weight=lambda block: len(block.samples))
    failed = [r for r in results if r["status"] == "failed"]
    if failed:
        lines = "; ".join(f"{r['name']}: {_one_line(r['message'])}" for r in failed[:10])
        more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
        raise ClusterError(f"{len(failed)} of {len(blocks)} sample block(s) failed: {lines}{more}; the reports "
                           f"written are kept in {outdir}: rerun to resume")
    by_name = {r["name"]: r for r in results}
    calls = _combine([by_name[b.name]["frame"] for b in blocks], ordered, pseudonyms)
    statuses: dict = {}
    for block in blocks:
        statuses.update(by_name[block.name]["statuses"])
    if calls["sample_id"].n_unique() > 1:
        write_cohort_summary(outdir, calls, meta,
                             min_count=min_count if min_count is not None else (1 if pseudonyms is None else 11))
    return PartitionedReport(statuses, calls, tuple(parts))
