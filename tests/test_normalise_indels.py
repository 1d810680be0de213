"""Every indel allele of the definitions, written the ways callers write it, gets the same call.

For each gene, one VCF per way of writing (a *form*), one sample per indel allele: the sample
carries its indel (heterozygous) and is reference at every other definition position. The
left-aligned form (as the definitions and a normalised VCF write it) is the baseline; every
other form must give each sample the same diplotype, alternatives and missing positions:

- ``right``: shifted to the 3' end of its repeat (as an HGVS-based converter writes it);
- ``pad_right`` / ``pad_left``: with one extra shared reference base after / before;
- ``multi_first`` / ``multi_second``: in a multi-allelic record with an SNV at its first base,
  the indel being the first or the second ALT (``0/1`` or ``0/2``);
- ``split``: that SNV and the indel on two records at the same POS;
- ``nochr``: contigs named ``10`` rather than ``chr10`` (``MT`` for ``chrM``);
- ``gvcf_nonref`` / ``gvcf_star``: gVCF records with an extra ``<NON_REF>`` / ``<*>`` ALT,
  the other positions as reference blocks.

The shifts and paddings are computed here from the reference bases ``positions.tsv`` ships
(``ref`` and ``ref_context``), by this file's own repeat logic, not by pgx's normaliser. The
right-shifted form must reach at least where CPIC's HGVS (3' rule) places the indel
(``cpic_position``), an independent check of the shipped bases.

The last tests take what cannot be normalised with certainty: an indel placed beyond the
shipped bases (``indel_not_placed``) and a record whose REF contradicts them
(``ref_mismatch``) each reach the call's warnings, neither matched nor dropped unseen.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import pgx
from cpicgen import CONTIG_LENGTHS

FORMS = ["right", "pad_right", "pad_left", "multi_first", "multi_second", "split", "nochr",
         "gvcf_nonref", "gvcf_star"]
NO_CHR = {"chrM": "MT"}
REFERENCE = Path(__file__).parent.parent / "reference" / "pharmacogenes"


def _genes() -> list[str]:
    return [g for g in pgx.calling.callable_genes()
            if pgx.reference.positions(g)["variant_type"].is_in(["ins", "del", "mixed"]).any()]


def _trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Shared trailing then leading bases removed, one anchor base kept."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0] and ref[1] == alt[1]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def _right(pos: int, ref: str, alt: str, bases: dict[int, str]) -> tuple[int, str, str]:
    """An anchored minimal indel slid to the 3' end of its repeat, over the known bases only."""
    if len(ref) > len(alt):  # deletion of ref[1:], starting at pos + 1
        start, size = pos + 1, len(ref) - 1
        while bases.get(start + size) is not None and bases.get(start + size) == bases.get(start):
            start += 1
        anchor = start - 1
        return anchor, "".join(bases[k] for k in range(anchor, start + size)), bases[anchor]
    inserted, anchor = alt[1:], pos
    while bases.get(anchor + 1) == inserted[0]:
        inserted, anchor = inserted[1:] + inserted[0], anchor + 1
    return anchor, bases[anchor], bases[anchor] + inserted


def _gene_cases(gene: str):
    table = pgx.reference.positions(gene)
    chrom = table["chrom"][0]
    bases: dict[int, str] = {}
    rows = []
    for pos, ref, alts, ctx in table.select("pos", "ref", "alt", "ref_context").iter_rows():
        for k, base in enumerate(ctx or ref):
            bases.setdefault(pos + k, base)
        rows.append((pos, ref, alts.split(",")))
    shipped = pl.read_csv(REFERENCE / gene / "positions.tsv", separator="\t", comment_prefix="#",
                          infer_schema=False)
    hgvs_at = {(int(p), r): (int(c), h) for p, r, c, h in shipped.select("pos_grch38", "ref", "cpic_position", "hgvs")
               .iter_rows() if c}
    sites = []  # (row index, alt, forms)
    for i, (pos, ref, alts) in enumerate(rows):
        for alt in alts:
            if len(alt) == len(ref):
                continue
            forms = {"left": [(pos, ref, [alt], 1)]}
            p0, r0, a0 = _trim(pos, ref, alt)
            right = _right(p0, r0, a0, bases)
            if right != (p0, r0, a0):
                forms["right"] = [(right[0], right[1], [right[2]], 1)]
                # CPIC's HGVS placement is one the slide must reach (it may go further where other
                # shipped bases extend the repeat: G6PD 154536021): a deletion names its first
                # deleted base, a duplication the first base of the copy
                cpic, hgvs = hgvs_at.get((pos, ref), (None, ""))
                size = abs(len(alt) - len(ref))
                if ";" in hgvs or "[" in hgvs:
                    pass
                elif "del" in hgvs:
                    assert right[0] + 1 >= cpic, (gene, pos, ref, alt, right, hgvs)
                elif hgvs.endswith("dup"):
                    assert right[0] - size + 1 >= cpic, (gene, pos, ref, alt, right, hgvs)
                left_base = bases.get(right[0] - 1)
                if left_base:
                    forms["pad_left"] = [(right[0] - 1, left_base + right[1], [left_base + right[2]], 1)]
            after = bases.get(p0 + len(r0))
            if after:
                forms["pad_right"] = [(p0, r0 + after, [a0 + after], 1)]
            # an SNV at the record's first base that no definition uses
            defined = {a for p, r, al in rows if p == pos and len(r) == 1 for a in al}
            other = next(b for b in "ACGT" if b != ref[0] and b not in defined)
            snv = other + ref[1:]
            forms["multi_first"] = [(pos, ref, [alt, snv], 1)]
            forms["multi_second"] = [(pos, ref, [snv, alt], 2)]
            forms["split"] = [(pos, ref, [snv], 0), (pos, ref, [alt], 1)]
            sites.append((i, alt, forms))
    return chrom, rows, sites


