"""DPWG guidance (reference/guidelines/dpwg.tsv) against what DPWG's annotations say.

Two kinds of expectation, neither read from pgx's table:

* literal pins per drug family, written by hand from the DPWG annotations at PharmCAT commit 0c6123b6
  (reporter/guidelines/DPWG_<drug>_and_<gene>.json) and, for rosuvastatin, atazanavir and mavacamten, from
  the pinned 2026 ClinPGx extract: action, classification, a dose figure;
* tests/data/dpwg_oracle.json (tools/pin_guidance_oracles.py, which shares no code with the table's
  builder): every lookup key of every annotation with PharmGKB's classification term and flags. Each
  key becomes a patient; the row pgx picks must agree with the facts, and every table row must be
  picked by some key.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from pgx.recommend import guidelines, recommend
from pgxgen import calls_frame

ORACLE = json.loads((Path(__file__).parent / "data" / "dpwg_oracle.json").read_text(encoding="utf-8"))
UM, NM, IM, PM = "Ultrarapid Metabolizer", "Normal Metabolizer", "Intermediate Metabolizer", "Poor Metabolizer"


def _spec(gene: str, key) -> dict:
    """A gene call that DPWG's lookup key describes."""
    if isinstance(key, dict):
        alleles = [a for a, n in sorted(key.items()) for _ in range(int(n))]
        return {"diplotype": "/".join(alleles), "phenotype": "x"}
    if gene.startswith("HLA-"):
        if key == "1511 and 1502":
            return {"diplotype": "*15:02/*15:11"}
        allele, status = key.split()
        return {"diplotype": f"{allele}/*44:02" if status == "positive" else "*44:02/*44:03"}
    number = re.fullmatch(r"≥?(\d+(?:\.\d+)?)(?: \(.+\))?", key)
    if number:
        return {"phenotype": "x", "activity_score": float(number.group(1))}
    return {"phenotype": key}


def _dpwg_row(drug: str, gene: str, spec: dict) -> dict:
    out = recommend(calls_frame({gene: spec}), drugs=[drug], sources=["DPWG"])
    rows = [r for r in out.iter_rows(named=True) if r["genes"] == [gene]]
    assert len(rows) == 1, (drug, gene, spec)
    return rows[0]


def _matched_row(row: dict) -> int:
    found = [int(m.group(1)) for r in row["reasons"] if (m := re.match(r"DPWG row (\d+):", r))]
    assert len(found) == 1, row["reasons"]
    return found[0]


