"""Write reference/guidelines/{cpic,dpwg}.tsv and reference/medications/*.tsv.

The facts (which phenotype leads to which advice, how strongly) come from the CPIC
guideline tables as distributed in PyPGx 0.27.0 (pypgx/api/data/recommendation-table.csv
and cpic-table.csv, MIT; CPIC data CC0-1.0) and from the publications named per drug
below. Recommendation and implication texts are pgx's own wording of those facts. The drugs added on
2026-12-06 (ADDED) were read one file per drug in CPIC's data as shipped by PharmCAT
(reporter/guidelines/cpic/<drug>.json at commit 76bfe08c85fc1b63d014445e3d7dd883cf7088cf, CPIC v1.30.0);
the cpic.tsv header lists them.

DPWG rows come from PharmGKB's DPWG annotations as PharmCAT shipped them (tools/dpwg_build.py), plus three
guidelines from a pinned 2026 extract; FDA rows from the FDA Table of Pharmacogenetic Associations
(tools/fda_build.py) and from ClinPGx's FDA label annotations in that extract (tools/fda_label_build.py).

Run from the repository root::

    python tools/build_guidelines.py --pharmcat-git /path/to/PharmCAT/.git

Condition encoding (one guideline row = one condition): terms joined by ``;``, every
term ``GENE=value`` where value is a phenotype word (case-insensitive), ``*`` (any
called phenotype), ``activity:GENE=lo..hi`` (activity score in the closed range), or an
HLA allele status ``HLA-B=*57:01 positive`` / ``HLA-B=*57:01 negative``. Several values
for one gene are joined with ``|`` (``CYP2C19=Poor Metabolizer|Likely Poor Metabolizer``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dpwg_build import read_dpwg  # noqa: E402
from fda_build import PINNED as FDA_PINNED  # noqa: E402
from fda_build import cpic_drug_codes, read_fda  # noqa: E402
from fda_label_build import EXTRACT, SOURCE_COMMIT as LABEL_COMMIT  # noqa: E402
from fda_label_build import read_labels  # noqa: E402
from _atomic import write_tsv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RETRIEVED = "2026-11-28"
ADDED = "2026-12-06"
DPWG_RETRIEVED = "2026-12-06"
EXTRACT_READ = "2026-12-07"  # the ClinPGx 2026 extract (tools/fda_label_build.py EXTRACT)
COLUMNS = ["source", "guideline_version", "drug", "rxnorm", "atc", "genes", "condition",
           "implication", "recommendation", "classification", "action"]

# drug -> (RxNorm, ATC) from PyPGx 0.27.0 cpic-table.csv (CPIC's drug table)
CODES = {
    "abacavir": ("190521", "J05AF06"), "allopurinol": ("519", "M04AA01"),
    "amikacin": ("641", "J01GB06"), "amitriptyline": ("704", "N06AA09"),
    "atazanavir": ("343047", "J05AE08"), "atomoxetine": ("38400", "N06BA09"),
    "atorvastatin": ("83367", "C10AA05"), "azathioprine": ("1256", "L04AX01"),
    "capecitabine": ("194000", "L01BC06"), "carbamazepine": ("2002", "N03AF01"),
    "celecoxib": ("140587", "M01AH01"), "citalopram": ("2556", "N06AB04"),
    "clopidogrel": ("32968", "B01AC04"), "codeine": ("2670", "R05DA04"),
    "desflurane": ("27340", "N01AB07"), "dexlansoprazole": ("816346", "A02BC06"),
    "efavirenz": ("195085", "J05AG03"), "enflurane": ("3920", "N01AB04"),
    "escitalopram": ("321988", "N06AB10"), "fluorouracil": ("4492", "L01BC02"),
    "fluvastatin": ("41127", "C10AA04"), "fosphenytoin": ("72236", "N03AB05"),
    "gentamicin": ("1596450", "J01GB03"), "halothane": ("5095", "N01AB01"),
    "ibuprofen": ("5640", "M01AE01"), "irinotecan": ("51499", "L01XX19"),
    "isoflurane": ("6026", "N01AB06"), "ivacaftor": ("1243041", "R07AX02"),
    "kanamycin": ("6099", "J01GB04"), "lansoprazole": ("17128", "A02BC03"),
    "lovastatin": ("6472", "C10AA02"), "meloxicam": ("41493", "M01AC06"),
    "mercaptopurine": ("103", "L01BB02"), "methoxyflurane": ("6857", "N02BG09"),
    "neomycin": ("7299", "J01GB05"), "nortriptyline": ("7531", "N06AA10"),
    "omeprazole": ("7646", "A02BC01"), "ondansetron": ("26225", "A04AA01"),
    "oxcarbazepine": ("32624", "N03AF02"), "pantoprazole": ("40790", "A02BC02"),
    "peginterferon alfa-2a": ("120608", "L03AB11"), "peginterferon alfa-2b": ("253453", "L03AB10"),
    "phenytoin": ("8183", "N03AB02"), "piroxicam": ("8356", "M01AC01"),
    "pitavastatin": ("861634", "C10AA08"), "pravastatin": ("42463", "C10AA03"),
    "rasburicase": ("283821", "V03AF07"), "rosuvastatin": ("301542", "C10AA07"),
    "sertraline": ("36437", "N06AB06"), "sevoflurane": ("36453", "N01AB08"),
    "simvastatin": ("36567", "C10AA01"), "streptomycin": ("10109", "J01GA01"),
    "succinylcholine": ("10154", "M03AB01"), "tacrolimus": ("42316", "L04AD02"),
    "tamoxifen": ("10324", "L02BA01"), "thioguanine": ("10485", "L01BB03"),
    "tobramycin": ("10627", "J01GB01"), "tramadol": ("10689", "N02AX02"),
    "voriconazole": ("121243", "J02AC03"), "warfarin": ("11289", "B01AA03"),
    # added 2026-12-06 from the same PyPGx 0.27.0 cpic-table.csv; every RxNorm id equals the 'drugid' of
    # PharmCAT's cpic/<drug>.json at commit 76bfe08c (CPIC v1.30.0). An empty ATC code: CPIC's drug table
    # gives none (NA or blank) for that drug.
    "clomipramine": ("2597", "N06AA04"), "desipramine": ("3247", "N06AA01"),
    "doxepin": ("3638", "N06AA12"), "imipramine": ("5691", "N06AA02"),
    "trimipramine": ("10834", "N06AA06"), "paroxetine": ("32937", "N06AB05"),
    "fluvoxamine": ("42355", "N06AB08"), "venlafaxine": ("39786", "N06AX16"),
    "vortioxetine": ("1455099", "N06AX26"), "hydrocodone": ("5489", "R05DA03"),
    "tropisetron": ("27392", "A04AA03"), "flurbiprofen": ("4502", "M01AE09"),
    "lornoxicam": ("20890", "M01AC05"), "tenoxicam": ("37790", "M01AC02"),
    "dibekacin": ("3328", "J01GB09"), "netilmicin": ("7337", "J01GB07"),
    "paromomycin": ("7934", "A07AA06"), "plazomicin": ("2049549", ""),
    "dapsone": ("3108", "D10AX05"), "methylene blue": ("6878", ""),
    "nitrofurantoin": ("7454", "J01XE01"), "pegloticase": ("1011650", ""),
    "primaquine": ("8687", "P01BA03"), "tafenoquine": ("2054023", "P01BA07"),
    "toluidine blue": ("10638", ""),
}

# phenotype groups (the project's CPIC phenotype words)
UM, RM, NM, IM, PM = ("Ultrarapid Metabolizer", "Rapid Metabolizer", "Normal Metabolizer",
                      "Intermediate Metabolizer", "Poor Metabolizer")
LIM, LPM, PIM = "Likely Intermediate Metabolizer", "Likely Poor Metabolizer", "Possible Intermediate Metabolizer"
C19_UR = f"{UM}|{RM}"
C19_IM = f"{IM}|{LIM}"
C19_PM = f"{PM}|{LPM}"

ROWS: dict[str, list[list[str]]] = {"CPIC": []}


def add(source, version, drugs, genes, condition, implication, recommendation, classification, action):
    for drug in drugs.split(","):
        rxnorm, atc = CODES[drug]
        ROWS[source].append([source, version, drug, rxnorm, atc, genes, condition, implication,
                             recommendation, classification, action])


# ---------------------------------------------------------------- CPIC, CYP2C19
V = "2022-01 (Lee et al., Clin Pharmacol Ther 2022;112:959)"
add("CPIC", V, "clopidogrel", "CYP2C19", f"CYP2C19={UM}|{RM}|{NM}",
    "Normal (or increased) formation of the active metabolite; expected platelet inhibition.",
    "Clopidogrel may be given at the standard 75 mg/day dose.", "strong", "standard")
add("CPIC", V, "clopidogrel", "CYP2C19", f"CYP2C19={C19_IM}",
    "Less active metabolite and weaker platelet inhibition; higher risk of cardiovascular events.",
    "Prefer prasugrel or ticagrelor at their standard dose when not contraindicated; avoid standard-dose clopidogrel if possible.",
    "strong", "consider_alternative")
add("CPIC", V, "clopidogrel", "CYP2C19", f"CYP2C19={C19_PM}",
    "Much less active metabolite and markedly weaker platelet inhibition; higher risk of cardiovascular events.",
    "Prefer prasugrel or ticagrelor at their standard dose when not contraindicated; avoid clopidogrel at the standard dose if possible.",
    "strong", "consider_alternative")

V = "2016-12 (Moriyama et al., Clin Pharmacol Ther 2017;102:45)"
add("CPIC", V, "voriconazole", "CYP2C19", f"CYP2C19={C19_UR}",
    "Lower voriconazole trough levels; the target level may be missed and treatment may fail.",
    "Use a primary antifungal that does not depend on CYP2C19 (for example isavuconazole, liposomal amphotericin B or posaconazole) instead of voriconazole.",
    "moderate", "consider_alternative")
add("CPIC", V, "voriconazole", "CYP2C19", f"CYP2C19={NM}",
    "Expected voriconazole exposure.", "Start voriconazole at the usual standard-of-care dose.", "strong", "standard")
add("CPIC", V, "voriconazole", "CYP2C19", f"CYP2C19={C19_IM}",
    "Somewhat higher voriconazole trough levels than normal metabolizers.",
    "Start voriconazole at the usual standard-of-care dose.", "moderate", "standard")
add("CPIC", V, "voriconazole", "CYP2C19", f"CYP2C19={C19_PM}",
    "Higher voriconazole trough levels and more adverse events.",
    "Use a primary antifungal that does not depend on CYP2C19 instead; if voriconazole is still needed, give a reduced dose and follow trough levels closely.",
    "moderate", "consider_alternative")

V = "2020-08 (Lima et al., Clin Pharmacol Ther 2021;109:1417)"
PPI = "omeprazole,lansoprazole,pantoprazole,dexlansoprazole"
# CPIC grades every dexlansoprazole row 'optional' (RM/NM and PM/LPM are 'moderate' for the other three PPIs);
# checked per drug in PharmCAT's cpic/<drug>.json at commit 209032d0 (CPIC v1.23.0).
for drug in PPI.split(","):
    grade = (lambda cls: "optional") if drug == "dexlansoprazole" else (lambda cls: cls)
    add("CPIC", V, drug, "CYP2C19", f"CYP2C19={UM}",
        "Lower plasma exposure than normal metabolizers; higher chance that therapy fails.",
        "Double the usual starting daily dose (it may be split over the day) and check that it works.",
        grade("optional"), "adjust_dose")
    add("CPIC", V, drug, "CYP2C19", f"CYP2C19={RM}|{NM}",
        "Normal to somewhat low plasma exposure; some risk of therapy failure.",
        "Start with the usual daily dose; for H. pylori infection or erosive oesophagitis a 50-100% higher dose may be considered; check that it works.",
        grade("moderate"), "standard")
    add("CPIC", V, drug, "CYP2C19", f"CYP2C19={C19_IM}",
        "Higher plasma exposure than normal metabolizers; better chance of efficacy, possibly more long-term adverse effects.",
        "Start with the usual daily dose; for chronic use (over 12 weeks) with good effect, consider halving the daily dose and keep checking efficacy.",
        grade("optional"), "standard")
    add("CPIC", V, drug, "CYP2C19", f"CYP2C19={C19_PM}",
        "Much higher plasma exposure than normal metabolizers; better chance of efficacy, possibly more long-term adverse effects.",
        "Start with the usual daily dose; for chronic use (over 12 weeks) with good effect, consider halving the daily dose and keep checking efficacy.",
        grade("moderate"), "standard")

# citalopram and escitalopram: CPIC 2023 SSRI/SNRI guideline, grades and advice as PharmGKB annotated them in
# PharmCAT reporter/guidelines/CPIC_citalopram_escitalopram_and_CYP2C19.json at commit 0c6123b6 (2024-03-25)
V = "2023-04 (Bousman et al., Clin Pharmacol Ther 2023; PMID 37032427)"
add("CPIC", V, "citalopram,escitalopram", "CYP2C19", f"CYP2C19={UM}",
    "Faster conversion to less active metabolites than in rapid and normal metabolizers; lower plasma levels make benefit less likely.",
    "Consider an antidepressant not mainly cleared by CYP2C19; if this drug is still the right choice and standard "
    "maintenance doses do not work, titrate to a higher maintenance dose.", "strong", "consider_alternative")
add("CPIC", V, "citalopram,escitalopram", "CYP2C19", f"CYP2C19={RM}",
    "Faster conversion to less active metabolites than in normal metabolizers; lower plasma levels make benefit less likely.",
    "Start at the recommended dose; without an adequate response at maintenance dosing, titrate higher or switch to an "
    "antidepressant not mainly cleared by CYP2C19.", "optional", "standard")
add("CPIC", V, "citalopram,escitalopram", "CYP2C19", f"CYP2C19={NM}", "Expected metabolism.",
    "Start at the recommended starting dose.", "strong", "standard")
add("CPIC", V, "citalopram,escitalopram", "CYP2C19", f"CYP2C19={C19_IM}",
    "Slower metabolism than in normal metabolizers; higher plasma levels may bring more side effects.",
    "Start at the recommended dose; consider titrating more slowly and a lower maintenance dose than for normal metabolizers.",
    "moderate", "adjust_dose")
add("CPIC", V, "citalopram,escitalopram", "CYP2C19", f"CYP2C19={C19_PM}",
    "Much slower metabolism than in normal and intermediate metabolizers; higher plasma levels make side effects more likely.",
    "Consider an antidepressant not mainly cleared by CYP2C19; if this drug is still the right choice, start lower, titrate "
    "more slowly and give half the standard maintenance dose (the FDA caps citalopram at 20 mg/day in CYP2C19 poor metabolizers).",
    "strong", "consider_alternative")

# sertraline: CPIC 2023 (CYP2C19 x CYP2B6), every combination and grade as PharmGKB annotated them in PharmCAT
# reporter/guidelines/CPIC_sertraline_and_CYP2B6_CYP2C19.json at commit 0c6123b6 (2024-03-25)
SERTRALINE = {  # (grade, action, implication, recommendation): "CYP2C19/CYP2B6" combinations
    ("strong", "standard", "Expected sertraline metabolism.", "Start at the recommended starting dose."):
        "NM/NM RM/NM UM/NM",
    ("moderate", "standard", "Somewhat changed sertraline metabolism; no dose change expected to be needed.",
     "Start at the recommended starting dose."): "IM/RM IM/UM LIM/RM LIM/UM NM/RM NM/UM RM/IM UM/IM",
    ("optional", "standard", "Faster CYP2B6 metabolism but much slower CYP2C19 metabolism; the effects may offset.",
     "Start at the recommended starting dose."): "RM/PM UM/PM",
    ("moderate", "adjust_dose", "Slower sertraline metabolism; higher plasma levels may bring more side effects.",
     "Start at the recommended dose; consider titrating more slowly and a lower maintenance dose."): "IM/NM LIM/NM NM/IM",
    ("optional", "adjust_dose", "Slower sertraline metabolism by both enzymes; higher plasma levels may bring more side effects.",
     "Start at the recommended dose; consider titrating more slowly and a lower maintenance dose than for normal "
     "metabolizers."): "IM/IM LIM/IM",
    ("moderate", "adjust_dose", "Much slower CYP2C19 metabolism; higher plasma levels make side effects more likely.",
     "Consider a lower starting dose, slower titration and half the standard maintenance dose (relative to CYP2C19 "
     "normal metabolizers), or an antidepressant not mainly cleared by CYP2C19."): "LPM/IM LPM/NM PM/IM PM/NM",
    ("optional", "adjust_dose", "Much slower CYP2C19 metabolism, partly offset by faster CYP2B6 metabolism.",
     "Consider a lower starting dose, slower titration and half the standard maintenance dose (relative to CYP2C19 "
     "normal metabolizers), or an antidepressant not mainly cleared by CYP2C19."): "LPM/RM LPM/UM PM/RM PM/UM",
    ("optional", "adjust_dose", "Much slower CYP2B6 metabolism; higher plasma levels may bring more side effects.",
     "Consider a lower starting dose, slower titration and a maintenance dose 25% below the standard one (relative to "
     "CYP2B6 normal metabolizers), or another antidepressant."): "NM/PM",
    ("optional", "adjust_dose", "Slower CYP2C19 and much slower CYP2B6 metabolism; higher plasma levels make side effects "
     "more likely.", "Consider a lower starting dose, slower titration and half the standard maintenance dose (relative to "
     "CYP2B6 normal metabolizers)."): "IM/PM LIM/PM",
    ("optional", "consider_alternative", "Much slower metabolism by both enzymes; high plasma levels likely.",
     "Choose an antidepressant not mainly cleared by CYP2C19 or CYP2B6."): "LPM/PM PM/PM",
    ("optional", "standard", "Faster sertraline metabolism; lower plasma levels may make benefit less likely.",
     "Start at the recommended dose; without an adequate response at maintenance dosing, titrate higher or switch to an "
     "antidepressant not mainly cleared by CYP2C19."): "RM/RM RM/UM UM/RM UM/UM",
}
PHENO = {"UM": UM, "RM": RM, "NM": NM, "IM": IM, "LIM": LIM, "PM": PM, "LPM": LPM}
V = "2023-04 (Bousman et al., Clin Pharmacol Ther 2023; PMID 37032427)"
for (grade, action, implication, recommendation), combos in SERTRALINE.items():
    for combo in combos.split():
        c19, b6 = combo.split("/")
        add("CPIC", V, "sertraline", "CYP2C19;CYP2B6", f"CYP2C19={PHENO[c19]};CYP2B6={PHENO[b6]}", implication,
            recommendation, grade, action)

# ---------------------------------------------------------------- CPIC, TCAs (CYP2D6 x CYP2C19)
V = "2016-12 (Hicks et al., Clin Pharmacol Ther 2017;102:37)"
D6 = {UM: "UM", NM: "NM", IM: "IM", PM: "PM"}
TCA_TEXT = {
    "avoid_d6_um": ("Faster clearance of the tricyclic; risk of no response.",
                    "Avoid {drug}; if it is still needed, aim for a higher target dose than usual and guide it by therapeutic drug monitoring.",
                    "consider_alternative"),
    "std": ("Expected tricyclic exposure.", "Start at the usual recommended dose.", "standard"),
    "d6_im": ("Slower clearance of the tricyclic; more side effects possible.",
              "Consider a starting dose 25% below the usual one and guide later changes by therapeutic drug monitoring.",
              "adjust_dose"),
    "d6_pm": ("Much slower clearance of the tricyclic; side effects likely.",
              "Avoid {drug}; if it is still needed, consider half the usual starting dose and therapeutic drug monitoring.",
              "consider_alternative"),
    "c19_ur": ("Faster CYP2C19 conversion of the tertiary amine; possibly a weaker response.",
               "Consider a drug not cleared by CYP2C19; if {drug} is still needed, guide the dose by therapeutic drug monitoring.",
               "consider_alternative"),
    "c19_pm": ("Slower CYP2C19 clearance of the tertiary amine; side effects more likely.",
               "Avoid {drug}; if it is still needed, consider half the usual starting dose and therapeutic drug monitoring.",
               "consider_alternative"),
    "both": ("Both CYP2D6 and CYP2C19 activity differ from normal; exposure is hard to predict.",
             "Avoid {drug}; if it is still needed, guide the dose by therapeutic drug monitoring.",
             "consider_alternative"),
    "c19im_d6im": ("Slower CYP2D6 and CYP2C19 clearance; side effects more likely.",
                   "Consider a starting dose 25% below the usual one; therapeutic drug monitoring is strongly advised.",
                   "adjust_dose"),
    "c19im_d6pm": ("Much slower CYP2D6 clearance and slower CYP2C19 clearance; side effects likely.",
                   "Avoid {drug}; if it is still needed, consider half the usual starting dose; therapeutic drug monitoring is strongly advised.",
                   "consider_alternative"),
}
# (CYP2C19 group, CYP2D6 phenotype) -> (text key, classification); facts: CPIC 2016 TCA tables as in PyPGx
TCA = {
    ("UR", UM): ("both", "optional"), ("UR", NM): ("c19_ur", "optional"), ("UR", IM): ("c19_ur", "optional"),
    ("UR", PM): ("both", "optional"),
    ("NM", UM): ("avoid_d6_um", "strong"), ("NM", NM): ("std", "strong"), ("NM", IM): ("d6_im", "moderate"),
    ("NM", PM): ("d6_pm", "strong"),
    ("IM", UM): ("both", "optional"), ("IM", NM): ("std", "strong"), ("IM", IM): ("c19im_d6im", "optional"),
    ("IM", PM): ("c19im_d6pm", "optional"),
    ("PM", UM): ("both", "optional"), ("PM", NM): ("c19_pm", "moderate"), ("PM", IM): ("both", "optional"),
    ("PM", PM): ("both", "optional"),
}
C19_GROUP = {"UR": C19_UR, "NM": NM, "IM": C19_IM, "PM": C19_PM}
# The other tertiary amines (clomipramine, doxepin, imipramine, trimipramine) share amitriptyline's advice per
# combination but CPIC grades every combination 'optional' except CYP2D6 NM x CYP2C19 NM ('strong'): read for
# each drug, all 16 groups (with 'Likely' CYP2C19 phenotypes), in PharmCAT cpic/<drug>.json at commit
# 76bfe08c85fc1b63d014445e3d7dd883cf7088cf (CPIC v1.30.0; citations PMID 27997040 and 23486447).
TERTIARY = {"amitriptyline": {k: cls for k, (_, cls) in TCA.items()},
            **{drug: {k: "strong" if k == ("NM", NM) else "optional" for k in TCA}
               for drug in ("clomipramine", "doxepin", "imipramine", "trimipramine")}}
for drug, grades in TERTIARY.items():
    for (c19, d6), (key, _) in TCA.items():
        imp, rec, action = TCA_TEXT[key]
        add("CPIC", V, drug, "CYP2D6;CYP2C19", f"CYP2D6={d6};CYP2C19={C19_GROUP[c19]}",
            imp, rec.format(drug=drug), grades[(c19, d6)], action)
# Secondary amines (CYP2D6 only). CPIC grades nortriptyline's IM row by activity score: 0.75-1 optional,
# 0.25-0.5 moderate; the activity row comes first (the first matching row wins) and an IM call without an
# activity score gets the phenotype row. desipramine: UM, IM and PM 'optional', NM 'strong' at every activity
# score (PharmCAT cpic/desipramine.json at commit 76bfe08c85fc1b63d014445e3d7dd883cf7088cf, CPIC v1.30.0).
SECONDARY = {"nortriptyline": {UM: "strong", NM: "strong", "activity:CYP2D6=0.75..1": "optional", IM: "moderate",
                               PM: "strong"},
             "desipramine": {UM: "optional", NM: "strong", IM: "optional", PM: "optional"}}
for drug, grades in SECONDARY.items():
    slower = (f"Slower clearance of {drug}; more side effects possible.",
              "Consider a starting dose 25% below the usual one, titrate to response and use therapeutic drug monitoring.",
              "adjust_dose")
    text = {UM: (f"Faster clearance of {drug}; risk of no response.",
                 f"Avoid {drug} and consider a drug not cleared by CYP2D6; if it is still needed, aim for a higher target dose guided by therapeutic drug monitoring.",
                 "consider_alternative"),
            NM: (f"Expected {drug} exposure.", "Start at the usual recommended dose.", "standard"),
            "activity:CYP2D6=0.75..1": slower, IM: slower,
            PM: (f"Much slower clearance of {drug}; side effects likely.",
                 f"Avoid {drug} and consider a drug not cleared by CYP2D6; if it is still needed, consider half the usual starting dose with therapeutic drug monitoring.",
                 "consider_alternative")}
    for term, cls in grades.items():
        imp, rec, action = text[term]
        add("CPIC", V, drug, "CYP2D6", term if term.startswith("activity:") else f"CYP2D6={term}", imp, rec, cls, action)

# ---------------------------------------------------------------- CPIC, CYP2D6
V = "2020-12 (Crews et al., Clin Pharmacol Ther 2021;110:888)"
for drug, name, im_class in (("codeine", "morphine", "moderate"), ("tramadol", "O-desmethyltramadol", "optional")):
    other = "tramadol" if drug == "codeine" else "codeine"
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={UM}",
        f"More {name} is formed; risk of serious toxicity.",
        f"Do not use {drug}; if an opioid is needed, choose one that is not {other} and not dependent on CYP2D6.",
        "strong", "avoid")
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={NM}", f"Expected {name} formation.",
        f"Use the label's age- or weight-based {drug} dose.", "strong", "standard")
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={IM}", f"Less {name} is formed.",
        f"Use the label's age- or weight-based {drug} dose; if pain relief is inadequate, switch to an opioid that is not {other}.",
        im_class, "monitor")
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={PM}", f"Much less {name} is formed; pain relief is likely to fail.",
        f"Do not use {drug}; if an opioid is needed, choose one that is not {other} and not dependent on CYP2D6.",
        "strong", "avoid")

# hydrocodone (same guideline): UM 'no recommendation' (too little evidence), NM strong, IM and PM optional
# (label dosing; if it does not work, an opioid other than codeine or tramadol). Read in PharmCAT
# cpic/hydrocodone.json at commit 76bfe08c85fc1b63d014445e3d7dd883cf7088cf (CPIC v1.30.0).
add("CPIC", V, "hydrocodone", "CYP2D6", f"CYP2D6={UM}",
    "Too little evidence of any effect on hydrocodone exposure or pain relief.",
    "CPIC makes no recommendation for hydrocodone in this status.", "no recommendation", "no_recommendation")
add("CPIC", V, "hydrocodone", "CYP2D6", f"CYP2D6={NM}", "Expected hydromorphone formation.",
    "Use the label's age- or weight-based hydrocodone dose.", "strong", "standard")
add("CPIC", V, "hydrocodone", "CYP2D6", f"CYP2D6={IM}", "Too little evidence of any effect on hydrocodone exposure or pain relief.",
    "Use the label's age- or weight-based hydrocodone dose; if it does not relieve pain and an opioid is still needed, choose one that is not codeine or tramadol.",
    "optional", "monitor")
add("CPIC", V, "hydrocodone", "CYP2D6", f"CYP2D6={PM}",
    "Less hydromorphone is formed; whether pain relief is weaker is not established.",
    "Use the label's age- or weight-based hydrocodone dose; if it does not relieve pain and an opioid is still needed, choose one that is not codeine or tramadol.",
    "optional", "monitor")

# tropisetron: the same rows and grades as ondansetron (PharmCAT cpic/tropisetron.json at commit
# 76bfe08c85fc1b63d014445e3d7dd883cf7088cf, CPIC v1.30.0, citation PMID 28002639).
V = "2016-12 (Bell et al., Clin Pharmacol Ther 2017;102:213)"
for drug in ("ondansetron", "tropisetron"):
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={UM}", f"Faster {drug} clearance; higher risk of vomiting.",
        "Use an antiemetic not mainly cleared by CYP2D6, such as granisetron.", "moderate", "consider_alternative")
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={NM}", f"Normal {drug} metabolism.",
        "Start at the usual recommended dose.", "strong", "standard")
    add("CPIC", V, drug, "CYP2D6", f"CYP2D6={IM}|{PM}",
        "Very few data for this CYP2D6 status; no clinical effect shown.",
        "CPIC makes no graded recommendation for this status; start at the usual recommended dose.",
        "no recommendation", "standard")

# ---------------------------------------------------------------- CPIC, SSRIs and SNRIs (CYP2D6)
# CPIC 2023 SSRI/SNRI guideline (Bousman et al., PMID 37032427), read per drug in PharmCAT cpic/<drug>.json at
# commit 76bfe08c85fc1b63d014445e3d7dd883cf7088cf (CPIC v1.30.0); CYP2D6 NM is activity 1.25-2.25 there, UM above.
V = "2023-04 (Bousman et al., Clin Pharmacol Ther 2023; PMID 37032427)"
SSRI = {
    "paroxetine": {
        UM: ("Faster paroxetine clearance; lower levels and less chance of benefit.",
             "Choose an antidepressant not mainly cleared by CYP2D6.", "moderate", "consider_alternative"),
        NM: ("Expected paroxetine clearance; paroxetine itself inhibits CYP2D6 more as the dose rises.",
             "Start at the usual recommended dose.", "strong", "standard"),
        IM: ("Slower paroxetine clearance at the start or at low doses; higher levels may cause more side effects.",
             "Consider a lower starting dose and a slower titration than for normal metabolizers.", "optional", "adjust_dose"),
        PM: ("Much slower paroxetine clearance; higher levels may cause more side effects.",
             "Consider halving the starting dose, titrating more slowly and halving the maintenance dose compared with normal metabolizers.",
             "moderate", "adjust_dose")},
    "fluvoxamine": {
        UM: ("No data for CYP2D6 ultrarapid metabolizers.", "CPIC makes no recommendation for this status (no evidence).",
             "no recommendation", "no_recommendation"),
        NM: ("Expected fluvoxamine clearance.", "Start at the usual recommended dose.", "strong", "standard"),
        IM: ("Slower fluvoxamine clearance; higher levels may cause more side effects.",
             "Start at the usual recommended dose.", "moderate", "standard"),
        PM: ("Much slower fluvoxamine clearance; higher levels may cause more side effects.",
             "Consider a starting dose 25-50% lower with a slower titration, or an antidepressant not mainly cleared by CYP2D6.",
             "optional", "adjust_dose")},
    "venlafaxine": {
        UM: ("More conversion to the active metabolite O-desmethylvenlafaxine; its clinical effect is not established.",
             "No genotype-based change: too little evidence of an effect on response or side effects.",
             "no recommendation", "standard"),
        NM: ("Expected venlafaxine metabolism.", "Start at the usual recommended dose.", "strong", "standard"),
        IM: ("Less conversion to the active metabolite O-desmethylvenlafaxine; its clinical effect is not established.",
             "No genotype-based change: too little evidence of an effect on response or side effects.",
             "no recommendation", "standard"),
        PM: ("Much less conversion to O-desmethylvenlafaxine; the clinical effect is unclear, but this genotype has been linked to side effects.",
             "Consider another suitable antidepressant not mainly cleared by CYP2D6.", "optional", "consider_alternative")},
    "vortioxetine": {
        UM: ("Faster vortioxetine clearance; lower levels and less chance of benefit.",
             "Choose a drug not mainly cleared by CYP2D6; if vortioxetine is still used, start at the usual dose and titrate by effect and side effects (the maintenance dose may need to be 50% higher or more).",
             "optional", "consider_alternative"),
        NM: ("Expected vortioxetine clearance.", "Start at the usual recommended dose.", "strong", "standard"),
        IM: ("Slower vortioxetine clearance; higher levels may cause more side effects.",
             "Start at the usual recommended dose.", "moderate", "standard"),
        PM: ("Much slower vortioxetine clearance; higher levels may cause more side effects.",
             "Start at half the usual dose (for example 5 mg) and titrate up to at most 10 mg, or choose an antidepressant not mainly cleared by CYP2D6.",
             "moderate", "adjust_dose")},
}
for drug, rows in SSRI.items():
    for phenotype, (imp, rec, cls, action) in rows.items():
        add("CPIC", V, drug, "CYP2D6", f"CYP2D6={phenotype}", imp, rec, cls, action)

V = "2017-12 (Goetz et al., Clin Pharmacol Ther 2018;103:770)"
add("CPIC", V, "tamoxifen", "CYP2D6", f"CYP2D6={UM}|{NM}", "Expected endoxifen formation.",
    "Use the standard 20 mg/day dose and avoid moderate and strong CYP2D6 inhibitors.", "strong", "standard")
# CPIC grades IM by activity score: 1 optional, 0.25-0.75 moderate (activity row first; first match wins).
add("CPIC", V, "tamoxifen", "CYP2D6", "activity:CYP2D6=1..1",
    "Lower endoxifen levels than normal metabolizers; higher risk of recurrence.",
    "Consider an aromatase inhibitor (with ovarian suppression before menopause); if tamoxifen is used, a 40 mg/day dose may be considered and CYP2D6 inhibitors avoided.",
    "optional", "consider_alternative")
add("CPIC", V, "tamoxifen", "CYP2D6", f"CYP2D6={IM}",
    "Lower endoxifen levels than normal metabolizers; higher risk of recurrence.",
    "Consider an aromatase inhibitor (with ovarian suppression before menopause); if tamoxifen is used, a 40 mg/day dose may be considered and CYP2D6 inhibitors avoided.",
    "moderate", "consider_alternative")
add("CPIC", V, "tamoxifen", "CYP2D6", f"CYP2D6={PM}",
    "Much lower endoxifen levels; higher risk of recurrence and worse event-free survival.",
    "Use another hormonal therapy such as an aromatase inhibitor (with ovarian suppression before menopause).",
    "strong", "consider_alternative")

V = "2019-02 (Brown et al., Clin Pharmacol Ther 2019;106:94)"
# CPIC gives IM with activity score 1 the normal-metabolizer advice and IM 0.25-0.75 the poor-metabolizer
# advice (all moderate); the activity row comes before the IM row because the first matching row wins.
for cond in (f"CYP2D6={UM}|{NM}", "activity:CYP2D6=1..1"):
    add("CPIC", V, "atomoxetine", "CYP2D6", cond,
        "Lower atomoxetine exposure than poor metabolizers; possibly less effect.",
        "Start at 40 mg/day and raise to 80 mg/day after 3 days; if there is no response and no adverse effect after 2 weeks, consider 100 mg/day, and use a plasma level to guide further changes.",
        "moderate", "standard")
add("CPIC", V, "atomoxetine", "CYP2D6", f"CYP2D6={IM}",
    "Higher atomoxetine exposure than normal metabolizers; more adverse effects possible.",
    "Start at 40 mg/day and raise to 80 mg/day only after 2 weeks without response or adverse effects; use a plasma level to guide further changes.",
    "moderate", "adjust_dose")
add("CPIC", V, "atomoxetine", "CYP2D6", f"CYP2D6={PM}",
    "Much higher atomoxetine exposure; more adverse effects.",
    "Start at 40 mg/day and raise to 80 mg/day only after 2 weeks without response or adverse effects; use a plasma level to guide further changes.",
    "moderate", "adjust_dose")

# ---------------------------------------------------------------- CPIC, DPYD (activity score)
V = "2017-11 (Amstutz et al., Clin Pharmacol Ther 2018;103:210)"
FP = "fluorouracil,capecitabine"
add("CPIC", V, FP, "DPYD", "activity:DPYD=2..2", "Normal DPD activity; normal risk of fluoropyrimidine toxicity.",
    "Use the label dose (100% of the starting dose).", "strong", "standard")
add("CPIC", V, FP, "DPYD", "activity:DPYD=1.5..1.5",
    "DPD activity reduced (about 50-100% of normal); higher risk of severe toxicity.",
    "Start at 50% of the usual dose and titrate by toxicity or drug levels.", "moderate", "adjust_dose")
add("CPIC", V, FP, "DPYD", "activity:DPYD=1..1",
    "DPD activity reduced (about 50% of normal); higher risk of severe or fatal toxicity.",
    "Start at 50% of the usual dose and titrate by toxicity or drug levels.", "strong", "adjust_dose")
add("CPIC", V, FP, "DPYD", "activity:DPYD=0.5..0.5",
    "Complete DPD deficiency likely; high risk of severe or fatal toxicity.",
    "Do not use fluorouracil or its prodrugs; if no alternative is suitable, give a strongly reduced dose with early drug-level monitoring.",
    "strong", "avoid")
add("CPIC", V, FP, "DPYD", "activity:DPYD=0..0",
    "Complete DPD deficiency; high risk of severe or fatal toxicity.",
    "Do not use fluorouracil or its prodrugs.", "strong", "avoid")

# ---------------------------------------------------------------- CPIC, thiopurines (TPMT x NUDT15)
V = "2018-11 (Relling et al., Clin Pharmacol Ther 2019;105:1095)"
NORMAL_DOSE = {"azathioprine": "2-3 mg/kg/day", "mercaptopurine": "75 mg/m2/day or 1.5 mg/kg/day",
               "thioguanine": "40-60 mg/m2/day"}
T_NM, T_IM, T_PM = NM, f"{IM}|{PIM}", PM
for drug, dose in NORMAL_DOSE.items():
    reduced = ("30-80%" if drug == "azathioprine" else "30-80%" if drug == "mercaptopurine" else "50-80%")
    for tp, nu in itertools.product(("NM", "IM", "PM"), repeat=2):
        cond = f"TPMT={dict(NM=T_NM, IM=T_IM, PM=T_PM)[tp]};NUDT15={dict(NM=T_NM, IM=T_IM, PM=T_PM)[nu]}"
        if tp == "NM" and nu == "NM":
            add("CPIC", V, drug, "TPMT;NUDT15", cond, "Normal thiopurine metabolite levels; normal myelosuppression risk.",
                f"Use the normal starting dose ({dose}) and adjust by disease-specific guidelines; allow 2 weeks to steady state after each change.",
                "strong", "standard")
        elif "PM" in (tp, nu):
            gene = "TPMT and NUDT15" if tp == nu == "PM" else ("TPMT" if tp == "PM" else "NUDT15")
            add("CPIC", V, drug, "TPMT;NUDT15", cond,
                f"{gene} poor metabolizer: greatly raised thioguanine nucleotides; high risk of severe, life-threatening myelosuppression.",
                f"For non-malignant conditions use a non-thiopurine alternative; for malignancy start at a drastically reduced dose (about one tenth of {dose}, "
                "given three times a week instead of daily) and adjust by myelosuppression, allowing 4-6 weeks to steady state.",
                "strong", "consider_alternative")
        else:
            both = tp == "IM" and nu == "IM"
            add("CPIC", V, drug, "TPMT;NUDT15", cond,
                ("TPMT and NUDT15 intermediate metabolizer" if both else f"{'TPMT' if tp == 'IM' else 'NUDT15'} intermediate metabolizer")
                + ": raised thioguanine nucleotides; higher risk of myelosuppression.",
                f"Start at a reduced dose ({reduced} of {dose}) and adjust by myelosuppression and disease-specific guidelines; allow 2-4 weeks to steady state."
                + (" Both genes are affected: a larger reduction may be needed." if both else ""),
                "strong" if drug != "thioguanine" else "moderate", "adjust_dose")

# ---------------------------------------------------------------- CPIC, CYP3A5, CYP2B6
V = "2015-07 (Birdwell et al., Clin Pharmacol Ther 2015;98:19)"
add("CPIC", V, "tacrolimus", "CYP3A5", f"CYP3A5={NM}|{IM}",
    "Lower dose-adjusted trough levels; target levels reached later.",
    "Start at 1.5-2 times the usual starting dose (not above 0.3 mg/kg/day) and guide changes by therapeutic drug monitoring.",
    "strong", "adjust_dose")
add("CPIC", V, "tacrolimus", "CYP3A5", f"CYP3A5={PM}", "Expected (higher) trough levels; target reached on the usual dose.",
    "Start at the usual dose and guide changes by therapeutic drug monitoring.", "strong", "standard")
add("CPIC", V, "tacrolimus", "CYP3A5", f"CYP3A5={PIM}",
    "Likely a CYP3A5 expresser: lower dose-adjusted trough levels; target levels reached later.",
    "Start at 1.5-2 times the usual starting dose (not above 0.3 mg/kg/day) and guide changes by therapeutic drug monitoring.",
    "strong", "adjust_dose")

V = "2019-04 (Desta et al., Clin Pharmacol Ther 2019;106:726)"
add("CPIC", V, "efavirenz", "CYP2B6", f"CYP2B6={UM}|{RM}|{NM}", "Expected efavirenz exposure.",
    "Start efavirenz at the standard 600 mg/day.", "strong", "standard")
add("CPIC", V, "efavirenz", "CYP2B6", f"CYP2B6={IM}", "Higher efavirenz levels; more central nervous system side effects.",
    "Consider starting at 400 mg/day.", "moderate", "adjust_dose")
add("CPIC", V, "efavirenz", "CYP2B6", f"CYP2B6={PM}", "Much higher efavirenz levels; more central nervous system side effects and stopping therapy.",
    "Consider starting at 400 or 200 mg/day.", "moderate", "adjust_dose")

# ---------------------------------------------------------------- CPIC, statins (SLCO1B1, ABCG2, CYP2C9)
V = "2022-02 (Cooper-DeHoff et al., Clin Pharmacol Ther 2022;111:1007)"
S_N = "Increased Function|Normal Function"
S_D = "Decreased Function|Possible Decreased Function"
S_P = "Poor Function"
STD = "Start at the desired dose and adjust by disease-specific guidelines."
simple = {
    "simvastatin": [(S_N, "Normal myopathy risk.", STD, "strong", "standard"),
                    (S_D, "Higher simvastatin acid exposure; higher myopathy risk.",
                     "Prefer another statin by the potency needed; if simvastatin is used, keep the dose below 20 mg/day.", "strong", "consider_alternative"),
                    (S_P, "Much higher simvastatin acid exposure; high myopathy risk.",
                     "Use another statin chosen by the potency needed.", "strong", "consider_alternative")],
    "atorvastatin": [(S_N, "Normal myopathy risk.", STD, "strong", "standard"),
                     (S_D, "Higher atorvastatin exposure; higher myopathy risk.",
                      "Start at 40 mg/day or less; if more is needed, consider rosuvastatin or adding a non-statin.", "moderate", "adjust_dose"),
                     (S_P, "Much higher atorvastatin exposure; higher myopathy risk.",
                      "Start at 20 mg/day or less; if more is needed, consider rosuvastatin or adding a non-statin.", "moderate", "adjust_dose")],
    "lovastatin": [(S_N, "Normal myopathy risk.", STD, "strong", "standard"),
                   (S_D, "Higher lovastatin acid exposure; higher myopathy risk.",
                    "Prefer another statin by the potency needed; if lovastatin is used, keep the dose at 20 mg/day or less.", "moderate", "consider_alternative"),
                   (S_P, "Much higher lovastatin acid exposure; high myopathy risk.",
                    "Use another statin chosen by the potency needed.", "moderate", "consider_alternative")],
    "pitavastatin": [(S_N, "Normal myopathy risk.", STD, "strong", "standard"),
                     (S_D, "Higher pitavastatin exposure; higher myopathy risk.",
                      "Start at 2 mg/day or less; if more is needed, consider another statin or adding a non-statin.", "moderate", "adjust_dose"),
                     (S_P, "Much higher pitavastatin exposure; higher myopathy risk.",
                      "Start at 1 mg/day or less; if more is needed, consider another statin or adding a non-statin.", "moderate", "adjust_dose")],
    "pravastatin": [(S_N, "Normal myopathy risk.", STD, "strong", "standard"),
                    (S_D, "Higher pravastatin exposure; possibly higher myopathy risk, mostly above 40 mg/day.",
                     STD + " Be aware of the possibly higher myopathy risk above 40 mg/day.", "moderate", "monitor"),
                    (S_P, "Much higher pravastatin exposure; higher myopathy risk.",
                     "Start at 40 mg/day or less; if more potency is needed, a higher dose or another statin may be considered.", "moderate", "adjust_dose")],
}
for drug, rows in simple.items():
    for cond, imp, rec, cls, action in rows:
        add("CPIC", V, drug, "SLCO1B1", f"SLCO1B1={cond}", imp, rec, cls, action)
# rosuvastatin: ABCG2 x SLCO1B1
ROSU = {
    ("Normal Function", S_N): ("Normal rosuvastatin exposure; normal myopathy risk.", STD + " Follow population-specific guidance.", "strong", "standard"),
    ("Normal Function", S_D): ("Higher rosuvastatin exposure; possibly higher myopathy risk above 20 mg.", STD + " Be aware of the possibly higher myopathy risk above 20 mg.", "strong", "monitor"),
    ("Normal Function", S_P): ("Higher rosuvastatin exposure; higher myopathy risk.", "Start at 20 mg or less; if more is needed, consider adding a non-statin.", "moderate", "adjust_dose"),
    ("Decreased Function", S_N): ("Somewhat higher rosuvastatin exposure; normal myopathy risk.", STD + " Follow population-specific guidance.", "moderate", "standard"),
    ("Decreased Function", S_D): ("Higher rosuvastatin exposure; possibly higher myopathy risk above 20 mg.", STD + " Be aware of the possibly higher myopathy risk above 20 mg.", "moderate", "monitor"),
    ("Decreased Function", S_P): ("Higher rosuvastatin exposure; higher myopathy risk.", "Start at 20 mg or less; if more is needed, consider adding a non-statin.", "moderate", "adjust_dose"),
    ("Poor Function", S_N): ("Higher rosuvastatin exposure; possibly higher myopathy risk.", "Start at 20 mg or less; if more is needed, consider another statin or adding a non-statin.", "optional", "adjust_dose"),
    ("Poor Function", S_D): ("Much higher rosuvastatin exposure; higher myopathy risk.", "Start at 10 mg or less; if more is needed, consider another statin or adding a non-statin.", "optional", "adjust_dose"),
    ("Poor Function", S_P): ("Much higher rosuvastatin exposure; high myopathy risk.", "Start at 10 mg or less; if more is needed, consider adding a non-statin.", "optional", "adjust_dose"),
}
for (abcg2, slco), (imp, rec, cls, action) in ROSU.items():
    add("CPIC", V, "rosuvastatin", "SLCO1B1;ABCG2", f"SLCO1B1={slco};ABCG2={abcg2}", imp, rec, cls, action)
# fluvastatin: CYP2C9 x SLCO1B1
FLUV = {
    (NM, S_N): ("Normal fluvastatin exposure; normal myopathy risk.", STD, "strong", "standard"),
    (NM, S_D): ("Higher fluvastatin exposure; possibly higher myopathy risk above 40 mg/day.", STD + " Be aware of the possibly higher myopathy risk above 40 mg/day.", "moderate", "monitor"),
    (NM, S_P): ("Higher fluvastatin exposure; higher myopathy risk.", "Start at 40 mg/day or less; if more potency is needed, a higher dose or another statin may be considered.", "moderate", "adjust_dose"),
    (IM, S_N): ("Higher fluvastatin exposure; higher myopathy risk.", "Start at 40 mg/day or less; if more is needed, consider another statin or adding a non-statin.", "moderate", "adjust_dose"),
    (IM, S_D): ("Higher fluvastatin exposure; higher myopathy risk.", "Start at 20 mg/day or less; if more is needed, consider another statin or adding a non-statin.", "optional", "adjust_dose"),
    (IM, S_P): ("Much higher fluvastatin exposure; high myopathy risk.", "Use another statin chosen by the potency needed.", "optional", "consider_alternative"),
    (PM, S_N): ("Much higher fluvastatin exposure; higher myopathy risk.", "Start at 20 mg/day or less; if more is needed, consider another statin or adding a non-statin.", "moderate", "adjust_dose"),
    (PM, S_D): ("Much higher fluvastatin exposure; high myopathy risk.", "Use another statin chosen by the potency needed.", "optional", "consider_alternative"),
    (PM, S_P): ("Much higher fluvastatin exposure; high myopathy risk.", "Use another statin chosen by the potency needed.", "optional", "consider_alternative"),
}
for (c9, slco), (imp, rec, cls, action) in FLUV.items():
    add("CPIC", V, "fluvastatin", "SLCO1B1;CYP2C9", f"SLCO1B1={slco};CYP2C9={c9}", imp, rec, cls, action)

# ---------------------------------------------------------------- CPIC, CYP2C9: NSAIDs, phenytoin, warfarin
V = "2020-03 (Theken et al., Clin Pharmacol Ther 2020;108:191)"
# flurbiprofen and lornoxicam have celecoxib's rows and grades; tenoxicam has piroxicam's advice but CPIC grades
# its activity 1 and 0-0.5 rows 'optional' (PharmCAT cpic/<drug>.json at commit
# 76bfe08c85fc1b63d014445e3d7dd883cf7088cf, CPIC v1.30.0, citation PMID 32189324).
for drug in ("celecoxib", "flurbiprofen", "ibuprofen", "lornoxicam", "meloxicam", "piroxicam", "tenoxicam"):
    long_half_life = drug in ("meloxicam", "piroxicam", "tenoxicam")
    slow_grade = "optional" if drug == "tenoxicam" else "moderate"
    add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=2..2", "Normal NSAID metabolism.",
        "Start at the usual dose; use the lowest effective dose for the shortest time.", "strong", "standard")
    add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=1.5..1.5", "Mildly slower NSAID metabolism; slightly higher exposure.",
        "Start at the usual dose; use the lowest effective dose for the shortest time.", "moderate", "standard")
    if long_half_life:
        add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=1..1", "Slower metabolism and markedly longer half-life; more toxicity likely.",
            "Start at 50% of the lowest starting dose and wait for steady state (at least 7 days for meloxicam, about 2 weeks for piroxicam) before raising it, or choose another therapy."
            if drug == "meloxicam" else "Choose an NSAID with a shorter half-life or another therapy not mainly cleared by CYP2C9.",
            slow_grade, "adjust_dose" if drug == "meloxicam" else "consider_alternative")
        add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=0..0.5", "Much slower metabolism and much longer half-life; high toxicity risk.",
            "Choose another therapy not mainly cleared by CYP2C9, or an NSAID with a shorter half-life.",
            slow_grade, "consider_alternative")
    else:
        add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=1..1", "Moderately slower metabolism; higher exposure.",
            "Start at the lowest recommended dose and titrate to effect, up to the usual maximum; use the lowest effective dose for the shortest time.",
            "moderate", "adjust_dose")
        add("CPIC", V, drug, "CYP2C9", f"activity:CYP2C9=0..0.5", "Much slower metabolism; markedly higher exposure and toxicity risk.",
            "Start at 25-50% of the lowest recommended dose and titrate carefully up to 25-50% of the usual maximum, or choose another therapy.",
            "moderate", "adjust_dose")

V = "2020-02 (Karnes et al., Clin Pharmacol Ther 2021;109:302)"
for drug in ("phenytoin", "fosphenytoin"):
    add("CPIC", V, drug, "HLA-B;CYP2C9", "HLA-B=*15:02 positive;activity:CYP2C9=0..2",
        "Higher risk of Stevens-Johnson syndrome / toxic epidermal necrolysis.",
        "If the patient has not taken phenytoin before, do not start it (or fosphenytoin); a patient who has taken it for more than 3 months without skin reactions has a low risk of future reactions.",
        "strong", "avoid")
    add("CPIC", V, drug, "HLA-B;CYP2C9", "HLA-B=*15:02 negative;activity:CYP2C9=2..2",
        "Normal phenytoin metabolism; no added skin-reaction risk from HLA-B*15:02.",
        "Use the usual starting and maintenance doses.", "strong", "standard")
    add("CPIC", V, drug, "HLA-B;CYP2C9", "HLA-B=*15:02 negative;activity:CYP2C9=1.5..1.5",
        "Slightly slower phenytoin metabolism; this does not appear to cause more side effects.",
        "No change from the usual dosing; adjust later doses by drug levels, response and side effects.",
        "moderate", "standard")
    add("CPIC", V, drug, "HLA-B;CYP2C9", "HLA-B=*15:02 negative;activity:CYP2C9=1..1",
        "Slower phenytoin metabolism; higher levels and more toxicity.",
        "Use the usual loading dose; consider a maintenance dose about 25% lower, adjusted by levels and response.",
        "moderate", "adjust_dose")
    add("CPIC", V, drug, "HLA-B;CYP2C9", "HLA-B=*15:02 negative;activity:CYP2C9=0..0.5",
        "Much slower phenytoin metabolism; much higher levels and more toxicity.",
        "Use the usual loading dose; consider a maintenance dose about 50% lower, adjusted by levels and response.",
        "strong", "adjust_dose")

# Facts in the text: CPIC 2017 dosing flow chart footnotes (Johnson et al. 2017, Figure 2, PMC copy
# pmc.ncbi.nlm.nih.gov/articles/PMC5546947/figure/F2). Strength: CPIC grades the genotype-guided dosing 'strong'
# for patients not of African ancestry and 'moderate' for patients of African ancestry (including the CYP2C9
# *5/*6/*8/*11 and rs12777823 dose reductions), as tabulated from Johnson et al. 2017 in Table 3 of
# pmc.ncbi.nlm.nih.gov/articles/PMC9014219 (Front Pharmacol 2022;13:866058). pgx calls do not carry ancestry, so
# the one row keeps 'strong' and its text names the moderate grade for African ancestry.
V = "2016-12 (Johnson et al., Clin Pharmacol Ther 2017;102:397)"
add("CPIC", V, "warfarin", "CYP2C9;VKORC1", "CYP2C9=*;VKORC1=*",
    "CYP2C9 and VKORC1 (and, in some populations, CYP4F2 and CYP2C rs12777823) change the warfarin dose needed.",
    "Compute the starting dose with a validated pharmacogenetic dosing algorithm (the IWPC or Gage equation, as in CPIC's dosing flow chart) from the CYP2C9 and VKORC1 genotypes (CYP4F2 *3 may add 5-10% to the dose) plus clinical factors; see www.warfarindosing.org. "
    "Consider another anticoagulant when CYP2C9 predicts poor metabolism (for example *2/*3 or *3/*3), alone or with a VKORC1 A allele. "
    "For patients of African ancestry (where CPIC grades this advice moderate rather than strong), dose clinically unless CYP2C9 *5, *6, *8 and *11 were tested.",
    "strong", "adjust_dose")

# ---------------------------------------------------------------- CPIC, HLA
V = "2014-02 (Martin et al., Clin Pharmacol Ther 2014;95:499)"
add("CPIC", V, "abacavir", "HLA-B", "HLA-B=*57:01 negative", "Low risk of abacavir hypersensitivity.",
    "Use abacavir at the usual dose.", "strong", "standard")
add("CPIC", V, "abacavir", "HLA-B", "HLA-B=*57:01 positive", "Much higher risk of abacavir hypersensitivity.",
    "Do not use abacavir.", "strong", "avoid")
V = "2015-06 (Saito et al., Clin Pharmacol Ther 2016;99:36)"
add("CPIC", V, "allopurinol", "HLA-B", "HLA-B=*58:01 negative", "Low risk of allopurinol-induced severe cutaneous adverse reactions.",
    "Use allopurinol at the usual dose.", "strong", "standard")
add("CPIC", V, "allopurinol", "HLA-B", "HLA-B=*58:01 positive", "Much higher risk of allopurinol-induced severe cutaneous adverse reactions.",
    "Do not use allopurinol.", "strong", "avoid")
V = "2017-12 (Phillips et al., Clin Pharmacol Ther 2018;103:574)"
add("CPIC", V, "carbamazepine", "HLA-B;HLA-A", "HLA-B=*15:02 negative;HLA-A=*31:01 negative",
    "Normal risk of carbamazepine-induced SJS/TEN, DRESS and maculopapular exanthema.", "Use carbamazepine as usual.", "strong", "standard")
add("CPIC", V, "carbamazepine", "HLA-B;HLA-A", "HLA-B=*15:02 positive;HLA-A=*",
    "Higher risk of carbamazepine-induced SJS/TEN.",
    "If the patient has not taken carbamazepine before, do not start it; a patient who has taken it for more than 3 months without skin reactions has a low risk of future reactions.",
    "strong", "avoid")
add("CPIC", V, "carbamazepine", "HLA-B;HLA-A", "HLA-B=*15:02 negative;HLA-A=*31:01 positive",
    "Higher risk of carbamazepine-induced SJS/TEN, DRESS and maculopapular exanthema.",
    "If the patient has not taken carbamazepine before, do not start it unless no alternative exists; then monitor the skin closely.",
    "strong", "avoid")
add("CPIC", V, "oxcarbazepine", "HLA-B", "HLA-B=*15:02 negative", "Normal risk of oxcarbazepine-induced SJS/TEN.",
    "Use oxcarbazepine as usual.", "strong", "standard")
add("CPIC", V, "oxcarbazepine", "HLA-B", "HLA-B=*15:02 positive", "Higher risk of oxcarbazepine-induced SJS/TEN.",
    "If the patient has not taken oxcarbazepine before, do not start it; a patient who has taken it for more than 3 months without skin reactions has a low risk of future reactions.",
    "strong", "avoid")

# ---------------------------------------------------------------- CPIC, RYR1/CACNA1S
V = "2018-07 (Gonsalves et al., Clin Pharmacol Ther 2019;105:1338)"
MH = "desflurane,enflurane,halothane,isoflurane,methoxyflurane,sevoflurane,succinylcholine"
MHS, UNC = "Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility"
for ryr1, cacna1s in ((MHS, "*"), (UNC, MHS)):
    add("CPIC", V, MH, "RYR1;CACNA1S", f"RYR1={ryr1};CACNA1S={cacna1s}",
        "Malignant hyperthermia susceptibility.",
        "Do not use halogenated volatile anaesthetics or succinylcholine (relatively contraindicated); use non-triggering anaesthesia.",
        "strong", "avoid")
add("CPIC", V, MH, "RYR1;CACNA1S", f"RYR1={UNC};CACNA1S={UNC}",
    "No known malignant-hyperthermia variant found; susceptibility is not excluded.",
    "Let clinical findings, family history, further testing and other laboratory data guide the use of these anaesthetics.",
    "strong", "monitor")

# ---------------------------------------------------------------- CPIC, MT-RNR1, G6PD, CFTR, UGT1A1, IFNL3
V = "2021-05 (McDermott et al., Clin Pharmacol Ther 2022;111:366)"
# dibekacin, netilmicin, paromomycin and plazomicin: the same three rows and grades (PharmCAT cpic/<drug>.json at
# commit 76bfe08c85fc1b63d014445e3d7dd883cf7088cf, CPIC v1.30.0). ribostamycin is left out: CPIC gives it no
# RxNorm id.
AG = "amikacin,dibekacin,gentamicin,kanamycin,neomycin,netilmicin,paromomycin,plazomicin,streptomycin,tobramycin"
add("CPIC", V, AG, "MT-RNR1", "MT-RNR1=Increased risk of aminoglycoside-induced hearing loss",
    "Very high risk of hearing loss if given an aminoglycoside.",
    "Avoid aminoglycosides unless the infection is severe and no safe, effective alternative exists; then use the lowest dose and shortest course and check hearing often.",
    "strong", "avoid")
add("CPIC", V, AG, "MT-RNR1", "MT-RNR1=Normal risk of aminoglycoside-induced hearing loss",
    "Usual risk of aminoglycoside-associated hearing loss.",
    "Use the usual dose for the shortest feasible course with drug-level monitoring; check hearing as local guidance says.",
    "strong", "standard")
add("CPIC", V, AG, "MT-RNR1", "MT-RNR1=Uncertain risk of aminoglycoside-induced hearing loss",
    "Weak or no evidence for an increased MT-RNR1-related risk.",
    "Use the usual dose for the shortest feasible course with drug-level monitoring; check hearing as local guidance says.",
    "optional", "standard")

# CPIC's current G6PD data (PharmCAT cpic/rasburicase.json at commit 209032d0, CPIC v1.23.0) cite the expanded
# G6PD guideline (Gammal et al. 2022, PMID 36049896) and no longer the 2014 rasburicase guideline.
V = "2022 (Gammal et al., Clin Pharmacol Ther 2022; PMID 36049896)"
add("CPIC", V, "rasburicase", "G6PD", "G6PD=Normal", "Low risk of acute haemolytic anaemia.",
    "Use rasburicase as usual.", "strong", "standard")
add("CPIC", V, "rasburicase", "G6PD", "G6PD=Deficient|Deficient with CNSHA",
    "High risk of acute haemolytic anaemia and methaemoglobinaemia.",
    "Do not use rasburicase; choose another urate-lowering therapy.", "strong", "avoid")
# Variable (one deficient and one non-deficient allele with more than one X chromosome): CPIC asks for an enzyme
# activity test and then the advice for the measured phenotype -- not plain avoidance (moderate).
add("CPIC", V, "rasburicase", "G6PD", "G6PD=Variable",
    "Risk of acute haemolytic anaemia varies: with X-chromosome mosaicism the enzyme activity may be normal or deficient.",
    "The genotype cannot settle G6PD status: measure G6PD enzyme activity first and then follow the advice for the measured phenotype (avoid rasburicase if deficient, use it as usual if normal).",
    "moderate", "monitor")

# The other G6PD drugs of the same guideline, read per drug in PharmCAT cpic/<drug>.json at commit
# 76bfe08c85fc1b63d014445e3d7dd883cf7088cf (CPIC v1.30.0, citation PMID 36049896). Grades per phenotype
# (Normal, Deficient, Deficient with CNSHA, Variable): dapsone, pegloticase, tafenoquine strong/strong/strong/moderate;
# methylene blue, toluidine blue strong/moderate/strong/moderate; nitrofurantoin strong/optional (use with caution
# and watch for anaemia)/moderate/moderate; primaquine strong/strong (avoid, except the WHO/CDC malaria regimens
# CPIC names)/strong/moderate.
G6PD_MEASURE = ("The genotype cannot settle G6PD status: measure G6PD enzyme activity first and then follow the advice "
                "for the measured phenotype.")
G6PD_DRUGS = {
    "dapsone": "strong", "pegloticase": "strong", "tafenoquine": "strong",
    "methylene blue": "moderate", "toluidine blue": "moderate", "nitrofurantoin": None, "primaquine": None,
}
for drug, deficient_grade in G6PD_DRUGS.items():
    add("CPIC", V, drug, "G6PD", "G6PD=Normal", "Low risk of acute haemolytic anaemia.",
        f"No reason to avoid {drug} because of G6PD status.", "strong", "standard")
    if drug == "nitrofurantoin":
        add("CPIC", V, drug, "G6PD", "G6PD=Deficient", "Medium risk of acute haemolytic anaemia.",
            "Nitrofurantoin may be used at the standard dose, with caution and close monitoring for anaemia.",
            "optional", "monitor")
    elif drug == "primaquine":
        add("CPIC", V, drug, "G6PD", "G6PD=Deficient",
            "High risk of acute haemolytic anaemia at the standard (or higher) 14-day anti-relapse doses for P. vivax or P. ovale malaria.",
            "Do not use primaquine, except where expert malaria guidelines (WHO, CDC) apply: a weekly regimen over 8 weeks for "
            "radical cure of P. vivax or P. ovale with close monitoring for haemolysis, or a single low dose against P. falciparum "
            "gametocytes.", "strong", "avoid")
    else:
        add("CPIC", V, drug, "G6PD", "G6PD=Deficient", "High risk of acute haemolytic anaemia.",
            f"Do not use {drug}.", deficient_grade, "avoid")
    add("CPIC", V, drug, "G6PD", "G6PD=Deficient with CNSHA",
        "High risk of an acute worsening of the chronic haemolysis.", f"Do not use {drug}.",
        "moderate" if drug == "nitrofurantoin" else "strong", "avoid")
    add("CPIC", V, drug, "G6PD", "G6PD=Variable",
        "Risk of acute haemolytic anaemia varies: with X-chromosome mosaicism the enzyme activity may be normal or deficient.",
        ("Where G6PD status matters, measure G6PD enzyme activity and then follow the advice for the measured phenotype."
         if drug == "nitrofurantoin" else G6PD_MEASURE), "moderate", "monitor")

V = "2014-03 (Clancy et al., Clin Pharmacol Ther 2014;95:592)"
add("CPIC", V, "ivacaftor", "CFTR", "CFTR=ivacaftor responsive in CF patients",
    "A CFTR variant that responds to ivacaftor is present.", "Use ivacaftor as the label describes.", "moderate", "standard")
add("CPIC", V, "ivacaftor", "CFTR", "CFTR=ivacaftor non-responsive in CF patients",
    "No ivacaftor-responsive CFTR variant found.", "Ivacaftor is not recommended.", "moderate", "consider_alternative")

V = "2015-09 (Gammal et al., Clin Pharmacol Ther 2016;99:363)"
add("CPIC", V, "atazanavir", "UGT1A1", f"UGT1A1={NM}|{IM}",
    "Low or moderate chance of bilirubin rise high enough to cause jaundice and stopping therapy.",
    "No reason to avoid atazanavir; tell the patient jaundice sometimes leads people to stop it, but their genotype makes it unlikely.",
    "strong", "standard")
add("CPIC", V, "atazanavir", "UGT1A1", f"UGT1A1={PM}",
    "High chance of jaundice leading to stopping atazanavir (20-60%).",
    "Consider another antiretroviral, especially if jaundice would trouble the patient; if atazanavir is used, expect jaundice and discontinuation to be likely.",
    "strong", "consider_alternative")

V = "2013-09 (Muir et al., Clin Pharmacol Ther 2014;95:141)"
add("CPIC", V, "peginterferon alfa-2a,peginterferon alfa-2b", "IFNL3", "IFNL3=Favorable Response",
    "Higher chance of sustained virological response (about 70% after 48 weeks of peginterferon and ribavirin).",
    "Peginterferon-alpha and ribavirin regimens have a good chance of success; weigh this favourable response when choosing therapy.",
    "strong", "standard")
add("CPIC", V, "peginterferon alfa-2a,peginterferon alfa-2b", "IFNL3", "IFNL3=Unfavorable Response",
    "Lower chance of sustained virological response (about 30% after 48 weeks of peginterferon and ribavirin).",
    "Weigh the low chance of response before starting a peginterferon-alpha and ribavirin regimen.",
    "strong", "monitor")

HEADERS = {
    "FDA": [
        "# FDA pharmacogenomic guidance: the FDA's Table of Pharmacogenetic Associations (one row per drug, gene and "
        "affected subgroup; tools/fda_build.py) and FDA drug-label statements as ClinPGx annotates them (rows whose "
        "guideline_version starts 'FDA label annotation'; tools/fda_label_build.py), built by tools/build_guidelines.py. "
        "Label rows come first: pgx.recommend takes the first row of a drug and gene set that matches.",
        "# source: FDA Table of Pharmacogenetic Associations; FDA drug labels as annotated by ClinPGx (PharmGKB)",
        f"# source_version: fda-biomarker {FDA_PINNED[:8]} (table of {{collected}}); PharmCAT fork {LABEL_COMMIT[:8]} "
        "(ClinPGx 2026-05-05)",
        f"# retrieved: {EXTRACT_READ}",
        "# licence: US government works (FDA table, labels); ClinPGx annotations CC BY-SA 4.0 (facts only)",
        "# table rows: the FDA Table of Pharmacogenetic Associations (www.fda.gov/medical-devices/precision-medicine/"
        "table-pharmacogenetic-associations) as scraped verbatim by PharmGKB into github.com/PharmGKB/fda-biomarker "
        f"fda_pgx_associations_table.json at commit {FDA_PINNED} (table content collected {{collected}}; 111 associations; "
        "later FDA revisions of the table are not in this copy: no newer stored copy was found); retrieved "
        f"{DPWG_RETRIEVED}.",
        "# classification: the FDA table's section: 'therapeutic management recommended' (section 1), 'potential impact "
        "on safety or response' (section 2), 'pharmacokinetic impact only' (section 3).",
        "# condition: the FDA's affected subgroup in pgx's phenotype words (metabolizer words -> that phenotype and its "
        "'Likely'/'Possible' forms; 'intermediate or poor function transporters' -> SLCO1B1 Decreased/Possible Decreased/"
        "Poor Function; '*28/*28' and '*3/*3' -> that diplotype; '-1639G>A variant carriers' -> VKORC1 -1639 AA or AG; "
        "'TPMT and/or NUDT15' -> one row per gene). The FDA lists only affected subgroups: other genotypes get no FDA row.",
        "# texts: implication = the subgroup and the effects the FDA names; recommendation = pgx's action sentence and "
        "the figures the FDA gives; action from the description's advice (contraindicated/do not use -> avoid; "
        "alternative -> consider_alternative; dose words -> adjust_dose; monitor/caution -> monitor; section 3 "
        "without advice -> no_recommendation).",
        "# not expressed (no gene pgx can test, or no phenotype pgx calls): {skipped}",
        "# rxnorm, atc: as in cpic.tsv, else CPIC's drug table (cpicpgx/cpic-data V2__initial_data.sql, commit c4d51f49, "
        "CC0); empty where neither gives one.",
        "# label rows: source: ClinPGx (PharmGKB) FDA label annotations as PharmCAT ships them in "
        "reporter/prescribing_guidance.json at github.com/madhavajay/PharmCAT (a fork of PharmGKB/PharmCAT) commit "
        f"{LABEL_COMMIT} (ClinPGx data {{label_data}}), read page by page through the code-search index on "
        f"{EXTRACT_READ} into a pinned extract (the file is over the 4 MiB a fetched snapshot keeps); labels: "
        "{label_drugs}. Licence: ClinPGx annotations CC BY-SA 4.0 (facts only here), label texts US government works.",
        "# label rows: condition from each lookup key (activity score -> closed range, joined over the gene's score "
        "step; HLA allele status; CYP2C9 diplotype; VKORC1 rs9923231 CC/TC/TT -> -1639 GG/AG/AA as the label text pairs "
        "them; 'No Result' -> GENE=*); every fully called key of the source gets its own text back (checked when "
        "building). Action from the text and ClinPGx's flags (contraindicated -> avoid; 'consider avoiding' or another "
        "drug -> consider_alternative; dosing information -> adjust_dose; caution -> monitor; the label's usual dose -> "
        "standard); classification 'not graded'. Left out: {label_left_out}.",
    ],
    "CPIC": [
        "# CPIC drug guidance: one row per (drug, condition); recommendation and implication texts are pgx's own",
        "#   wording of the guideline facts, never the guideline's sentences.",
        "# source: CPIC guidelines (cpicpgx.org; the publication named per row in guideline_version); facts as",
        "#   distributed in PyPGx 0.27.0 pypgx/api/data/recommendation-table.csv and cpic-table.csv (RxNorm, ATC:",
        "#   the first ATC code listed).",
        f"# retrieved: {RETRIEVED}; classifications re-checked 2026-11-29; 25 drugs added {ADDED} (see 'added')",
        f"# updated ({ADDED}): citalopram and escitalopram follow CPIC's 2023 SSRI/SNRI guideline (Bousman et al., PMID",
        "#   37032427) as PharmGKB annotated it in PharmCAT reporter/guidelines/CPIC_citalopram_escitalopram_and_CYP2C19.json",
        "#   at commit 0c6123b692d07a362d34c7b61d6a9bab779f7ad6 (2024-03-25): rapid metabolizers apart from ultrarapid, new",
        "#   grades; sertraline likewise (CPIC_sertraline_and_CYP2B6_CYP2C19.json): CYP2C19 x CYP2B6, all 35 combinations.",
        "# licence: CPIC guidelines and data CC0-1.0; PyPGx MIT",
        f"# added ({ADDED}): clomipramine, doxepin, imipramine, trimipramine (CYP2D6 x CYP2C19, amitriptyline's advice),",
        "#   desipramine (CYP2D6, like nortriptyline), paroxetine, fluvoxamine, venlafaxine, vortioxetine (CYP2D6; CPIC",
        "#   2023 SSRI/SNRI guideline, PMID 37032427), hydrocodone (CYP2D6), tropisetron (CYP2D6, like ondansetron),",
        "#   flurbiprofen, lornoxicam, tenoxicam (CYP2C9 activity score), dibekacin, netilmicin, paromomycin, plazomicin",
        "#   (MT-RNR1), dapsone, methylene blue, nitrofurantoin, pegloticase, primaquine, tafenoquine, toluidine blue",
        "#   (G6PD; Gammal et al. 2022). Every row and grade read per drug in PharmCAT (github.com/PharmGKB/PharmCAT)",
        "#   src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines/cpic/<drug>.json at commit",
        "#   76bfe08c85fc1b63d014445e3d7dd883cf7088cf (2023-08-08, cpicVersion v1.30.0; the newest stored version of",
        "#   these files); RxNorm ids as in those files' drugid; ATC codes (the first listed) from PyPGx 0.27.0",
        "#   cpic-table.csv, empty where it gives none (methylene blue, pegloticase, plazomicin, toluidine blue).",
        "#   Not added: ribostamycin (no RxNorm id in either source); hydralazine, metoprolol, ribavirin (no CPIC",
        "#   recommendation file in that snapshot; CPIC lists them as provisional in PyPGx 0.27.0 cpic-table.csv).",
        "# classifications checked (2026-11-29) drug by drug against CPIC's database as shipped by PharmCAT",
        "#   (github.com/PharmGKB/PharmCAT): src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines/cpic/<drug>.json",
        "#   at commit 209032d03b03d57e4cdabc531bd33debb0c26b6d (cpicVersion v1.23.0): clopidogrel (population 'CVI ACS",
        "#   PCI'), voriconazole (adults), omeprazole, citalopram, sertraline*, nortriptyline, codeine, tramadol, ondansetron,",
        "#   tamoxifen*, atomoxetine (adults), fluorouracil, azathioprine, mercaptopurine, thioguanine, tacrolimus*,",
        "#   simvastatin, atorvastatin, lovastatin, pitavastatin, pravastatin, rosuvastatin, fluvastatin, celecoxib,",
        "#   meloxicam, piroxicam*, phenytoin*, carbamazepine (carbamazepine-naive), oxcarbazepine, rasburicase,",
        "#   ivacaftor, atazanavir; (*) also or only in reporter/drugs.json at commit",
        "#   05473404505229ce76493552a56615ff5d3a017a (CPIC v1.10: sertraline, tamoxifen, tacrolimus, piroxicam,",
        "#   phenytoin, plazomicin, amikacin, abacavir, allopurinol, amitriptyline) or at commit",
        "#   d604652f819a6d192a9fd844563c1e920926ae6a (escitalopram, fosphenytoin, ibuprofen, efavirenz, enflurane,",
        "#   halothane).",
        "# re-checked (2026-11-29, second pass) in cpic/<drug>.json at commit 209032d03b03d57e4cdabc531bd33debb0c26b6d",
        "#   (CPIC v1.23.0), one file per drug: abacavir, allopurinol, escitalopram, efavirenz, tacrolimus, sertraline,",
        "#   ibuprofen, piroxicam, tamoxifen (all activity-score rows), phenytoin and fosphenytoin (population 'PHT",
        "#   naive'; CPIC also grades HLA-B*15:02-positive patients with more than 3 months of use 'optional'),",
        "#   lansoprazole, pantoprazole, dexlansoprazole (every row 'optional': RM/NM and PM rows corrected from",
        "#   'moderate'), capecitabine, gentamicin, kanamycin, streptomycin, tobramycin, desflurane, isoflurane,",
        "#   methoxyflurane, sevoflurane, succinylcholine, rasburicase (now cites Gammal et al. 2022, PMID 36049896;",
        "#   G6PD Variable corrected from avoid to 'measure enzyme activity first': action monitor, moderate).",
        "#   neomycin is not in that commit; read at commit 4cdfc34d990ebb320a9824831a90d136acfabd7b (CPIC v1.28.0):",
        "#   same MT-RNR1 rows and grades as the other aminoglycosides. amitriptyline: rows of all 16 CYP2C19 group x",
        "#   CYP2D6 phenotype combinations (UR/NM/IM/PM x UM/NM/IM/PM, including 'Likely' CYP2C19 phenotypes) read at",
        "#   209032d0; every grade and action class as here (CYP2D6 IM x CYP2C19 NM moderate at every IM activity score).",
        "#   Not checkable there: warfarin and peginterferon alfa-2a/2b ('recommendations': null in PharmCAT's files).",
        "#   warfarin (checked 2026-11-29): 'strong' for non-African and 'moderate' for African ancestry per Johnson et",
        "#   al. 2017 as tabulated in pmc.ncbi.nlm.nih.gov/articles/PMC9014219 Table 3; calls carry no ancestry, so the",
        "#   row is 'strong' and its text names the moderate grade. Text facts from the 2017 flow-chart footnotes",
        "#   (pmc.ncbi.nlm.nih.gov/articles/PMC5546947/figure/F2): alternative agent for CYP2C9 poor metabolism,",
        "#   clinical dosing in African ancestry when CYP2C9 *5/*6/*8/*11 untested.",
        "#   peginterferon alfa-2a/2b: Muir et al. 2014 Table 2 could not be read in a stored copy; the 'strong' grade",
        "#   is as distributed in PyPGx 0.27.0 (CPIC data, CC0); the response rates (about 70% vs 30% SVR after 48",
        "#   weeks) match those reported for rs12979860 CC vs CT/TT (Thompson et al. 2010, cited in ClinicalTrials.gov",
        "#   NCT01415141).",
        "# source_version: pypgx==0.27.0; PharmCAT commits 209032d03b03d57e4cdabc531bd33debb0c26b6d (CPIC v1.23.0),",
        "#   05473404505229ce76493552a56615ff5d3a017a (CPIC v1.10), d604652f819a6d192a9fd844563c1e920926ae6a,",
        "#   4cdfc34d990ebb320a9824831a90d136acfabd7b (CPIC v1.28.0; neomycin only),",
        "#   76bfe08c85fc1b63d014445e3d7dd883cf7088cf (CPIC v1.30.0; the drugs added 2026-12-06)",
        "# condition: ';'-joined GENE=value terms; value = phenotype word(s) joined by '|' (case-insensitive), '*' any",
        "#   called phenotype, activity:GENE=lo..hi (closed activity-score range), or HLA allele status '*57:01 positive'.",
        "#   Rows are tried in order and the first match wins: an activity-score row placed before a phenotype row",
        "#   refines it where CPIC grades one phenotype differently by activity score (CYP2D6 IM for nortriptyline,",
        "#   tamoxifen, atomoxetine).",
        "# classification: strong | moderate | optional | no recommendation | not graded",
        "# action: standard | adjust_dose | consider_alternative | avoid | monitor | no_recommendation",
    ],
    "DPWG": [
        "# DPWG (Dutch Pharmacogenetics Working Group, KNMP) drug guidance, kept apart from CPIC: one row per",
        "# source: PharmGKB's DPWG guideline annotations as shipped by PharmCAT (pinned commit below)",
        "# source_version: PharmCAT commit {commit} (PharmGKB annotation data {versions}; the 2026 data: the added guidelines)",
        f"# retrieved: {DPWG_RETRIEVED}",
        "# licence: DPWG recommendations published openly by KNMP; PharmGKB annotations CC BY-SA 4.0 (facts only here)",
        "#   (drug, gene, DPWG genotype group), built by tools/build_guidelines.py (tools/dpwg_build.py) from every",
        "#   DPWG guideline annotation PharmGKB published and PharmCAT shipped as",
        "#   src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines/DPWG_<drug>_and_<gene>.json",
        "#   (github.com/PharmGKB/PharmCAT) at commit {commit} (2024-03-25, annotation data {versions};",
        "#   {files} files, the last commit with one file per guideline; later commits ship prescribing_guidance.json).",
        "# version pinned: PharmCAT 2024-03-25 data. Later DPWG changes are NOT in this table: PharmCAT's 2025-10",
        "#   commits 3d7c4a80 (DPYD advice after DPWG's 2025 update) and bd221371 (DPWG-specific phenotypes removed)",
        "#   changed prescribing_guidance.json, which is too large for the stored snapshot.",
        "# added (" + EXTRACT_READ + "): the guidelines DPWG published after the pinned copy that PharmCAT 3.1 reports:",
        "#   {added};",
        "#   each read whole from prescribing_guidance.json at github.com/madhavajay/PharmCAT (a fork of",
        f"#   PharmGKB/PharmCAT) commit {LABEL_COMMIT} (ClinPGx data 2026-05-05) through the code-search index",
        "#   into a pinned extract (see tools/fda_label_build.py EXTRACT); same reading and wording as the rest.",
        "# gene groups as DPWG defines them: CYP2D6 by DPWG's activity score (lookup keys 0, 0.25, ... and '>=3.0';",
        "#   consecutive keys with the same advice are joined into one closed range; an open-ended key reaches to",
        "#   'inf' in the last range only); DPYD by activity score (score 1 from one no-function allele and from two",
        "#   decreased-function alleles are two DPWG groups; pgx cannot tell them apart from the score, so the row",
        "#   names both and acts on the more cautious); CYP2C9 and UGT1A1 diplotype rows (diplotype:GENE=*a/*b)",
        "#   come before the phenotype rows; VKORC1 by -1639 genotype; HLA by allele status. A drug with two genes",
        "#   (azathioprine TPMT and NUDT15, clomipramine CYP2C19 and CYP2D6, ...) has one guideline per gene: each",
        "#   gene's rows stand alone, as DPWG publishes them.",
        "# texts: implication and recommendation are pgx's own structured wording (fixed action sentences plus the",
        "#   dose figures the advice names); DPWG's and PharmGKB's sentences are not copied. Read the guideline",
        "#   (guideline_version names the PharmGKB annotation) for the full advice.",
        "# classification: PharmGKB gives 'N/A' for DPWG advice ('not graded' here) and 'No recommendation' where DPWG",
        "#   gives none ('no recommendation', action no_recommendation).",
        "# action: from the advice's first directive (avoid / choose an alternative / dose / be alert / no action)",
        "#   and PharmGKB's flags dosingInformation and alternateDrugAvailable (tools/dpwg_build.py classify).",
        "# rxnorm, atc: as in cpic.tsv; drugs CPIC does not cover from CPIC's drug table (cpicpgx/cpic-data",
        "#   V2__initial_data.sql, commit c4d51f49, CC0); empty where no stored source gives one (flucloxacillin,",
        "#   flucytosine, quetiapine).",
        "# condition: as in cpic.tsv",
    ],
}


def _wrap(line: str, width: int = 112) -> list[str]:
    """A long '# ...' header line as several, continued with '#   '."""
    words, out, current = line[2:].split(" "), [], "#"
    for word in words:
        if len(current) + 1 + len(word) > width and current.strip("# "):
            out.append(current)
            current = "#  "
        current += " " + word
    return out + [current]


def _write(path: Path, header: list[str], columns: list[str], rows: list[list[str]]) -> None:
    for row in rows:
        assert all("\t" not in cell and "\n" not in cell for cell in row), row
    write_tsv(path, header, columns, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pharmcat-git", type=Path, default=os.environ.get("PGX_PHARMCAT_GIT"),
                        help="a git directory holding PharmCAT's history (commit 0c6123b6), for the DPWG rows")
    parser.add_argument("--fda-git", type=Path, default=os.environ.get("PGX_FDA_BIOMARKER_GIT"),
                        help=f"a git directory of github.com/PharmGKB/fda-biomarker (commit {FDA_PINNED[:8]}), for the FDA rows")
    parser.add_argument("--cpic-data-git", type=Path, default=os.environ.get("PGX_CPIC_DATA_GIT"),
                        help="a git directory of github.com/cpicpgx/cpic-data (commit c4d51f49): RxNorm/ATC of FDA drugs")
    parser.add_argument("--clinpgx-extract", type=Path, default=EXTRACT,
                        help="the pinned extract of ClinPGx guidance (fda_labels.json, DPWG_*.json; README there)")
    args = parser.parse_args(argv)
    for name, what in (("pharmcat_git", "github.com/PharmGKB/PharmCAT"), ("fda_git", "github.com/PharmGKB/fda-biomarker"),
                       ("cpic_data_git", "github.com/cpicpgx/cpic-data")):
        value = getattr(args, name)
        if value is None or not Path(value).is_dir():
            parser.error(f"--{name.replace('_', '-')}: a clone of {what} is needed; found {value!r}")
    if not (args.clinpgx_extract / "fda_labels.json").is_file():
        parser.error(f"--clinpgx-extract: the pinned extract (fda_labels.json, DPWG_*.json) is needed; "
                     f"found no fda_labels.json in {str(args.clinpgx_extract)!r}")
    dpwg_rows, meta = read_dpwg(Path(args.pharmcat_git), CODES, args.clinpgx_extract)
    drug_codes = {**cpic_drug_codes(Path(args.cpic_data_git)), **CODES}
    fda_rows, fda_meta = read_fda(Path(args.fda_git), drug_codes)
    label_rows, label_meta = read_labels(args.clinpgx_extract, drug_codes)
    # label rows first (first match wins: the label's genotype-specific statement before the table's coarser
    # subgroup); a label row with the very condition of an association row of the same drug is left out, the
    # association row answers it (siponimod CYP2C9 *3/*3)
    association = {(r[2], r[5], r[6]) for r in fda_rows}
    kept = [r for r in label_rows if (r[2], r[5], r[6]) not in association]
    shadowed = [f"{r[2]} {r[6]}" for r in label_rows if (r[2], r[5], r[6]) in association]
    fda_header = [line.replace("{collected}", fda_meta["collected"])
                  .replace("{skipped}", "; ".join(fda_meta["skipped"]))
                  .replace("{label_drugs}", ", ".join(label_meta["drugs"]))
                  .replace("{label_data}", label_meta["data_version"])
                  .replace("{label_left_out}", "; ".join(shadowed) + f" (an association row has the same condition); "
                           f"{len(label_meta['unreached'])} rows no fully called key reaches (keys naming 'No Result' "
                           "whose genotypes the rows above already answer)")
                  for line in HEADERS["FDA"]]
    fda_rows = kept + fda_rows
    header = [line.replace("{commit}", meta["commit"]).replace("{versions}", ", ".join(meta["versions"]))
              .replace("{files}", str(meta["files"])).replace("{added}", ", ".join(meta["added"]))
              for line in HEADERS["DPWG"]]
    out = ROOT / "reference" / "guidelines"
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "cpic.tsv", HEADERS["CPIC"], COLUMNS, ROWS["CPIC"])
    _write(out / "dpwg.tsv", header, COLUMNS, dpwg_rows)
    _write(out / "fda.tsv", [line for text in fda_header for line in _wrap(text)], COLUMNS, fda_rows)


if __name__ == "__main__":
    main()
