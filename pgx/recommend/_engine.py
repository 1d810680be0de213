"""Turn per-gene calls into drug guidance, with phenoconversion by co-medication.

All rules come from the tables loaded by :mod:`pgx.recommend._tables`; this module only
evaluates them.
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import polars as pl

from pgx.calling import HLA_TAG_PROXY
from pgx.exceptions import PgxError
from pgx.phenotype import INDETERMINATE, gene_phenotypes
from pgx.recommend._errors import RecommendationError, UnknownDrugError, UnknownMedicationWarning
from pgx.recommend._tables import (
    SOURCES,
    Condition,
    comedications,
    guidelines,
    parse_condition,
    phenoconversion_tables,
)

__all__ = ["NOT_CALLED", "RECOMMENDATION_COLUMNS", "recommend"]

NOT_CALLED = "no recommendation: gene not called"
# most cautious first: used to pick the action reported when possible diplotypes disagree
_SEVERITY = ("avoid", "consider_alternative", "adjust_dose", "monitor", "standard", "no_recommendation")
_STRENGTH = {"strong": 3, "moderate": 2, "weak": 1}
RECOMMENDATION_COLUMNS = {
    "sample_id": pl.String, "drug": pl.String, "source": pl.String, "guideline_version": pl.String,
    "genes": pl.List(pl.String), "phenotypes": pl.List(pl.String), "effective_phenotypes": pl.List(pl.String),
    "implication": pl.String, "recommendation": pl.String, "classification": pl.String, "action": pl.String,
    "ambiguous": pl.Boolean, "reasons": pl.List(pl.String), "sources_disagree": pl.Boolean,
}
# the actions that disagree when one source gives one kind and another source the other kind
_CAUTIOUS = ("avoid", "consider_alternative")


@dataclass(frozen=True)
class _State:
    """One possible state of one gene for one sample."""

    gene: str
    phenotype: str | None
    activity: float | None
    diplotype: str | None

    def describe(self) -> str:
        """``GENE: phenotype (activity score x)``, or the diplotype where there is no phenotype."""
        return _describe(self)


@lru_cache(maxsize=65536)
def _describe(state: _State) -> str:
    text = state.phenotype or state.diplotype or "unknown"
    if state.gene.startswith("HLA-") and state.diplotype and not state.phenotype:
        text = state.diplotype
    if state.activity is not None:
        text += f" (activity score {state.activity:g})"
    return f"{state.gene}: {text}"


_STATUS_WORDS = re.compile(r"\b(positive|negative)\b")


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=65536)
def _is_status_text(text: str) -> bool:
    """Whether a diplotype is written as allele statuses (an HLA tag-SNP proxy), not allele names."""
    return _STATUS_WORDS.search(text.lower()) is not None


@lru_cache(maxsize=65536)
def _allele_status(state: _State, allele: str) -> bool | None:
    """Whether ``state`` carries an HLA allele: from the diplotype, else from the status words
    of the phenotype (or of a diplotype written as statuses, as tag-SNP proxies are).

    A proxy covers only its tagged alleles: any other allele has no status (None), so a
    rule about it does not match."""
    if state.diplotype and not _is_status_text(state.diplotype):
        haplotypes = [h.strip() for h in state.diplotype.split("/")]
        haplotypes = [h if h.startswith("*") else "*" + h.split("*", 1)[-1] for h in haplotypes]
        return any(h == allele or h.startswith(allele + ":") for h in haplotypes)
    for source in (state.phenotype, state.diplotype):
        if not source:
            continue
        text = _norm(source)
        for word, positive in (("positive", True), ("negative", False)):
            if f"{state.gene.lower()}{allele} {word}" in text or text.startswith(f"{allele} {word}") \
                    or f" {allele} {word}" in f" {text}" or f";{allele} {word}" in text.replace("; ", ";"):
                return positive
    return None


def _matches(term: Condition, state: _State) -> bool:
    if term.kind == "any":
        return True
    if term.kind == "phenotype":
        return state.phenotype is not None and _norm(state.phenotype) in term.values
    if term.kind == "activity":
        return state.activity is not None and term.low - 1e-9 <= state.activity <= term.high + 1e-9
    if term.kind == "diplotype":
        if not state.diplotype or _is_status_text(state.diplotype):
            return False
        return _haplotype_set(state.diplotype) == term.values
    status = _allele_status(state, term.allele)
    return status is not None and status == term.positive


@lru_cache(maxsize=65536)
def _haplotype_set(diplotype: str) -> frozenset[str]:
    return frozenset(h.strip() for h in diplotype.split("/"))


class _Phenoconverter:
    """Apply the co-medication rules of ``phenoconversion.tsv`` and ``activity_bins.tsv``."""

    def __init__(self, reference_dir) -> None:
        rules, bins = phenoconversion_tables(reference_dir)
        self.rules = {(r["enzyme"], r["effect"], r["strength"]): (r["method"], r["value"]) for r in rules.iter_rows(named=True)}
        self.ladders: dict[str, list[dict]] = {}
        for row in bins.sort("gene", "step").iter_rows(named=True):
            self.ladders.setdefault(row["gene"], []).append(row)
        self.perpetrators = comedications(reference_dir=reference_dir)

    def _step(self, gene: str, phenotype: str | None) -> int | None:
        if phenotype is None:
            return None
        text = _norm(phenotype)
        for prefix in ("likely ", "possible "):
            text = text.removeprefix(prefix)
        for row in self.ladders.get(gene, []):
            if _norm(row["phenotype"]) == text:
                return row["step"]
        return None

    def _bin(self, gene: str, activity: float) -> str | None:
        for row in self.ladders.get(gene, []):
            if row["lower"] is None:
                return None
            above = activity > row["lower"] or (row["lower_inclusive"] and math.isclose(activity, row["lower"]))
            below = activity < row["upper"] or (row["upper_inclusive"] and math.isclose(activity, row["upper"]))
            if above and below:
                return row["phenotype"]
        return None

    def effects(self, medications: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """Enzyme -> (effect, strength, drug) of the strongest perpetrator (inhibitors before inducers)."""
        chosen: dict[str, tuple[str, str, str]] = {}
        table = self.perpetrators.filter(pl.col("drug").is_in(list(medications)))
        for row in table.iter_rows(named=True):
            key = (row["effect"] == "inhibitor", _STRENGTH[row["strength"]])
            old = chosen.get(row["enzyme"])
            if old is None or key > (old[0] == "inhibitor", _STRENGTH[old[1]]):
                chosen[row["enzyme"]] = (row["effect"], row["strength"], row["drug"])
        return chosen

    def convert(self, state: _State, effect: tuple[str, str, str] | None) -> tuple[_State, str | None]:
        """Return the effective state and a reason when the co-medication changed it."""
        if effect is None:
            return state, None
        kind, strength, drug = effect
        rule = self.rules.get((state.gene, kind, strength))
        if rule is None:
            return state, None
        method, value = rule
        new = state
        if method == "activity_multiplier" and state.activity is not None:
            activity = state.activity * float(value)
            new = replace(state, activity=activity, phenotype=self._bin(state.gene, activity) or state.phenotype)
        else:
            if method == "activity_multiplier":  # no activity score: the equivalent phenotype shift
                value = {0.0: "floor", 1.0: "0"}.get(float(value), "-1")
            step = self._step(state.gene, state.phenotype)
            ladder = self.ladders.get(state.gene, [])
            if step is None or not ladder:
                return state, None
            target = 0 if value == "floor" else min(max(step + int(value), 0), len(ladder) - 1)
            if target != step:
                row = ladder[target]
                activity = state.activity if state.activity is None or row["lower"] is None else row["lower"]
                new = replace(state, phenotype=row["phenotype"], activity=activity)
        if new == state:
            return state, None
        return new, (f"{state.gene}: {drug} ({strength} {state.gene} {kind}) changes "
                     f"{state.describe().split(': ', 1)[1]} to {new.describe().split(': ', 1)[1]}")


def _own_phenotype(gene: str, diplotype: str | None, phenotype: str | None, warnings: list[str],
                   reference_dir) -> str | None:
    """The phenotype of the reported diplotype itself. The calls table says ``Indeterminate``
    when tied diplotypes imply different phenotypes (``ambiguous_phenotype``); each possible
    diplotype is then weighed with its own phenotype."""
    if phenotype != INDETERMINATE or "ambiguous_phenotype" not in warnings or not diplotype:
        return phenotype
    try:
        rules = gene_phenotypes(gene, None if reference_dir is None else os.fspath(reference_dir))
    except PgxError:
        return phenotype
    a, _, b = diplotype.partition("/")
    return rules.assign(a, b or None)[3]


def _gene_states(call: dict | None, gene: str, reference_dir=None) -> tuple[list[_State] | None, list[str]]:
    """Possible states of a gene for a sample, or None when the gene is not called."""
    if call is None:
        return None, [f"{gene}: not in the calls"]
    call_warnings = list(call.get("warnings") or [])
    phenotype, diplotype = call.get("phenotype"), call.get("diplotype")
    called = "not_called" not in call_warnings and (
        phenotype is not None or (gene.startswith("HLA-") and diplotype is not None))
    if not called:
        return None, [f"{gene}: not called"]
    activity = call.get("activity_score")
    activity = None if activity is None or (isinstance(activity, float) and math.isnan(activity)) else float(activity)
    phenotype = _own_phenotype(gene, diplotype, phenotype, call_warnings, reference_dir)
    states = [_State(gene, phenotype, activity, diplotype)]
    reasons = []
    if HLA_TAG_PROXY in call_warnings:
        reasons.append(f"{gene}: tag-SNP proxy ({diplotype}), not an HLA typing: other {gene} alleles are "
                       "unknown; confirm with HLA typing")
    alternatives = list(call.get("alternatives") or [])
    if alternatives:
        alt_phenotypes = call.get("alternative_phenotypes")
        if alt_phenotypes is not None and len(alt_phenotypes) == len(alternatives):
            try:
                rules = gene_phenotypes(gene, None if reference_dir is None else os.fspath(reference_dir))
            except PgxError:
                rules = None
            for alt, alt_phenotype in zip(alternatives, alt_phenotypes):
                # each alternative with its own activity score (rules keyed on scores, DPYD's,
                # must see a poor metabolizer's 0 as such)
                a, _, b = alt.partition("/")
                alt_activity = (rules.assign(a, b or None)[2] if rules is not None and rules.kind == "activity_score"
                                else activity if alt_phenotype == phenotype else None)
                candidate = _State(gene, alt_phenotype, alt_activity, alt)
                # one state per phenotype (per allele set for HLA, whose rules read the alleles)
                if all((s.phenotype, s.activity) != (candidate.phenotype, candidate.activity)
                       or (gene.startswith("HLA-") and s.diplotype != alt) for s in states):
                    states.append(candidate)
        else:
            reasons.append(f"{gene}: ambiguous call (other diplotypes {', '.join(alternatives)} have no phenotype given); "
                           f"the recommendation follows {diplotype} and may differ for them")
    return states, reasons


def _possible_rows(rows: list[dict], states: dict[str, _State], missing: set[str]) -> tuple[list[dict], bool]:
    """The rows that match ``states`` or could, in table order, up to the first that surely
    matches; and whether one surely matches.

    A term on a gene that is not called (``missing``) holds whatever that gene is when it
    is ``GENE=*``; any other such term may or may not hold, so its row only could match.
    """
    found = []
    for row in rows:
        sure = True
        for term in row["terms"]:
            if term.gene in missing:
                sure = sure and term.kind == "any"
            elif not _matches(term, states[term.gene]):
                break
        else:
            found.append(row)
            if sure:
                return found, True
    return found, False


def _validate_calls(calls: pl.DataFrame) -> None:
    if not isinstance(calls, pl.DataFrame):
        raise RecommendationError(f"calls: expected a polars DataFrame, found {type(calls).__name__}")
    missing = [c for c in ("sample_id", "gene", "diplotype", "phenotype") if c not in calls.columns]
    if missing:
        raise RecommendationError(f"calls: missing column(s) {missing}; found {calls.columns}")
    duplicated = calls.group_by("sample_id", "gene").len().filter(pl.col("len") > 1)
    if duplicated.height:
        gene = duplicated["gene"][0]
        raise RecommendationError(f"calls: gene {gene} appears more than once for one sample")


def _medications_by_sample(medications: pl.DataFrame | None, known: set[str]) -> dict[str, set[str]]:
    if medications is None:
        return {}
    if not isinstance(medications, pl.DataFrame) or not {"sample_id", "drug"} <= set(medications.columns):
        raise RecommendationError("medications: expected a polars DataFrame with columns sample_id and drug")
    by_sample: dict[str, set[str]] = {}
    unknown: set[str] = set()
    for sample, drug in medications.select("sample_id", "drug").iter_rows():
        if drug is None:
            continue
        name = _norm(drug)
        if name not in known:
            unknown.add(name)
        by_sample.setdefault(sample, set()).add(name)
    if unknown:
        warnings.warn(
            f"medications: {sorted(unknown)} not in pgx's co-medication or guideline tables; "
            "assumed not to change any phenotype", UnknownMedicationWarning, stacklevel=3)
    return by_sample


def recommend(
    calls: pl.DataFrame,
    *,
    drugs: Sequence[str] | None = None,
    medications: pl.DataFrame | None = None,
    sources: Sequence[str] = SOURCES,
    reference_dir: str | os.PathLike[str] | None = None,
) -> pl.DataFrame:
    """Drug guidance per sample from the CPIC, DPWG and FDA tables, after phenoconversion.

    Parameters
    ----------
    calls : polars.DataFrame
        One row per (sample, gene), as :func:`pgx.call` returns: ``sample_id``, ``gene``,
        ``diplotype``, ``phenotype`` and, when present, ``activity_score``, ``alternatives``,
        ``alternative_phenotypes`` (``list[str]`` parallel to ``alternatives``) and
        ``warnings``. HLA genes may give the diplotype (``"*57:01/*08:01"``) and leave the
        phenotype null, or give allele statuses as phenotype (``"HLA-B*57:01 positive"``,
        several joined by ``"; "``). Tag-SNP proxy rows (warning ``hla_tag_proxy``) give
        statuses for their tagged alleles only; rules about other alleles do not match them,
        and their reasons say the call is a proxy.
    drugs : sequence of str, optional
        Drug names (case-insensitive). Default: every drug of the chosen sources.
    medications : polars.DataFrame, optional
        The patients' current medications, columns ``sample_id`` and ``drug``; inhibitors
        and inducers among them phenoconvert CYP2D6, CYP2C19, CYP2C9, CYP3A4 and CYP3A5.
    sources : sequence of {"CPIC", "DPWG", "FDA"}, default all three
        FDA is the FDA Table of Pharmacogenetic Associations: it lists affected subgroups only, so
        other genotypes get an FDA row saying the table has none for them.
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    polars.DataFrame
        One row per (sample, drug, source, guideline) that has guideline rows (DPWG gives one
        guideline per gene of a drug, so azathioprine has a TPMT and an NUDT15 row), with ``sample_id``,
        ``drug``, ``source``, ``guideline_version``, ``genes`` (list), ``phenotypes`` and
        ``effective_phenotypes`` (lists of ``"GENE: phenotype"`` strings, with
        ``" (activity score X)"`` where the gene has one; effective = after
        phenoconversion), ``implication``, ``recommendation``, ``classification``,
        ``action`` (standard, adjust_dose, consider_alternative, avoid, monitor,
        no_recommendation), ``ambiguous`` (the possible diplotypes lead to different
        recommendations; then the most cautious action is reported and the recommendation
        lists each), ``reasons`` (the gene states, conditions and medications behind
        the row) and ``sources_disagree`` (for this sample and drug one source says avoid or
        another drug while another says standard dosing; set on every row of the drug).

    Raises
    ------
    UnknownDrugError
        If a drug has no guideline row; the message lists the closest known names.
    RecommendationError
        If ``calls`` or ``medications`` lacks a column or ``sources`` names a source other than
        CPIC, DPWG and FDA.

    Warns
    -----
    UnknownMedicationWarning
        If a medication is in neither the co-medication table nor the guideline tables.

    Examples
    --------
    >>> import polars as pl
    >>> calls = pl.DataFrame({"sample_id": ["s1"], "gene": ["CYP2D6"], "diplotype": ["*1/*1"],
    ...                       "phenotype": ["Normal Metabolizer"], "activity_score": [2.0]})
    >>> meds = pl.DataFrame({"sample_id": ["s1"], "drug": ["paroxetine"]})
    >>> out = recommend(calls, drugs=["codeine"], medications=meds, sources=["CPIC"])
    >>> out.select("effective_phenotypes", "action").row(0)
    (['CYP2D6: Poor Metabolizer (activity score 0)'], 'avoid')
    """
    _validate_calls(calls)
    if isinstance(sources, str):
        sources = (sources,)
    table = guidelines(sources=tuple(sources), reference_dir=reference_dir)
    known_drugs = list(dict.fromkeys(table["drug"].to_list()))
    if drugs is None:
        wanted = known_drugs
    else:
        if isinstance(drugs, str):
            drugs = [drugs]
        wanted = []
        for drug in drugs:
            name = _norm(drug)
            if name not in known_drugs:
                raise UnknownDrugError(drug, difflib.get_close_matches(name, known_drugs, n=3, cutoff=0.6))
            wanted.append(name)
        wanted = list(dict.fromkeys(wanted))
    converter = _Phenoconverter(reference_dir)
    known_meds = set(converter.perpetrators["drug"].to_list()) | set(
        guidelines(reference_dir=reference_dir)["drug"].to_list())
    meds = _medications_by_sample(medications, known_meds)

    # one guideline per (drug, source, genes): DPWG publishes one per gene of a drug (azathioprine:
    # TPMT and NUDT15), each reported as its own row
    rules: dict[tuple[str, str], dict[tuple[str, ...], list[dict]]] = {}
    for row in table.iter_rows(named=True):
        row["terms"] = _parsed(row["condition"], row["source"], row["row"])
        rules.setdefault((row["drug"], row["source"]), {}).setdefault(tuple(row["genes"]), []).append(row)

    # samples whose gene states and co-medications are the same get the same answer: each distinct
    # answer is worked out once (for its first sample) and the output gathers them by index
    tasks = [(drug, source, gene_rules) for drug in wanted for source in sources
             for gene_rules in rules.get((drug, source), {}).values()]
    sample_ids, short_ids, full_ids, rows_of = _call_ids(calls)
    n = len(sample_ids)

    # only what the guidance reads (a calls frame from pgx.call also carries long position lists)
    read = calls.select([c for c in ("sample_id", "gene", "diplotype", "phenotype", "activity_score", "alternatives",
                                     "alternative_phenotypes", "warnings") if c in calls.columns])

    genes_of_rows = read["gene"].to_list()
    row_of = {(i, genes_of_rows[r]): r for i, rows in enumerate(rows_of) for r in rows}

    # a gene's possible states depend on the call only (its 'full' id), not on the sample or drug;
    # the call's row is read only when its states are not known yet
    state_cache: dict[tuple[str, int], tuple[list[_State] | None, list[str]]] = {}

    def states_for(i: int):
        def states(gene: str):
            key = (gene, int(full_ids[gene][i]) if gene in full_ids else 0)
            if key not in state_cache:
                r = row_of.get((i, gene))
                state_cache[key] = _gene_states(None if r is None else read.row(r, named=True), gene, reference_dir)
            found, reasons = state_cache[key]
            return found, list(reasons)
        return states

    meds_of = [frozenset(meds.get(sample, ())) for sample in sample_ids]
    effect_cache: dict[frozenset, tuple[dict, int]] = {}
    effect_kinds: dict[tuple, int] = {}

    def effect_id(medications: frozenset) -> tuple[dict, int]:
        """The co-medication effects of a set of medications and an id shared by equal effects."""
        if medications not in effect_cache:
            found = converter.effects(medications)
            kind = effect_kinds.setdefault(tuple(sorted(found.items())), len(effect_kinds))
            effect_cache[medications] = (found, kind)
        return effect_cache[medications]

    base_effects = np.array([effect_id(m)[1] for m in meds_of], dtype=np.int64)
    taken = frozenset().union(*meds_of)
    radix = max([int(a.max()) + 1 for a in full_ids.values() if a.size] + [1])
    unique: list[dict] = []
    index = np.empty((n, len(tasks)), dtype=np.int64)
    missing = np.zeros(n, dtype=np.int64)  # the id of 'gene not in the calls'
    for t, (drug, source, drug_rules) in enumerate(tasks):
        named = {term.gene for row in drug_rules for term in row["terms"] if term.kind == "diplotype"}
        effects = base_effects
        if drug in taken:
            # a drug does not phenoconvert its own guidance (paroxetine's advice is read from the
            # genotype; its inhibition of CYP2D6 changes the advice for the patient's other drugs)
            effects = np.array([effect_id(m - {drug})[1] if drug in m else base_effects[i]
                                for i, m in enumerate(meds_of)], dtype=np.int64)
        code, code_full, absent = effects.copy(), effects.copy(), np.zeros(n, dtype=bool)
        for gene in drug_rules[0]["genes"]:
            ids = (full_ids if gene in named or gene.startswith("HLA-") else short_ids).get(gene, missing)
            code = code * radix + ids  # mixed radix: one integer per distinct combination
            code_full = code_full * radix + full_ids.get(gene, missing)
            # a gene absent, not called or with alternatives (its short id is its full id): the
            # advice may list possibilities labelled with every gene's diplotype, so key on those
            absent |= short_ids.get(gene, missing) == full_ids.get(gene, missing)
        code = np.where(absent, -1 - code_full, code)
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        index[:, t] = len(unique) + inverse.reshape(-1)
        for i in first:
            drug_effects = effect_id(meds_of[i] - {drug})[0] if drug in meds_of[i] else effect_id(meds_of[i])[0]
            unique.append(_recommend_one(sample_ids[i], drug, source, drug_rules, drug_effects,
                                         converter, states_for(i)))
    frame = _frame(unique)
    flags = _disagreement(unique, index, [drug for drug, _, _ in tasks])
    if unique:
        frame = frame[index.reshape(-1)].with_columns(
            pl.Series("sample_id", np.repeat(np.array(sample_ids, dtype=object), len(tasks)), dtype=pl.String),
            pl.Series("sources_disagree", flags.reshape(-1), dtype=pl.Boolean))
    else:
        frame = frame.with_columns(pl.lit(False, dtype=pl.Boolean).alias("sources_disagree"))
    return frame


@lru_cache(maxsize=8192)
def _parsed(condition: str, source: str, row: int) -> tuple[Condition, ...]:
    """A condition's terms, parsed once (the tables were validated when loaded)."""
    return parse_condition(condition, path=source, row=row)  # type: ignore[arg-type]


