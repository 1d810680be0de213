"""pgx.recommend: guideline rows per phenotype, multi-gene rules, phenoconversion, ambiguity, errors.

Expectations are written by hand from the guidelines' own tables (CPIC publications named in
reference/guidelines/cpic.tsv; DPWG for irinotecan, fluoropyrimidines, thiopurines, clopidogrel,
codeine, tamoxifen), not computed from pgx's tables.
"""

from __future__ import annotations

import shutil
import warnings

import polars as pl
import pytest

from pgx.exceptions import PgxError, PgxWarning, ReferenceDataError
from pgx.recommend import (
    ACTIONS,
    NOT_CALLED,
    UnknownDrugError,
    UnknownMedicationWarning,
    comedications,
    guidelines,
    recommend,
)
from pgx.reference import reference_dir
from pgxgen import calls_frame

UM, RM, NM, IM, PM = ("Ultrarapid Metabolizer", "Rapid Metabolizer", "Normal Metabolizer",
                      "Intermediate Metabolizer", "Poor Metabolizer")
LIM, LPM, PIM = "Likely Intermediate Metabolizer", "Likely Poor Metabolizer", "Possible Intermediate Metabolizer"


def one(genes: dict[str, object], drug: str, source: str = "CPIC", **kwargs) -> dict:
    out = recommend(calls_frame(genes), drugs=[drug], sources=[source], **kwargs)
    assert out.height == 1
    return out.row(0, named=True)


