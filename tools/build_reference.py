#!/usr/bin/env python3
"""Build pgx's curated pharmacogene tables and ``reference/MANIFEST.json``.

Reads the PyPGx 0.27.0 data tables (MIT licence; PyPGx compiles PharmVar and CPIC),
applies the corrections listed in ``CORRECTIONS`` below (each one found by
cross-checking against CPIC's definitions as redistributed by PharmCAT, and each one
naming where it was seen), and writes one folder per gene under
``reference/pharmacogenes/``. Then it rewrites ``reference/MANIFEST.json`` with a
sha256 for every file under ``reference/``.

Usage::

    python tools/build_reference.py [--pypgx-data DIR] [--out reference] [--manifest-only]

The PyPGx wheel is fetched with ``pip download --no-deps pypgx==0.27.0`` and unzipped;
its tables live in ``pypgx/api/data/``. Every write goes to a temporary file first and
is renamed into place, so a failed run leaves no half-written table.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic, write_tsv  # noqa: E402
import cpic_source  # noqa: E402

# the CPIC data version travels in the version string, so every output that stamps the
# reference version (HTML, JSON, FHIR, TSV, audit records) names it
REFERENCE_VERSION = "2026.12.0+cpic.2025.11"
RETRIEVED = "2026-11-28"
CPIC_RETRIEVED = "2026-12-06"
PYPGX = "PyPGx 0.27.0 data tables (pypgx/api/data/*.csv; compiled from PharmVar and CPIC)"
PYPGX_VERSION = "pypgx==0.27.0"
PYPGX_LICENCE = "MIT (PyPGx)"
PHARMCAT = "PharmCAT (github.com/PharmGKB/PharmCAT) CPIC-derived definition and phenotype files"
PHARMCAT_TRANSLATION = ("definition/alleles/<GENE>_translation.json, data version 2025-03-07-16-38 "
                        "(commit 453a009004c82c55d6957c59c89ac0c7a482f758)")
PHARMCAT_PHENOTYPE = ("phenotype/cpic/<GENE>.json (commit 0c24c4f0707a925c216495a9bc6b500edd966a53; "
                      "G6PD 209032d03b03d57e4cdabc531bd33debb0c26b6d; NAT2 7767b0af2238d025bf9f6715a50ab4578fe3f97f); "
                      "phenotype/VKORC1.json version 2025-11-05-00-25")
PHARMCAT_LICENCE = "MPL-2.0 (PharmCAT); CPIC data CC0-1.0"

GENES = ["ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP2D6", "CYP3A4", "CYP3A5",
         "CYP4F2", "DPYD", "G6PD", "IFNL3", "MT-RNR1", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT",
         "UGT1A1", "VKORC1"]

# PyPGx's function words -> CPIC's (sentence case, as in CPIC's allele functionality tables).
FUNCTION_WORDS = {
    "Normal Function": "Normal function",
    "Decreased Function": "Decreased function",
    "No Function": "No function",
    "Increased Function": "Increased function",
    "Uncertain Function": "Uncertain function",
    "Unknown Function": "Unknown function",
    "Malignant Hyperthermia Associated": "Malignant Hyperthermia associated",
    "Class I (Deficient with CNSHA)": "I/Deficient with CNSHA",
    "Class II (Deficient)": "II/Deficient",
    "Class III (Deficient)": "III/Deficient",
    "Class IV (Normal)": "IV/Normal",
}

_MT_INCREASED = {"1095T>C", "1494C>T", "1555A>G"}
_MT_NORMAL = {"827A>G"}

# Corrections from the CPIC/PharmCAT cross-check. Each entry says what changes and where
# the fact was seen; tools/build_reference.py applies them and fails if one no longer applies.
CORRECTIONS: dict[str, dict] = {
    "CYP2C19": {
        "note": "CPIC's reference allele is *38; *1 carries rs3758581 (g.94842866A>G), and so do all "
                "alleles CPIC lists with it (PharmCAT CYP2C19_translation.json positionToAlleles['94842866']). "
                "*39 is 'Uncertain function' (PharmCAT phenotype/cpic/CYP2C19.json).",
        "reference": "*38",
        "add_variant": {
            "10-94842866-A-G": ["*2", "*3", "*4", "*5", "*6", "*7", "*8", "*9", "*10", "*11", "*12",
                                "*13", "*14", "*15", "*17", "*18", "*19", "*22", "*23", "*24", "*25",
                                "*26", "*28", "*29", "*31", "*32", "*33", "*35", "*39"],
        },
        "function": {"*39": "Uncertain function"},
    },
    "NAT2": {
        "note": "PyPGx writes NAT2 alleles against the GRCh38 sequence, which carries rs1208 803G; CPIC's "
                "reference allele is *4 (803A), so *4 gets no defining variant and *12 gets 803A>G. "
                "Functions from PharmCAT phenotype/cpic/NAT2.json; alleles it does not list stay "
                "'Unknown function'.",
        "reference": "*4",
        "flip_reference_variant": "8-18400806-G-A",
        "function": {"*4": "Increased function", "*5": "Decreased function", "*6": "Decreased function",
                     "*7": "Decreased function", "*10": "Uncertain function", "*14": "Decreased function",
                     "*19": "Decreased function", "*21": "Uncertain function"},
    },
    "G6PD": {
        "note": "CPIC's B (reference) carries c.1311C (rs2230037, plus-strand G, as GRCh37); GRCh38 carries "
                "1311T and PyPGx's GRCh38 rows are written against it: 'Mediterranean, Dallas, ...' lists "
                "X-154532439-A-G (a return to the B base, removed) and alleles carrying 1311T omit it. Here "
                "1311T (X-154532439 G>A relative to B) is a defining variant of exactly the alleles whose "
                "GRCh37 row lists it (X-153760654-G-A). "
                "Function words as PharmCAT phenotype/cpic/G6PD.json; PyPGx 'Unknown Function' alleles "
                "take PharmCAT's class. The 'MALE' pseudo-allele is dropped (gene.tsv hemizygous_chrom).",
        "reference": "B (reference)",
        "remove_variant": {"X-154532439-A-G": ["Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"]},
        "drop_alleles": ["MALE"],
        "add_variant_from_grch37": {"X-154532439-G-A": "X-153760654-G-A"},
        "function": {"Cairo": "II/Deficient", "No name": "I/Deficient with CNSHA", "Gidra": "Uncertain function",
                     "Gond": "Uncertain function", "Dagua": "Uncertain function", "Papua": "Uncertain function",
                     "Yunan": "Uncertain function", "Laibin": "Uncertain function"},
    },
    "CFTR": {
        "note": "CPIC describes CFTR alleles as 'ivacaftor responsive' / 'ivacaftor non-responsive' "
                "(PharmCAT phenotype/cpic/CFTR.json); every PyPGx CFTR variant allele except F508del is "
                "listed there as responsive.",
        "function_default": "ivacaftor responsive",
        "function": {"Reference": "ivacaftor non-responsive", "F508del": "ivacaftor non-responsive"},
    },
    "MT-RNR1": {
        "note": "Functions from PharmCAT phenotype/cpic/MT_RNR1.json (by position; PyPGx names carry 'm.').",
        "function_mt": True,
    },
    "VKORC1": {
        "note": "Allele functions and genotype phenotypes from PharmCAT phenotype/VKORC1.json.",
        "function": {"Reference": "Normal coumarin sensitivity", "rs9923231": "Higher coumarin sensitivity"},
    },
}

# Activity values checked against PharmCAT phenotype/cpic/CYP2C9.json ("activityValues"); the
# build fails if PyPGx disagrees. Alleles not listed are 'n/a' there.
CYP2C9_ACTIVITY = {
    "*1": 1.0, "*9": 1.0,
    "*2": 0.5, "*4": 0.5, "*5": 0.5, "*8": 0.5, "*11": 0.5, "*12": 0.5, "*14": 0.5, "*16": 0.5,
    "*23": 0.5, "*26": 0.5, "*28": 0.5, "*29": 0.5, "*30": 0.5, "*31": 0.5, "*37": 0.5, "*38": 0.5,
    "*44": 0.5, "*46": 0.5, "*50": 0.5, "*55": 0.5, "*61": 0.5,
    "*3": 0.0, "*6": 0.0, "*13": 0.0, "*15": 0.0, "*24": 0.0, "*25": 0.0, "*33": 0.0, "*35": 0.0,
    "*39": 0.0, "*42": 0.0, "*43": 0.0, "*45": 0.0, "*52": 0.0,
}

# Phenotype rules given explicitly (from PharmCAT's CPIC phenotype files), instead of being
# derived from PyPGx's diplotype table. Pairs are unordered.
EXPLICIT_PAIRS: dict[str, list[tuple[str, str, str]]] = {
    "CFTR": [
        ("ivacaftor responsive", "ivacaftor responsive", "ivacaftor responsive in CF patients"),
        ("ivacaftor responsive", "ivacaftor non-responsive", "ivacaftor responsive in CF patients"),
        ("ivacaftor non-responsive", "ivacaftor non-responsive", "ivacaftor non-responsive in CF patients"),
    ],
    "MT-RNR1": [  # haploid: the one haplotype is looked up as (f, f)
        (f, f, f) for f in ("Normal risk of aminoglycoside-induced hearing loss",
                            "Increased risk of aminoglycoside-induced hearing loss",
                            "Uncertain risk of aminoglycoside-induced hearing loss")
    ],
    "VKORC1": [
        ("Normal coumarin sensitivity", "Normal coumarin sensitivity", "-1639 GG"),
        ("Normal coumarin sensitivity", "Higher coumarin sensitivity", "-1639 AG"),
        ("Higher coumarin sensitivity", "Higher coumarin sensitivity", "-1639 AA"),
    ],
    "NAT2": [
        ("Increased function", "Increased function", "Rapid Metabolizer"),
        ("Increased function", "Decreased function", "Intermediate Metabolizer"),
        ("Decreased function", "Decreased function", "Poor Metabolizer"),
    ] + [(a, b, "Indeterminate") for a, b in [
        ("Increased function", "Uncertain function"), ("Increased function", "Unknown function"),
        ("Decreased function", "Uncertain function"), ("Decreased function", "Unknown function"),
        ("Uncertain function", "Uncertain function"), ("Uncertain function", "Unknown function"),
        ("Unknown function", "Unknown function")]],
}
NO_PHENOTYPE = {"CYP3A4", "CYP4F2"}  # CPIC assigns no phenotype: callers report the diplotype

GENE_FLAGS = {
    "DPYD": {"rule": "lowest_function"},
    "RYR1": {"rule": "lowest_function"},
    "CACNA1S": {"rule": "lowest_function"},
    "SLCO1B1": {"fallback_rsid": "rs4149056"},
    "MT-RNR1": {"haploid_chrom": "chrM"},
    "G6PD": {"hemizygous_chrom": "chrX"},
    "VKORC1": {"single_variant": "rs9923231"},
}

HLA = {
    "HLA-A": {"chrom": "chr6", "strand": "+", "alleles": ["HLA-A*31:01"]},
    "HLA-B": {"chrom": "chr6", "strand": "-", "alleles": ["HLA-B*15:02", "HLA-B*57:01", "HLA-B*58:01"]},
}


# --------------------------------------------------------------------------- reading


def _read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        # PyPGx has stray trailing spaces (e.g. NAT2 'rs12720065   '): strip every field
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(value: str) -> list[str]:
    return [] if value in ("", "N/A") else value.split(",")


def _chrom(bare: str) -> str:
    return "chrM" if bare in ("M", "MT") else "chr" + bare


def _variant_type(ref: str, alts: list[str]) -> str:
    kinds = set()
    for alt in alts:
        if len(ref) == len(alt):
            kinds.add("snv" if len(ref) == 1 else "mnv")
        elif len(alt) > len(ref):
            kinds.add("ins")
        else:
            kinds.add("del")
    return kinds.pop() if len(kinds) == 1 else "mixed"


# --------------------------------------------------------------------------- building


def build_gene(gene: str, data: dict) -> dict[str, list]:
    """Return the rows of one gene's tables (after corrections)."""
    corr = CORRECTIONS.get(gene, {})
    gene_row = data["genes"][gene]
    alleles = [r for r in data["alleles"] if r["Gene"] == gene and r["StarAllele"] not in corr.get("drop_alleles", [])]
    variants = {r["GRCh38Name"]: r for r in data["variants"] if r["Gene"] == gene}

    defs: dict[str, list[str]] = {r["StarAllele"]: _split(r["GRCh38Core"]) for r in alleles}
    structural = {r["StarAllele"]: r["SV"] == "TRUE" for r in alleles}
    # reference allele: the non-structural allele with no GRCh38 variants unless corrected
    reference = corr.get("reference")
    if "flip_reference_variant" in corr:
        name = corr["flip_reference_variant"]
        chrom, pos, gref, alt = name.split("-")
        assert defs[reference] == [name], (gene, defs[reference])
        defs[reference] = []
        empty = [a for a, d in defs.items() if not d and not structural[a] and a != reference]
        assert len(empty) == 1, (gene, empty)
        # the allele PyPGx wrote as "the GRCh38 sequence" carries the genome base
        defs[empty[0]] = [f"{chrom}-{pos}-{alt}-{gref}"]
    if reference is None:
        empty = [a for a, d in defs.items() if not d and not structural[a]]
        assert len(empty) == 1, (gene, empty)
        reference = empty[0]
    for name, grch37_name in corr.get("add_variant_from_grch37", {}).items():
        for r in alleles:
            if grch37_name in _split(r["GRCh37Core"]) and name not in defs[r["StarAllele"]]:
                defs[r["StarAllele"]].append(name)
    for name, targets in corr.get("add_variant", {}).items():
        assert name in variants, name
        for allele in targets:
            assert name not in defs[allele], (gene, allele, name)
            defs[allele].append(name)
    for name, targets in corr.get("remove_variant", {}).items():
        for allele in targets:
            defs[allele].remove(name)
    if defs[reference]:
        raise SystemExit(f"{gene}: reference allele {reference} still has variants {defs[reference]}")

    # functions
    functions = {}
    for r in alleles:
        allele = r["StarAllele"]
        word = FUNCTION_WORDS.get(r["Function"], r["Function"])
        if corr.get("function_default") and allele != reference:
            word = corr["function_default"]
        if corr.get("function_mt"):
            bare = allele.removeprefix("m.")
            number = "".join(ch for ch in bare.split(">")[0] if ch.isdigit())
            if allele == "Reference" or any(k.startswith(number) for k in _MT_NORMAL):
                word = "Normal risk of aminoglycoside-induced hearing loss"
            elif any(k.startswith(number) and k[len(number)].isalpha() for k in _MT_INCREASED):
                word = "Increased risk of aminoglycoside-induced hearing loss"
            else:
                word = "Uncertain risk of aminoglycoside-induced hearing loss"
        word = corr.get("function", {}).get(allele, word)
        functions[allele] = word
    activity = {}
    for r in alleles:
        value = r["ActivityScore"]
        activity[r["StarAllele"]] = None if value in ("", "N/A") else float(value)
    if gene == "CYP2C9":
        for allele, value in activity.items():
            if CYP2C9_ACTIVITY.get(allele) != value:
                raise SystemExit(f"CYP2C9 {allele}: PyPGx activity {value} != PharmCAT {CYP2C9_ACTIVITY.get(allele)}")

    # positions: one row per distinct (pos, ref) with all alts
    used = sorted({v for d in defs.values() for v in d}, key=lambda n: (int(n.split("-")[1]), n))
    by_key: dict[tuple[int, str], dict] = {}
    for name in used:
        chrom, pos, ref, alt = name.split("-")
        source_name = name if name in variants else "-".join([chrom, pos, alt, ref])
        vrow = variants[source_name]
        p37 = int(vrow["GRCh37Position"])
        key = (int(pos), ref)
        entry = by_key.setdefault(key, {
            "chrom": _chrom(chrom), "pos_grch38": int(pos), "pos_grch37": p37, "ref": ref, "alts": [],
            "rsid": "" if vrow["rsID"] in ("", "N/A") else vrow["rsID"],
            "genome_ref_grch38": vrow["GRCh38Allele"], "genome_ref_grch37": vrow["GRCh37Allele"],
        })
        if len(ref) > 1 or len(alt) > 1:  # indels: the genome base at the anchor is the ref's first base
            entry["genome_ref_grch38"] = entry["genome_ref_grch37"] = ref if source_name == name else alt
        if alt not in entry["alts"]:
            entry["alts"].append(alt)
        entry.setdefault("names", {})[name] = p37
    positions = []
    for (pos, ref), e in sorted(by_key.items()):
        positions.append([e["chrom"], e["pos_grch38"], e["pos_grch37"], e["ref"], ",".join(e["alts"]), e["rsid"],
                          _variant_type(e["ref"], e["alts"]), e["genome_ref_grch38"], e["genome_ref_grch37"], "", "", ""])
    definitions = []
    order = {r["StarAllele"]: i for i, r in enumerate(alleles)}
    for allele in sorted(defs, key=order.get):
        for name in sorted(defs[allele], key=lambda n: int(n.split("-")[1])):
            chrom, pos, ref, alt = name.split("-")
            e = by_key[(int(pos), ref)]
            definitions.append([allele, e["chrom"], int(pos), e["pos_grch37"], ref, alt, e["rsid"], "", "false"])
    allele_rows = []
    for r in alleles:
        a = r["StarAllele"]
        value = activity[a]
        allele_rows.append([a, functions[a], "" if value is None else _num(value),
                            str(a == reference).lower(), str(structural[a]).lower(), "PyPGx 0.27.0"])
        if structural[a] and defs[a]:
            raise SystemExit(f"{gene} {a}: structural allele with definitions")

    # phenotype rule
    method = gene_row["PhenotypeMethod"]
    if gene in NO_PHENOTYPE:
        kind, rows = "function_pair", []
    elif method == "Score":
        kind, rows = "activity_score", _score_rows(gene, data, activity)
    elif gene in EXPLICIT_PAIRS:
        kind, rows = "function_pair", [list(r) for r in EXPLICIT_PAIRS[gene]]
    else:
        kind, rows = "function_pair", _derive_pairs(gene, data, functions)
    strand = gene_row["Strand"]
    info = [["gene", gene], ["chrom", _chrom(gene_row["Chromosome"] if "Chromosome" in gene_row else
                                           gene_row["GRCh38Region"].split(":")[0])],
            ["strand", strand], ["phenotype_rule", kind], ["reference_allele", reference]]
    for key, value in GENE_FLAGS.get(gene, {}).items():
        info.append([key, value])
    return {"positions": positions, "definitions": definitions, "alleles": allele_rows,
            "phenotypes": rows, "kind": kind, "info": info, "note": corr.get("note")}


