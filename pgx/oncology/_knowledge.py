"""Load and validate the oncology tables in ``reference/oncology/``.

Every error names the file, the data row (1-based, header lines not counted) and the column, with
the expected form and the value found, and is a :class:`pgx.exceptions.ReferenceDataError`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import polars as pl

from pgx.exceptions import ReferenceDataError
from pgx.oncology._errors import UnknownTumorTypeError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = [
    "ALTERATION_TYPES", "DIRECTIONS", "EVIDENCE_LEVELS", "EXON_CLASSES", "GENE_CLASSES", "TIERS",
    "Rule", "TumorTree", "biomarkers", "fold_name", "germline_toxicity", "load_rules", "load_tree",
    "tumor_type_code", "tumor_types",
]

#: The match types, in matching order (most specific first).
ALTERATION_TYPES = ("exact", "codon", "exon", "gene", "copy_number", "fusion", "signature")
DIRECTIONS = ("sensitivity", "resistance")
TIERS = ("I-A", "I-B", "II-C", "II-D")
EVIDENCE_LEVELS = ("FDA", "guideline", "CIViC A", "CIViC B")
EXON_CLASSES = ("inframe_deletion", "inframe_insertion", "missense", "protein_altering", "skipping")
GENE_CLASSES = ("loss_of_function", "gain_of_function")
COPY_NUMBER_CLASSES = ("amplification", "deletion")

_BIOMARKER_COLUMNS = ("gene", "alteration_type", "alteration", "tumor_types", "therapy", "direction", "tier",
                      "evidence_level", "source", "source_date", "note", "verified")
_TUMOR_COLUMNS = ("code", "name", "main_type", "parent", "kind")
_SYNONYM_COLUMNS = ("synonym", "code", "source")
_TOX_COLUMNS = ("tumor_types", "regimen", "drug", "genes", "toxicity")
_GENE = re.compile(r"[A-Z0-9][A-Z0-9-]*")
_PROTEIN = re.compile(r"[A-Z*][0-9]+(_[A-Z*][0-9]+)?([A-Z*]|del|ins[A-Z*]+|dup|delins[A-Z*]+|fs\*?[0-9]*|=)")
_CODON = re.compile(r"[A-Z*][0-9]+")
_EXON = re.compile(r"([0-9]+(\|[0-9]+)*):([a-z_]+)")
_FUSION = re.compile(r"([A-Z0-9][A-Z0-9-]*)::([A-Z0-9][A-Z0-9-]*)")
_TMB = re.compile(r"TMB>=([0-9]+(\.[0-9]+)?)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?")
#: The verification status of a biomarker row: 'yes KEYS', 'partial KEYS: what was not confirmed', 'no: why'.
VERIFIED = re.compile(r"(yes|partial|no)\b(.*)")
_VERIFY_KEY = re.compile(r"V[0-9]{2,3}")
_VERIFY_SOURCE = re.compile(r"#\s+(V[0-9]{2,3})\s+(\S.*)")


def _read_tsv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a '#'-commented TSV as dicts; checks the header names ``columns`` in order."""
    if not path.is_file():
        raise ReferenceDataError(f"{path}: reference table is missing")
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            if tuple(header) != columns:
                raise ReferenceDataError(f"{path}: expected the columns {list(columns)}, found {header}")
            continue
        if len(cells) != len(header):
            raise ReferenceDataError(
                f"{path}, row {len(rows) + 1}: expected {len(header)} tab-separated cells, found {len(cells)}")
        rows.append(dict(zip(header, cells)))
    if header is None:
        raise ReferenceDataError(f"{path}: no header row")
    return rows


def _bad(path: Path, row: int, column: str, expected: str, found: str) -> ReferenceDataError:
    return ReferenceDataError(f"{path}, row {row}, column {column}: expected {expected}, found {found!r}")


#: spellings folded before a tumour-type name is looked up (British -> OncoTree's US spelling)
_FOLD = (("tumour", "tumor"), ("oesophag", "esophag"), ("leukaemia", "leukemia"), ("haem", "hem"))