# (drug, genes, expected action, expected classification) -- from the guideline tables
SINGLE_GENE_CASES = [
    # Classifications below were checked against CPIC's data as shipped by PharmCAT
    # (reporter/guidelines/cpic/<drug>.json, commit 209032d0, CPIC v1.23.0); see the cpic.tsv header.
    # clopidogrel, CPIC 2022 Table 2 (ACS/PCI population)
    ("clopidogrel", {"CYP2C19": UM}, "standard", "strong"),
    ("clopidogrel", {"CYP2C19": RM}, "standard", "strong"),
    ("clopidogrel", {"CYP2C19": NM}, "standard", "strong"),
    ("clopidogrel", {"CYP2C19": IM}, "consider_alternative", "strong"),
    ("clopidogrel", {"CYP2C19": LIM}, "consider_alternative", "strong"),
    ("clopidogrel", {"CYP2C19": PM}, "consider_alternative", "strong"),
    ("clopidogrel", {"CYP2C19": LPM}, "consider_alternative", "strong"),
    # voriconazole, CPIC 2016
    ("voriconazole", {"CYP2C19": UM}, "consider_alternative", "moderate"),
    ("voriconazole", {"CYP2C19": RM}, "consider_alternative", "moderate"),
    ("voriconazole", {"CYP2C19": NM}, "standard", "strong"),
    ("voriconazole", {"CYP2C19": IM}, "standard", "moderate"),
    ("voriconazole", {"CYP2C19": LIM}, "standard", "moderate"),
    ("voriconazole", {"CYP2C19": PM}, "consider_alternative", "moderate"),
    # citalopram/escitalopram: CPIC 2023 (Bousman et al.), as annotated in PharmCAT
    # reporter/guidelines/CPIC_citalopram_escitalopram_and_CYP2C19.json at 0c6123b6
    ("citalopram", {"CYP2C19": UM}, "consider_alternative", "strong"),
    ("citalopram", {"CYP2C19": NM}, "standard", "strong"),
    ("citalopram", {"CYP2C19": IM}, "adjust_dose", "moderate"),
    ("citalopram", {"CYP2C19": PM}, "consider_alternative", "strong"),
    ("escitalopram", {"CYP2C19": RM}, "standard", "optional"),
    ("escitalopram", {"CYP2C19": PM}, "consider_alternative", "strong"),
    # sertraline, CPIC 2023: CYP2C19 x CYP2B6 (CPIC_sertraline_and_CYP2B6_CYP2C19.json at 0c6123b6)
    ("sertraline", {"CYP2C19": UM, "CYP2B6": NM}, "standard", "strong"),
    ("sertraline", {"CYP2C19": NM, "CYP2B6": NM}, "standard", "strong"),
    ("sertraline", {"CYP2C19": IM, "CYP2B6": NM}, "adjust_dose", "moderate"),
    ("sertraline", {"CYP2C19": PM, "CYP2B6": NM}, "adjust_dose", "moderate"),
    ("sertraline", {"CYP2C19": PM, "CYP2B6": PM}, "consider_alternative", "optional"),
    # codeine and tramadol, CPIC 2021
    ("codeine", {"CYP2D6": (UM, 3.0)}, "avoid", "strong"),
    ("codeine", {"CYP2D6": (NM, 2.0)}, "standard", "strong"),
    ("codeine", {"CYP2D6": (IM, 1.0)}, "monitor", "moderate"),
    ("codeine", {"CYP2D6": (PM, 0.0)}, "avoid", "strong"),
    ("tramadol", {"CYP2D6": (UM, 3.0)}, "avoid", "strong"),
    ("tramadol", {"CYP2D6": (NM, 1.5)}, "standard", "strong"),
    ("tramadol", {"CYP2D6": (IM, 0.5)}, "monitor", "optional"),
    ("tramadol", {"CYP2D6": (PM, 0.0)}, "avoid", "strong"),
    # ondansetron, CPIC 2017
    ("ondansetron", {"CYP2D6": UM}, "consider_alternative", "moderate"),
    ("ondansetron", {"CYP2D6": NM}, "standard", "strong"),
    ("ondansetron", {"CYP2D6": IM}, "standard", "no recommendation"),
    ("ondansetron", {"CYP2D6": PM}, "standard", "no recommendation"),
    # tamoxifen, CPIC 2018
    ("tamoxifen", {"CYP2D6": UM}, "standard", "strong"),
    ("tamoxifen", {"CYP2D6": NM}, "standard", "strong"),
    ("tamoxifen", {"CYP2D6": IM}, "consider_alternative", "moderate"),
    ("tamoxifen", {"CYP2D6": (IM, 0.5)}, "consider_alternative", "moderate"),
    ("tamoxifen", {"CYP2D6": (IM, 1.0)}, "consider_alternative", "optional"),
    ("tamoxifen", {"CYP2D6": PM}, "consider_alternative", "strong"),
    # atomoxetine, CPIC 2019
    ("atomoxetine", {"CYP2D6": NM}, "standard", "moderate"),
    ("atomoxetine", {"CYP2D6": PM}, "adjust_dose", "moderate"),
    ("atomoxetine", {"CYP2D6": (IM, 0.5)}, "adjust_dose", "moderate"),
    ("atomoxetine", {"CYP2D6": (IM, 1.0)}, "standard", "moderate"),
    # nortriptyline, CPIC 2016
    ("nortriptyline", {"CYP2D6": UM}, "consider_alternative", "strong"),
    ("nortriptyline", {"CYP2D6": NM}, "standard", "strong"),
    ("nortriptyline", {"CYP2D6": IM}, "adjust_dose", "moderate"),
    ("nortriptyline", {"CYP2D6": (IM, 0.5)}, "adjust_dose", "moderate"),
    ("nortriptyline", {"CYP2D6": (IM, 1.0)}, "adjust_dose", "optional"),
    ("nortriptyline", {"CYP2D6": PM}, "consider_alternative", "strong"),
    # tacrolimus, CPIC 2015
    ("tacrolimus", {"CYP3A5": NM}, "adjust_dose", "strong"),
    ("tacrolimus", {"CYP3A5": IM}, "adjust_dose", "strong"),
    ("tacrolimus", {"CYP3A5": PM}, "standard", "strong"),
    ("tacrolimus", {"CYP3A5": "Possible Intermediate Metabolizer"}, "adjust_dose", "strong"),
    # efavirenz, CPIC 2019
    ("efavirenz", {"CYP2B6": UM}, "standard", "strong"),
    ("efavirenz", {"CYP2B6": NM}, "standard", "strong"),
    ("efavirenz", {"CYP2B6": IM}, "adjust_dose", "moderate"),
    ("efavirenz", {"CYP2B6": PM}, "adjust_dose", "moderate"),
    # SLCO1B1-only statins, CPIC 2022
    ("simvastatin", {"SLCO1B1": "Normal Function"}, "standard", "strong"),
    ("simvastatin", {"SLCO1B1": "Increased Function"}, "standard", "strong"),
    ("simvastatin", {"SLCO1B1": "Decreased Function"}, "consider_alternative", "strong"),
    ("simvastatin", {"SLCO1B1": "Possible Decreased Function"}, "consider_alternative", "strong"),
    ("simvastatin", {"SLCO1B1": "Poor Function"}, "consider_alternative", "strong"),
    ("atorvastatin", {"SLCO1B1": "Decreased Function"}, "adjust_dose", "moderate"),
    ("atorvastatin", {"SLCO1B1": "Poor Function"}, "adjust_dose", "moderate"),
    ("lovastatin", {"SLCO1B1": "Poor Function"}, "consider_alternative", "moderate"),
    ("pitavastatin", {"SLCO1B1": "Poor Function"}, "adjust_dose", "moderate"),
    ("pravastatin", {"SLCO1B1": "Decreased Function"}, "monitor", "moderate"),
    ("pravastatin", {"SLCO1B1": "Poor Function"}, "adjust_dose", "moderate"),
    # NSAIDs, CPIC 2020 (CYP2C9 activity score)
    ("celecoxib", {"CYP2C9": (NM, 2.0)}, "standard", "strong"),
    ("celecoxib", {"CYP2C9": (IM, 1.5)}, "standard", "moderate"),
    ("celecoxib", {"CYP2C9": (IM, 1.0)}, "adjust_dose", "moderate"),
    ("celecoxib", {"CYP2C9": (PM, 0.0)}, "adjust_dose", "moderate"),
    ("ibuprofen", {"CYP2C9": (PM, 0.5)}, "adjust_dose", "moderate"),
    ("meloxicam", {"CYP2C9": (IM, 1.0)}, "adjust_dose", "moderate"),
    ("meloxicam", {"CYP2C9": (PM, 0.0)}, "consider_alternative", "moderate"),
    ("piroxicam", {"CYP2C9": (IM, 1.5)}, "standard", "moderate"),
    ("piroxicam", {"CYP2C9": (IM, 1.0)}, "consider_alternative", "moderate"),
    ("piroxicam", {"CYP2C9": (PM, 0.5)}, "consider_alternative", "moderate"),
    # HLA, CPIC
    ("abacavir", {"HLA-B": {"diplotype": "*57:01/*08:01"}}, "avoid", "strong"),
    ("abacavir", {"HLA-B": {"diplotype": "*07:02/*08:01"}}, "standard", "strong"),
    ("abacavir", {"HLA-B": {"diplotype": None, "phenotype": "HLA-B*57:01 positive"}}, "avoid", "strong"),
    ("abacavir", {"HLA-B": {"diplotype": None, "phenotype": "HLA-B*57:01 negative"}}, "standard", "strong"),
    ("allopurinol", {"HLA-B": {"diplotype": "*58:01:01/*15:02"}}, "avoid", "strong"),
    ("allopurinol", {"HLA-B": {"diplotype": "*57:01/*15:02"}}, "standard", "strong"),
    ("oxcarbazepine", {"HLA-B": {"diplotype": "*15:02/*40:01"}}, "avoid", "strong"),
    ("oxcarbazepine", {"HLA-B": {"diplotype": "*40:01/*40:01"}}, "standard", "strong"),
    ("carbamazepine", {"HLA-B": {"diplotype": "*15:02/*40:01"}, "HLA-A": {"diplotype": "*02:01/*24:02"}},
     "avoid", "strong"),
    ("carbamazepine", {"HLA-B": {"diplotype": "*07:02/*40:01"}, "HLA-A": {"diplotype": "*31:01/*24:02"}},
     "avoid", "strong"),
    ("carbamazepine", {"HLA-B": {"diplotype": "*07:02/*40:01"}, "HLA-A": {"diplotype": "*02:01/*24:02"}},
     "standard", "strong"),
    # MT-RNR1, CPIC 2021
    ("gentamicin", {"MT-RNR1": "Increased risk of aminoglycoside-induced hearing loss"}, "avoid", "strong"),
    ("amikacin", {"MT-RNR1": "Normal risk of aminoglycoside-induced hearing loss"}, "standard", "strong"),
    ("tobramycin", {"MT-RNR1": "Uncertain risk of aminoglycoside-induced hearing loss"}, "standard", "optional"),
    # G6PD, CFTR, UGT1A1, IFNL3
    ("rasburicase", {"G6PD": "Normal"}, "standard", "strong"),
    ("rasburicase", {"G6PD": "Deficient"}, "avoid", "strong"),
    ("rasburicase", {"G6PD": "Deficient with CNSHA"}, "avoid", "strong"),
    # Variable: CPIC (G6PD 2022 data) asks for an enzyme activity test first, not plain avoidance
    ("rasburicase", {"G6PD": "Variable"}, "monitor", "moderate"),
    ("ivacaftor", {"CFTR": "ivacaftor responsive in CF patients"}, "standard", "moderate"),
    ("ivacaftor", {"CFTR": "ivacaftor non-responsive in CF patients"}, "consider_alternative", "moderate"),
    ("atazanavir", {"UGT1A1": NM}, "standard", "strong"),
    ("atazanavir", {"UGT1A1": IM}, "standard", "strong"),
    ("atazanavir", {"UGT1A1": PM}, "consider_alternative", "strong"),
    ("peginterferon alfa-2a", {"IFNL3": "Favorable Response"}, "standard", "strong"),
    ("peginterferon alfa-2b", {"IFNL3": "Unfavorable Response"}, "monitor", "strong"),
    # warfarin: always the dosing algorithm
    ("warfarin", {"CYP2C9": (IM, 1.0), "VKORC1": "-1639 AG"}, "adjust_dose", "strong"),
]


