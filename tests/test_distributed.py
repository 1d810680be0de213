"""Partitioned calling and reports (pgx.cluster): ``pgx call --workers/--scheduler/--parquet-dir``
and ``pgx report --workers/--scheduler/--sample-block``.

The calls must not depend on how the job is cut or where it runs: the same TSV bytes and
the same sorted Parquet content in one process, on ``--workers 2`` and on a separately
started ``dask scheduler`` with two ``dask worker`` processes on loopback, also when one
worker is killed in the middle of a task. A rerun recomputes only missing partitions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

import pgx
from pgx.cluster import (
    INSTALL_HINT,
    ClusterError,
    DaskNotInstalledError,
    Partition,
    call_partitioned,
    plan_partitions,
    report_partitioned,
)
from pgx.simulate import simulate_pgx_vcf
from pgxcli import run_pgx

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="the Dask extra is not installed")

N_SAMPLES = 24
BLOCK = "10"  # 3 sample blocks (10, 10, 4)
# the cluster runs call a few genes (every gene is compared in process): haploid G6PD, the proxy
# HLA-B, the many-position CYP2D6 and DPYD
GENES = "CYP2C19,CYP2D6,DPYD,G6PD,HLA-B,SLCO1B1"

# loaded into each `dask worker`: when ARMED exists, the first worker to start a task
# claims MARKER (O_EXCL, so exactly one) and kills its own process with SIGKILL
KILL_ONCE = '''
import os, signal
from distributed import WorkerPlugin

ARMED, MARKER = {armed!r}, {marker!r}


class KillOnce(WorkerPlugin):
    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and os.path.exists(ARMED):
            try:
                fd = os.open(MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)


async def dask_setup(worker):
    await worker.plugin_add(KillOnce(), name="pgx-test-kill-once")
'''


def _env() -> dict:
    env = dict(os.environ)
    root = str(Path(pgx.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> dict:
    """A simulated cohort of every pharmacogene, bgzipped and indexed, plus a plain-text copy;
    the oracles: ``pgx call`` in one process (TSV bytes) and the in-process partitions (Parquet)."""
    import pysam

    folder = tmp_path_factory.mktemp("cohort")
    plain = folder / "cohort.vcf"
    simulate_pgx_vcf(plain, n_samples=N_SAMPLES, seed=7)
    text = plain.read_text()
    indexed = Path(pysam.tabix_index(str(plain), preset="vcf", force=True))  # removes cohort.vcf
    plain.write_text(text)
    expected = folder / "expected.tsv"
    result = run_pgx("call", str(indexed), "--genes", GENES, "-o", str(expected), env=_env())
    assert result.returncode == 0, result.stderr
    # the same job cut into partitions, in this process: the Parquet content the cluster runs must match
    parts = folder / "in-process"
    run = call_partitioned(indexed, genes=GENES.split(","), sample_block=int(BLOCK), parquet_dir=parts)
    assert len(run.partitions) == 3 * len(GENES.split(","))
    return {"folder": folder, "indexed": indexed, "plain": plain, "expected": expected.read_bytes(),
            "parquet": _parquet_content(parts)}


def _parquet_content(folder: Path) -> pl.DataFrame:
    frames = [pl.read_parquet(p) for p in sorted(folder.glob("part-*.parquet"))]
    return pl.concat(frames).sort("sample_id", "gene")


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("part-*.parquet")}


def test_plan_splits_blocks_by_gene_region_when_indexed(cohort):
    parts = plan_partitions(cohort["indexed"], sample_block=10)
    genes = pgx.calling.callable_genes() + pgx.calling.proxy_genes()
    assert len(parts) == 3 * len(genes)
    assert [p.samples for p in parts[:: len(genes)]] == [
        tuple(f"SIM{k:06d}" for k in range(0, 10)), tuple(f"SIM{k:06d}" for k in range(10, 20)),
        tuple(f"SIM{k:06d}" for k in range(20, 24))]
    cyp2c19 = next(p for p in parts if p.genes == ("CYP2C19",))
    assert cyp2c19.name == "part-00000-CYP2C19" and cyp2c19.region.startswith("chr10:")
    plain = plan_partitions(cohort["plain"], sample_block=10)
    assert [(p.name, p.genes, p.region) for p in plain] == [
        ("part-00000-all", None, None), ("part-00001-all", None, None), ("part-00002-all", None, None)]
    with pytest.raises(pgx.RegionError, match="needs a tabix"):
        plan_partitions(cohort["plain"], by_region=True)
    with pytest.raises(ValueError, match="at least 1, found 0"):
        plan_partitions(cohort["plain"], sample_block=0)


@pytest.mark.parametrize("kind", ["indexed", "plain"])
def test_in_process_partitions_equal_pgx_call(cohort, kind, tmp_path):
    expected = pgx.call(pgx.read_vcf(cohort[kind], samples=["SIM000023", "SIM000004", "SIM000011"]))
    run = call_partitioned(cohort[kind], samples=["SIM000023", "SIM000004", "SIM000011"], sample_block=2,
                           parquet_dir=tmp_path / "parts")
    assert run.calls.equals(expected)
    assert run.skipped == () and len(run.computed) == len(run.partitions)
    assert isinstance(run.partitions[0], Partition)


@needs_dask
def test_workers_2_gives_the_same_calls_and_reruns_only_a_missing_partition(cohort, tmp_path):
    parts = tmp_path / "parts"
    out = tmp_path / "calls.tsv"
    args = ("call", str(cohort["indexed"]), "--workers", "2", "--genes", GENES, "--sample-block", BLOCK,
            "--parquet-dir", str(parts), "-o", str(out))
    result = run_pgx(*args, env=_env())
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == cohort["expected"]
    total = len(list(parts.glob("part-*.parquet")))
    assert total == 3 * len(GENES.split(","))
    assert f"{total} partition(s) computed, 0 already complete" in result.stderr
    assert not list(parts.glob(".*.tmp"))
    job = json.loads((parts / "_job.json").read_text())
    assert job["input"] == str(cohort["indexed"].resolve())

    before = _mtimes(parts)
    (parts / "part-00001-CYP2D6.parquet").unlink()
    (parts / ".part-00001-CYP2D6.0123abcd.tmp").write_bytes(b"PAR1 half written")  # a killed writer's leftover
    out.unlink()
    rerun = run_pgx(*args, env=_env())
    assert rerun.returncode == 0, rerun.stderr
    assert f"1 partition(s) computed, {total - 1} already complete" in rerun.stderr
    after = _mtimes(parts)
    assert set(after) == set(before)
    assert {name for name in after if after[name] != before[name]} == {"part-00001-CYP2D6.parquet"}
    assert out.read_bytes() == cohort["expected"]
    assert not list(parts.glob(".*.tmp"))
    assert _parquet_content(parts).equals(cohort["parquet"])


@pytest.fixture()
def external_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes (no nanny: a killed worker stays
    dead) on loopback, each able to kill itself once (see KILL_ONCE) when the test arms it.

    They run in ``tmp_path``: ``python -m`` puts the working directory first on ``sys.path``,
    and from a source checkout that would import the unbuilt ``pgx/`` instead of the
    installed package."""
    armed, marker = tmp_path / "armed", tmp_path / "kill-marker"
    preload = tmp_path / "kill_once.py"
    preload.write_text(KILL_ONCE.format(armed=str(armed), marker=str(marker)))
    sched_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
                               str(sched_file)], env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        for _ in range(600):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for k in range(2):
            procs.append(subprocess.Popen(
                [*worker, address, "--nthreads", "1", "--nworkers", "1", "--no-nanny", "--no-dashboard",
                 "--name", f"w{k}", "--host", "127.0.0.1", "--preload", str(preload)],
                env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield {"address": address, "armed": armed, "marker": marker, "workers": procs[1:]}
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@needs_dask
def test_external_scheduler_and_a_killed_worker(cohort, external_cluster, tmp_path):
    address = external_cluster["address"]

    def run(name: str):
        parts, out = tmp_path / name, tmp_path / f"{name}.tsv"
        result = run_pgx("call", str(cohort["indexed"]), "--scheduler", address, "--genes", GENES,
                         "--sample-block", BLOCK, "--parquet-dir", str(parts), "-o", str(out), env=_env())
        assert result.returncode == 0, result.stderr
        assert out.read_bytes() == cohort["expected"]
        return parts

    first = run("first")
    assert _parquet_content(first).equals(cohort["parquet"])

    external_cluster["armed"].touch()  # from now on, the first task started kills its worker
    killed = run("killed")
    assert external_cluster["marker"].exists(), "no worker was killed"
    states = [p.poll() for p in external_cluster["workers"]]
    assert states.count(-signal.SIGKILL) == 1 and states.count(None) == 1, (
        states, [p.pid for p in external_cluster["workers"]], external_cluster["marker"].read_text())
    assert _parquet_content(killed).equals(cohort["parquet"])
    assert not list(killed.glob(".*.tmp"))


def test_missing_dask_fails_with_the_install_hint(cohort, tmp_path, monkeypatch, capsys):
    from pgx.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    for option in (["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:1"]):
        code = main(["call", str(cohort["indexed"]), *option, "-o", str(tmp_path / "calls.tsv")])
        err = capsys.readouterr().err
        assert code == 2
        assert INSTALL_HINT in err and 'pip install "pgx-genomics[dask]"' in err
        assert "Traceback" not in err
    assert not (tmp_path / "calls.tsv").exists()
    with pytest.raises(DaskNotInstalledError) as info:
        call_partitioned(cohort["indexed"], workers=1)
    assert isinstance(info.value, ImportError) and isinstance(info.value, pgx.PgxError)


def test_folder_of_another_job_is_refused(cohort, tmp_path):
    parts = tmp_path / "parts"
    call_partitioned(cohort["plain"], parquet_dir=parts, genes=["TPMT"], sample_block=12)
    with pytest.raises(ClusterError, match=r"another job \(it differs in: genes"):
        call_partitioned(cohort["plain"], parquet_dir=parts, genes=["DPYD"], sample_block=12)


def test_failed_partitions_are_named_and_complete_ones_kept(cohort, tmp_path):
    bad = tmp_path / "bad.vcf"
    lines = cohort["plain"].read_text().splitlines(keepends=True)
    body = [k for k, line in enumerate(lines) if not line.startswith("#")]
    fields = lines[body[-1]].rstrip("\n").split("\t")
    fields[-1] = "0/x"  # the last sample's last call: only the last block fails
    lines[body[-1]] = "\t".join(fields) + "\n"
    bad.write_text("".join(lines))
    with pytest.raises(ClusterError, match=r"1 of 3 partition\(s\) failed: part-00002-all: VcfFormatError") as info:
        call_partitioned(bad, parquet_dir=tmp_path / "parts", sample_block=10)
    assert "rerun to resume" in str(info.value)
    assert sorted(p.name for p in (tmp_path / "parts").glob("part-*")) == ["part-00000-all.parquet",
                                                                          "part-00001-all.parquet"]


def test_pseudonymised_partitions_hold_no_raw_ids(cohort, tmp_path):
    samples = [f"SIM{k:06d}" for k in range(N_SAMPLES)]
    pseudonyms = {s: f"P{k:03d}" for k, s in enumerate(reversed(samples))}
    run = call_partitioned(cohort["plain"], parquet_dir=tmp_path / "parts", pseudonyms=pseudonyms, sample_block=10,
                           genes=["CYP2C19"])
    expected = pgx.pipeline.pseudonymize_samples(pgx.call(cohort["plain"], genes=["CYP2C19"]), pseudonyms)
    assert run.calls.equals(expected)
    stored = _parquet_content(tmp_path / "parts")
    assert not set(stored["sample_id"].to_list()) & set(samples)
    assert "cohort" not in (tmp_path / "parts" / "_job.json").read_text()  # no input file name either


def test_cluster_module_imports_no_dask():
    code = "import sys, pgx.cluster; print('distributed' in sys.modules or 'dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env())
    assert out.stdout.strip() == "False"


def test_outside_calls_split_by_sample_blocks_only(cohort, tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("sample_id\tgene\tdiplotype\nSIM000003\tCYP2D6\t*1/*5\nSIM000015\tHLA-A\t*31:01/*02:01\n")
    run = call_partitioned(cohort["indexed"], outside_calls=outside, sample_block=10, genes=["CYP2D6", "TPMT"])
    assert [p.name for p in run.partitions] == ["part-00000-all", "part-00001-all", "part-00002-all"]
    expected = pgx.call(pgx.read_vcf(cohort["indexed"]), outside_calls=outside, genes=["CYP2D6", "TPMT"])
    assert run.calls.equals(expected)
    assert "HLA-A" in run.calls["gene"].to_list()
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("sample_id\tgene\tdiplotype\nNOBODY\tCYP2D6\t*1/*5\n")
    with pytest.raises(pgx.calling.OutsideCallError, match="name 1 sample"):
        call_partitioned(cohort["indexed"], outside_calls=wrong, sample_block=10)


def test_gene_whose_contig_is_not_in_the_index(tmp_path):
    import pysam

    plain = tmp_path / "tpmt.vcf"
    simulate_pgx_vcf(plain, n_samples=5, genes=["TPMT"], seed=3)
    indexed = pysam.tabix_index(str(plain), preset="vcf", force=True)  # only chr6 is indexed
    run = call_partitioned(indexed, genes=["TPMT", "CYP2C19", "HLA-B"], sample_block=3)
    assert [p.name for p in run.partitions][:3] == ["part-00000-TPMT", "part-00000-CYP2C19", "part-00000-HLA-B"]
    assert run.calls.equals(pgx.call(indexed, genes=["TPMT", "CYP2C19", "HLA-B"]))


def test_no_regions_option_partitions_by_sample_blocks_only(cohort, tmp_path):
    parts, out = tmp_path / "parts", tmp_path / "calls.tsv"
    result = run_pgx("call", str(cohort["indexed"]), "--no-regions", "--genes", GENES, "--sample-block", BLOCK,
                     "--parquet-dir", str(parts), "-o", str(out), env=_env())
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in parts.glob("part-*")) == [f"part-0000{b}-all.parquet" for b in range(3)]
    assert out.read_bytes() == cohort["expected"]
    assert _parquet_content(parts).equals(cohort["parquet"])



def test_sample_block_alone_partitions_the_call_and_is_checked(cohort, tmp_path):
    out = tmp_path / "calls.tsv"
    result = run_pgx("call", str(cohort["indexed"]), "--genes", GENES, "--sample-block", BLOCK, "-o", str(out),
                     env=_env())
    assert result.returncode == 0, result.stderr
    assert "partition(s) computed" in result.stderr
    assert out.read_bytes() == cohort["expected"]
    bad = run_pgx("call", str(cohort["indexed"]), "--sample-block", "0", "-o", str(tmp_path / "bad.tsv"), env=_env())
    assert bad.returncode == 2
    assert "sample_block: expected a whole number of at least 1, found 0" in bad.stderr
    assert not (tmp_path / "bad.tsv").exists()

# ---------------------------------------------------------------------------------------------
# pgx report by sample blocks: the same files as one process


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def reports(cohort) -> dict:
    """``pgx report`` in one process (html, json, tsv), every gene: the oracle of the partitioned runs."""
    folder = cohort["folder"] / "reports-one-process"
    result = run_pgx("report", str(cohort["indexed"]), "--format", "html,json,tsv", "-o", str(folder), "--quiet",
                     env=_env())
    assert result.returncode == 0, result.stderr
    files = _files(folder)
    assert len(files) == 3 * N_SAMPLES + 2  # and phenotype_frequencies.tsv / .svg
    return files


@needs_dask
def test_report_workers_2_writes_the_same_files_and_rerun_skips(cohort, reports, tmp_path):
    out = tmp_path / "reports"
    args = ("report", str(cohort["indexed"]), "--format", "html,json,tsv", "--workers", "2", "--sample-block", BLOCK,
            "-o", str(out))
    result = run_pgx(*args, env=_env())
    assert result.returncode == 0, result.stderr
    assert f"{N_SAMPLES} sample(s) written, 0 already complete, 0 failed" in result.stderr
    assert _files(out) == reports
    assert not list(out.glob(".*"))  # no temporary file left
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("SIM*")}
    (out / "SIM000013.json").unlink()
    rerun = run_pgx(*args, env=_env())
    assert rerun.returncode == 0, rerun.stderr
    assert f"1 sample(s) written, {N_SAMPLES - 1} already complete" in rerun.stderr
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("SIM*")}
    assert {name for name in after if after[name] != before.get(name)} <= {f"SIM000013.{f}" for f in
                                                                           ("html", "json", "tsv")}
    assert "SIM000000.html" in after and after["SIM000000.html"] == before["SIM000000.html"]
    assert _files(out) == reports