def fold_name(text: str) -> str:
    """A tumour-type code, name or synonym as compared: case, spacing, hyphens, quotes and spelling folded."""
    folded = " ".join(text.replace("\u2019", "'").replace("\u2018", "'").replace("-", " ").lower().split())
    for british, american in _FOLD:
        folded = folded.replace(british, american)
    return folded


@dataclass(frozen=True)
class TumorTree:
    """The tumour-type vocabulary: OncoTree codes, names, each code's parent, and synonyms."""

    names: dict[str, str]
    parents: dict[str, str | None]
    kinds: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _index(self) -> dict[str, tuple[str, ...]]:
        """Folded code, name or synonym -> the codes it names (several for a shared name)."""
        index: dict[str, list[str]] = {}
        for code, name in self.names.items():
            for key in (fold_name(code), fold_name(name)):
                if code not in index.setdefault(key, []):
                    index[key].append(code)
        for synonym, code in self.synonyms.items():
            index.setdefault(fold_name(synonym), [code])
        return {key: tuple(codes) for key, codes in index.items()}

    @cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        children: dict[str, list[str]] = {}
        for code, parent in self.parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(code)
        return {code: tuple(found) for code, found in children.items()}

    def label(self, code: str) -> str:
        """``"Name (CODE)"``."""
        return f"{self.names[code]} ({code})"

    def check(self, text: str) -> str:
        """The code a tumour-type code, name or synonym names (case-insensitive).

        Raises :class:`UnknownTumorTypeError` with the closest names when nothing matches, and
        when a name is shared by several types (``"Yolk Sac Tumor"``), with those types.
        """
        if not isinstance(text, str) or not text.strip():
            raise UnknownTumorTypeError(repr(text), [])
        found = self._index.get(fold_name(text))
        if found is None:
            import difflib

            close = difflib.get_close_matches(fold_name(text), list(self._index), n=5, cutoff=0.6)
            labels = list(dict.fromkeys(self.label(code) for key in close for code in self._index[key]))
            raise UnknownTumorTypeError(text, labels[:5])
        if len(found) > 1:
            tissues = {code: next((self.names[c] for c in self.lineage(code) if self.kinds.get(c) == "OncoTree tissue"),
                                  "-") for code in found}
            raise UnknownTumorTypeError(text, [f"{self.names[c]} ({c}, {tissues[c]})" for c in found], ambiguous=True)
        return found[0]

    def lineage(self, code: str) -> tuple[str, ...]:
        """``code`` and its ancestors, nearest first."""
        out: list[str] = []
        current: str | None = code
        while current is not None:
            out.append(current)
            current = self.parents[current]
        return tuple(out)

    def descendants(self, code: str) -> frozenset[str]:
        """Every code below ``code`` (not ``code`` itself)."""
        out: set[str] = set()
        stack = list(self._children.get(code, ()))
        while stack:
            current = stack.pop()
            if current not in out:
                out.add(current)
                stack.extend(self._children.get(current, ()))
        return frozenset(out)


@dataclass(frozen=True)
class Rule:
    """One validated row of ``biomarkers.tsv`` with its alteration parsed."""

    row: int
    gene: str
    alteration_type: str
    alteration: str
    include: frozenset[str]
    exclude: frozenset[str]
    tumor_types: str
    therapy: str
    resistance: bool
    tier: str
    evidence_level: str
    source: str
    source_date: str
    note: str
    verified: str = ""
    values: frozenset[str] = frozenset()  # exact changes, codons, fusion pairs
    exons: frozenset[int] = frozenset()
    kind: str = ""  # exon class, gene class, copy-number class, 'fusion', 'TMB', 'MSI-H'
    threshold: float = 0.0

    def applies_to(self, lineage: tuple[str, ...]) -> bool:
        """Whether the row's tumour types cover a tumour with this lineage (code and ancestors)."""
        return bool(self.include.intersection(lineage)) and not self.exclude.intersection(lineage)