@pytest.mark.parametrize(("drug", "genes", "action", "classification"), SINGLE_GENE_CASES,
                         ids=[f"{c[0]}-{'-'.join(str(v) for v in c[1].values())}" for c in SINGLE_GENE_CASES])
def test_cpic_rows(drug, genes, action, classification):
    row = one(genes, drug)
    assert (row["action"], row["classification"]) == (action, classification)
    assert row["recommendation"] and row["implication"]
    assert row["ambiguous"] is False
    assert any(reason.startswith("CPIC row") for reason in row["reasons"])


@pytest.mark.parametrize("drug", ["omeprazole", "lansoprazole", "pantoprazole", "dexlansoprazole"])
@pytest.mark.parametrize(("phenotype", "action", "classification"), [
    (UM, "adjust_dose", "optional"), (RM, "standard", "moderate"), (NM, "standard", "moderate"),
    (IM, "standard", "optional"), (LIM, "standard", "optional"), (PM, "standard", "moderate"),
])
def test_ppis(drug, phenotype, action, classification):
    if drug == "dexlansoprazole":  # CPIC grades every dexlansoprazole row optional (PharmCAT cpic/, CPIC v1.23.0)
        classification = "optional"
    row = one({"CYP2C19": phenotype}, drug)
    assert (row["action"], row["classification"]) == (action, classification)
    if phenotype == UM:
        assert "Double" in row["recommendation"]


