"""Every CPIC row (reference/guidelines/cpic.tsv) against CPIC's own recommendations, not against the table.

tests/data/cpic_guidance_oracle.json (tools/pin_guidance_oracles.py, no code shared with the
builder) lists every CPIC recommendation PharmGKB annotated, as PharmCAT shipped them at commit
0c6123b6 (2024-03-25): drug, lookup key, population, classification term, and whether the advice
names another drug (alternateDrugAvailable) or a dose (dosingInformation). Each lookup key becomes
a patient; the row pgx picks must carry CPIC's classification, must not say avoid/another drug where
CPIC names no other drug, must say so where CPIC names another drug and no dose; and every table
row must be picked by some key (or, for drugs the pinned copy has no rows for, by the pins below).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from pgx.recommend import guidelines, recommend
from pgx.reference import reference_dir

ORACLE = json.loads((Path(__file__).parent / "data" / "cpic_guidance_oracle.json").read_text(encoding="utf-8"))
# the population cpic.tsv follows where CPIC grades several (see the table header)
POPULATION = {"clopidogrel": "CVI ACS PCI", "voriconazole": "adults", "atomoxetine": "adults",
              "carbamazepine": "CBZ naive", "phenytoin": "PHT naive", "fosphenytoin": "PHT naive",
              "oxcarbazepine": "OXC naive"}
# keys a call never has (a gene not called, CPIC's catch-alls)
NOT_A_CALL = ("No Result", "n/a", "Indeterminate", "xN combinations")
# cpic.tsv follows CPIC's 2015 guideline (Hicks et al.) for sertraline; the pinned 2024 data carry the 2023
# update (Bousman et al.: new grades; sertraline also by CYP2B6). Any other drug that deviates fails.
KNOWN_OLDER_VERSION: set[str] = set()


def _bins(gene: str) -> list[tuple[float, float, str]]:
    table = pl.read_csv(reference_dir() / "pharmacogenes" / gene / "phenotypes.tsv", separator="\t",
                        comment_prefix="#", infer_schema=False)
    return [(float(lo), float(hi), p) for lo, hi, p in table.select("min_score", "max_score", "phenotype").iter_rows()]


BINS = {gene: _bins(gene) for gene in ("CYP2D6", "CYP2C9", "DPYD")}


def _call(gene: str, value: str) -> dict:
    """The call CPIC's lookup key describes (activity scores get CPIC's phenotype for the score)."""
    if gene.startswith("HLA-"):
        allele, status = value.split()
        return {"diplotype": f"{allele}/*44:02" if status == "positive" else "*44:02/*44:03", "phenotype": None}
    score = re.fullmatch(r"≥?(\d+(?:\.\d+)?)", value)
    if score and gene in BINS:
        activity = float(score.group(1))
        phenotype = next(p for lo, hi, p in BINS[gene] if lo - 1e-9 <= activity <= hi + 1e-9)
        return {"diplotype": "*1/*1", "phenotype": phenotype, "activity_score": activity}
    return {"diplotype": "*1/*1", "phenotype": value}


def _cases() -> dict[str, list[dict]]:
    drugs = set(guidelines(sources=["CPIC"])["drug"])
    cases: dict[str, list[dict]] = {}
    for entry in ORACLE["entries"]:
        drug = entry["drug"]
        if drug not in drugs or entry["term"] in (None, "N/A"):
            continue
        if POPULATION.get(drug, entry["population"]) != entry["population"]:
            continue
        if any(v in NOT_A_CALL for v in entry["key"].values()):
            continue
        cases.setdefault(drug, []).append(entry)
    return cases


def _run(drug: str, entries: list[dict]) -> list[dict]:
    """One recommend() call for all of a drug's keys (one sample per key)."""
    rows = []
    for i, entry in enumerate(entries):
        for gene, value in entry["key"].items():
            call = {"sample_id": f"k{i}", "gene": gene, "diplotype": None, "phenotype": None, "activity_score": None}
            rows.append({**call, **_call(gene, value)})
    calls = pl.DataFrame(rows, schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                                       "phenotype": pl.String, "activity_score": pl.Float64})
    out = recommend(calls, drugs=[drug], sources=["CPIC"])
    by_sample = {r["sample_id"]: r for r in out.iter_rows(named=True)}
    return [by_sample[f"k{i}"] for i in range(len(entries))]


