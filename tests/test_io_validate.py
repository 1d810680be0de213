"""pgx.io.validate: each kind of problem named by line, field and severity; every problem of a
file in one pass; compressed and BCF input; read_vcf(strict=True). The command is tested in
test_cli_validate.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import pgx
import pgx.io
from pgx import VcfFormatError

CLEAN = (Path(__file__).parent / "data" / "validate" / "clean.vcf").read_text()
HEADER, RECORDS = CLEAN[: CLEAN.index("chr1\t100")], CLEAN[CLEAN.index("chr1\t100"):]
GOOD = RECORDS.splitlines()[0]
#: the line a record appended after the two clean records is on
NEXT = CLEAN.count("\n") + 1


def _problems(write_vcf, text: str, name: str = "case.vcf") -> list[tuple]:
    return pgx.io.validate(write_vcf(text, name)).rows()


def _with(**fields) -> str:
    """The clean first record moved to POS 500 with some columns replaced."""
    names = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "S1", "S2"]
    values = dict(zip(names, GOOD.split("\t")))
    values["POS"] = "500"
    values.update(fields)
    return "\t".join(values[n] for n in names if values[n] is not None) + "\n"


def test_clean_fixture_has_no_problem(write_vcf):
    assert _problems(write_vcf, CLEAN) == []
    assert pgx.io.validate(pgx.example_vcf()).filter(severity="error").height == 0


RECORD_CASES = [
    # (columns replaced, field, severity, words of the message)
    ({"CHROM": "chr 1"}, "CHROM", "error", "whitespace"),
    ({"CHROM": "chr1,2"}, "CHROM", "error", "comma"),
    ({"CHROM": "chr2"}, "CHROM", "warning", "not declared by a ##contig line"),
    ({"POS": "12a"}, "POS", "error", "'12a'"),
    ({"POS": "-1"}, "POS", "error", "found -1"),
    ({"POS": "2000000"}, "POS", "warning", "beyond the end of chr1"),
    ({"ID": "rs1;"}, "ID", "error", "empty identifier"),
    ({"ID": "rs 1"}, "ID", "error", "whitespace"),
    ({"ID": "rs1;rs1"}, "ID", "warning", "twice"),
    ({"REF": "AXG"}, "REF", "error", "'AXG'"),
    ({"REF": "A,C"}, "REF", "error", "one allele"),
    ({"REF": "."}, "REF", "error", "missing"),
    ({"ALT": "G,,T", "S1": "0/1", "S2": "0/0", "FORMAT": "GT"}, "ALT", "error", "empty allele"),
    ({"ALT": "<INS>BLAH>"}, "ALT", "error", "symbolic allele"),
    ({"ALT": "[chr1:100["}, "ALT", "error", "breakend"),
    ({"ALT": "G[chr1:100]"}, "ALT", "error", "brackets"),
    ({"ALT": "A"}, "ALT", "warning", "is the REF allele"),
    ({"QUAL": "high"}, "QUAL", "error", "'high'"),
    ({"QUAL": "-5"}, "QUAL", "warning", "negative"),
    ({"FILTER": "q10;"}, "FILTER", "error", "empty filter code"),
    ({"FILTER": ";q10"}, "FILTER", "error", "empty filter code"),
    ({"FILTER": "my filter"}, "FILTER", "error", "whitespace"),
    ({"FILTER": "0"}, "FILTER", "error", "reserved"),
    ({"FILTER": "q10;."}, "FILTER", "error", "mixes '.'"),
    ({"FILTER": "q99"}, "FILTER", "warning", "not declared by a ##FILTER line"),
    ({"INFO": "DP=1;DP=2"}, "INFO/DP", "error", "twice"),
    ({"INFO": "DP=x"}, "INFO/DP", "error", "Type=Integer, found 'x'"),
    ({"INFO": "DP=2147483648"}, "INFO/DP", "error", "32-bit"),
    ({"INFO": "DP"}, "INFO/DP", "error", "needs a value"),
    ({"INFO": "DB=2"}, "INFO/DB", "error", "Flag"),
    ({"INFO": "AF=0.1,0.2"}, "INFO/AF", "error", "Number=A, so 1 value(s) here, found 2"),
    ({"INFO": "XX=1"}, "INFO/XX", "warning", "not declared"),
    ({"INFO": "AC=-1"}, "INFO/AC", "warning", "cannot be negative"),
    ({"INFO": "R S=1"}, "INFO/R S", "error", "not a valid key"),
    ({"INFO": "DP=1;"}, "INFO", "warning", "empty entry"),
    ({"INFO": "END=50"}, "INFO/END", "error", "before POS"),
    ({"FORMAT": "GT::PL", "S1": "0/1:.:1,2,3", "S2": "0/0:.:1,2,3"}, "FORMAT", "error", "empty key"),
    ({"FORMAT": "PL:GT", "S1": "1,2,3:0/1", "S2": "1,2,3:0/0"}, "FORMAT", "error", "first"),
    ({"FORMAT": "GT:PL:PL", "S1": "0/1:1,2,3:1,2,3", "S2": "0/0:1,2,3:1,2,3"}, "FORMAT", "error", "twice"),
    ({"FORMAT": "GT:X*Y", "S1": "0/1:1", "S2": "0/0:1"}, "FORMAT", "error", "not a valid key"),
    ({"FORMAT": "GT:ZZ", "S1": "0/1:1", "S2": "0/0:1"}, "FORMAT", "warning", "not declared"),
    ({"S1": "0/3:1,2,3"}, "sample 1 GT", "error", "refers to allele 3"),
    ({"S2": "0/-:1,2,3"}, "sample 2 GT", "error", "expected a genotype"),
    ({"S1": "0/|1:1,2,3"}, "sample 1 GT", "error", "expected a genotype"),
    ({"S1": "0/1:1,2"}, "sample 1 PL", "error", "Number=G, so 3 value(s) here, found 2"),
    ({"S1": "0/1/1:1,2,3"}, "sample 1 PL", "error", "so 4 value(s) here"),
    ({"S1": "0/1:1,x,3"}, "sample 1 PL", "error", "Type=Integer, found 'x'"),
    ({"S1": "0/1::"}, "sample 1", "error", "3 sub-fields but FORMAT lists 2"),
    ({"S2": ":1,2,3"}, "sample 2 GT", "error", "is empty"),
    ({"S2": None}, "line", "error", "expected 11 tab-separated columns"),
]


@pytest.mark.parametrize(("fields", "where", "severity", "words"), RECORD_CASES,
                         ids=[f"{c[1]}-{c[3][:20]}" for c in RECORD_CASES])
def test_each_record_check(write_vcf, fields, where, severity, words):
    problems = _problems(write_vcf, CLEAN + _with(**fields))
    assert (NEXT, where, severity) in [p[:3] for p in problems], problems
    message = next(p[3] for p in problems if p[:3] == (NEXT, where, severity))
    assert words in message
    assert all(p[0] == NEXT for p in problems), problems  # nothing else is blamed


HEADER_CASES = [
    # (header line replaced or added, field, severity, words)
    ("##fileformat=VCF v4.3", "header", "error", "##fileformat=VCFv4.x"),
    ("##fileformat=VCFv3.3", "header", "error", "not 4.x"),
    ('##INFO=<ID=DP,Number=N,Type=Integer,Description="Combined depth">', "header INFO", "error", "Number"),
    ('##INFO=<ID=DP,Number=1,Type=Int,Description="Combined depth">', "header INFO", "error", "Type must be"),
    ('##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined depth"', "header INFO", "error", "not closed"),
    ('##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined "depth">', "header INFO", "error", "escaped"),
    ('##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined depth>', "header INFO", "error", "no closing"),
    ('##INFO=<ID=DP,Number=1,Type=Integer,Description=Depth>', "header INFO", "warning", "double quotes"),
    ('##INFO=<Number=1,Type=Integer,Description="Depth",ID=DP>', "header INFO", "warning", "first attribute"),
    ('##INFO=<ID=DP,Number=1,Type=Integer>', "header INFO", "error", "no Description"),
    ('##INFO=<ID=DP,Number=1,Type=Float,Description="Depth">', "header INFO", "warning", "reserves DP"),
    ('##FORMAT=<ID=GT,Number=1,Type=Flag,Description="Genotype">', "header FORMAT", "error", "Type must be"),
    ("##contig=<ID=chr1,A,length=1000000>", "header contig", "error", "no '=value'"),
    ("##contig=<ID=chr<1>,length=1000000>", "header contig", "error", "a contig name may not"),
    ("##contig=<length=1000000>", "header contig", "error", "no ID"),
    ('##ALT=<ID=DEL:A B,Description="Deletion">', "header ALT", "error", "whitespace"),
    ('##ALT=<ID=FOO:BAR,Description="Odd">', "header ALT", "warning", "structural-variant type"),
    ("##Some random plain text", "header", "warning", "not ##key=value"),
    ("##reference=", "header", "warning", "empty value"),
]


@pytest.mark.parametrize(("line", "where", "severity", "words"), HEADER_CASES,
                         ids=[f"{c[1]}-{c[3][:20]}" for c in HEADER_CASES])
def test_each_header_check(write_vcf, line, where, severity, words):
    lines = HEADER.splitlines()
    key = line.split("=<ID=")[0] + "=<ID=" + line.split("=<ID=")[1].split(",")[0] if "=<ID=" in line else None
    at = next((i for i, old in enumerate(lines) if key and old.startswith(key + ",")), None)
    if line.startswith("##fileformat"):
        at = 0
    if at is None:
        at = 1
        lines.insert(1, line)
    else:
        lines[at] = line
    problems = _problems(write_vcf, "\n".join(lines) + "\n" + RECORDS)
    assert (at + 1, where, severity) in [p[:3] for p in problems], problems
    assert words in next(p[3] for p in problems if p[:3] == (at + 1, where, severity))


def test_chrom_line_and_header_structure(write_vcf):
    dup = _problems(write_vcf, CLEAN.replace("\tS1\tS2", "\tS1\tS1"), "dup.vcf")
    assert (9, "sample 2", "error") in [p[:3] for p in dup]
    wrong = _problems(write_vcf, CLEAN.replace("#CHROM\tPOS", "#CHROM\tPOSITION"), "wrong.vcf")
    assert (9, "header", "error") in [p[:3] for p in wrong]
    no_chrom = _problems(write_vcf, HEADER.replace(HEADER.splitlines()[-1] + "\n", ""), "nochrom.vcf")
    assert (None, "header", "error", "the header has no '#CHROM' line") in no_chrom
    junk = _problems(write_vcf, HEADER.replace("##contig", "junk\n##contig") + RECORDS, "junk.vcf")
    assert (2, "header", "error") in [p[:3] for p in junk]
    late = _problems(write_vcf, CLEAN + "##late=1\n", "late.vcf")
    assert (NEXT, "CHROM", "error") in [p[:3] for p in late]
    cut = _problems(write_vcf, CLEAN.rstrip("\n"), "cut.vcf")
    assert cut == [(None, "file", "warning", "the last line does not end with a newline (was the file cut short?)")]
    with pytest.raises(VcfFormatError, match="empty"):
        pgx.io.validate(write_vcf("", "empty.vcf"))


def test_order_and_duplicates(write_vcf):
    first = GOOD + "\n"
    same = _problems(write_vcf, HEADER + first + first, "same.vcf")
    assert [p[:3] for p in same] == [(11, "line", "warning")] and "also on line 10" in same[0][3]
    conflict = _problems(write_vcf, HEADER + first + first.replace("0/1:", "0/0:"), "conflict.vcf")
    assert [p[:3] for p in conflict] == [(11, "line", "error")] and "different sample data" in conflict[0][3]
    # the same SNV written with context (TAT>TGT at 99 is A>G at 100) is a duplicate too
    context = first.replace("\t100\t", "\t99\t").replace("\tA\tG\t", "\tTAT\tTGT\t")
    assert [p[:3] for p in _problems(write_vcf, HEADER + context + first, "ctx.vcf")] == [(11, "line", "warning")]
    back = _problems(write_vcf, HEADER + first.replace("100", "200") + first, "back.vcf")
    assert [p[:3] for p in back] == [(11, "POS", "warning")]
    chr2 = HEADER.replace("##contig=<ID=chr1,length=1000000>", "##contig=<ID=chr1>\n##contig=<ID=chr2>")
    split = chr2 + first + first.replace("chr1", "chr2") + first.replace("\t100\t", "\t900\t")
    assert [p[:3] for p in _problems(write_vcf, split, "split.vcf")] == [(13, "CHROM", "warning")]


def test_version_rules(write_vcf):
    """POS 0 (telomere) is valid; VCF 4.5 allows empty sub-fields (zero-length lists), 4.3 does not."""
    telomere = _problems(write_vcf, HEADER + _with(POS="0"), "zero.vcf")
    assert telomere == []
    empty = _with(S1="0/1:")
    assert (NEXT, "sample 1 PL", "error") in [p[:3] for p in _problems(write_vcf, CLEAN + empty, "v43.vcf")]
    v45 = CLEAN.replace("VCFv4.3", "VCFv4.5") + empty
    assert _problems(write_vcf, v45, "v45.vcf") == []


def test_every_problem_in_one_pass_and_cap(write_vcf):
    bad = "".join(_with(POS=str(1000 + i), QUAL="high") for i in range(150))
    table = pgx.io.validate(write_vcf(CLEAN + _with(REF="B") + bad, "many.vcf"))
    assert table.filter(field="REF").height == 1
    assert table.filter(field="QUAL", severity="error").height == 100
    summary = table.filter(pl_line_null())
    assert summary.rows() == [(None, "QUAL", "warning", "50 more problem(s) like the one on line 13 not listed "
                                                        "(150 in all; pass max_per_check=None to list them)")]
    every = pgx.io.validate(write_vcf(CLEAN + bad, "many2.vcf"), max_per_check=None)
    assert every.filter(field="QUAL").height == 150


def pl_line_null():
    import polars as pl

    return pl.col("line").is_null()


@pytest.mark.parametrize("compression", ["gzip", "bgzip"])
def test_compressed_input_gives_the_same_table(write_vcf, tmp_path, compression):
    text = CLEAN + _with(FILTER="q10;") + _with(POS="600", INFO="DP=x")
    plain = pgx.io.validate(write_vcf(text, "plain.vcf"))
    packed_path = write_vcf(text, "packed.vcf", compression=compression)
    assert pgx.io.validate(packed_path).equals(plain)
    data = Path(packed_path).read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) - 30])
    problems = pgx.io.validate(cut).filter(field="file", severity="error")
    assert problems.height >= 1


def test_bcf_is_validated_through_pysam(write_vcf, tmp_path):
    import pysam

    source = write_vcf(CLEAN + _with(POS="100", S1="0/0:1,2,3"), "src.vcf")  # contradicts line 10
    bcf = str(tmp_path / "x.bcf")
    with pysam.VariantFile(source) as vin, pysam.VariantFile(bcf, "wb", header=vin.header) as out:
        for record in vin:
            out.write(record)
        header_lines = len(str(vin.header).splitlines())  # pysam's text of the header (it adds PASS)
    rows = pgx.io.validate(bcf).rows()
    third = header_lines + 3  # lines count in the BCF's decoded text
    assert [r[:3] for r in rows] == [(third, "POS", "warning"), (third, "line", "error")]


def test_read_vcf_strict(write_vcf):
    clean = write_vcf(CLEAN, "clean.vcf")
    assert pgx.read_vcf(clean, strict=True).genotypes.tolist() == pgx.read_vcf(clean).genotypes.tolist()
    bad = write_vcf(CLEAN + _with(FILTER="q10;") + _with(POS="600", INFO="DP=x"), "bad.vcf")
    default = pgx.read_vcf(bad)  # the default reads what it can, as before
    assert default.n_variants == 4
    with pytest.raises(VcfFormatError) as info:
        pgx.read_vcf(bad, strict=True)
    assert (info.value.path, info.value.line, info.value.field) == (bad, NEXT, "FILTER")
    assert str(info.value).startswith(f"{bad}, line {NEXT}, field FILTER: ")
    with pytest.raises(VcfFormatError, match="field FILTER"):
        list(pgx.iter_vcf(bad, strict=True))
    warned = write_vcf(CLEAN + _with(INFO="XX=1"), "warned.vcf")  # warnings do not stop a strict read
    assert pgx.read_vcf(warned, strict=True).n_variants == 3


def test_fast_path_agrees_with_per_cell_checks(write_vcf, monkeypatch):
    """Well-formed sample columns are accepted by one regular expression per FORMAT; the table
    must be the one the per-cell checks give, for every record case and more cells."""
    from pgx.io._validate import _Validator

    extra = [_with(S1=cell) for cell in ("0|1:1,2,3", "./.:.", "1/1:.,.,.", "0/1", "0/1:-1,2,3", "0/1:1,2,3,4",
                                         "0/1:1.5,2,3", "0/1:1,,3", "0/2:1,2,3", "0/.:1,2,3", "0:1,2", ".:.")]
    texts = [CLEAN + _with(**fields) for fields, *_ in RECORD_CASES] + [CLEAN + "".join(extra)]
    for version in ("4.3", "4.5"):
        fast = [pgx.io.validate(write_vcf(t.replace("VCFv4.3", f"VCFv{version}"), f"f{i}.vcf"))
                for i, t in enumerate(texts)]
        with monkeypatch.context() as patch:
            patch.setattr(_Validator, "fast_pattern", lambda self, fmt, keys, n_alt: None)
            slow = [pgx.io.validate(write_vcf(t.replace("VCFv4.3", f"VCFv{version}"), f"s{i}.vcf"))
                    for i, t in enumerate(texts)]
        for a, b in zip(fast, slow):
            assert a.equals(b), (a, b)
    assert fast[-1].height > 5  # the extra cells hold problems the slow path names
