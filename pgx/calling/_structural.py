"""Copy number, structure and star alleles of a gene with a paralog, from read-depth arrays.

The method, in three steps (each from a published approach; the code is pgx's own):

1. **Copy number per gene segment** (Aldy's region-coverage model, Numanagić et al. 2018):
   the mean depth of each exon and intron of the gene and of its paralog (CYP2D6 and CYP2D7),
   divided by half the mean depth of a copy-number-neutral control region, gives a copy number
   per segment; Cyrius (Chen et al. 2021) also normalises depth in CYP2D6 and CYP2D7 against
   neutral regions before reading copy number along the gene. Reads at MAPQ 0 fit both genes
   and sit on either at random, so the share of a segment's depth they make up is expected at
   the two genes' mean copy number (the share is measured in the file, per segment pair).
2. **Structure fit** (Aldy's structure search, solved here by exhaustive enumeration instead of
   an ILP because the candidate list is small): every pair of structural haplotypes of the
   gene's layout table (``reference/structural/<GENE>_structures.tsv``) predicts a copy-number
   vector over the segments of both paralogs; the pair with the smallest weighted residual wins.
   Where the copy number changes along the gene tells where a hybrid switches (*36: CYP2D7
   exon 9; *68: CYP2D6 exon 1 only; *13: CYP2D7 5' end, CYP2D6 3' end).
3. **Small variants on the copies** (Cyrius' per-copy variant calling and Aldy's allele
   assignment): read counts at the definition positions are compared with the fraction each
   assignment of star alleles to the copies predicts (a binomial likelihood); ties are reported.

Everything here takes arrays; reading them from BAM/CRAM is :mod:`pgx.io`'s job.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from pgx import reference
from pgx.calling._match import allele_sort_key
from pgx.exceptions import ReferenceDataError

__all__ = ["LocusModel", "StructuralCall", "locus_model", "call_structure"]

#: segments of one gene copy, 5' to 3': exon 1, intron 1, ..., exon 9
N_SEGMENTS = 17
_UNIT = re.compile(r"(D6|D7)\[(\d+)-(\d+)\]")
#: binomial error floor for allele counts (sequencing error and stray paralog reads)
_ERROR = 0.02


@dataclass(frozen=True)
class Layout:
    """One structural haplotype: per gene copy, which paralog each segment comes from."""

    structure: str
    units: tuple[tuple[str, ...], ...]
    name: str
    hybrid_allele: str
    alleles: str = ""

    def allows(self, allele: str) -> bool:
        """Whether the copies' small-variant allele ``{a}`` may be ``allele`` (column ``alleles``)."""
        rule = [a.strip() for a in self.alleles.split(",") if a.strip()]
        if not rule:
            return True
        if all(a.startswith("-") for a in rule):
            return allele not in {a[1:] for a in rule}
        return allele in rule

    @property
    def templated(self) -> bool:
        return "{a}" in self.name

    def copies(self, paralog: str) -> np.ndarray:
        return np.array([sum(u[s] == paralog for u in self.units) for s in range(N_SEGMENTS)], dtype=float)

    @property
    def gene_copies(self) -> int:
        """Copies named as alleles of the gene (every unit but a whole paralog copy)."""
        return sum(any(seg == "D6" for seg in u) for u in self.units)

    def carriers(self) -> np.ndarray:
        """Per segment, gene-derived copies carrying the haplotype's small-variant allele."""
        return self.copies("D6") if self.templated else np.zeros(N_SEGMENTS)

    def fixed(self) -> np.ndarray:
        """Per segment, gene-derived copies carrying the reference sequence (hybrids named alone)."""
        return np.zeros(N_SEGMENTS) if self.templated else self.copies("D6")

    def named(self, allele: str | None) -> str:
        return self.name.replace("{a}", allele or "")