def _call_ids(calls: pl.DataFrame) -> tuple[list[str], dict[str, np.ndarray], dict[str, np.ndarray], list[list[int]]]:
    """Samples (in first-seen order); per gene and sample an id of what the guidance reads from the
    call (0: not in the calls) without the diplotype ('short', unless the call needs it: no
    phenotype, alternatives, ambiguous phenotype) and with it ('full', for rules that name
    diplotypes and for HLA genes); and each sample's row numbers."""
    def joined(name: str) -> pl.Expr:
        if name not in calls.columns:
            return pl.lit("\x00")
        column = pl.col(name)
        if isinstance(calls.schema[name], pl.List):
            column = column.cast(pl.List(pl.String)).list.join("\x1f")
        return column.cast(pl.String).fill_null("\x00")

    rest = [joined(c) for c in ("phenotype", "activity_score", "alternatives", "alternative_phenotypes", "warnings")]
    needs = pl.col("phenotype").is_null()
    for name in ("alternatives",):
        if name in calls.columns:
            needs = needs | (pl.col(name).list.len().fill_null(0) > 0)
    if "warnings" in calls.columns:
        needs = needs | pl.col("warnings").list.contains("ambiguous_phenotype").fill_null(False)
    keyed = calls.select(
        pl.col("sample_id").cast(pl.String), pl.col("gene").cast(pl.String),
        pl.concat_str([joined("diplotype"), *rest], separator="\x1e").alias("full"),
        pl.when(needs).then(pl.concat_str([joined("diplotype"), *rest], separator="\x1e"))
        .otherwise(pl.concat_str([pl.lit("\x02"), *rest], separator="\x1e")).alias("short"),
    ).with_row_index("row")
    # one id space for both keys, 0 kept for 'gene not in the calls'
    codes = pl.concat([keyed["full"], keyed["short"]]).cast(pl.Categorical).to_physical().cast(pl.Int64) + 1
    keyed = keyed.with_columns(full=codes[:keyed.height], short=codes[keyed.height:])
    sample_ids = keyed["sample_id"].unique(maintain_order=True).to_list()
    position = {s: i for i, s in enumerate(sample_ids)}
    sample_index = np.array([position[s] for s in keyed["sample_id"].to_list()], dtype=np.int64)
    short_ids: dict[str, np.ndarray] = {}
    full_ids: dict[str, np.ndarray] = {}
    for (gene,), part in keyed.with_columns(pl.Series("i", sample_index)).group_by("gene"):
        short, full = np.zeros(len(sample_ids), dtype=np.int64), np.zeros(len(sample_ids), dtype=np.int64)
        where = part["i"].to_numpy()
        short[where], full[where] = part["short"].to_numpy(), part["full"].to_numpy()
        short_ids[gene], full_ids[gene] = short, full
    rows_of: list[list[int]] = [[] for _ in sample_ids]
    for row, i in zip(keyed["row"].to_list(), sample_index.tolist()):
        rows_of[i].append(row)
    return sample_ids, short_ids, full_ids, rows_of


