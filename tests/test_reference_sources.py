"""Facts of reference/ that the other source tests did not reach, each compared with its pinned source.

Found by benchmarks/bench_fact_mutations.py: a single edited cell of these tables passed every test.
Each test reads a pinned extract of the table's own source, never pgx's own tables as the expectation:
tests/data/cpic_oracle.json.gz (tools/pin_cpic_oracle.py) and pypgx_oracle.json.gz, cpic_data_oracle.json,
vcf_spec_oracle.json, oncotree_oracle.txt.gz (tools/pin_source_oracles.py), none written with the
builders' code.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pgx import reference

DATA = Path(__file__).parent / "data"
CPIC = json.loads(gzip.decompress((DATA / "cpic_oracle.json.gz").read_bytes()))["genes"]


@pytest.mark.parametrize("gene", sorted(CPIC))
def test_gene_facts_are_cpics(gene):
    """gene.tsv: chromosome, reference allele, data version and the positions and alleles CPIC
    tells callers to ignore (G6PD, RYR1), as CPIC's definition file gives them."""
    src = CPIC[gene]
    info = reference.gene_info(gene)
    assert info["chrom"] == src["chromosome"]
    assert info["reference_allele"] == next(a for a, v in src["alleles"].items() if v["reference"])
    assert info["cpic_data_version"] == src["version"]
    ignored = [int(p) for p in info.get("ignored_positions", "").split(",") if p]
    assert ignored == src["ignored_positions"]
    assert [a for a in info.get("ignored_alleles", "").split(";") if a] == src["ignored_alleles"]


@pytest.mark.parametrize("gene", sorted(CPIC))
def test_definition_rows_carry_cpics_rsid_and_chromosome(gene):
    """definitions.tsv repeats each position's rsID and chromosome per allele row: each copy
    must be CPIC's (positions.tsv is checked in test_reference_cpic.py)."""
    src = CPIC[gene]
    defs = reference.allele_definitions(gene, genome_build="GRCh38")
    wrong = [(a, p, rsid, src["positions"][str(p)]["rsid"])
             for a, p, rsid in defs.select("allele", "pos", "rsid").iter_rows()
             if (rsid or None) != src["positions"][str(p)]["rsid"]]
    assert not wrong, f"{len(wrong)} definition rows differ from CPIC, e.g. {wrong[:3]}"
    assert set(defs["chrom"]) <= {src["chromosome"]}


# ------------------------------------------------------------------------ PyPGx 0.27.0 (GRCh37, strands)
PYPGX = json.loads(gzip.decompress((DATA / "pypgx_oracle.json.gz").read_bytes()))["genes"]


def _rows(gene: str, table: str) -> list[dict[str, str]]:
    """A shipped per-gene table as written (the GRCh37 column sits beside the GRCh38 one)."""
    lines = (reference.reference_dir() / "pharmacogenes" / gene / table).read_text().splitlines()
    body = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [dict(zip(body[0], fields)) for fields in body[1:]]


def _pypgx_grch37(gene: str) -> dict[tuple[int, str, str], tuple[int, str]]:
    """PyPGx's (GRCh38 pos, ref, alt), either orientation -> (GRCh37 pos, GRCh37 genome allele)."""
    out = {}
    for v in PYPGX[gene]["variants"]:
        if v["grch37"] in ("", "N/A"):
            continue
        _, p38, ref, alt = v["grch38"].split("-")
        p37 = int(v["grch37"].split("-")[1])
        out[(int(p38), ref, alt)] = out[(int(p38), alt, ref)] = (p37, v["grch37_allele"])
    return out


