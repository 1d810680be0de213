"""RYR1 and G6PD functions from CPIC's 2026-05-05 phenotype files, end to end.

The allele positions come from the CPIC oracle (tests/data/cpic_oracle.json.gz, CPIC's definitions);
the expected phenotypes and actions are written by hand from CPIC's data: RYR1 c.1589G>A and
c.7300G>A are "Malignant Hyperthermia associated" (c.1589G>A was "Uncertain function" in the PyPGx
table pgx used before), c.10043G>A is "Uncertain function", and CPIC's RYR1 guideline says to avoid
halogenated volatile anaesthetics for Malignant Hyperthermia Susceptibility. The G6PD male/female
phenotypes are CPIC's, read off the diplotype entries the oracle samples from CPIC's G6PD file.
"""

from __future__ import annotations

import pytest

import pgx
from cpicgen import CONTIG_LENGTHS, load_oracle

RYR1 = load_oracle()["genes"]["RYR1"]


def _vcf(tmp_path, allele: str) -> str:
    (pos, alt), = RYR1["alleles"][allele]["vcf"].items()
    ref = RYR1["positions"][pos]["ref"]
    text = ("##fileformat=VCFv4.2\n"
            f"##contig=<ID=chr19,length={CONTIG_LENGTHS['chr19']}>\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
            f"chr19\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0/1\n")
    path = tmp_path / "ryr1.vcf"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("allele", "function", "phenotype", "action"), [
    ("c.1589G>A", "Malignant Hyperthermia associated", "Malignant Hyperthermia Susceptibility", "avoid"),
    ("c.7300G>A", "Malignant Hyperthermia associated", "Malignant Hyperthermia Susceptibility", "avoid"),
    # uncertain: CACNA1S was not genotyped, so pgx cannot rule out susceptibility and keeps 'avoid'
    ("c.10043G>A", "Uncertain function", "Uncertain Susceptibility", "avoid"),
])
def test_ryr1_carrier_gets_cpics_function_phenotype_and_advice(tmp_path, allele, function, phenotype, action):
    calls = pgx.call(pgx.read_vcf(_vcf(tmp_path, allele), genome_build="GRCh38"), genes=["RYR1"],
                     assume_reference=True)
    row = calls.row(0, named=True)
    assert row["diplotype"] == f"Reference/{allele}"
    assert function in (row["function_1"], row["function_2"])
    assert row["phenotype"] == phenotype
    advice = pgx.recommend(calls, drugs=["desflurane"], sources=["CPIC"])
    assert advice.row(0, named=True)["action"] == action


def test_g6pd_functions_are_cpics():
    table = {a: f for a, f in pgx.reference.allele_table("G6PD").select("allele", "function").iter_rows()}
    # CPIC 2026-05-05 G6PD.json, by hand: a class I, II, III and IV allele and an uncertain one
    assert table["Brighton"] == "I/Deficient with CNSHA"
    assert table["Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"] == "II/Deficient"
    assert table["A- 202A_376G"] == "III/Deficient"
    assert table["B (reference)"] == "IV/Normal"
    assert table["Dagua"] == "Uncertain function"


G6PD = load_oracle()["genes"]["G6PD"]


def _cpic_g6pd(names: list[str]) -> str:
    """CPIC's phenotype for these alleles' functions, from the entries sampled from its G6PD file."""
    want = sorted(G6PD["functions"][n][0] for n in names)
    found = {ph for ns, ph in G6PD["diplotypes"] if sorted(G6PD["functions"][n][0] for n in ns) == want}
    assert len(found) == 1, (names, found)
    return found.pop()


@pytest.mark.parametrize("allele", ["Aachen", "Abeno", "Asahi", "A", "Dagua"])  # class I, II, III, IV, uncertain
def test_g6pd_male_and_female_get_cpics_phenotype(tmp_path, allele):
    """A male's chrX written haploid (GT 1) is called as one allele with CPIC's one-allele phenotype;
    a heterozygous female gets CPIC's phenotype for the allele with B (reference)."""
    (pos, alt), = G6PD["alleles"][allele]["vcf"].items()
    path = tmp_path / "g6pd.vcf"
    path.write_text("##fileformat=VCFv4.2\n"
                    f"##contig=<ID=chrX,length={CONTIG_LENGTHS['chrX']}>\n"
                    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tM\tF\n"
                    f"chrX\t{pos}\t.\t{G6PD['positions'][pos]['ref']}\t{alt}\t.\tPASS\t.\tGT\t1\t0/1\n")
    male, female = pgx.call(pgx.read_vcf(str(path), genome_build="GRCh38"), genes=["G6PD"],
                            assume_reference=True).to_dicts()
    assert male["diplotype"] == allele and "haploid" in male["warnings"]
    assert male["phenotype"] == _cpic_g6pd([allele])
    assert sorted(female["diplotype"].split("/")) == sorted([allele, "B (reference)"])
    assert female["phenotype"] == _cpic_g6pd([allele, "B (reference)"])