def _disagreement(unique: list[dict], index: np.ndarray, task_drugs: list[str]) -> np.ndarray:
    """Per (sample, task): for this sample and drug one source says avoid or choose another drug
    while another source says standard dosing (every row of that sample and drug is flagged)."""
    flags = np.zeros(index.shape, dtype=bool)
    if not unique:
        return flags
    cautious = np.array([u["action"] in _CAUTIOUS for u in unique])
    standard = np.array([u["action"] == "standard" for u in unique])
    source_of = [u["source"] for u in unique]
    by_drug: dict[str, list[int]] = {}
    for t, drug in enumerate(task_drugs):
        by_drug.setdefault(drug, []).append(t)
    for columns in by_drug.values():
        per_source: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t in columns:
            c, s = cautious[index[:, t]], standard[index[:, t]]
            source = source_of[index[0, t]] if index.shape[0] else ""
            old = per_source.get(source)
            per_source[source] = (c, s) if old is None else (old[0] | c, old[1] | s)
        if len(per_source) < 2:
            continue
        any_c = np.any([c for c, _ in per_source.values()], axis=0)
        any_s = np.any([s for _, s in per_source.values()], axis=0)
        voices = np.sum([c | s for c, s in per_source.values()], axis=0)
        flag = any_c & any_s & (voices > 1)
        for t in columns:
            flags[:, t] = flag
    return flags


