"""Outcome mechanisms with published effect sizes, read from ``reference/simulation/effects.tsv``.

Each mechanism takes per-patient arrays (genotype summaries, covariates at the index date)
and returns the simulated outcome together with its true generating probability or mean,
so a model can be compared against the oracle. The effect sizes are data: every number
comes from a row of the effects table, which names its source and whether it was verified.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from pgx import reference
from pgx.exceptions import ReferenceDataError

__all__ = ["OUTCOMES", "effects_table", "allele_frequency_table", "OutcomeDraw"]

#: the simulated outcomes: name -> (index drugs, kind)
OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {
    "clopidogrel_mace": (("clopidogrel",), "binary"),
    "fluoropyrimidine_toxicity_g3": (("capecitabine", "fluorouracil"), "binary"),
    "thiopurine_myelosuppression": (("azathioprine", "mercaptopurine"), "binary"),
    "statin_myopathy": (("simvastatin",), "binary"),
    "irinotecan_neutropenia_g3": (("irinotecan",), "binary"),
    "tacrolimus_time_to_target": (("tacrolimus",), "time"),
    "codeine_response": (("codeine",), "binary"),
    "warfarin_weekly_dose": (("warfarin",), "continuous"),
}

_EFFECT_COLUMNS = ("outcome", "term", "effect_type", "value", "ci_low", "ci_high", "scale", "verified",
                   "source", "note")
_FREQ_COLUMNS = ("gene", "allele", "population", "frequency", "verified")
#: tacrolimus: follow-up (days) after which time to target is censored, and the day of the binary summary
TACROLIMUS_CENSOR_DAYS = 30.0
TACROLIMUS_SUMMARY_DAY = 7.0


def _read(name: str, columns: tuple[str, ...], reference_dir: str | None) -> pl.DataFrame:
    path = reference.reference_dir(reference_dir) / "simulation" / name
    if not path.is_file():
        raise ReferenceDataError(f"{path}: simulation table is missing")
    frame = pl.read_csv(path, separator="\t", comment_prefix="#", infer_schema_length=0)
    if tuple(frame.columns) != columns:
        raise ReferenceDataError(f"{path}: expected columns {list(columns)}, found {frame.columns}")
    return frame


@lru_cache(maxsize=8)
def _effects(reference_dir: str | None) -> pl.DataFrame:
    frame = _read("effects.tsv", _EFFECT_COLUMNS, reference_dir)
    try:
        return frame.with_columns(pl.col("value", "ci_low", "ci_high").cast(pl.Float64))
    except pl.exceptions.InvalidOperationError as err:
        raise ReferenceDataError(f"effects.tsv: value, ci_low and ci_high must be numbers ({err})") from None


@lru_cache(maxsize=8)
def _frequencies(reference_dir: str | None) -> pl.DataFrame:
    frame = _read("allele_frequencies.tsv", _FREQ_COLUMNS, reference_dir)
    return frame.with_columns(pl.col("frequency").cast(pl.Float64))


def effects_table(*, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the effect sizes the simulator plants, with their sources.

    Parameters
    ----------
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    polars.DataFrame
        Columns ``outcome``, ``term``, ``effect_type`` (OR, HR, RR, coef, ...), ``value``,
        ``ci_low``, ``ci_high``, ``scale``, ``verified`` (yes/derived/no), ``source``, ``note``.

    Raises
    ------
    ReferenceDataError
        If the table is missing or malformed.

    Examples
    --------
    >>> t = effects_table()
    >>> t.filter(pl.col("term") == "CYP2C19_no_function_alleles=1").select("value", "verified").row(0)
    (1.55, 'yes')
    """
    return _effects(None if reference_dir is None else os.fspath(reference_dir))


