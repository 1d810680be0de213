"""Load, validate and cache the per-gene star-allele tables in ``reference/pharmacogenes/``.

Each gene has a folder with ``gene.tsv`` (key/value facts and handling flags),
``alleles.tsv``, ``positions.tsv``, ``definitions.tsv`` and ``phenotypes.tsv``; genes
called only from outside calls (HLA-A, HLA-B) have ``gene.tsv`` and ``alleles.tsv``, and
may have ``tag_snps.tsv``: tag-SNP proxies of some of their alleles. Positions are 1-based
VCF positions in the requested genome build.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from pgx.exceptions import ReferenceDataError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = ["allele_definitions", "allele_table", "gene_info", "genes", "phenotype_rules", "positions",
           "tag_snps", "unplaced_alleles"]

GenomeBuild = Literal["GRCh38", "GRCh37"]
_BUILDS = ("GRCh38", "GRCh37")
_BASES = re.compile(r"[ACGTN]+")
_ALTS = re.compile(r"[ACGTN]+(,[ACGTN]+)*")
_BOOL = ("true", "false")

# file -> (columns, kind of each checked column)
_SCHEMAS: dict[str, dict[str, str]] = {
    "positions.tsv": {"chrom": "chrom", "pos_grch38": "int", "pos_grch37": "int_or_empty", "ref": "bases",
                      "alt": "alts", "rsid": "rsid", "variant_type": "variant_type",
                      "genome_ref_grch38": "bases", "genome_ref_grch37": "bases_or_empty",
                      "cpic_position": "int_or_empty", "hgvs": "any", "ref_context": "bases_or_empty"},
    "definitions.tsv": {"allele": "text", "chrom": "chrom", "pos_grch38": "int", "pos_grch37": "int_or_empty",
                        "ref": "bases", "alt": "bases", "rsid": "rsid", "cpic_allele": "any", "wobble": "bool"},
    "alleles.tsv": {"allele": "text", "function": "any", "activity_value": "number_or_empty",
                    "is_reference": "bool", "structural": "bool", "source": "any"},
    "gene.tsv": {"key": "text", "value": "any"},
    "tag_snps.tsv": {"allele": "text", "rsid": "rsid", "chrom": "chrom", "pos_grch38": "int", "pos_grch37": "int",
                     "ref": "bases", "alt": "bases", "tag_allele": "bases", "validated_in": "text",
                     "performance": "text", "source": "text"},
}
# columns added in reference 2026.12 (CPIC-built tables); older or hand-made tables may omit them
_OPTIONAL = {"cpic_position": "", "hgvs": "", "cpic_allele": "", "wobble": "false", "source": "",
             "ref_context": ""}
_RULE_COLUMNS = {
    "activity_score": {"min_score": "number", "max_score": "number", "phenotype": "text"},
    "function_pair": {"function_1": "text", "function_2": "text", "phenotype": "text"},
}


def _fail(path: Path, row: int | None, column: str | None, expected: str, found: object) -> ReferenceDataError:
    where = str(path)
    if row is not None:
        where += f", data row {row}"
    if column is not None:
        where += f", column {column!r}"
    return ReferenceDataError(f"{where}: expected {expected}, found {found!r}")


def _check(path: Path, row: int, column: str, kind: str, value: str) -> object:
    if kind == "any":
        return value
    if kind == "text":
        if not value:
            raise _fail(path, row, column, "a non-empty value", value)
        return value
    if kind in ("int", "int_or_empty"):
        if kind == "int_or_empty" and value == "":
            return None
        if not value.isdigit() or int(value) < 1:
            raise _fail(path, row, column, "a 1-based whole-number position", value)
        return int(value)
    if kind in ("number", "number_or_empty"):
        if kind == "number_or_empty" and value == "":
            return None
        try:
            number = float(value)
        except ValueError:
            raise _fail(path, row, column, "a number" + (" or empty" if kind == "number_or_empty" else ""),
                        value) from None
        if math.isnan(number):
            raise _fail(path, row, column, "a number", value)
        return number
    if kind in ("bases", "bases_or_empty"):
        if kind == "bases_or_empty" and value == "":
            return None
        if not _BASES.fullmatch(value):
            raise _fail(path, row, column, "bases from A, C, G, T, N", value)
        return value
    if kind == "alts":
        if not _ALTS.fullmatch(value):
            raise _fail(path, row, column, "comma-separated alleles of bases A, C, G, T, N", value)
        return value
    if kind == "bool":
        if value not in _BOOL:
            raise _fail(path, row, column, "true or false", value)
        return value == "true"
    if kind == "chrom":
        if not re.fullmatch(r"chr([1-9]|1[0-9]|2[0-2]|X|Y|M)", value):
            raise _fail(path, row, column, "a chr-prefixed contig such as chr10 or chrM", value)
        return value
    if kind == "rsid":
        if value and not re.fullmatch(r"rs[0-9]+", value):
            raise _fail(path, row, column, "an rsID such as rs4244285, or empty", value)
        return value
    if kind == "variant_type":
        if value not in ("snv", "mnv", "ins", "del", "mixed"):
            raise _fail(path, row, column, "one of snv, mnv, ins, del, mixed", value)
        return value
    raise AssertionError(kind)


def _read_tsv(path: Path, schema: dict[str, str] | None) -> tuple[list[str], dict[str, list]]:
    """Read a ``#``-commented TSV; return its comment lines and checked columns."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if line and not line.startswith("#")]
    if not body:
        raise _fail(path, None, None, "a header row after the '#' lines", "nothing")
    header = body[0].split("\t")
    if schema is None:
        kind = next((c.split(":", 1)[1].strip() for c in comments if c.startswith("# rule:")), None)
        if kind not in _RULE_COLUMNS:
            raise _fail(path, None, None, "a '# rule: activity_score' or '# rule: function_pair' line", kind)
        schema = _RULE_COLUMNS[kind]
        comments = [f"# rule: {kind}"] + comments
    missing = [c for c in schema if c not in header and c not in _OPTIONAL]
    if missing:
        raise _fail(path, None, missing[0], f"the header columns {list(schema)}", header)
    index = {c: header.index(c) for c in schema if c in header}
    columns: dict[str, list] = {c: [] for c in schema}
    for number, line in enumerate(body[1:], start=1):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise _fail(path, number, None, f"{len(header)} tab-separated fields", line)
        for column, kind in schema.items():
            value = fields[index[column]] if column in index else _OPTIONAL[column]
            columns[column].append(_check(path, number, column, kind, value))
    return comments, columns


