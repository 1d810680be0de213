"""The shipped allele tables against CPIC's data, fact by fact.

The oracle (tests/data/cpic_oracle.json.gz) is CPIC's data as PharmCAT 3.1.1 redistributes it
(commit 5431bf11, data version 2025-11-05), extracted by tools/pin_cpic_oracle.py, which
shares no code with the table builder. Nothing here rebuilds a table: every position,
allele, wobble code, function, activity value and diplotype phenotype of the shipped tables
is compared with the oracle, so a single wrong fact fails. G6PD's and RYR1's phenotype files are
missing from that copy: their functions and a sample of their diplotype entries (every pair of
function values) come from CPIC's 2026-05-05 files (see tools/pin_cpic_oracle.py).
"""

from __future__ import annotations

import gzip
import json
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from pgx import reference
from pgx.phenotype import gene_phenotypes

ORACLE = json.loads(gzip.decompress((Path(__file__).parent / "data" / "cpic_oracle.json.gz").read_bytes()))
GENES = sorted(ORACLE["genes"])
IUPAC = {frozenset("AG"): "R", frozenset("CT"): "Y", frozenset("CG"): "S", frozenset("AT"): "W",
         frozenset("GT"): "K", frozenset("AC"): "M"}


def test_oracle_covers_cpic_genes():
    assert len(GENES) == 20
    assert {"CYP2D6", "RYR1", "CFTR", "NAT2", "G6PD", "DPYD"} <= set(GENES)


@pytest.mark.parametrize("gene", GENES)
def test_positions_are_cpics(gene):
    src = ORACLE["genes"][gene]
    ours = reference.positions(gene, genome_build="GRCh38")
    got = {}
    for pos, ref, alt, rsid, genome_ref in ours.select("pos", "ref", "alt", "rsid", "genome_ref").iter_rows():
        got[str(pos)] = {"alleles": sorted({ref, *alt.split(",")}), "rsid": rsid or None, "genome_ref": genome_ref}
    want = {p: {"alleles": sorted({v["ref"], *v["alts"]}), "rsid": v["rsid"], "genome_ref": v["ref"]}
            for p, v in src["positions"].items()}
    assert got == want


def _our_alleles(gene: str) -> dict[str, dict[str, str]]:
    """Each allele's value at each position it specifies, in the oracle's notation."""
    defs = reference.allele_definitions(gene, genome_build="GRCh38")
    pos = reference.positions(gene, genome_build="GRCh38")
    ref_of = dict(zip((str(p) for p in pos["pos"]), pos["ref"]))
    table = reference.allele_table(gene)
    reference_name = table.filter(pl.col("is_reference"))["allele"][0]
    out: dict[str, dict[str, str]] = {reference_name: dict(ref_of)}
    for allele, p, ref, alt, wobble in defs.select("allele", "pos", "ref", "alt", "wobble").iter_rows():
        out.setdefault(allele, {})[str(p)] = IUPAC[frozenset(ref + alt)] if wobble else alt
    return out


@pytest.mark.parametrize("gene", GENES)
def test_every_named_allele_is_defined_as_cpic_defines_it(gene):
    src = ORACLE["genes"][gene]
    ours = _our_alleles(gene)
    matchable = {a for a, v in src["alleles"].items() if v["vcf"] or v["reference"]}
    assert set(ours) == matchable, "named alleles differ"
    wrong = {a: (ours[a], src["alleles"][a]["vcf"]) for a in matchable if ours[a] != src["alleles"][a]["vcf"]}
    assert not wrong, f"{len(wrong)} alleles differ, e.g. {next(iter(wrong.items()))}"


@pytest.mark.parametrize("gene", GENES)
def test_cpic_notation_is_kept(gene):
    src = ORACLE["genes"][gene]
    defs = reference.allele_definitions(gene, genome_build="GRCh38")
    for allele, p, cpic in defs.select("allele", "pos", "cpic_allele").iter_rows():
        assert src["alleles"][allele]["cpic"].get(str(p), "") == cpic, (allele, p)