# ---------------------------------------------------------------- literal pins per drug family
# (drug, gene, call, action, classification, a phrase the recommendation must contain)
A = lambda score: {"phenotype": "x", "activity_score": score}  # noqa: E731
PINNED = [
    # TCAs: amitriptyline, nortriptyline, clomipramine, doxepin, imipramine (CYP2D6; CYP2C19 separately)
    ("amitriptyline", "CYP2D6", A(0.0), "adjust_dose", "not graded", "70% of the standard dose"),
    ("amitriptyline", "CYP2D6", A(0.5), "adjust_dose", "not graded", "75% of the standard dose"),
    ("amitriptyline", "CYP2D6", A(3.0), "adjust_dose", "not graded", "1.4 times the standard dose"),
    ("amitriptyline", "CYP2D6", A(2.0), "no_recommendation", "no recommendation", "no advice"),
    ("nortriptyline", "CYP2D6", A(0.0), "adjust_dose", "not graded", "40% of the standard dose"),
    ("nortriptyline", "CYP2D6", A(1.0), "adjust_dose", "not graded", "60% of the standard dose"),
    ("clomipramine", "CYP2C19", PM, "standard", "not graded", "no need to act"),
    ("clomipramine", "CYP2C19", UM, "avoid", "not graded", "depends on the indication"),
    ("doxepin", "CYP2D6", A(0.0), "adjust_dose", "not graded", "40% of the standard dose"),
    ("imipramine", "CYP2D6", A(0.0), "adjust_dose", "not graded", "30% of the standard dose"),
    # SSRIs / SNRIs
    ("citalopram", "CYP2C19", PM, "adjust_dose", "not graded", "50% of the standard maximum dose"),
    ("citalopram", "CYP2C19", UM, "standard", "not graded", "no need to act"),
    ("escitalopram", "CYP2C19", UM, "avoid", "not graded", "alternative drugs"),
    ("escitalopram", "CYP2C19", IM, "adjust_dose", "not graded", "75% of the standard maximum dose"),
    ("sertraline", "CYP2C19", PM, "adjust_dose", "not graded", "75mg/day"),
    ("paroxetine", "CYP2D6", A(3.0), "avoid", "not graded", "alternative drugs"),
    ("venlafaxine", "CYP2D6", A(0.0), "avoid", "not graded", "alternative drugs"),
    # beta blockers
    ("metoprolol", "CYP2D6", A(0.0), "adjust_dose", "not graded", "25% of the standard dose"),
    ("metoprolol", "CYP2D6", A(0.5), "adjust_dose", "not graded", "50% of the standard dose"),
    ("metoprolol", "CYP2D6", A(3.0), "adjust_dose", "not graded", "2.5 times the standard dose"),
    ("metoprolol", "CYP2D6", A(2.5), "no_recommendation", "no recommendation", "no advice"),
    # opioids
    ("codeine", "CYP2D6", A(3.0), "avoid", "not graded", "alternative drugs"),
    ("codeine", "CYP2D6", A(0.0), "consider_alternative", "not graded", "another drug"),
    ("codeine", "CYP2D6", A(1.0), "monitor", "not graded", "follow-up"),
    ("tramadol", "CYP2D6", A(0.0), "monitor", "not graded", "follow-up"),
    ("tramadol", "CYP2D6", A(5.0), "consider_alternative", "not graded", "another drug"),
    # statins
    ("simvastatin", "SLCO1B1", "Poor Function", "consider_alternative", "not graded", "another drug"),
    ("atorvastatin", "SLCO1B1", "Decreased Function", "consider_alternative", "not graded", "depends on the indication"),
    ("atorvastatin", "SLCO1B1", "Normal Function", "no_recommendation", "no recommendation", "no advice"),
    # rosuvastatin, atazanavir, mavacamten: DPWG guidelines newer than PharmCAT's 2024 copy, pinned by hand from the
    # 2026 ClinPGx extract (PA166363221 v2, PA166411701 v3, PA166418081 v2; dpwg.tsv header 'added')
    ("rosuvastatin", "SLCO1B1", "Poor Function", "adjust_dose", "not graded", "genotype-guided dose"),
    ("rosuvastatin", "SLCO1B1", "Normal Function", "no_recommendation", "no recommendation", "no advice"),
    # antiepileptics
    ("phenytoin", "CYP2C9", {"diplotype": "*1/*3", "phenotype": "x"}, "adjust_dose", "not graded", "75% of the standard dose"),
    ("phenytoin", "CYP2C9", {"diplotype": "*3/*3", "phenotype": "x"}, "adjust_dose", "not graded", "40% of the standard dose"),
    ("phenytoin", "CYP2C9", {"diplotype": "*1/*5", "phenotype": IM}, "adjust_dose", "not graded", "75% of the standard dose"),
    ("phenytoin", "HLA-B", {"diplotype": "*15:02/*44:02"}, "consider_alternative", "not graded", "another drug"),
    ("carbamazepine", "HLA-B", {"diplotype": "*15:02/*44:02"}, "consider_alternative", "not graded", "another drug"),
    ("carbamazepine", "HLA-B", {"diplotype": "*15:02/*15:11"}, "no_recommendation", "not graded", "no advice"),
    ("carbamazepine", "HLA-A", {"diplotype": "*31:01/*02:01"}, "consider_alternative", "not graded", "another drug"),
    ("lamotrigine", "HLA-B", {"diplotype": "*15:02/*44:02"}, "consider_alternative", "not graded", "another drug"),
    ("lamotrigine", "HLA-B", {"diplotype": "*44:02/*44:03"}, "no_recommendation", "no recommendation", "no advice"),
    ("oxcarbazepine", "HLA-B", {"diplotype": "*15:02/*44:02"}, "consider_alternative", "not graded", "another drug"),
    # fluoropyrimidines
    ("fluorouracil", "DPYD", A(2.0), "no_recommendation", "no recommendation", "no advice"),
    ("fluorouracil", "DPYD", A(1.5), "adjust_dose", "not graded", "50% of the standard dose"),
    ("capecitabine", "DPYD", A(1.0), "consider_alternative", "not graded", "two decreased-function alleles"),
    ("capecitabine", "DPYD", A(0.0), "avoid", "not graded", "alternative drugs"),
    ("tegafur", "DPYD", A(0.0), "avoid", "not graded", "advises against tegafur"),
    ("flucytosine", "DPYD", A(1.5), "monitor", "not graded", "follow-up"),
    # thiopurines
    ("azathioprine", "TPMT", IM, "adjust_dose", "not graded", "50% of the standard dose"),
    ("azathioprine", "TPMT", PM, "consider_alternative", "not graded", "10% of the standard dose"),
    ("azathioprine", "NUDT15", PM, "avoid", "not graded", "alternative drugs"),
    ("thioguanine", "TPMT", PM, "consider_alternative", "not graded", "6-7% of the standard dose"),
    ("thioguanine", "NUDT15", IM, "adjust_dose", "not graded", "75% of the standard dose"),
    ("mercaptopurine", "TPMT", NM, "no_recommendation", "no recommendation", "no advice"),
    # anticoagulants, others
    ("warfarin", "VKORC1", "-1639 AA", "adjust_dose", "not graded", "60% of the standard initial dose"),
    ("warfarin", "CYP2C9", {"diplotype": "*2/*3", "phenotype": "x"}, "adjust_dose", "not graded", "45% of the standard"),
    ("acenocoumarol", "VKORC1", "-1639 AG", "standard", "not graded", "no need to act"),
    ("irinotecan", "UGT1A1", {"diplotype": "*28/*28", "phenotype": "x"}, "adjust_dose", "not graded", "70% of the normal dose"),
    ("irinotecan", "UGT1A1", {"diplotype": "*1/*28", "phenotype": "x"}, "standard", "not graded", "no need to act"),
    ("allopurinol", "HLA-B", {"diplotype": "*58:01/*44:02"}, "consider_alternative", "not graded", "another drug"),
    ("allopurinol", "ABCG2", "Poor Function", "adjust_dose", "not graded", "1.4 times the standard dose"),
    ("abacavir", "HLA-B", {"diplotype": "*57:01/*44:02"}, "avoid", "not graded", "advises against abacavir"),
    ("siponimod", "CYP2C9", {"diplotype": "*3/*3", "phenotype": "x"}, "avoid", "not graded", "advises against siponimod"),
    ("tacrolimus", "CYP3A5", PM, "no_recommendation", "no recommendation", "no advice"),
    ("voriconazole", "CYP2C19", PM, "adjust_dose", "not graded", "50% of the standard dose"),
    ("clopidogrel", "CYP2C19", PM, "avoid", "not graded", "depends on the indication"),
    ("clopidogrel", "CYP2C19", IM, "consider_alternative", "not graded", "150mg/day"),
    ("tamoxifen", "CYP2D6", A(0.0), "consider_alternative", "not graded", "40mg/day"),
    ("quetiapine", "CYP3A4", PM, "consider_alternative", "not graded", "another drug"),
    ("atazanavir", "UGT1A1", {"diplotype": "*28/*28", "phenotype": "x"}, "consider_alternative", "not graded", "another drug"),
    ("atazanavir", "UGT1A1", {"diplotype": "*1/*28", "phenotype": "x"}, "standard", "not graded", "no need to act"),
    ("atazanavir", "UGT1A1", NM, "no_recommendation", "no recommendation", "no advice"),
    ("mavacamten", "CYP2C19", PM, "adjust_dose", "not graded", "2.5mg/day"),
    ("mavacamten", "CYP2C19", UM, "standard", "not graded", "no need to act"),
]