def _tumor_set(path: Path, row: int, column: str, text: str, tree: TumorTree) -> tuple[frozenset, frozenset]:
    include, exclude = set(), set()
    for part in text.split("|"):
        code = part[1:] if part.startswith("-") else part
        if code not in tree.names:
            raise _bad(path, row, column, f"codes of tumor_types.tsv joined by '|' ({', '.join(tree.names)})", part)
        (exclude if part.startswith("-") else include).add(code)
    if not include:
        raise _bad(path, row, column, "at least one included tumour type", text)
    return frozenset(include), frozenset(exclude)


def _parse_alteration(path: Path, n: int, kind: str, text: str, gene: str) -> dict:
    parts = text.split("|")
    if kind == "exact":
        if not all(_PROTEIN.fullmatch(p) for p in parts):
            raise _bad(path, n, "alteration", "one-letter protein changes such as 'L858R', '|'-joined", text)
        return {"values": frozenset(parts)}
    if kind == "codon":
        if not all(_CODON.fullmatch(p) for p in parts):
            raise _bad(path, n, "alteration", "residue and codon such as 'R132', '|'-joined", text)
        return {"values": frozenset(parts)}
    if kind == "exon":
        found = _EXON.fullmatch(text)
        if not found or found[3] not in EXON_CLASSES:
            raise _bad(path, n, "alteration", f"EXONS:CLASS with CLASS one of {', '.join(EXON_CLASSES)}", text)
        return {"exons": frozenset(int(x) for x in found[1].split("|")), "kind": found[3]}
    if kind == "gene":
        if text not in GENE_CLASSES:
            raise _bad(path, n, "alteration", f"one of {', '.join(GENE_CLASSES)}", text)
        return {"kind": text}
    if kind == "copy_number":
        if text not in COPY_NUMBER_CLASSES:
            raise _bad(path, n, "alteration", f"one of {', '.join(COPY_NUMBER_CLASSES)}", text)
        return {"kind": text}
    if kind == "fusion":
        if text == "fusion":
            return {"kind": "fusion"}
        if not all(_FUSION.fullmatch(p) and gene in p.split("::") for p in parts):
            raise _bad(path, n, "alteration", f"'fusion' or GENE1::GENE2 pairs naming {gene}, '|'-joined", text)
        return {"kind": "pair", "values": frozenset(parts)}
    # signature
    if gene == "TMB" and (found := _TMB.fullmatch(text)):
        return {"kind": "TMB", "threshold": float(found[1])}
    if gene == "MSI" and text == "MSI-H":
        return {"kind": "MSI-H"}
    raise _bad(path, n, "alteration", "TMB>=N (gene TMB) or MSI-H (gene MSI)", text)


@lru_cache(maxsize=8)
def _tree(folder: str) -> TumorTree:
    path = Path(folder) / "oncology" / "tumor_types.tsv"
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    for n, row in enumerate(_read_tsv(path, _TUMOR_COLUMNS), start=1):
        code = row["code"]
        if not re.fullmatch(r"[A-Z][A-Z0-9_/-]*", code) or code in names:
            raise _bad(path, n, "code", "a new upper-case code", code)
        names[code] = row["name"]
        parents[code] = None if row["parent"] == "-" else row["parent"]
        kinds[code] = row["kind"]
    for n, (code, parent) in enumerate(parents.items(), start=1):
        if parent is not None and parent not in names:
            raise _bad(path, n, "parent", "a code of this table or '-'", parent)
    for code in names:  # no cycles
        seen: set[str] = set()
        current: str | None = code
        while current is not None:
            if current in seen:
                raise ReferenceDataError(f"{path}: the parent chain of {code} loops")
            seen.add(current)
            current = parents[current]
    synonyms: dict[str, str] = {}
    plain = TumorTree(names, parents, kinds)
    spath = Path(folder) / "oncology" / "tumor_type_synonyms.tsv"
    for n, row in enumerate(_read_tsv(spath, _SYNONYM_COLUMNS), start=1):
        if row["code"] not in names:
            raise _bad(spath, n, "code", "a code of tumor_types.tsv", row["code"])
        clash = plain._index.get(fold_name(row["synonym"]))
        if clash is not None and clash != (row["code"],):
            raise _bad(spath, n, "synonym", f"a name no other type has (it names {', '.join(clash)})", row["synonym"])
        if fold_name(row["synonym"]) in {fold_name(s) for s in synonyms}:
            raise _bad(spath, n, "synonym", "a synonym listed once", row["synonym"])
        synonyms[row["synonym"]] = row["code"]
    return TumorTree(names, parents, kinds, synonyms)