def _num(value: float) -> str:
    return f"{value:g}"


def _score_rows(gene: str, data: dict, activity: dict) -> list[list]:
    """Turn PyPGx's half-open activity-score ranges into inclusive [min, max] bounds.

    Scores are sums of two activity values, so they move in steps of the smallest
    non-zero difference between values (0.25 for CYP2D6, 0.5 for CYP2C9 and DPYD);
    ``a <= score < b`` becomes ``[a, b - step]``.
    """
    values = {Fraction(v).limit_denominator(8) for v in activity.values() if v is not None}
    step = Fraction(1)
    for v in values:
        if v:
            step = min(step, v - math.floor(v) or Fraction(1))
    rows = []
    for r in data["equations"]:
        if r["Gene"] != gene:
            continue
        expr = r["Equation"].replace(" ", "")
        if "==" in expr:
            low = high = float(expr.split("==")[0])
        elif expr.count("<") == 2:
            lo, rest = expr.split("<=score<")
            low, high = float(lo), float(Fraction(rest) - step)
        elif expr.endswith("<=score"):
            low, high = float(expr.split("<=")[0]), math.inf
        else:
            raise SystemExit(f"{gene}: cannot read equation {r['Equation']!r}")
        rows.append([_num(low), "inf" if high == math.inf else _num(high), r["Phenotype"]])
    return rows


