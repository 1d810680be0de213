"""FDA guidance (reference/guidelines/fda.tsv: the FDA Table of Pharmacogenetic Associations and ClinPGx's
FDA label annotations) checked against the sources themselves, not against pgx's table.

* literal pins written by hand from the FDA table (content collected 2021-03-22, PharmGKB/fda-biomarker
  commit 53068f27): action and section for drugs of several families;
* tests/data/fda_oracle.json (tools/pin_fda_oracle.py, no code shared with the builder): every
  association's drug, gene, affected subgroup and section. A patient in each affected group must get
  an FDA row of that section, a patient outside it must get none, and every table row must be reached;
* tests/data/fda_label_oracle.json (the same script, from the pinned 2026 ClinPGx extract): every lookup key
  of the label annotations with ClinPGx's flags, whether the text says contraindicated or 'consider
  avoiding', and the dose figures it names. A patient with each fully called key must get a label row
  whose action and figures agree, and every label row must be reached; pins by hand per label.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from pgx.recommend import guidelines, recommend
from pgxgen import calls_frame

ORACLE = json.loads((Path(__file__).parent / "data" / "fda_oracle.json").read_text(encoding="utf-8"))
LABELS = json.loads((Path(__file__).parent / "data" / "fda_label_oracle.json").read_text(encoding="utf-8"))
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
    return [(g, {"phenotype": p, "diplotype": None}) for w, p in words.items() if w in text for g in genes]


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
    table_rows = table.filter(~pl.col("guideline_version").str.starts_with("FDA label annotation"))
    assert set(table_rows["row"].to_list()) - reached == set()


def test_a_genotype_outside_the_subgroup_gets_no_fda_advice():
    for entry in ORACLE["rows"]:
        if entry["gene"] != "CYP2D6" or "normal" in entry["subgroup"]:
            continue
        drug = " ".join(entry["drug"].lower().split())
        row = _fda_row(drug, "CYP2D6", {"phenotype": NM, "activity_score": 2.0})
        if "has none" not in row["recommendation"] and row["guideline_version"].startswith("FDA label annotation"):
            # the drug's label speaks to normal metabolizers too (tetrabenazine's titration): the oracle says so
            assert any(k["drug"] == drug and k["key"].get("CYP2D6") == "2.0" for k in LABELS["keys"]), drug
            continue
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
    ("siponimod", "CYP2C9", {"diplotype": "*1/*5", "phenotype": IM}, "adjust_dose", "recommendation", "different dose"),
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


# ---------------------------------------------------------------- FDA label annotations (ClinPGx)
def _label_call(gene: str, value) -> dict | None:
    """A gene call the label annotation's key describes; None for 'No Result' (the gene not called)."""
    if value in ("No Result", "n/a"):
        return None
    if isinstance(value, dict):
        if gene == "VKORC1":  # the label pairs rs9923231 T with -1639A (VKORC1 AA = rs9923231 TT)
            a = sum(int(n) for allele, n in value.items() if "(T)" in allele)
            return {"phenotype": "-1639 " + ("GG", "AG", "AA")[a], "diplotype": None}
        alleles = sorted(a for a, n in value.items() for _ in range(int(n)))
        return {"diplotype": "/".join(alleles), "phenotype": "x"}
    if gene == "HLA-B":
        allele, status = value.split()
        return {"diplotype": f"{allele}/*44:02" if status == "positive" else "*44:02/*44:03"}
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return {"phenotype": "x", "activity_score": float(value), "diplotype": None}
    return {"phenotype": value, "diplotype": None}


def _label_row(drug: str, calls: dict) -> dict:
    """The FDA row for the label's gene set (a label row, or the table row the builder keeps instead)."""
    out = recommend(calls_frame(calls), drugs=[drug], sources=["FDA"])
    rows = [r for r in out.iter_rows(named=True) if set(r["genes"]) == set(calls)]
    assert len(rows) == 1, (drug, calls, out)
    return rows[0]


