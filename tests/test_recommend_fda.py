"""FDA guidance (reference/guidelines/fda.tsv, the FDA Table of Pharmacogenetic Associations) checked
against the FDA table itself, not against pgx's table.

* literal pins written by hand from the FDA table (content collected 2021-03-22, PharmGKB/fda-biomarker
  commit 53068f27): action and section for drugs of several families;
* tests/data/fda_oracle.json (tools/pin_fda_oracle.py, no code shared with the builder): every
  association's drug, gene, affected subgroup and section. A patient in each affected group must get
  an FDA row of that section, a patient outside it must get none, and every table row must be reached.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pgx.recommend import guidelines, recommend
from pgxgen import calls_frame

ORACLE = json.loads((Path(__file__).parent / "data" / "fda_oracle.json").read_text(encoding="utf-8"))
SECTION = {"recommendation": "therapeutic management recommended",
           "impact": "potential impact on safety or response", "pk": "pharmacokinetic impact only"}
UM, NM, IM, PM = "Ultrarapid Metabolizer", "Normal Metabolizer", "Intermediate Metabolizer", "Poor Metabolizer"


def _patients(gene: str, subgroup: str) -> list[tuple[str, dict]] | None:
    """(gene, call) pairs of patients in the FDA's affected subgroup; None when pgx cannot test it."""
    text = subgroup.lower()
    genes = ["TPMT", "NUDT15"] if gene == "TPMT and/or NUDT15" else [gene]
    if gene.startswith("Nonspecific") or gene == "CYP4F2":
        return None
    if m := re.fullmatch(r"(\*\d+:\d+) allele positive", text):
        return [(gene, {"diplotype": f"{m.group(1)}/*44:02"})]
    if m := re.fullmatch(r"(\*\d+/\*\d+) \(poor metabolizers\)", text):
        return [(gene, {"diplotype": m.group(1), "phenotype": PM})]
    if gene == "VKORC1":
        return [(gene, {"phenotype": "-1639 AA"}), (gene, {"phenotype": "-1639 AG"})]
    if "transporter" in text:
        words = {"intermediate": "Decreased Function", "poor": "Poor Function"}
    else:
        words = {"ultrarapid": UM, "normal": NM, "intermediate": IM, "poor": PM}
    return [(g, {"phenotype": p}) for w, p in words.items() if w in text for g in genes]


def _fda_row(drug: str, gene: str, call: dict) -> dict:
    out = recommend(calls_frame({gene: call}), drugs=[drug], sources=["FDA"])
    rows = [r for r in out.iter_rows(named=True) if r["genes"] == [gene]]
    assert len(rows) == 1, (drug, gene, call, out)
    return rows[0]


def test_every_association_reaches_a_row_of_its_section_and_every_row_is_reached():
    table = guidelines(sources=["FDA"])
    reached: set[int] = set()
    tested = 0
    for entry in ORACLE["rows"]:
        patients = _patients(entry["gene"], entry["subgroup"])
        if patients is None:
            continue
        drug = " ".join(entry["drug"].lower().split())
        for gene, call in patients:
            row = _fda_row(drug, gene, call)
            where = (drug, gene, call)
            matched = [int(m.group(1)) for r in row["reasons"] if (m := re.match(r"FDA row (\d+):", r))]
            assert len(matched) == 1, where
            reached.add(matched[0])
            assert row["classification"] == SECTION[entry["section"]], where
            assert row["guideline_version"].endswith(f"({SECTION[entry['section']]})"), where
            tested += 1
    assert tested > 150
    # the pins reach the rows for a narrower genotype the FDA names (siponimod CYP2C9 *3/*3)
    for drug, gene, call, *_ in PINNED:
        row = _fda_row(drug, gene, call)
        reached.update(int(m.group(1)) for r in row["reasons"] if (m := re.match(r"FDA row (\d+):", r)))
    assert set(table["row"].to_list()) - reached == set()