def _derive_pairs(gene: str, data: dict, functions: dict) -> list[list]:
    """Derive (function, function) -> phenotype from PyPGx's diplotype table."""
    seen: dict[tuple[str, str], set] = defaultdict(set)
    for r in data["diplotypes"]:
        if r["Gene"] != gene:
            continue
        a, b = r["Diplotype"].split("/")
        if a not in functions or b not in functions:
            continue
        phenotype = r["Phenotype"].removeprefix("G6PD ") if gene == "G6PD" else r["Phenotype"]
        seen[tuple(sorted((functions[a], functions[b])))].add(phenotype)
    rows = []
    for (f1, f2), phenos in sorted(seen.items()):
        if len(phenos) > 1:
            if gene != "G6PD":
                raise SystemExit(f"{gene}: functions {f1} + {f2} give several phenotypes {phenos}")
            phenos = {"Indeterminate"}
        rows.append([f1, f2, phenos.pop()])
    if gene == "G6PD":  # hemizygous males: one allele, looked up as (f, f)
        have = {(r[0], r[1]) for r in rows}
        for f, p in [("Uncertain function", "Indeterminate"), ("Unknown function", "Indeterminate")]:
            if (f, f) not in have:
                rows.append([f, f, p])
    return rows



# --------------------------------------------------------------------------- CPIC (PharmCAT copy)