def _vcf(path: Path, chrom: str, rows, sites, form: str) -> None:
    """One sample per indel site, carrying it in ``form`` (``left`` where the form does not apply)."""
    contig = NO_CHR.get(chrom, chrom[3:]) if form == "nochr" else chrom
    gvcf = {"gvcf_nonref": "<NON_REF>", "gvcf_star": "<*>"}.get(form)
    records = []  # (pos, ref, alts, info, genotype per sample)
    n = len(sites) + 1  # the last sample is reference everywhere
    indel_rows = {i for i, _, _ in sites}
    for i, (pos, ref, alts) in enumerate(rows):
        if i in indel_rows:
            continue
        if gvcf:
            records.append((pos, ref[0], [gvcf], f"END={pos + len(ref) - 1}", ["0/0"] * n))
        else:
            records.append((pos, ref, alts, ".", ["0/0"] * n))
    for s, (i, alt, forms) in enumerate(sites):
        for pos, ref, alts, index in forms.get(form, forms["left"]):
            alts = alts + ([gvcf] if gvcf else [])
            same = [r for r in records if r[:3] == (pos, ref, alts)]  # sites sharing a split record
            gts = same[0][4] if same else ["0/0"] * n
            if not same:
                records.append((pos, ref, alts, ".", gts))
            if index:
                gts[s] = f"0/{index}"
    records.sort(key=lambda r: r[0])
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={contig},length={CONTIG_LENGTHS[chrom]}>",
             '##INFO=<ID=END,Number=1,Type=Integer,Description="End of a reference block">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                        *[f"S{k}" for k in range(n)]])]
    for pos, ref, alts, info, gts in records:
        lines.append("\t".join([contig, str(pos), ".", ref, ",".join(alts), ".", "PASS", info, "GT", *gts]))
    path.write_text("\n".join(lines) + "\n")


def _calls(path: Path, gene: str) -> list[tuple]:
    calls = pgx.call(str(path), genes=[gene], genome_build="GRCh38")
    calls = calls.sort(pl.col("sample_id").str.slice(1).cast(pl.Int64))
    return list(calls.select("diplotype", "alternatives", "missing_positions").iter_rows())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = {}
    folder = tmp_path_factory.mktemp("indels")
    for gene in _genes():
        chrom, rows, sites = _gene_cases(gene)
        by_form = {}
        for form in ["left", *FORMS]:
            path = folder / f"{gene}.{form}.vcf"
            _vcf(path, chrom, rows, sites, form)
            by_form[form] = _calls(path, gene)
        out[gene] = (sites, by_form)
    return out


def test_every_indel_allele_is_covered(results):
    n = {form: 0 for form in ["left", *FORMS]}
    for sites, _ in results.values():
        for _, _, forms in sites:
            for form in n:
                n[form] += form in forms or form in ("nochr", "gvcf_nonref", "gvcf_star")
    # 54 indel alleles in 12 genes (CYP2C9 *25, G6PD Brighton and 8 other G6PD deletions, CYP2D6
    # *3 and *6, UGT1A1 TA5/TA7/TA8, NUDT15, DPYD, CFTR, ...), each written every way its repeat
    # and the shipped bases allow; 42 can slide (12 sit outside any repeat: nothing to shift, and
    # no shipped base next to them to pad with)
    assert n["left"] == n["multi_first"] == n["split"] == n["gvcf_star"] >= 54, n
    assert n["right"] == n["pad_left"] == n["pad_right"] >= 42, n