@pytest.mark.parametrize(("drug", "gene", "call", "action", "classification", "phrase"), PINNED,
                         ids=[f"{p[0]}-{p[1]}-{i}" for i, p in enumerate(PINNED)])
def test_pinned_dpwg_rows(drug, gene, call, action, classification, phrase):
    row = _dpwg_row(drug, gene, call if isinstance(call, dict) else {"phenotype": call})
    assert (row["action"], row["classification"]) == (action, classification)
    assert phrase in row["recommendation"]
    assert row["source"] == "DPWG" and "PharmGKB annotation" in row["guideline_version"]


def test_every_lookup_key_agrees_with_dpwg_and_every_row_is_reached():
    table = guidelines(sources=["DPWG"])
    reached: set[int] = set()
    checked = 0
    for entry in ORACLE["entries"]:
        row = _dpwg_row(entry["drug"], entry["gene"], _spec(entry["gene"], entry["key"]))
        reached.add(_matched_row(row))
        where = (entry["file"], entry["key"])
        no_rec = entry["term"] == "No recommendation" or entry["says_no_recommendation"]
        if entry["gene"] == "DPYD" and str(entry["key"]).startswith("1.0 "):
            # DPYD score 1 from one no-function allele and from two decreased-function alleles are two
            # DPWG groups with one score: the row names both and acts on the more cautious
            assert "two decreased-function alleles" in row["recommendation"], where
            continue
        assert (row["action"] == "no_recommendation") == no_rec, where
        assert (row["classification"] == "no recommendation") == (entry["term"] == "No recommendation"), where
        if entry["says_no_action"] and not entry["dosing"] and not entry["alternative"]:
            assert row["action"] == "standard", where
        if row["action"] == "adjust_dose":
            assert entry["dosing"], where
        if row["action"] == "consider_alternative":
            assert entry["alternative"], where
        if entry["alternative"] and row["action"] != "no_recommendation":
            assert "alternative" in row["recommendation"] or "another drug" in row["recommendation"], where
        if row["action"] == "adjust_dose" and entry["percents"]:
            assert any(f"{p}%" in row["recommendation"] for p in entry["percents"]), where
        checked += 1
    assert checked > 400
    rows = set(table["row"].to_list())
    assert rows - reached == set(), f"DPWG rows no lookup key reaches: {sorted(rows - reached)}"