def test_a_genotype_outside_the_subgroup_gets_no_fda_advice():
    for entry in ORACLE["rows"]:
        if entry["gene"] != "CYP2D6" or "normal" in entry["subgroup"]:
            continue
        row = _fda_row(" ".join(entry["drug"].lower().split()), "CYP2D6", {"phenotype": NM, "activity_score": 2.0})
        assert row["action"] == "no_recommendation" and "has none" in row["recommendation"], entry


# (drug, gene, call, action, section key, phrase) read by hand from the FDA table
PINNED = [
    ("abacavir", "HLA-B", {"diplotype": "*57:01/*44:02"}, "avoid", "recommendation", "do not use"),
    ("carbamazepine", "HLA-B", {"diplotype": "*15:02/*44:02"}, "avoid", "recommendation", "do not use"),
    ("carbamazepine", "HLA-A", {"diplotype": "*31:01/*02:01"}, "monitor", "impact", "watch"),
    ("clopidogrel", "CYP2C19", {"phenotype": PM}, "consider_alternative", "recommendation", "another drug"),
    ("codeine", "CYP2D6", {"phenotype": UM}, "avoid", "recommendation", "age group"),
    ("codeine", "CYP2D6", {"phenotype": PM}, "monitor", "impact", "watch"),
    ("thioridazine", "CYP2D6", {"phenotype": PM}, "avoid", "recommendation", "do not use"),
    ("pimozide", "CYP2D6", {"phenotype": PM}, "adjust_dose", "recommendation", "4mg/day"),
    ("tetrabenazine", "CYP2D6", {"phenotype": PM}, "adjust_dose", "recommendation", "50mg/day"),
    ("amitriptyline", "CYP2D6", {"phenotype": IM}, "no_recommendation", "pk", "drug levels only"),
    ("nortriptyline", "CYP2D6", {"phenotype": UM}, "no_recommendation", "pk", "drug levels only"),
    ("paroxetine", "CYP2D6", {"phenotype": PM}, "no_recommendation", "pk", "drug levels only"),
    ("tamoxifen", "CYP2D6", {"phenotype": IM}, "no_recommendation", "pk", "drug levels only"),
    ("siponimod", "CYP2C9", {"diplotype": "*3/*3", "phenotype": PM}, "avoid", "recommendation", "do not use"),
    ("siponimod", "CYP2C9", {"diplotype": "*1/*3", "phenotype": IM}, "adjust_dose", "recommendation", "different dose"),
    ("celecoxib", "CYP2C9", {"phenotype": PM}, "adjust_dose", "recommendation", "age group"),
    ("pantoprazole", "CYP2C19", {"phenotype": PM}, "standard", "recommendation", "age group"),
    ("azathioprine", "TPMT", {"phenotype": PM}, "consider_alternative", "recommendation", "another drug"),
    ("azathioprine", "NUDT15", {"phenotype": IM}, "adjust_dose", "recommendation", "different dose"),
    ("capecitabine", "DPYD", {"phenotype": PM}, "avoid", "recommendation", "do not use"),
    ("capecitabine", "DPYD", {"phenotype": IM}, "monitor", "recommendation", "watch"),
    ("tacrolimus", "CYP3A5", {"phenotype": NM}, "adjust_dose", "recommendation", "different dose"),
    ("warfarin", "VKORC1", {"phenotype": "-1639 AG"}, "adjust_dose", "recommendation", "different dose"),
    ("simvastatin", "SLCO1B1", {"phenotype": "Poor Function"}, "monitor", "impact", "watch"),
    ("eliglustat", "CYP2D6", {"phenotype": PM}, "adjust_dose", "recommendation", "co-medications"),
    ("propafenone", "CYP2D6", {"phenotype": PM}, "monitor", "recommendation", "co-medications"),
]


@pytest.mark.parametrize(("drug", "gene", "call", "action", "section", "phrase"), PINNED,
                         ids=[f"{p[0]}-{p[1]}-{i}" for i, p in enumerate(PINNED)])
def test_pinned_fda_rows(drug, gene, call, action, section, phrase):
    row = _fda_row(drug, gene, call)
    assert (row["action"], row["classification"]) == (action, SECTION[section])
    assert phrase in row["recommendation"]