def _parse_units(text: str, path: str) -> tuple[tuple[str, ...], ...]:
    units = []
    for part in text.split("+"):
        if part in ("D6", "D7"):
            units.append((part,) * N_SEGMENTS)
            continue
        segs = [""] * N_SEGMENTS
        for paralog, a, b in _UNIT.findall(part):
            for s in range(int(a) - 1, int(b)):
                segs[s] = paralog
        if not all(segs):
            raise ReferenceDataError(f"{path}: unit {part!r} does not cover segments 1-{N_SEGMENTS} "
                                     "(expected D6, D7 or D6[a-b]D7[c-d])")
        units.append(tuple(segs))
    return tuple(units)


@dataclass(frozen=True)
class LocusModel:
    """Where things are on the locus of a gene with a paralog, in one genome build.

    Coordinates are 0-based half-open on ``chrom`` (the ``chr`` spelling).
    """

    gene: str
    genome_build: str
    chrom: str
    window: tuple[int, int]
    segments_gene: np.ndarray      # (17, 2) start0, end per segment, 5' to 3'
    segments_paralog: np.ndarray   # (17, 2)
    control: tuple[int, int]
    layouts: tuple[Layout, ...]
    site_pos: np.ndarray           # 1-based positions of the definition sites
    site_ref: tuple[str, ...]
    site_alt: tuple[str, ...]
    site_segment: np.ndarray       # 0-based segment index of each site
    alleles: tuple[str, ...]       # alleles matched from small variants
    allele_alt: np.ndarray         # (alleles, sites) 1 alt required, 0 not, -1 either (wobble)
    hybrid_alleles: frozenset = field(default_factory=frozenset)
    #: definition positions of this build that no matched allele uses (alleles without a complete
    #: definition in the build, e.g. GRCh37's ``*4``): (pos, ref, alt, rsid, segment)
    unplaced_sites: tuple = ()

    def sites(self, contig: str | None = None) -> list[tuple[str, int, str, str]]:
        """The definition sites as (contig, pos, ref, alt), for :func:`pgx.io.count_alleles`."""
        return [(contig or self.chrom, int(p), r, a) for p, r, a in zip(self.site_pos, self.site_ref, self.site_alt)]

    def unplaced(self, contig: str | None = None) -> list[tuple[str, int, str, str]]:
        """The :attr:`unplaced_sites` as (contig, pos, ref, alt)."""
        return [(contig or self.chrom, int(p), r, a) for p, r, a, *_ in self.unplaced_sites]


def _segments(exons: pl.DataFrame) -> np.ndarray:
    ex = exons.sort("number")
    starts, ends = ex["start0"].to_numpy(), ex["end"].to_numpy()
    out = np.zeros((N_SEGMENTS, 2), dtype=np.int64)
    for k in range(9):
        out[2 * k] = (starts[k], ends[k])
        if k < 8:  # minus strand: intron k lies between exon k+1's end and exon k's start
            out[2 * k + 1] = (ends[k + 1], starts[k])
    return out


