"""Write VCFs whose samples carry chosen star-allele diplotypes, built from the
reference tables (as PharmCAT's tests build VCFs from the definitions)."""

from __future__ import annotations

import pgx.reference as ref

LENGTHS = {"GRCh38": ref.contig_lengths("GRCh38"), "GRCh37": ref.contig_lengths("GRCh37")}


def gene_records(gene: str, build: str = "GRCh38") -> list[dict]:
    """One record per (position, REF) of the gene, VCF-style.

    SNV records use the genome's base as REF (which can be a star allele's ALT, e.g.
    NAT2 rs1208 in GRCh38), and list every other base a definition needs as ALT.
    """
    positions = ref.positions(gene, genome_build=build)
    records = []
    for pos, r, alts, genome_ref in positions.select("pos", "ref", "alt", "genome_ref").iter_rows():
        alts = alts.split(",")
        if len(r) == 1 and all(len(a) == 1 for a in alts):
            vcf_ref = genome_ref or r
            vcf_alts = [b for b in [r, *alts] if b != vcf_ref]
            seq = {vcf_ref: 0, **{b: k for k, b in enumerate(vcf_alts, start=1)}}
            records.append({"pos": pos, "ref": vcf_ref, "alts": vcf_alts, "index": seq, "def_ref": r,
                            "snv": True})
        else:
            records.append({"pos": pos, "ref": r, "alts": alts, "def_ref": r, "snv": False,
                            "index": {a: k for k, a in enumerate(alts, start=1)}})
    return records


def allele_variants(gene: str, build: str = "GRCh38") -> dict[str, set[tuple[int, str, str]]]:
    """allele -> its defining (pos, ref, alt) variants."""
    out: dict[str, set] = {}
    for allele, pos, r, alt in ref.allele_definitions(gene, genome_build=build).select(
        "allele", "pos", "ref", "alt"
    ).iter_rows():
        out.setdefault(allele, set()).add((pos, r, alt))
    return out


def _allele_index(record: dict, variants: set[tuple[int, str, str]]) -> int:
    for pos, r, alt in variants:
        if pos == record["pos"] and (record["snv"] or r == record["ref"]) and alt in record["index"]:
            if record["snv"] and r != record["def_ref"]:
                continue
            return record["index"][alt]
    if record["snv"]:
        return record["index"][record["def_ref"]]
    return 0


def diplotype_vcf(gene: str, samples: list[tuple[str, str, str | None]], *, phased: bool,
                  build: str = "GRCh38") -> str:
    """VCF text with one sample per (name, allele 1, allele 2); allele 2 None = haploid."""
    records = gene_records(gene, build)
    variants = allele_variants(gene, build)
    chrom = ref.gene_info(gene)["chrom"]
    sep = "|" if phased else "/"
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={chrom},length={LENGTHS[build][chrom]}>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                        *[s[0] for s in samples]])]
    for record in records:
        calls = []
        for _, a1, a2 in samples:
            h1 = _allele_index(record, variants.get(a1, set()))
            if a2 is None:
                calls.append(str(h1))
                continue
            h2 = _allele_index(record, variants.get(a2, set()))
            calls.append(f"{h1}{sep}{h2}")
        alt = ",".join(record["alts"]) or "."
        lines.append("\t".join([chrom, str(record["pos"]), ".", record["ref"], alt, ".", "PASS", ".", "GT",
                                *calls]))
    return "\n".join(lines) + "\n"
