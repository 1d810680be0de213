"""Simulated aligned reads over the CYP2D locus, for tests, examples and benchmarks.

GRCh38: the locus is the real GRCh38 sequence shipped in ``reference/structural/CYP2D6_sequence.tsv``.
Each chromosome is built from its structure's gene copies (``reference/structural``): CYP2D6,
CYP2D7 and hybrid copies are joined segment by segment (exons and introns) from the two genes'
own sequence, the star allele's SNVs are written into the CYP2D6-derived copies, and paired
150 bp reads (fragments of about 350 bp, substitution errors) are drawn uniformly along it and
aligned to the locus with minimap2 (``mappy``, its short-read preset), which gives reads that fit
CYP2D6 and CYP2D7 equally well MAPQ 0 and soft-clips reads across a structural junction.

GRCh37 (no shipped sequence): a seeded random sequence laid out at the real coordinates, the
CYP2D7 copy repeating CYP2D6 with about 3% of bases changed, and each read placed where it
matches best (MAPQ 0 and a coin toss where both paralogs fit equally well). Coordinates and
contig names are GRCh37's; the sequence is not.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from pgx import reference
from pgx.calling._structural import N_SEGMENTS, Layout, locus_model
from pgx.io import write_alignments

__all__ = ["simulate_cyp2d6_bam"]

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_FLANK = 1500
_DIFF_RATE = 0.03


def _locus_sequence(model, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random locus bases and, per base, its homologous position in the other paralog (-1 none)."""
    start, end = model.window
    seq = _BASES[rng.integers(0, 4, end - start)]
    homolog = np.full(end - start, -1, dtype=np.int64)
    defs = reference.allele_definitions(model.gene, genome_build=model.genome_build)
    placed = defs.select("pos", "ref").unique().iter_rows()
    every = reference.positions(model.gene, genome_build=model.genome_build).select("pos", "ref").iter_rows()
    for pos, ref in [*placed, *every]:
        seq[pos - 1 - start:pos - 1 - start + len(ref)] = np.frombuffer(ref.encode(), dtype=np.uint8)
    for s, ((a6, b6), (a7, b7)) in enumerate(zip(model.segments_gene, model.segments_paralog)):
        n = min(b6 - a6, b7 - a7)
        copy = seq[a6 - start:a6 - start + n].copy()
        change = rng.random(n) < _DIFF_RATE
        if s == 7:  # intron 4: an identical stretch, where reads fit both paralogs equally well
            change[: min(n, 400)] = False
        shift = rng.integers(1, 4, change.sum())
        lookup = {b: k for k, b in enumerate(_BASES)}
        copy[change] = _BASES[(np.array([lookup[b] for b in copy[change]], dtype=np.int64) + shift) % 4]
        seq[a7 - start:a7 - start + n] = copy
        homolog[a6 - start:a6 - start + n] = np.arange(a7, a7 + n)
        homolog[a7 - start:a7 - start + n] = np.arange(a6, a6 + n)
    return seq, homolog


def _unit_indices(model, unit: tuple[str, ...]) -> np.ndarray:
    """Genome positions (0-based) of one gene copy in genomic order, flanks included."""
    paralog = all(seg == "D7" for seg in unit)
    segs = model.segments_paralog if paralog else model.segments_gene
    parts = [np.arange(segs[-1, 0] - _FLANK, segs[-1, 0])]
    for s in range(N_SEGMENTS - 1, -1, -1):   # minus strand: exon 9 comes first in genomic order
        a, b = (model.segments_paralog if unit[s] == "D7" else model.segments_gene)[s]
        parts.append(np.arange(a, b))
    parts.append(np.arange(segs[0, 1], segs[0, 1] + _FLANK))
    return np.concatenate(parts)


def _haplotype(model, layout: Layout, allele: str, seq: np.ndarray, snvs: dict) -> tuple[np.ndarray, np.ndarray]:
    """Bases and genome positions of one chromosome over the locus window."""
    start, end = model.window
    d6 = (model.segments_gene[-1, 0] - _FLANK, model.segments_gene[0, 1] + _FLANK)
    d7 = (model.segments_paralog[-1, 0] - _FLANK, model.segments_paralog[0, 1] + _FLANK)
    gene_units = [u for u in layout.units if not all(seg == "D7" for seg in u)]
    paralog_units = [u for u in layout.units if all(seg == "D7" for seg in u)]
    index = np.concatenate([np.arange(start, d6[0]), *(_unit_indices(model, u) for u in gene_units),
                            np.arange(d6[1], d7[0]), *(_unit_indices(model, u) for u in paralog_units),
                            np.arange(d7[1], end)])
    bases = seq[index - start].copy()
    if layout.templated:
        for pos, alt in snvs.get(allele, ()):
            bases[index == pos - 1] = ord(alt)
    return bases, index


