"""``validate``: every problem of a VCF file in one pass, as a table (line, field, severity, message).

The checks follow the VCF specification, versions 4.1 to 4.5 (the version is the one the
file's ``##fileformat`` line declares). Severity ``error``: the data cannot be read as the
writer meant (a malformed value, a genotype naming an allele the record lacks, a header
line that defines nothing); ``warning``: it can, but something is off (an undeclared key,
unsorted or duplicated records, a missing final newline).

The file is streamed line by line (plain text, gzip or BGZF); memory holds one line, the
header's definitions, the records at the current position and at most ``max_per_check``
problems of each kind. BCF files are decoded by pysam and their text checked.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from math import comb

import polars as pl

from pgx._typing import PathLike
from pgx.exceptions import VcfFormatError
from pgx.io._source import BGZF_EOF, sniff
from pgx.reference._paths import reference_dir

__all__ = ["validate", "first_error"]

SCHEMA = {"line": pl.Int64, "field": pl.String, "severity": pl.String, "message": pl.String}
_FIXED = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_TYPES = ("Integer", "Float", "Flag", "Character", "String")
_NUMBER = re.compile(r"^(?:\d+|[ARG.])$")
#: Number codes added by VCF 4.4 (P: ploidy) and 4.5 (local alleles, base modifications)
_NUMBER_45 = re.compile(r"^(?:\d+|[ARGP.M]|LA|LR|LG)$")
_KEY = re.compile(r"^[A-Za-z_][0-9A-Za-z_.]*$")
_META_KEY = re.compile(r"^[A-Za-z][0-9A-Za-z_.\-]*$")
#: contig names (VCF 4.3 and later; the SAM reference-name rule)
_CONTIG_43 = re.compile(r"^[0-9A-Za-z!#$%&+./:;?@^_|~\-][0-9A-Za-z!#$%&*+./:;=?@^_|~\-]*$")
_BASES = re.compile(r"^[ACGTNacgtn]+$")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[Nn][Aa][Nn]|[Ii][Nn][Ff](?:inity)?)$")
_GT = re.compile(r"^[/|]?(?:\.|\d+)(?:[/|](?:\.|\d+))*$")
_BREAKEND = re.compile(r"^(?:(?P<pre>[ACGTNacgtn]+)(?P<b1>[\[\]])(?P<m1>[^\[\]]+)(?P<c1>[\[\]])"
                       r"|(?P<b2>[\[\]])(?P<m2>[^\[\]]+)(?P<c2>[\[\]])(?P<post>[ACGTNacgtn]+))$")
_SINGLE_BREAKEND = re.compile(r"^(?:\.[ACGTNacgtn]+|[ACGTNacgtn]+\.)$")
_CIGAR = re.compile(r"^(?:\d+[MIDNSHP=X])+$")
_SV_TYPES = ("DEL", "INS", "DUP", "INV", "CNV", "BND")
_INT32_MIN_VALID = -(2**31) + 8  # the 8 lowest int32 values are reserved by BCF
_INT32_MAX = 2**31 - 1
_STRUCTURED_REQUIRED = ("INFO", "FORMAT", "FILTER", "ALT", "contig")
#: recent records kept for the duplicate check: a record this far behind is not compared
_DUPLICATE_WINDOW = 1000


@dataclass(frozen=True)
class _Def:
    number: str
    type: str
    #: from the specification's table of reserved keys, not from the file's header
    reserved: bool = False


@lru_cache(maxsize=1)
def _reserved() -> dict[str, dict[str, _Def]]:
    """The INFO and FORMAT keys the specification reserves (``reference/vcf/reserved_keys.tsv``)."""
    path = reference_dir() / "vcf" / "reserved_keys.tsv"
    table: dict[str, dict[str, _Def]] = {"INFO": {}, "FORMAT": {}}
    with open(path, encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    for section, key, number, kind, _versions in rows[1:]:
        table[section][key] = _Def(number, kind, True)
    return table


class _FirstError(Exception):
    """Ends a pass that only wants the first error."""


@dataclass
class _Problems:
    """The table being built, with at most ``cap`` rows of each kind of problem."""

    cap: int | None
    #: stop the pass at the first error (``first_error``)
    stop: bool = False
    rows: list[tuple[int | None, str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, tuple[int | None, str]] = field(default_factory=dict)

    def add(self, line: int | None, where: str, severity: str, message: str, kind: str | None = None) -> None:
        kind = kind or f"{where}|{message[:24]}"
        seen = self.counts.get(kind, 0) + 1
        self.counts[kind] = seen
        if seen == 1:
            self.first[kind] = (line, where)
        if self.cap is None or seen <= self.cap:
            self.rows.append((line, where, severity, message))
        if self.stop and severity == "error":
            raise _FirstError

    def summary_rows(self) -> None:
        for kind, seen in self.counts.items():
            if self.cap is not None and seen > self.cap:
                line, where = self.first[kind]
                self.rows.append((None, where, "warning",
                                  f"{seen - self.cap} more problem(s) like the one on line {line} not listed "
                                  f"({seen} in all; pass max_per_check=None to list them)"))


def _lines(path: str, kind: str, problems: _Problems) -> Iterator[tuple[int, str, bool]]:
    """``(line number, text without line end, ended by a newline)`` for each line of the file."""
    if kind == "bcf":
        yield from _bcf_lines(path, problems)
        return
    if kind == "bgzf":
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            handle.seek(max(0, size - len(BGZF_EOF)))
            if handle.read() != BGZF_EOF:
                problems.add(None, "file", "error", "the BGZF stream does not end with the end-of-file block: the "
                             "file is truncated and records may be missing")
    handle = open(path, "rb") if kind == "vcf" else gzip.open(path, "rb")
    number = 0
    try:
        with handle:
            for raw in handle:
                number += 1
                ended = raw.endswith(b"\n")
                raw = raw[:-1] if ended else raw
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    problems.add(number, "file", "warning",
                                 f"not valid UTF-8 text (byte {exc.start + 1} of the line); the specification "
                                 "asks for UTF-8", kind="utf8")
                    text = raw.decode("utf-8", "replace")
                yield number, text, ended
    except EOFError:
        problems.add(number + 1, "file", "error", "the compressed stream ends early (truncated gzip/BGZF data)")
    except (OSError, zlib.error) as exc:
        problems.add(number + 1, "file", "error", f"corrupt gzip/BGZF data: {exc}")


def _bcf_lines(path: str, problems: _Problems) -> Iterator[tuple[int, str, bool]]:
    import pysam

    try:
        handle = pysam.VariantFile(path)
    except (OSError, ValueError) as exc:
        problems.add(None, "file", "error", f"cannot be read as BCF: {exc}")
        return
    number = 0
    with handle:
        for line in str(handle.header).splitlines():
            number += 1
            yield number, line, True
        try:
            for record in handle:
                number += 1
                yield number, str(record).rstrip("\n"), True
        except (OSError, ValueError) as exc:
            problems.add(number + 1, "file", "error", f"BCF record cannot be decoded: {exc}")


def _attributes(body: str) -> tuple[list[tuple[str, str, bool]], str | None]:
    """Split the inside of ``<...>`` into ``(key, value, was_quoted)``; an error message or None."""
    pairs: list[tuple[str, str, bool]] = []
    i, n = 0, len(body)
    while i < n:
        eq = body.find("=", i)
        comma = body.find(",", i)
        if eq < 0 or (0 <= comma < eq):
            stop = comma if comma >= 0 else n
            return pairs, f"attribute {body[i:stop]!r} has no '=value'"
        key = body[i:eq]
        i = eq + 1
        if i < n and body[i] == '"':
            j = i + 1
            chars = []
            while j < n and body[j] != '"':
                if body[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(body[j])
                j += 1
            if j >= n:
                return pairs, f"the quoted value of {key} has no closing '\"'"
            pairs.append((key, "".join(chars), True))
            i = j + 1
            if i < n and body[i] != ",":
                return pairs, (f"unexpected text {body[i:i + 20]!r} after the quoted value of {key} "
                               "(a '\"' inside a value must be escaped as \\\")")
        elif i < n and body[i] == "[":
            j = body.find("]", i)
            if j < 0:
                return pairs, f"the value of {key} opens '[' but never closes it"
            pairs.append((key, body[i:j + 1], False))
            i = j + 1
        else:
            j = body.find(",", i)
            j = n if j < 0 else j
            pairs.append((key, body[i:j], False))
            i = j
        if i < n:
            i += 1  # the comma
    return pairs, None


class _Validator:
    def __init__(self, path: str, cap: int | None, stop: bool = False) -> None:
        self.path = path
        self.problems = _Problems(cap, stop)
        self.version = (4, 3)
        self.info: dict[str, _Def] = {}
        self.format: dict[str, _Def] = {}
        self.filters: set[str] = {"PASS"}
        self.contigs: dict[str, int | None] = {}
        self.samples: list[str] = []
        self.has_format = False
        self.header_done = False
        self.n_columns = 8
        # ordering and duplicates
        self.chrom: str | None = None
        self.pos = -1
        self.done_chroms: set[str] = set()
        self.recent: dict[tuple, tuple[int, str | None]] = {}
        self.recent_order: deque[tuple[int, tuple]] = deque()
        self.records = 0
        self.warned_undeclared: set[tuple[str, str]] = set()
        self.fast: dict[tuple[str, int], re.Pattern | None] = {}

    def add(self, line, where, severity, message, kind=None) -> None:
        self.problems.add(line, where, severity, message, kind)

    # -- header ------------------------------------------------------------------------------
    def fileformat(self, number: int, text: str) -> bool:
        match = re.match(r"^##fileformat=VCFv(\d+)\.(\d+)$", text)
        if not text.startswith("##fileformat="):
            self.add(number, "header", "error",
                     f"expected '##fileformat=VCFv4.x' as the first line, found {text[:40]!r}")
            return text.startswith("##")
        if not match:
            self.add(number, "header", "error",
                     f"expected '##fileformat=VCFv4.x', found {text[:40]!r}")
            return True
        major, minor = int(match[1]), int(match[2])
        self.version = (major, minor)
        if major != 4:
            self.add(number, "header", "error", f"VCF version {major}.{minor} is not 4.x; pgx reads VCF 4.1 to 4.5")
        elif minor == 0 or minor > 5:
            self.add(number, "header", "warning",
                     f"VCF version 4.{minor} is outside 4.1-4.5; checked against the nearest ({'4.1' if minor == 0 else '4.5'})")
            self.version = (4, 1) if minor == 0 else (4, 5)
        return True

    def meta(self, number: int, text: str) -> None:
        if "=" not in text[2:]:
            self.add(number, "header", "warning", f"meta-information line is not ##key=value: {text[:60]!r}",
                     kind="meta-kv")
            return
        key, value = text[2:].split("=", 1)
        if not _META_KEY.match(key):
            self.add(number, "header", "warning", f"meta-information key {key[:30]!r} is not a valid key "
                     "(letters, digits, '_', '.', '-', starting with a letter)", kind="meta-key")
        if key == "fileformat":
            self.add(number, "header", "error", "a second ##fileformat line")
            return
        if value == "":
            self.add(number, "header", "warning", f"##{key} has an empty value", kind="meta-empty")
            return
        required = key in _STRUCTURED_REQUIRED
        severity = "error" if required else "warning"
        if key in ("assembly", "pedigreeDB") and value.strip("<>") == "":
            self.add(number, f"header {key}", "warning", f"##{key} has an empty value")
            return
        if key not in (*_STRUCTURED_REQUIRED, "META", "SAMPLE", "PEDIGREE"):
            return  # other meta lines are free-form
        if not value.startswith("<"):
            if required:
                self.add(number, f"header {key}", "error", f"##{key} lines must be ##{key}=<ID=...,...>, "
                         f"found {value[:40]!r}")
            return
        if not value.endswith(">"):
            self.add(number, f"header {key}", severity, f"##{key}=<...> is not closed by '>'")
            return
        pairs, problem = _attributes(value[1:-1])
        if problem:
            self.add(number, f"header {key}", severity, f"##{key}: {problem}")
            return
        attrs = {k: (v, q) for k, v, q in pairs}
        keys = [k for k, _, _ in pairs]
        if len(set(keys)) != len(keys):
            self.add(number, f"header {key}", severity, f"##{key} repeats an attribute")
        if key in ("INFO", "FORMAT"):
            self.definition(number, key, attrs, keys)
        elif key == "FILTER":
            self.require_id(number, key, attrs, keys)
            if "ID" in attrs:
                self.filters.add(attrs["ID"][0])
                if attrs["ID"][0] == "0":
                    self.add(number, "header FILTER", "error", "FILTER ID '0' is reserved")
            if "Description" not in attrs:
                self.add(number, "header FILTER", "warning", "##FILTER has no Description")
        elif key == "ALT":
            self.alt_definition(number, attrs, keys)
        elif key == "contig":
            self.contig_definition(number, attrs, keys)
        elif key == "META":
            self.meta_definition(number, attrs, keys)
        elif key == "SAMPLE":
            self.require_id(number, key, attrs, keys, severity="warning")
            sample = attrs.get("ID", ("", False))[0]
            if sample and (re.search(r"[\s,]", sample) or (self.version >= (4, 3) and not _CONTIG_43.match(sample))
                           or "*" in sample):
                self.add(number, "header SAMPLE", "warning", f"##SAMPLE ID {sample!r} holds characters an ID may "
                         "not (whitespace, ',', '*', ...)")
        elif key == "PEDIGREE":
            if self.version >= (4, 3):
                self.require_id(number, key, attrs, keys, severity="warning")
            for name, (val, quoted) in attrs.items():
                if not quoted and not re.match(r"^[\w.\-]+$", val):
                    self.add(number, "header PEDIGREE", "warning",
                             f"##PEDIGREE {name}={val[:30]!r}: a sample or genome ID holds whitespace or punctuation")

    def require_id(self, number, key, attrs, keys, *, severity: str = "error", first: bool = True) -> bool:
        if "ID" not in attrs:
            self.add(number, f"header {key}", severity, f"##{key} has no ID")
            return False
        if first and keys[0] != "ID":
            self.add(number, f"header {key}", "warning", f"##{key}: ID should be the first attribute, found {keys[0]}")
        return True

    def definition(self, number, key, attrs, keys) -> None:
        where = f"header {key}"
        if not self.require_id(number, key, attrs, keys):
            return
        ident = attrs["ID"][0]
        if not (_KEY.match(ident) or (key == "INFO" and ident == "1000G")):
            sev = "error" if self.version >= (4, 3) else "warning"
            self.add(number, where, sev, f"##{key} ID {ident!r} is not a valid key "
                     "(a letter or '_', then letters, digits, '_' or '.')")
        order = [k for k in keys if k in ("ID", "Number", "Type", "Description")]
        if order != [k for k in ("ID", "Number", "Type", "Description") if k in attrs]:
            self.add(number, where, "warning", f"##{key} attributes should come as ID, Number, Type, Description; "
                     f"found {', '.join(order)}")
        number_value = attrs.get("Number", (None, False))[0]
        type_value = attrs.get("Type", (None, False))[0]
        pattern = _NUMBER_45 if self.version >= (4, 4) else _NUMBER
        if number_value is None or not pattern.match(number_value):
            self.add(number, where, "error", f"##{key} {ident}: Number must be a whole number, A, R, G or '.', "
                     f"found {number_value!r}")
            number_value = "."
        allowed = _TYPES if key == "INFO" else tuple(t for t in _TYPES if t != "Flag")
        if type_value not in allowed:
            self.add(number, where, "error", f"##{key} {ident}: Type must be one of {', '.join(allowed)}, "
                     f"found {type_value!r}")
            type_value = "String"
        if type_value == "Flag" and number_value != "0":
            self.add(number, where, "warning", f"##INFO {ident}: a Flag should have Number=0, found {number_value}")
        if "Description" not in attrs:
            self.add(number, where, "error", f"##{key} {ident} has no Description")
        elif not attrs["Description"][1]:
            self.add(number, where, "warning", f"##{key} {ident}: the Description must be in double quotes")
        reserved = _reserved()[key].get(ident)
        if reserved is not None and (reserved.type != type_value or reserved.number != number_value):
            self.add(number, where, "warning",
                     f"##{key} {ident} is declared Number={number_value},Type={type_value}; the specification "
                     f"reserves {ident} as Number={reserved.number},Type={reserved.type}")
        target = self.info if key == "INFO" else self.format
        if ident in target:
            self.add(number, where, "warning", f"##{key} {ident} is declared twice; the last declaration is used")
        target[ident] = _Def(number_value, type_value)

    def alt_definition(self, number, attrs, keys) -> None:
        if not self.require_id(number, "ALT", attrs, keys):
            return
        ident = attrs["ID"][0]
        if re.search(r"[\s,<>]", ident):
            self.add(number, "header ALT", "error",
                     f"##ALT ID {ident[:30]!r} holds whitespace, a comma or an angle bracket")
        elif ":" in ident and ident.split(":")[0] not in _SV_TYPES:
            self.add(number, "header ALT", "warning",
                     f"##ALT ID {ident[:30]!r}: a structural-variant type must start with one of {', '.join(_SV_TYPES)}")
        extra = [k for k in keys if k not in ("ID", "Description")]
        if any(k in ("Number", "Type") for k in extra):
            self.add(number, "header ALT", "warning", "##ALT lines take ID and Description only, found "
                     + ", ".join(extra))
        if "Description" in attrs and not attrs["Description"][1]:
            self.add(number, "header ALT", "warning", "##ALT: the Description must be in double quotes")

    def contig_definition(self, number, attrs, keys) -> None:
        if not self.require_id(number, "contig", attrs, keys, first=False):
            return
        ident = attrs["ID"][0]
        problem = self.contig_name_problem(ident)
        if problem:
            self.add(number, "header contig", "error", f"##contig ID {ident[:30]!r} {problem}")
        length = attrs.get("length", (None, False))[0]
        if length is not None and not length.isdigit():
            self.add(number, "header contig", "error", f"##contig {ident}: length must be a whole number, "
                     f"found {length[:20]!r}")
            length = None
        if ident in self.contigs:
            self.add(number, "header contig", "warning", f"##contig {ident} is declared twice")
        self.contigs[ident] = int(length) if length else None

    def meta_definition(self, number, attrs, keys) -> None:
        if not self.require_id(number, "META", attrs, keys, severity="warning"):
            return
        if attrs.get("Number", ("",))[0] not in (".",) and not _NUMBER.match(attrs.get("Number", ("",))[0]):
            self.add(number, "header META", "warning", f"##META Number must be a whole number or '.', "
                     f"found {attrs.get('Number', ('',))[0]!r}")
        if attrs.get("Type", ("",))[0] not in _TYPES:
            self.add(number, "header META", "warning", f"##META Type must be one of {', '.join(_TYPES)}")
        values = attrs.get("Values", ("",))[0]
        if not (values.startswith("[") and values.endswith("]")):
            self.add(number, "header META", "warning", "##META Values must be a list in square brackets")

    def contig_name_problem(self, name: str) -> str | None:
        if name.startswith("<") and name.endswith(">") and len(name) > 2:
            name = name[1:-1]  # an angle-bracketed ID of a contig in an assembly file
        if name == "":
            return "is empty"
        if re.search(r"\s", name):
            return "contains whitespace"
        if "," in name:
            return "contains a comma"
        if self.version >= (4, 3):
            if not _CONTIG_43.match(name):
                return "contains a character a contig name may not (\\ , \" ` ' ( ) [ ] { } < > or a leading * or =)"
            return None
        if re.search(r"[<>\[\]]", name):
            return "contains an angle bracket or square bracket"
        if ":" in name:
            return "contains a colon"
        return None

    def chrom_line(self, number: int, text: str) -> None:
        columns = text.split("\t")
        if tuple(columns[:8]) != _FIXED:
            self.add(number, "header", "error", "the #CHROM line must start with the tab-separated columns "
                     f"{' '.join(_FIXED)}, found {' '.join(columns[:8])[:80]!r}")
        if len(columns) > 8 and columns[8] != "FORMAT":
            self.add(number, "header", "error", f"column 9 of the #CHROM line must be FORMAT, found {columns[8]!r}")
        self.has_format = len(columns) > 8
        self.samples = columns[9:]
        if self.has_format and not self.samples:
            self.add(number, "header", "warning", "the #CHROM line has a FORMAT column but no sample columns")
        seen: set[str] = set()
        for index, name in enumerate(self.samples, start=1):
            if name == "" or name != name.strip():
                self.add(number, f"sample {index}", "error", f"sample column {index} has an empty or padded name")
            if name in seen:
                self.add(number, f"sample {index}", "error", f"sample column {index} repeats an earlier sample name")
            seen.add(name)
        self.n_columns = len(columns)
        self.header_done = True

    # -- records -----------------------------------------------------------------------------
    def record(self, number: int, text: str) -> None:
        self.records += 1
        if text == "":
            self.add(number, "line", "error", "empty line among the records", kind="empty-line")
            return
        if text.startswith("#"):
            self.add(number, "CHROM", "error", "a header line ('#...') appears after the #CHROM line")
            return
        cols = text.split("\t")
        if len(cols) != self.n_columns:
            detail = f"8 fixed + FORMAT + {len(self.samples)} samples" if self.has_format else "8 fixed, no FORMAT"
            self.add(number, "line", "error", f"expected {self.n_columns} tab-separated columns ({detail}, as the "
                     f"#CHROM line says), found {len(cols)}", kind="columns")
            if len(cols) < 8:
                return
        chrom, pos_text, ident, ref, alt, qual, filt, info = cols[:8]
        pos = self.check_chrom_pos(number, chrom, pos_text)
        self.check_id(number, ident)
        ref_ok = self.check_ref(number, ref)
        alts = self.check_alt(number, alt, ref)
        self.check_qual(number, qual)
        self.check_filter(number, filt)
        n_alt = len(alts)
        self.check_info(number, info, n_alt, pos)
        if len(cols) > 8 and self.has_format:
            self.check_samples(number, cols[8], cols[9:], n_alt)
        if pos is not None:
            self.check_order(number, chrom, pos, ref if ref_ok else None, alts, cols[9:])

    def check_chrom_pos(self, number, chrom, pos_text) -> int | None:
        problem = self.contig_name_problem(chrom)
        if problem:
            soft = self.version >= (4, 3) and ":" in chrom and not re.search(r"[\s,<>\[\]]", chrom)
            self.add(number, "CHROM", "warning" if soft else "error", f"contig name {chrom[:30]!r} {problem}")
        elif self.contigs and chrom not in self.contigs:
            self.add(number, "CHROM", "warning", f"contig {chrom[:30]!r} is not declared by a ##contig line",
                     kind=f"undeclared-contig {chrom}")
        if not _INT.match(pos_text) or pos_text.startswith("+"):
            self.add(number, "POS", "error", f"expected a whole number >= 1, found {pos_text[:20]!r}")
            return None
        pos = int(pos_text)
        if pos < 0:
            self.add(number, "POS", "error", f"expected a whole number >= 1 (0 for a telomere), found {pos_text}")
            return None
        length = self.contigs.get(chrom)
        if length is not None and pos > length + 1:
            self.add(number, "POS", "warning", f"position {pos} lies beyond the end of {chrom} "
                     f"(length {length} in its ##contig line)", kind="pos-beyond")
        return pos

    def check_list(self, number, where: str, text: str, noun: str) -> list[str]:
        """The checks ID and FILTER share: a ';'-separated list without whitespace, empty items,
        '.' among values or repeats."""
        parts = text.split(";")
        if re.search(r"\s", text):
            self.add(number, where, "error", f"{where} {text[:30]!r} contains whitespace")
        if any(p == "" for p in parts):
            self.add(number, where, "error", f"{where} {text[:30]!r} has an empty {noun} (a leading, trailing or "
                     "doubled ';')")
        elif "." in parts:
            self.add(number, where, "error", f"{where} {text[:30]!r} mixes '.' (missing) with {noun}s")
        if len(set(parts)) != len(parts):
            self.add(number, where, "warning", f"{where} {text[:30]!r} lists a {noun} twice")
        return parts

    def check_id(self, number, ident) -> None:
        if ident != ".":
            self.check_list(number, "ID", ident, "identifier")

    def check_ref(self, number, ref) -> bool:
        if _BASES.match(ref):
            return True
        if "," in ref:
            self.add(number, "REF", "error", f"REF holds one allele, found the list {ref[:30]!r}")
        elif ref in ("", "."):
            self.add(number, "REF", "error", "REF is missing; it must give the reference base(s)")
        else:
            self.add(number, "REF", "error", f"expected bases A, C, G, T or N, found {ref[:30]!r}")
        return False

    def check_alt(self, number, alt, ref) -> list[str]:
        if alt == ".":
            return []
        alleles = alt.split(",")
        for allele in alleles:
            problem = self.allele_problem(allele)
            if problem:
                self.add(number, "ALT", "error", f"ALT allele {allele[:40]!r}: {problem}")
            elif allele.upper() == ref.upper():
                self.add(number, "ALT", "warning", f"ALT allele {allele[:30]!r} is the REF allele")
        if len(set(alleles)) != len(alleles):
            self.add(number, "ALT", "warning", "ALT lists an allele twice")
        return alleles

    def allele_problem(self, allele: str) -> str | None:
        if allele == "":
            return "empty allele (a leading, trailing or doubled comma)"
        if re.search(r"\s", allele):
            return "contains whitespace"
        if _BASES.match(allele):
            return None
        if allele == "*":
            return None
        if allele.startswith("<"):
            inner = allele[1:-1]
            if not allele.endswith(">") or not inner or re.search(r"[<>,]", inner):
                return "a symbolic allele is '<' ID '>' with no angle brackets or commas inside"
            return None
        if _SINGLE_BREAKEND.match(allele):
            return None
        if "[" in allele or "]" in allele:
            match = _BREAKEND.match(allele)
            if not match:
                return ("a breakend is t[p[, t]p], ]p]t or [p[t with bases t on one side and the mate position "
                        "p = chrom:pos")
            b1, c1 = (match["b1"], match["c1"]) if match["b1"] else (match["b2"], match["c2"])
            mate = match["m1"] or match["m2"]
            if b1 != c1:
                return "the brackets around a breakend's mate position must match ([p[ or ]p])"
            chrom, sep, mpos = mate.rpartition(":")
            if not sep or not mpos.isdigit() or not chrom:
                return f"the mate position {mate!r} is not chrom:pos"
            return None
        return "expected bases A, C, G, T or N, '*', a symbolic allele <ID> or a breakend"

    def check_qual(self, number, qual) -> None:
        if qual == ".":
            return
        if not _FLOAT.match(qual):
            self.add(number, "QUAL", "error", f"expected a number or '.', found {qual[:20]!r}")
        elif float(qual) < 0:
            self.add(number, "QUAL", "warning", f"QUAL is a Phred score and cannot be negative, found {qual}")

    def check_filter(self, number, filt) -> None:
        if filt in (".", "PASS"):
            return
        parts = self.check_list(number, "FILTER", filt, "filter code")
        if "0" in parts:
            self.add(number, "FILTER", "error", "FILTER code '0' is reserved and may not be used")
        if "PASS" in parts and any(p not in ("PASS", "") for p in parts):
            self.add(number, "FILTER", "warning", f"FILTER {filt[:30]!r} lists PASS with failed filters")
        if len(self.filters) > 1:  # the header declares filters: each code should be one of them
            for part in parts:
                if part and part not in self.filters and part not in ("0", ".") and not re.search(r"\s", part):
                    self.add(number, "FILTER", "warning", f"filter {part[:30]!r} is not declared by a ##FILTER line",
                             kind=f"filter-undeclared {part}")

    def definition_of(self, section: str, key: str) -> _Def | None:
        declared = (self.info if section == "INFO" else self.format).get(key)
        return declared if declared is not None else _reserved()[section].get(key)

    def check_info(self, number, info, n_alt, pos) -> None:
        if info == ".":
            return
        seen: set[str] = set()
        entries = info.split(";")
        for entry in entries:
            if entry == "":
                self.add(number, "INFO", "warning", "INFO has an empty entry (a leading, trailing or doubled ';')",
                         kind="info-empty")
                continue
            key, has_value, value = entry.partition("=")
            where = f"INFO/{key[:30]}"
            if re.search(r"\s", key) or not (_KEY.match(key) or key == "1000G"):
                sev = "error" if (re.search(r"\s", key) or self.version >= (4, 3)) else "warning"
                self.add(number, where, sev, f"INFO key {key[:30]!r} is not a valid key")
                continue
            if key in seen:
                self.add(number, where, "error", f"INFO/{key} appears twice in the record")
            seen.add(key)
            definition = self.definition_of("INFO", key)
            if definition is None:
                self.undeclared(number, "INFO", key)
                continue
            if definition.type == "Flag":
                if has_value and value in ("0", "1"):
                    pass  # some writers spell a flag KEY=1 (or KEY=0); the conformance corpus accepts it
                elif has_value:
                    self.add(number, where, "error", f"INFO/{key} is a Flag and takes no value, found {value[:20]!r}")
                continue
            if not has_value:
                self.add(number, where, "error", f"INFO/{key} is declared Type={definition.type} and needs a value")
                continue
            self.check_values(number, where, key, "INFO", value, definition, n_alt, None)
            if key == "END" and _INT.match(value) and pos is not None and int(value) < pos:
                self.add(number, where, "error", f"INFO/END {value} is before POS {pos}")

    def undeclared(self, number: int, section: str, key: str) -> None:
        """Warn once per file about a key neither the header declares nor the specification reserves."""
        if (section, key) not in self.warned_undeclared:
            self.warned_undeclared.add((section, key))
            self.add(number, f"{section}/{key}" if section == "INFO" else "FORMAT", "warning",
                     f"{section}/{key} is not declared in the header (its values are not checked; "
                     "reported on its first line only)")

    def expected_count(self, number: str, n_alt: int, ploidy: int | None) -> int | None:
        if number.isdigit():
            return int(number)
        if number == "A":
            return n_alt
        if number == "R":
            return n_alt + 1
        if number == "G" and ploidy is not None:
            return comb(n_alt + ploidy, ploidy)
        return None

    def check_values(self, number, where, key, section, value, definition, n_alt, ploidy) -> None:
        values = value.split(",")
        if value == "." or (len(values) > 1 and all(v == "." for v in values)):
            return
        # a key the header does not declare is checked against the specification's reserved
        # typing (VCF 4.3 on); writers of older files typed some differently (SB), so a value that
        # breaks it is a warning, and an error only against the file's own declaration
        severity = "warning" if definition.reserved else "error"
        if definition.type == "String" and len(value) > 1 and value[0] == value[-1] == '"':
            values = [value]  # a quoted string keeps its commas
        expected = self.expected_count(definition.number, n_alt, ploidy) if n_alt or definition.number.isdigit() else None
        if expected is not None and len(values) != expected and not (section == "FORMAT" and value == ""):
            self.add(number, where, severity, f"{key} is declared Number={definition.number}, so {expected} "
                     f"value(s) here, found {len(values)} ({value[:30]!r})", kind=f"count {section}/{key}")
        reserved = _reserved()[section].get(key)
        for item in values:
            if item == ".":
                continue
            if definition.type == "Integer":
                if not _INT.match(item):
                    self.add(number, where, severity, f"{key} is declared Type=Integer, found {item[:20]!r}",
                             kind=f"type {section}/{key}")
                    return
                as_int = int(item)
                if not _INT32_MIN_VALID <= as_int <= _INT32_MAX:
                    self.add(number, where, severity, f"{key} value {item} is outside the 32-bit range VCF integers "
                             f"use ({_INT32_MIN_VALID} to {_INT32_MAX})", kind=f"range {section}/{key}")
                    return
                if reserved is not None and reserved.type == "Integer" and as_int < 0:
                    self.add(number, where, "warning", f"{key} is a count or quality and cannot be negative, "
                             f"found {item}", kind=f"negative {section}/{key}")
                    return
            elif definition.type == "Float":
                if not _FLOAT.match(item):
                    self.add(number, where, severity, f"{key} is declared Type=Float, found {item[:20]!r}",
                             kind=f"type {section}/{key}")
                    return
                if key in ("AF", "GP") and reserved is not None and not 0 <= float(item) <= 1:
                    self.add(number, where, "warning", f"{key} is a probability or frequency (0 to 1), found {item}",
                             kind=f"negative {section}/{key}")
                    return
            elif definition.type == "Character" and len(item) != 1:
                self.add(number, where, severity, f"{key} is declared Type=Character (one character), found "
                         f"{item[:20]!r}", kind=f"type {section}/{key}")
                return
        if key == "CIGAR" and reserved is not None:
            for item in values:
                if item != "." and not _CIGAR.match(item):
                    self.add(number, where, severity, f"CIGAR {item[:20]!r} is not a CIGAR string (e.g. 1M2D)")
                    return

    def check_samples(self, number, fmt, cells, n_alt) -> None:
        keys = fmt.split(":")
        if fmt == ".":
            return
        bad_format = False
        for i, key in enumerate(keys):
            if key == "":
                self.add(number, "FORMAT", "error", f"FORMAT {fmt[:40]!r} has an empty key (a leading, trailing or "
                         "doubled ':')")
                bad_format = True
            elif not _KEY.match(key):
                self.add(number, "FORMAT", "error", f"FORMAT key {key[:20]!r} is not a valid key (a letter or '_', "
                         "then letters, digits, '_' or '.')")
                bad_format = True
            elif self.definition_of("FORMAT", key) is None:
                self.undeclared(number, "FORMAT", key)
        if len(set(keys)) != len(keys):
            self.add(number, "FORMAT", "error", f"FORMAT {fmt[:40]!r} lists a key twice")
            bad_format = True
        if "GT" in keys and keys[0] != "GT":
            self.add(number, "FORMAT", "error", "GT must be the first FORMAT key when present")
            bad_format = True
        if bad_format:
            return
        empty_ok = self.version >= (4, 5)
        fast = self.fast_pattern(fmt, keys, n_alt)
        if fast is not None and fast.fullmatch("\t".join(cells)):
            return  # every cell well-formed (the common case): the checks below would find nothing
        for s, cell in enumerate(cells, start=1):
            values = cell.split(":")
            if len(values) > len(keys):
                self.add(number, f"sample {s}", "error", f"sample {s} has {len(values)} sub-fields but FORMAT "
                         f"lists {len(keys)}", kind="sample-extra")
                continue
            ploidy = None
            for key, value in zip(keys, values):
                where = f"sample {s} {key}"
                if value == "" and not empty_ok:
                    self.add(number, where, "error", f"sample {s}: {key} is empty (write '.' for a missing value)",
                             kind=f"sample-empty {key}")
                    continue
                if key == "GT":
                    ploidy = self.check_gt(number, where, value, n_alt)
                    continue
                definition = self.definition_of("FORMAT", key)
                if definition is not None and value != "":
                    self.check_values(number, where, key, "FORMAT", value, definition, n_alt,
                                      ploidy if ploidy is not None else (None if "GT" in keys else 2))

    def fast_pattern(self, fmt: str, keys: list[str], n_alt: int) -> re.Pattern | None:
        """A regular expression matching the sample columns of a record only when every cell
        passes the per-cell checks (diploid calls, up to 9 ALT alleles), or None."""
        cache_key = (fmt, n_alt)
        if cache_key in self.fast:
            return self.fast[cache_key]
        pattern = None
        if n_alt <= 9:
            allele = f"(?:[0-{n_alt}]|\\.)"
            parts = []
            for key in keys:
                if key == "GT":
                    parts.append(f"(?>{allele}[/|]{allele})")
                    continue
                definition = self.definition_of("FORMAT", key)
                if definition is None:
                    part = "[^\\t:]+"
                else:
                    count = self.expected_count(definition.number, n_alt, 2)
                    spec = _reserved()["FORMAT"].get(key)  # a reserved Integer is a count: not negative
                    value = {"Integer": "\\d{1,9}" if spec is not None and spec.type == "Integer" else "-?\\d{1,9}",
                             "Float": "-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?",
                             "String": "[^\\t:,]+", "Character": "[^\\t:,]"}.get(definition.type)
                    if value is None or key == "GP" or count == 0:
                        parts = None
                        break
                    item = f"(?:{value}|\\.)"
                    repeat = "*" if count is None else f"{{{count - 1}}}"
                    part = f"(?:{item}(?:,{item}){repeat}|\\.)"
                parts.append(f"(?>{part})" + ("?" if self.version >= (4, 5) else ""))  # atomic: no backtracking
            if parts:
                cell = parts[0] + "".join(f"(?::{p}" for p in parts[1:]) + ")?" * (len(parts) - 1)
                pattern = re.compile(f"{cell}(?:\\t{cell})*+")
        self.fast[cache_key] = pattern
        return pattern

    def check_gt(self, number, where, value, n_alt) -> int | None:
        if not _GT.match(value) or (value[0] in "/|" and self.version < (4, 4)):
            self.add(number, where, "error", f"expected a genotype such as 0/1, 0|1, ./. or 1, found {value[:20]!r}",
                     kind="gt-syntax")
            return None
        alleles = re.split(r"[/|]", value.lstrip("/|"))
        for allele in alleles:
            if allele != "." and int(allele) > n_alt:
                self.add(number, where, "error" if n_alt else "warning", f"genotype {value[:20]!r} refers to allele {allele}, but the record "
                         f"has REF and {n_alt} ALT allele(s) (indexes 0 to {n_alt})", kind="gt-allele")
                break
        return len(alleles)

    def check_order(self, number, chrom, pos, ref, alts, cells) -> None:
        if chrom != self.chrom:
            if chrom in self.done_chroms:
                self.add(number, "CHROM", "warning", f"records of {chrom[:30]!r} do not form one block: they resume "
                         f"after {self.chrom!r}", kind=f"contiguous {chrom}")
            if self.chrom is not None:
                self.done_chroms.add(self.chrom)
            self.chrom, self.pos = chrom, pos
            self.recent.clear()
            self.recent_order.clear()
        elif pos < self.pos:
            self.add(number, "POS", "warning", f"records are not sorted by position: {chrom}:{pos} comes after "
                     f"{chrom}:{self.pos}", kind="unsorted")
        else:
            self.pos = pos
        if ref is None:
            return
        samples = "\t".join(cells)
        for allele in alts:
            if not _BASES.match(allele):
                continue
            key = _trimmed(pos, ref.upper(), allele.upper())
            earlier = self.recent.get(key)
            if earlier is not None:
                # two biallelic records of one variant with different calls contradict each other
                conflict = len(alts) == 1 and earlier[1] is not None and earlier[1] != samples
                self.add(number, "line", "error" if conflict else "warning",
                         f"duplicate record: the variant {key[1]}>{key[2]} at {chrom}:{key[0]} is also on line "
                         f"{earlier[0]}" + (", with different sample data" if conflict else ""), kind="duplicate")
                break
            self.recent[key] = (number, samples if len(alts) == 1 else None)
            self.recent_order.append((pos, key))
        while self.recent_order and self.recent_order[0][0] < pos - _DUPLICATE_WINDOW:
            _, old = self.recent_order.popleft()
            self.recent.pop(old, None)


def _trimmed(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """A variant without the bases REF and ALT share at the end, then at the start (at least one base left)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def validate(path: PathLike, *, max_per_check: int | None = 100) -> pl.DataFrame:
    """Check a VCF file against the VCF specification (4.1-4.5) and list every problem found.

    One pass over the file, streamed (plain text, gzip or BGZF; BCF is decoded by pysam
    and its text checked). The header (``##fileformat``, meta lines, ``##INFO``,
    ``##FORMAT``, ``##FILTER``, ``##ALT``, ``##contig``, ``#CHROM``) and every record
    (column count, CHROM, POS, ID, REF, ALT, QUAL, FILTER, INFO keys, counts and types,
    FORMAT keys, each sample's sub-fields and genotype, record order, duplicated records)
    are checked; see the validation page of the documentation for the full list.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    max_per_check : int or None, default 100
        List at most this many problems of one kind (the same check failing on many
        lines), then one row saying how many more there were; None lists them all.

    Returns
    -------
    polars.DataFrame
        One row per problem, in file order: ``line`` (Int64, 1-based line of the
        decompressed text, header lines counted; null for a problem of the whole file),
        ``field`` (``"header"``, ``"header INFO"``, ``"CHROM"``, ``"POS"``, ``"ID"``,
        ``"REF"``, ``"ALT"``, ``"QUAL"``, ``"FILTER"``, ``"INFO/KEY"``, ``"FORMAT"``,
        ``"sample 3 GT"`` with samples counted from 1, ``"line"``, ``"file"``),
        ``severity`` (``"error"``: the data cannot be read as meant; ``"warning"``: it
        can, but something is off) and ``message``. An empty frame means no problem.

    Raises
    ------
    VcfFormatError
        If the file is missing, empty, or not VCF/BCF at all (nothing to check).

    Examples
    --------
    >>> import pgx, pgx.io
    >>> pgx.io.validate(pgx.example_vcf()).filter(severity="error").height
    0
    >>> import pathlib, tempfile
    >>> text = ("##fileformat=VCFv4.3\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\n"
    ...         "chr1\\t10\\t.\\tA\\tG\\t.\\tq10;\\t.\\n")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     name = pathlib.Path(folder) / "x.vcf"
    ...     _ = name.write_text(text)
    ...     table = pgx.io.validate(name)
    >>> table.select("line", "field", "severity").rows()
    [(3, 'FILTER', 'error')]
    """
    return _frame(_run(os.fspath(path), max_per_check))


