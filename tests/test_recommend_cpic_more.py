"""CPIC drugs added to pgx's guideline table on 2026-12-06, checked phenotype by phenotype.

Every expectation (action class, CPIC's grade, a key fact of the advice) is written by hand from CPIC's
per-drug recommendations as shipped by PharmCAT (reporter/guidelines/cpic/<drug>.json at commit 76bfe08c,
CPIC v1.30.0), not computed from pgx's table. The key phrase is a fact of the advice (a dose step, the
alternative named), looked for case-insensitively in pgx's own wording.
"""

from __future__ import annotations

import polars as pl
import pytest

from pgx.recommend import guidelines, recommend
from pgxgen import calls_frame

UM, RM, NM, IM, PM = ("Ultrarapid Metabolizer", "Rapid Metabolizer", "Normal Metabolizer",
                      "Intermediate Metabolizer", "Poor Metabolizer")
LIM, LPM = "Likely Intermediate Metabolizer", "Likely Poor Metabolizer"


def check(genes: dict[str, object], drug: str, action: str, classification: str, phrase: str) -> None:
    out = recommend(calls_frame(genes), drugs=[drug], sources=["CPIC"])
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["action"], row["classification"]) == (action, classification), (drug, genes, row)
    assert phrase.lower() in row["recommendation"].lower(), (drug, genes, row["recommendation"])
    assert not row["ambiguous"]


# ---------------------------------------------------------------- TCAs
# Tertiary amines: CPIC grades only CYP2D6 NM x CYP2C19 NM 'strong', every other combination 'optional'
# (amitriptyline differs: several combinations are strong or moderate; tests/test_recommend.py covers it).
TERTIARY_CASES = [
    # (CYP2D6, CYP2C19, action, classification, key phrase)
    ((NM, 2.0), NM, "standard", "strong", "usual recommended dose"),
    ((NM, 1.25), IM, "standard", "optional", "usual recommended dose"),
    ((NM, 2.0), LIM, "standard", "optional", "usual recommended dose"),
    ((NM, 2.0), UM, "consider_alternative", "optional", "not cleared by CYP2C19"),
    ((NM, 2.0), RM, "consider_alternative", "optional", "not cleared by CYP2C19"),
    ((NM, 2.0), PM, "consider_alternative", "optional", "half the usual starting dose"),
    ((NM, 2.0), LPM, "consider_alternative", "optional", "half the usual starting dose"),
    ((IM, 1.0), NM, "adjust_dose", "optional", "25% below"),
    ((IM, 0.5), IM, "adjust_dose", "optional", "25% below"),
    ((IM, 1.0), RM, "consider_alternative", "optional", "not cleared by CYP2C19"),
    ((IM, 1.0), PM, "consider_alternative", "optional", "therapeutic drug monitoring"),
    ((PM, 0.0), NM, "consider_alternative", "optional", "half the usual starting dose"),
    ((PM, 0.0), LIM, "consider_alternative", "optional", "half the usual starting dose"),
    ((PM, 0.0), PM, "consider_alternative", "optional", "therapeutic drug monitoring"),
    ((PM, 0.0), UM, "consider_alternative", "optional", "therapeutic drug monitoring"),
    ((UM, 3.0), NM, "consider_alternative", "optional", "higher target dose"),
    ((UM, 3.0), IM, "consider_alternative", "optional", "therapeutic drug monitoring"),
    ((UM, 3.0), RM, "consider_alternative", "optional", "therapeutic drug monitoring"),
    ((UM, 3.0), LPM, "consider_alternative", "optional", "therapeutic drug monitoring"),
]


@pytest.mark.parametrize("drug", ["clomipramine", "doxepin", "imipramine", "trimipramine"])
@pytest.mark.parametrize(("cyp2d6", "cyp2c19", "action", "classification", "phrase"), TERTIARY_CASES)
def test_tertiary_amine_tcas(drug, cyp2d6, cyp2c19, action, classification, phrase):
    check({"CYP2D6": cyp2d6, "CYP2C19": cyp2c19}, drug, action, classification, phrase)


def test_tertiary_amine_advice_names_its_own_drug():
    out = recommend(calls_frame({"CYP2D6": (PM, 0.0), "CYP2C19": NM}), drugs=["imipramine", "doxepin"],
                    sources=["CPIC"])
    first = {row["drug"]: row["recommendation"].split(";")[0] for row in out.iter_rows(named=True)}
    assert first == {"doxepin": "Avoid doxepin", "imipramine": "Avoid imipramine"}