@pytest.mark.parametrize("gene", sorted(g for g in PYPGX if g != "CYP2D7"))
def test_grch37_positions_are_pypgxs(gene):
    """positions.tsv and definitions.tsv: every GRCh37 position (and GRCh37 genome base) is the
    one PyPGx gives for the same GRCh38 variant, and none PyPGx gives is left out."""
    pypgx = _pypgx_grch37(gene)
    wrong = []
    for row in _rows(gene, "positions.tsv"):
        keys = [(int(row["pos_grch38"]), row["ref"], alt) for alt in row["alt"].split(",")]
        hits = {pypgx[k] for k in keys if k in pypgx}
        want = {p for p, _ in hits}
        got = int(row["pos_grch37"]) if row["pos_grch37"] else None
        if (want and got not in want) or (not want and got is not None):
            wrong.append((row["pos_grch38"], row["ref"], row["alt"], got, sorted(want)))
        elif got is not None and row["genome_ref_grch37"] not in {a for p, a in hits if p == got}:
            wrong.append((row["pos_grch38"], "genome_ref_grch37", row["genome_ref_grch37"], sorted(hits)))
    assert not wrong, f"{len(wrong)} positions differ from PyPGx, e.g. {wrong[:3]}"
    moved = [(r["allele"], r["pos_grch38"], r["pos_grch37"]) for r in _rows(gene, "definitions.tsv")
             if r["pos_grch37"] and (int(r["pos_grch38"]), r["ref"], r["alt"]) in pypgx
             and int(r["pos_grch37"]) != pypgx[(int(r["pos_grch38"]), r["ref"], r["alt"])][0]]
    assert not moved, f"{len(moved)} definition rows differ from PyPGx, e.g. {moved[:3]}"


@pytest.mark.parametrize("gene", sorted(g for g in PYPGX if g != "CYP2D7"))
def test_strand_is_pypgxs(gene):
    assert reference.gene_info(gene)["strand"] == PYPGX[gene]["strand"]


# ------------------------------------------------------------------ drug codes and gene ids (cpic-data, PyPGx)
CPIC_DATA = json.loads((DATA / "cpic_data_oracle.json").read_text(encoding="utf-8"))
DRUG_SOURCES = (CPIC_DATA["drugs"], json.loads(gzip.decompress((DATA / "pypgx_oracle.json.gz").read_bytes()))["drugs"])


@pytest.mark.parametrize("source", ["CPIC", "DPWG", "FDA"])
def test_drug_codes_are_cpics(source):
    """guidelines/*.tsv: each RxNorm id is the one CPIC's drug table (cpic-data seed, or PyPGx's copy
    of it) gives the drug, each ATC code one of the drug's codes there; drugs neither lists are few."""
    table = reference.reference_dir() / "guidelines" / f"{source.lower()}.tsv"
    lines = [line.split("\t") for line in table.read_text().splitlines() if line and not line.startswith("#")]
    rows = [dict(zip(lines[0], fields)) for fields in lines[1:]]
    wrong, unlisted = [], set()
    for row in rows:
        known = [s[row["drug"].lower()] for s in DRUG_SOURCES if row["drug"].lower() in s]
        if not known:
            unlisted.add(row["drug"])
            continue
        rxnorm = {k["rxnorm"] for k in known if k["rxnorm"]}
        atc = {code for k in known for code in k["atc"]}
        if (row["rxnorm"] and row["rxnorm"] not in rxnorm) or (row["atc"] and row["atc"] not in atc):
            wrong.append((row["drug"], row["rxnorm"], row["atc"], sorted(rxnorm), sorted(atc)))
    assert not wrong, f"{len(wrong)} rows differ from CPIC's drug table, e.g. {wrong[:3]}"
    assert len(unlisted) <= 3, sorted(unlisted)


@pytest.mark.parametrize("gene", sorted(CPIC_DATA["genes"]))
def test_gene_ids_are_cpics(gene):
    """genome/genes.tsv against CPIC's gene table. CPIC's DPYD row is known wrong (its HGNC column
    holds DPYD's NCBI Gene id, its NCBI column IFNL3's); pgx ships HGNC's DPYD ids (source column
    of genes.tsv), so the check there is that the NCBI id is the number CPIC misplaced."""
    src = CPIC_DATA["genes"][gene]
    ours = reference.gene_ids(gene)
    assert ours["ensembl_gene"] == src["ensembl_gene"]
    if gene == "DPYD":
        assert ours["ncbi_gene"] == src["hgnc_id"].removeprefix("HGNC:") and ours["source"].startswith("HGNC")
    else:
        assert (ours["hgnc_id"], ours["ncbi_gene"]) == (src["hgnc_id"], src["ncbi_gene"])
    assert reference.gene_info(gene)["chrom"] == src["chrom"]