def _verification_sources(path: Path) -> dict[str, str]:
    """The header's verification sources: ``#   Vnn address`` lines, key -> address."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if match := _VERIFY_SOURCE.fullmatch(line):
            found[match[1]] = match[2]
    return found


def _check_verified(path: Path, n: int, text: str, sources: dict[str, str]) -> None:
    found = VERIFIED.fullmatch(text)
    if found is None:
        raise _bad(path, n, "verified", "'yes KEYS', 'partial KEYS: what was not confirmed' or 'no: why'", text)
    status, rest = found[1], found[2]
    keys = _VERIFY_KEY.findall(rest.split(":", 1)[0])
    if status in ("yes", "partial") and not keys:
        raise _bad(path, n, "verified", f"'{status}' followed by the keys (V01, ...) of the sources that confirm it",
                   text)
    if status in ("partial", "no") and ":" not in rest:
        raise _bad(path, n, "verified", f"'{status} ...: ' and what was not confirmed", text)
    unknown = [key for key in _VERIFY_KEY.findall(rest) if key not in sources]
    if unknown:
        raise _bad(path, n, "verified", "keys defined in the header as '#   Vnn address'", ", ".join(unknown))


@lru_cache(maxsize=8)
def _rules(folder: str) -> tuple[Rule, ...]:
    path = Path(folder) / "oncology" / "biomarkers.tsv"
    tree = _tree(folder)
    sources = _verification_sources(path) if path.is_file() else {}
    rules = []
    for n, row in enumerate(_read_tsv(path, _BIOMARKER_COLUMNS), start=1):
        kind = row["alteration_type"]
        if kind not in ALTERATION_TYPES:
            raise _bad(path, n, "alteration_type", f"one of {', '.join(ALTERATION_TYPES)}", kind)
        if not _GENE.fullmatch(row["gene"]):
            raise _bad(path, n, "gene", "an HGNC symbol (or TMB/MSI)", row["gene"])
        if (kind == "signature") != (row["gene"] in ("TMB", "MSI")):
            raise _bad(path, n, "gene", "TMB or MSI exactly for signature rows", row["gene"])
        for column, choices in (("direction", DIRECTIONS), ("tier", TIERS), ("evidence_level", EVIDENCE_LEVELS)):
            if row[column] not in choices:
                raise _bad(path, n, column, f"one of {', '.join(choices)}", row[column])
        if not _DATE.fullmatch(row["source_date"]):
            raise _bad(path, n, "source_date", "YYYY-MM or YYYY-MM-DD", row["source_date"])
        for column in ("therapy", "source"):
            if not row[column].strip():
                raise _bad(path, n, column, "a non-empty value", row[column])
        _check_verified(path, n, row["verified"], sources)
        include, exclude = _tumor_set(path, n, "tumor_types", row["tumor_types"], tree)
        parsed = _parse_alteration(path, n, kind, row["alteration"], row["gene"])
        rules.append(Rule(
            row=n, gene=row["gene"], alteration_type=kind, alteration=row["alteration"], include=include,
            exclude=exclude, tumor_types=row["tumor_types"], therapy=row["therapy"],
            resistance=row["direction"] == "resistance", tier=row["tier"], evidence_level=row["evidence_level"],
            source=row["source"], source_date=row["source_date"], note=row["note"], verified=row["verified"],
            **parsed))
    return tuple(rules)


def _folder(reference_dir: str | os.PathLike[str] | None) -> str:
    return str(_reference_dir(reference_dir))


def load_tree(reference_dir: str | os.PathLike[str] | None = None) -> TumorTree:
    """Return the validated tumour-type tree (internal)."""
    return _tree(_folder(reference_dir))


def load_rules(reference_dir: str | os.PathLike[str] | None = None) -> tuple[Rule, ...]:
    """Return the validated biomarker rules (internal)."""
    return _rules(_folder(reference_dir))


def tumor_types(*, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the tumour-type vocabulary: every OncoTree type plus pgx's grouping SOLID.

    OncoTree release ``oncotree_2026_05_21`` (MSKCC, CC BY 4.0); ``reference/oncology/tumor_types.tsv``
    names the release, and ``tumor_type_synonyms.tsv`` holds pgx's synonyms (NSCLC, CRC, breast
    cancer, ...).

    Parameters
    ----------
    reference_dir : path, optional
        Another reference folder laid out like the shipped one.

    Returns
    -------
    polars.DataFrame
        Columns ``code``, ``name``, ``parent`` (null at the root), ``kind`` (``OncoTree``,
        ``OncoTree tissue``, ``OncoTree root`` or ``pgx grouping``), ``lineage`` (the code and its
        ancestors, nearest first) and ``synonyms`` (pgx's synonyms for the code).

    Raises
    ------
    ReferenceDataError
        If ``oncology/tumor_types.tsv`` or ``tumor_type_synonyms.tsv`` is missing or malformed.

    Examples
    --------
    >>> from pgx.oncology import tumor_types
    >>> codes = tumor_types()
    >>> codes.filter(codes["code"] == "LUAD")["lineage"].to_list()
    [['LUAD', 'NSCLC', 'LUNG', 'SOLID', 'TISSUE']]
    >>> codes.filter(codes["code"] == "COADREAD")["synonyms"].to_list()
    [['CRC', 'colorectal cancer', 'colorectal carcinoma']]
    """
    tree = load_tree(reference_dir)
    synonyms: dict[str, list[str]] = {}
    for synonym, code in tree.synonyms.items():
        synonyms.setdefault(code, []).append(synonym)
    return pl.DataFrame({
        "code": list(tree.names),
        "name": list(tree.names.values()),
        "parent": [tree.parents[c] for c in tree.names],
        "kind": [tree.kinds.get(c) for c in tree.names],
        "lineage": [list(tree.lineage(c)) for c in tree.names],
        "synonyms": [synonyms.get(c, []) for c in tree.names],
    }, schema={"code": pl.String, "name": pl.String, "parent": pl.String, "kind": pl.String,
               "lineage": pl.List(pl.String), "synonyms": pl.List(pl.String)})


