"""DPWG rows for reference/guidelines/dpwg.tsv, read from PharmGKB's DPWG guideline annotations as
PharmCAT shipped them (reporter/guidelines/DPWG_<drug>_and_<gene>.json at PINNED_COMMIT).

Used by tools/build_guidelines.py. The annotation texts are PharmGKB's (CC BY-SA 4.0); the
implication and recommendation cells written here are pgx's own structured wording: an action
sentence from pgx's fixed templates plus the dose figures the advice names (facts, as short noun
phrases), never DPWG's or PharmGKB's sentences.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

PINNED_SHORT = "0c6123b6"  # 2024-03-25, the last PharmCAT commit with one file per guideline
GUIDELINE_DIR = "src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines"

# drug -> (RxNorm, ATC) for drugs DPWG covers and CPIC does not, from CPIC's drug table as shipped in
# github.com/cpicpgx/cpic-data src/main/resources/db/migration/V2__initial_data.sql (commit
# c4d51f4979ba54ac7e6ccd400ab8562873268a01, 2020-09-10; CC0); the first ATC code listed, empty where
# that table gives none. flucloxacillin, flucytosine, quetiapine and mavacamten are not in that table: empty ids.
DPWG_CODES = {
    "acenocoumarol": ("154", "B01AA07"), "aripiprazole": ("89013", "N05AX12"),
    "brexpiprazole": ("1658314", ""), "eliglustat": ("1547220", ""), "flecainide": ("4441", "C01BC04"),
    "haloperidol": ("5093", "N05AD01"), "lamotrigine": ("28439", "N03AX09"), "metoprolol": ("6918", "C07AB02"),
    "phenprocoumon": ("8150", "B01AA04"), "pimozide": ("8331", "N05AG02"), "propafenone": ("8754", "C01BC03"),
    "risperidone": ("35636", "N05AX08"), "siponimod": ("2121085", ""), "tegafur": ("4582", "L01BC03"),
    "zuclopenthixol": ("114176", "N05AF05"),
    "flucloxacillin": ("", ""), "flucytosine": ("", ""), "quetiapine": ("", ""),
    # from the 2026 extract (tools/fda_label_build.py EXTRACT); mavacamten (approved 2022) is in neither stored
    # source of drug codes: empty ids
    "mavacamten": ("", ""),
}

_SKIP = ("it is not possible", "there is insufficient", "there are no data", "carefully weigh")
_DIRECTIVE = re.compile(r"(use|start|reduce|increase|choose|select|administer|do not|monitor|be |determine|double|"
                        r"prescribe|give|measure|consider|no action|the loading dose|if )")
_AVOID = re.compile(r"\bavoid\b|contra-?indicated|\bdo not use\b")
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?(?:\s?-\s?\d+(?:[.,]\d+)?)?\s?% of the (?:\w+ ){0,2}(?:dose|doses)\b")
_TIMES = re.compile(r"\b\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)? times the (?:standard|normal) dose\b"
                    r"|\b\d+(?:\.\d+)?-fold higher dose\b|\b\d+(?:\.\d+)?x higher\b"
                    r"|\bby a factor of \d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?"
                    r"|\b(?:half|double) (?:of )?the (?:standard|normal) dose\b", re.I)
_MG = re.compile(r"\b\d+(?:\.\d+)?\s?mg(?:/(?:day|month|kg(?: per day)?))?(?: per day)?", re.I)


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def _plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def classify(text: str, term: str | None, dosing: bool, alternative: bool) -> str:
    """pgx's action class for one DPWG annotation, from its text and PharmGKB's flags."""
    low = text.lower()
    if term == "No recommendation" or "does not provide a recommendation" in low:
        return "no_recommendation"
    if not dosing and not alternative and re.search(r"\bno action is (?:needed|required)", low):
        return "standard"
    for sentence in _sentences(low):
        head = re.match(r"^([^:]{0,120}):\s+", sentence)  # a heading such as 'for pain: ' (not '*57:01')
        if head and not re.search(r"alternative|avoid|contra", head.group(1)):
            sentence = sentence[head.end():]
        if not sentence:
            continue
        if sentence.startswith(_SKIP):  # 'weigh the risk ... choose an alternative if possible' (no full stop)
            if re.search(r"if an alternative|alternative is (?:an option|possible|available)", sentence):
                return "consider_alternative"
            continue
        if sentence.startswith(("be alert", "be extra alert", "monitor", "regularly monitor")):
            return "monitor"
        if _AVOID.search(sentence):
            if _PERCENT.search(sentence):
                return "adjust_dose"
            if re.search(r"if an alternative|if possible|or start|alternative is possible|\bor avoid"
                         r"|if there is a suitable alternative", sentence):
                return "consider_alternative"
            return "avoid"
        if "alternative" in sentence:
            return "consider_alternative"
        if not _DIRECTIVE.match(sentence):  # a reason, not advice: read the next sentence
            continue
        break
    if dosing:
        return "adjust_dose"
    if alternative:
        return "consider_alternative"
    return "monitor"


ACTION_TEXT = {
    "avoid": "DPWG advises against {drug} for this genotype, at least in the situation its guideline names.",
    "consider_alternative": "DPWG advises another drug where one is suitable; otherwise {drug} needs the "
                            "precautions its guideline gives.",
    "adjust_dose": "DPWG advises a genotype-guided dose for {drug}.",
    "monitor": "DPWG keeps the dose but asks for closer follow-up of effect and side effects of {drug}.",
    "standard": "DPWG sees no need to act on this genotype for {drug}.",
    "no_recommendation": "DPWG gives no advice for this genotype group of {drug}.",
}
EFFECT_TEXT = {
    "avoid": "clinically relevant gene-drug interaction (serious risk)",
    "consider_alternative": "clinically relevant gene-drug interaction",
    "adjust_dose": "clinically relevant gene-drug interaction affecting the dose",
    "monitor": "gene-drug interaction that calls for monitoring",
    "standard": "no gene-drug interaction that needs action",
    "no_recommendation": "DPWG describes no effect for this group",
}


def _figures(text: str) -> tuple[list[str], list[str]]:
    dose = list(dict.fromkeys(m.group(0).lower() for p in (_PERCENT, _TIMES) for m in p.finditer(text)))
    mg = list(dict.fromkeys(m.group(0).replace(" ", "") for m in _MG.finditer(text)))
    return dose, mg[:6]


def _direction(implication: str) -> str:
    low = implication.lower()
    found = []
    if re.search(r"(increas|higher|elevat)\w*[^.]{0,40}(plasma concentration|exposure)", low):
        found.append("higher plasma concentrations")
    if re.search(r"(reduc|lower|decreas)\w*[^.]{0,40}(plasma concentration|exposure)", low):
        found.append("lower plasma concentrations")
    if re.search(r"(reduc|lower|decreas)\w*[^.]{0,60}(active metabolite|conversion|activation)", low):
        found.append("less conversion")
    if re.search(r"(increas|higher)\w*[^.]{0,60}(active metabolite|conversion)", low):
        found.append("more conversion")
    if re.search(r"risk of", low):
        found.append("a raised risk of side effects")
    return ", ".join(found)


def recommendation_text(drug: str, action: str, text: str, alternative: bool, conditional: bool) -> str:
    parts = [ACTION_TEXT[action].format(drug=drug)]
    dose, mg = _figures(text) if action not in ("standard", "no_recommendation") else ([], [])
    if dose:
        parts.append("Dose change named: " + "; ".join(dose) + ".")
    if mg:
        parts.append("Doses named: " + ", ".join(mg) + ".")
    if alternative and action in ("avoid", "consider_alternative", "adjust_dose", "monitor"):
        parts.append("The guideline names alternative drugs.")
    if conditional:
        parts.append("The advice depends on the indication or situation; read the guideline.")
    return " ".join(parts)


def _conditional(text: str) -> bool:
    head = text.split(": ", 1)[0] if ": " in text[:200] else ""
    return bool(head) and (head.lower().startswith(("if ", "for ", "indication", "co-medication", "doses higher"))
                           or sum(w.isupper() and len(w) > 2 for w in head.split()) >= 2)


def _key_terms(gene: str, key) -> tuple[str, str, float | None]:
    """(condition term, group label, sort score) of one lookup key."""
    if isinstance(key, dict):  # a diplotype: allele -> count
        alleles = [a for a, n in sorted(key.items()) for _ in range(int(n))]
        diplotype = "/".join(alleles)
        return f"diplotype:{gene}={diplotype}", f"{gene} {diplotype}", None
    if gene.startswith("HLA-"):
        if key == "1511 and 1502":
            return f"{gene}=*15:02 positive;{gene}=*15:11 positive", f"{gene} *15:02 and *15:11 positive", None
        return f"{gene}={key}", f"{gene} {key}", None
    match = re.fullmatch(r"(≥)?(\d+(?:\.\d+)?)(?: \((.+)\))?", key)
    if match:
        return "", key, float(match.group(2))
    return f"{gene}={key}", f"{gene} {key}", None


def _number(x: float) -> str:
    return f"{x:g}"


def read_dpwg(git_dir: Path, codes: dict[str, tuple[str, str]],
              extract: Path | None = None) -> tuple[list[list[str]], dict]:
    """Rows (COLUMNS order) for every DPWG annotation in the pinned copy, then for the DPWG guidelines of the
    pinned 2026 extract (``extract``/DPWG_*.json, see tools/fda_label_build.py EXTRACT), and provenance facts."""
    commit = _git(git_dir, "rev-parse", PINNED_SHORT).strip()
    names = [n for n in _git(git_dir, "ls-tree", "--name-only", f"{commit}:{GUIDELINE_DIR}").split()
             if n.startswith("DPWG_")]
    docs = [(name, json.loads(_git(git_dir, "show", f"{commit}:{GUIDELINE_DIR}/{name}"))) for name in sorted(names)]
    added = sorted(extract.glob("DPWG_*.json")) if extract is not None else []
    pinned = {(d["guideline"]["relatedChemicals"][0]["name"], d["guideline"]["relatedGenes"][0]["symbol"]) for _, d in docs}
    for path in added:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = (data["guideline"]["relatedChemicals"][0]["name"], data["guideline"]["relatedGenes"][0]["symbol"])
        if key in pinned:
            raise ValueError(f"{path}: {key} is already in the pinned PharmCAT copy")
        docs.append((path.name, data))
    rows: list[list[str]] = []
    versions = set()
    for name, data in docs:
        guideline = data["guideline"]
        if name in names:  # the 2024 copy; the extract's data version is named in the header apart
            versions.add(data["version"])
        gene = guideline["relatedGenes"][0]["symbol"]
        citations = ", ".join(f"PMID {c['pmid']} ({c['year']})" for c in data.get("citations") or [])
        version = (f"PharmGKB annotation {guideline['id']} v{guideline['version']} "
                   f"(data {data['version'][:7]}){'; ' + citations if citations else ''}")  # month, as CPIC's rows
        drugs = [c["name"] for c in guideline["relatedChemicals"]]
        recs = data["recommendations"] or []
        # one row per lookup key, then lookup keys with the same advice joined (CYP2D6 scores)
        by_key: dict[str, dict] = {}
        for rec in recs:
            key = rec["lookupKey"][gene]
            text = _plain(rec["text"]["html"])
            term = (rec.get("classification") or {}).get("term") or "N/A"  # a missing term is PharmGKB's N/A
            action = classify(text, term, rec["dosingInformation"], rec["alternateDrugAvailable"])
            implication = " ".join(rec.get("implications") or [])
            cond, label, score = _key_terms(gene, key)
            entry = {"cond": cond, "label": label, "score": score, "ge": isinstance(key, str) and key.startswith("≥"),
                     "action": action, "term": term, "text": text, "implication": implication,
                     "alt": rec["alternateDrugAvailable"], "key": key}
            slot = json.dumps(key, sort_keys=True) if score is None else _number(score) + ("+" if entry["ge"] else "")
            if slot in by_key:  # DPYD 1.0 as IM (one no-function allele) and as 'Phenotyping' (two decreased)
                by_key[slot] = _merge(by_key[slot], entry)
            else:
                by_key[slot] = entry
        entries = list(by_key.values())
        scored = sorted((e for e in entries if e["score"] is not None), key=lambda e: (e["score"], e["ge"]))
        other = [e for e in entries if e["score"] is None]
        # diplotype rows before phenotype rows (first match wins); two-allele HLA rows first
        other.sort(key=lambda e: (not e["cond"].startswith("diplotype:"), e["cond"].count(";") == 0, e["cond"]))
        groups = []
        for e in scored:
            sig = (e["action"], e["text"], e["term"])
            if groups and groups[-1]["sig"] == sig:
                groups[-1]["hi"] = e["score"]
                groups[-1]["ge"] = e["ge"]
                groups[-1]["keys"].append(e["key"])
            else:
                groups.append({"sig": sig, "lo": e["score"], "hi": e["score"], "ge": e["ge"], "e": e, "keys": [e["key"]]})
        for i, g in enumerate(groups):
            # an open-ended key ('>=3.0') reaches to infinity only in the last group
            g["ge"] = g["ge"] and i == len(groups) - 1
            hi = "inf" if g["ge"] else _number(g["hi"])
            g["e"]["cond"] = f"activity:{gene}={_number(g['lo'])}..{hi}"
            g["e"]["label"] = f"{gene} activity score {_number(g['lo'])}" + (
                " or more" if g["ge"] else "" if g["lo"] == g["hi"] else f" to {_number(g['hi'])}")
        ordered = [g["e"] for g in groups] + other
        for drug in drugs:
            rxnorm, atc = {**codes, **DPWG_CODES}[drug]
            for e in ordered:
                cls = "no recommendation" if e["term"] == "No recommendation" else "not graded"
                direction = _direction(e["implication"])
                implication = f"{e['label']}: {EFFECT_TEXT[e['action']]}" + (f" ({direction})" if direction and
                                                                            e["action"] not in ("standard", "no_recommendation") else "") + "."
                if "pair" in e:
                    one, two = e["pair"]
                    rec = ("From one no-function allele: " + recommendation_text(drug, one["action"], one["text"], one["alt"],
                                                                                  _conditional(one["text"]))
                           + " From two decreased-function alleles (DPWG asks for a DPD activity test): "
                           + recommendation_text(drug, two["action"], two["text"], two["alt"], _conditional(two["text"])))
                else:
                    rec = recommendation_text(drug, e["action"], e["text"], e["alt"], _conditional(e["text"]))
                rows.append(["DPWG", version, drug, rxnorm, atc, gene, e["cond"], implication, rec, cls, e["action"]])
    return rows, {"commit": commit, "versions": sorted(versions), "files": len(names),
                  "added": [f"{d['guideline']['relatedChemicals'][0]['name']} ({d['guideline']['relatedGenes'][0]['symbol']}, "
                            f"{d['guideline']['id']} v{d['guideline']['version']})" for n, d in docs if n not in names]}


_SEVERITY = ("avoid", "consider_alternative", "adjust_dose", "monitor", "standard", "no_recommendation")


def _merge(a: dict, b: dict) -> dict:
    """Two annotations for one score (DPYD 1.0 from one no-function or two decreased-function alleles)."""
    first, second = sorted((a, b), key=lambda e: "Phenotyping" in str(e["key"]))
    action = min(first["action"], second["action"], key=_SEVERITY.index)
    merged = dict(first)
    merged["action"] = action
    merged["term"] = first["term"] or second["term"]
    merged["text"] = first["text"] + " || " + second["text"]
    merged["pair"] = (first, second)
    return merged