@lru_cache(maxsize=8)
def locus_model(gene: str = "CYP2D6", *, genome_build: str = "GRCh38", reference_dir: str | None = None) -> LocusModel:
    """The locus, layouts and definition sites used to call ``gene`` from reads.

    Parameters
    ----------
    gene : str, default "CYP2D6"
        A gene of :func:`pgx.reference.structural_genes`.
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : str, optional

    Returns
    -------
    LocusModel

    Examples
    --------
    >>> model = locus_model("CYP2D6")
    >>> model.chrom, model.window
    ('chr22', (42116497, 42155810))
    >>> [layout.named("*4") for layout in model.layouts][:3]
    ['*4', '*5', '*4x2']
    """
    locus = reference.structural_locus(gene, genome_build=genome_build, reference_dir=reference_dir)
    rows = {f: locus.filter(pl.col("feature") == f) for f in set(locus["feature"])}
    paralog_feature = next(f for f in rows if f.endswith("_exon") and not f.startswith(gene))
    window = tuple(int(x) for x in rows["locus"].select("start0", "end").row(0))
    control = tuple(int(x) for x in rows["control_locus"].select("start0", "end").row(0))
    path = f"reference/structural/{gene}_structures.tsv"
    layouts = tuple(Layout(r["structure"], _parse_units(r["units"], path), r["name"], r["hybrid_allele"], r["alleles"])
                    for r in reference.structural_layouts(gene, reference_dir=reference_dir).iter_rows(named=True))
    seg_gene = _segments(rows[f"{gene}_exon"])
    hybrid = frozenset(lay.hybrid_allele for lay in layouts if lay.hybrid_allele)
    defs = reference.allele_definitions(gene, genome_build=genome_build, reference_dir=reference_dir)
    defs = defs.filter(~pl.col("allele").is_in(list(hybrid)))
    sites = defs.select("pos", "ref", "alt").unique().sort("pos", "ref", "alt")
    index = {s: k for k, s in enumerate(sites.iter_rows())}
    alleles = sorted(set(defs["allele"]) | {a for a in reference.allele_table(gene, reference_dir=reference_dir)
                                             .filter(pl.col("is_reference"))["allele"]}, key=allele_sort_key)
    matrix = np.zeros((len(alleles), len(index)), dtype=np.int8)
    row_of = {a: k for k, a in enumerate(alleles)}
    for allele, pos, ref, alt, wobble in defs.select("allele", "pos", "ref", "alt", "wobble").iter_rows():
        matrix[row_of[allele], index[(pos, ref, alt)]] = -1 if wobble else 1
    pos = sites["pos"].to_numpy()
    # a site belongs to the segment holding it; 5' and 3' flanks go to exon 1 and exon 9
    seg = np.full(len(pos), -1)
    for s, (a, b) in enumerate(seg_gene):
        seg[(pos - 1 >= a) & (pos - 1 < b)] = s
    seg[(seg < 0) & (pos - 1 >= seg_gene[0, 1])] = 0
    seg[(seg < 0) & (pos - 1 < seg_gene[-1, 0])] = N_SEGMENTS - 1
    placed = {int(p) for p in pos}
    unplaced = []
    for row in reference.positions(gene, genome_build=genome_build, reference_dir=reference_dir).iter_rows(named=True):
        p = int(row["pos"])
        if p in placed or "," in row["alt"]:
            continue
        where = [k for k, (a, b) in enumerate(seg_gene) if a <= p - 1 < b]
        unplaced.append((p, row["ref"], row["alt"], row["rsid"] or "", where[0] if where else -1))
    return LocusModel(gene, genome_build, str(rows["locus"]["chrom"][0]), window, seg_gene,
                      _segments(rows[paralog_feature]), control, layouts, pos, tuple(sites["ref"]),
                      tuple(sites["alt"]), seg, tuple(alleles), matrix, hybrid, tuple(unplaced))


@dataclass
class StructuralCall:
    """The outcome for one sample and gene.

    ``diplotype`` is None and ``reason`` says why when the data cannot support a call.
    """

    gene: str
    diplotype: str | None
    haplotype_1: str | None
    haplotype_2: str | None
    alternatives: list[str]
    copy_number: int | None
    structure: str | None
    mean_depth: float
    mapq0_fraction: float
    fit_residual: float | None
    missing_positions: list[str]
    reason: str | None = None
    n_top: int = 1


def _mean(depth: np.ndarray, start: int, a: int, b: int) -> float:
    return float(depth[a - start:b - start].mean()) if b > a else 0.0


def _segment_depth(depth: np.ndarray, start: int, segments: np.ndarray) -> np.ndarray:
    return np.array([_mean(depth, start, a, b) for a, b in segments])