def test_report_in_process_blocks_write_the_same_files(cohort, reports, tmp_path):
    # partition options without a cluster: blocks in this process; the plain file has no index (whole-file blocks)
    for source, extra in ((cohort["indexed"], ["--sample-block", "7"]), (cohort["plain"], ["--no-regions"])):
        out = tmp_path / source.name
        result = run_pgx("report", str(source), "--format", "html,json,tsv", *extra, "-o", str(out), "--quiet",
                         env=_env())
        assert result.returncode == 0, result.stderr
        expected = dict(reports)
        if source == cohort["plain"]:  # the reports name their input file
            expected = {k: v.replace(cohort["indexed"].name.encode(), source.name.encode()) for k, v in expected.items()}
        assert _files(out) == expected


def test_report_partitioned_medications_pseudonyms_and_force(cohort, tmp_path):
    meds = pl.DataFrame({"sample_id": ["SIM000002", "SIM000017", "SIM000017"],
                         "drug": ["paroxetine", "fluoxetine", "omeprazole"]})
    samples = [f"SIM{k:06d}" for k in range(N_SAMPLES)]
    pseudonyms = {s: f"P{k:03d}" for k, s in enumerate(reversed(samples))}
    options = {"medications": meds, "pseudonyms": pseudonyms, "formats": ["json", "tsv"], "drugs": None}
    pgx.pipeline.report(cohort["indexed"], tmp_path / "one", **options)
    run = report_partitioned(cohort["indexed"], tmp_path / "split", sample_block=5, **options)
    assert _files(tmp_path / "split") == _files(tmp_path / "one")
    assert list(run.statuses) == [pseudonyms[s] for s in samples]
    assert not set(run.calls["sample_id"].to_list()) & set(samples)
    again = report_partitioned(cohort["indexed"], tmp_path / "split", sample_block=5, force=True, **options)
    assert {s.status for s in again.statuses.values()} == {"written"}


