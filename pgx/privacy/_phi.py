"""Scan text outputs for identifiers and HIPAA Safe Harbor patterns."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from pgx.privacy._atomic import PathLike
from pgx.privacy._patterns import EMAIL_RE, PATH_RE, date_spans

__all__ = ["PhiKind", "PHI_KINDS", "PhiFinding", "phi_check", "phi_check_text", "read_identifiers"]

PhiKind = Literal["identifier", "name", "mrn", "ssn", "date", "email", "phone", "address", "zip", "ip", "path"]
#: every kind :func:`phi_check` looks for
PHI_KINDS: tuple[str, ...] = (
    "identifier", "name", "mrn", "ssn", "date", "email", "phone", "address", "zip", "ip", "path",
)

_SEP = r"(?:[^A-Za-z0-9<\n]|<[^>\n]{0,60}>){0,40}?"
_MRN_LABEL = (
    r"(?:\bmrn|\bmedical[\s_-]*record(?:[\s_-]*(?:number|no|num|id))?|\brecord[\s_-]*(?:number|no|num|id)"
    r"|\bpatient(?:[\s_-]*(?:id|number|no|num|\#))?|\bchart[\s_-]*(?:number|no|id)|\baccount[\s_-]*(?:number|no|id)"
    r"|\bacct|\bmember[\s_-]*(?:id|number|no)|\bnhs[\s_-]*(?:number|no)|\bhealth[\s_-]*plan[\s_-]*(?:id|number|no)"
    r"|\bbeneficiary[\s_-]*(?:id|number|no))"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "mrn": re.compile(rf"(?i){_MRN_LABEL}{_SEP}(?P<value>[A-Z]{{0,3}}\d{{5,12}})(?![\w])"),
    "ssn": re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"),
    "email": EMAIL_RE,
    "phone": re.compile(
        r"(?<![\w+.-])(?:\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?![\w.-])"
        r"|(?<![\w+])\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){2,5}(?![\w.-])"
    ),
    "address": re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr"
        r"|Court|Ct|Way|Place|Pl|Terrace|Square|Sq|Highway|Hwy|Parkway|Pkwy)\b\.?"
        r"|\bP\.?\s?O\.?\s+Box\s+\d+\b",
    ),
    "zip": re.compile(r"(?i)\b(?:zip(?:[\s_-]*code)?|post(?:al)?[\s_-]*code)" + _SEP + r"(?P<value>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b"),
    "ip": re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"),
    "path": PATH_RE,
}
_LABELLED_COLUMN = re.compile(rf"(?i)^(?:{_MRN_LABEL}|ssn|dob|date[\s_-]*of[\s_-]*birth|birth[\s_-]*date|name|patient[\s_-]*name)$")
_EXCERPT = 30
# a pgx pseudonym (pgx.privacy.Pseudonymizer): what a pseudonymised id column should hold
_PSEUDONYM_TOKEN = re.compile(r"^(?:P|S|SP)-[A-Z2-7]{12}$")


@dataclass(frozen=True)
class PhiFinding:
    """One suspected identifier in an output file.

    Attributes
    ----------
    path : str
        The file.
    line : int
        1-based line number.
    column : int
        1-based character column of the match in that line (after HTML entity decoding for HTML).
    kind : str
        One of :data:`PHI_KINDS`.
    excerpt : str
        Up to 30 characters either side, every suspected identifier replaced by ``[kind]``.

    Examples
    --------
    >>> PhiFinding("r.tsv", 2, 5, "email", "mail: [email]")
    PhiFinding(path='r.tsv', line=2, column=5, kind='email', excerpt='mail: [email]')
    """

    path: str
    line: int
    column: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.kind}: {self.excerpt}"


def _literal_pattern(values: Iterable[str], *, names: bool) -> Optional[re.Pattern[str]]:
    alternatives = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        words = value.split()
        alternatives.append(r"\s+".join(re.escape(w) for w in words))
        if names and len(words) >= 2:  # "Jane Q Doe" also as "Doe, Jane Q"
            alternatives.append(r"\s*,\s*".join([re.escape(words[-1]), r"\s+".join(re.escape(w) for w in words[:-1])]))
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(alternatives) + r")(?![A-Za-z0-9])", re.IGNORECASE)


def _line_spans(text: str, kinds: set[str], literals: dict[str, re.Pattern[str]]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in literals.items():
        spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    if "date" in kinds:
        spans += [(s, e, "date") for s, e in date_spans(text)]
    for kind, pattern in _PATTERNS.items():
        if kind in kinds:
            for m in pattern.finditer(text):
                start, end = m.span("value") if "value" in pattern.groupindex else m.span()
                spans.append((start, end, kind))
    # keep the first-listed kind for identical spans, drop spans inside another
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def _excerpt(text: str, spans: list[tuple[int, int, str]], index: int) -> str:
    start, end, _ = spans[index]
    lo, hi = max(0, start - _EXCERPT), min(len(text), end + _EXCERPT)
    out, pos = [], lo
    for s, e, kind in spans:
        if e <= lo or s >= hi:
            continue
        out.append(text[pos:max(pos, s)])
        out.append(f"[{kind}]")
        pos = max(pos, e)
    out.append(text[pos:hi])
    # a match cut at the window's edge must not show its remainder
    excerpt = "".join(out)
    return excerpt.replace("\t", " ").strip()


def phi_check_text(
    text: str,
    *,
    path: str = "<text>",
    identifiers: Iterable[str] = (),
    names: Iterable[str] = (),
    kinds: Sequence[str] = PHI_KINDS,
    html_text: bool = False,
) -> list[PhiFinding]:
    """Scan one text for identifiers and Safe Harbor patterns; see :func:`phi_check` for the rules.

    Examples
    --------
    >>> for f in phi_check_text("MRN: 00123456\\nchr10:94781859 rs4244285 *2/*17\\n"):
    ...     print(f)
    <text>:1:6: mrn: MRN: [mrn]
    """
    unknown = set(kinds) - set(PHI_KINDS)
    if unknown:
        raise ValueError(f"unknown PHI kinds {sorted(unknown)}; expected some of {list(PHI_KINDS)}")
    kind_set = set(kinds)
    literals: dict[str, re.Pattern[str]] = {}
    if "identifier" in kind_set and (p := _literal_pattern(identifiers, names=False)):
        literals["identifier"] = p
    if "name" in kind_set and (p := _literal_pattern(names, names=True)):
        literals["name"] = p
    findings: list[PhiFinding] = []
    labelled_columns: set[int] = set()
    is_tsv = path.lower().endswith((".tsv", ".tab"))
    for number, line in enumerate(text.splitlines(), start=1):
        if html_text:
            line = html.unescape(line)
        spans = _line_spans(line, kind_set, literals)
        if is_tsv and ({"mrn", "date", "name"} & kind_set):
            cells = line.split("\t")
            if number == 1:
                labelled_columns = {i for i, c in enumerate(cells) if _LABELLED_COLUMN.match(c.strip())}
            else:
                offset = 0
                for i, cell in enumerate(cells):
                    if (i in labelled_columns and cell.strip() and not _PSEUDONYM_TOKEN.match(cell.strip())
                            and not any(s < offset + len(cell) and e > offset for s, e, _ in spans)):
                        spans.append((offset, offset + len(cell), "mrn"))
                    offset += len(cell) + 1
                spans.sort()
        for index, (start, _, kind) in enumerate(spans):
            findings.append(PhiFinding(path, number, start + 1, kind, _excerpt(line, spans, index)))
    return findings


def phi_check(
    paths: Iterable[PathLike],
    *,
    identifiers: Iterable[str] = (),
    names: Iterable[str] = (),
    kinds: Sequence[str] = PHI_KINDS,
) -> list[PhiFinding]:
    """Scan text outputs (HTML, JSON, FHIR JSON, TSV, SVG, ...) for identifiers and Safe Harbor patterns.

    Folders are searched recursively. Each line is scanned (HTML entities decoded first
    for ``.html``) for these kinds:

    ``identifier``
        Each given identifier, case-insensitive, not inside a longer letter/digit run
        (``SAMPLE_A`` is found in ``SAMPLE_A.html`` but not in ``SAMPLE_AB``).
    ``name``
        Each given name, whitespace-flexible, also as ``Last, First``.
    ``mrn``
        A run of 5-12 digits (up to 3 letters before) that follows a record label within
        40 characters of punctuation or HTML tags: MRN, medical record, record number,
        patient (id/number), chart, account, member id, NHS number, health plan or
        beneficiary number. Bare numbers are never flagged, so genomic positions
        (94781859), rsIDs (rs4244285) and star alleles (``*17``) pass. In TSV, every value
        under a column headed by such a label (or ``ssn``, ``dob``, ``name``) is flagged,
        except pgx pseudonyms (``P-``, ``S-`` or ``SP-`` and 12 base32 characters).
    ``ssn``
        ``ddd-dd-dddd``.
    ``date``
        A date more precise than the year: ``YYYY-MM-DD`` (also inside timestamps),
        ``YYYY/MM/DD``, ``DD/MM/YYYY``, ``MM/DD/YY``, ``DD.MM.YYYY``, ``12 Mar 2024``,
        ``March 12, 2024``, with a valid month and day, and ``YYYYMMDD`` after a date label.
        A year alone (``2024``) or a year and month as a version (``2026.11.0``) is allowed.
    ``email``, ``phone``
        E-mail addresses; phone numbers with separators (``(555) 123-4567``,
        ``555-123-4567``, ``+44 20 7946 0958``). Digit runs without separators are not phones.
    ``address``
        A house number, capitalised words and a street type (``12 Main Street``), or a PO Box.
    ``zip``
        A postal code after a zip/postcode label.
    ``ip``
        An IPv4 address not inside a longer dotted number.
    ``path``
        An absolute file path (``/data/x.vcf``, ``C:\\x``, ``~/x``, ``file://``): it can
        carry a patient's name.

    Parameters
    ----------
    paths : iterable of path
        Files or folders.
    identifiers : iterable of str
        Exact identifiers to look for (sample names, MRNs, accession numbers).
    names : iterable of str
        Person names to look for.
    kinds : sequence of str
        The kinds to check, default all of :data:`PHI_KINDS`.

    Returns
    -------
    list of PhiFinding
        Sorted by file, line and column; empty when the outputs are clean.

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    ValueError
        If ``kinds`` names an unknown kind.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "r.json"), "w") as out:
    ...     _ = out.write('{"sample": "NA12878", "pos": 94781859, "contact": "jd@example.org"}')
    >>> for finding in phi_check([folder], identifiers=["NA12878"]):
    ...     print(finding.kind, finding.excerpt)
    identifier {"sample": "[identifier]", "pos": 94781859, "contact":
    email "pos": 94781859, "contact": "[email]"}
    """
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder to check")
    identifiers, names = list(identifiers), list(names)
    findings: list[PhiFinding] = []
    for file in files:
        data = file.read_bytes()
        if b"\x00" in data[:8192]:
            continue  # binary (e.g. gzip): not a text output
        text = data.decode("utf-8", errors="replace")
        findings += phi_check_text(
            text, path=str(file), identifiers=identifiers, names=names, kinds=kinds,
            html_text=file.suffix.lower() in (".html", ".htm", ".svg", ".xml"),
        )
    return findings


def read_identifiers(path: PathLike) -> list[str]:
    """Read identifiers for :func:`phi_check`, one a line (blank lines and ``#`` comments skipped).

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp(), "ids.txt")
    >>> _ = path.write_text("# raw ids\\nSAMPLE_A\\n\\nMRN 123456\\n")
    >>> read_identifiers(path)
    ['SAMPLE_A', 'MRN 123456']
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