# ------------------------------------------------------------------ VCF reserved keys (hts-specs)
VCF_SPEC = json.loads((DATA / "vcf_spec_oracle.json").read_text(encoding="utf-8"))["versions"]


def test_reserved_vcf_keys_are_the_specifications():
    """vcf/reserved_keys.tsv: each key's Number, Type and the versions that reserve it are the
    specification's; every reserved key is listed, those with the Number codes 4.4 and 4.5 added
    (P, M, LA, LR, LG) too."""
    table = reference.reference_dir() / "vcf" / "reserved_keys.tsv"
    lines = [line.split("\t") for line in table.read_text().splitlines() if line and not line.startswith("#")]
    ours = {(r["section"], r["key"]): r for r in (dict(zip(lines[0], f)) for f in lines[1:])}
    wrong = []
    for (section, key), row in ours.items():
        spec = {v: VCF_SPEC[v][section].get(key) for v in VCF_SPEC}
        reserving = [v for v, nt in spec.items() if nt]
        if row["versions"].split(",") != reserving or any(spec[v] != [row["number"], row["type"]] for v in reserving):
            wrong.append((section, key, row["number"], row["type"], row["versions"], spec))
    assert not wrong, f"{len(wrong)} keys differ from the specification, e.g. {wrong[:3]}"
    missing = sorted({(s, k) for v in VCF_SPEC.values() for s, keys in v.items() for k in keys if (s, k) not in ours})
    assert not missing, missing


# ------------------------------------------------------------------ CYP2D6 locus (PyPGx 0.27.0)
@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_cyp2d6_locus_is_pypgxs(build):
    """structural/CYP2D6_locus.tsv: the locus is PyPGx's CYP2D6 region (1-based start -> start0),
    the exons PyPGx's CYP2D6 and CYP2D7 exons numbered from the 5' end (both genes on the minus
    strand), and the control region runs from 2 kb past CYP2D7's 5' end to the region's end, as the
    table header defines it."""
    d6, d7 = PYPGX["CYP2D6"], PYPGX["CYP2D7"]
    chrom, span = d6[build]["region"].split(":")
    start, end = (int(x) for x in span.split("-"))
    want = {("locus", None): ("chr" + chrom, start - 1, end)}
    for gene, src in (("CYP2D6", d6), ("CYP2D7", d7)):
        assert src["strand"] == "-"
        exons = sorted(zip(src[build]["exon_starts"], src[build]["exon_ends"]), reverse=True)
        want.update({(f"{gene}_exon", n): ("chr" + chrom, s, e) for n, (s, e) in enumerate(exons, start=1)})
    want[("control_locus", None)] = ("chr" + chrom, max(d7[build]["exon_ends"]) + 2000, end)
    table = reference.structural_locus("CYP2D6", genome_build=build)
    rows = table.select("feature", "number", "chrom", "start0", "end").iter_rows()
    got = {(f, n): (c, s, e) for f, n, c, s, e in rows}
    assert got == want


def test_cyp2d6_locus_sequence_has_cpics_reference_alleles():
    """structural/CYP2D6_sequence.tsv (GRCh38 bases read back from pbmm2 '=' CIGARs): every CYP2D6
    definition row's reference allele (CPIC, GRCh38) is the sequence's, the locus window lies
    inside it, and a changed base fails the table's own checksum."""
    chrom, start0, seq = reference.structural_sequence("CYP2D6")
    defs = reference.allele_definitions("CYP2D6", genome_build="GRCh38")
    rows = defs.select("pos", "ref").unique().iter_rows()
    wrong = [(pos, ref, seq[pos - 1 - start0:pos - 1 - start0 + len(ref)]) for pos, ref in rows
             if seq[pos - 1 - start0:pos - 1 - start0 + len(ref)] != ref]
    assert defs.height > 500 and not wrong, wrong
    window = reference.structural_locus("CYP2D6").filter(feature="locus").select("chrom", "start0", "end").row(0)
    assert window[0] == chrom and start0 <= window[1] and window[2] <= start0 + len(seq)
    assert seq.count("N") <= 3 and set(seq) <= set("ACGTN")


