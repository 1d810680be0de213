"""Index a bgzip-compressed VCF so its regions can be read alone, without touching the file.

A tabix index records, for bins of each contig, the BGZF block offsets where the records
of that stretch start; reading a region then inflates only those blocks. Users who cannot
(or should not) write next to their input get the index in a folder of their choosing,
and :func:`pgx.read_vcf` reads regions through it with ``index=``.
"""

from __future__ import annotations

import os

from pgx._typing import PathLike
from pgx.exceptions import RegionError
from pgx.io._source import sniff

__all__ = ["index_vcf", "existing_index"]


def existing_index(path: PathLike) -> str | None:
    """The tabix (``.tbi``) or CSI (``.csi``) index beside ``path``, or None."""
    path = os.fspath(path)
    for suffix in (".tbi", ".csi"):
        if os.path.exists(path + suffix):
            return path + suffix
    return None


def index_vcf(path: PathLike, index_path: PathLike) -> str:
    """Write a tabix index of a bgzip-compressed, sorted VCF to ``index_path``.

    The VCF itself is not changed (no file is written beside it). The index is written
    under a temporary name and then renamed, so an interrupted run leaves no partial index.

    Parameters
    ----------
    path : str or os.PathLike
        A BGZF (``bgzip``) VCF, sorted by contig and position.
    index_path : str or os.PathLike
        Where to write the index (conventionally ending in ``.tbi``); its folder must exist.

    Returns
    -------
    str
        ``index_path``.

    Raises
    ------
    RegionError
        The file is plain text, plain gzip or BCF (not indexable this way), or unsorted, or
        ``index_path``'s folder is missing or not writable.

    Examples
    --------
    >>> import os, tempfile, pysam, pgx
    >>> from pgx.io import index_vcf
    >>> folder = tempfile.mkdtemp()
    >>> vcf = os.path.join(folder, "example.vcf.gz")
    >>> _ = pysam.tabix_compress(pgx.example_vcf(), vcf)  # bgzip
    >>> tbi = index_vcf(vcf, os.path.join(folder, "example.tbi"))
    >>> pgx.read_vcf(vcf, region="chr10", index=tbi).n_variants
    5
    >>> sorted(os.listdir(folder))  # nothing written beside the VCF but the index asked for
    ['example.tbi', 'example.vcf.gz']
    """
    import pysam

    path, index_path = os.fspath(path), os.fspath(index_path)
    kind = sniff(path)
    if kind != "bgzf":
        what = {"vcf": "plain text", "gzip": "plain gzip (not BGZF)", "bcf": "BCF"}.get(kind, kind)
        raise RegionError(f"{path}: only a bgzip-compressed VCF can be indexed here; this file is {what} "
                          "(compress it with `bgzip`)")
    folder = os.path.dirname(os.path.abspath(index_path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RegionError(f"{path}: cannot write its index to {index_path}: the folder {folder} is missing or "
                          "not writable")
    tmp = f"{index_path}.{os.getpid()}.tmp"
    verbosity = pysam.set_verbosity(0)  # htslib's own message would reach stderr; ours says it
    try:
        pysam.tabix_index(path, preset="vcf", index=tmp, keep_original=True, force=True)
    except (OSError, ValueError) as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise RegionError(f"{path}: cannot be indexed ({exc}); the records must be sorted by contig and "
                          "position (`bcftools sort` sorts a file)") from None
    finally:
        pysam.set_verbosity(verbosity)
    os.replace(tmp, index_path)
    return index_path