def simulate_cyp2d6_bam(
    path: str | os.PathLike[str],
    structures: Sequence[str] = ("normal", "normal"),
    *,
    alleles: Sequence[str] = ("*1", "*1"),
    depth: float = 30.0,
    read_length: int = 150,
    error_rate: float = 0.002,
    contig_style: str = "chr",
    sample_id: str = "simulated",
    genome_build: str = "GRCh38",
    random_state: int = 0,
) -> str:
    """Write an indexed BAM of reads simulated over the CYP2D locus.

    Parameters
    ----------
    path : path
        The BAM to write (its ``.bai`` is written next to it).
    structures : pair of str
        The structure of each chromosome, by the ``structure`` column of
        :func:`pgx.reference.structural_layouts` (``normal``, ``deletion``, ``duplication_x2``,
        ``tandem_36``, ``tandem_68``, ``hybrid_13_intron1``, ...).
    alleles : pair of str
        The star allele of each chromosome's CYP2D6 copies (its SNVs are applied; the
        reference bases stay at wobble positions).
    depth : float, default 30.0
        Mean read depth per chromosome copy pair (a diploid region gets about ``depth``).
    read_length : int, default 150
    error_rate : float, default 0.002
        Per-base substitution rate.
    contig_style : {"chr", "bare"}
        ``chr22`` or ``22``.
    sample_id : str
        The ``@RG SM`` of the file.
    genome_build : {"GRCh38", "GRCh37"}
        The coordinates (and ``@SQ`` length of chr22) of the file.
    random_state : int
        Seed of both the locus sequence (always the same for a given seed) and the reads.

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> bam = simulate_cyp2d6_bam(os.path.join(tempfile.mkdtemp(), "s.bam"), ("deletion", "normal"),
    ...                           depth=5, random_state=1)
    >>> os.path.exists(bam + ".bai")
    True
    """
    model = locus_model("CYP2D6", genome_build=genome_build)
    by_name = {lay.structure: lay for lay in model.layouts}
    unknown = [s for s in structures if s not in by_name]
    if unknown or len(structures) != 2 or len(alleles) != 2:
        raise ValueError(f"expected two structures of {sorted(by_name)} and two alleles, found {structures!r}, "
                         f"{alleles!r}")
    defs = reference.allele_definitions("CYP2D6", genome_build=genome_build)
    snvs: dict[str, list] = {}
    for allele, pos, ref, alt, wobble in defs.select("allele", "pos", "ref", "alt", "wobble").iter_rows():
        if not wobble and len(ref) == len(alt) == 1:
            snvs.setdefault(allele, []).append((pos, alt))
    for allele in alleles:
        if allele not in set(defs["allele"]) | {"*1"}:
            raise ValueError(f"unknown CYP2D6 allele {allele!r}")
    rng = np.random.default_rng(random_state)
    shipped = reference.structural_sequence("CYP2D6", genome_build=genome_build)
    if shipped is None:
        seq, homolog = _locus_sequence(model, np.random.default_rng(12345))
        haplotypes = [_haplotype(model, by_name[s], a, seq, snvs) for s, a in zip(structures, alleles)]
        reads = _placed_reads(model, haplotypes, seq, homolog, rng, depth, read_length, error_rate)
    else:
        seq = _shipped_window(model, shipped)
        haplotypes = [_haplotype(model, by_name[s], a, seq, snvs) for s, a in zip(structures, alleles)]
        reads = _aligned_reads(shipped, [b for b, _ in haplotypes], rng, depth, read_length, error_rate)
    contig = "chr22" if contig_style == "chr" else "22"
    length = reference.contig_lengths(genome_build)["chr22"]
    return write_alignments(path, [(contig, length)], reads, sample_id=sample_id)