def genes(*, reference_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the genes that have curated tables, sorted.

    Parameters
    ----------
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    list of str

    Raises
    ------
    ReferenceDataError
        If the folder has no ``pharmacogenes`` directory.

    Examples
    --------
    >>> names = genes()
    >>> "CYP2C19" in names and "HLA-B" in names
    True
    """
    return list(_gene_names(str(_reference_dir(reference_dir))))


@lru_cache(maxsize=8)
def _gene_names(folder: str) -> tuple[str, ...]:
    root = Path(folder) / "pharmacogenes"
    if not root.is_dir():
        raise ReferenceDataError(f"{root}: expected a folder of per-gene tables, found none")
    return tuple(sorted(p.name for p in root.iterdir() if (p / "gene.tsv").is_file()))


def _gene_folder(gene: str, reference_dir) -> tuple[str, Path]:
    folder = str(_reference_dir(reference_dir))
    names = _gene_names(folder)
    if gene not in names:
        close = difflib.get_close_matches(str(gene).upper(), names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ReferenceDataError(f"unknown gene {gene!r}: expected one of {', '.join(names)}{hint}")
    return folder, Path(folder) / "pharmacogenes" / gene


@lru_cache(maxsize=64)
def _load_gene(folder: str, gene: str) -> dict:
    base = Path(folder) / "pharmacogenes" / gene
    _, info_cols = _read_tsv(base / "gene.tsv", _SCHEMAS["gene.tsv"])
    info = dict(zip(info_cols["key"], info_cols["value"]))
    _, alleles = _read_tsv(base / "alleles.tsv", _SCHEMAS["alleles.tsv"])
    outside_only = info.get("outside_calls_only") == "true"
    if outside_only:
        pos = {c: [] for c in _SCHEMAS["positions.tsv"]}
        defs = {c: [] for c in _SCHEMAS["definitions.tsv"]}
        kind, rules = "none", {"function_1": [], "function_2": [], "phenotype": []}
    else:
        _, pos = _read_tsv(base / "positions.tsv", _SCHEMAS["positions.tsv"])
        _, defs = _read_tsv(base / "definitions.tsv", _SCHEMAS["definitions.tsv"])
        comments, rules = _read_tsv(base / "phenotypes.tsv", None)
        kind = comments[0].split(":", 1)[1].strip()
    # every definition row must match a positions row: same position and ref, alt among the alts
    known = {}
    for i in range(len(pos["pos_grch38"])):
        key = (pos["chrom"][i], pos["pos_grch38"][i], pos["ref"][i])
        known[key] = (pos["pos_grch37"][i], set(pos["alt"][i].split(",")))
    path = base / "definitions.tsv"
    named = set(alleles["allele"])
    for i in range(len(defs["allele"])):
        key = (defs["chrom"][i], defs["pos_grch38"][i], defs["ref"][i])
        if key not in known:
            raise _fail(path, i + 1, "pos_grch38", "a position and ref listed in positions.tsv",
                        f"{key[0]}:{key[1]} {key[2]}")
        p37, alts = known[key]
        if defs["alt"][i] not in alts and defs["alt"][i] != defs["ref"][i]:
            raise _fail(path, i + 1, "alt", f"the ref or one of the alts in positions.tsv ({','.join(sorted(alts))})",
                        defs["alt"][i])
        if defs["wobble"][i] and defs["alt"][i] == defs["ref"][i]:
            raise _fail(path, i + 1, "wobble", "false where alt equals ref (a wobble allows ref or an alt)", "true")
        if defs["pos_grch37"][i] != p37:
            raise _fail(path, i + 1, "pos_grch37", f"{p37} as in positions.tsv", defs["pos_grch37"][i])
        if defs["allele"][i] not in named:
            raise _fail(path, i + 1, "allele", "an allele listed in alleles.tsv", defs["allele"][i])
    tags = _load_tags(base / "tag_snps.tsv", named)
    return {"info": info, "alleles": alleles, "positions": pos, "definitions": defs, "kind": kind, "rules": rules,
            "tags": tags}


def _load_tags(path: Path, named: set) -> dict[str, list]:
    """The optional tag-SNP table: checked columns, one tag per allele, the tag allele the ALT."""
    schema = _SCHEMAS["tag_snps.tsv"]
    if not path.is_file():
        return {c: [] for c in schema}
    _, tags = _read_tsv(path, schema)
    seen: set[str] = set()
    for i, allele in enumerate(tags["allele"]):
        if allele not in named:
            raise _fail(path, i + 1, "allele", "an allele listed in alleles.tsv", allele)
        if allele in seen:
            raise _fail(path, i + 1, "allele", "one tag SNP per allele", allele)
        seen.add(allele)
        if len(tags["ref"][i]) != 1 or len(tags["alt"][i]) != 1:
            raise _fail(path, i + 1, "alt", "a single-base REF and ALT (tag SNPs are SNVs)",
                        f"{tags['ref'][i]}>{tags['alt'][i]}")
        if tags["tag_allele"][i] != tags["alt"][i]:
            raise _fail(path, i + 1, "tag_allele", f"the ALT allele {tags['alt'][i]!r}", tags["tag_allele"][i])
    return tags


def _build(genome_build: str) -> str:
    if genome_build not in _BUILDS:
        raise ReferenceDataError(f"unknown genome_build {genome_build!r}: expected one of {', '.join(_BUILDS)}")
    return genome_build.lower()


def allele_definitions(gene: str, *, genome_build: GenomeBuild = "GRCh38",
                       reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the defining variants of every named allele of a gene.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`, e.g. ``"CYP2C19"``.
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
        The build of the returned positions.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    polars.DataFrame
        One row per (allele, defining variant), columns ``gene``, ``allele``, ``chrom``,
        ``pos`` (1-based VCF position in ``genome_build``), ``ref``, ``alt`` (VCF-style, indels
        with their anchor base), ``rsid`` (empty when none), ``wobble`` (True where CPIC allows
        either ``ref`` or ``alt``: an IUPAC code) and ``cpic_allele`` (CPIC's own notation, empty
        where PharmCAT fills in the reference base). A row whose ``alt`` equals ``ref`` says the
        allele specifies the reference base there. The reference allele has rows only for its own
        wobble positions; ``ref`` is the reference allele's base, which can differ from the
        genome's (see :func:`positions`). Alleles that cannot be placed in ``genome_build`` are
        left out (see :func:`unplaced_alleles`).

    Raises
    ------
    ReferenceDataError
        If the gene is unknown (the message lists close matches), the build is unknown, or a
        table is malformed (the message names file, data row and column).

    Examples
    --------
    >>> defs = allele_definitions("CYP2C19")
    >>> star2 = defs.filter(pl.col("allele") == "*2")
    >>> star2.filter(pl.col("rsid") == "rs4244285").select("allele", "chrom", "pos", "ref", "alt").row(0)
    ('*2', 'chr10', 94781859, 'G', 'A')
    >>> star2.filter(pl.col("wobble")).select("rsid", "cpic_allele").row(0)
    ('rs58973490', 'R')
    >>> allele_definitions("CYP2C19", genome_build="GRCh37").filter(pl.col("rsid") == "rs4244285")["pos"][0]
    96541616
    """
    build = _build(genome_build)
    folder, _ = _gene_folder(gene, reference_dir)
    d = _load_gene(folder, gene)["definitions"]
    frame = pl.DataFrame({
        "gene": [gene] * len(d["allele"]), "allele": d["allele"], "chrom": d["chrom"],
        "pos": d[f"pos_{build}"], "ref": d["ref"], "alt": d["alt"], "rsid": d["rsid"],
        "wobble": d["wobble"], "cpic_allele": d["cpic_allele"],
    }, schema={"gene": pl.String, "allele": pl.String, "chrom": pl.String, "pos": pl.Int64,
               "ref": pl.String, "alt": pl.String, "rsid": pl.String, "wobble": pl.Boolean,
               "cpic_allele": pl.String})
    unplaced = unplaced_alleles(gene, genome_build=genome_build, reference_dir=reference_dir)
    return frame.filter(~pl.col("allele").is_in(unplaced)) if unplaced else frame


def unplaced_alleles(gene: str, *, genome_build: GenomeBuild = "GRCh38",
                     reference_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Alleles with a defining position that has no sourced coordinate in ``genome_build``.

    CPIC defines alleles on GRCh38; GRCh37 positions come from a second source where it
    lists the same variant. An allele with any position missing there cannot be matched in
    GRCh37 (it is GRCh38-only) and calls say so.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`.
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    list of str
        Allele names, in table order; empty for GRCh38.

    Examples
    --------
    >>> unplaced_alleles("CYP2C19")
    []
    >>> "*2" in unplaced_alleles("CYP2C19", genome_build="GRCh37")
    False
    """
    build = _build(genome_build)
    folder, _ = _gene_folder(gene, reference_dir)
    d = _load_gene(folder, gene)["definitions"]
    out: list[str] = []
    for allele, pos in zip(d["allele"], d[f"pos_{build}"]):
        if pos is None and allele not in out:
            out.append(allele)
    return out


def positions(gene: str, *, genome_build: GenomeBuild = "GRCh38",
              reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the positions that define a gene's alleles.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`.
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
        The build of the returned positions.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    polars.DataFrame
        One row per (position, ref): ``gene``, ``chrom``, ``pos`` (1-based, in ``genome_build``),
        ``ref`` (the gene reference allele's base), ``alt`` (comma-separated when several),
        ``rsid``, ``variant_type`` (snv, mnv, ins, del) and ``genome_ref``, the base of the
        build's reference sequence, which can differ from ``ref`` where the genome carries a
        variant allele, and ``ref_context``: for an indel in a repeat, the reference bases from
        ``pos`` over the whole span the indel can slide along (empty otherwise). Positions
        with no sourced coordinate in ``genome_build`` are left out
        (GRCh37: see :func:`unplaced_alleles`).

    Raises
    ------
    ReferenceDataError
        If the gene or build is unknown or a table is malformed.

    Examples
    --------
    >>> nat2 = positions("NAT2").filter(pl.col("rsid") == "rs1208")
    >>> nat2.select("pos", "ref", "alt", "genome_ref").row(0)
    (18400806, 'G', 'A', 'G')
    >>> positions("CYP2C19", genome_build="GRCh37").height < positions("CYP2C19").height
    True
    """
    build = _build(genome_build)
    folder, _ = _gene_folder(gene, reference_dir)
    p = _load_gene(folder, gene)["positions"]
    return pl.DataFrame({
        "gene": [gene] * len(p["chrom"]), "chrom": p["chrom"], "pos": p[f"pos_{build}"], "ref": p["ref"],
        "alt": p["alt"], "rsid": p["rsid"], "variant_type": p["variant_type"],
        "genome_ref": p[f"genome_ref_{build}"], "ref_context": p["ref_context"],
    }, schema={"gene": pl.String, "chrom": pl.String, "pos": pl.Int64, "ref": pl.String, "alt": pl.String,
               "rsid": pl.String, "variant_type": pl.String, "genome_ref": pl.String,
               "ref_context": pl.String}).filter(pl.col("pos").is_not_null())


def allele_table(gene: str, *, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the named alleles of a gene with their function and activity value.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    polars.DataFrame
        Columns ``gene``, ``allele``, ``function`` (CPIC's words), ``activity_value``
        (Float64, null where CPIC gives none), ``is_reference`` and ``structural`` (Boolean;
        structural alleles have no definitions and come from outside calls only) and ``source``
        (where the function comes from: ``CPIC``, or the fallback named).

    Raises
    ------
    ReferenceDataError
        If the gene is unknown or the table is malformed.

    Examples
    --------
    >>> t = allele_table("CYP2D6")
    >>> t.filter(pl.col("allele") == "*10").select("function", "activity_value").row(0)
    ('Decreased function', 0.25)
    >>> t.filter(pl.col("is_reference"))["allele"].to_list()
    ['*1']
    """
    folder, _ = _gene_folder(gene, reference_dir)
    a = _load_gene(folder, gene)["alleles"]
    return pl.DataFrame({"gene": [gene] * len(a["allele"]), **a},
                        schema={"gene": pl.String, "allele": pl.String, "function": pl.String,
                                "activity_value": pl.Float64, "is_reference": pl.Boolean,
                                "structural": pl.Boolean, "source": pl.String})


def phenotype_rules(gene: str, *, reference_dir: str | os.PathLike[str] | None = None) -> tuple[str, pl.DataFrame]:
    """Return a gene's diplotype-to-phenotype rule as data.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    kind : {"activity_score", "function_pair", "none"}
        ``activity_score``: the frame has ``min_score``, ``max_score`` (inclusive bounds; the
        last may be ``inf``) and ``phenotype``. ``function_pair``: ``function_1``,
        ``function_2`` (an unordered pair of allele functions) and ``phenotype``; haploid and
        hemizygous genes look up ``(f, f)``. ``none``: outside-call-only genes (HLA).
    rules : polars.DataFrame

    Raises
    ------
    ReferenceDataError
        If the gene is unknown or the table is malformed.

    Examples
    --------
    >>> kind, rules = phenotype_rules("CYP2D6")
    >>> kind, rules.filter(pl.col("phenotype") == "Normal Metabolizer").row(0)
    ('activity_score', (1.25, 2.25, 'Normal Metabolizer'))
    """
    folder, _ = _gene_folder(gene, reference_dir)
    g = _load_gene(folder, gene)
    if g["kind"] == "activity_score":
        schema = {"min_score": pl.Float64, "max_score": pl.Float64, "phenotype": pl.String}
    else:
        schema = {"function_1": pl.String, "function_2": pl.String, "phenotype": pl.String}
    return g["kind"], pl.DataFrame(g["rules"], schema=schema)


def gene_info(gene: str, *, reference_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Return a gene's key/value facts and handling flags from ``gene.tsv``.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    dict of str to str
        Always ``gene``, ``chrom``, ``strand``, ``phenotype_rule`` and ``reference_allele``;
        flags where they apply: ``rule`` (``lowest_function``: DPYD, RYR1, CACNA1S),
        ``fallback_rsid`` (SLCO1B1), ``haploid_chrom`` (MT-RNR1), ``hemizygous_chrom`` (G6PD),
        ``single_variant`` (VKORC1), ``outside_calls_only`` (HLA-A, HLA-B).

    Raises
    ------
    ReferenceDataError
        If the gene is unknown or the table is malformed.

    Examples
    --------
    >>> info = gene_info("CYP2C19")
    >>> info["reference_allele"], info["chrom"]
    ('*38', 'chr10')
    >>> gene_info("SLCO1B1")["fallback_rsid"]
    'rs4149056'
    """
    folder, _ = _gene_folder(gene, reference_dir)
    return dict(_load_gene(folder, gene)["info"])


def tag_snps(gene: str, *, genome_build: GenomeBuild = "GRCh38",
             reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the tag SNPs that stand in for some of a gene's alleles (HLA proxies).

    A tag SNP is a variant in linkage disequilibrium with an HLA allele: carrying its
    ``tag_allele`` marks a probable carrier of the allele. It is a proxy, not an HLA
    typing, and its accuracy depends on the population; the table records where each tag
    was validated and what the studies report. Only tags with a citable source are listed
    (``HLA-B*57:01``: rs2395029); genes without ``tag_snps.tsv`` give an empty frame.

    Parameters
    ----------
    gene : str
        A gene symbol as listed by :func:`genes`, e.g. ``"HLA-B"``.
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
        The build of the returned positions.
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    polars.DataFrame
        One row per tagged allele: ``gene``, ``allele`` (``HLA-B*57:01``), ``rsid``,
        ``chrom``, ``pos`` (1-based VCF position in ``genome_build``), ``ref``, ``alt``
        (plus strand, as in a normalised VCF), ``tag_allele`` (the allele that marks a
        carrier), ``validated_in``, ``performance`` and ``source`` (free text with DOIs).

    Raises
    ------
    ReferenceDataError
        If the gene or build is unknown or the table is malformed (file, row and column).

    Examples
    --------
    >>> tags = tag_snps("HLA-B")
    >>> tags.select("allele", "rsid", "chrom", "pos", "ref", "alt", "tag_allele").row(0)
    ('HLA-B*57:01', 'rs2395029', 'chr6', 31464003, 'T', 'G', 'G')
    >>> tag_snps("HLA-B", genome_build="GRCh37")["pos"][0]
    31431780
    >>> tag_snps("CYP2C19").height
    0
    """
    build = _build(genome_build)
    folder, _ = _gene_folder(gene, reference_dir)
    t = _load_gene(folder, gene)["tags"]
    columns = ["allele", "rsid", "chrom", "pos", "ref", "alt", "tag_allele", "validated_in", "performance", "source"]
    data = {c: (t[f"pos_{build}"] if c == "pos" else t[c]) for c in columns}
    return pl.DataFrame({"gene": [gene] * len(t["allele"]), **data},
                        schema={"gene": pl.String, **{c: (pl.Int64 if c == "pos" else pl.String) for c in columns}})
