"""The ``pgx`` command: argument parsing, messages and exit codes.

Exit codes: 0 success, 1 some samples failed (others written) or, for ``pgx validate``,
errors found, 2 usage or input error (one line on stderr, no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Sequence

import numpy as np

from pgx._version import __version__
from pgx.exceptions import PgxError, PgxWarning, VariantOnlyInputWarning

__all__ = ["main"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

#: Python argument spellings in pgx messages -> the options of the command line
_OPTION_NAMES = (
    (re.compile(r"(?<![\w./\\-])genome_build=?'(GRCh3[78])'(?: or '(GRCh3[78])')?"),
     lambda m: f"--genome-build {m[1]}" + (f" or --genome-build {m[2]}" if m[2] else "")),
    (re.compile(r"(?<![\w./\\-])genome_build\b"), lambda m: "--genome-build"),
    (re.compile(r"(?<![\w./\\-])assume_reference=True"), lambda m: "--assume-reference"),
    (re.compile(r"(?<![\w./\\-])assume_reference\b"), lambda m: "--assume-reference"),
)


def _cli_words(message: str) -> str:
    """A pgx message with its Python argument names spelled as this command's options.

    >>> _cli_words("pass genome_build='GRCh38' or 'GRCh37'")
    'pass --genome-build GRCh38 or --genome-build GRCh37'
    >>> _cli_words("genome_build='GRCh37' was requested; pass assume_reference=True")
    '--genome-build GRCh37 was requested; pass --assume-reference'
    >>> _cli_words("/data/genome_build/x.vcf: ReportMeta.genome_build: expected a string")
    '/data/genome_build/x.vcf: ReportMeta.genome_build: expected a string'
    """
    for pattern, spelling in _OPTION_NAMES:
        message = pattern.sub(spelling, message)
    return message


class _WarningLines:
    """``warnings.showwarning`` for the command: each pgx warning once, as one stderr line
    (a hint about the whole input once per run, however many partitions raise it)."""

    def __init__(self, fallback) -> None:
        self.fallback = fallback
        self.seen: set = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, PgxWarning):
            self.fallback(message, category, filename, lineno, file, line)
            return
        text = _cli_words(str(message))
        key = category if issubclass(category, VariantOnlyInputWarning) else text
        if key not in self.seen:
            self.seen.add(key)
            print(f"pgx: warning: {text}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"pgx: error: {message}\n")


def _summary(args: argparse.Namespace) -> int:
    from pgx.io import iter_vcf

    n_var = 0
    n_samples = 0
    build = source = None
    missing = 0
    calls = 0
    multi = 0
    chroms: dict[str, int] = {}
    for chunk in iter_vcf(args.vcf, chunk_size=50_000, fields=[], genome_build=args.genome_build):
        n_var += chunk.n_variants
        n_samples = chunk.n_samples
        build, source = chunk.genome_build, chunk.genome_build_source
        missing += int(np.count_nonzero(chunk.genotypes == -1))
        calls += int(np.count_nonzero(chunk.genotypes != -2))
        multi += int((chunk.variants["alt"].list.len() > 1).sum())
        for chrom, count in chunk.variants.group_by("chrom", maintain_order=True).len().iter_rows():
            chroms[chrom] = chroms.get(chrom, 0) + count
    print(f"file: {args.vcf}")
    unknown = "unknown (no ##contig lengths or assembly, no ##reference naming a build, REF bases undecided)"
    print(f"genome build: {build + (f' ({source})' if source else '') if build else unknown}")
    print(f"samples: {n_samples}")
    print(f"variants: {n_var} ({multi} multi-allelic)")
    print("per contig: " + (", ".join(f"{c} {n}" for c, n in chroms.items()) or "none"))
    rate = missing / calls if calls else 0.0
    print(f"missing allele calls: {missing} of {calls} ({rate:.1%})")
    _audit(args, "summary", inputs=[args.vcf])
    return EXIT_OK


def _list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


def _privacy_options(sub: argparse.ArgumentParser, *, pseudonymize: bool = True, ids: str = "sample ids") -> None:
    """The privacy options of a command: --audit-log always; the pseudonym options when the
    command writes patient-level outputs (``pseudonymize``), replacing ``ids``."""
    group = sub.add_argument_group("privacy")
    if pseudonymize:
        group.add_argument("--pseudonymize", action="store_true",
                           help=f"replace {ids} by keyed pseudonyms (key: $PGX_PSEUDONYM_KEY or --key-file)")
        group.add_argument("--key-file", metavar="FILE",
                           help="file holding the pseudonym key (chmod 600); the key itself is never an argument")
        group.add_argument("--mapping-file", metavar="TSV",
                           help="also write the id -> pseudonym table (0600; it re-identifies everyone)")
    group.add_argument("--audit-log", metavar="PATH", default=None,
                       help="append a hash-chained record of this run (default: $PGX_AUDIT_LOG when set)")


def _cluster_options(sub: argparse.ArgumentParser, description: str, *, sees: str = "the files"):
    """The "partitions and Dask" group of a command: --workers N or --scheduler ADDRESS (one of
    them); returns the group for the command's own partition options."""
    group = sub.add_argument_group(
        "partitions and Dask", description + ' --workers/--scheduler need pip install "pgx-genomics[dask]"')
    where = group.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="run on a local Dask cluster of N worker processes, started and stopped by pgx")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help=f"run on a running dask.distributed scheduler (tcp://host:8786); workers must see {sees}")
    return group