@pytest.mark.parametrize(("cyp2d6", "cyp2c19", "action", "classification"), [
    ((NM, 2.0), NM, "standard", "strong"),
    ((IM, 1.0), NM, "adjust_dose", "moderate"),
    ((PM, 0.0), NM, "consider_alternative", "strong"),
    ((UM, 3.0), NM, "consider_alternative", "strong"),
    ((NM, 2.0), PM, "consider_alternative", "moderate"),
    ((NM, 2.0), UM, "consider_alternative", "optional"),
    ((NM, 2.0), RM, "consider_alternative", "optional"),
    ((NM, 2.0), IM, "standard", "strong"),
    ((IM, 1.0), IM, "adjust_dose", "optional"),
    ((PM, 0.0), IM, "consider_alternative", "optional"),
    ((PM, 0.0), PM, "consider_alternative", "optional"),
    ((UM, 3.0), PM, "consider_alternative", "optional"),
])
def test_amitriptyline_two_genes(cyp2d6, cyp2c19, action, classification):
    row = one({"CYP2D6": cyp2d6, "CYP2C19": cyp2c19}, "amitriptyline")
    assert (row["action"], row["classification"]) == (action, classification)
    assert row["genes"] == ["CYP2D6", "CYP2C19"]


@pytest.mark.parametrize("drug", ["fluorouracil", "capecitabine"])
@pytest.mark.parametrize(("activity", "phenotype", "action", "classification", "text"), [
    (2.0, NM, "standard", "strong", "100%"),
    (1.5, IM, "adjust_dose", "moderate", "50%"),
    (1.0, IM, "adjust_dose", "strong", "50%"),
    (0.5, PM, "avoid", "strong", "strongly reduced"),
    (0.0, PM, "avoid", "strong", "Do not use"),
])
def test_dpyd_activity_score(drug, activity, phenotype, action, classification, text):
    row = one({"DPYD": (phenotype, activity)}, drug)
    assert (row["action"], row["classification"]) == (action, classification)
    assert text in row["recommendation"]
    assert row["phenotypes"] == [f"DPYD: {phenotype} (activity score {activity:g})"]


@pytest.mark.parametrize("drug", ["azathioprine", "mercaptopurine", "thioguanine"])
@pytest.mark.parametrize(("tpmt", "nudt15", "action"), [
    (NM, NM, "standard"),
    (IM, NM, "adjust_dose"), (PIM, NM, "adjust_dose"), (NM, IM, "adjust_dose"), (IM, IM, "adjust_dose"),
    (PM, NM, "consider_alternative"), (NM, PM, "consider_alternative"), (PM, PM, "consider_alternative"),
    (IM, PM, "consider_alternative"), (PM, IM, "consider_alternative"),
])
def test_thiopurines_tpmt_x_nudt15(drug, tpmt, nudt15, action):
    row = one({"TPMT": tpmt, "NUDT15": nudt15}, drug)
    assert row["action"] == action
    # CPIC v1.23.0 (PharmCAT guidelines/cpic/*.json): both genes intermediate is strong for azathioprine and
    # mercaptopurine, moderate for thioguanine
    expected = ("moderate" if drug == "thioguanine" else "strong") if (tpmt, nudt15) == (IM, IM) else None
    if expected:
        assert row["classification"] == expected
    if action == "consider_alternative":
        assert row["classification"] == "strong"
        assert "non-thiopurine" in row["recommendation"]


@pytest.mark.parametrize(("hla", "activity", "action", "classification"), [
    ("*15:02/*40:01", 2.0, "avoid", "strong"),
    ("*15:02/*40:01", 0.0, "avoid", "strong"),
    ("*40:01/*46:01", 2.0, "standard", "strong"),
    ("*40:01/*46:01", 1.5, "standard", "moderate"),
    ("*40:01/*46:01", 1.0, "adjust_dose", "moderate"),
    ("*40:01/*46:01", 0.5, "adjust_dose", "strong"),
    ("*40:01/*46:01", 0.0, "adjust_dose", "strong"),
])
@pytest.mark.parametrize("drug", ["phenytoin", "fosphenytoin"])
def test_phenytoin_cyp2c9_x_hla_b(drug, hla, activity, action, classification):
    row = one({"HLA-B": {"diplotype": hla}, "CYP2C9": ("x", activity)}, drug)
    assert (row["action"], row["classification"]) == (action, classification)
    if activity == 0.0 and action == "adjust_dose":
        assert "50%" in row["recommendation"]


@pytest.mark.parametrize(("slco1b1", "abcg2", "action"), [
    ("Normal Function", "Normal Function", "standard"),
    ("Decreased Function", "Normal Function", "monitor"),
    ("Poor Function", "Normal Function", "adjust_dose"),
    ("Normal Function", "Decreased Function", "standard"),
    ("Normal Function", "Poor Function", "adjust_dose"),
    ("Poor Function", "Poor Function", "adjust_dose"),
])
def test_rosuvastatin_slco1b1_x_abcg2(slco1b1, abcg2, action):
    row = one({"SLCO1B1": slco1b1, "ABCG2": abcg2}, "rosuvastatin")
    assert row["action"] == action
    if slco1b1 == abcg2 == "Poor Function":
        assert "10 mg" in row["recommendation"]


