"""Example data shipped with pgx, for the quick start, the docs and the tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_vcf"]


def example_vcf(name: str = "example.vcf") -> str:
    """Return the path of an example VCF shipped with pgx.

    Parameters
    ----------
    name : str, default "example.vcf"
        The file: ``example.vcf`` holds four samples genotyped at pharmacogene
        sites (GRCh38).

    Returns
    -------
    str

    Examples
    --------
    >>> import pgx
    >>> pgx.example_vcf().endswith("example.vcf")
    True
    """
    path = Path(__file__).resolve().parent / name
    if not path.is_file():
        available = sorted(p.name for p in path.parent.glob("*.vcf*"))
        raise FileNotFoundError(f"no example file {name!r}; available: {available}")
    return str(path)
