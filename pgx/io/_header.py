"""Parse a VCF header and detect the genome build it was written against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgx.exceptions import GenomeBuildError, VcfFormatError
from pgx.reference import contig_lengths, normalize_contig

__all__ = ["FieldDef", "VcfHeader", "parse_header", "detect_genome_build", "infer_genome_build"]

_FIXED = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_STRUCTURED = re.compile(r"^##(INFO|FORMAT|contig)=<(.*)>\s*$")
_KEYVAL = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^,]*)')
_BUILD_WORDS = {
    "GRCh38": re.compile(r"grch38|hg38|hs38|gca_000001405\.15|gcf_000001405\.(2[6-9]|3\d|4\d)", re.I),
    "GRCh37": re.compile(r"grch37|hg19|hs37|b37|human_g1k_v37|gcf_000001405\.(1[3-9]|2[0-5])", re.I),
}


@dataclass(frozen=True)
class FieldDef:
    """An INFO or FORMAT field declared in the header."""

    id: str
    number: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class VcfHeader:
    """What pgx needs from a VCF header.

    Attributes
    ----------
    meta : tuple of str
        The ``##`` lines, without line ends.
    samples : tuple of str
        Sample names from the ``#CHROM`` line.
    has_format : bool
        Whether the ``#CHROM`` line has a FORMAT column.
    contigs : dict of str to int or None
        ``##contig`` IDs and lengths, in header order.
    info, format : dict of str to FieldDef
        Declared INFO and FORMAT fields.
    n_lines : int
        Number of header lines, the ``#CHROM`` line included.
    contig_assemblies : dict of str to str
        The ``assembly=`` attribute of the ``##contig`` lines that have one
        (``GRCh38.p14``), by contig ID.
    """

    meta: tuple[str, ...]
    samples: tuple[str, ...]
    has_format: bool
    contigs: dict[str, int | None] = field(default_factory=dict)
    info: dict[str, FieldDef] = field(default_factory=dict)
    format: dict[str, FieldDef] = field(default_factory=dict)
    n_lines: int = 0
    contig_assemblies: dict[str, str] = field(default_factory=dict)

    @property
    def reference(self) -> str | None:
        """The ``##reference`` value, if any."""
        for line in self.meta:
            if line.startswith("##reference="):
                return line[len("##reference="):]
        return None


def _attributes(body: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _KEYVAL.findall(body)}