@pytest.mark.parametrize(("cyp2d6", "action", "classification", "phrase"), [
    ((UM, 3.0), "consider_alternative", "optional", "higher target dose"),
    ((NM, 1.5), "standard", "strong", "usual recommended dose"),
    ((IM, 1.0), "adjust_dose", "optional", "25% below"),
    ((IM, 0.5), "adjust_dose", "optional", "25% below"),
    ((PM, 0.0), "consider_alternative", "optional", "half the usual starting dose"),
])
def test_desipramine_cyp2d6_only(cyp2d6, action, classification, phrase):
    # a secondary amine: CYP2C19 does not change the advice
    for cyp2c19 in (NM, PM):
        check({"CYP2D6": cyp2d6, "CYP2C19": cyp2c19}, "desipramine", action, classification, phrase)


# ---------------------------------------------------------------- SSRIs and SNRIs (CPIC 2023)
@pytest.mark.parametrize(("drug", "cyp2d6", "action", "classification", "phrase"), [
    ("paroxetine", (UM, 3.0), "consider_alternative", "moderate", "not mainly cleared by CYP2D6"),
    ("paroxetine", (NM, 1.25), "standard", "strong", "usual recommended dose"),
    ("paroxetine", (IM, 1.0), "adjust_dose", "optional", "lower starting dose"),
    ("paroxetine", (PM, 0.0), "adjust_dose", "moderate", "halving the maintenance dose"),
    ("fluvoxamine", (UM, 3.0), "no_recommendation", "no recommendation", "no recommendation"),
    ("fluvoxamine", (NM, 2.0), "standard", "strong", "usual recommended dose"),
    ("fluvoxamine", (IM, 0.5), "standard", "moderate", "usual recommended dose"),
    ("fluvoxamine", (PM, 0.0), "adjust_dose", "optional", "25-50% lower"),
    ("venlafaxine", (UM, 3.0), "standard", "no recommendation", "no genotype-based change"),
    ("venlafaxine", (NM, 2.0), "standard", "strong", "usual recommended dose"),
    ("venlafaxine", (IM, 1.0), "standard", "no recommendation", "no genotype-based change"),
    ("venlafaxine", (PM, 0.0), "consider_alternative", "optional", "not mainly cleared by CYP2D6"),
    ("vortioxetine", (UM, 3.0), "consider_alternative", "optional", "50% higher"),
    ("vortioxetine", (NM, 2.0), "standard", "strong", "usual recommended dose"),
    ("vortioxetine", (IM, 0.25), "standard", "moderate", "usual recommended dose"),
    ("vortioxetine", (PM, 0.0), "adjust_dose", "moderate", "at most 10 mg"),
])
def test_ssri_snri_cyp2d6(drug, cyp2d6, action, classification, phrase):
    check({"CYP2D6": cyp2d6}, drug, action, classification, phrase)


# ---------------------------------------------------------------- opioids and antiemetics (CYP2D6)
@pytest.mark.parametrize(("drug", "cyp2d6", "action", "classification", "phrase"), [
    ("hydrocodone", (UM, 3.0), "no_recommendation", "no recommendation", "no recommendation"),
    ("hydrocodone", (NM, 2.0), "standard", "strong", "age- or weight-based"),
    ("hydrocodone", (IM, 1.0), "monitor", "optional", "not codeine or tramadol"),
    ("hydrocodone", (PM, 0.0), "monitor", "optional", "not codeine or tramadol"),
    ("tropisetron", (UM, 3.0), "consider_alternative", "moderate", "granisetron"),
    ("tropisetron", (NM, 2.0), "standard", "strong", "usual recommended dose"),
    ("tropisetron", (IM, 1.0), "standard", "no recommendation", "usual recommended dose"),
    ("tropisetron", (PM, 0.0), "standard", "no recommendation", "usual recommended dose"),
])
def test_opioid_and_antiemetic_cyp2d6(drug, cyp2d6, action, classification, phrase):
    check({"CYP2D6": cyp2d6}, drug, action, classification, phrase)


# ---------------------------------------------------------------- NSAIDs (CYP2C9 activity score)
@pytest.mark.parametrize("drug", ["flurbiprofen", "lornoxicam"])
@pytest.mark.parametrize(("cyp2c9", "action", "classification", "phrase"), [
    ((NM, 2.0), "standard", "strong", "usual dose"),
    ((IM, 1.5), "standard", "moderate", "usual dose"),
    ((IM, 1.0), "adjust_dose", "moderate", "lowest recommended dose"),
    ((PM, 0.5), "adjust_dose", "moderate", "25-50% of the lowest"),
    ((PM, 0.0), "adjust_dose", "moderate", "25-50% of the lowest"),
])
def test_short_half_life_nsaids(drug, cyp2c9, action, classification, phrase):
    check({"CYP2C9": cyp2c9}, drug, action, classification, phrase)


@pytest.mark.parametrize(("cyp2c9", "action", "classification", "phrase"), [
    ((NM, 2.0), "standard", "strong", "usual dose"),
    ((IM, 1.5), "standard", "moderate", "usual dose"),
    ((IM, 1.0), "consider_alternative", "optional", "shorter half-life"),
    ((PM, 0.5), "consider_alternative", "optional", "shorter half-life"),
    ((PM, 0.0), "consider_alternative", "optional", "not mainly cleared by CYP2C9"),
])
def test_tenoxicam(cyp2c9, action, classification, phrase):
    check({"CYP2C9": cyp2c9}, "tenoxicam", action, classification, phrase)


