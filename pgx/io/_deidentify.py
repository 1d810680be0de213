"""``deidentify_vcf``: a header-scrubbed, sample-renamed copy of a VCF (pgx.io opens the
files; the rules live in :mod:`pgx.privacy`)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from pgx.exceptions import VcfFormatError
from pgx.io._source import sniff
from pgx.privacy import Pseudonymizer, deidentify_vcf_lines, write_mapping

__all__ = ["deidentify_vcf"]


def deidentify_vcf(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    key: bytes | Pseudonymizer,
    mapping_path: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """Write a scrubbed copy of a VCF whose samples carry keyed pseudonyms.

    Header lines that can identify (``##source``, ``##commandline``, dates, paths, ...)
    are dropped or redacted by :func:`pgx.privacy.scrub_vcf_header`'s rules; records are
    copied unchanged. The output is gzip when its name ends in ``.gz`` (a gzip header
    with no name and no date), plain text otherwise, written with owner-only permissions
    and atomically.

    Parameters
    ----------
    in_path : path
        A plain, gzip or BGZF VCF (not BCF).
    out_path : path
    key : bytes or pgx.privacy.Pseudonymizer
    mapping_path : path, optional
        Also write the id -> pseudonym table (owner-only), which re-identifies everyone.

    Returns
    -------
    dict of str to str
        Sample name -> pseudonym.

    Raises
    ------
    VcfFormatError
        For BCF input or a file that is not a VCF.
    """
    kind = sniff(os.fspath(in_path))
    if kind == "bcf":
        raise VcfFormatError("deidentify reads VCF text; convert BCF with `bcftools view` first",
                             path=os.fspath(in_path))
    out = Path(out_path)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    opener = gzip.open if kind in ("gzip", "bgzf") else open
    try:
        with opener(in_path, "rt", encoding="utf-8", newline="") as src:
            mapping, lines = deidentify_vcf_lines(src, key=key)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                encoded = (line.encode("utf-8") for line in lines)
                if out.name.endswith(".gz"):
                    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                        gz.writelines(encoded)
                else:
                    raw.writelines(encoded)
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if mapping_path is not None:
        write_mapping(mapping_path, mapping, domain="sample")
    return mapping