_LIST_SEP = "\x1f"


def _frame(rows: list[dict]) -> pl.DataFrame:
    """Rows -> the recommendations frame, list columns built vectorised (not per element)."""
    list_columns = [name for name, dtype in RECOMMENDATION_COLUMNS.items() if dtype == pl.List(pl.String)]
    columns = {name: dtype for name, dtype in RECOMMENDATION_COLUMNS.items() if name != "sources_disagree"}
    data = {
        name: ([_LIST_SEP.join(row[name]) for row in rows] if name in list_columns else [row[name] for row in rows])
        for name in columns
    }
    schema = {name: (pl.String if name in list_columns else dtype) for name, dtype in columns.items()}
    frame = pl.DataFrame(data, schema=schema)
    return frame.with_columns(
        pl.when(pl.col(name) == "").then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col(name).str.split(_LIST_SEP)).alias(name)
        for name in list_columns
    )


def _term_text(term: Condition) -> str:
    """A condition term in words: ``HLA-A *31:01 positive``, ``NUDT15 poor metabolizer``."""
    if term.kind == "allele":
        return f"{term.gene} {term.allele} {'positive' if term.positive else 'negative'}"
    if term.kind == "activity":
        return f"{term.gene} activity score {term.low:g} to {term.high:g}"
    return f"{term.gene} " + " or ".join(sorted(term.values))


