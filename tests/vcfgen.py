"""Random but valid VCF text with the truth it encodes, for the reader's tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

GRCH38_CONTIGS = {"chr1": 248956422, "chr10": 133797422, "chrX": 156040895, "chrY": 57227415, "chrM": 16569}


@dataclass
class VcfSpec:
    """What a generated VCF holds, so tests can check the reader against it."""

    text: str
    n_samples: int
    genotypes: np.ndarray  # int8 (variants, samples, ploidy), -1 missing, -2 non-allele
    phased: np.ndarray
    pos: list[int] = field(default_factory=list)
    chrom: list[str] = field(default_factory=list)
    ref: list[str] = field(default_factory=list)
    alt: list[list[str]] = field(default_factory=list)
    dp: np.ndarray | None = None


def make_vcf_text(
    *,
    n_samples: int = 5,
    n_records: int = 40,
    seed: int = 0,
    multiallelic: bool = True,
    missing: bool = True,
    haploid: bool = True,
    mixed_phase: bool = True,
    format_extra: bool = True,
    gvcf: bool = False,
    crlf: bool = False,
    long_header: int = 0,
    contig_style: str = "chr",
) -> VcfSpec:
    """Write a random but valid VCF; return its text and the truth it encodes."""
    rng = np.random.default_rng(seed)
    lines = ["##fileformat=VCFv4.3"]
    for name, length in GRCH38_CONTIGS.items():
        cname = name if contig_style == "chr" else name[3:].replace("M", "MT")
        lines.append(f"##contig=<ID={cname},length={length}>")
    lines += [
        '##FILTER=<ID=q10,Description="Quality below 10">',
        '##FILTER=<ID=s50,Description="Less than 50% of samples have data">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End of block">',
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">',
        '##INFO=<ID=DB,Number=0,Type=Flag,Description="dbSNP">',
        '##INFO=<ID=NOTE,Number=1,Type=String,Description="Free text">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Quality">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Likelihoods">',
    ]
    lines += [f"##comment{i}=filler line to make a long header block" for i in range(long_header)]
    samples = [f"S{i}" for i in range(n_samples)]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    gts = np.full((n_records, n_samples, 2), -1, dtype=np.int8)
    phased = np.zeros((n_records, n_samples), dtype=bool)
    dps = np.full((n_records, n_samples), -1, dtype=np.int32)
    spec = VcfSpec("", n_samples, gts, phased, dp=dps)
    pos = 1000
    bases = "ACGT"
    for r in range(n_records):
        chrom_key = "chr1" if r < n_records * 0.6 else ("chrX" if r < n_records * 0.8 else "chrM")
        chrom = chrom_key if contig_style == "chr" else chrom_key[3:].replace("M", "MT")
        pos += int(rng.integers(1, 50)) if r and spec.chrom[-1] == chrom else 0
        if r and spec.chrom and spec.chrom[-1] != chrom:
            pos = 500
        ref = bases[rng.integers(4)]
        if rng.random() < 0.15:
            ref += "".join(rng.choice(list(bases), size=int(rng.integers(1, 4))))
        n_alt = 1 + (int(rng.integers(0, 3)) if multiallelic and rng.random() < 0.3 else 0)
        alts: list[str] = []
        while len(alts) < n_alt:
            cand = bases[rng.integers(4)] + ("" if rng.random() < 0.8 else "T")
            if cand != ref and cand not in alts:
                alts.append(cand)
        info = f"AC={','.join(str(int(x)) for x in rng.integers(0, 9, n_alt))}"
        if rng.random() < 0.3:
            info += ";DB"
        if rng.random() < 0.3:
            info += ";NOTE=x" + str(r)
        block_end = None
        if gvcf and rng.random() < 0.5:
            alts = ["<NON_REF>"]
            block_end = pos + int(rng.integers(0, 30))
            info = f"END={block_end}"
        fmt = "GT:DP:GQ:AD:PL" if format_extra else "GT"
        calls = []
        hap_record = haploid and chrom_key in ("chrM",)
        for s in range(n_samples):
            haplo = hap_record or (haploid and chrom_key == "chrX" and s % 2 == 1)
            ploidy = 1 if haplo else 2
            n_all = 1 + len(alts)
            alleles = [int(rng.integers(0, n_all)) for _ in range(ploidy)]
            if block_end is not None:
                alleles = [0] * ploidy
            if missing and rng.random() < 0.1:
                alleles = [-1] * ploidy if rng.random() < 0.5 else [alleles[0], -1][:ploidy]
            sep = "|" if (not mixed_phase or rng.random() < 0.5) else "/"
            text = sep.join("." if a < 0 else str(a) for a in alleles)
            if missing and rng.random() < 0.03:
                text = "."
            if text == ".":
                gts[r, s] = (-1, -1)
                phased[r, s] = False
            elif len(alleles) == 1:
                gts[r, s] = (alleles[0], -2)
                phased[r, s] = True
            else:
                gts[r, s] = alleles
                phased[r, s] = sep == "|"
            if format_extra:
                dp = int(rng.integers(0, 99))
                if missing and rng.random() < 0.1:
                    dp_text = "."
                    dp = -1
                else:
                    dp_text = str(dp)
                dps[r, s] = dp
                ad = ",".join(str(int(x)) for x in rng.integers(0, 50, n_all))
                if rng.random() < 0.05:
                    # trailing fields dropped, as the spec allows
                    calls.append(f"{text}:{dp_text}")
                    continue
                calls.append(f"{text}:{dp_text}:{int(rng.integers(0, 99))}:{ad}:0,10,100")
            else:
                calls.append(text)
        alt_text = ",".join(alts)
        qual = "." if rng.random() < 0.3 else f"{rng.random() * 100:.1f}"
        filt = "PASS" if rng.random() < 0.7 else (".", "q10", "q10;s50")[int(rng.integers(3))]
        rid = "." if rng.random() < 0.5 else f"rs{r + 100}"
        line = [chrom, str(pos), rid, ref, alt_text, qual, filt, info]
        if n_samples:
            line += [fmt, *calls]
        lines.append("\t".join(line))
        spec.pos.append(pos)
        spec.chrom.append(chrom)
        spec.ref.append(ref)
        spec.alt.append(alts)
        pos += len(ref)
    eol = "\r\n" if crlf else "\n"
    spec.text = eol.join(lines) + eol
    if n_samples == 0:
        spec.text = spec.text.replace("\tFORMAT", "")
    return spec