def _pair_vectors(model: LocusModel) -> tuple[list[tuple[int, int]], np.ndarray]:
    pairs = list(itertools.combinations_with_replacement(range(len(model.layouts)), 2))
    vec = np.array([np.concatenate([model.layouts[i].copies("D6") + model.layouts[j].copies("D6"),
                                    model.layouts[i].copies("D7") + model.layouts[j].copies("D7")])
                    for i, j in pairs])
    return pairs, vec


def _overdispersion(control_depth: np.ndarray, read_length: int, window: int = 250) -> float:
    """Variance of the control region's window-mean depth over what Poisson read counts give."""
    n = len(control_depth) // window
    if n < 4:
        return 1.0
    means = control_depth[:n * window].reshape(n, window).mean(axis=1)
    if means.mean() <= 0:
        return 1.0
    return max(1.0, float(means.var(ddof=1) / (means.mean() * read_length / (window + read_length))))


def _placed(vectors: np.ndarray, ambiguous: np.ndarray) -> np.ndarray:
    """Copy numbers as the depth shows them: an aligner puts reads that fit the gene and its
    paralog equally well (MAPQ 0) on either at random, so that share of a segment's depth (per
    pair of homologous segments, ``ambiguous``) is the mean of the two genes' copy numbers."""
    n = len(ambiguous)
    mean = (vectors[:, :n] + vectors[:, n:]) / 2
    share = np.concatenate([ambiguous, ambiguous])
    return (1 - share) * vectors + share * np.concatenate([mean, mean], axis=1)


def _indeterminate(model, reason, depth, mapq0, residual=None, copies=None) -> StructuralCall:
    return StructuralCall(model.gene, None, None, None, [], copies, None, depth, mapq0, residual, [], reason)