def _label(state: _State) -> str:
    """``CYP2C19 *2/*2: Poor Metabolizer``: a possible diplotype and what it implies."""
    text = state.describe()
    if state.diplotype and not state.gene.startswith("HLA-") and not _is_status_text(state.diplotype):
        text = f"{state.gene} {state.diplotype}:" + text.split(":", 1)[1]
    return text


def _recommend_one(sample, drug, source, drug_rules, effects, converter, gene_states) -> dict:
    """The advice of one source's rules for one drug (``drug_rules``, one gene set) for one sample;
    ``gene_states(gene)`` gives the sample's possible states of a gene and the reasons."""
    genes = list(drug_rules[0]["genes"])
    base = {"sample_id": sample, "drug": drug, "source": source,
            "guideline_version": drug_rules[0]["guideline_version"], "genes": genes}
    options: dict[str, list[_State]] = {}
    reasons: list[str] = []
    for gene in genes:
        states, gene_reasons = gene_states(gene)
        reasons += gene_reasons
        if states is not None:
            options[gene] = states
    missing = [g for g in genes if g not in options]
    if len(missing) == len(genes):
        shown = [f"{g}: not called" for g in genes]
        return {**base, "phenotypes": shown, "effective_phenotypes": shown, "implication": None,
                "recommendation": NOT_CALLED, "classification": "no recommendation",
                "action": "no_recommendation", "ambiguous": False, "reasons": reasons}
    called = [g for g in genes if g in options]

    # every combination of the called genes' possible states, and for each the rows that
    # match it or could (when they depend on a gene that is not called)
    outcomes = []
    for combo in itertools.product(*(options[g] for g in called)):
        effective, notes = {}, []
        for state in combo:
            new, note = converter.convert(state, effects.get(state.gene))
            effective[state.gene] = new
            if note:
                notes.append(note)
        found, sure = _possible_rows(drug_rules, effective, set(missing))
        label = "; ".join(_label(effective[g]) for g in called)
        if not found:
            outcomes.append((combo, effective, notes, None, label, True))
        for row in found:
            unknown = [t for t in row["terms"] if t.gene in missing and t.kind != "any"]
            row_label = label + "".join(f"; if {_term_text(t)} ({t.gene} not called)" for t in unknown)
            outcomes.append((combo, effective, notes, row, row_label, not unknown))

    first_combo, first_effective = outcomes[0][0], outcomes[0][1]
    phenotypes = [first_combo[called.index(g)].describe() if g in options else f"{g}: not called" for g in genes]
    effective_phenotypes = [first_effective[g].describe() if g in options else f"{g}: not called" for g in genes]
    for note in dict.fromkeys(n for o in outcomes for n in o[2]):
        reasons.append(note)
    distinct = list(dict.fromkeys(None if o[3] is None else o[3]["row"] for o in outcomes))
    all_sure = all(o[5] for o in outcomes)

    if len(distinct) == 1 and all_sure:
        row = outcomes[0][3]
        if row is None:
            described = ", ".join(first_effective[g].describe() for g in called)
            reasons.append("no guideline row for " + described)
            return {**base, "phenotypes": phenotypes, "effective_phenotypes": effective_phenotypes,
                    "implication": None,
                    "recommendation": "no recommendation: the guideline has none for " + described,
                    "classification": "no recommendation", "action": "no_recommendation",
                    "ambiguous": False, "reasons": reasons}
        reasons.append(f"{source} row {row['row']}: {row['condition']}")
        base["guideline_version"] = row["guideline_version"]
        if missing:
            reasons.append(f"{', '.join(missing)} not called: {source} row {row['row']} does not depend on "
                           + ("it" if len(missing) == 1 else "them"))
        return {**base, "phenotypes": phenotypes, "effective_phenotypes": effective_phenotypes,
                "implication": row["implication"], "recommendation": row["recommendation"],
                "classification": row["classification"], "action": row["action"], "ambiguous": False,
                "reasons": reasons}

    # the possibilities disagree (possible diplotypes, or genes not called that the advice
    # depends on): list each with its advice and act on the most cautious
    parts, seen = [], set()
    chosen = chosen_label = None
    for _, _, _, row, label, _ in outcomes:
        key = None if row is None else row["row"]
        if key in seen:
            continue
        seen.add(key)
        parts.append(f"[{label}] " + (row["recommendation"] if row else "no guideline row"))
        if row is not None and (chosen is None or _SEVERITY.index(row["action"]) < _SEVERITY.index(chosen["action"])):
            chosen, chosen_label = row, label
    why = []
    if len({tuple(o[0]) for o in outcomes}) > 1:
        why.append("the possible diplotypes lead to different recommendations")
    if not all_sure:
        why.append(f"the advice depends on {', '.join(missing)}, not called")
    reasons.append("ambiguous: " + " and ".join(why) + "; the most cautious action is reported")
    headline = ("no guideline row for any possibility" if chosen is None else
                f"Most cautious, for {chosen_label}: {chosen['recommendation']}")
    return {**base, "phenotypes": phenotypes, "effective_phenotypes": effective_phenotypes,
            "implication": None if chosen is None else chosen["implication"],
            "recommendation": f"{headline} Possibilities: " + " | ".join(parts),
            "classification": "no recommendation" if chosen is None else chosen["classification"],
            "action": "no_recommendation" if chosen is None else chosen["action"], "ambiguous": True,
            "reasons": reasons}
