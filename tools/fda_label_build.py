"""FDA drug-label rows for reference/guidelines/fda.tsv, read from ClinPGx's (PharmGKB's) FDA label annotations
as PharmCAT ships them in reporter/prescribing_guidance.json, through a pinned hand extract (EXTRACT, made
from the fork madhavajay/PharmCAT at commit SOURCE_COMMIT; the README next to it says which pages were read).

Used by tools/build_guidelines.py. Each label annotation gives, per lookup key (the phenotype, activity
score, HLA allele status or diplotype of each gene, or 'No Result' where that gene is not called), the
label text ClinPGx quotes and three flags. The rows written here carry pgx's own wording: an action
sentence from fixed templates, the dose figures the text names, never the label's or ClinPGx's sentences.

Conditions: a key of one gene becomes one term; 'No Result' becomes ``GENE=*`` (the advice holds whatever
that gene is); keys with the same text that differ in one gene are joined (phenotypes with ``|``, activity
scores into closed ranges of that gene's score step). Rows of keys naming 'No Result' come first, then the
fully called keys, as the source lists them; the builder then evaluates every fully called key of the source
against the rows (first match wins, as pgx.recommend does), fails if one gets another text than the source
gives it, and drops rows that no fully called key reaches.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

EXTRACT = Path("/work/pinned/clinpgx-guidance-162d746c")
SOURCE_COMMIT = "162d746c3366438e72885eaa8ad68f6a550b8741"
SOURCE = ("ClinPGx (PharmGKB) FDA label annotations in PharmCAT reporter/prescribing_guidance.json "
          f"(github.com/madhavajay/PharmCAT, a fork of PharmGKB/PharmCAT, commit {SOURCE_COMMIT})")
_STEP = {"CYP2D6": 0.25, "CYP2C9": 0.5}  # activity-score grid of the genes keyed by score
_ANY = "*"
_NOT_CALLED = ("No Result",)
_SKIP_VALUES = ("n/a",)  # a score PharmCAT cannot compute: pgx never calls it


def _value(gene: str, raw) -> object:
    """One gene's part of a lookup key as a comparable value: '*', a float score, 'diplotype *a/*b' or a word."""
    if isinstance(raw, dict):
        if gene == "VKORC1":  # the label text pairs GG with rs9923231 CC, AG with TC, AA with TT
            variant = sum(int(n) for allele, n in raw.items() if "variant (T)" in allele)
            return "-1639 " + ("GG", "AG", "AA")[variant]
        alleles = sorted(a for a, n in raw.items() for _ in range(int(n)))
        return "diplotype " + "/".join(alleles)
    if raw in _NOT_CALLED:
        return _ANY
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return float(raw)
    return raw


def _term(gene: str, values: list) -> str:
    first = values[0]
    if first == _ANY:
        return f"{gene}=*"
    if isinstance(first, float):
        return f"activity:{gene}={min(values):g}..{max(values):g}"
    if isinstance(first, str) and first.startswith("diplotype "):
        return f"diplotype:{gene}={first.split(' ', 1)[1]}"
    return f"{gene}=" + "|".join(values)


def _runs(values: list[float], step: float) -> list[list[float]]:
    runs: list[list[float]] = []
    for v in sorted(set(values)):
        if runs and abs(v - runs[-1][-1] - step) < 1e-9:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def _merge(genes: list[str], keys: list[tuple]) -> list[list[list]]:
    """Keys (tuples of values, one per gene) with one text -> rows (one list of values per gene)."""
    rows = [[[v] for v in key] for key in keys]
    changed = True
    while changed:
        changed = False
        for g, gene in enumerate(genes):
            groups: dict[tuple, list[int]] = {}
            for i, row in enumerate(rows):
                others = tuple(tuple(map(str, row[j])) for j in range(len(genes)) if j != g)
                groups.setdefault(others, []).append(i)
            for members in groups.values():
                values = [v for i in members for v in rows[i][g]]
                if len(members) < 2 or _ANY in values or len({type(v) for v in values}) > 1:
                    continue
                if isinstance(values[0], str) and values[0].startswith("diplotype "):
                    continue  # diplotypes are not joined: one row each
                if isinstance(values[0], float):
                    runs = _runs(values, _STEP.get(gene, 0.5))
                    if len(runs) == len(members):
                        continue
                    merged = [[*rows[members[0]][:g], run, *rows[members[0]][g + 1:]] for run in runs]
                else:
                    merged = [[*rows[members[0]][:g], list(dict.fromkeys(values)), *rows[members[0]][g + 1:]]]
                rows = [r for i, r in enumerate(rows) if i not in members] + merged
                changed = True
                break
            if changed:
                break
    return rows


def _matches(row: list[list], key: tuple) -> bool:
    for values, v in zip(row, key):
        if values[0] == _ANY:
            continue
        if isinstance(values[0], float):
            if not (isinstance(v, float) and min(values) - 1e-9 <= v <= max(values) + 1e-9):
                return False
        elif v not in values:
            return False
    return True


def classify(text: str, dosing: bool, alternative: bool, other: bool) -> str:
    """pgx's action class for one label annotation, from its text and ClinPGx's flags."""
    low = text.lower()
    if "consider avoiding" in low:
        return "consider_alternative"
    if "contraindicat" in low:  # 'is contraindicated', 'CONTRAINDICATIONS: ...'
        return "avoid"
    if dosing:
        return "adjust_dose"
    if alternative:
        return "consider_alternative"
    if other or re.search(r"caution|monitor", low):
        return "monitor"
    return "standard"


ACTION_TEXT = {
    "avoid": "The FDA-approved label of {drug} says not to use it in this genotype group.",
    "consider_alternative": "The FDA-approved label of {drug} asks to consider another drug for this genotype group.",
    "adjust_dose": "The FDA-approved label of {drug} gives a genotype-specific dose, cap or titration for this group.",
    "monitor": "The FDA-approved label of {drug} asks for caution in this genotype group.",
    "standard": "The FDA-approved label of {drug} gives its usual dosing for this genotype group.",
}
_MG = re.compile(r"\b\d+(?:\.\d+)?(?:\s?(?:-|to)\s?\d+(?:\.\d+)?)?\s?(?:mg|mcg/mL)(?:/(?:day|kg/day))?", re.I)


def recommendation_text(drug: str, action: str, text: str) -> str:
    parts = [ACTION_TEXT[action].format(drug=drug)]
    figures = list(dict.fromkeys(re.sub(r"\s?(-|to)\s?", r" \1 ", m.group(0)).replace(" - ", "-") for m in _MG.finditer(text)))
    if figures:
        parts.append("Figures named: " + ", ".join(figures) + ".")
    if re.search(r"cyp3a4 inhibitor|co-?medication|coadministration", text, re.I):
        parts.append("Co-medication changes the advice.")
    parts.append("From ClinPGx's annotation of the label; read the label for the full statement.")
    return " ".join(parts)


def implication_text(group: str, drug: str, text: str) -> str:
    low = text.lower()
    found = []
    if "malignant hyperthermia" in low:
        found.append("risk of malignant hyperthermia")
    if "hla-b*1502" in low:
        found.append("HLA-B*15:02 carriers named")
    if re.search(r"lower doses|increased phenytoin serum|higher in patients", low):
        found.append("higher drug levels or lower dose needs")
    if "maintenance daily dose" in low:
        found.append("expected maintenance dose range")
    if "cholinesterase" in low:
        found.append("BCHE deficiency also named")
    return f"{group}: named in the pharmacogenomic statement of the {drug} label" + (
        f" ({', '.join(found)})" if found else "") + "."


def _group_label(genes: list[str], row: list[list]) -> str:
    parts = []
    for gene, values in zip(genes, row):
        if values[0] == _ANY:
            continue
        if isinstance(values[0], float):
            lo, hi = min(values), max(values)
            parts.append(f"{gene} activity score {lo:g}" + (f" to {hi:g}" if hi > lo else ""))
        elif isinstance(values[0], str) and values[0].startswith("diplotype "):
            parts.append(f"{gene} {values[0].split(' ', 1)[1]}")
        else:
            parts.append(f"{gene} " + " or ".join(values))
    return "; ".join(parts)


def read_labels(folder: Path, codes: dict[str, tuple[str, str]]) -> tuple[list[list[str]], dict]:
    """Rows (COLUMNS order) for every label annotation in the extract, and provenance facts."""
    doc = json.loads((folder / "fda_labels.json").read_text(encoding="utf-8"))
    data = doc["data_version"][:7]
    out: list[list[str]] = []
    dropped = []
    for label in doc["labels"]:
        drug = label["drug"]
        genes = list(dict.fromkeys(g for rec in label["recommendations"] for key in rec["keys"] for g in key))
        version = (f"FDA label annotation {label['id']} v{label['version']} ({label['citation']}; "
                   f"ClinPGx data {data})")
        texts: list[tuple[str, list[tuple]]] = []  # (text, keys) in source order
        flags = {}
        for rec in label["recommendations"]:
            keys = [tuple(_value(g, key.get(g, "No Result")) for g in genes) for key in rec["keys"]
                    if not any(key.get(g) in _SKIP_VALUES for g in genes)]
            text = html.unescape(rec["text"])
            texts.append((text, keys))
            flags[text] = (rec["dosing"], rec["alternate"], rec["other"])
        ordered: list[tuple[str, list[list]]] = []
        for with_any in (True, False):
            for text, keys in texts:
                part = [k for k in keys if (_ANY in k) == with_any]
                ordered += [(text, row) for row in _merge(genes, part)] if part else []
        # evaluate every fully called key: first matching row must carry its text
        reached = set()
        for text, keys in texts:
            for key in keys:
                if _ANY in key:
                    continue
                hit = next(i for i, (_, row) in enumerate(ordered) if _matches(row, key))
                if ordered[hit][0] != text:
                    raise ValueError(f"{drug} {dict(zip(genes, key))}: rows give another text than the source")
                reached.add(hit)
        for i, (text, row) in enumerate(ordered):
            if i not in reached:
                dropped.append(f"{drug} {_term_string(genes, row)}")
                continue
            action = classify(text, *flags[text])
            rxnorm, atc = codes.get(drug, ("", ""))
            out.append(["FDA", version, drug, rxnorm, atc, ";".join(genes), _term_string(genes, row),
                        implication_text(_group_label(genes, row), drug, text),
                        recommendation_text(drug, action, text), "not graded", action])
    return out, {"data_version": doc["data_version"], "labels": [l["id"] for l in doc["labels"]],
                 "drugs": [l["drug"] for l in doc["labels"]], "unreached": dropped}


def _term_string(genes: list[str], row: list[list]) -> str:
    return ";".join(_term(g, values) for g, values in zip(genes, row))
