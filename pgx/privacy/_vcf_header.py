"""VCF header scrubbing and sample renaming over text lines (no file I/O: pgx.io opens files)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Optional, Union

from pgx.privacy._errors import PrivacyError
from pgx.privacy._patterns import EMAIL_RE, FILENAME_RE, PATH_RE, URL_RE, date_spans
from pgx.privacy._pseudonym import Domain, Pseudonymizer, _as_key

__all__ = ["STRUCTURAL_KEYS", "REDACTED", "scrub_vcf_header", "deidentify_vcf_lines"]

#: meta-information keys kept (with their paths, URLs, dates and e-mails redacted)
STRUCTURAL_KEYS = frozenset({"fileformat", "contig", "INFO", "FORMAT", "FILTER", "ALT"})
#: what a removed path, URL, date or e-mail inside a kept line becomes
REDACTED = "redacted"


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body):]


def _leaks(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for pattern in (PATH_RE, URL_RE, EMAIL_RE, FILENAME_RE) for m in pattern.finditer(text)]
    return spans + date_spans(text)


def _redact(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            start = last
        if start >= end:
            continue
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


def _rename_in(text: str, sample_map: Mapping[str, str]) -> str:
    for name in sorted(sample_map, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sample_map[name], text)
    return text


def scrub_vcf_header(
    header_lines: Iterable[str],
    sample_map: Optional[Mapping[str, str]] = None,
) -> list[str]:
    """Return VCF header lines with identifying content removed and samples renamed.

    Rules, applied line by line (line endings are kept):

    * ``##fileformat``, ``##contig``, ``##INFO``, ``##FORMAT``, ``##FILTER`` and ``##ALT``
      lines are kept; inside them every absolute or home path, ``file:``/``http(s)``/
      ``s3``/``gs``/``ftp`` URL, data file name (``*.bam``, ``*.vcf.gz``, ...), date more
      precise than the year and e-mail address is replaced by ``redacted``, and every raw
      sample name by its token.
    * ``##reference`` is kept only when it holds none of those (``##reference=GRCh38``
      stays, ``##reference=file:///data/hg38.fa`` goes).
    * Every other ``##`` line is dropped: ``##source``, ``##commandline``,
      ``##GATKCommandLine``, ``##bcftools_*Command``, ``##fileDate``, ``##SAMPLE``,
      ``##PEDIGREE`` and vendor lines, which carry tool paths, run dates and sample
      metadata. (An allow-list: unknown lines are dropped, not kept.)
    * The ``#CHROM`` line's sample columns are renamed through ``sample_map``.

    Parameters
    ----------
    header_lines : iterable of str
        The header, ``##`` lines then the ``#CHROM`` line, with or without line endings.
    sample_map : mapping of str to str, optional
        ``{raw sample name: token}``; every sample of the ``#CHROM`` line must be in it.
        None keeps the sample names.

    Returns
    -------
    list of str

    Raises
    ------
    PrivacyError
        If a sample has no entry in ``sample_map`` (named by its 0-based index, never by
        its raw name), or two samples would get the same name.

    Examples
    --------
    >>> header = [
    ...     "##fileformat=VCFv4.2",
    ...     "##fileDate=20240131",
    ...     "##source=HaplotypeCaller",
    ...     "##reference=file:///data/ref/hg38.fa",
    ...     "##contig=<ID=chr1,length=248956422,assembly=GRCh38>",
    ...     "##GATKCommandLine=<ID=HaplotypeCaller,CommandLine=\\"-I /data/jdoe.bam\\">",
    ...     "#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\tFORMAT\\tJOHN_DOE",
    ... ]
    >>> for line in scrub_vcf_header(header, {"JOHN_DOE": "S-ABCDEFGHIJKL"}):
    ...     print(line)
    ##fileformat=VCFv4.2
    ##contig=<ID=chr1,length=248956422,assembly=GRCh38>
    #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	S-ABCDEFGHIJKL
    """
    out: list[str] = []
    mapping = dict(sample_map) if sample_map is not None else None
    for raw in header_lines:
        line, ending = _split_ending(raw)
        if line.startswith("#CHROM"):
            fields = line.split("\t")
            if mapping is not None:
                renamed = fields[:9]
                for index, name in enumerate(fields[9:]):
                    if name not in mapping:
                        raise PrivacyError(f"#CHROM line: sample {index} has no pseudonym in the sample map")
                    renamed.append(mapping[name])
                if len(set(renamed[9:])) != len(renamed) - 9:
                    raise PrivacyError("#CHROM line: two samples would get the same name")
                fields = renamed
            out.append("\t".join(fields) + ending)
            continue
        if not line.startswith("##"):
            continue
        key = line[2:].split("=", 1)[0]
        if key in STRUCTURAL_KEYS:
            if mapping:
                line = _rename_in(line, mapping)
            if key != "fileformat":
                line = _redact(line, _leaks(line))
            out.append(line + ending)
        elif key == "reference" and not _leaks(line[len("##reference="):]):
            out.append(line + ending)
    return out


def deidentify_vcf_lines(
    lines: Iterable[str],
    *,
    key: Union[bytes, Pseudonymizer],
    domain: Domain = "sample",
) -> tuple[dict[str, str], Iterator[str]]:
    """Scrub the header and pseudonymise the sample names of VCF text.

    Reads the header eagerly (up to and including ``#CHROM``) and streams the records
    unchanged. pgx.io opens and writes the files (``pgx deidentify``); this function sees
    text lines only.

    Parameters
    ----------
    lines : iterable of str
        Decompressed VCF text lines.
    key : bytes or Pseudonymizer
        The pseudonym key.
    domain : {"sample", "patient", "specimen"}
        What the VCF's sample columns identify.

    Returns
    -------
    mapping : dict of str to str
        ``{raw sample name: token}``; write it with :func:`write_mapping` only when asked.
    lines : iterator of str
        The scrubbed header, then the records.

    Raises
    ------
    PrivacyError
        If the text has no ``#CHROM`` line before its first record.

    Examples
    --------
    >>> vcf = ["##fileformat=VCFv4.2\\n", "##source=caller /opt/x/bin\\n",
    ...        "#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\tFORMAT\\tNA12878\\n",
    ...        "chr1\\t10\\t.\\tA\\tG\\t.\\tPASS\\t.\\tGT\\t0/1\\n"]
    >>> mapping, out = deidentify_vcf_lines(vcf, key=b"0123456789abcdef")
    >>> out = list(out)
    >>> len(out), out[1].endswith(mapping["NA12878"] + "\\n"), out[2] == vcf[3]
    (3, True, True)
    """
    pseudonymizer = _as_key(key)
    iterator = iter(lines)
    header: list[str] = []
    for line in iterator:
        header.append(line)
        if line.startswith("#CHROM"):
            break
        if not line.startswith("#"):
            raise PrivacyError(f"line {len(header)}: a record before the #CHROM header line; expected VCF text")
    else:
        raise PrivacyError("no #CHROM header line; expected VCF text")
    samples = header[-1].rstrip("\r\n").split("\t")[9:]
    if len(set(samples)) != len(samples):
        raise PrivacyError("#CHROM line: duplicate sample names")
    mapping = pseudonymizer.mapping(samples, domain)
    scrubbed = scrub_vcf_header(header, mapping)

    def stream() -> Iterator[str]:
        yield from scrubbed
        yield from iterator

    return mapping, stream()
