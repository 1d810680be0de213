"""Read CPIC's allele definitions, functions and phenotypes from a pinned PharmCAT copy.

PharmCAT (github.com/PharmGKB/PharmCAT, MPL-2.0) redistributes CPIC's data (CC0-1.0) as
``definition/alleles/<GENE>_translation.json`` (named alleles over the gene's positions, VCF
and CPIC notation), ``definition/alleles/exemptions.json`` (matching exemptions) and
``phenotype/<GENE>.json`` (allele functions, activity values and every diplotype's
phenotype). ``tools/build_reference.py`` turns them into pgx's tables; nothing here writes.

The copy is laid out as ``DIR/definition/alleles/*.json`` and ``DIR/phenotype/*.json``, taken
with ``git show <commit>:src/main/resources/org/pharmgkb/pharmcat/<path>`` from the commit
named in ``PHARMCAT_COMMIT``.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

PHARMCAT_COMMIT = "5431bf1187e50383df7e7db18ef67b36fc8b562e"  # PharmCAT 3.1.1 (2025-11-19)
PHARMCAT_SOURCE = ("CPIC allele definitions, functions and phenotypes as redistributed by PharmCAT "
                   "(github.com/PharmGKB/PharmCAT src/main/resources/org/pharmgkb/pharmcat/definition/alleles/"
                   "<GENE>_translation.json, exemptions.json, phenotype/<GENE>.json)")

# IUPAC codes CPIC uses for positions where an allele may carry either base ("wobble")
IUPAC = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
         "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}


def load_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def translation(root: Path, gene: str) -> dict:
    return load_json(root / "definition" / "alleles" / f"{gene}_translation.json")


def exemptions(root: Path) -> dict:
    return load_json(root / "definition" / "alleles" / "exemptions.json")


def phenotype_file(root: Path, gene: str) -> dict | None:
    path = root / "phenotype" / f"{gene.replace('-', '_')}.json"
    return load_json(path) if path.is_file() else None


def _number(text) -> float | None:
    if text in (None, "", "n/a"):
        return None
    return float(Fraction(str(text)))


def wobble_bases(code: str, ref: str, alts: list[str]) -> list[str] | None:
    """The VCF alleles a wobble code allows, or None when ``code`` is a plain allele."""
    if code in [ref] + alts or code not in IUPAC:
        return None
    allowed = [a for a in [ref] + alts if a in IUPAC[code]]
    if len(allowed) < 2:
        raise SystemExit(f"wobble {code} at a position with alleles {[ref] + alts}: allows {allowed}")
    return allowed


def gene_tables(root: Path, gene: str) -> dict:
    """One gene's definitions in pgx's terms (GRCh38, VCF notation), before GRCh37 lift.

    Returns a dict with ``positions`` (list of dicts), ``alleles`` (name -> {position index:
    (vcf allele or wobble code, cpic allele or None)}), ``reference`` (the reference allele's
    name), ``order`` (allele names in the source order), ``ignored_positions``,
    ``ignored_alleles``, ``version`` and ``build``.
    """
    t = translation(root, gene)
    ex = exemptions(root).get(gene, {})
    ignored = {int(p["position"]) for p in ex.get("ignoredPositions", [])}
    ignored_alleles = set(ex.get("ignoredAlleles", []))
    variants = t["variants"]
    ref_allele = t["namedAlleles"][0]
    if not ref_allele["reference"]:
        raise SystemExit(f"{gene}: the first named allele is not the reference")
    positions = []
    keep = []
    for i, v in enumerate(variants):
        if int(v["position"]) in ignored:
            continue
        keep.append(i)
        ref_base = ref_allele["alleles"][i]
        vcf = [v["ref"]] + list(v["alts"])
        if ref_base not in vcf:
            if wobble_bases(ref_base, v["ref"], list(v["alts"])) is None:
                raise SystemExit(f"{gene} {v['position']}: reference allele {ref_base} not among {vcf}")
            ref_base = v["ref"]  # the reference allele itself is a wobble here (a row of its own)
        positions.append({
            "index": i, "chrom": v["chromosome"], "pos": int(v["position"]), "cpic_pos": int(v["cpicPosition"]),
            "rsid": v.get("rsid") or "", "hgvs": v["chromosomeHgvsName"], "genome_ref": v["ref"],
            "ref": ref_base, "alts": [a for a in vcf if a != ref_base],
            "cpic_map": v["cpicToVcfAlleleMap"],
            "ref_context": ref_context(v),
        })
    alleles: dict[str, dict[int, tuple[str, str | None]]] = {}
    order = []
    structural = set()
    for a in t["namedAlleles"]:
        name = a["name"]
        order.append(name)
        if a["structuralVariant"]:
            structural.add(name)
        if name in ignored_alleles:
            alleles[name] = {}
            continue
        spec = {}
        for k, p in enumerate(positions):
            value = a["alleles"][p["index"]]
            if value is None or (a["reference"] and value == p["ref"]):
                continue
            spec[k] = (value, a["cpicAlleles"][p["index"]])
        alleles[name] = spec
    return {"positions": positions, "alleles": alleles, "reference": ref_allele["name"], "order": order,
            "structural": structural, "ignored_positions": sorted(ignored), "ignored_alleles": sorted(ignored_alleles),
            "version": t["version"], "build": t["genomeBuild"], "suballeles": t.get("suballelesMap") or {}}


_REPEAT = re.compile(r"^([ACGT]+)\((\d+)\)$")


def _cpic_bases(allele: str) -> str | None:
    """The bases a CPIC allele writes at its position: plain bases, or a repeat ``UNIT(n)``
    spelled out; None for deletions/insertions written as ``del...``/``ins...``."""
    match = _REPEAT.match(allele)
    if match:
        return match.group(1) * int(match.group(2))
    return allele if allele and set(allele) <= set("ACGT") else None


def ref_context(v: dict) -> str:
    """Reference bases from the VCF position of an indel through the end of CPIC's placement.

    PharmCAT writes an indel left-aligned (``position``, VCF ``ref``); CPIC places it by HGVS's
    3' rule (``cpicPosition``) and spells the reference there (``cpicAlleles``, the allele mapped
    to the VCF ref, repeats as ``UNIT(n)``). The two together give the bases of the whole span
    the indel can slide over; bases between the two spellings repeat the indel's unit (that is
    what sliding means). Empty when CPIC's placement adds no base beyond the VCF ref (SNVs,
    indels outside repeats). The two spellings must agree base by base and describe the same
    change; a disagreement stops the build.
    """
    pos, cpic_pos, ref = int(v["position"]), int(v["cpicPosition"]), v["ref"]
    if len(ref) == 1 and all(len(a) == 1 for a in v["alts"]):
        return ""
    reverse = {vcf: cpic for cpic, vcf in v["cpicToVcfAlleleMap"].items()}
    cpic_ref = reverse.get(ref)
    bases = _cpic_bases(cpic_ref) if cpic_ref is not None else None
    if not bases or cpic_pos < pos:
        return ""
    known = dict(enumerate(ref, start=pos))
    for offset, base in enumerate(bases, start=cpic_pos):
        if known.setdefault(offset, base) != base:
            raise SystemExit(f"{v['chromosome']}:{pos}: CPIC's reference {cpic_ref} at {cpic_pos} disagrees with "
                             f"the VCF ref {ref}")
    stop = max(known)
    gap = [k for k in range(pos, stop + 1) if k not in known]
    if gap:
        # the bases an indel slides over repeat its unit (ref[k] = ref[k + unit length]), so a gap
        # between the two placements is the unit read on from the left-aligned one
        alt = min(v["alts"], key=lambda a: abs(len(a) - len(ref)))  # the others: checked below
        unit = ref[1:] if len(ref) > len(alt) else alt[1:]
        if not unit or ref[0] != alt[0] or min(len(ref), len(alt)) != 1:
            raise SystemExit(f"{v['chromosome']}:{pos}: a gap between the VCF ref {ref} and CPIC's {cpic_ref} at "
                             f"{cpic_pos} that no single anchored indel fills")
        for k in gap:
            known[k] = unit[(k - pos - 1) % len(unit)]
    window = "".join(known[k] for k in range(pos, stop + 1))
    # every CPIC allele written in its own notation must make the same sequence as its VCF allele
    for cpic, vcf in v["cpicToVcfAlleleMap"].items():
        if cpic == cpic_ref:
            continue
        if cpic.startswith("del") and set(cpic[3:]) <= set("ACGT") and cpic[3:] == bases:
            replaced = ""
        elif _cpic_bases(cpic) is not None:
            replaced = _cpic_bases(cpic)
        else:
            continue  # a notation this check does not read (none in the pinned data for a repeat)
        at = cpic_pos - pos
        cpic_seq = window[:at] + replaced + window[at + len(bases):]
        vcf_seq = vcf + window[len(ref):]
        if cpic_seq != vcf_seq:
            raise SystemExit(f"{v['chromosome']}:{pos}: CPIC's {cpic} at {cpic_pos} and VCF {ref}>{vcf} differ")
    return window if len(window) > len(ref) else ""


def functions(root: Path, gene: str) -> dict | None:
    """Allele -> (function, activity value or None) from the phenotype file, or None if absent."""
    p = phenotype_file(root, gene)
    if p is None:
        return None
    return {a["name"]: (a["functionValue"], _number(a.get("activityValue"))) for a in p["namedAlleles"]}


def diplotype_phenotypes(root: Path, gene: str) -> list[tuple[list[str], str, float | None]]:
    """Every (alleles, phenotype, activity score) the phenotype file lists."""
    p = phenotype_file(root, gene)
    if p is None:
        return []
    out = []
    for d in p["diplotypes"]:
        names = [n for n, count in d["diplotypekey"].items() for _ in range(count)]
        out.append((names, d["generesult"], _number(d.get("activityScore"))))
    return out


# G6PD's and RYR1's phenotype files are also over 4 MiB. Their allele -> function maps (the files'
# "haplotypes" objects) were copied from the newest copy the code-search index holds, CPIC data
# 2026-05-05-00-25 in a fork of PharmCAT, into SUPPLEMENT_DIR/<GENE>.json (not committed; see the
# README there). Newer than the 2025-11-05 definitions: alleles the definitions lack are ignored.
SUPPLEMENT_DIR = Path("/work/pinned/cpic-phenotype-2026-05-05")
SUPPLEMENT_SOURCE = ("CPIC 2026-05-05 (PharmCAT phenotype/{gene}.json, fork madhavajay/PharmCAT commit "
                     "162d746c3366438e72885eaa8ad68f6a550b8741)")
SUPPLEMENT_GENES = ("G6PD", "RYR1")


def supplement_functions(gene: str, folder: Path = SUPPLEMENT_DIR) -> dict[str, tuple[str, None]] | None:
    """Allele -> (function, None) from the supplementary 2026-05-05 extract, or None for other genes."""
    if gene not in SUPPLEMENT_GENES:
        return None
    data = load_json(folder / f"{gene}.json")
    return {name: (function, None) for name, function in data["haplotypes"].items()}


def supplement_diplotypes(gene: str, folder: Path = SUPPLEMENT_DIR) -> list[tuple[list[str], str, None]]:
    """(alleles, phenotype, None) of the diplotype entries sampled from the 2026-05-05 file.

    SUPPLEMENT_DIR/<GENE>.diplotypes.tsv holds entries transcribed from pages spread over the
    whole file (offsets in its README; verify_layout.py there checks the rule they imply against
    the file's full length). A one-allele entry (a hemizygous G6PD call) has one name.
    """
    if gene not in SUPPLEMENT_GENES:
        return []
    with open(folder / f"{gene}.diplotypes.tsv", encoding="utf-8") as handle:
        lines = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    if lines[0] != ["offset", "allele_1", "allele_2", "generesult"]:
        raise SystemExit(f"{folder / f'{gene}.diplotypes.tsv'}: unexpected columns {lines[0]}")
    return [([a for a in (a1, a2) if a], phenotype, None) for _, a1, a2, phenotype in lines[1:]]


def phenotype_version(root: Path, gene: str) -> str | None:
    p = phenotype_file(root, gene)
    return None if p is None else p.get("version")


# CYP2D6's phenotype file is over the 4 MiB a fetched snapshot keeps. CPIC's CYP2D6 functions
# and activity values, transcribed by hand from the newest stored copy of PharmCAT's
# phenotype/cpic/CYP2D6.json (commit 0c6123b692d07a362d34c7b61d6a9bab779f7ad6, CPIC data
# version 2024-03-25-16-13; read through the code-search index): every single-copy allele.
CYP2D6_2024_SOURCE = ("CPIC 2024-03-25 (PharmCAT phenotype/cpic/CYP2D6.json, commit "
                      "0c6123b692d07a362d34c7b61d6a9bab779f7ad6)")
CYP2D6_2024 = {
    ("Normal function", 1.0): "*1 *2 *27 *33 *34 *35 *39 *45 *46 *48 *53",
    ("Decreased function", 0.5): "*14 *17 *29 *49 *50 *54 *55 *59",
    ("Decreased function", 0.25): "*9 *10 *32 *41 *52 *91 *109 *119 *132",
    ("No function", 0.0): "*3 *4 *5 *6 *7 *8 *11 *12 *13 *15 *18 *19 *20 *21 *31 *36 *38 *40 *42 *44 *47 *51 *56 "
                          "*60 *62 *68 *69 *81 *92 *96 *99 *100 *101 *114 *120 *124 *129 *143 *144 *156 *161",
    ("Uncertain function", None): "*22 *23 *24 *25 *26 *28 *30 *37 *43 *61 *63 *64 *65 *70 *71 *72 *75 *83 *84 *87 *88 "
                                  "*89 *90 *93 *94 *95 *97 *98 *106 *110 *111 *112 *113 *123 *128 *130 *131 *133 "
                                  "*134 *135 *136 *137 *138 *141 *142 *145 *146 *147 *154 *162",
    ("Unknown function", None): "*58 *73 *74 *82 *85 *86 *102 *103 *104 *105 *107 *108 *115 *116 *117 *118 *121 *122 "
                                "*125 *126 *127 *139 *140 *148 *149 *152 *153 *155 *157 *158 *159 *160 *163",
}


def cyp2d6_2024() -> dict[str, tuple[str, float | None]]:
    """Allele -> (function, activity value) of :data:`CYP2D6_2024`."""
    return {name: key for key, names in CYP2D6_2024.items() for name in names.split()}