@pytest.mark.parametrize(("slco1b1", "cyp2c9", "action"), [
    ("Normal Function", (NM, 2.0), "standard"),
    ("Decreased Function", (NM, 2.0), "monitor"),
    ("Poor Function", (NM, 2.0), "adjust_dose"),
    ("Normal Function", (IM, 1.0), "adjust_dose"),
    ("Decreased Function", (IM, 1.5), "adjust_dose"),
    ("Poor Function", (IM, 1.0), "consider_alternative"),
    ("Normal Function", (PM, 0.0), "adjust_dose"),
    ("Decreased Function", (PM, 0.0), "consider_alternative"),
])
def test_fluvastatin_slco1b1_x_cyp2c9(slco1b1, cyp2c9, action):
    assert one({"SLCO1B1": slco1b1, "CYP2C9": cyp2c9}, "fluvastatin")["action"] == action


@pytest.mark.parametrize(("ryr1", "cacna1s", "action"), [
    ("Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility", "avoid"),
    ("Uncertain Susceptibility", "Malignant Hyperthermia Susceptibility", "avoid"),
    ("Uncertain Susceptibility", "Uncertain Susceptibility", "monitor"),
])
@pytest.mark.parametrize("drug", ["sevoflurane", "desflurane", "succinylcholine"])
def test_malignant_hyperthermia(drug, ryr1, cacna1s, action):
    assert one({"RYR1": ryr1, "CACNA1S": cacna1s}, drug)["action"] == action


def test_sources_are_reported_apart():
    out = recommend(calls_frame({"CYP2D6": (PM, 0.0)}), drugs=["codeine"])
    assert out["source"].to_list() == ["CPIC", "DPWG", "FDA"]
    # FDA table, section 2: CYP2D6 poor metabolizers get less active metabolite (no advice: monitor)
    assert out["action"].to_list() == ["avoid", "consider_alternative", "monitor"]
    assert out["classification"][2] == "potential impact on safety or response"


# ---------------------------------------------------------------- phenoconversion
def test_paroxetine_makes_a_normal_metabolizer_poor_for_codeine():
    meds = pl.DataFrame({"sample_id": ["s1"], "drug": ["Paroxetine"]})
    row = one({"CYP2D6": (NM, 2.0)}, "codeine", medications=meds)
    assert row["phenotypes"] == ["CYP2D6: Normal Metabolizer (activity score 2)"]
    assert row["effective_phenotypes"] == ["CYP2D6: Poor Metabolizer (activity score 0)"]
    assert row["action"] == "avoid"
    assert any("paroxetine (strong CYP2D6 inhibitor)" in reason for reason in row["reasons"])


def test_paroxetine_advice_is_read_from_the_genotype_not_its_own_inhibition():
    # CPIC 2023 SSRI guideline: a CYP2D6 normal metabolizer starts paroxetine at the usual dose;
    # paroxetine inhibits CYP2D6 for the patient's other drugs (codeine above), not for itself
    meds = pl.DataFrame({"sample_id": ["s1", "s1"], "drug": ["paroxetine", "codeine"]})
    out = recommend(calls_frame({"CYP2D6": (NM, 2.0)}), drugs=["paroxetine", "codeine"], medications=meds,
                    sources=["CPIC"])
    rows = {r["drug"]: r for r in out.iter_rows(named=True)}
    assert rows["paroxetine"]["action"] == "standard"
    assert rows["paroxetine"]["effective_phenotypes"] == ["CYP2D6: Normal Metabolizer (activity score 2)"]
    assert rows["codeine"]["action"] == "avoid"


def test_moderate_inhibitor_halves_the_activity_score():
    meds = pl.DataFrame({"sample_id": ["s1"], "drug": ["duloxetine"]})
    row = one({"CYP2D6": (NM, 2.0)}, "codeine", medications=meds)
    # CPIC 2020 bins: 0 < AS < 1.25 is intermediate
    assert row["effective_phenotypes"] == ["CYP2D6: Intermediate Metabolizer (activity score 1)"]
    assert row["action"] == "monitor"
    row = one({"CYP2D6": (NM, 1.5)}, "codeine", medications=meds)
    assert row["effective_phenotypes"] == ["CYP2D6: Intermediate Metabolizer (activity score 0.75)"]


def test_weak_inhibitor_changes_nothing_and_strongest_wins():
    meds = pl.DataFrame({"sample_id": ["s1", "s1"], "drug": ["sertraline", "fluoxetine"]})
    row = one({"CYP2D6": (UM, 3.0)}, "tramadol", medications=meds)
    assert row["effective_phenotypes"] == ["CYP2D6: Poor Metabolizer (activity score 0)"]
    row = one({"CYP2D6": (NM, 2.0)}, "tramadol", medications=meds.head(1))
    assert row["effective_phenotypes"] == row["phenotypes"]


def test_medications_apply_only_to_their_sample():
    calls = pl.concat([calls_frame({"CYP2D6": (NM, 2.0)}, "a"), calls_frame({"CYP2D6": (NM, 2.0)}, "b")])
    meds = pl.DataFrame({"sample_id": ["b"], "drug": ["bupropion"]})
    out = recommend(calls, drugs=["codeine"], medications=meds, sources=["CPIC"])
    assert out["action"].to_list() == ["standard", "avoid"]