def test_report_partition_options_refuse_what_they_cannot_do(cohort, tmp_path):
    calls = tmp_path / "calls.tsv"
    calls.write_bytes(cohort["expected"])
    for argv, word in ((["--from-calls", str(calls), "--sample-block", "5"], "--from-calls"),
                       ([str(cohort["indexed"]), "--no-regions", "--threads", "2"], "--threads")):
        result = run_pgx("report", *argv, "-o", str(tmp_path / "out"), env=_env())
        assert result.returncode == 2, result.stderr
        assert f"{word} is not available with --workers" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_fixed_partition_costs_are_cached_but_never_stale(tmp_path):
    import pysam

    genes = pgx.calling.proxy_genes()
    genes.append("NOT-A-GENE")  # a copy: the cache stays intact
    assert pgx.calling.proxy_genes() == ["HLA-B"]
    # region reads reuse the parsed header of the file; a rewritten file is read afresh
    plain = tmp_path / "c.vcf"
    for n in (4, 6):
        simulate_pgx_vcf(plain, n_samples=n, genes=["CYP2C19"], seed=n)
        indexed = pysam.tabix_index(str(plain), preset="vcf", force=True)
        region = plan_partitions(indexed, by_region=True, genes=["CYP2C19"])[0].region
        for _ in range(2):
            cs = pgx.read_vcf(indexed, region=region, samples=[f"SIM{k:06d}" for k in reversed(range(n))])
            assert cs.sample_ids == tuple(f"SIM{k:06d}" for k in reversed(range(n)))
            assert cs.genotypes.shape[1] == n
        with pytest.raises(ValueError, match="is not a sample of"):
            pgx.read_vcf(indexed, region=region, samples=["SIM000000", "NOBODY"])
        with pytest.raises(ValueError, match="a second time"):
            pgx.read_vcf(indexed, region=region, samples=["SIM000001", 1])