def _progress(enabled: bool, command: str, unit: str):
    """``progress(done, total)`` writing one updating line on stderr, only when it is a terminal."""
    tty = enabled and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            sys.stderr.write(f"\rpgx {command}: {done}/{total} {unit}" + ("\n" if done >= total else ""))
            sys.stderr.flush()

    return progress


def _pseudonyms(args: argparse.Namespace, sample_ids, domain: str = "sample") -> dict[str, str] | None:
    """Id -> pseudonym (in ``domain``) when --pseudonymize (or a mapping file) is asked for, else None."""
    if not (args.pseudonymize or args.mapping_file):
        return None
    from pgx.privacy import Pseudonymizer, install_log_redaction, load_key, write_mapping

    pseudonymizer = Pseudonymizer(load_key(args.key_file))
    mapping = pseudonymizer.mapping(list(sample_ids), domain)
    install_log_redaction(list(sample_ids))
    if args.mapping_file:
        write_mapping(args.mapping_file, mapping, domain=domain)
    return mapping


def _tokens(pseudonyms: dict[str, str] | None) -> list[str]:
    """The pseudonyms an audit record lists (none without pseudonymisation: raw ids never go there)."""
    return sorted(pseudonyms.values()) if pseudonyms else []


def _audit(args: argparse.Namespace, command: str, *, inputs=(), outputs=(), samples=()) -> str | None:
    """Append the run to the audit log (when one is configured); return the chain head."""
    import os

    path = _audit_path(args)
    if not path:
        return None
    from pgx.privacy import AuditLog
    from pgx.reference import reference_version

    def files(paths) -> list[str]:  # folders (a model, a cohort) stand for the files in them
        found = []
        for f in paths:
            if f and os.path.isdir(f):
                found += sorted(os.path.join(d, n) for d, _, names in os.walk(f) for n in names)
            elif f and os.path.isfile(f):
                found.append(f)
        return found

    record = AuditLog(path).append(command, inputs=files(inputs), outputs=files(outputs),
                                   versions={"pgx": __version__, "reference_data": reference_version()},
                                   samples=list(samples))
    return record["hash"]


def _audit_path(args: argparse.Namespace) -> str | None:
    """The audit log of this run: --audit-log, else $PGX_AUDIT_LOG, else None."""
    import os

    return getattr(args, "audit_log", None) or os.environ.get("PGX_AUDIT_LOG") or None


def _audit_head(args: argparse.Namespace) -> str | None:
    """The audit log's head before this run (reports carry it), or None when not audited."""
    path = _audit_path(args)
    if not path:
        return None
    from pgx.privacy import chain_head

    return chain_head(path)


def _partitioned(args: argparse.Namespace) -> bool:
    """Whether any partition option was given (``call`` and ``report`` then run by partitions)."""
    return (args.workers is not None or args.scheduler is not None or args.sample_block is not None
            or args.no_regions or getattr(args, "parquet_dir", None) is not None)


def _sample_block(args: argparse.Namespace) -> int:
    from pgx.cluster import DEFAULT_SAMPLE_BLOCK

    return DEFAULT_SAMPLE_BLOCK if args.sample_block is None else args.sample_block


def _is_alignment_file(path: str) -> bool:
    return path.lower().endswith((".bam", ".cram"))


def _call_alignments(args: argparse.Namespace) -> int:
    """``pgx call SAMPLE.bam|SAMPLE.cram``: CYP2D6 copy number, structure and diplotype from reads."""
    from pgx.pipeline import call_alignments, pseudonymize_samples, write_calls_tsv

    calls = call_alignments(args.vcf, genes=_list(args.genes) or ("CYP2D6",), genome_build=args.genome_build,
                            reference=args.reference, controls=_list(args.controls),
                            workers=args.workers or 1)
    pseudonyms = _pseudonyms(args, calls["sample_id"].unique(maintain_order=True).to_list())
    if pseudonyms is not None:
        calls = pseudonymize_samples(calls, pseudonyms)
    write_calls_tsv(calls, args.output)
    _audit(args, "call", inputs=[args.vcf], outputs=[args.output],
           samples=sorted(pseudonyms.values()) if pseudonyms else [])
    if not args.quiet:
        undecided = int((calls["diplotype"].is_null()).sum())
        print(f"pgx: wrote {calls.height} call(s) from reads to {args.output}"
              + (f"; {undecided} Indeterminate (see the warnings column)" if undecided else ""), file=sys.stderr)
    return EXIT_OK


