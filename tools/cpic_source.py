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


def phenotype_version(root: Path, gene: str) -> str | None:
    p = phenotype_file(root, gene)
    return None if p is None else p.get("version")