CPIC_GENES = [g for g in GENES if g != "MT-RNR1"]  # MT-RNR1 has no CPIC definition table in PharmCAT
# Genes whose PharmCAT phenotype file is missing from the pinned copy (over the 4 MiB the snapshot
# keeps: CYP2D6, G6PD, RYR1) or lists no diplotypes (IFNL3): functions and phenotype rules are
# kept from the previous build (PyPGx 0.27.0 + PharmCAT 2025-03 corrections), marked per row.
# IFNL3: CPIC's phenotype file gives functions but no diplotypes; the previous build's rule rows
# are kept with their function words renamed to CPIC's.
RULE_WORDS = {"IFNL3": {"Favorable Response": "Favorable response allele",
                        "Unfavorable Response": "Unfavorable response allele"}}


def _previous(gene: str, data: dict) -> dict:
    """The PyPGx-based build of a gene (functions, activity values, phenotype rules), used only
    where the pinned CPIC copy lacks a gene's phenotype file."""
    t = build_gene(gene, data)
    return {"functions": {r[0]: (r[1], None if r[2] == "" else float(r[2]), r[4] == "true") for r in t["alleles"]},
            "rules": t["phenotypes"], "kind": t["kind"]}


def _grch37_map(pypgx: dict, gene: str) -> dict[tuple[int, str, str], tuple[int, str]]:
    """PyPGx's (GRCh38 pos, ref, alt) -> (GRCh37 pos, GRCh37 genome allele), same variant only."""
    out = {}
    for r in pypgx["variants"]:
        if r["Gene"] != gene or r["GRCh37Position"] in ("", "N/A"):
            continue
        _, pos, ref, alt = r["GRCh38Name"].split("-")
        out[(int(pos), ref, alt)] = (int(r["GRCh37Position"]), r["GRCh37Allele"])
        out[(int(pos), alt, ref)] = (int(r["GRCh37Position"]), r["GRCh37Allele"])
    return out