def _call(args: argparse.Namespace) -> int:
    if _is_alignment_file(args.vcf):
        return _call_alignments(args)
    if _partitioned(args):
        return _call_partitioned(args)
    from pgx.pipeline import call, pseudonymize_samples, read_genotypes, write_calls_tsv

    callset = read_genotypes(args.vcf, samples=_list(args.samples), genome_build=args.genome_build)
    calls = call(callset, genes=_list(args.genes), genome_build=args.genome_build,
                 assume_reference=args.assume_reference, outside_calls=args.outside_calls)
    pseudonyms = _pseudonyms(args, callset.sample_ids)
    if pseudonyms is not None:
        calls = pseudonymize_samples(calls, pseudonyms)
    write_calls_tsv(calls, args.output)
    _audit(args, "call", inputs=[args.vcf, args.outside_calls], outputs=[args.output],
           samples=sorted(pseudonyms.values()) if pseudonyms else [])
    if not args.quiet:
        print(f"pgx: wrote {calls.height} calls ({calls['sample_id'].n_unique()} samples) to {args.output}; "
              + _build_words(callset.genome_build, None if args.genome_build else callset.genome_build_source),
              file=sys.stderr)
    return EXIT_OK


def _call_partitioned(args: argparse.Namespace) -> int:
    """``pgx call`` by partitions (sample blocks x gene regions), on Dask when asked."""
    from pgx.cluster import call_partitioned
    from pgx.pipeline import input_sample_ids, write_calls_tsv

    samples = _list(args.samples)
    pseudonyms = None
    if args.pseudonymize or args.mapping_file:
        pseudonyms = _pseudonyms(args, samples if samples is not None else input_sample_ids(args.vcf))
    progress = _progress(not args.quiet, "call", "partitions")
    run = call_partitioned(args.vcf, parquet_dir=args.parquet_dir, samples=samples, genes=_list(args.genes),
                           genome_build=args.genome_build, assume_reference=args.assume_reference,
                           outside_calls=args.outside_calls, sample_block=_sample_block(args),
                           by_region=False if args.no_regions else None, workers=args.workers,
                           scheduler=args.scheduler, pseudonyms=pseudonyms, progress=progress)
    write_calls_tsv(run.calls, args.output)
    _audit(args, "call", inputs=[args.vcf, args.outside_calls], outputs=[args.output, args.parquet_dir],
           samples=_tokens(pseudonyms))
    if not args.quiet:
        print(f"pgx: {len(run.computed)} partition(s) computed, {len(run.skipped)} already complete; wrote "
              f"{run.calls.height} calls ({run.calls['sample_id'].n_unique()} samples) to {args.output}; "
              + _build_words(run.genome_build, run.genome_build_source), file=sys.stderr)
    return EXIT_OK


def _build_words(build: str, source: str | None) -> str:
    """``genome build GRCh38 inferred from ...`` (``genome build GRCh38`` when it was given)."""
    return f"genome build {build}" + (f" inferred from {source}" if source else "")


