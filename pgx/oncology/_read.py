"""Read an annotated somatic VCF into :class:`SomaticCalls`.

The one module of :mod:`pgx.oncology` that imports :mod:`pgx.io` (which alone opens genomic files);
:func:`pgx.oncology.match` and :func:`pgx.oncology.tmb` come here when given a path, or a CallSet
that must be read again from its source. tests/test_architecture.py holds that rule.
"""

from __future__ import annotations

import os
import re

from pgx.io import read_vcf
from pgx.io import read_header
from pgx.oncology._annotation import SomaticCalls, parse_layout
from pgx.oncology._errors import AnnotationError

__all__ = ["read_somatic", "somatic_section"]


def read_somatic(path: str | os.PathLike[str], *, tumor_sample: int | str | None = None,
                 genome_build: str | None = None) -> SomaticCalls:
    """Read a VEP- (``CSQ``) or SnpEff- (``ANN``) annotated somatic VCF.

    Parameters
    ----------
    path : str or os.PathLike
        The VCF (plain, gzip/BGZF or BCF).
    tumor_sample : int or str, optional
        The tumour sample's index or name. By default the header's ``##tumor_sample=`` (Mutect2),
        else the only sample, else the one named ``TUMOR``/``TUMOUR``.
    genome_build : {"GRCh38", "GRCh37"}, optional
        As in :func:`pgx.read_vcf`.

    Returns
    -------
    SomaticCalls
        The calls with ``CSQ``/``ANN`` and, when declared, ``AD`` and ``DP``.

    Raises
    ------
    AnnotationError
        The header declares neither ``CSQ`` nor ``ANN``, or its layout cannot be read.
    VcfFormatError
        Malformed VCF.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pgx
    >>> from pgx.oncology import read_somatic
    >>> vcf = pgx.example_vcf("somatic_vep.vcf")
    >>> calls = read_somatic(vcf)
    >>> calls.annotation, calls.callset.sample_ids[calls.tumor_sample]
    ('CSQ', 'TUMOR')
    """
    path = os.fspath(path)
    header = read_header(path)
    key = next((k for k in ("CSQ", "ANN") if k in header.info), None)
    if key is None:
        raise AnnotationError(
            "the header declares no VEP CSQ or SnpEff ANN INFO field: annotate the VCF with VEP "
            "(--vcf --hgvs) or SnpEff before matching tumour biomarkers", path=path, field="INFO")
    fields = parse_layout(key, header.info[key].description, path=path)
    if tumor_sample is None:
        for line in header.meta:
            if found := re.fullmatch(r"##tumor_sample=(.+)", line):
                tumor_sample = found[1].strip()
    wanted = [key] + [f"FORMAT/{k}" for k in ("AD", "DP") if k in header.format]
    callset = read_vcf(path, fields=wanted, genome_build=genome_build)
    return SomaticCalls.from_callset(callset, description=header.info[key].description, tumor_sample=tumor_sample,
                                     header_lines=header.n_lines)


def somatic_section(path: str | os.PathLike[str], *, tumor_type: str, target_mb: float | None = None,
                    fusions=None, cna=None, msi: str | None = None, tumor_sample: int | str | None = None) -> dict:
    """Everything a patient report's tumour section needs, from a somatic VCF path.

    Parameters
    ----------
    path : str or os.PathLike
        VEP- or SnpEff-annotated somatic VCF.
    tumor_type : str
        An OncoTree code, name or synonym (see :func:`pgx.oncology.tumor_type_code`); the section
        carries the code.
    target_mb : float, optional
        The assay's target size; when given, TMB is computed (default filters) and matched.
    fusions, cna, msi
        As in :func:`pgx.oncology.match`.
    tumor_sample : int or str, optional
        As in :func:`read_somatic`.

    Returns
    -------
    dict
        ``tumor_type``, ``tmb`` (mut/Mb or None), ``msi``, ``matches`` (polars frame of
        :func:`pgx.oncology.match`) and ``germline_toxicity`` (frame of
        :func:`pgx.oncology.germline_toxicity`, drugs to cross-link with the germline recommendations).

    Examples
    --------
    >>> from pathlib import Path
    >>> import pgx
    >>> from pgx.oncology._read import somatic_section
    >>> vcf = pgx.example_vcf("somatic_vep.vcf")
    >>> section = somatic_section(vcf, tumor_type="LUAD", target_mb=1.5)
    >>> section["tmb"], section["matches"].height > 0, section["germline_toxicity"].height
    (6.0, True, 0)
    """
    from pgx.oncology._knowledge import germline_toxicity, tumor_type_code
    from pgx.oncology._match import match, tmb

    tumor_type = tumor_type_code(tumor_type)
    calls = read_somatic(path, tumor_sample=tumor_sample)
    burden = tmb(calls, target_mb=target_mb) if target_mb is not None else None
    return {
        "tumor_type": tumor_type,
        "tmb": burden,
        "msi": msi,
        "matches": match(calls, tumor_type=tumor_type, fusions=fusions, cna=cna, msi=msi, tmb=burden),
        "germline_toxicity": germline_toxicity(tumor_type),
    }