def call_structure(
    depth: np.ndarray,
    depth_mapq: np.ndarray,
    ref_counts: np.ndarray,
    alt_counts: np.ndarray,
    *,
    model: LocusModel,
    control_depth: np.ndarray | None = None,
    min_depth: float = 15.0,
    max_misfit: float = 4.0,
    min_margin: float = 5.0,
    read_length: int = 150,
    allele_margin: float = 4.6,
    overdispersion: float | None = None,
    structure_penalty: float = 6.0,
    unplaced_counts: tuple[np.ndarray, np.ndarray] | None = None,
) -> StructuralCall:
    """Call copy number, structure and diplotype from depth and allele-count arrays.

    Parameters
    ----------
    depth, depth_mapq : numpy.ndarray
        Per-base depth over ``model.window`` (element 0 is ``model.window[0]``, 0-based) of all
        reads and of reads at MAPQ >= 1.
    ref_counts, alt_counts : numpy.ndarray
        Reads with the reference and alternate allele at each of ``model.sites()``.
    model : LocusModel
        From :func:`locus_model`.
    control_depth : numpy.ndarray, optional
        Per-base depth over copy-number-neutral regions elsewhere in the genome (WGS); by
        default the in-locus control (the CYP2D8 side of the locus) is sliced from ``depth``.
    min_depth : float, default 15.0
        Under this mean control depth the call is Indeterminate.
    max_misfit : float, default 4.0
        Indeterminate when the best structure's squared copy-number residuals, each divided by
        its expected Poisson variance, average more than this (1 is a perfect fit).
    min_margin : float, default 5.0
        Indeterminate when a structure naming other alleles has a score (the sum of those
        scaled squared residuals plus ``structure_penalty`` per structural haplotype) within
        this of the best.
    read_length : int, default 150
        The aligned read length, for the noise model (long reads make the depth of a segment
        far less certain: fewer, longer reads cover it).
    allele_margin : float, default 4.6
        Assignments of star alleles whose log-likelihood is within this of the best (a
        likelihood ratio under 100) are reported with it (``alternatives``): the reads cannot
        tell them apart. At 10x a single site decides how many copies carry an allele, and a
        smaller margin made such guesses calls.
    overdispersion : float, optional
        How much more the depth varies than Poisson counts of reads would: by default measured
        on the control region (variance of its 250 bp window means over the Poisson variance,
        at least 1); read pairs alone make it about 2.
    structure_penalty : float, default 6.0
        Added to the score for each haplotype that is not ``normal``: a prior that a structural
        haplotype is rarer than a plain one (6 is 2 ln(0.85 / 0.04), a plain haplotype about
        20 times as common as any one structure), so depth noise alone does not make one.
    unplaced_counts : (numpy.ndarray, numpy.ndarray), optional
        Reference and alternate read counts at ``model.unplaced()``: positions of alleles the
        build cannot match (no complete definition there). When a fifth or more of a
        position's reads (at least 5) carry its alternate allele outside a hybrid copy's
        CYP2D7-derived segments, the call is Indeterminate (``unplaced_variant``): the sample
        carries a variant of an allele the call cannot name.

    Returns
    -------
    StructuralCall

    Examples
    --------
    A diploid sample with two normal copies and no variant, made by hand:

    >>> import numpy as np
    >>> model = locus_model("CYP2D6")
    >>> depth = np.full(model.window[1] - model.window[0], 30, dtype=np.int32)
    >>> ref = np.full(len(model.site_pos), 30); alt = np.zeros(len(model.site_pos), dtype=int)
    >>> result = call_structure(depth, depth, ref, alt, model=model)
    >>> result.diplotype, result.copy_number, result.structure
    ('*1/*1', 2, 'normal')
    >>> call_structure(depth // 3, depth // 3, ref, alt, model=model).reason
    'low_depth: mean control depth 10.0x is under 15x'
    """
    start = model.window[0]
    if control_depth is None:
        control_depth = depth[model.control[0] - start:model.control[1] - start]
    gene_span = (min(model.segments_gene.min(), model.segments_paralog.min()),
                 max(model.segments_gene.max(), model.segments_paralog.max()))
    span_total = depth[gene_span[0] - start:gene_span[1] - start]
    span_unique = depth_mapq[gene_span[0] - start:gene_span[1] - start]
    mapq0 = float(1 - span_unique.sum() / span_total.sum()) if span_total.sum() else 0.0
    mean_control = float(control_depth.mean()) if control_depth.size else 0.0
    if span_total.sum() == 0:
        return _indeterminate(model, f"no_reads: no read over {model.gene} or its paralog", mean_control, mapq0)
    d6 = _segment_depth(depth, start, model.segments_gene)
    d7 = _segment_depth(depth, start, model.segments_paralog)
    exons = np.concatenate([model.segments_gene[::2], model.segments_paralog[::2]])
    introns = np.concatenate([model.segments_gene[1::2], model.segments_paralog[1::2]])
    # capture data covers exons and the read length around them: look at the intron interiors
    inner = np.stack([introns[:, 0] + read_length, introns[:, 1] - read_length], axis=1)
    inner = inner[inner[:, 1] - inner[:, 0] >= 50]
    exon_depth = np.mean([_mean(depth, start, a, b) for a, b in exons])
    inner_depth = np.mean([_mean(depth, start, a, b) for a, b in inner]) if len(inner) else exon_depth
    if exon_depth > 0 and inner_depth < 0.3 * exon_depth:
        return _indeterminate(model, f"exome_like_profile: intron depth is {inner_depth / exon_depth:.0%} of exon "
                                     "depth (exome or panel data)", mean_control, mapq0)
    if mean_control < 1.0:
        return _indeterminate(model, "controls_absent: the control region has no reads "
                                     f"(mean depth {mean_control:.1f}x)", mean_control, mapq0)
    uncovered = float((control_depth == 0).mean())
    if uncovered > 0.2:
        return _indeterminate(model, f"controls_absent: {uncovered:.0%} of the control region has no reads (a region "
                                     "extract that stops short of it?)", mean_control, mapq0)
    if mean_control < min_depth:
        return _indeterminate(model, f"low_depth: mean control depth {mean_control:.1f}x is under {min_depth:g}x",
                              mean_control, mapq0)
    observed = np.concatenate([d6, d7]) / (mean_control / 2)
    lengths = np.concatenate([np.diff(model.segments_gene).ravel(), np.diff(model.segments_paralog).ravel()])
    pairs, vectors = _pair_vectors(model)
    unique = (_segment_depth(depth_mapq, start, model.segments_gene)
              + _segment_depth(depth_mapq, start, model.segments_paralog))
    expected = _placed(vectors, np.clip(1 - unique / np.where(d6 + d7 > 0, d6 + d7, 1), 0.0, 1.0))
    # Poisson noise of a segment's copy number: CN * read_length / (per-copy depth * (length + read_length)),
    # times the overdispersion the control region shows (read pairs, mapping, coverage bias)
    phi = _overdispersion(control_depth, read_length) if overdispersion is None else overdispersion
    scale = phi * read_length / (mean_control / 2 * (lengths + read_length))
    # the control's own count noise scales every segment alike: a common factor f ~ N(1, sd^2) is
    # fitted per structure pair (weighted least squares with that prior) instead of taken as 1
    prior = 1.0 / (phi * read_length / (mean_control * max(len(control_depth), 1)))
    weight = 1.0 / (np.maximum(expected, 0.5) * scale)
    factor = ((weight * expected * observed).sum(axis=1) + prior) / ((weight * expected ** 2).sum(axis=1) + prior)
    fitted = factor[:, None] * expected
    chi2 = (weight * (fitted - observed) ** 2).sum(axis=1) + prior * (factor - 1) ** 2
    events = np.array([(model.layouts[i].structure != "normal") + (model.layouts[j].structure != "normal")
                       for i, j in pairs])
    chi2 = chi2 + structure_penalty * events
    order = np.argsort(chi2, kind="stable")
    best = order[0]
    residual = float(np.sqrt(((fitted[best] - observed) ** 2).mean()))
    names = [tuple(sorted((model.layouts[i].name, model.layouts[j].name))) for i, j in pairs]
    tied = [k for k in order if np.array_equal(vectors[k], vectors[best])]
    rival = next((k for k in order if not np.array_equal(vectors[k], vectors[best]) and names[k] != names[best]),
                 None)
    layouts = [(model.layouts[pairs[k][0]], model.layouts[pairs[k][1]]) for k in tied]
    copies = layouts[0][0].gene_copies + layouts[0][1].gene_copies
    if chi2[best] / len(observed) > max_misfit:
        return _indeterminate(model, f"fit_residual: no structure fits the depth profile (residual {residual:.2f} "
                                     f"copies, {chi2[best] / len(observed):.1f} times the expected noise)",
                              mean_control, mapq0, residual)
    if rival is not None and chi2[rival] - chi2[best] < min_margin:
        return _indeterminate(model, "ambiguous_structure: two copy-number patterns fit about as well "
                              f"({_label(model, pairs[best])} and {_label(model, pairs[rival])})",
                              mean_control, mapq0, residual)
    n = ref_counts + alt_counts
    missing = [f"{model.chrom}:{p}" for p, c in zip(model.site_pos, n) if c == 0]
    scored = [(lay1, lay2, _pair_loglik(model, lay1, lay2, ref_counts, alt_counts)) for lay1, lay2 in layouts]
    top = max(float(ll.max()) for *_, ll in scored)
    spec = (model.allele_alt == 1).sum(axis=1)
    seen: dict[tuple[str, str], tuple] = {}
    for rank, (lay1, lay2, ll) in enumerate(scored):
        for i, j in np.argwhere(ll >= top - allele_margin):
            if lay1 is lay2 and j < i:
                continue
            a1 = model.alleles[i] if lay1.templated else None
            a2 = model.alleles[j] if lay2.templated else None
            names = [(lay1.named(a1), lay1, a1), (lay2.named(a2), lay2, a2)]
            names.sort(key=lambda x: allele_sort_key(x[0]))
            specificity = sum(int(spec[model.alleles.index(x[2])]) for x in names if x[2])
            score = round(float(ll[i, j]), 6)
            key = (names[0][0], names[1][0])
            if key not in seen or seen[key][0] > -score:
                seen[key] = (-score, -specificity, rank, names[0][1], names[1][1], names[0][2], names[1][2])
    winners = sorted(seen, key=lambda p: (*seen[p][:3], allele_sort_key(p[0]), allele_sort_key(p[1])))
    (h1, h2), (*_, lay1, lay2, a1, a2) = winners[0], seen[winners[0]]
    unexplained = (_contradicted_site(model, (lay1, lay2, a1, a2), f"{h1}/{h2}", ref_counts, alt_counts)
                   or _unplaced_variant(model, lay1, lay2, unplaced_counts))
    if unexplained:
        return _indeterminate(model, unexplained, mean_control, mapq0, residual, copies)
    structure = "/".join(h for h, lay in ((h1, lay1), (h2, lay2)) if lay.structure != "normal") or "normal"
    return StructuralCall(model.gene, f"{h1}/{h2}", h1, h2, [f"{a}/{b}" for a, b in winners[1:]], copies,
                          structure, mean_control, mapq0, residual, missing, None, len(winners))