def parse_header(text: str, *, path: str) -> VcfHeader:
    """Parse the header text (every line up to and including ``#CHROM``).

    Parameters
    ----------
    text : str
        The header lines, newline-separated (CRLF accepted).
    path : str
        The file, for error messages.

    Returns
    -------
    VcfHeader

    Raises
    ------
    VcfFormatError
        If the first line is not ``##fileformat=VCFv4.x``, the ``#CHROM`` line is
        missing or its fixed columns are wrong, or a sample name repeats.

    Examples
    --------
    >>> h = parse_header("##fileformat=VCFv4.2\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO"
    ...                  "\\tFORMAT\\tS1\\tS2", path="x.vcf")
    >>> h.samples, h.has_format, h.n_lines
    (('S1', 'S2'), True, 2)
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines or not lines[0].startswith("##fileformat=VCFv4"):
        found = lines[0][:40] if lines else ""
        raise VcfFormatError(
            f"not a VCF: expected '##fileformat=VCFv4.x' as the first line, found {found!r}",
            path=path, line=1, field="header",
        )
    chrom_line = lines[-1]
    if not chrom_line.startswith("#CHROM"):
        raise VcfFormatError(
            f"the header has no '#CHROM' line (read {len(lines)} header lines)",
            path=path, line=len(lines) + 1, field="header",
        )
    columns = chrom_line.split("\t")
    if tuple(columns[:8]) != _FIXED:
        raise VcfFormatError(
            f"the #CHROM line must start with the tab-separated columns {' '.join(_FIXED)}, "
            f"found {' '.join(columns[:8])!r}",
            path=path, line=len(lines), field="#CHROM",
        )
    has_format = len(columns) > 8
    if has_format and columns[8] != "FORMAT":
        raise VcfFormatError(
            f"column 9 of the #CHROM line must be FORMAT, found {columns[8]!r}",
            path=path, line=len(lines), field="#CHROM",
        )
    samples = tuple(columns[9:])
    if len(set(samples)) != len(samples):
        seen: set[str] = set()
        index = next(i for i, s in enumerate(samples) if s in seen or seen.add(s))  # type: ignore[func-returns-value]
        raise VcfFormatError(
            f"sample column {index + 1} repeats an earlier sample name", path=path, line=len(lines),
            field="#CHROM",
        )
    contigs: dict[str, int | None] = {}
    assemblies: dict[str, str] = {}
    info: dict[str, FieldDef] = {}
    fmt: dict[str, FieldDef] = {}
    for line in lines[1:-1]:
        match = _STRUCTURED.match(line)
        if not match:
            continue
        kind, body = match.groups()
        attrs = _attributes(body)
        if "ID" not in attrs:
            continue
        if kind == "contig":
            length = attrs.get("length")
            contigs[attrs["ID"]] = int(length) if length and length.isdigit() else None
            if attrs.get("assembly"):
                assemblies[attrs["ID"]] = attrs["assembly"]
        else:
            target = info if kind == "INFO" else fmt
            target[attrs["ID"]] = FieldDef(
                attrs["ID"], attrs.get("Number", "."), attrs.get("Type", "String"),
                attrs.get("Description", ""),
            )
    return VcfHeader(tuple(lines[:-1]), samples, has_format, contigs, info, fmt, len(lines), assemblies)


def detect_genome_build(header: VcfHeader, *, path: str, requested: str | None = None) -> str | None:
    """Detect the genome build from the header: ``##contig`` lengths, ``assembly=``, ``##reference``.

    The build alone; :func:`infer_genome_build` also says which header lines decided.

    Parameters
    ----------
    header, path, requested
        As in :func:`infer_genome_build`.

    Returns
    -------
    str or None
        The build, or None when the header gives no evidence and none was requested.

    Raises
    ------
    GenomeBuildError
        As :func:`infer_genome_build`.

    Examples
    --------
    >>> h = parse_header("##fileformat=VCFv4.2\\n##contig=<ID=chr1,length=249250621>\\n"
    ...                  "#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO", path="x.vcf")
    >>> detect_genome_build(h, path="x.vcf")
    'GRCh37'
    """
    return infer_genome_build(header, path=path, requested=requested)[0]


def _by_lengths(header: VcfHeader, builds: tuple[str, str], *, path: str) -> tuple[str | None, str]:
    votes = {build: 0 for build in builds}
    tables = {build: contig_lengths(build) for build in builds}
    for name, length in header.contigs.items():
        if length is None:
            continue
        key = normalize_contig(name)
        for build in builds:
            other = builds[1 - builds.index(build)]
            known = tables[build].get(key)
            if known is not None and known == length and tables[other].get(key) != length:
                votes[build] += 1
    found = [b for b in builds if votes[b] > 0]
    if len(found) == 2:
        raise GenomeBuildError(
            f"{path}: the ##contig lengths match GRCh38 for {votes['GRCh38']} contigs and GRCh37 "
            f"for {votes['GRCh37']}; the header mixes builds"
        )
    return (found[0], f"##contig lengths ({votes[found[0]]} contigs)") if found else (None, "")


def _by_assembly(header: VcfHeader, builds: tuple[str, str], *, path: str) -> tuple[str | None, str]:
    named: dict[str, list[str]] = {build: [] for build in builds}
    for name, assembly in header.contig_assemblies.items():
        hits = [b for b in builds if _BUILD_WORDS[b].search(assembly)]
        if len(hits) == 1:
            named[hits[0]].append(assembly)
    found = [b for b in builds if named[b]]
    if len(found) == 2:
        raise GenomeBuildError(
            f"{path}: the ##contig assembly= attributes name GRCh38 ({named['GRCh38'][0]}) for "
            f"{len(named['GRCh38'])} contigs and GRCh37 ({named['GRCh37'][0]}) for {len(named['GRCh37'])}; "
            "the header mixes builds"
        )
    if not found:
        return None, ""
    build = found[0]
    return build, f"##contig assembly={named[build][0]} ({len(named[build])} contigs)"


def infer_genome_build(header: VcfHeader, *, path: str,
                       requested: str | None = None) -> tuple[str | None, str | None]:
    """The genome build a VCF header declares, and the header lines that say so.

    In order: ``##contig`` lengths, ``##contig`` ``assembly=`` attributes (``GRCh38.p14``,
    ``hg19``, ``b37``, ...), and a ``##reference`` naming a build (a file name or URL
    containing GRCh38, hg38, GRCh37, hg19, b37, ...). When a build is requested it is
    checked against the header's evidence. A header without evidence gives
    ``(None, None)``; :func:`pgx.read_vcf` then looks at the records' REF bases.

    Parameters
    ----------
    header : VcfHeader
    path : str
        The file, for error messages.
    requested : {"GRCh38", "GRCh37"}, optional
        The build the caller says the file uses.

    Returns
    -------
    build : str or None
        ``"GRCh38"``, ``"GRCh37"``, or None when the header gives no evidence and none was requested.
    evidence : str or None
        How the build was found: ``"##contig lengths (8 contigs)"``,
        ``"##contig assembly=GRCh38.p14 (13 contigs)"``, ``"##reference=..."``,
        ``"given by the caller"``; None with no build.

    Raises
    ------
    GenomeBuildError
        If the requested build is unknown or contradicts the header, or the header
        contradicts itself.

    Examples
    --------
    >>> h = parse_header("##fileformat=VCFv4.2\\n##contig=<ID=chr1,assembly=GRCh38.p14>\\n"
    ...                  "#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO", path="x.vcf")
    >>> infer_genome_build(h, path="x.vcf")
    ('GRCh38', '##contig assembly=GRCh38.p14 (1 contigs)')
    """
    builds = ("GRCh38", "GRCh37")
    if requested is not None and requested not in builds:
        raise GenomeBuildError(f"unknown genome build {requested!r}; expected one of {list(builds)}")
    detected, evidence = _by_lengths(header, builds, path=path)
    if detected is None:
        detected, evidence = _by_assembly(header, builds, path=path)
    if detected is None and header.reference:
        hits = [b for b in builds if _BUILD_WORDS[b].search(header.reference)]
        if len(hits) == 1:
            detected, evidence = hits[0], f"##reference={header.reference}"
    if requested is not None and detected is not None and requested != detected:
        raise GenomeBuildError(
            f"{path}: genome_build={requested!r} was requested but the file's {evidence} "
            f"say {detected}; pass genome_build={detected!r} or lift the file over to {requested}"
        )
    if requested is not None:
        return requested, "given by the caller"
    return detected, (evidence or None)