def _placed_reads(model, haplotypes, seq, homolog, rng, depth, read_length, error_rate) -> list:
    """Reads placed by construction on the synthetic locus (GRCh37): where each fits best."""
    start, end = model.window
    reads = []
    quals = "I" * read_length
    for hap, (bases, index) in enumerate(haplotypes):
        n_reads = rng.poisson(depth / 2 * len(bases) / read_length)
        starts = np.sort(rng.integers(0, len(bases) - read_length, n_reads))
        offsets = np.arange(read_length)
        span = index[starts[:, None] + offsets]
        # a read across a junction (deletion, hybrid switch, tandem copies) aligns with its longer
        # contiguous part; the rest is soft-clipped, as an aligner does
        broken = span - span[:, :1] != offsets
        cut = np.where(broken.any(axis=1), broken.argmax(axis=1), read_length)
        left = cut >= read_length - cut
        first = np.where(left, 0, cut)                       # first aligned base of the read
        length = np.where(left, cut, read_length - cut)
        origin = span[np.arange(len(starts)), first]
        keep = (origin + length <= end) & (length >= 30)
        starts, first, length, origin = starts[keep], first[keep], length[keep], origin[keep]
        seqs = bases[starts[:, None] + offsets]
        errors = rng.random(seqs.shape) < error_rate
        seqs[errors] = _BASES[rng.integers(0, 4, errors.sum())]
        aligned = (offsets >= first[:, None]) & (offsets < (first + length)[:, None])
        rel = offsets - first[:, None]

        def mismatches(anchor: np.ndarray) -> np.ndarray:
            pos = np.clip(anchor[:, None] + rel - start, 0, len(seq) - 1)
            return ((seq[pos] != seqs) & aligned).sum(axis=1)

        own = mismatches(origin)
        other = homolog[origin - start]
        fits = (other >= 0) & (other + length <= end)
        theirs = np.full(len(origin), read_length + 1)
        theirs[fits] = mismatches(np.where(fits, other, origin))[fits]
        coin = rng.integers(0, 2, len(origin)).astype(bool)
        place = np.where(theirs < own, other, origin)
        tie = theirs == own
        place[tie] = np.where(coin[tie], other[tie], origin[tie])
        mapq = np.where(tie, 0, 60)
        reverse = rng.integers(0, 2, len(origin)).astype(bool)
        for k in range(len(origin)):
            f, n = int(first[k]), int(length[k])
            cigar = [(4, f)] * (f > 0) + [(0, n)] + [(4, read_length - f - n)] * (f + n < read_length)
            reads.append((f"h{hap}r{k}", 0, int(place[k]), seqs[k].tobytes().decode(), quals, int(mapq[k]),
                          bool(reverse[k]), cigar))
    return reads


_COMPLEMENT = bytes.maketrans(b"ACGTN", b"TGCAN")


def _shipped_window(model, shipped: tuple[str, int, str]) -> np.ndarray:
    """The shipped sequence over the model's window, unconfirmed bases (N) drawn at random."""
    _, s0, text = shipped
    start, end = model.window
    seq = np.frombuffer(text[start - s0:end - s0].encode(), dtype=np.uint8).copy()
    unknown = seq == ord("N")
    seq[unknown] = _BASES[np.random.default_rng(12345).integers(0, 4, unknown.sum())]
    return seq


def _aligned_reads(shipped, haplotypes, rng, depth, read_length, error_rate, fragment=350) -> list:
    """Paired reads drawn from each haplotype and aligned to the shipped locus with minimap2."""
    try:
        import mappy
    except ImportError as exc:  # pragma: no cover - mappy is in the test and simulate extras
        raise ImportError("simulating reads needs mappy (minimap2's Python binding): pip install mappy") from exc
    _, s0, text = shipped
    aligner = mappy.Aligner(seq=text, preset="sr")
    quals = "I" * read_length
    reads = []
    for hap, bases in enumerate(haplotypes):
        n_pairs = rng.poisson(depth / 2 * len(bases) / (2 * read_length))
        lengths = np.clip(np.rint(rng.normal(fragment, 50, n_pairs)), read_length, len(bases)).astype(np.int64)
        starts = rng.integers(0, len(bases) - lengths + 1)
        offsets = np.arange(read_length)
        first = bases[starts[:, None] + offsets]
        second = bases[(starts + lengths - read_length)[:, None] + offsets]
        for mate in (first, second):
            errors = rng.random(mate.shape) < error_rate
            mate[errors] = _BASES[rng.integers(0, 4, errors.sum())]
        swap = rng.random(n_pairs) < 0.5
        for k in range(n_pairs):
            r1 = first[k].tobytes()
            r2 = second[k].tobytes().translate(_COMPLEMENT)[::-1]
            if swap[k]:
                r1, r2 = r2, r1
            hits = {h.read_num: h for h in aligner.map(r1.decode(), r2.decode()) if h.is_primary}
            for num, own in ((1, r1), (2, r2)):
                hit = hits.get(num)
                if hit is None:
                    continue
                mate = hits.get(3 - num)
                forward = hit.strand == 1
                stored = own if forward else own.translate(_COMPLEMENT)[::-1]
                left, right = (hit.q_st, read_length - hit.q_en) if forward else (read_length - hit.q_en, hit.q_st)
                cigar = [(4, left)] * (left > 0) + [(op, n) for n, op in hit.cigar] + [(4, right)] * (right > 0)
                flag = 1 | (64 if num == 1 else 128) | (0 if forward else 16)
                if mate is None:
                    flag |= 8
                    pair = (flag, -1, 0)
                else:
                    flag |= 2 | (0 if mate.strand == 1 else 32)
                    span = max(hit.r_en, mate.r_en) - min(hit.r_st, mate.r_st)
                    pair = (flag, s0 + mate.r_st, span if hit.r_st <= mate.r_st else -span)
                reads.append((f"h{hap}p{k}", 0, s0 + hit.r_st, stored.decode(), quals, hit.mapq, not forward,
                              cigar, pair))
    return reads
