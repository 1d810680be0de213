"""The feature spec: which columns a feature table has, saved with a model as JSON."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pgx.features._errors import FeatureSpecError

__all__ = ["FeatureSpec", "slug", "SPEC_VERSION", "BIOMARKER_STATS"]

SPEC_VERSION = 1
#: the statistics a biomarker window can hold
BIOMARKER_STATS = ("last", "min", "max", "mean", "count", "slope")


def slug(text: str) -> str:
    """A column-name-safe form of an allele, phenotype or drug name.

    Examples
    --------
    >>> slug("*2"), slug("c.1905+1G>A (*2A)"), slug("Poor Metabolizer")
    ('star2', 'c_1905plus1GtoA_star2A', 'Poor_Metabolizer')
    """
    text = text.replace("*", "star").replace(">", "to").replace("+", "plus")
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


@dataclass
class FeatureSpec:
    """What :func:`pgx.features.build` computes, so training and prediction build the same columns.

    A spec is made from training data (:meth:`infer`, or ``build(..., spec=None)``), saved with a
    model (:meth:`to_json`) and passed back at prediction time. Categories unseen at training
    time and blocks whose input is missing are reported with typed warnings, never silently
    changing the columns.

    Attributes
    ----------
    genes : list of str
        Genes of the calls frame to encode.
    phenotypes : dict of str to list of str
        Per gene, the phenotype labels that get an indicator column.
    alleles : dict of str to list of str
        Per gene, the named alleles that get a count column (0, 1 or 2 copies).
    activity_genes : list of str
        Genes whose activity score is a column.
    phenoconvert : bool
        Add ``CYP2D6_activity_score_pc``: the CYP2D6 activity score times the multiplier of the
        strongest CYP2D6 inhibitor active at the index date (needs calls and treatments).
    variants : list of str
        CallSet variants as ``chrom:pos:ref:alt`` (pos 1-based) encoded per ``genotype_encoding``.
    genotype_encoding : {"dosage", "onehot"}
        Alternate-allele count (null when a call is missing) or three 0/1 genotype columns.
    biomarkers : list of str
        Biomarker names of the long biomarker table.
    windows : list of int
        Look-back windows in days before the index date.
    stats : list of str
        Statistics per biomarker and window: last, min, max, mean, count, slope (per year).
    drugs, drug_classes : list of str
        Drugs and classes with prior-exposure columns.
    comedication_effects : list of str
        ``enzyme_effect_strength`` keys (from the co-medication table) with a concomitant column.
    demographics : dict of str to list of str
        Categorical patient columns (sex, population, site) and their levels.
    age : bool
        Add age at the index date (from birth_year or age of the patients frame).
    index_therapy : bool
        Add the index therapy, the one started on the index date: ``index_drug`` (its drug
        name, a string) and ``index_dose`` (its planned daily dose). When several therapies
        start that day, the one of the highest line (a null line last) and then the first
        row; patients with none get nulls.
    columns : list of str
        The output columns after ``patient_id``, in order.
    version : int
        Spec format version.
    """

    genes: list[str] = field(default_factory=list)
    phenotypes: dict[str, list[str]] = field(default_factory=dict)
    alleles: dict[str, list[str]] = field(default_factory=dict)
    activity_genes: list[str] = field(default_factory=list)
    phenoconvert: bool = False
    variants: list[str] = field(default_factory=list)
    genotype_encoding: str = "dosage"
    biomarkers: list[str] = field(default_factory=list)
    windows: list[int] = field(default_factory=lambda: [365, 1825])
    stats: list[str] = field(default_factory=lambda: list(BIOMARKER_STATS))
    drugs: list[str] = field(default_factory=list)
    drug_classes: list[str] = field(default_factory=list)
    comedication_effects: list[str] = field(default_factory=list)
    demographics: dict[str, list[str]] = field(default_factory=dict)
    age: bool = False
    index_therapy: bool = False
    columns: list[str] = field(default_factory=list)
    version: int = SPEC_VERSION

    def __post_init__(self) -> None:
        if self.genotype_encoding not in ("dosage", "onehot"):
            raise FeatureSpecError(
                f"genotype_encoding must be 'dosage' or 'onehot', found {self.genotype_encoding!r}")
        bad = [s for s in self.stats if s not in BIOMARKER_STATS]
        if bad:
            raise FeatureSpecError(f"unknown biomarker stats {bad}; choose from {list(BIOMARKER_STATS)}")
        if any((not isinstance(w, int)) or w <= 0 for w in self.windows):
            raise FeatureSpecError(f"windows must be positive integers (days), found {self.windows}")

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-compatible data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Rebuild a spec from :meth:`to_dict` output.

        Raises
        ------
        FeatureSpecError
            On unknown keys or a newer format version.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FeatureSpecError(f"feature spec has unknown keys {unknown}; expected some of {sorted(known)}")
        if int(data.get("version", SPEC_VERSION)) > SPEC_VERSION:
            raise FeatureSpecError(
                f"feature spec version {data['version']} is newer than this pgx reads ({SPEC_VERSION})")
        return cls(**data)

    def to_json(self) -> str:
        """The spec as a JSON string (sorted keys, stable across runs).

        Examples
        --------
        >>> spec = FeatureSpec(biomarkers=["eGFR"], windows=[90])
        >>> FeatureSpec.from_json(spec.to_json()) == spec
        True
        """
        return json.dumps(self.to_dict(), sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        """Rebuild a spec from :meth:`to_json` output.

        Raises
        ------
        FeatureSpecError
            If the text is not a JSON object or does not describe a spec.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise FeatureSpecError(f"feature spec is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise FeatureSpecError(f"feature spec must be a JSON object, found {type(data).__name__}")
        return cls.from_dict(data)