def build_cpic_gene(gene: str, root: Path, pypgx: dict, prev: dict) -> dict[str, list]:
    """Rows of one gene's tables from CPIC's data (PharmCAT copy); GRCh37 from PyPGx where it agrees."""
    src = cpic_source.gene_tables(root, gene)
    lift = _grch37_map(pypgx, gene)
    positions, p37 = [], {}
    for k, p in enumerate(src["positions"]):
        hit = None
        for alt in p["alts"]:
            hit = hit or lift.get((p["pos"], p["ref"], alt)) or lift.get((p["pos"], p["genome_ref"], alt))
        pos37, ref37 = hit if hit else ("", "")
        p37[k] = pos37
        if hit and (len(p["genome_ref"]) > 1 or len(ref37) != len(p["genome_ref"])):
            ref37 = p["genome_ref"]  # indels: PyPGx's GRCh37 allele is not the anchored VCF REF
        positions.append([p["chrom"], p["pos"], pos37, p["ref"], ",".join(p["alts"]), p["rsid"],
                          _variant_type(p["ref"], p["alts"]), p["genome_ref"], ref37, p["cpic_pos"], p["hgvs"],
                          p["ref_context"]])
    definitions = []
    for name in src["order"]:
        for k, (vcf, cpic) in sorted(src["alleles"][name].items()):
            p = src["positions"][k]
            wobble = cpic_source.wobble_bases(vcf, p["genome_ref"], [a for a in [p["genome_ref"]] + p["alts"]
                                                                     if a != p["genome_ref"]])
            if wobble is not None:
                others = [b for b in wobble if b != p["ref"]]
                if p["ref"] not in wobble or len(others) != 1:
                    raise SystemExit(f"{gene} {name} {p['pos']}: wobble {vcf} is not reference-or-one-ALT")
                alt, is_wobble = others[0], True
            else:
                alt, is_wobble = vcf, False
                if alt != p["ref"] and alt not in p["alts"]:
                    raise SystemExit(f"{gene} {name} {p['pos']}: {alt} is not an allele of the position")
            definitions.append([name, p["chrom"], p["pos"], p37[k], p["ref"], alt, p["rsid"],
                                "" if cpic is None else cpic, str(is_wobble).lower()])
    # functions: CPIC's phenotype file, or the previous build's where the copy lacks the file
    fn = cpic_source.functions(root, gene)
    supplement = cpic_source.supplement_functions(gene) if fn is None else None
    allele_rows = []
    names = list(src["order"])
    extra = [n for n in (fn or {}) if n not in names]
    if fn is None:
        extra += [n for n, v in prev["functions"].items() if v[2] and n not in names]  # structural, outside calls
    for name in names + extra:
        core = src["suballeles"].get(name, name)
        # not in CPIC's definitions: structural where the previous build says so (deletions, hybrids)
        structural = name in src["structural"] or (
            name not in names and prev["functions"].get(name, (None, None, False))[2])
        if fn is not None and core in fn:
            function, value = fn[core]
            source = "CPIC" + (f" ({core})" if core != name else "")
        elif fn is None and gene == "CYP2D6" and name in cpic_source.cyp2d6_2024():
            function, value = cpic_source.cyp2d6_2024()[name]
            source = cpic_source.CYP2D6_2024_SOURCE
        elif supplement is not None and name in supplement:
            function, value = supplement[name]
            source = cpic_source.SUPPLEMENT_SOURCE.format(gene=gene)
        elif name in prev["functions"]:
            function, value, _ = prev["functions"][name]
            source = "previous build (PyPGx 0.27.0)"
        else:
            function, value, source = "", None, "none: no function in the pinned source"
        allele_rows.append([name, function, "" if value is None else _num(value),
                            str(name == src["reference"]).lower(), str(bool(structural)).lower(), source])
    # phenotype rules
    kind = "activity_score" if gene in ("CYP2C9", "CYP2D6", "DPYD") else "function_pair"
    dips = cpic_source.diplotype_phenotypes(root, gene)
    if not dips and supplement is not None:  # entries sampled from CPIC's 2026-05-05 file (G6PD, RYR1)
        dips = cpic_source.supplement_diplotypes(gene)
    if gene == "CYP4F2" or (gene in NO_PHENOTYPE and not dips):
        rules = []
    elif not dips:
        if prev["kind"] != kind:
            raise SystemExit(f"{gene}: no diplotypes in the source and no previous {kind} rules")
        words_ = RULE_WORDS.get(gene, {})
        rules = [[words_.get(c, c) for c in row[:2]] + list(row[2:]) for row in prev["rules"]]
    elif kind == "activity_score":
        rules = _score_bins(gene, dips)
    else:
        # an allele's function: its table row, else the phenotype file's map (alleles newer than the
        # definitions); a one-allele entry (hemizygous) must agree with the (f, f) pair
        fmap = {**{n: v[0] for n, v in (fn or supplement or {}).items()}, **{r[0]: r[1] for r in allele_rows}}
        seen: dict[tuple[str, str], set] = defaultdict(set)
        for names_, pheno, _ in dips:
            pair = names_ if len(names_) == 2 else names_ * 2
            f1, f2 = sorted(fmap.get(n, "") for n in pair)
            seen[(f1, f2)].add(pheno)
        if supplement is not None:  # a sample: it must show every pair of CPIC's function values
            values = sorted({f for f, _ in supplement.values()})
            missing = [(a, b) for i, a in enumerate(values) for b in values[i:] if (a, b) not in seen]
            if missing:
                raise SystemExit(f"{gene}: the sampled CPIC diplotypes lack the function pairs {missing}")
        rules = []
        for (f1, f2), phenos in sorted(seen.items()):
            if len(phenos) > 1:
                raise SystemExit(f"{gene}: functions {f1} + {f2} give several phenotypes {phenos}")
            rules.append([f1, f2, phenos.pop()])
    info = [["gene", gene], ["chrom", src["positions"][0]["chrom"]],
            ["strand", _STRANDS[gene]], ["phenotype_rule", kind], ["reference_allele", src["reference"]]]
    for key, value in GENE_FLAGS.get(gene, {}).items():
        info.append([key, value])
    if src["ignored_positions"]:
        info.append(["ignored_positions", ",".join(str(p) for p in src["ignored_positions"])])
    if src["ignored_alleles"]:
        info.append(["ignored_alleles", ";".join(src["ignored_alleles"])])
    info.append(["cpic_data_version", src["version"]])
    pv = cpic_source.phenotype_version(root, gene)
    note = (f"CPIC data version {src['version']} (definitions, {src['build']})"
            + (f", {pv} (functions/phenotypes)" if pv else
               f", functions from {cpic_source.CYP2D6_2024_SOURCE} and activity-score bins from the previous build "
               "(the pinned copy has no phenotype file for this gene; see alleles.tsv column source)" if gene == "CYP2D6"
               else f", functions from {cpic_source.SUPPLEMENT_SOURCE.format(gene=gene)} and phenotype rules "
               "from diplotype entries sampled from the same file (the pinned copy has no phenotype file for this gene)"
               if gene in cpic_source.SUPPLEMENT_GENES
               else ", functions and phenotype rules from the previous build "
               "(the pinned copy has no phenotype file for this gene)"))
    return {"positions": positions, "definitions": definitions, "alleles": allele_rows, "phenotypes": rules,
            "kind": kind, "info": info, "note": note, "rules_elsewhere": not pv}


