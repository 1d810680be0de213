"""The tumour section of a patient report: therapy matches of the tumour's biomarkers,
TMB and MSI, and the chemotherapy whose germline pharmacogenes the report cross-links."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import polars as pl

from pgx.report._errors import ReportError

__all__ = ["TherapyMatch", "ToxicityLink", "TumorSection", "tumor_section"]

#: columns a therapy-match frame must have (as :func:`pgx.oncology.match` returns)
MATCH_COLUMNS = ("gene", "alteration", "therapy", "tumor_type", "tier", "evidence_level", "source", "match_type",
                 "resistance")
#: columns used when present: the evidence's date, the variant's locus, and whether the evidence is for the
#: tumour type itself, one of its subtypes, or another tumour type
OPTIONAL_COLUMNS = ("source_date", "locus", "scope")
_SCOPE_ORDER = {"tumor_type": 0, "subtype": 1, "off_label": 2}


@dataclasses.dataclass(frozen=True)
class TherapyMatch:
    """One biomarker -> therapy match of the tumour (a row of :func:`pgx.oncology.match`)."""

    gene: str
    alteration: str
    therapy: str
    tumor_type: str
    tier: str | None
    evidence_level: str | None
    source: str | None
    match_type: str
    resistance: bool
    scope: str = "tumor_type"
    source_date: str | None = None
    locus: str | None = None


@dataclasses.dataclass(frozen=True)
class ToxicityLink:
    """A chemotherapy the tumour type commonly uses and the germline genes that change its toxicity."""

    drug: str
    genes: tuple[str, ...]
    regimen: str | None
    toxicity: str | None


@dataclasses.dataclass(frozen=True)
class TumorSection:
    """What a report shows about the tumour.

    Attributes
    ----------
    tumor_type : str
        OncoTree code.
    tmb : float or None
        Tumour mutational burden, mutations per megabase.
    msi : str or None
        MSI/MMR status as given (``MSI-H``, ``MSI-L``, ``MSS``, ``dMMR``, ``pMMR``).
    matches : tuple of TherapyMatch
        Sensitivity matches first, then resistance markers; within each, grouped by alteration (gene,
        alteration), the evidence for the tumour type itself before that for a subtype, then by tier.
    toxicity : tuple of ToxicityLink
        Chemotherapy of the tumour type whose germline guidance the report links.
    """

    tumor_type: str
    tmb: float | None = None
    msi: str | None = None
    matches: tuple[TherapyMatch, ...] = ()
    toxicity: tuple[ToxicityLink, ...] = ()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def tumor_section(*, tumor_type: str, matches: pl.DataFrame | None = None, toxicity: pl.DataFrame | None = None,
                  tmb: float | None = None, msi: str | None = None) -> TumorSection:
    """Build the tumour section from the frames :mod:`pgx.oncology` returns.

    Parameters
    ----------
    tumor_type : str
        OncoTree code of the tumour.
    matches : polars.DataFrame, optional
        Therapy matches, with the columns of :func:`pgx.oncology.match`.
    toxicity : polars.DataFrame, optional
        As :func:`pgx.oncology.germline_toxicity` returns (``drug``, ``genes``,
        ``regimen``, ``toxicity``).
    tmb : float, optional
        Mutations per megabase.
    msi : str, optional
        MSI/MMR status.

    Returns
    -------
    TumorSection

    Raises
    ------
    ReportError
        If a frame lacks a column or TMB is not a finite, non-negative number.

    Examples
    --------
    >>> import polars as pl
    >>> matches = pl.DataFrame({"gene": ["BRAF"], "alteration": ["V600E"], "therapy": ["dabrafenib"],
    ...                         "tumor_type": ["MEL"], "tier": ["I-A"], "evidence_level": ["FDA"],
    ...                         "source": ["FDA label"], "match_type": ["exact"], "resistance": [False]})
    >>> section = tumor_section(tumor_type="MEL", matches=matches, tmb=12.5)
    >>> section.matches[0].therapy, section.tmb
    ('dabrafenib', 12.5)
    """
    if not isinstance(tumor_type, str) or not tumor_type.strip():
        raise ReportError(f"tumor_type: expected an OncoTree code, found {tumor_type!r}")
    if tmb is not None:
        if isinstance(tmb, bool) or not isinstance(tmb, (int, float)) or not math.isfinite(tmb) or tmb < 0:
            raise ReportError(f"tmb: expected a non-negative number of mutations per Mb, found {tmb!r}")
        tmb = float(tmb)
    rows: list[TherapyMatch] = []
    if matches is not None:
        missing = [c for c in MATCH_COLUMNS if c not in matches.columns]
        if missing:
            raise ReportError(f"matches: missing column(s) {missing}; found {matches.columns}")
        present = [c for c in OPTIONAL_COLUMNS if c in matches.columns]
        for r in matches.select(*MATCH_COLUMNS, *present).iter_rows(named=True):
            scope = str(r.get("scope") or "tumor_type")
            if scope not in _SCOPE_ORDER:
                raise ReportError(f"matches: column 'scope' should be one of {list(_SCOPE_ORDER)}, found {scope!r}")
            rows.append(TherapyMatch(
                gene=str(r["gene"]), alteration=str(r["alteration"]), therapy=str(r["therapy"]),
                tumor_type=str(r["tumor_type"]), tier=_text(r["tier"]), evidence_level=_text(r["evidence_level"]),
                source=_text(r["source"]), match_type=str(r["match_type"]), resistance=bool(r["resistance"]),
                scope=scope, source_date=_text(r.get("source_date")), locus=_text(r.get("locus"))))
    # sensitivity before resistance; grouped by alteration; the type's own evidence, then subtypes; by
    # tier (I-A first), keeping the matcher's order within
    rows.sort(key=lambda m: (m.resistance, m.gene, m.alteration, _SCOPE_ORDER[m.scope], m.tier or "~"))
    links: list[ToxicityLink] = []
    if toxicity is not None:
        missing = [c for c in ("drug", "genes", "regimen", "toxicity") if c not in toxicity.columns]
        if missing:
            raise ReportError(f"toxicity: missing column(s) {missing}; found {toxicity.columns}")
        for r in toxicity.iter_rows(named=True):
            genes = r["genes"] if isinstance(r["genes"], list) else str(r["genes"] or "").split(";")
            links.append(ToxicityLink(drug=str(r["drug"]), genes=tuple(g for g in genes if g),
                                      regimen=_text(r["regimen"]), toxicity=_text(r["toxicity"])))
    return TumorSection(tumor_type=tumor_type.strip(), tmb=tmb, msi=None if msi is None else str(msi).strip(),
                        matches=tuple(rows), toxicity=tuple(links))