# ---------------------------------------------------------------- aminoglycosides (MT-RNR1)
@pytest.mark.parametrize("drug", ["dibekacin", "netilmicin", "paromomycin", "plazomicin"])
@pytest.mark.parametrize(("phenotype", "action", "classification", "phrase"), [
    ("Increased risk of aminoglycoside-induced hearing loss", "avoid", "strong", "avoid aminoglycosides"),
    ("Normal risk of aminoglycoside-induced hearing loss", "standard", "strong", "usual dose"),
    ("Uncertain risk of aminoglycoside-induced hearing loss", "standard", "optional", "usual dose"),
])
def test_aminoglycosides_mt_rnr1(drug, phenotype, action, classification, phrase):
    check({"MT-RNR1": phenotype}, drug, action, classification, phrase)


# ---------------------------------------------------------------- G6PD drugs (Gammal et al. 2022)
G6PD_GRADES = {
    # drug: grades for Deficient, Deficient with CNSHA (Normal is strong and Variable moderate for all)
    "dapsone": ("strong", "strong"), "pegloticase": ("strong", "strong"), "tafenoquine": ("strong", "strong"),
    "methylene blue": ("moderate", "strong"), "toluidine blue": ("moderate", "strong"),
    "primaquine": ("strong", "strong"), "nitrofurantoin": ("optional", "moderate"),
}


@pytest.mark.parametrize("drug", sorted(G6PD_GRADES))
def test_g6pd_drugs(drug):
    deficient, cnsha = G6PD_GRADES[drug]
    check({"G6PD": "Normal"}, drug, "standard", "strong", "no reason to avoid")
    check({"G6PD": "Deficient with CNSHA"}, drug, "avoid", cnsha, f"do not use {drug}")
    check({"G6PD": "Variable"}, drug, "monitor", "moderate", "measure G6PD enzyme activity")
    if drug == "nitrofurantoin":  # medium risk: usable with caution
        check({"G6PD": "Deficient"}, drug, "monitor", deficient, "close monitoring for anaemia")
    else:
        check({"G6PD": "Deficient"}, drug, "avoid", deficient, f"do not use {drug}")


def test_primaquine_deficient_names_the_malaria_exceptions():
    check({"G6PD": "Deficient"}, "primaquine", "avoid", "strong", "weekly regimen over 8 weeks")
    check({"G6PD": "Deficient"}, "primaquine", "avoid", "strong", "single low dose")


# ---------------------------------------------------------------- codes
@pytest.mark.parametrize(("drug", "rxnorm", "atc"), [
    # RxNorm: PharmCAT cpic/<drug>.json 'drugid'; ATC: PyPGx 0.27.0 cpic-table.csv (first code; none listed -> "")
    ("clomipramine", "2597", "N06AA04"), ("paroxetine", "32937", "N06AB05"), ("vortioxetine", "1455099", "N06AX26"),
    ("hydrocodone", "5489", "R05DA03"), ("tenoxicam", "37790", "M01AC02"), ("primaquine", "8687", "P01BA03"),
    ("plazomicin", "2049549", ""), ("methylene blue", "6878", ""),
])
def test_drug_codes(drug, rxnorm, atc):
    rows = guidelines(sources=["CPIC"]).filter(drug=drug)
    assert rows.height > 0
    assert set(rows["rxnorm"]) == {rxnorm} and set(rows["atc"]) == {atc}


# rows per drug: CPIC's groups as read from the source (TCAs: 4 CYP2C19 groups x 4 CYP2D6 phenotypes; one row per
# phenotype otherwise; ondansetron-like drugs join IM and PM). With the cases above reaching every group, no row of
# these drugs is left without a hand-written expectation.
ROWS_PER_DRUG = {
    **dict.fromkeys(["clomipramine", "doxepin", "imipramine", "trimipramine"], 16),
    **dict.fromkeys(["desipramine", "paroxetine", "fluvoxamine", "venlafaxine", "vortioxetine", "hydrocodone"], 4),
    "tropisetron": 3,
    **dict.fromkeys(["flurbiprofen", "lornoxicam", "tenoxicam"], 4),
    **dict.fromkeys(["dibekacin", "netilmicin", "paromomycin", "plazomicin"], 3),
    **dict.fromkeys(G6PD_GRADES, 4),
}


def test_every_row_of_the_added_drugs_has_a_case():
    counts = dict(guidelines(sources=["CPIC"]).filter(pl.col("drug").is_in(list(ROWS_PER_DRUG))).group_by("drug").len().iter_rows())
    assert counts == ROWS_PER_DRUG