_STRANDS = {"ABCG2": "-", "CACNA1S": "-", "CFTR": "+", "CYP2B6": "+", "CYP2C19": "+", "CYP2C9": "+", "CYP2D6": "-",
            "CYP3A4": "-", "CYP3A5": "-", "CYP4F2": "-", "DPYD": "-", "G6PD": "-", "IFNL3": "-", "NAT2": "+",
            "NUDT15": "+", "RYR1": "+", "SLCO1B1": "+", "TPMT": "-", "UGT1A1": "+", "VKORC1": "-"}


def _score_bins(gene: str, dips: list) -> list[list]:
    """Activity score -> phenotype as inclusive bins: consecutive scores with one phenotype form a bin;
    the highest bin is open-ended (CPIC: 'greater than')."""
    by_score: dict[float, set] = defaultdict(set)
    for _, pheno, score in dips:
        if score is not None:
            by_score[score].add(pheno)
    rows: list[list] = []
    for score in sorted(by_score):
        phenos = by_score[score]
        if len(phenos) != 1:
            raise SystemExit(f"{gene}: activity score {score} gives several phenotypes {phenos}")
        pheno = phenos.pop()
        if rows and rows[-1][2] == pheno:
            rows[-1][1] = score
        else:
            rows.append([score, score, pheno])
    rows[-1][1] = math.inf
    return [[_num(lo), "inf" if hi == math.inf else _num(hi), ph] for lo, hi, ph in rows]