def test_cyp2c19_strong_inhibitor_and_moderate_inhibitor_shift_phenotype():
    strong = pl.DataFrame({"sample_id": ["s1"], "drug": ["fluvoxamine"]})
    row = one({"CYP2C19": NM}, "clopidogrel", medications=strong)
    assert row["effective_phenotypes"] == ["CYP2C19: Poor Metabolizer"]
    assert (row["action"], row["classification"]) == ("consider_alternative", "strong")
    # voriconazole: moderate CYP2C19 inhibitor in FDA Table 1 (omeprazole is weak there and shifts nothing)
    moderate = pl.DataFrame({"sample_id": ["s1"], "drug": ["voriconazole"]})
    row = one({"CYP2C19": RM}, "citalopram", medications=moderate)
    assert row["effective_phenotypes"] == ["CYP2C19: Normal Metabolizer"]
    assert row["action"] == "standard"
    weak = pl.DataFrame({"sample_id": ["s1"], "drug": ["omeprazole"]})
    row = one({"CYP2C19": RM}, "citalopram", medications=weak)
    assert row["effective_phenotypes"] == row["phenotypes"]


def test_cyp2c9_shift_moves_the_activity_score_too():
    meds = pl.DataFrame({"sample_id": ["s1"], "drug": ["amiodarone"]})
    row = one({"CYP2C9": (NM, 2.0)}, "celecoxib", medications=meds)
    assert row["effective_phenotypes"] == ["CYP2C9: Intermediate Metabolizer (activity score 1)"]
    assert row["action"] == "adjust_dose"


def test_unknown_medication_warns_and_carries_on():
    meds = pl.DataFrame({"sample_id": ["s1", "s1"], "drug": ["paroxetine", "notadrugzol"]})
    with pytest.warns(UnknownMedicationWarning, match=r"\['notadrugzol'\] not in pgx's co-medication"):
        row = one({"CYP2D6": (NM, 2.0)}, "codeine", medications=meds)
    assert row["action"] == "avoid"
    assert issubclass(UnknownMedicationWarning, PgxWarning)


