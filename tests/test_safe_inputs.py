"""Real-world VCF shapes (issue #19): headers without contig lengths, sites-only and GT-less
files, variant-only files. Every input is the shipped example with its header or records
rewritten here."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import polars as pl
import pytest

import pgx
from pgx.exceptions import NoGenotypesError, VariantOnlyInputWarning
from pgx.reference import genes, positions
from pgxcli import run_pgx

EXAMPLE = Path(pgx.example_vcf()).read_text().splitlines()
GENES = ["CYP2C19", "CYP2C9"]


def _rewrite(*, contig: str | None = None, reference: str | None = None, record=None) -> str:
    """The example with each ##contig line replaced by ``contig`` (formatted with the ID, or
    dropped when None), its ##reference replaced (or dropped) and each record passed through
    ``record`` (fields -> fields, or None to drop it)."""
    out = []
    for line in EXAMPLE:
        if line.startswith("##reference="):
            if reference is not None:
                out.append(reference)
        elif line.startswith("##contig="):
            if contig is not None:
                out.append(contig.format(line.split("ID=")[1].split(",")[0]))
        elif line.startswith("#") or record is None:
            out.append(line)
        else:
            fields = record(line.split("\t"))
            if fields is not None:
                out.append("\t".join(fields))
    return "\n".join(out) + "\n"


def _to_grch37(fields: list[str]) -> list[str]:
    """A GRCh38 example record at its GRCh37 position with GRCh37's reference base; where
    GRCh37's base is the record's ALT (CYP3A5 rs776746) REF and ALT swap, and so do the calls."""
    lifted = {}
    for gene in genes():
        # GRCh37 lists only the positions with a sourced GRCh37 coordinate: pair rows by variant
        new, old = positions(gene, genome_build="GRCh37"), positions(gene, genome_build="GRCh38")
        both = old.join(new, on=["chrom", "rsid", "ref", "alt"], suffix="_37").filter(pl.col("rsid") != "")
        for chrom, pos38, pos37, ref37 in both.select("chrom", "pos", "pos_37", "genome_ref_37").rows():
            lifted[(chrom, pos38)] = (pos37, ref37)
    pos37, ref37 = lifted[(fields[0], int(fields[1]))]
    fields = list(fields)
    fields[1] = str(pos37)
    if fields[3] != ref37:
        assert fields[4] == ref37, fields
        fields[3], fields[4] = ref37, fields[3]
        swap = str.maketrans("01", "10")
        fields[9:] = [call.split(":", 1)[0].translate(swap) + ":" + call.split(":", 1)[1] for call in fields[9:]]
    return fields


def _write(tmp_path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _calls(source) -> list[tuple]:
    return pgx.call(source, genes=GENES).select("sample_id", "gene", "diplotype", "phenotype").rows()


EXPECTED = _calls(pgx.example_vcf())


def test_expected_calls_are_the_stable_facts():
    found = {(s, g): d for s, g, d, _ in EXPECTED}
    assert found["SAMPLE_A", "CYP2C19"] == "*2/*38" and found["SAMPLE_D", "CYP2C19"] == "*2/*2"
    assert found["SAMPLE_B", "CYP2C9"] == "*1/*2"


@pytest.mark.parametrize(("name", "text", "build", "source"), [
    ("assembly.vcf", _rewrite(contig='##contig=<ID={},assembly=GRCh38.p14,species="Homo sapiens">'),
     "GRCh38", "##contig assembly=GRCh38.p14 (8 contigs)"),
    ("reference37.vcf", _rewrite(reference="##reference=file:///data/ref/GRCh37.fa", record=_to_grch37),
     "GRCh37", "##reference=file:///data/ref/GRCh37.fa"),
    ("bare38.vcf", _rewrite(), "GRCh38", "REF bases at definition positions: "),
    ("bare37.vcf", _rewrite(record=_to_grch37), "GRCh37", "REF bases at definition positions: "),
])
def test_build_is_inferred_and_said(tmp_path, name, text, build, source):
    path = _write(tmp_path, text, name)
    callset = pgx.read_vcf(path)
    assert callset.genome_build == build
    assert callset.genome_build_source.startswith(source)
    assert _calls(path) == EXPECTED
    if source.startswith("REF"):
        assert f"match {build}" in callset.genome_build_source.split(",")[0]


def test_report_states_how_the_build_was_inferred(tmp_path):
    path = _write(tmp_path, _rewrite(contig='##contig=<ID={},assembly=GRCh38.p14>'), "assembly.vcf")
    out = run_pgx("report", path, "--sample", "SAMPLE_A", "-o", str(tmp_path / "out"), timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "out" / "SAMPLE_A.json").read_text())
    assert doc["genome_build"] == "GRCh38"
    assert doc["genome_build_source"] == "##contig assembly=GRCh38.p14 (8 contigs)"
    html = (tmp_path / "out" / "SAMPLE_A.html").read_text()
    assert "GRCh38 (inferred from ##contig assembly=GRCh38.p14 (8 contigs))" in html
    given = run_pgx("report", path, "--sample", "SAMPLE_A", "--genome-build", "GRCh38", "--force",
                    "-o", str(tmp_path / "given"), timeout=120)
    assert given.returncode == 0, given.stderr
    assert "genome_build_source" not in json.loads((tmp_path / "given" / "SAMPLE_A.json").read_text())


def test_unclear_build_keeps_the_error_and_the_cli_names_its_option(tmp_path):
    # two records at definition positions: too few REF bases to decide
    keep = {"rs4244285", "rs1799853"}
    path = _write(tmp_path, _rewrite(record=lambda f: f if f[2] in keep else None), "few.vcf")
    assert pgx.read_vcf(path).genome_build is None
    message = (f"{path}: the genome build of the calls is unknown: the header has no ##contig lengths, ##contig "
               "assembly= or ##reference naming a build, and the REF bases at the definition positions do not "
               "decide it; pass {}")
    with pytest.raises(pgx.GenomeBuildError) as caught:
        pgx.call(path, genes=GENES)
    assert str(caught.value) == message.format("genome_build='GRCh38' or 'GRCh37'")
    out = run_pgx("call", path, "-o", str(tmp_path / "calls.tsv"), timeout=120)
    assert out.returncode == 2
    assert out.stderr == "pgx: error: " + message.format("--genome-build GRCh38 or --genome-build GRCh37") + "\n"
    assert not (tmp_path / "calls.tsv").exists()
    given = run_pgx("call", path, "--genome-build", "GRCh38", "-o", str(tmp_path / "calls.tsv"), timeout=120)
    assert given.returncode == 0, given.stderr
    assert given.stderr.strip().endswith("genome build GRCh38")


def test_contradicted_build_names_the_cli_option(tmp_path):
    out = run_pgx("call", pgx.example_vcf(), "--genome-build", "GRCh37", "-o", str(tmp_path / "c.tsv"), timeout=120)
    assert out.returncode == 2 and not (tmp_path / "c.tsv").exists()
    assert out.stderr == (f"pgx: error: {pgx.example_vcf()}: --genome-build GRCh37 was requested but the file's "
                          "##contig lengths (8 contigs) say GRCh38; pass --genome-build GRCh38 or lift the file "
                          "over to GRCh37\n")
    with pytest.raises(pgx.GenomeBuildError, match=r"pass genome_build='GRCh38' or lift"):
        pgx.call(pgx.example_vcf(), genome_build="GRCh37")


def _sites_only(fields):
    return fields[:8]


def _no_gt(fields):
    return fields[:8] + ["DP:GQ"] + [call.split(":", 1)[1] for call in fields[9:]]


_NO_GT_TEXT = "\n".join(line for line in _rewrite(record=_no_gt).splitlines() if "ID=GT," not in line) + "\n"


@pytest.mark.parametrize(("text", "reason"), [
    ("\n".join(line if not line.startswith("#CHROM") else "\t".join(line.split("\t")[:8])
               for line in _rewrite(record=_sites_only).splitlines()) + "\n",
     "it has no sample columns (a sites-only VCF); pgx calls star alleles from each sample's GT"),
    (_NO_GT_TEXT, "none of its 13 records has a GT call for any of its 4 sample(s) (no GT in FORMAT, or every "
                  "GT is '.')"),
], ids=["sites-only", "no-GT"])
def test_files_without_genotypes_are_refused(tmp_path, text, reason):
    path = _write(tmp_path, text, "nogt.vcf")
    message = f"{path}, field FORMAT/GT: the file has no genotypes: {reason}"
    with pytest.raises(NoGenotypesError) as caught:
        pgx.call(path)
    assert str(caught.value) == message
    with pytest.raises(NoGenotypesError):
        pgx.pipeline.report(path, tmp_path / "py-out")
    assert not (tmp_path / "py-out").exists()
    runs = [("call", "calls.tsv"), ("report", "reports"), ("report", "blocks", "--sample-block", "2")]
    for command, target, *more in runs:
        out = run_pgx(command, path, *more, "-o", str(tmp_path / target), timeout=120)
        assert out.returncode == 2
        assert out.stderr == f"pgx: error: {message}\n"
        assert not (tmp_path / target).exists()


HINT = ("looks variant-only ({}); positions absent from it are unknown, so genes go uncalled or Indeterminate. "
        "If the file lists every non-reference site of the genes it covers, pass {}: absent positions in "
        "covered genes are then counted as reference")


def _one_sample(fields):
    """SAMPLE_B alone, its records where it carries an ALT: a single-sample variant-only VCF."""
    call = fields[10].split(":")[0]
    return fields[:9] + [fields[10]] if call not in ("0/0", "./.") else None


def _single_sample_text() -> str:
    lines = _rewrite(record=_one_sample).splitlines()
    return "\n".join("\t".join(ln.split("\t")[:9] + ["SAMPLE_B"]) if ln.startswith("#CHROM") else ln
                     for ln in lines) + "\n"


def _polymorphic(fields):
    """Records where some sample carries an ALT (a multi-sample variant-only VCF)."""
    return fields if any(c.split(":")[0] not in ("0/0", "./.") for c in fields[9:]) else None


@pytest.mark.parametrize(("text", "reason"), [
    (_single_sample_text(), "no sample has a homozygous-reference call at any of the 7 definition positions the "
                            "file has records for"),
    (_rewrite(record=_polymorphic), "every record at a definition position has an ALT carrier, and "
                                    r"\d+ of the \d+ definition positions of 9 gene\(s\) have no record"),
], ids=["single-sample", "multi-sample"])
def test_variant_only_files_get_one_hint(tmp_path, text, reason):
    path = _write(tmp_path, text, "variants.vcf")
    hint = re.escape(HINT).replace(r"\{\}", "{}")
    with pytest.warns(VariantOnlyInputWarning) as caught:
        pgx.call(path)
    assert len(caught) == 1
    python = re.escape(path) + " " + hint.format(reason if "\\d" in reason else re.escape(reason),
                                                 re.escape("assume_reference=True"))
    assert re.fullmatch(python, str(caught[0].message)), str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pgx.call(path, assume_reference=True)
    out = run_pgx("report", path, "-o", str(tmp_path / "reports"), timeout=120)
    assert out.returncode == 0, out.stderr
    hints = [line for line in out.stderr.splitlines() if line.startswith("pgx: warning:")]
    assert len(hints) == 1, out.stderr
    cli = "pgx: warning: " + re.escape(path) + " " + hint.format(
        reason if "\\d" in reason else re.escape(reason), re.escape("--assume-reference"))
    assert re.fullmatch(cli, hints[0]), hints[0]


def test_full_files_get_no_hint():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calls = pgx.call(pgx.example_vcf())
    assert calls.filter(pl.col("gene") == "CYP2C19").height == 4