def _paralog_segments(lay1: Layout, lay2: Layout) -> np.ndarray:
    """Segments where a hybrid copy brings CYP2D7 sequence (paralog bases are expected there)."""
    paralog = np.zeros(N_SEGMENTS, dtype=bool)
    for lay in (lay1, lay2):
        for unit in lay.units:
            if any(seg == "D6" for seg in unit):
                paralog |= np.array([seg == "D7" for seg in unit])
    return paralog


def _contradicted_site(model: LocusModel, assignment: tuple, call: str, ref: np.ndarray,
                       alt: np.ndarray) -> str | None:
    """The reason to withhold the best call when the reads at a definition site contradict it.

    The best assignment may still leave a site unexplained (a variant no allele of the call
    carries, or a variant the call needs that no read shows): a novel allele or one the table
    lacks. Sites with at least 10 reads are checked; wobble sites and CYP2D7 segments of hybrid
    copies are not.
    """
    lay1, lay2, a1, a2 = assignment
    seg = model.site_segment
    c1, c2, cn = _site_copies(model, lay1, lay2)
    zero = np.zeros(len(seg), dtype=np.int8)
    code1 = model.allele_alt[model.alleles.index(a1)] if lay1.templated and a1 in model.alleles else zero
    code2 = model.allele_alt[model.alleles.index(a2)] if lay2.templated and a2 in model.alleles else zero
    wobble = ((code1 < 0) & (c1 > 0)) | ((code2 < 0) & (c2 > 0))
    q = np.where(cn > 0, (c1 * (code1 == 1) + c2 * (code2 == 1)) / np.maximum(cn, 1), 0.0)
    n = ref + alt
    f = np.where(n > 0, alt / np.maximum(n, 1), 0.0)
    checked = (n >= 10) & (cn > 0) & ~wobble & ~_paralog_segments(lay1, lay2)[seg]
    extra = checked & (alt >= 5) & (f - q >= 0.25)
    lacking = checked & (q >= 0.3) & (f <= 0.05)
    for k in np.flatnonzero(extra | lacking):
        where = f"{model.site_ref[k]}>{model.site_alt[k]} at {model.chrom}:{model.site_pos[k]}"
        return (f"unexplained_variant: {alt[k]} of {n[k]} reads show {where}, where {call} expects "
                f"{q[k]:.0%}; the sample may carry an allele the definitions lack")
    return None