def _run(name: str, cap: int | None, stop: bool = False) -> _Validator:
    """Check a file; the checker holds the problems (up to the first error when ``stop``)."""
    kind = sniff(name)
    checker = _Validator(name, cap, stop)
    try:
        _check_lines(checker, kind)
    except _FirstError:
        pass
    return checker


def _check_lines(checker: _Validator, kind: str) -> None:
    name = checker.path
    state = "first"
    last_ended = True
    for number, text, ended in _lines(name, kind, checker.problems):
        last_ended = ended
        if state == "first":
            state = "meta" if checker.fileformat(number, text) else "records"
            if state == "records":
                checker.add(number, "header", "error", "the file has no VCF header")
                return
            continue
        if state == "meta":
            if text.startswith("##"):
                checker.meta(number, text)
            elif text.startswith("#CHROM"):
                checker.chrom_line(number, text)
                state = "records"
            elif text.startswith("#"):
                checker.add(number, "header", "error", f"expected a '##' meta line or the '#CHROM' line, found "
                            f"{text[:40]!r}")
            else:
                checker.add(number, "header", "error", f"a line that is neither a '##' meta line nor the '#CHROM' "
                            f"line appears in the header: {text[:40]!r}", kind="header-junk")
            continue
        checker.record(number, text)
    if state != "records":
        checker.add(None, "header", "error", "the header has no '#CHROM' line")
    elif not last_ended:
        checker.add(None, "file", "warning", "the last line does not end with a newline (was the file cut short?)")


def _frame(checker: _Validator) -> pl.DataFrame:
    checker.problems.summary_rows()
    return pl.DataFrame(checker.problems.rows, schema=SCHEMA, orient="row")


def first_error(path: PathLike) -> VcfFormatError | None:
    """The first error :func:`validate` finds in a file, as a :class:`~pgx.VcfFormatError`, or None.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    VcfFormatError or None
        Naming the file, line and field of the first error; None when there is none
        (warnings do not count).

    Examples
    --------
    >>> import pgx
    >>> first_error(pgx.example_vcf()) is None
    True
    """
    name = os.fspath(path)
    errors = [row for row in _run(name, 1, stop=True).problems.rows if row[2] == "error"]
    if not errors:
        return None
    line, where, _, message = errors[0]
    return VcfFormatError(message, path=name, line=line, field=where)