def test_every_label_key_agrees_with_the_label_and_every_label_row_is_reached():
    table = guidelines(sources=["FDA"]).filter(pl.col("guideline_version").str.starts_with("FDA label annotation"))
    reached: set[int] = set()
    tested = 0
    for entry in LABELS["keys"]:
        calls = {gene: _label_call(gene, value) for gene, value in entry["key"].items()}
        if any(c is None for c in calls.values()):
            continue  # a gene not called: pgx lists the possibilities (test_label_gene_not_called)
        row = _label_row(entry["drug"], calls)
        where = (entry["drug"], entry["key"])
        if not row["guideline_version"].startswith("FDA label annotation"):
            # the FDA table has a row with the very condition (siponimod *3/*3): the builder keeps that one
            assert (entry["drug"], row["classification"]) == ("siponimod", SECTION["recommendation"]), where
            assert row["action"] == "avoid" and entry["contraindicated"], where
            continue
        assert entry["label"] in row["guideline_version"] and row["classification"] == "not graded", where
        matched = [int(m.group(1)) for r in row["reasons"] if (m := re.match(r"FDA row (\d+):", r))]
        assert len(matched) == 1, where
        reached.add(matched[0])
        if entry["consider_avoiding"]:
            assert row["action"] == "consider_alternative", where
        elif entry["contraindicated"]:
            assert row["action"] == "avoid", where
        elif entry["dosing"]:
            assert row["action"] == "adjust_dose", where
        elif entry["other"]:
            assert row["action"] == "monitor", where
        else:
            assert row["action"] == "standard" and not entry["alternative"], where
        for dose in entry["doses"]:
            assert dose in row["recommendation"], (where, dose)
        tested += 1
    assert tested > 70
    assert set(table["row"].to_list()) - reached == set()


# (drug, calls, action, a phrase) read by hand from the pinned extract's label annotations
LABEL_PINS = [
    ("desflurane", {"RYR1": "Malignant Hyperthermia Susceptibility", "CACNA1S": "Uncertain Susceptibility"},
     "avoid", "malignant hyperthermia"),
    ("sevoflurane", {"RYR1": "Uncertain Susceptibility", "CACNA1S": "Uncertain Susceptibility"}, "avoid", "not to use"),
    ("thioridazine", {"CYP2D6": {"phenotype": IM, "activity_score": 0.5}}, "avoid", "not to use"),
    ("fluvoxamine", {"CYP2D6": {"phenotype": IM, "activity_score": 1.0}}, "monitor", "caution"),
    ("tetrabenazine", {"CYP2D6": {"phenotype": PM, "activity_score": 0.0}}, "adjust_dose", "25 mg, 50 mg"),
    ("fosphenytoin", {"HLA-B": {"diplotype": "*15:02/*44:02"}, "CYP2C9": {"phenotype": NM, "activity_score": 2.0}},
     "consider_alternative", "another drug"),
    ("phenytoin", {"HLA-B": {"diplotype": "*44:02/*44:03"}, "CYP2C9": {"phenotype": IM, "activity_score": 1.5}},
     "adjust_dose", "lower dose needs"),
    ("siponimod", {"CYP2C9": {"diplotype": "*1/*3", "phenotype": IM}}, "adjust_dose", "1 mg"),
    ("siponimod", {"CYP2C9": {"diplotype": "*1/*1", "phenotype": NM}}, "standard", "2 mg"),
    ("warfarin", {"CYP2C9": {"diplotype": "*2/*3", "phenotype": PM}, "VKORC1": "-1639 GG"}, "adjust_dose", "3-4 mg"),
    ("warfarin", {"CYP2C9": {"diplotype": "*1/*1", "phenotype": NM}, "VKORC1": "-1639 AA"}, "adjust_dose", "3-4 mg"),
    ("warfarin", {"CYP2C9": {"diplotype": "*1/*3", "phenotype": IM}, "VKORC1": "-1639 AA"}, "adjust_dose", "0.5-2 mg"),
]


@pytest.mark.parametrize(("drug", "calls", "action", "phrase"), LABEL_PINS,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(LABEL_PINS)])
def test_pinned_label_rows(drug, calls, action, phrase):
    row = _label_row(drug, calls)
    assert row["action"] == action
    assert phrase in row["recommendation"] + " " + row["implication"]


def test_label_gene_not_called():
    # HLA-B*15:02 positive with CYP2C9 not called: the label's advice does not depend on CYP2C9
    row = _label_row("phenytoin", {"HLA-B": {"diplotype": "*15:02/*44:02"}, "CYP2C9": {"phenotype": None}})
    assert row["action"] == "consider_alternative" and not row["ambiguous"]
    # RYR1 called, CACNA1S not: the anaesthetic labels answer from RYR1 alone
    row = _label_row("isoflurane", {"RYR1": "Uncertain Susceptibility", "CACNA1S": {"phenotype": None}})
    assert row["action"] == "avoid" and not row["ambiguous"]
    # the label row before the table's coarser subgroup: thioridazine at activity score 0 is the label's row,
    # a call with the phenotype alone gets the FDA table's row
    label = _fda_row("thioridazine", "CYP2D6", {"phenotype": PM, "activity_score": 0.0})
    table = _fda_row("thioridazine", "CYP2D6", {"phenotype": PM, "diplotype": None})
    assert label["guideline_version"].startswith("FDA label annotation PA166104805")
    assert table["classification"] == SECTION["recommendation"] and table["action"] == label["action"] == "avoid"