def test_cyp2d6_locus_sequence_checksum_guards_edits(tmp_path):
    import shutil

    from pgx.exceptions import ReferenceDataError

    copy = tmp_path / "reference"
    shutil.copytree(reference.reference_dir(), copy)
    path = copy / "structural" / "CYP2D6_sequence.tsv"
    text = path.read_text()
    head, _, last = text.rstrip("\n").rpartition("\n")
    fields = last.split("\t")
    fields[-1] = ("T" if fields[-1][1000] != "T" else "A").join([fields[-1][:1000], fields[-1][1001:]])
    path.write_text(head + "\n" + "\t".join(fields) + "\n")
    with pytest.raises(ReferenceDataError, match="sha256"):
        reference.structural_sequence("CYP2D6", reference_dir=copy)


# ------------------------------------------------------------------ phenoconversion ladders (CPIC)
def _ladder(gene: str) -> list[dict[str, str]]:
    table = reference.reference_dir() / "medications" / "activity_bins.tsv"
    lines = [line.split("\t") for line in table.read_text().splitlines() if line and not line.startswith("#")]
    return [r for r in (dict(zip(lines[0], f)) for f in lines[1:]) if r["gene"] == gene]


def _step_of(gene: str, score: float) -> list[str]:
    """The phenotypes of the ladder steps whose activity interval holds the score."""
    def inside(r: dict[str, str]) -> bool:
        lo, hi = float(r["lower"]), float(r["upper"])
        return ((lo < score or (lo == score and r["lower_inclusive"] == "true"))
                and (score < hi or (hi == score and r["upper_inclusive"] == "true")))
    return [r["phenotype"] for r in _ladder(gene) if r["lower"] and inside(r)]


def test_cyp2c9_ladder_bins_give_cpics_phenotypes():
    """medications/activity_bins.tsv, CYP2C9: the score of each diplotype CPIC lists (sum of CPIC's
    activity values) falls in exactly one step, the one with CPIC's phenotype for it."""
    src = CPIC["CYP2C9"]
    value = {a: float(v) for a, (_, v) in src["functions"].items() if v not in (None, "n/a")}
    pairs = {(value[a] + value[b], ph) for (a, b), ph in src["diplotypes"] if a in value and b in value}
    assert len({s for s, _ in pairs}) >= 5
    wrong = [(score, ph, _step_of("CYP2C9", score)) for score, ph in sorted(pairs) if _step_of("CYP2C9", score) != [ph]]
    assert not wrong, wrong


def test_cyp2d6_ladder_bins_are_the_consensus():
    """medications/activity_bins.tsv, CYP2D6: the CPIC/DPWG consensus scores land on its phenotypes."""
    from test_reference_cpic import CYP2D6_CONSENSUS

    assert {s: _step_of("CYP2D6", s) for s in CYP2D6_CONSENSUS} == {s: [p] for s, p in CYP2D6_CONSENSUS.items()}


# ------------------------------------------------------------------ tumour types (OncoTree 2026-05-21)
def test_tumour_types_are_oncotrees():
    """oncology/tumor_types.tsv: every OncoTree type with its name, main type and parent, and no other
    type but pgx's one grouping SOLID, which sits between the root TISSUE and every tissue except
    HEMATOPOIETIC (the table header says so). Two OncoTree names carry a doubled space, written single."""
    lines = gzip.decompress((DATA / "oncotree_oracle.txt.gz").read_bytes()).decode("utf-8").splitlines()
    want = {}
    for line in lines:
        code, name, main_type, parent = line.split("|")
        if parent == "TISSUE" and code != "HEMATOPOIETIC":
            parent = "SOLID"
        want[code] = (" ".join(name.split()), main_type or "-", parent or "-")  # runs of spaces as one
    want["SOLID"] = ("Any Solid Tumor", "-", "TISSUE")
    table = reference.reference_dir() / "oncology" / "tumor_types.tsv"
    rows = [line.split("\t") for line in table.read_text().splitlines() if line and not line.startswith("#")]
    got = {r[0]: tuple(r[1:4]) for r in rows[1:]}
    assert len(got) == len(rows) - 1 == len(want)
    wrong = {code: (got.get(code), value) for code, value in want.items() if got.get(code) != value}
    assert not wrong, f"{len(wrong)} types differ from OncoTree, e.g. {list(wrong.items())[:3]}"