@pytest.mark.parametrize("gene", [g for g in GENES if ORACLE["genes"][g]["functions"]])
def test_functions_and_activity_values_are_cpics(gene):
    src = ORACLE["genes"][gene]
    table = reference.allele_table(gene)
    rows = {a: (f, v, s) for a, f, v, s in table.select("allele", "function", "activity_value", "source").iter_rows()}
    for name, (function, value) in src["functions"].items():
        for allele in [name] + [k for k, core in src["suballeles"].items() if core == name]:
            if allele not in rows:
                continue
            f, v, s = rows[allele]
            assert s.startswith("CPIC"), (allele, s)
            assert f == function, allele
            expected = None if value in (None, "n/a") else float(Fraction(value))
            assert v == expected, allele
    cpic_rows = {a for a, (_, _, s) in rows.items() if s.startswith("CPIC")}
    named = set(src["functions"]) | {k for k, core in src["suballeles"].items() if core in src["functions"]}
    assert cpic_rows <= named


@pytest.mark.parametrize("gene", [g for g in GENES if ORACLE["genes"][g]["diplotypes"]])
def test_every_cpic_diplotype_gets_cpics_phenotype(gene):
    """Each diplotype CPIC lists (G6PD, RYR1: the entries sampled from CPIC's 2026-05-05 files)
    gets CPIC's phenotype; a one-allele entry is a hemizygous call (a male's G6PD)."""
    src = ORACLE["genes"][gene]
    rules = gene_phenotypes(gene)
    # the 2026-05-05 G6PD/RYR1 files name three alleles the 2025-11-05 definitions lack
    dips = [(names, ph) for names, ph in src["diplotypes"] if all(n in src["alleles"] for n in names)]
    assert len(dips) >= 0.75 * len(src["diplotypes"])
    wrong = []
    for names, phenotype in dips:
        a, b = names if len(names) == 2 else (names[0], None)
        got = rules.assign(a, b)[3]
        if got != phenotype:
            wrong.append((a, b, phenotype, got))
    assert not wrong, f"{len(wrong)} of {len(dips)} diplotypes differ, e.g. {wrong[:3]}"


def _cpic_pair_rule(gene: str) -> dict[frozenset, str]:
    """CPIC's (function, function) -> phenotype, read off its diplotypes and allele functions."""
    src = ORACLE["genes"][gene]
    seen: dict[frozenset, set] = {}
    for names, phenotype in src["diplotypes"]:
        pair = frozenset(src["functions"][n][0] for n in names)  # one allele: the pair (f, f)
        seen.setdefault(pair, set()).add(phenotype)
    assert all(len(p) == 1 for p in seen.values()), f"CPIC gives a function pair several phenotypes: {seen}"
    return {pair: p.pop() for pair, p in seen.items()}


PAIR_GENES = [g for g in GENES if ORACLE["genes"][g]["diplotypes"] and ORACLE["genes"][g]["functions"]
              and reference.phenotype_rules(g)[0] == "function_pair"]


@pytest.mark.parametrize("gene", PAIR_GENES)
def test_function_pair_table_is_cpics_rule(gene):
    """phenotypes.tsv row by row: every pair of CPIC function values maps to CPIC's phenotype,
    and the table has no other row, so one edited function or phenotype cell fails."""
    src = ORACLE["genes"][gene]
    cpic = _cpic_pair_rule(gene)
    values = sorted({f for f, _ in src["functions"].values()})
    if gene in ("G6PD", "RYR1"):  # sampled entries: they show every pair of function values
        assert set(cpic) == {frozenset((a, b)) for a in values for b in values}
    _, table = reference.phenotype_rules(gene)
    ours: dict[frozenset, str] = {}
    for f1, f2, phenotype in table.select("function_1", "function_2", "phenotype").iter_rows():
        pair = frozenset((f1, f2))
        assert pair not in ours, f"{gene}: ({f1}, {f2}) listed twice"
        ours[pair] = phenotype
    assert ours == cpic


