"""Somatic calls with their VEP ``CSQ`` or SnpEff ``ANN`` annotation, parsed per variant allele and gene."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

import numpy as np
import polars as pl

from pgx.callset import CallSet
from pgx.oncology._errors import AnnotationError, OncologyError

__all__ = ["ANN_FIELDS", "SomaticCalls", "somatic_variants", "short_protein"]

#: The SnpEff ``ANN`` layout (the VCF annotation-format specification), used when the header gives none.
ANN_FIELDS = ("Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
              "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length",
              "CDS.pos / CDS.length", "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO")
# what pgx needs from each layout: role -> sub-field name
_NEEDS = {
    "CSQ": {"allele": "Allele", "consequence": "Consequence", "gene": "SYMBOL", "hgvsp": "HGVSp", "exon": "EXON"},
    "ANN": {"allele": "Allele", "consequence": "Annotation", "gene": "Gene_Name", "hgvsp": "HGVS.p", "exon": "Rank"},
}
_OPTIONAL = {"CSQ": {"intron": "INTRON", "hgvsc": "HGVSc", "canonical": "CANONICAL", "pick": "PICK",
                     "mane": "MANE_SELECT"},
             "ANN": {"hgvsc": "HGVS.c"}}
_AA = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
       "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
       "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*", "Sec": "U", "Pyl": "O", "Xaa": "X"}
_THREE = re.compile(r"[A-Z][a-z]{2}")
# SnpEff's own terms -> the Sequence Ontology terms VEP writes
_SO = {"conservative_inframe_deletion": "inframe_deletion", "disruptive_inframe_deletion": "inframe_deletion",
       "conservative_inframe_insertion": "inframe_insertion", "disruptive_inframe_insertion": "inframe_insertion",
       "start_lost": "start_lost", "initiator_codon_variant": "start_lost"}
_EXONIC = {"missense_variant", "synonymous_variant", "stop_gained", "stop_lost", "stop_retained_variant",
           "frameshift_variant", "inframe_insertion", "inframe_deletion", "start_lost", "protein_altering_variant",
           "exon_loss_variant", "coding_sequence_variant", "5_prime_UTR_variant", "3_prime_UTR_variant",
           "non_coding_transcript_exon_variant", "start_retained_variant"}
#: Consequences counted as truncating (gene-level loss of function).
LOSS_OF_FUNCTION = frozenset({"stop_gained", "frameshift_variant", "splice_donor_variant", "splice_acceptor_variant",
                              "start_lost", "exon_loss_variant", "transcript_ablation"})
#: Protein-altering, non-truncating consequences (the gene-level gain-of-function proxy).
GAIN_OF_FUNCTION = frozenset({"missense_variant", "inframe_insertion", "inframe_deletion", "protein_altering_variant"})


@dataclass(frozen=True)
class SomaticCalls:
    """A somatic :class:`~pgx.CallSet` with the layout of its annotation.

    Attributes
    ----------
    callset : CallSet
        Calls read with the annotation INFO key (``CSQ`` or ``ANN``) as a variant column, and
        ``AD``/``DP`` when VAF and depth filters are wanted.
    annotation : {"CSQ", "ANN"}
        VEP ``CSQ`` or SnpEff ``ANN``.
    fields : tuple of str
        The annotation's sub-field names in order, from the header's INFO Description
        (``"... Format: Allele|Consequence|..."`` for VEP).
    tumor_sample : int or None
        Index of the tumour sample in ``callset.sample_ids``; None for a sites-only VCF.
    header_lines : int or None
        Lines in the file's header, so messages can give a record's line number.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> import polars as pl
    >>> import pgx
    >>> from pgx.oncology import SomaticCalls
    >>> cs = pgx.CallSet.from_arrays(np.array([[[0, 1]]], dtype=np.int8), chrom=["chr7"], pos=[140753336],
    ...                              ref=["A"], alt=[["T"]], sample_ids=["T1"])
    >>> ann = ("T|missense_variant|MODERATE|BRAF|ENSG00000157764|transcript|ENST00000646891|protein_coding|"
    ...        "15/18|c.1799T>A|p.Val600Glu|1860/6459|1799/2301|600/766||")
    >>> cs = dataclasses.replace(cs, variants=cs.variants.with_columns(ANN=pl.lit(ann)))
    >>> SomaticCalls.from_callset(cs).annotation
    'ANN'
    """

    callset: CallSet
    annotation: Literal["CSQ", "ANN"]
    fields: tuple[str, ...]
    tumor_sample: int | None = None
    header_lines: int | None = None

    def __post_init__(self) -> None:
        if self.annotation not in _NEEDS:
            raise OncologyError(f"annotation must be 'CSQ' (VEP) or 'ANN' (SnpEff), found {self.annotation!r}")
        object.__setattr__(self, "fields", tuple(self.fields))
        missing = [name for name in _NEEDS[self.annotation].values() if name not in self.fields]
        if missing:
            hint = (" (run VEP with --hgvs and the default EXON output, or --everything)" if self.annotation == "CSQ"
                    else "")
            raise AnnotationError(f"the {self.annotation} layout lacks {missing}{hint}; found {list(self.fields)}",
                                  path=self.callset.source, field=self.annotation)
        if self.annotation not in self.callset.variants.columns:
            raise AnnotationError(
                f"the calls have no {self.annotation} column; read the VCF with fields=[{self.annotation!r}, 'AD', 'DP']",
                path=self.callset.source, field=self.annotation)
        n = self.callset.n_samples
        if self.tumor_sample is not None and not 0 <= self.tumor_sample < n:
            raise OncologyError(f"tumor_sample must be a sample index in 0..{n - 1}, found {self.tumor_sample}")

    @classmethod
    def from_callset(cls, callset: CallSet, *, description: str | None = None,
                     tumor_sample: int | str | None = None, header_lines: int | None = None) -> SomaticCalls:
        """Wrap calls read with ``CSQ`` or ``ANN``, taking the layout from the header's Description.

        Parameters
        ----------
        callset : CallSet
            Calls with a ``CSQ`` or ``ANN`` variant column.
        description : str, optional
            The header's ``Description`` of that INFO key. Required for VEP (its layout varies);
            SnpEff's fixed layout is used for ``ANN`` when not given.
        tumor_sample : int or str, optional
            The tumour sample's index or name. By default the only sample, or the one named
            ``TUMOR``/``TUMOUR`` (any case) when there are several.
        header_lines : int, optional
            Header lines in the file, for line numbers in messages.

        Returns
        -------
        SomaticCalls

        Raises
        ------
        AnnotationError
            No ``CSQ``/``ANN`` column, or a layout that cannot be read.
        OncologyError
            The tumour sample cannot be chosen.
        """
        columns = callset.variants.columns
        present = [key for key in ("CSQ", "ANN") if key in columns]
        if not present:
            raise AnnotationError(
                "no VEP CSQ or SnpEff ANN annotation: annotate the VCF with VEP (--vcf --hgvs) or SnpEff "
                "and read it with fields=['CSQ'] or fields=['ANN']", path=callset.source, field="INFO")
        key = present[0]
        if description is None:
            if key == "CSQ":
                raise AnnotationError(
                    "VEP's CSQ layout comes from the header's ##INFO=<ID=CSQ,...,Description=\"... Format: ...\">; "
                    "pass description= (pgx.oncology.read_somatic does this)", path=callset.source, field="CSQ")
            fields: tuple[str, ...] = ANN_FIELDS
        else:
            fields = parse_layout(key, description, path=callset.source)
        return cls(callset, key, fields, _tumor_index(callset, tumor_sample), header_lines)


def parse_layout(key: str, description: str, *, path: str | None = None) -> tuple[str, ...]:
    """The sub-field names of a ``CSQ`` or ``ANN`` header Description (internal)."""
    if key == "CSQ":
        found = re.search(r"Format:\s*([^\"]+)", description)
        if not found:
            raise AnnotationError(f"expected the CSQ Description to end 'Format: Allele|Consequence|...', "
                                  f"found {description!r}", path=path, field="CSQ")
        return tuple(name.strip() for name in found[1].strip().strip("'").split("|"))
    found = re.search(r"'([^']+)'", description)
    if not found or "|" not in found[1]:
        return ANN_FIELDS
    return tuple(name.strip() for name in found[1].split("|"))


def _tumor_index(callset: CallSet, tumor_sample: int | str | None) -> int | None:
    n = callset.n_samples
    if isinstance(tumor_sample, str):
        if tumor_sample not in callset.sample_ids:
            raise OncologyError(f"tumor_sample names no sample of the VCF (it has {n} samples; give an index 0..{n - 1})")
        return callset.sample_ids.index(tumor_sample)
    if tumor_sample is not None:
        return int(tumor_sample)
    if n == 0:
        return None
    if n == 1:
        return 0
    named = [i for i, s in enumerate(callset.sample_ids) if s.upper() in ("TUMOR", "TUMOUR")]
    if len(named) == 1:
        return named[0]
    raise OncologyError(f"the VCF has {n} samples and no tumour role: pass tumor_sample= (an index 0..{n - 1} or a "
                        "name), or declare ##tumor_sample= in the header")


def short_protein(hgvsp: str | None) -> str | None:
    """One-letter protein change from an HGVS p. string, without the protein id and ``p.``.

    Parameters
    ----------
    hgvsp : str or None
        ``ENSP00000275493.2:p.Leu858Arg``, ``p.(Val600Glu)``, ``p.Pro72%3D`` or already ``p.V600E``.

    Returns
    -------
    str or None
        ``"L858R"``, ``"V600E"``, ``"P72="``; None for an empty value.

    Examples
    --------
    >>> from pgx.oncology import short_protein
    >>> short_protein("ENSP00000275493.2:p.Glu746_Ala750del")
    'E746_A750del'
    >>> short_protein("p.Ser1982ArgfsTer22")
    'S1982Rfs*22'
    """
    if not hgvsp:
        return None
    text = unquote(hgvsp)
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    text = text.removeprefix("p.").strip("()")
    if not text:
        return None
    return _THREE.sub(lambda m: _AA.get(m[0], m[0]), text)


def _numbers(text: str) -> tuple[int, ...]:
    """``"19/28"`` -> (19,); ``"19-20/28"`` -> (19, 20)."""
    if not text:
        return ()
    span = text.split("/", 1)[0]
    parts = span.split("-")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        return ()
    return tuple(range(values[0], values[-1] + 1))


def _allele_keys(ref: str, alt: str, all_alts: list[str]) -> set[str]:
    keys = {alt}
    if all(a and ref and a[0] == ref[0] for a in all_alts):  # VEP drops the shared first base
        keys.add(alt[1:] or "-")
    return keys


_SCHEMA = {"variant_index": pl.Int64, "line": pl.Int64, "chrom": pl.String, "pos": pl.Int64, "ref": pl.String,
           "alt": pl.String, "gene": pl.String, "consequence": pl.List(pl.String), "protein": pl.String,
           "hgvsc": pl.String, "exon": pl.List(pl.Int64), "intron": pl.List(pl.Int64), "in_tumor": pl.Boolean,
           "passed": pl.Boolean, "vaf": pl.Float64, "depth": pl.Int64}


def somatic_variants(somatic: SomaticCalls) -> pl.DataFrame:
    """One row per variant allele and gene: the annotation pgx matches on, with tumour VAF and depth.

    For each ALT allele and gene the annotation of one transcript is kept: VEP's ``PICK``, else
    ``CANONICAL``/``MANE_SELECT``, else the first listed (SnpEff lists the most severe first).

    Parameters
    ----------
    somatic : SomaticCalls
        The annotated calls.

    Returns
    -------
    polars.DataFrame
        Columns ``variant_index`` (0-based row of ``callset.variants``), ``line`` (1-based line in the file
        when known), ``chrom``, ``pos`` (1-based), ``ref``, ``alt``, ``gene``, ``consequence`` (Sequence
        Ontology terms; SnpEff's inframe terms mapped to VEP's), ``protein`` (one-letter, e.g.
        ``"V600E"``), ``hgvsc``, ``exon``, ``intron`` (numbers), ``in_tumor`` (the tumour call carries the
        allele), ``passed`` (FILTER is PASS or ``.``), ``vaf`` (from AD; null without AD) and ``depth``
        (DP, else the sum of AD; null without both).

    Raises
    ------
    AnnotationError
        An entry whose number of ``|``-separated values differs from the layout, naming its line.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> import polars as pl
    >>> import pgx
    >>> from pgx.oncology import SomaticCalls, somatic_variants
    >>> cs = pgx.CallSet.from_arrays(np.array([[[0, 1]]], dtype=np.int8), chrom=["chr7"], pos=[140753336],
    ...                              ref=["A"], alt=[["T"]], sample_ids=["T1"])
    >>> ann = ("T|missense_variant|MODERATE|BRAF|ENSG00000157764|transcript|ENST00000646891|protein_coding|"
    ...        "15/18|c.1799T>A|p.Val600Glu|1860/6459|1799/2301|600/766||")
    >>> cs = dataclasses.replace(cs, variants=cs.variants.with_columns(ANN=pl.lit(ann)))
    >>> somatic_variants(SomaticCalls.from_callset(cs)).select("gene", "protein", "exon").rows()
    [('BRAF', 'V600E', [15])]
    """
    cs = somatic.callset
    index = {name: i for i, name in enumerate(somatic.fields)}
    need = {role: index[name] for role, name in _NEEDS[somatic.annotation].items()}
    opt = {role: index[name] for role, name in _OPTIONAL[somatic.annotation].items() if name in index}
    width = len(somatic.fields)
    variants = cs.variants
    texts = variants[somatic.annotation].to_list()
    t = somatic.tumor_sample
    gt = cs.genotypes[:, t, :] if t is not None else None
    ad = cs.calldata.get("AD")
    ad = ad[:, t, :] if ad is not None and t is not None else None
    dp = cs.calldata.get("DP")
    dp = dp[:, t] if dp is not None and t is not None else None
    rows = []
    for i, (chrom, pos, ref, alts, filters, text) in enumerate(zip(
            *(variants[c].to_list() for c in ("chrom", "pos", "ref", "alt", "filter")), texts)):
        if not text or not alts:
            continue
        line = somatic.header_lines + i + 1 if somatic.header_lines is not None else None
        passed = filters is None or list(filters) in ([], ["PASS"])
        keys = [_allele_keys(ref, a, list(alts)) for a in alts]
        chosen: dict[tuple[int, str], tuple[int, int, list[str]]] = {}
        entries = text.split(",") if isinstance(text, str) else [e for e in text if e]
        for order, entry in enumerate(entries):
            values = entry.split("|")
            if len(values) != width:
                raise AnnotationError(
                    f"expected {width} '|'-separated values as the header's {somatic.annotation} layout says, "
                    f"found {len(values)} in {entry[:60]!r}", path=cs.source, line=line, field=somatic.annotation)
            gene = values[need["gene"]]
            if not gene:
                continue
            allele = values[need["allele"]]
            hits = [a for a, k in enumerate(keys) if allele in k]
            if not hits and len(alts) == 1:
                hits = [0]
            if not hits:
                continue
            if "pick" in opt and values[opt["pick"]] == "1":
                rank = 0
            elif ("canonical" in opt and values[opt["canonical"]] == "YES") or ("mane" in opt and values[opt["mane"]]):
                rank = 1
            else:
                rank = 2
            key = (hits[0], gene)
            if key not in chosen or (rank, order) < chosen[key][:2]:
                chosen[key] = (rank, order, values)
        for (a, gene), (_, _, values) in sorted(chosen.items()):
            consequence = [_SO.get(c, c) for c in values[need["consequence"]].split("&") if c]
            exon_numbers = _numbers(values[need["exon"]])
            intron_numbers = _numbers(values[opt["intron"]]) if "intron" in opt else ()
            if somatic.annotation == "ANN" and not _EXONIC.intersection(consequence):
                exon_numbers, intron_numbers = (), exon_numbers  # SnpEff's Rank is the intron's here
            allele_index = a + 1
            if gt is None:
                in_tumor = True
            elif (gt[i] >= 0).any():
                in_tumor = bool((gt[i] == allele_index).any())
            else:  # GT missing: fall back to read support
                in_tumor = bool(ad is not None and allele_index < ad.shape[1] and ad[i, allele_index] > 0)
            vaf, depth = _vaf_depth(ad, dp, i, allele_index)
            rows.append((i, line, chrom, pos, ref, alts[a], gene, consequence, short_protein(values[need["hgvsp"]]),
                         (values[opt["hgvsc"]].rsplit(":", 1)[-1] or None) if "hgvsc" in opt else None,
                         list(exon_numbers), list(intron_numbers), in_tumor, passed, vaf, depth))
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _vaf_depth(ad: np.ndarray | None, dp: np.ndarray | None, i: int, allele: int) -> tuple[float | None, int | None]:
    vaf = depth = None
    if ad is not None:
        counts = ad[i]
        total = int(counts[counts >= 0].sum())
        if total > 0 and allele < counts.shape[0] and counts[allele] >= 0:
            vaf = float(counts[allele]) / total
        if total > 0:
            depth = total
    if dp is not None and dp[i] >= 0:
        depth = int(dp[i])
    if vaf is not None and math.isnan(vaf):
        vaf = None
    return vaf, depth
