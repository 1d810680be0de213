"""The ``pgx`` command: argument parsing, messages and exit codes.

Exit codes: 0 success, 1 some samples failed (others written), 2 usage or input error
(one line on stderr, no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from pgx._version import __version__
from pgx.exceptions import PgxError

__all__ = ["main"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"pgx: error: {message}\n")


def _summary(args: argparse.Namespace) -> int:
    from pgx.io import iter_vcf

    n_var = 0
    n_samples = 0
    build = None
    missing = 0
    calls = 0
    multi = 0
    chroms: dict[str, int] = {}
    for chunk in iter_vcf(args.vcf, chunk_size=50_000, fields=[], genome_build=args.genome_build):
        n_var += chunk.n_variants
        n_samples = chunk.n_samples
        build = chunk.genome_build
        missing += int(np.count_nonzero(chunk.genotypes == -1))
        calls += int(np.count_nonzero(chunk.genotypes != -2))
        multi += int((chunk.variants["alt"].list.len() > 1).sum())
        for chrom, count in chunk.variants.group_by("chrom", maintain_order=True).len().iter_rows():
            chroms[chrom] = chroms.get(chrom, 0) + count
    print(f"file: {args.vcf}")
    print(f"genome build: {build or 'unknown (no ##contig lengths or ##reference)'}")
    print(f"samples: {n_samples}")
    print(f"variants: {n_var} ({multi} multi-allelic)")
    print("per contig: " + (", ".join(f"{c} {n}" for c, n in chroms.items()) or "none"))
    rate = missing / calls if calls else 0.0
    print(f"missing allele calls: {missing} of {calls} ({rate:.1%})")
    return EXIT_OK


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
    summary.set_defaults(handler=_summary)
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
        return int(args.handler(args))
    except (PgxError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"pgx: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pgx: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