class _Progress:
    """A one-line progress bar on stderr, only when it is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\rpgx report [{'#' * filled}{'.' * (width - filled)}] {done}/{total} samples")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _report_partitioned(args: argparse.Namespace, formats: list[str], samples, pseudonyms) -> dict:
    """``pgx report`` by sample blocks (x gene regions), on Dask when asked."""
    from pgx.cluster import report_partitioned

    for option, given in (("--from-calls", args.from_calls), ("--somatic", args.somatic),
                          ("--threads", args.threads != 1)):
        if given:
            raise ValueError(f"{option} is not available with --workers/--scheduler/--sample-block/--no-regions "
                             "(partitioned reports start from a VCF; each worker writes its own samples)")
    run = report_partitioned(args.vcf, args.output, medications=args.medications, outside_calls=args.outside_calls,
                             drugs=_list(args.drugs), samples=samples, genes=_list(args.genes), formats=formats,
                             genome_build=args.genome_build, assume_reference=args.assume_reference, force=args.force,
                             sample_block=_sample_block(args),
                             by_region=False if args.no_regions else None,
                             workers=args.workers, scheduler=args.scheduler, pseudonyms=pseudonyms,
                             min_count=args.min_cell_count, audit_chain_head=_audit_head(args),
                             progress=_Progress(not args.quiet))
    return run.statuses


def _report(args: argparse.Namespace) -> int:
    from pgx.pipeline import report

    formats = _list(args.format) or ["html", "json"]
    known = ("html", "json", "fhir", "tsv")
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise ValueError(f"--format: unknown format(s) {unknown}; choose from {', '.join(known)}")
    if args.from_calls and args.vcf:
        raise ValueError("give either a VCF or --from-calls, not both")
    if args.somatic and not args.tumor_type:
        raise ValueError("--somatic needs --tumor-type (an OncoTree code, name or synonym such as LUAD, MEL or 'breast cancer')")
    for option, given in (("--fusions", args.fusions), ("--cna", args.cna)):
        if given and not args.somatic:
            raise ValueError(f"{option} needs --somatic SOMATIC.vcf and --tumor-type (the tumour's fusions and copy "
                             "numbers are matched together with its variants)")
    if args.min_cell_count is not None and args.min_cell_count < 1:
        raise ValueError(f"--min-cell-count: expected a whole number of at least 1, found {args.min_cell_count}")
    if bool(args.model) != bool(args.features):
        raise ValueError("--model and --features go together: a saved model and the feature table it predicts "
                         "(one row per sample)")
    if args.model and _partitioned(args):
        raise ValueError("--model is not available with --workers, --scheduler or --sample-block yet; "
                         "report in one process (--threads N for worker processes)")
    source = args.from_calls or args.vcf
    if source is None:
        raise ValueError("give a VCF or --from-calls CALLS.tsv")
    samples = [args.sample] if args.sample else None
    pseudonyms = None
    if args.pseudonymize or args.mapping_file:
        from pgx.pipeline import input_sample_ids

        pseudonyms = _pseudonyms(args, input_sample_ids(source, from_calls=bool(args.from_calls)))
    tumor = None
    if args.somatic:  # read before any report is written: a bad somatic VCF leaves nothing half done
        from pgx.pipeline import tumor_report_section

        tumor = tumor_report_section(args.somatic, tumor_type=args.tumor_type, target_mb=args.target_mb, msi=args.msi,
                                     fusions=args.fusions, cna=args.cna)
    models = None
    if args.model:  # predicted before any report is written, like the tumour section
        from pgx.pipeline import model_sections

        models = model_sections(args.model, args.features, id_column=args.features_id)
    if _partitioned(args):
        statuses = _report_partitioned(args, formats, samples, pseudonyms)
    else:
        statuses = report(source, args.output, from_calls=bool(args.from_calls), medications=args.medications,
                          outside_calls=args.outside_calls, drugs=_list(args.drugs), samples=samples,
                          genes=_list(args.genes), formats=formats, genome_build=args.genome_build,
                          assume_reference=args.assume_reference, force=args.force, threads=args.threads,
                          progress=_Progress(not args.quiet), pseudonyms=pseudonyms, min_count=args.min_cell_count,
                          audit_chain_head=_audit_head(args), tumor=tumor, models=models,
                          alignments=_list(args.alignments), alignment_reference=args.reference)
    import os

    written_files = [os.path.join(args.output, f) for st in statuses.values() for f in st.files]
    if args.somatic:
        from pgx.pipeline import write_somatic_section

        written_files += write_somatic_section(args.somatic, args.output, tumor_type=args.tumor_type,
                                               target_mb=args.target_mb, msi=args.msi, fusions=args.fusions,
                                               cna=args.cna)
    _audit(args, "report", inputs=[source, args.medications, args.outside_calls, args.somatic, args.fusions, args.cna,
                                   args.model, args.features, *(_list(args.alignments) or [])],
           outputs=written_files,
           samples=sorted(pseudonyms.values()) if pseudonyms else [])
    failed = {name: st for name, st in statuses.items() if st.status == "failed"}
    written = sum(st.status == "written" for st in statuses.values())
    skipped = sum(st.status == "skipped" for st in statuses.values())
    if not args.quiet:
        print(f"pgx: {written} sample(s) written, {skipped} already complete, {len(failed)} failed "
              f"-> {args.output}", file=sys.stderr)
    for name, st in failed.items():
        print(f"pgx: sample {name} failed: {st.message}", file=sys.stderr)
    return EXIT_PARTIAL if failed else EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from pgx.pipeline import train_model

    options = {"outcome": args.outcome, "kind": args.kind, "id_column": args.id_column,
               "drop": _list(args.drop) or (), "random_state": args.seed, "overwrite": args.force}
    if args.workers is not None or args.scheduler is not None:
        from pgx.cluster import DEFAULT_TRAIN_ROWS, train_on_dask

        if not args.quiet:
            where = f"{args.workers} local Dask worker(s)" if args.workers is not None else args.scheduler
            print(f"pgx train: training on {where}", file=sys.stderr)
        rows = DEFAULT_TRAIN_ROWS if args.partition_rows is None else args.partition_rows
        folder = train_on_dask(args.features, args.output, workers=args.workers, scheduler=args.scheduler,
                               partition_rows=rows, progress=_progress(not args.quiet, "train", "boosters"),
                               **options)
    elif args.partition_rows is not None:
        raise ValueError("--partition-rows is for training on Dask: add --workers N or --scheduler ADDRESS")
    else:
        folder = train_model(args.features, args.output, **options)
    _audit(args, "train", inputs=[args.features], outputs=[folder])
    if not args.quiet:
        print(f"pgx: model saved to {folder}", file=sys.stderr)
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    from pgx.pipeline import predict_model, read_table

    pseudonyms = None
    if args.pseudonymize or args.mapping_file:
        table = read_table(args.features)
        if args.id_column in table.columns:
            ids = table[args.id_column].cast(str).drop_nulls().unique(maintain_order=True)
            pseudonyms = _pseudonyms(args, ids, "patient")
    result = predict_model(args.model, args.features, args.output, id_column=args.id_column, top=args.top,
                           pseudonyms=pseudonyms)
    _audit(args, "predict", inputs=[args.model, args.features], outputs=[args.output], samples=_tokens(pseudonyms))
    if not args.quiet:
        print(f"pgx: {result.height} predictions written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from pgx.pipeline import evaluate_model

    if args.privacy and not args.training_features:
        raise ValueError("--privacy needs --training-features TABLE: the rows the model was trained on, to tell "
                         "apart from the held-out patients of FEATURES")
    if args.training_features and not args.privacy:
        raise ValueError("--training-features is for the membership-inference audit; add --privacy")
    training = args.training_features if args.privacy else None
    files = evaluate_model(args.model, args.features, args.output, outcome=args.outcome,
                           id_column=args.id_column, n_boot=args.bootstrap, training_features=training)
    _audit(args, "evaluate", inputs=[args.model, args.features, training], outputs=files)
    if args.privacy:
        import json

        with open(files[0], encoding="utf-8") as handle:
            audit = json.load(handle)["privacy"]["membership_inference"]
        print(f"membership inference: {audit['interpretation']} ({audit['n_train']} training, "
              f"{audit['n_holdout']} held-out patients)")
    if not args.quiet:
        print(f"pgx: model card written: {', '.join(str(f) for f in files)}", file=sys.stderr)
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from pgx.io import validate

    table = validate(args.vcf, max_per_check=None if args.all else 100)
    if args.format == "json":
        print(table.write_json())
    else:
        print("line\tfield\tseverity\tmessage")
        for line, where, severity, message in table.iter_rows():
            print(f"{'' if line is None else line}\t{where}\t{severity}\t{message}")
    errors = table.filter(severity="error").height
    _audit(args, "validate", inputs=[args.vcf])
    if not args.quiet:
        verdict = "not valid" if errors else "valid" + (" with warnings" if table.height else "")
        print(f"pgx: {args.vcf}: {verdict} ({errors} error(s), {table.height - errors} warning(s))", file=sys.stderr)
    return EXIT_PARTIAL if errors else EXIT_OK


def _deidentify(args: argparse.Namespace) -> int:
    from pgx.io import deidentify_vcf
    from pgx.privacy import Pseudonymizer, load_key

    mapping = deidentify_vcf(args.vcf, args.output, key=Pseudonymizer(load_key(args.key_file)),
                             mapping_path=args.mapping_file)
    _audit(args, "deidentify", inputs=[args.vcf], outputs=[args.output], samples=sorted(mapping.values()))
    if not args.quiet:
        print(f"pgx: wrote a de-identified copy with {len(mapping)} pseudonymised sample(s) to {args.output}",
              file=sys.stderr)
    return EXIT_OK


def _phi_check(args: argparse.Namespace) -> int:
    from pgx.privacy import phi_check, read_identifiers

    identifiers = list(args.identifiers or [])
    if args.identifiers_file:
        identifiers += read_identifiers(args.identifiers_file)
    names = read_identifiers(args.names_file) if args.names_file else []
    findings = phi_check(args.paths, identifiers=identifiers, names=names)
    _audit(args, "phi-check", inputs=[*args.paths, args.identifiers_file, args.names_file])
    for finding in findings:
        print(finding)
    if not args.quiet:
        print(f"pgx: {len(findings)} possible identifier(s) found", file=sys.stderr)
    return EXIT_PARTIAL if findings else EXIT_OK


def _audit_verify(args: argparse.Namespace) -> int:
    from pgx.privacy import verify_audit_log

    summary = verify_audit_log(args.log, expected_head=args.expected_head)
    print(f"pgx: audit log OK: {summary.records} record(s), chain head {summary.head}")
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from pgx.pipeline import simulate

    files = simulate(args.output, n_patients=args.n, seed=args.seed, format=args.format, vcf=not args.no_vcf)
    _audit(args, "simulate", outputs=[str(f) for f in files.values()])
    if not args.quiet:
        print(f"pgx: simulated {args.n} patients into {args.output} ({len(files)} files)", file=sys.stderr)
    return EXIT_OK


def _features(args: argparse.Namespace) -> int:
    from pgx.pipeline import build_features, read_cohort_table

    pseudonyms = None
    if args.pseudonymize or args.mapping_file:
        ids = read_cohort_table(args.cohort, "patients")["patient_id"].cast(str).drop_nulls()
        ids = ids.unique(maintain_order=True)
        pseudonyms = _pseudonyms(args, ids, "patient")
    if (args.workers is not None or args.scheduler is not None or args.parquet_dir is not None
            or args.patient_block is not None):
        table = _features_partitioned(args, pseudonyms)
    else:
        table = build_features(args.cohort, args.output, spec=args.spec, write_spec=args.write_spec,
                               outcome=args.outcome, pseudonyms=pseudonyms)
    _audit(args, "features", inputs=[args.cohort, args.spec], outputs=[args.output, args.write_spec, args.parquet_dir],
           samples=_tokens(pseudonyms))
    if not args.quiet:
        print(f"pgx: {table.height} patients x {table.width} columns written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _features_partitioned(args: argparse.Namespace, pseudonyms):
    """``pgx features`` block of patients by block, on Dask when asked; returns the table written."""
    from pgx.cluster import DEFAULT_PATIENT_BLOCK, features_partitioned
    from pgx.pipeline import _atomic_text, _read_spec, _write_table

    block = DEFAULT_PATIENT_BLOCK if args.patient_block is None else args.patient_block
    run = features_partitioned(args.cohort, parquet_dir=args.parquet_dir,
                               spec=_read_spec(args.spec) if args.spec else None, outcome=args.outcome,
                               pseudonyms=pseudonyms,
                               patient_block=block,
                               workers=args.workers, scheduler=args.scheduler,
                               progress=_progress(not args.quiet, "features", "tasks"))
    _write_table(run.features, args.output)
    if args.write_spec:
        _atomic_text(args.write_spec, run.spec.to_json())
    if not args.quiet:
        print(f"pgx: {len(run.computed)} block(s) computed, {len(run.skipped)} already complete", file=sys.stderr)
    return run.features


def build_parser() -> argparse.ArgumentParser:
    """Return the ``pgx`` argument parser (subcommands with their own ``--help``)."""
    parser = _Parser(
        prog="pgx",
        description="pgx: pharmacogenomics from VCF to drug recommendations.",
    )
    parser.add_argument("--version", action="version", version=f"pgx {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    summary = commands.add_parser(
        "summary", help="read a VCF/BCF and print what it holds",
        description="Read a VCF/BCF (plain, gzip, BGZF) and print samples, variants, build and missingness.",
    )
    summary.add_argument("vcf", metavar="VCF", help="the VCF or BCF file")
    summary.add_argument("--genome-build", choices=["GRCh38", "GRCh37"], default=None,
                         help="the build the file should use (detected from the header otherwise)")
    _privacy_options(summary, pseudonymize=False)
    summary.set_defaults(handler=_summary)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--genes", help="comma-separated genes (default: every callable gene)")
        sub.add_argument("--assume-reference", action="store_true",
                         help="count definition positions absent from the VCF as reference (arrays, exomes); "
                              "a gene with no record in its region stays not called")
        sub.add_argument("--outside-calls", metavar="TSV",
                         help="diplotypes/phenotypes from other tools (pgx or PharmCAT outside-call format)")
        sub.add_argument("--genome-build", choices=["GRCh38", "GRCh37"], default=None,
                         help="the build of the input (detected from the VCF header otherwise)")
        sub.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")

    call_cmd = commands.add_parser(
        "call", help="call star-allele diplotypes and phenotypes into a TSV",
        description="Call diplotype, function, activity score and phenotype for every sample and gene.",
    )
    call_cmd.add_argument("vcf", metavar="VCF", help="a VCF/BCF, or a BAM/CRAM (CYP2D6 copy number, structure and "
                                                    "diplotype from reads; see --reference and --controls)")
    call_cmd.add_argument("--reference", metavar="FASTA", help="the reference FASTA of a CRAM input")
    call_cmd.add_argument("--controls", metavar="REGIONS",
                          help="BAM/CRAM input: comma-separated copy-number-neutral regions (chr1:1000000-1100000) "
                               "to normalise depth against (default: the CYP2D8 side of the CYP2D locus)")
    call_cmd.add_argument("--samples", help="comma-separated sample names (default: all)")
    common(call_cmd)
    call_cmd.add_argument("-o", "--output", required=True, metavar="CALLS.tsv", help="the calls table to write")
    scale = _cluster_options(call_cmd, "split the job into sample blocks x gene regions (regions need a bgzip VCF; "
                             "one without a tabix/CSI index is indexed into --parquet-dir or a temporary cache); "
                             "the calls are the same as in one process.")
    scale.add_argument("--parquet-dir", metavar="DIR",
                       help="also keep one Parquet file per partition here; a rerun skips the complete ones")
    scale.add_argument("--sample-block", type=int, default=None, metavar="N",
                       help="samples per partition (default 5000)")
    scale.add_argument("--no-regions", action="store_true",
                       help="partition by sample blocks only, each reading the whole file (faster when the VCF holds "
                            "little besides the pharmacogenes)")
    _privacy_options(call_cmd)
    call_cmd.set_defaults(handler=_call)

    report_cmd = commands.add_parser(
        "report", help="write per-sample reports (HTML, JSON, FHIR, TSV) with drug recommendations",
        description="VCF in, one report per sample out, plus a cohort summary for multi-sample input. "
                    "A rerun skips samples whose reports are complete unless --force.",
    )
    report_cmd.add_argument("vcf", metavar="VCF", nargs="?",
                            help="the VCF or BCF file (or a BAM/CRAM: a CYP2D6 report from reads)")
    report_cmd.add_argument("--alignments", metavar="BAMS",
                            help="comma-separated BAM/CRAM files of the VCF's samples: their CYP2D6 calls from reads "
                                 "(copy number, deletions, duplications, hybrids) replace the VCF's")
    report_cmd.add_argument("--reference", metavar="FASTA", help="the reference FASTA of CRAM input")
    report_cmd.add_argument("--from-calls", metavar="CALLS.tsv",
                            help="start from a calls table (pgx call's, or another tool's) instead of a VCF")
    report_cmd.add_argument("--medications", metavar="TSV",
                            help="current medications (columns sample_id, drug) for phenoconversion")
    report_cmd.add_argument("--drugs", help="comma-separated drugs to report (default: all)")
    report_cmd.add_argument("--sample", help="report this sample only")
    report_cmd.add_argument("--format", default="html,json", help="comma-separated: html, json, fhir, tsv")
    report_cmd.add_argument("--force", action="store_true", help="rewrite complete reports")
    report_cmd.add_argument("--somatic", metavar="SOMATIC.vcf",
                            help="a VEP- or SnpEff-annotated tumour VCF: targeted-therapy matches and TMB")
    report_cmd.add_argument("--tumor-type", metavar="TYPE",
                            help="tumour type, with --somatic: an OncoTree code, name or synonym, any case "
                                 "(LUAD, 'lung adenocarcinoma', NSCLC, CRC, 'breast cancer')")
    report_cmd.add_argument("--target-mb", type=float, help="assay target size in Mb, for TMB")
    report_cmd.add_argument("--msi", help="MSI status (MSI-H, dMMR, MSI-L, MSS, pMMR), with --somatic")
    report_cmd.add_argument("--fusions", metavar="TSV",
                            help="the tumour's gene fusions, with --somatic: tab-separated, one GENE1::GENE2 a row "
                                 "(5' partner first; GENE1--GENE2 accepted), in a column headed 'fusion' or the "
                                 "first column; '#' lines skipped")
    report_cmd.add_argument("--cna", metavar="TSV",
                            help="the tumour's gene copy-number calls, with --somatic: tab-separated with a header "
                                 "naming columns 'gene' and 'call'; call is amplification (amp, amplified) or "
                                 "deletion (del, homdel, deep_deletion)")
    report_cmd.add_argument("--model", metavar="MODEL_DIR",
                            help="add this trained model's prediction and its top contributions (TreeSHAP) to each "
                                 "report (HTML and JSON), with --features")
    report_cmd.add_argument("--features", metavar="TABLE",
                            help="the feature table the model predicts, one row per sample (Parquet, TSV, CSV)")
    report_cmd.add_argument("--features-id", default="sample_id", metavar="COLUMN",
                            help="the column of --features naming each row's sample as the VCF does "
                                 "(default sample_id)")
    report_cmd.add_argument("--threads", type=int, default=1,
                            help="parallel workers rendering and writing reports (default 1)")
    report_cmd.add_argument("--min-cell-count", type=int, metavar="K", default=None,
                            help="cohort summary shows counts under K as '<K' (default 11 with "
                                 "--pseudonymize, else every count)")
    common(report_cmd)
    report_cmd.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the output folder")
    report_scale = _cluster_options(
        report_cmd, "each task calls one sample block (read by gene region when the VCF is bgzip-compressed; one "
        "without a tabix/CSI index is indexed into a temporary cache) and "
        "writes its samples' reports; the files are the same as in one process.",
        sees="the VCF and the output folder")
    report_scale.add_argument("--sample-block", type=int, default=None, metavar="N",
                              help="samples per task (default 5000)")
    report_scale.add_argument("--no-regions", action="store_true",
                              help="read each sample block from the whole file instead of gene region by region")
    _privacy_options(report_cmd)
    report_cmd.set_defaults(handler=_report)

    def table_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--id-column", default="patient_id", help="the patient id column (not a feature)")
        sub.add_argument("--quiet", action="store_true", help="no summary on stderr")

    sim = commands.add_parser("simulate", help="simulate a cohort with known outcome mechanisms",
                              description="Patients, diplotypes (and a VCF), biomarkers, treatments and outcomes "
                                          "with published effect sizes; deterministic given --seed.")
    sim.add_argument("--n", type=int, required=True, help="number of patients")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--format", choices=["parquet", "tsv"], default="parquet")
    sim.add_argument("--no-vcf", action="store_true", help="do not write the genotypes as VCF")
    sim.add_argument("-o", "--output", required=True, metavar="DIR")
    sim.add_argument("--quiet", action="store_true")
    _privacy_options(sim, pseudonymize=False)  # simulated patients are nobody: nothing to pseudonymise
    sim.set_defaults(handler=_simulate)

    feats = commands.add_parser("features", help="build one feature row per patient from a cohort folder",
                                description="Genotype, biomarker, treatment-history and demographic blocks, using "
                                            "only what was known before each patient's index date.")
    feats.add_argument("cohort", metavar="COHORT_DIR")
    feats.add_argument("--spec", metavar="SPEC.json", help="a saved feature spec (columns of a trained model)")
    feats.add_argument("--write-spec", metavar="SPEC.json", help="save the spec used")
    feats.add_argument("--outcome", help="join this simulated outcome as a column (for training)")
    feats.add_argument("-o", "--output", required=True, metavar="FEATURES.parquet")
    feats.add_argument("--quiet", action="store_true")
    feats_scale = _cluster_options(
        feats, "build the table block of patients by block, each task reading only its patients' rows; the table "
        "is the same as in one process (the spec is fixed for the whole cohort first).", sees="the cohort folder")
    feats_scale.add_argument("--parquet-dir", metavar="DIR",
                             help="also keep one Parquet file per block here; a rerun skips the complete ones")
    feats_scale.add_argument("--patient-block", type=int, default=None, metavar="N",
                             help="patients per block (default 20000)")
    _privacy_options(feats, ids="patient ids")
    feats.set_defaults(handler=_features)

    train = commands.add_parser("train", help="fit a response, adverse-reaction or dose model on a feature table",
                                description="Fit a LightGBM model (calibrated) and save it without pickle.")
    train.add_argument("features", metavar="FEATURES", help="feature table (.parquet, .tsv or .csv)")
    train.add_argument("--outcome", required=True, help="the outcome column")
    train.add_argument("--kind", choices=["response", "adverse", "dose"], default="response")
    train.add_argument("--drop", help="comma-separated columns to leave out")
    train.add_argument("--seed", type=int, default=0, help="random_state")
    train.add_argument("--force", action="store_true", help="overwrite an existing model folder")
    train.add_argument("-o", "--output", required=True, metavar="MODEL_DIR")
    table_options(train)
    train_scale = _cluster_options(
        train, "train with LightGBM's Dask estimators on the table split into row partitions (read by the "
        "workers); the model folder has the same files as in one process.", sees="the feature table")
    train_scale.add_argument("--partition-rows", type=int, default=None, metavar="N",
                             help="rows per partition of the feature matrix (default 50000)")
    _privacy_options(train, pseudonymize=False)  # a model holds no patient ids
    train.set_defaults(handler=_train)

    predict = commands.add_parser("predict", help="predict with a saved model, with per-patient explanations")
    predict.add_argument("model", metavar="MODEL_DIR")
    predict.add_argument("features", metavar="FEATURES")
    predict.add_argument("--top", type=int, default=5, help="contributions listed per patient")
    predict.add_argument("-o", "--output", required=True, metavar="PREDICTIONS.tsv")
    table_options(predict)
    _privacy_options(predict, ids="the --id-column values")
    predict.set_defaults(handler=_predict)

    evaluate = commands.add_parser(
        "evaluate", help="evaluate a saved model on held-out patients (model card)",
        description="Metrics with bootstrap intervals, overall and by population and sex, into a model card. "
                    "With --privacy, a membership-inference audit: how well a loss-threshold attack tells "
                    "the --training-features patients from the held-out FEATURES patients (attack AUC).")
    evaluate.add_argument("model", metavar="MODEL_DIR")
    evaluate.add_argument("features", metavar="FEATURES", help="held-out patients (.parquet, .tsv or .csv)")
    evaluate.add_argument("--outcome", required=True)
    evaluate.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for the CIs")
    evaluate.add_argument("--privacy", action="store_true",
                          help="also run the membership-inference audit (needs --training-features)")
    evaluate.add_argument("--training-features", metavar="TABLE",
                          help="the table the model was trained on (or a random sample of its rows)")
    evaluate.add_argument("-o", "--output", required=True, metavar="CARD", help="card path (.json and .html written)")
    table_options(evaluate)
    _privacy_options(evaluate, pseudonymize=False)  # a card holds aggregates only
    evaluate.set_defaults(handler=_evaluate)

    check = commands.add_parser(
        "validate", help="check a VCF against the VCF specification and list every problem",
        description="Check a VCF (plain, gzip, BGZF; BCF through pysam) against VCF 4.1-4.5 and print one row per "
                    "problem: line, field, severity (error: the data cannot be read as meant; warning: it can, but "
                    "something is off), message. Exit 0 when there is no error (warnings allowed), 1 when there "
                    "are errors, 2 when the file cannot be checked at all (missing, empty, not a VCF).")
    check.add_argument("vcf", metavar="VCF", help="the VCF or BCF file")
    check.add_argument("--format", choices=["tsv", "json"], default="tsv", help="table format on stdout (default tsv)")
    check.add_argument("--all", action="store_true",
                       help="list every problem (by default at most 100 of each kind, then a count)")
    check.add_argument("--quiet", action="store_true", help="no verdict line on stderr")
    _privacy_options(check, pseudonymize=False)
    check.set_defaults(handler=_validate)

    deid = commands.add_parser("deidentify", help="write a header-scrubbed copy of a VCF with pseudonymised samples",
                               description="Drops ##source/##commandline/##fileDate/... lines, redacts paths and "
                                           "dates, renames samples by keyed pseudonym. Records are unchanged.")
    deid.add_argument("vcf", metavar="VCF")
    deid.add_argument("-o", "--output", required=True, metavar="OUT.vcf[.gz]")
    deid.add_argument("--quiet", action="store_true")
    _privacy_options(deid)
    deid.set_defaults(handler=_deidentify)

    phi = commands.add_parser("phi-check", help="scan outputs for identifiers and HIPAA Safe Harbor patterns",
                              description="Exit 1 when something is found, 0 when clean, 2 on error.")
    phi.add_argument("paths", metavar="PATH", nargs="+", help="files or folders (searched recursively)")
    ids = phi.add_mutually_exclusive_group()
    ids.add_argument("--identifiers", metavar="ID", nargs="+", help="raw identifiers to look for")
    ids.add_argument("--identifiers-file", metavar="F", help="identifiers, one a line (# comments)")
    phi.add_argument("--names-file", metavar="F", help="person names to look for, one a line")
    phi.add_argument("--quiet", action="store_true")
    _privacy_options(phi, pseudonymize=False)
    phi.set_defaults(handler=_phi_check)

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    verify = audit_commands.add_parser("verify", help="check an audit log's hash chain",
                                       description="Exit 0 when intact, 2 naming the first bad line.")
    verify.add_argument("log", metavar="LOG")
    verify.add_argument("--expected-head", metavar="HASH", help="a chain head a report carries (detects truncation)")
    verify.set_defaults(handler=_audit_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pgx`` command; return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 success, 1 partial failure, 2 usage or input error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _WarningLines(warnings.showwarning)
            return int(args.handler(args))
    except (PgxError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"pgx: error: {_cli_words(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pgx: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