def _unplaced_variant(model: LocusModel, lay1: Layout, lay2: Layout, counts) -> str | None:
    """The reason to withhold a call when reads carry a variant of an allele the build cannot match."""
    if counts is None or not model.unplaced_sites:
        return None
    ref, alt = (np.asarray(c) for c in counts)
    paralog = _paralog_segments(lay1, lay2)
    for (pos, r, a, rsid, seg), n_ref, n_alt in zip(model.unplaced_sites, ref, alt):
        n = n_ref + n_alt
        if n_alt >= 5 and n_alt >= 0.2 * n and not (seg >= 0 and paralog[seg]):
            name = f" ({rsid})" if rsid else ""
            return (f"unplaced_variant: {n_alt} of {n} reads show {r}>{a} at {model.chrom}:{pos}{name}, a position of "
                    f"{model.gene} alleles that have no complete {model.genome_build} definition; the call cannot "
                    "account for it")
    return None


def _label(model: LocusModel, pair: tuple[int, int]) -> str:
    return " + ".join(model.layouts[k].structure for k in pair)


def _site_copies(model: LocusModel, lay1: Layout, lay2: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per definition site: copies carrying haplotype 1's and haplotype 2's allele, and all gene copies."""
    seg = model.site_segment
    c1, c2 = lay1.carriers()[seg], lay2.carriers()[seg]
    return c1, c2, c1 + c2 + (lay1.fixed() + lay2.fixed())[seg]


def _pair_loglik(model: LocusModel, lay1: Layout, lay2: Layout, ref: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Log-likelihood of every assignment of small-variant alleles to two haplotypes' gene copies.

    Returns an (alleles, alleles) matrix (one row or column when a haplotype is a hybrid named
    alone or a deletion). A wobble position of an allele takes whichever base fits best.
    """
    c1, c2, cn = _site_copies(model, lay1, lay2)
    use = (ref + alt > 0) & (cn > 0)
    if not use.any():
        empty = np.zeros((len(model.alleles) if lay1.templated else 1, len(model.alleles) if lay2.templated else 1))
        return _mask_alleles(model, lay1, lay2, empty)
    r, a, c1, c2, cn = ref[use], alt[use], c1[use], c2[use], cn[use]
    # per site, the log-likelihood of each (copy-1 base, copy-2 base) pair: 0 ref, 1 alt
    v = np.array([0.0, 1.0])
    q = (c1 * v[:, None, None] + c2 * v[None, :, None]) / cn
    q = _ERROR + (1 - 2 * _ERROR) * q
    base = a * np.log(q) + r * np.log1p(-q)                      # (2, 2, sites)
    # an allele's code per site: 0 reference, 1 alternate, 2 either (wobble); the best allowed pair
    allowed = ([0], [1], [0, 1])
    best = np.array([[base[np.ix_(allowed[k1], allowed[k2])].reshape(-1, base.shape[-1]).max(axis=0)
                      for k2 in range(3)] for k1 in range(3)])  # (3, 3, sites)
    code = np.where(model.allele_alt[:, use] < 0, 2, model.allele_alt[:, use]).astype(np.int8)
    zero = np.zeros((1, code.shape[1]), dtype=np.int8)
    k1 = code if lay1.templated else zero
    k2 = code if lay2.templated else zero
    ll = best[k1[:, None, :], k2[None, :, :], np.arange(code.shape[1])].sum(axis=-1)
    return _mask_alleles(model, lay1, lay2, ll)


def _mask_alleles(model: LocusModel, lay1: Layout, lay2: Layout, ll: np.ndarray) -> np.ndarray:
    """-inf where a layout's copies may not carry the allele (its ``alleles`` rule)."""
    for axis, lay in ((0, lay1), (1, lay2)):
        if lay.templated and lay.alleles:
            barred = np.array([not lay.allows(a) for a in model.alleles])
            ll = ll.astype(float, copy=True)
            if axis == 0:
                ll[barred, :] = -np.inf
            else:
                ll[:, barred] = -np.inf
    return ll