def test_the_left_aligned_indel_is_seen(results):
    for gene, (sites, by_form) in results.items():
        reference_call = by_form["left"][-1]
        for s, (i, alt, _) in enumerate(sites):
            assert by_form["left"][s][0] != reference_call[0], (gene, alt, by_form["left"][s])


@pytest.mark.parametrize("form", FORMS)
def test_same_call_whichever_way_the_indel_is_written(results, form):
    wrong = []
    for gene, (sites, by_form) in results.items():
        for s, (i, alt, forms) in enumerate(sites):
            if by_form[form][s] != by_form["left"][s]:
                wrong.append((gene, forms.get(form, forms["left"]), by_form["left"][s], by_form[form][s]))
    assert not wrong, wrong


# --- an indel the shipped bases cannot place ------------------------------------------------------

CYP3A4_STAR20 = "chr7:99758183 (rs67666821)"  # CPIC: T duplicated in the T run chr7:99758184-99758188


def _one_sample(path: Path, records: list[tuple[int, str, str, str]], chrom: str = "chr7") -> str:
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={chrom},length={CONTIG_LENGTHS[chrom]}>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]
    lines += [f"{chrom}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT\t{gt}" for p, r, a, gt in sorted(records)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _background(gene: str, skip: int) -> list[tuple[int, str, str, str]]:
    table = pgx.reference.positions(gene)
    return [(p, r, a, "0/0") for p, r, a in table.select("pos", "ref", "alt").iter_rows() if p != skip]


def test_an_indel_beyond_the_known_bases_is_reported_not_matched_or_dropped(tmp_path):
    # a T inserted after chr7:99758195: the *20 insertion if the T run went on to there, which
    # no shipped base says (chr7:99758189-99758194 are unknown): neither *20 nor reference
    records = _background("CYP3A4", 99758183) + [(99758195, "T", "TT", "0/1")]
    row = pgx.call(_one_sample(tmp_path / "far.vcf", records), genes=["CYP3A4"]).row(0, named=True)
    assert f"indel_not_placed: {CYP3A4_STAR20}" in row["warnings"], row
    assert CYP3A4_STAR20 in row["missing_positions"]
    assert any(w.startswith("not_ruled_out: *20") for w in row["warnings"]), row
    # the same insertion where the shipped bases place it (the 3' end of the run): *20
    records = _background("CYP3A4", 99758183) + [(99758188, "T", "TT", "0/1")]
    row = pgx.call(_one_sample(tmp_path / "near.vcf", records), genes=["CYP3A4"]).row(0, named=True)
    assert row["diplotype"] == "*1/*20" and not row["warnings"], row


def test_a_different_indel_nearby_is_not_flagged(tmp_path):
    # a G inserted after the T run's last base: another change (the unit differs), told apart
    # from *20 by the bases alone; and an unrelated T insertion whose own REF breaks the run
    for alt_record in [(99758188, "T", "TG", "0/1"), (99758190, "AT", "ATT", "0/1")]:
        records = _background("CYP3A4", 0) + [alt_record]
        row = pgx.call(_one_sample(tmp_path / "other.vcf", records), genes=["CYP3A4"]).row(0, named=True)
        assert not any(w.startswith("indel_not_placed") for w in row["warnings"]), (alt_record, row)
        assert row["diplotype"] == "*1/*1", (alt_record, row)


def test_a_record_whose_ref_disagrees_with_the_shipped_bases_is_reported(tmp_path):
    # CYP2C9 *25 (a 10-base deletion, rs1304490498) written right-aligned at chr10:94942212:
    # with the repeat's REF it is *25; with one REF base that the shipped repeat contradicts
    # (chr10:94942221 is A) it was read against another reference: not *25, not dropped unseen
    label = "chr10:94942205 (rs1304490498)"
    for ref, expected in [("AAGAAATGGAA", "*1/*25"), ("AAGAAATGGTA", None)]:
        records = _background("CYP2C9", 94942205) + [(94942212, ref, "A", "0/1")]
        row = pgx.call(_one_sample(tmp_path / "c9.vcf", records, "chr10"), genes=["CYP2C9"]).row(0, named=True)
        if expected:
            assert row["diplotype"] == expected and not row["warnings"], row
        else:
            assert f"ref_mismatch: {label}" in row["warnings"] and label in row["missing_positions"], row
            assert any(w.startswith("not_ruled_out: *25") for w in row["warnings"]), row