def allele_frequency_table(*, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the per-population allele frequencies the simulator draws from.

    Parameters
    ----------
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    polars.DataFrame
        Columns ``gene``, ``allele``, ``population``, ``frequency``, ``verified``.

    Examples
    --------
    >>> f = allele_frequency_table()
    >>> sorted(f["population"].unique())[:2]
    ['Central/South Asian', 'East Asian']
    """
    return _frequencies(None if reference_dir is None else os.fspath(reference_dir))


class _Effects:
    """Lookup of one outcome's terms."""

    def __init__(self, table: pl.DataFrame, outcome: str) -> None:
        rows = table.filter(pl.col("outcome") == outcome)
        self.outcome = outcome
        self.values = dict(zip(rows["term"].to_list(), rows["value"].to_list()))

    def __getitem__(self, term: str) -> float:
        try:
            return float(self.values[term])
        except KeyError:
            raise ReferenceDataError(
                f"effects.tsv: outcome {self.outcome!r} has no term {term!r}; found {sorted(self.values)}"
            ) from None

    def get(self, term: str, default: float) -> float:
        return float(self.values.get(term, default))


@dataclass(frozen=True)
class OutcomeDraw:
    """One mechanism's draw for the patients it applies to.

    Attributes
    ----------
    value : numpy.ndarray of float64
        0/1 for binary outcomes, days for time outcomes, the dose for continuous ones.
    event : numpy.ndarray of bool or None
        For time outcomes, whether the event happened before censoring.
    p_true : numpy.ndarray of float64
        The generating probability (binary outcomes; time outcomes: event by day 7); NaN otherwise.
    mu_true : numpy.ndarray of float64
        The generating mean (continuous outcomes) or median time (time outcomes); NaN otherwise.
    """

    value: np.ndarray
    event: np.ndarray | None
    p_true: np.ndarray
    mu_true: np.ndarray


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _binary(p: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    value = (rng.random(p.shape[0]) < p).astype(np.float64)
    return OutcomeDraw(value, None, p, np.full(p.shape[0], np.nan))


def clopidogrel_mace(eff: _Effects, *, lof: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """MACE within a year: cloglog model, HR by number of CYP2C19 no-function alleles."""
    hr = np.ones(lof.shape[0])
    hr = np.where(lof == 1, eff["CYP2C19_no_function_alleles=1"], hr)
    hr = np.where(lof >= 2, eff["CYP2C19_no_function_alleles=2"], hr)
    hr = hr * eff["age_per_decade"] ** ((age - 60.0) / 10.0)
    p = 1.0 - (1.0 - eff["baseline"]) ** hr
    return _binary(p, rng)


def fluoropyrimidine_toxicity(eff: _Effects, *, dpyd_alleles: tuple[np.ndarray, np.ndarray], allele_names: list[str],
                              dose_fraction: np.ndarray, egfr: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Grade >= 3 toxicity: log-risk model, RR per carried DPYD variant, dose intensity and eGFR."""
    rr_by_allele = np.array([eff.get(f"DPYD:{name}", 1.0) for name in allele_names])
    rr = rr_by_allele[dpyd_alleles[0]] * rr_by_allele[dpyd_alleles[1]]
    rr = rr * dose_fraction ** eff["dose_fraction_exponent"]
    rr = rr * np.where(egfr < 60.0, eff["egfr_below_60"], 1.0)
    p = np.minimum(eff["baseline"] * rr, 0.95)
    return _binary(p, rng)


def _phenotype_logit(eff: _Effects, gene: str, phenotypes: np.ndarray) -> np.ndarray:
    out = np.zeros(phenotypes.shape[0])
    for label in ("Intermediate Metabolizer", "Poor Metabolizer"):
        out += np.where(phenotypes == label, np.log(eff.get(f"{gene}={label}", 1.0)), 0.0)
    return out


def thiopurine_myelosuppression(eff: _Effects, *, tpmt: np.ndarray, nudt15: np.ndarray,
                                rng: np.random.Generator) -> OutcomeDraw:
    """Myelosuppression: logit model, OR by TPMT and NUDT15 phenotype (additive on the logit)."""
    x = _logit(eff["baseline"]) + _phenotype_logit(eff, "TPMT", tpmt) + _phenotype_logit(eff, "NUDT15", nudt15)
    return _binary(_logistic(x), rng)


def statin_myopathy(eff: _Effects, *, decreased: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Myopathy: logit model, OR per no/decreased-function SLCO1B1 allele."""
    x = _logit(eff["baseline"]) + decreased * np.log(eff["SLCO1B1_decreased_alleles"])
    return _binary(_logistic(x), rng)


def irinotecan_neutropenia(eff: _Effects, *, decreased: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Grade >= 3 neutropenia: logit model, OR by number of decreased-function UGT1A1 alleles."""
    x = np.full(decreased.shape[0], _logit(eff["baseline"]))
    x += np.where(decreased == 1, np.log(eff["UGT1A1_decreased_alleles=1"]), 0.0)
    x += np.where(decreased >= 2, np.log(eff["UGT1A1_decreased_alleles=2"]), 0.0)
    return _binary(_logistic(x), rng)


def tacrolimus_time_to_target(eff: _Effects, *, expresser: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Days to a trough in range: exponential, HR for CYP3A5 expressers; censored at 30 days."""
    rate = np.log(2.0) / eff["baseline_median_days"] * np.where(expresser, eff["CYP3A5_expresser"], 1.0)
    time = rng.exponential(1.0 / rate)
    event = time <= TACROLIMUS_CENSOR_DAYS
    value = np.minimum(time, TACROLIMUS_CENSOR_DAYS)
    p_by_day = 1.0 - np.exp(-rate * TACROLIMUS_SUMMARY_DAY)
    return OutcomeDraw(value, event, p_by_day, np.log(2.0) / rate)


def codeine_response(eff: _Effects, *, activity: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Adequate analgesia: logit model on the phenoconverted CYP2D6 activity score (capped at 2)."""
    score = np.minimum(np.nan_to_num(activity, nan=1.0), 2.0)
    x = _logit(eff["baseline"]) + score * np.log(eff["CYP2D6_activity_score"])
    return _binary(_logistic(x), rng)


def warfarin_weekly_dose(eff: _Effects, *, age: np.ndarray, height: np.ndarray, weight: np.ndarray,
                         vkorc1: np.ndarray, cyp2c9: np.ndarray, race: np.ndarray, inducer: np.ndarray,
                         amiodarone: np.ndarray, rng: np.random.Generator) -> OutcomeDraw:
    """Stable weekly dose (mg): IWPC-structured linear model on sqrt(dose) plus Normal noise."""
    mean = (eff["intercept"] + eff["age_decades"] * np.floor(age / 10.0) + eff["height_cm"] * height
            + eff["weight_kg"] * weight)
    for label in ("A/G", "A/A"):
        mean = mean + np.where(vkorc1 == label, eff[f"VKORC1={label}"], 0.0)
    for label in ("*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3"):
        mean = mean + np.where(cyp2c9 == label, eff[f"CYP2C9={label}"], 0.0)
    for label in ("Asian", "Black", "Mixed"):
        mean = mean + np.where(race == label, eff[f"race={label}"], 0.0)
    mean = mean + inducer * eff["enzyme_inducer"] + amiodarone * eff["amiodarone"]
    sd = eff["residual_sd"]
    root = np.maximum(mean + rng.normal(0.0, sd, mean.shape[0]), 0.8)
    return OutcomeDraw(root**2, None, np.full(mean.shape[0], np.nan), mean**2 + sd**2)