# --------------------------------------------------------------------------- writing


def _header(gene: str, extra: list[str], build: str = "GRCh38 and GRCh37") -> list[str]:
    if gene in CPIC_GENES:
        lines = [f"# gene: {gene}",
                 f"# source: {cpic_source.PHARMCAT_SOURCE}; GRCh37 positions from {PYPGX} where the same variant "
                 "is listed (see tools/build_reference.py)",
                 f"# source_version: PharmCAT commit {cpic_source.PHARMCAT_COMMIT}; {PYPGX_VERSION}",
                 f"# retrieved: {CPIC_RETRIEVED}",
                 f"# licence: CPIC data CC0-1.0 (PharmCAT MPL-2.0); {PYPGX_LICENCE}",
                 f"# genome_build: {build}"]
        return lines + [f"# {line}" for line in extra]
    lines = [f"# gene: {gene}",
             f"# source: {PYPGX}; corrections from {PHARMCAT} (see tools/build_reference.py)",
             f"# source_version: {PYPGX_VERSION}; PharmCAT {PHARMCAT_TRANSLATION}; {PHARMCAT_PHENOTYPE}",
             f"# retrieved: {RETRIEVED}",
             f"# licence: {PYPGX_LICENCE}; {PHARMCAT_LICENCE}",
             f"# genome_build: {build}"]
    return lines + [f"# {line}" for line in extra]


def write_gene(out: Path, gene: str, t: dict) -> None:
    folder = out / "pharmacogenes" / gene
    note = ([f"data: {t['note']}"] if gene in CPIC_GENES else [f"correction: {t['note']}"]) if t["note"] else []
    write_tsv(folder / "positions.tsv", _header(gene, note + [
        "one row per (position, ref); positions are 1-based VCF POS; ref/alt are VCF-style (indels keep the "
        "anchor base); ref is the base of the gene's reference allele, genome_ref_<build> the base of that "
        "build's reference sequence (they differ where the genome carries a variant allele)",
        "ref_context: for an indel that can slide along a repeat, the reference bases from pos through the end "
        "of CPIC's (HGVS 3'-shifted) placement at cpic_position: the VCF ref joined to CPIC's reference allele "
        "there (cpicAlleles of the translation file, repeats UNIT(n) spelled out), checked to agree base by base "
        "and to describe the same change; empty where CPIC's placement adds no base to ref (tools/cpic_source.py "
        "ref_context). pgx places differently written indels within these bases, no reference genome needed"]),
        ["chrom", "pos_grch38", "pos_grch37", "ref", "alt", "rsid", "variant_type",
         "genome_ref_grch38", "genome_ref_grch37", "cpic_position", "hgvs", "ref_context"], t["positions"])
    write_tsv(folder / "definitions.tsv", _header(gene, note + [
        "one row per (allele, position the allele specifies), VCF style (left-aligned, anchored indels); the reference "
        "allele has no rows (it specifies every position); alt equal to ref: the allele specifies the reference base "
        "(it counts in the match score); wobble true: CPIC allows either ref or alt there (IUPAC code in "
        "cpic_allele); cpic_allele is CPIC's own notation, empty where PharmCAT fills in the reference; pos_grch37 "
        "empty: no sourced GRCh37 position (the allele is GRCh38-only)"]),
        ["allele", "chrom", "pos_grch38", "pos_grch37", "ref", "alt", "rsid", "cpic_allele", "wobble"],
        t["definitions"])
    write_tsv(folder / "alleles.tsv", _header(gene, note + [
        "function in CPIC's words; activity_value empty where CPIC gives none; structural alleles have no "
        "definition rows and come from outside calls only"], build="not build-specific"),
        ["allele", "function", "activity_value", "is_reference", "structural", "source"], t["alleles"])
    if t["kind"] == "activity_score":
        extra = ["rule: activity_score",
                 "bounds are inclusive: min_score <= score <= max_score; score = sum of the two activity values"]
        cols = ["min_score", "max_score", "phenotype"]
    else:
        extra = ["rule: function_pair",
                 "unordered pair of allele functions -> phenotype; haploid/hemizygous genes look up (f, f)"]
        if gene in NO_PHENOTYPE:
            extra.append("CPIC assigns no phenotype to this gene: report the diplotype (no rows)")
        cols = ["function_1", "function_2", "phenotype"]
    if t.get("rules_elsewhere"):  # the header's source lacks this gene's phenotype file: say where rules come from
        extra[1:1] = note
    write_tsv(folder / "phenotypes.tsv", [extra[0].join(["# ", ""])] + _header(gene, extra[1:], "not build-specific"),
           cols, t["phenotypes"])
    write_tsv(folder / "gene.tsv", _header(gene, [], "GRCh38 and GRCh37"), ["key", "value"], t["info"])


