"""FDA rows for reference/guidelines/fda.tsv, read from the FDA Table of Pharmacogenetic Associations as
PharmGKB scraped it into github.com/PharmGKB/fda-biomarker fda_pgx_associations_table.json (commit PINNED,
content collected 2021-03-22).

Used by tools/build_guidelines.py. The FDA table is a US government work; its descriptions are still
not copied: the implication and recommendation cells are pgx's structured wording (the effects the
description names, an action sentence from fixed templates and the dose figures it gives).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

PINNED = "53068f2715541abf2cca5fbae4de16d1ed948657"
FILE = "fda_pgx_associations_table.json"
SECTIONS = {
    "recommendation": "therapeutic management recommended",
    "impact": "potential impact on safety or response",
    "pk": "pharmacokinetic impact only",
}
# FDA subgroup words -> the phenotype words pgx's calls use (with the 'Likely'/'Possible' forms CPIC gives)
_PHENOTYPE = {
    "ultrarapid": ["Ultrarapid Metabolizer"],
    "normal": ["Normal Metabolizer"],
    "intermediate": ["Intermediate Metabolizer", "Likely Intermediate Metabolizer", "Possible Intermediate Metabolizer"],
    "poor": ["Poor Metabolizer", "Likely Poor Metabolizer"],
}
_TRANSPORTER = {"intermediate": ["Decreased Function", "Possible Decreased Function"], "poor": ["Poor Function"]}
# CPIC drug table (cpicpgx/cpic-data V2__initial_data.sql, commit c4d51f49, CC0): name -> (RxNorm, first ATC)
CPIC_DATA_COMMIT = "c4d51f4979ba54ac7e6ccd400ab8562873268a01"


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def cpic_drug_codes(git_dir: Path) -> dict[str, tuple[str, str]]:
    sql = _git(git_dir, "show", f"{CPIC_DATA_COMMIT}:src/main/resources/db/migration/V2__initial_data.sql")
    block = sql.split("COPY drug (", 1)[1].split("\n\\.", 1)[0].splitlines()[1:]
    codes = {}
    for line in block:
        cells = line.split("\t")
        if len(cells) >= 6 and cells[3].isdigit():
            atc = cells[5].strip("{}").split(",")[0].strip('"')
            codes[cells[1].lower()] = (cells[3], atc if re.fullmatch(r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}", atc) else "")
    return codes


def conditions(gene: str, subgroup: str) -> list[tuple[str, str]] | None:
    """(gene, condition) pairs for one FDA row; None when pgx cannot express the subgroup."""
    text = subgroup.lower()
    genes = ["TPMT", "NUDT15"] if gene == "TPMT and/or NUDT15" else [gene]
    if not re.fullmatch(r"[A-Z0-9-]+", genes[0]):  # 'Nonspecific (NAT)': no gene to test
        return None
    if m := re.fullmatch(r"(\*\d+:\d+) allele positive", text):
        return [(genes[0], f"{genes[0]}={m.group(1)} positive")]
    if m := re.fullmatch(r"(\*\d+)/(\*\d+) \(poor metabolizers\)", text):
        return [(genes[0], f"diplotype:{genes[0]}={m.group(1)}/{m.group(2)}")]
    if gene == "VKORC1" and text == "-1639g>a variant carriers":
        return [(gene, "VKORC1=-1639 AA|-1639 AG")]
    table = _TRANSPORTER if "transporter" in text else _PHENOTYPE
    words = [w for w in ("ultrarapid", "normal", "intermediate", "poor") if w in text]
    if not words or ("metaboliz" not in text and "transporter" not in text):
        return None  # e.g. CYP4F2 'V433M variant carriers': pgx gives CYP4F2 no phenotype to match
    values = "|".join(v for w in words for v in table[w])
    return [(g, f"{g}={values}") for g in genes]


_WORDS = ("ultrarapid", "normal", "intermediate", "poor")
_COMEDICATION = re.compile(r"coadministration|taking an? |inhibitor", re.I)


def _sentences(text: str) -> list[str]:
    # 'no dosage has proven safe in poor metabolizers, and insufficient data ... in intermediate metabolizers'
    return [x for x in re.split(r"(?<=[.;])\s+|,? and (?=insufficient)", text) if x]


def classify(text: str, section: str) -> str:
    """pgx's action class for one FDA description (or the part of it about one subgroup). Sentences
    about a narrower population (children, juvenile arthritis) count only when no other sentence
    gives advice; a contraindication that needs a co-medication does not make the genotype 'avoid'."""
    sentences = [x for x in _sentences(text) if not (_COMEDICATION.search(x) and re.search(
        r"contraindicated|avoid", x, re.I))]
    general = [x for x in sentences if not re.search(r"children|juvenile|adolescents", x, re.I)]
    low = " ".join(general if any(_ADVICE.search(x) for x in general) else sentences).lower()
    if re.search(r"contraindicated|do not use|avoid use|no dosage has proven safe", low):
        return "avoid"
    if re.search(r"alternative|another platelet", low):
        return "consider_alternative"
    if re.search(r"no dos\w* adjustment is needed", low):
        return "standard"
    if re.search(r"dosage adjustment|dose reduction|dosage reduction|reduc\w+ (?:the )?(?:starting )?dos|"
                 r"reduced dosage|starting dosage|maximum recommended|should not exceed|adjust (?:dosage|titration)|"
                 r"initial dosage|half of|recommended dosage|adjust dos|dosages? should|titrate", low):
        return "adjust_dose"
    if re.search(r"monitor|caution|measure", low):
        return "monitor"
    return "no_recommendation" if section == "pk" else "monitor"


_ADVICE = re.compile(r"contraindicated|do not use|avoid|alternative|another|dos|monitor|caution|measure|titrat", re.I)


def _effects(text: str) -> list[str]:
    low = text.lower()
    found = []
    if re.search(r"(results in|may result in) higher systemic (?:and breast milk )?(?:parent drug |active )?"
                 r"(?:metabolite )?concentration", low):
        found.append("higher drug or metabolite levels")
    if re.search(r"lower systemic", low):
        found.append("lower drug or active metabolite levels")
    if re.search(r"(alters|may alter|may affect|affect) (?:systemic|dosage)", low):
        found.append("altered drug levels or dose needs")
    if m := re.search(r"higher adverse reaction risk(?: \(([^)]+)\))?", text, re.I) or re.search(
            r"adverse reaction risk(?: \(([^)]+)\))?", text, re.I):
        found.append("more adverse reactions" + (f" ({m.group(1)})" if m.group(1) else ""))
    if re.search(r"reduced efficacy|lower antiplatelet response|rejection risk|not achieve adequate", low):
        found.append("less effect")
    return found or ["an association the FDA lists"]


ACTION_TEXT = {
    "avoid": "FDA labeling: do not use {drug} in this group (or only where the label allows it).",
    "consider_alternative": "FDA: consider another drug or therapy for this group.",
    "adjust_dose": "FDA: this group needs a different dose of {drug} (lower start, reduction, a cap or titration).",
    "monitor": "FDA: no dose change stated; watch for adverse reactions or response to {drug}.",
    "no_recommendation": "FDA: an effect on drug levels only; no prescribing advice given.",
    "standard": "FDA: no dose change needed for {drug} in this group.",
}


def recommendation_text(drug: str, action: str, text: str) -> str:
    parts = [ACTION_TEXT[action].format(drug=drug)]
    figures = list(dict.fromkeys(m.group(0).replace(" ", "") for m in re.finditer(
        r"\b\d+(?:\.\d+)?\s?(?:mg(?:/(?:m2|kg|day))?|%)", text)))
    if figures:
        parts.append("Figures named: " + ", ".join(figures) + ".")
    if re.search(r"children|adolescents|adult patients|juvenile", text, re.I):
        parts.append("The statement differs by age group; read the label.")
    if "regardless of genotype" in text.lower():
        parts.append("The monitoring applies whatever the genotype.")
    if re.search(r"fda labeling", text, re.I):
        parts.append("The label gives the doses.")
    return " ".join(parts)


def split_by_subgroup(gene: str, subgroup: str, text: str) -> list[tuple[str, str]]:
    """(subgroup, text) parts: a description that gives different advice for the subgroup's
    metabolizer groups (azathioprine: 'consider alternative therapy in poor metabolizers. Dosage
    reduction is recommended in intermediate metabolizers') or for one diplotype (siponimod '*3/*3')
    becomes one part per group, each with the sentences about it and the general ones."""
    sentences = _sentences(text)
    words = [w for w in _WORDS if w in subgroup.lower()]
    parts: list[tuple[str, str]] = []
    genotype = [x for x in sentences if re.search(r"\*\d+/\*\d+", x)]
    if genotype and not re.search(r"\*\d+/\*\d+", subgroup):
        named = re.search(r"\*\d+/\*\d+", genotype[0]).group(0)
        general = [x for x in sentences if not re.search(r"(ultrarapid|normal|intermediate|poor) metaboli", x, re.I)]
        parts.append((f"{named} (poor metabolizers)", " ".join(general)))
        sentences = [x for x in sentences if x not in genotype]
    if len(words) < 2:
        return parts + [(subgroup, " ".join(sentences))]
    about = {w: [x for x in sentences if re.search(rf"{w} metaboli", x, re.I)] for w in words}
    specific = {x for xs in about.values() for x in xs if sum(x in about[v] for v in words) == 1}
    if not specific:
        return parts + [(subgroup, " ".join(sentences))]
    groups: dict[str, list[str]] = {}
    for w in words:
        kept = " ".join(x for x in sentences if x not in specific or x in about[w])
        groups.setdefault(kept, []).append(w)
    for kept, ws in groups.items():
        noun = "function transporters" if "transporter" in subgroup else "metabolizers"
        parts.append((" or ".join(ws) + " " + noun, kept))
    return parts


def read_fda(git_dir: Path, codes: dict[str, tuple[str, str]]) -> tuple[list[list[str]], dict]:
    """Rows (COLUMNS order) for every FDA association pgx can express, and what was left out."""
    data = json.loads(_git(git_dir, "show", f"{PINNED}:{FILE}"))
    collected = data["collectedOn"][:10]
    rows, skipped = [], []
    for entry in data["table"]:
        drug = " ".join(entry["Drug"].lower().split())
        gene, subgroup, text = entry["Gene"], entry["Affected Subgroups+"], entry["Description of Gene-Drug Interaction"]
        if conditions(gene, subgroup) is None:
            skipped.append(f"{drug} ({gene}: {subgroup})")
            continue
        section = SECTIONS[entry["table"]]
        rxnorm, atc = codes.get(drug, ("", ""))
        # month precision, as the CPIC rows: a full date in a report reads as a possible patient date
        version = f"FDA Table of Pharmacogenetic Associations, content collected {collected[:7]} ({section})"
        for part, part_text in split_by_subgroup(gene, subgroup, text):
            action = classify(part_text, entry["table"])
            implication = f"{part}: " + ", ".join(_effects(text)) + "."
            recommendation = recommendation_text(drug, action, part_text)
            if part_text != text:
                recommendation += " The FDA gives other advice for the rest of the subgroup it names."
            if any(_COMEDICATION.search(x) and re.search(r"contraindicated|avoid", x, re.I) for x in _sentences(text)):
                recommendation += " With some co-medications the label says not to use it."
            for g, condition in conditions(gene, part) or []:
                rows.append(["FDA", version, drug, rxnorm, atc, g, condition, implication, recommendation,
                             section, action])
    return rows, {"collected": collected, "skipped": skipped, "source_url": data["sourceUrl"], "rows": len(data["table"])}