def test_known_medications_do_not_warn():
    meds = pl.DataFrame({"sample_id": ["s1", "s1"], "drug": ["paroxetine", "simvastatin"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one({"CYP2D6": (NM, 2.0)}, "codeine", medications=meds)


# ---------------------------------------------------------------- uncalled and ambiguous genes
@pytest.mark.parametrize("spec", [
    {"diplotype": None, "phenotype": None},
    {"diplotype": "*1/*1", "phenotype": None},
    {"diplotype": None, "phenotype": None, "warnings": ["not_called"]},
    {"diplotype": "*1/*1", "phenotype": NM, "warnings": ["not_called"]},
])
def test_uncalled_gene_gives_no_recommendation(spec):
    row = one({"CYP2C19": spec}, "clopidogrel")
    assert row["action"] == "no_recommendation"
    assert row["recommendation"] == NOT_CALLED
    assert row["classification"] == "no recommendation"
    assert row["reasons"] == ["CYP2C19: not called"]


def test_gene_missing_from_calls_keeps_every_row_it_could_change_flagged():
    """TPMT normal, NUDT15 not called: CPIC's NUDT15 rows differ, so each stays, flagged, and
    the most cautious (NUDT15 poor: a non-thiopurine alternative) leads."""
    row = one({"TPMT": NM}, "azathioprine")
    assert row["ambiguous"] is True and row["action"] == "consider_alternative"
    assert row["recommendation"].startswith(
        "Most cautious, for TPMT *1/*1: Normal Metabolizer; if NUDT15 poor metabolizer (NUDT15 not called): ")
    for nudt15 in ("normal metabolizer", "intermediate metabolizer", "poor metabolizer"):
        assert f"if NUDT15 {nudt15}" in row["recommendation"]
    assert "Use the normal starting dose" in row["recommendation"]
    assert row["phenotypes"] == ["TPMT: Normal Metabolizer", "NUDT15: not called"]
    assert "NUDT15: not in the calls" in row["reasons"]
    assert any("depends on NUDT15, not called" in reason for reason in row["reasons"])


def test_both_genes_missing_gives_no_recommendation():
    row = one({"CYP2C19": NM}, "azathioprine")
    assert row["recommendation"] == NOT_CALLED and row["action"] == "no_recommendation"


def test_one_gene_rule_fires_without_the_other_gene():
    """CPIC: an HLA-B*15:02 carrier should not start carbamazepine, whatever HLA-A is."""
    spec = {"diplotype": "*15:02/*57:01", "phenotype": "*15:02 positive; *57:01 positive; *58:01 negative"}
    row = one({"HLA-B": spec}, "carbamazepine")
    assert row["action"] == "avoid" and row["ambiguous"] is False
    assert row["recommendation"].startswith("If the patient has not taken carbamazepine before, do not start it")
    assert row["phenotypes"] == ["HLA-B: *15:02 positive; *57:01 positive; *58:01 negative", "HLA-A: not called"]
    assert any(r.startswith("HLA-A not called: CPIC row") and r.endswith("does not depend on it")
               for r in row["reasons"])


def test_missing_gene_that_changes_the_advice_is_said():
    """HLA-B*15:02 negative: the advice then turns on HLA-A*31:01, which is not called."""
    row = one({"HLA-B": {"diplotype": "*07:02/*08:01", "phenotype": None}}, "carbamazepine")
    assert row["ambiguous"] is True and row["action"] == "avoid"
    assert "if HLA-A *31:01 negative (HLA-A not called)] Use carbamazepine as usual." in row["recommendation"]
    assert row["recommendation"].startswith("Most cautious, for HLA-B: *07:02/*08:01; if HLA-A *31:01 positive")


def test_indeterminate_phenotype_has_no_guideline_row():
    row = one({"CYP2C19": "Indeterminate"}, "clopidogrel")
    assert row["action"] == "no_recommendation"
    assert row["recommendation"].startswith("no recommendation: the guideline has none for CYP2C19: Indeterminate")


def test_hla_status_unknown_from_phenotype_of_another_allele():
    row = one({"HLA-B": {"diplotype": None, "phenotype": "HLA-B*58:01 negative"}}, "abacavir")
    assert row["action"] == "no_recommendation"


def test_ambiguous_call_with_different_recommendations():
    spec = {"diplotype": "*1/*2", "phenotype": IM, "alternatives": ["*1/*17"], "alternative_phenotypes": [RM],
            "warnings": ["ambiguous"]}
    row = one({"CYP2C19": spec}, "voriconazole")
    assert row["ambiguous"] is True
    assert row["action"] == "consider_alternative"  # the more cautious of standard / consider_alternative
    assert "[CYP2C19 *1/*2: Intermediate Metabolizer]" in row["recommendation"]
    assert "[CYP2C19 *1/*17: Rapid Metabolizer]" in row["recommendation"]
    assert row["recommendation"].startswith("Most cautious, for CYP2C19 *1/*17: Rapid Metabolizer: ")
    assert any(reason.startswith("ambiguous:") for reason in row["reasons"])


def test_tied_call_weighs_each_diplotype_with_its_own_phenotype():
    """A tie the calls table reports as Indeterminate (ambiguous_phenotype): each diplotype is
    shown with its phenotype and advice, the headline names the one the action comes from."""
    spec = {"diplotype": "*1/*2", "phenotype": "Indeterminate", "alternatives": ["*2/*2", "*1/*17"],
            "alternative_phenotypes": [PM, RM], "warnings": ["ambiguous", "tied_top_score", "ambiguous_phenotype"]}
    row = one({"CYP2C19": spec}, "voriconazole")
    assert row["phenotypes"] == ["CYP2C19: Intermediate Metabolizer"]
    assert row["ambiguous"] is True and row["action"] == "consider_alternative"
    text = row["recommendation"]
    assert text.startswith("Most cautious, for CYP2C19 *2/*2: Poor Metabolizer: ")
    assert "[CYP2C19 *1/*2: Intermediate Metabolizer] Start voriconazole at the usual standard-of-care dose." in text
    assert "[CYP2C19 *1/*17: Rapid Metabolizer]" in text


def test_ambiguous_call_with_the_same_recommendation():
    spec = {"diplotype": "*1/*2", "phenotype": IM, "alternatives": ["*38/*2"], "alternative_phenotypes": [IM]}
    row = one({"CYP2C19": spec}, "clopidogrel")
    assert row["ambiguous"] is False
    assert row["action"] == "consider_alternative"


def test_ambiguous_call_without_alternative_phenotypes_is_flagged_unresolved():
    calls = calls_frame({"CYP2C19": IM}).with_columns(pl.lit(["*1/*17"]).alias("alternatives")).drop(
        "alternative_phenotypes")
    row = recommend(calls, drugs=["clopidogrel"], sources=["CPIC"]).row(0, named=True)
    assert row["action"] == "consider_alternative"
    assert any("ambiguous call" in reason and "*1/*17" in reason for reason in row["reasons"])


def test_ambiguous_hla_alternative_diplotypes():
    spec = {"diplotype": "*57:01/*08:01", "alternatives": ["*57:03/*08:01"], "alternative_phenotypes": [None]}
    row = one({"HLA-B": spec}, "abacavir")
    assert row["ambiguous"] is True and row["action"] == "avoid"


# ---------------------------------------------------------------- errors, output shape
def test_unknown_drug_lists_closest_names():
    with pytest.raises(UnknownDrugError, match=r"unknown drug 'codiene'; did you mean: codeine") as info:
        recommend(calls_frame({"CYP2D6": NM}), drugs=["codiene"])
    assert isinstance(info.value, ValueError) and isinstance(info.value, PgxError)
    assert info.value.suggestions[0] == "codeine"


def test_unknown_source_and_bad_calls():
    with pytest.raises(ValueError, match=r"sources= expected a subset of \['CPIC', 'DPWG', 'FDA'\], found \['EMA'\]"):
        recommend(calls_frame({"CYP2D6": NM}), sources=["CPIC", "EMA"])
    with pytest.raises(ValueError, match="missing column"):
        recommend(pl.DataFrame({"sample_id": ["s1"], "gene": ["CYP2D6"]}))
    with pytest.raises(ValueError, match="more than once"):
        recommend(pl.concat([calls_frame({"CYP2D6": NM}), calls_frame({"CYP2D6": NM})]))


def test_every_drug_and_output_schema():
    out = recommend(calls_frame({"CYP2D6": (NM, 2.0)}))
    table = guidelines()
    # one row per guideline: (drug, source, gene set); DPWG has one guideline per gene of a drug
    assert out.height == table.select("drug", "source", pl.col("genes").list.join(";")).unique().height
    assert set(out["action"]) <= set(ACTIONS)
    assert out.columns[:3] == ["sample_id", "drug", "source"]
    assert out.schema["genes"] == pl.List(pl.String)
    assert out.schema["reasons"] == pl.List(pl.String)


def test_drug_names_are_case_insensitive_and_deduplicated():
    out = recommend(calls_frame({"CYP2D6": NM}), drugs=["Codeine", "codeine"], sources=["CPIC"])
    assert out["drug"].to_list() == ["codeine"]


def test_issue_drugs_are_covered():
    cpic = set(guidelines(sources=["CPIC"])["drug"])
    for drug in ["clopidogrel", "voriconazole", "omeprazole", "lansoprazole", "pantoprazole", "dexlansoprazole",
                 "citalopram", "escitalopram", "sertraline", "amitriptyline", "nortriptyline", "codeine", "tramadol",
                 "ondansetron", "tamoxifen", "atomoxetine", "fluorouracil", "capecitabine", "azathioprine",
                 "mercaptopurine", "thioguanine", "tacrolimus", "efavirenz", "simvastatin", "rosuvastatin",
                 "fluvastatin", "atorvastatin", "phenytoin", "fosphenytoin", "celecoxib", "ibuprofen", "meloxicam",
                 "piroxicam", "warfarin", "abacavir", "allopurinol", "carbamazepine", "oxcarbazepine",
                 "sevoflurane", "succinylcholine", "gentamicin", "rasburicase", "ivacaftor", "atazanavir",
                 "peginterferon alfa-2a"]:
        assert drug in cpic, drug
    dpwg = set(guidelines(sources=["DPWG"])["drug"])
    assert {"irinotecan", "fluorouracil", "capecitabine", "azathioprine", "mercaptopurine", "clopidogrel",
            "codeine", "tamoxifen"} <= dpwg


def test_comedication_table_has_the_cyp2d6_strong_inhibitors():
    table = comedications()
    strong = set(table.filter((pl.col("enzyme") == "CYP2D6") & (pl.col("strength") == "strong"))["drug"])
    assert {"paroxetine", "fluoxetine", "bupropion", "quinidine"} <= strong


def test_tables_carry_provenance_headers():
    for name in ("guidelines/cpic.tsv", "guidelines/dpwg.tsv", "medications/comedications.tsv",
                 "medications/phenoconversion.tsv", "medications/activity_bins.tsv"):
        head = (reference_dir() / name).read_text(encoding="utf-8").splitlines()[:20]
        text = "\n".join(line for line in head if line.startswith("#"))
        for key in ("source", "retrieved", "licence"):
            assert f"# {key}" in text or f"#   {key}" in text or key in text, (name, key)


# ---------------------------------------------------------------- validation of the tables
@pytest.fixture
def ref_copy(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(reference_dir(), copy)
    return copy


def _corrupt(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("\tstrong\tstandard", "\tvery strong\tstandard", r"cpic.tsv, data row \d+, column 'classification'"),
    ("\tstrong\tavoid", "\tstrong\tstop", r"column 'action': expected one of"),
    ("CYP2C19=Ultrarapid Metabolizer|Rapid", "CYP2C19 Ultrarapid Metabolizer|Rapid", r"column 'condition'"),
    ("activity:DPYD=2..2", "activity:DPYD=2..1", r"column 'condition': expected an activity range"),
    ("\t32968\t", "\tRx32968\t", r"column 'rxnorm'"),
    ("\tN06AB05\t", "\tN6AB05\t", r"column 'atc': expected an ATC code like N02AA59, or nothing"),
])
def test_malformed_guideline_rows_are_named(ref_copy, old, new, message):
    _corrupt(ref_copy / "guidelines" / "cpic.tsv", old, new)
    with pytest.raises(ReferenceDataError, match=message):
        recommend(calls_frame({"CYP2D6": NM}), reference_dir=ref_copy)


def test_malformed_comedication_row_is_named(ref_copy):
    _corrupt(ref_copy / "medications" / "comedications.tsv", "paroxetine\tCYP2D6\tinhibitor\tstrong",
             "paroxetine\tCYP2D6\tblocker\tstrong")
    with pytest.raises(ReferenceDataError, match=r"comedications.tsv, data row 3, column 'effect'"):
        comedications(reference_dir=ref_copy)


def test_missing_table_is_named(ref_copy):
    (ref_copy / "guidelines" / "dpwg.tsv").unlink()
    with pytest.raises(ReferenceDataError, match=r"dpwg.tsv: the table is missing"):
        guidelines(reference_dir=ref_copy)