def test_dpwg_covers_the_pinned_drugs():
    drugs = set(guidelines(sources=["DPWG"])["drug"])
    pinned = {e["drug"] for e in ORACLE["entries"]}
    assert drugs == pinned and len(drugs) == 56


def test_a_drug_with_two_dpwg_genes_gets_one_row_per_gene():
    out = recommend(calls_frame({"TPMT": PM, "NUDT15": NM}), drugs=["azathioprine"], sources=["DPWG"])
    by_gene = {tuple(r["genes"]): r for r in out.iter_rows(named=True)}
    assert set(by_gene) == {("TPMT",), ("NUDT15",)}
    assert by_gene[("TPMT",)]["action"] == "consider_alternative"
    assert by_gene[("NUDT15",)]["action"] == "no_recommendation"


def test_dpwg_uses_its_own_cyp2d6_groups():
    # activity score 2.5: CPIC calls it ultrarapid, DPWG's normal group reaches 2.5
    out = recommend(calls_frame({"CYP2D6": (UM, 2.5)}), drugs=["codeine"], sources=["CPIC", "DPWG"])
    actions = dict(zip(out["source"], out["action"]))
    assert actions == {"CPIC": "avoid", "DPWG": "no_recommendation"}
    assert isinstance(out, pl.DataFrame)