def test_g6pd_hemizygous_phenotype_is_the_homozygous_one():
    """CPIC lists a male's G6PD (one allele) with the phenotype of the pair (f, f), which is
    what pgx looks up for a haploid call; checked on CPIC's entries and on pgx's answers."""
    src = ORACLE["genes"]["G6PD"]
    cpic = _cpic_pair_rule("G6PD")
    males = [(names[0], ph) for names, ph in src["diplotypes"] if len(names) == 1]
    assert {src["functions"][a][0] for a, _ in males} == {f for f, _ in src["functions"].values()}
    rules = gene_phenotypes("G6PD")
    for allele, phenotype in males:
        assert cpic[frozenset((src["functions"][allele][0],))] == phenotype
        if allele in src["alleles"]:
            assert rules.assign(allele, None)[3] == rules.assign(allele, allele)[3] == phenotype


# ---------------------------------------------------------------- CYP2D6 functions, pinned by hand
# The pinned PharmCAT copy lacks phenotype/CYP2D6.json (over the snapshot's 4 MiB), so pgx's
# CYP2D6 functions come from PyPGx 0.27.0. These are CPIC's, transcribed by hand from PharmCAT's
# phenotype/cpic/CYP2D6.json (commit 0c6123b6, CPIC data version 2024-03-25-16-13, the newest
# stored copy): function and activity value of every single-copy allele it lists.
_CYP2D6 = {
    ("Normal function", 1.0): "*1 *2 *27 *33 *34 *35 *39 *45 *46 *48 *53",
    ("Decreased function", 0.5): "*14 *17 *29 *49 *50 *54 *55 *59",
    ("Decreased function", 0.25): "*9 *10 *32 *41 *52 *91 *109 *119 *132",
    ("No function", 0.0): "*3 *4 *5 *6 *7 *8 *11 *12 *13 *15 *18 *19 *20 *21 *31 *36 *38 *40 *42 *44 *47 *51 "
                          "*56 *60 *62 *68 *69 *81 *92 *96 *99 *100 *101 *114 *120 *124 *129 *143 *144 *156 *161",
    ("Uncertain function", None): "*22 *23 *24 *25 *26 *28 *30 *37 *43 *61 *63 *64 *65 *70 *71 *72 *75 *83 *84 *87 "
                                  "*88 *89 *90 *93 *94 *95 *97 *98 *106 *110 *111 *112 *113 *123 *128 *130 *131 "
                                  "*133 *134 *135 *136 *137 *138 *141 *142 *145 *146 *147 *154 *162",
    ("Unknown function", None): "*58 *73 *74 *82 *85 *86 *102 *103 *104 *105 *107 *108 *115 *116 *117 *118 *121 "
                                "*122 *125 *126 *127 *139 *140 *148 *149 *152 *153 *155 *157 *158 *159 *160 *163",
}


def test_cyp2d6_functions_and_activity_values_are_cpics():
    table = {a: (f, v) for a, f, v in reference.allele_table("CYP2D6").select("allele", "function", "activity_value")
             .iter_rows()}
    wrong, checked = [], 0
    for (function, value), names in _CYP2D6.items():
        for name in names.split():
            if name in table:
                checked += 1
                if table[name] != (function, value):
                    wrong.append((name, table[name], (function, value)))
    assert checked >= 150 and not wrong, wrong


# CPIC/DPWG CYP2D6 genotype-to-phenotype consensus (Caudle et al., Clin Transl Sci 2020;13:116,
# doi:10.1111/cts.12692): 0 poor; 0 < AS < 1.25 intermediate; 1.25-2.25 normal; > 2.25 ultrarapid
CYP2D6_CONSENSUS = {0.0: "Poor Metabolizer", 0.25: "Intermediate Metabolizer", 1.0: "Intermediate Metabolizer",
                    1.25: "Normal Metabolizer", 2.25: "Normal Metabolizer", 2.5: "Ultrarapid Metabolizer",
                    3.0: "Ultrarapid Metabolizer"}


def test_cyp2d6_activity_score_bins_are_cpics():
    rules = gene_phenotypes("CYP2D6")
    expected = CYP2D6_CONSENSUS
    assert {score: rules.phenotype_for_score(score) for score in expected} == expected