@pytest.fixture(scope="module")
def checked() -> dict[str, list[tuple[dict, dict]]]:
    return {drug: list(zip(entries, _run(drug, entries))) for drug, entries in _cases().items()}


def _row_of(result: dict) -> set[int]:
    return {int(m.group(1)) for r in result["reasons"] if (m := re.match(r"CPIC row (\d+):", r))}


def test_every_key_gets_cpics_classification_and_kind_of_action(checked):
    deviating: dict[str, list] = {}
    for drug, pairs in checked.items():
        for entry, result in pairs:
            expected = entry["term"].lower()
            problems = []
            if result["classification"] != expected:
                problems.append(f"classification {result['classification']!r}, CPIC {expected!r}")
            if not entry["alternative"] and result["action"] in ("avoid", "consider_alternative"):
                problems.append(f"action {result['action']} but CPIC names no other drug")
            if entry["alternative"] and not entry["dosing"] and result["action"] not in ("avoid", "consider_alternative"):
                problems.append(f"action {result['action']} but CPIC advises another drug and no dose")
            if problems:
                deviating.setdefault(drug, []).append((entry["key"], problems))
    assert set(deviating) == KNOWN_OLDER_VERSION, {d: v[:3] for d, v in deviating.items() if d not in KNOWN_OLDER_VERSION}
    assert sum(len(p) for p in checked.values()) > 1300


# drugs the pinned copy has no recommendation rows for, pinned by hand from the sources the
# cpic.tsv header names: the aminoglycosides dibekacin, neomycin and netilmicin share the MT-RNR1
# advice of the other aminoglycosides (CPIC 2021, McDermott et al.; per-drug files at 76bfe08c /
# 4cdfc34d); warfarin (Johnson et al. 2017: dose by a validated algorithm, strong); peginterferon
# alfa (Muir et al. 2014 as distributed by CPIC: strong)
MT = "{} risk of aminoglycoside-induced hearing loss"
PINNED = [
    *[(drug, {"MT-RNR1": MT.format("Increased")}, "avoid", "strong") for drug in ("dibekacin", "neomycin", "netilmicin")],
    *[(drug, {"MT-RNR1": MT.format("Normal")}, "standard", "strong") for drug in ("dibekacin", "neomycin", "netilmicin")],
    *[(drug, {"MT-RNR1": MT.format("Uncertain")}, "standard", "optional") for drug in ("dibekacin", "neomycin", "netilmicin")],
    ("warfarin", {"CYP2C9": ("Intermediate Metabolizer", 1.0), "VKORC1": "-1639 AG"}, "adjust_dose", "strong"),
    *[(drug, {"IFNL3": "Favorable Response"}, "standard", "strong") for drug in ("peginterferon alfa-2a", "peginterferon alfa-2b")],
    *[(drug, {"IFNL3": "Unfavorable Response"}, "monitor", "strong") for drug in ("peginterferon alfa-2a", "peginterferon alfa-2b")],
]


def _pinned_result(drug: str, genes: dict) -> dict:
    rows = []
    for gene, value in genes.items():
        phenotype, activity = value if isinstance(value, tuple) else (value, None)
        rows.append({"sample_id": "s", "gene": gene, "diplotype": "*1/*1", "phenotype": phenotype,
                     "activity_score": activity})
    out = recommend(pl.DataFrame(rows, schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                                               "phenotype": pl.String, "activity_score": pl.Float64}),
                    drugs=[drug], sources=["CPIC"])
    return out.row(0, named=True)


@pytest.mark.parametrize(("drug", "genes", "action", "classification"), PINNED,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PINNED)])
def test_drugs_outside_the_pinned_copy(drug, genes, action, classification):
    result = _pinned_result(drug, genes)
    assert (result["action"], result["classification"]) == (action, classification)


def test_no_cpic_row_is_left_without_an_expectation(checked):
    reached = {row for pairs in checked.values() for _, result in pairs for row in _row_of(result)}
    reached |= {row for drug, genes, *_ in PINNED for row in _row_of(_pinned_result(drug, genes))}
    rows = guidelines(sources=["CPIC"]).select("row", "drug", "condition")
    left = rows.filter(~pl.col("row").is_in(sorted(reached)))
    assert left.height == 0, left.rows()