def write_hla(out: Path) -> None:
    for gene, spec in HLA.items():
        folder = out / "pharmacogenes" / gene
        header = [f"# gene: {gene}",
                  "# source: CPIC guidelines (HLA-B: abacavir, allopurinol, carbamazepine/oxcarbazepine, "
                  "phenytoin/fosphenytoin; HLA-A: carbamazepine), as listed in PharmCAT phenotype/dpwg/HLA_*.json",
                  "# source_version: CPIC guideline tables current at retrieval; PharmCAT commit "
                  "721f77a07bf00f07ee30b021a453148360d8bef4",
                  f"# retrieved: {RETRIEVED}",
                  "# licence: CPIC data CC0-1.0",
                  "# genome_build: not build-specific (HLA alleles come from outside calls only)"]
        rows = [[a, "", "", "false", "false"] for a in spec["alleles"]]
        write_tsv(folder / "alleles.tsv", header + ["# function: CPIC reports HLA alleles as positive/negative, no function"],
               ["allele", "function", "activity_value", "is_reference", "structural"], rows)
        write_tsv(folder / "gene.tsv", header, ["key", "value"],
               [["gene", gene], ["chrom", spec["chrom"]], ["strand", spec["strand"]], ["phenotype_rule", "none"],
                ["reference_allele", ""], ["outside_calls_only", "true"]])


def _meta_from_header(path: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].strip().partition(":")
            meta.setdefault(key.strip(), value.strip())
    return meta


def write_manifest(out: Path) -> None:
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if rel in ("MANIFEST.json", "README.md") or path.name.startswith(".tmp-"):
            continue
        meta = _meta_from_header(path)
        files[rel] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "source": meta.get("source", ""),
            "source_version": meta.get("source_version", ""),
            "date": meta.get("retrieved", ""),
            "licence": meta.get("licence", "public domain (NCBI GRC assembly reports)"
                                if rel.startswith("genome/") else ""),
            "genome_build": meta.get("genome_build", "GRCh38 and GRCh37" if rel.startswith("genome/") else ""),
        }
    sources = {"cpic": {"data_version": "2025-11-05-00-25", "via": "PharmCAT 3.1.1",
                        "pharmcat_commit": cpic_source.PHARMCAT_COMMIT, "licence": "CC0-1.0 (CPIC data)"},
               "pypgx": {"version": "0.27.0", "licence": "MIT"}}
    text = json.dumps({"reference_version": REFERENCE_VERSION, "sources": sources, "files": files}, indent=2,
                      sort_keys=True) + "\n"
    write_atomic(out / "MANIFEST.json", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pypgx-data", default="/tmp/pypgx/pypgx/api/data", type=Path)
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "reference", type=Path)
    parser.add_argument("--pharmcat", default=Path("/work/pinned/pharmcat-" + cpic_source.PHARMCAT_COMMIT), type=Path,
                        help="the pinned PharmCAT copy (definition/alleles/*.json, phenotype/*.json)")
    parser.add_argument("--manifest-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.manifest_only:
        src = args.pypgx_data
        genes = {}
        for r in _read_csv(src, "gene-table.csv"):
            r["Chromosome"] = r["GRCh38Region"].split(":")[0]
            genes[r["Gene"]] = r
        data = {"genes": genes, "alleles": _read_csv(src, "allele-table.csv"),
                "variants": _read_csv(src, "variant-table.csv"), "equations": _read_csv(src, "equation-table.csv"),
                "diplotypes": _read_csv(src, "diplotype-table.csv")}
        for gene in GENES:
            if gene in CPIC_GENES:
                table = build_cpic_gene(gene, args.pharmcat, data, _previous(gene, data))
            else:
                table = build_gene(gene, data)
            write_gene(args.out, gene, table)
            print(f"{gene}: {len(table['alleles'])} alleles, {len(table['definitions'])} definition rows, "
                  f"{len(table['positions'])} positions, rule {table['kind']} ({len(table['phenotypes'])} rows)")
        write_hla(args.out)
    write_manifest(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