def tumor_type_code(name: str, *, reference_dir: str | os.PathLike[str] | None = None) -> str:
    """Return the OncoTree code a tumour-type code, name or synonym stands for.

    Case, spacing and British spellings (tumour, oesophageal, haematopoietic, leukaemia) do not
    matter.

    Parameters
    ----------
    name : str
        A code (``"LUAD"``), an OncoTree name (``"lung adenocarcinoma"``) or a synonym of
        ``tumor_type_synonyms.tsv`` (``"NSCLC"``, ``"CRC"``, ``"breast cancer"``).
    reference_dir : path, optional
        Another reference folder laid out like the shipped one.

    Returns
    -------
    str
        The code.

    Raises
    ------
    UnknownTumorTypeError
        Nothing by that name (the closest names are listed), or a name several types share (they are listed).

    Examples
    --------
    >>> from pgx.oncology import tumor_type_code
    >>> tumor_type_code("Lung Adenocarcinoma"), tumor_type_code("crc"), tumor_type_code("breast cancer")
    ('LUAD', 'COADREAD', 'BREAST')
    """
    return load_tree(reference_dir).check(name)


def biomarkers(*, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the validated biomarker -> therapy evidence table.

    Parameters
    ----------
    reference_dir : path, optional
        Another reference folder laid out like the shipped one.

    Returns
    -------
    polars.DataFrame
        One row per rule: ``gene``, ``alteration_type`` (the match type), ``alteration`` (the rule as
        written), ``tumor_types``, ``therapy``, ``resistance`` (bool), ``tier`` (AMP/ASCO/CAP),
        ``evidence_level`` (the source's own kind), ``source``, ``source_date``, ``note`` and ``verified``
        (``"yes V09"``, ``"partial V68 V69: ..."`` or ``"no: ..."``: what a check against public sources
        confirmed; the keys name addresses listed in the table's header).

    Raises
    ------
    ReferenceDataError
        If ``oncology/biomarkers.tsv`` is missing or a row is malformed (file, row and column named).

    Examples
    --------
    >>> from pgx.oncology import biomarkers
    >>> kb = biomarkers()
    >>> kb.filter((kb["gene"] == "EGFR") & (kb["alteration"] == "T790M")).select("therapy", "resistance").rows()[:2]
    [('osimertinib', False), ('erlotinib', True)]
    """
    rules = load_rules(reference_dir)
    return pl.DataFrame(
        [(r.gene, r.alteration_type, r.alteration, r.tumor_types, r.therapy, r.resistance, r.tier,
          r.evidence_level, r.source, r.source_date, r.note, r.verified) for r in rules],
        schema={"gene": pl.String, "alteration_type": pl.String, "alteration": pl.String,
                "tumor_types": pl.String, "therapy": pl.String, "resistance": pl.Boolean, "tier": pl.String,
                "evidence_level": pl.String, "source": pl.String, "source_date": pl.String, "note": pl.String,
                "verified": pl.String},
        orient="row",
    )


@lru_cache(maxsize=8)
def _toxicity(folder: str) -> tuple[tuple[frozenset, str, str, tuple[str, ...], str], ...]:
    path = Path(folder) / "oncology" / "germline_toxicity.tsv"
    tree = _tree(folder)
    out = []
    for n, row in enumerate(_read_tsv(path, _TOX_COLUMNS), start=1):
        include, exclude = _tumor_set(path, n, "tumor_types", row["tumor_types"], tree)
        genes = tuple(row["genes"].split(";"))
        if not all(_GENE.fullmatch(g) for g in genes):
            raise _bad(path, n, "genes", "HGNC symbols joined by ';'", row["genes"])
        out.append((include, row["regimen"], row["drug"], genes, row["toxicity"]))
    return tuple(out)


def germline_toxicity(tumor_type: str, *, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the germline pharmacogenes of chemotherapy commonly used for a tumour type.

    A report can cross-link these drugs to the germline guidance of :func:`pgx.recommend.recommend`
    (fluoropyrimidines and DPYD, irinotecan and UGT1A1, thiopurines and TPMT/NUDT15, tamoxifen and
    CYP2D6).

    Parameters
    ----------
    tumor_type : str
        An OncoTree code, name or synonym (see :func:`tumor_type_code`), e.g. ``"COADREAD"`` or
        ``"colorectal cancer"``; rows for an ancestor apply, and for a broad type those of its subtypes.
    reference_dir : path, optional
        Another reference folder laid out like the shipped one.

    Returns
    -------
    polars.DataFrame
        Columns ``drug``, ``genes`` (list of str), ``regimen``, ``toxicity``; one row per drug.

    Raises
    ------
    UnknownTumorTypeError
        If ``tumor_type`` is not in the vocabulary.

    Examples
    --------
    >>> from pgx.oncology import germline_toxicity
    >>> germline_toxicity("COAD").select("drug", "genes").rows()
    [('fluorouracil', ['DPYD']), ('capecitabine', ['DPYD']), ('irinotecan', ['UGT1A1'])]
    """
    folder = _folder(reference_dir)
    tree = _tree(folder)
    code = tree.check(tumor_type)
    covered = set(tree.lineage(code)) | tree.descendants(code)
    rows = [(drug, list(genes), regimen, toxicity) for include, regimen, drug, genes, toxicity in _toxicity(folder)
            if include.intersection(covered)]
    return pl.DataFrame(rows, schema={"drug": pl.String, "genes": pl.List(pl.String), "regimen": pl.String,
                                      "toxicity": pl.String}, orient="row")
