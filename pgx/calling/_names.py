"""Allele names as other tools, labs and guidelines write them, resolved to the names of
pgx's allele tables at run time (never a hard-coded allele list).

Accepted forms, for any gene:

* a name of the gene's table, with or without the gene prefix (``CYP2C9*3``, ``*3``);
* for names written ``HGVS (alias)`` in the table (DPYD ``c.1905+1G>A (*2A)``): the HGVS
  part or the alias alone (``c.1905+1G>A``, ``*2A``); mitochondrial names with or without
  ``m.`` (``1555A>G``, ``m.1555A>G``);
* a sub-allele of a table allele (``*4.024`` -> ``*4``), and ``*1`` for a gene whose table
  names its reference allele otherwise (DPYD ``Reference``), each with a note;
* copy numbers on a star allele, as PharmVar writes them: ``*1x2``, ``*1xN`` (unknown number,
  at least two), ``*1x≥3`` or ``*1≥3`` (three or more); non-identical copies on one
  chromosome joined by ``+`` (``*36+*10``, ``*13 + *1x2``);
* HLA alleles at any resolution, with or without the gene prefix (``*57:01``,
  ``HLA-B*57:01``, ``HLA-B*57:01:01:02``), kept at two fields (``*57:01``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from pgx import reference

__all__ = ["AlleleNameError", "CopyPart", "accepted_forms", "copy_parts", "resolve_allele", "resolve_diplotype"]

#: a star allele with an optional copy number: x2, xN, x≥3, ≥3 (also X, × and >=)
_COPIES = re.compile(r"(\*[0-9]+[A-WYZa-wyz]?(?:\.[0-9]+)?)\s*(?:[xX×]\s*(?P<n>[0-9]+|[Nn])|(?:[xX×]\s*)?(?:≥|>=)\s*(?P<ge>[0-9]+))?")
_HLA = re.compile(r"\*?([0-9]{2,3}:[0-9]{2,3})(?::[0-9]{2,3})*[A-Z]?")
_ALIAS = re.compile(r"(?P<main>.*\S)\s*\((?P<alias>[^()]+)\)")


class AlleleNameError(ValueError):
    """An allele name that matches no allele of the gene's table in any accepted form."""


@dataclass(frozen=True)
class CopyPart:
    """One gene copy group of a haplotype: ``allele`` (a table name) present ``copies`` times,
    or at least ``copies`` times when ``at_least``."""

    allele: str
    copies: int = 1
    at_least: bool = False


def copy_parts(haplotype: str) -> tuple[CopyPart, ...] | None:
    """Split a canonical haplotype name (``*1x2``, ``*36+*10``, ``*1x≥3``, ``*2xN``) into its
    copy groups; None for a name without copies or tandem parts.

    Examples
    --------
    >>> copy_parts("*36+*10x2")
    (CopyPart(allele='*36', copies=1, at_least=False), CopyPart(allele='*10', copies=2, at_least=False))
    >>> copy_parts("*1xN")
    (CopyPart(allele='*1', copies=2, at_least=True),)
    >>> copy_parts("*4") is None
    True
    """
    if not haplotype.startswith("*"):
        return None
    parts = []
    for text in haplotype.split("+"):
        match = _COPIES.fullmatch(text.strip())
        if match is None:
            return None
        n, ge = match["n"], match["ge"]
        if n is None and ge is None:
            parts.append(CopyPart(match[1]))
        elif ge is not None:
            parts.append(CopyPart(match[1], int(ge), True))
        elif n in ("N", "n"):
            parts.append(CopyPart(match[1], 2, True))
        else:
            parts.append(CopyPart(match[1], int(n)))
    if len(parts) == 1 and parts[0].copies == 1:
        return None
    return tuple(parts)


def _count(part: CopyPart) -> str:
    """The copy-number suffix PharmVar writes: none, x2, xN (two or more), x≥3."""
    if part.at_least:
        return "xN" if part.copies == 2 else f"x≥{part.copies}"
    return "" if part.copies == 1 else f"x{part.copies}"


def _key(name: str) -> str:
    key = "".join(name.split()).lower()
    return key[2:] if key.startswith("m.") else key


@lru_cache(maxsize=64)
def _names(gene: str, folder: str | None) -> tuple[frozenset, dict, str, bool]:
    """The table's names, an index of accepted keys -> name, the reference allele, and
    whether the gene is typed as HLA alleles."""
    table = reference.allele_table(gene, reference_dir=folder)
    names = [str(n) for n in table["allele"].to_list()]
    info = reference.gene_info(gene, reference_dir=folder)
    index: dict[str, str | None] = {}

    def add(key: str, name: str) -> None:
        index[key] = name if index.get(key, name) == name else None  # a key two names share is no key

    for name in names:
        bare = name[len(gene):] if name.startswith(gene + "*") else name
        add(_key(bare), name)
        match = _ALIAS.fullmatch(bare)
        if match:
            add(_key(match["main"]), name)
            add(_key(match["alias"]), name)
    hla = info.get("outside_calls_only") == "true" and any(":" in n for n in names)
    return frozenset(names), {k: v for k, v in index.items() if v}, info.get("reference_allele", ""), hla


def accepted_forms(gene: str, *, reference_dir: str | os.PathLike[str] | None = None) -> str:
    """The accepted ways of writing a ``gene`` allele, for error messages (the forms that
    apply to the names in the gene's table).

    Examples
    --------
    >>> print(accepted_forms("CYP2D6"))  # doctest: +ELLIPSIS
    a CYP2D6 allele of pgx's table (e.g. *1, *2, *3), with or without the prefix 'CYP2D6'; copy numbers *1x2, ...
    >>> print(accepted_forms("HLA-B"))  # doctest: +ELLIPSIS
    an HLA allele such as *57:01 or HLA-B*57:01 ...
    """
    folder = None if reference_dir is None else os.fspath(reference_dir)
    names, _, ref_allele, hla = _names(gene, folder)
    if hla:
        return (f"an HLA allele such as *57:01 or {gene}*57:01 (more fields are cut to two), "
                "or allele statuses such as '*57:01 positive' in the phenotype column")
    aliased = sorted((n for n in names if _ALIAS.fullmatch(n)), key=lambda n: (len(n), n))
    shown = (aliased or sorted(names, key=lambda n: (len(n), n)))[:3]
    forms = [f"a {gene} allele of pgx's table (e.g. {', '.join(shown)}), with or without the prefix {gene!r}"]
    if any(n.startswith("*") for n in names):
        forms.append("copy numbers *1x2, *1xN, *1x≥3; copies in tandem *36+*10; sub-alleles such as *4.001")
    if aliased:
        main, alias = _ALIAS.fullmatch(aliased[0]).group("main", "alias")
        forms.append(f"the name without its alias or the alias alone ({main}, {alias})")
    if ref_allele and ref_allele != "*1" and "*1" not in names:
        forms.append(f"*1 for the reference allele {ref_allele}")
    if any(n.startswith("m.") for n in names):
        forms.append("with or without 'm.' (1555A>G, m.1555A>G)")
    return "; ".join(forms)


def resolve_allele(gene: str, text: str, *,
                   reference_dir: str | os.PathLike[str] | None = None) -> tuple[str, list[str]]:
    """Resolve one haplotype name to the name pgx's table uses.

    Parameters
    ----------
    gene : str
    text : str
        The name as written (see the module docstring for the accepted forms).
    reference_dir : path, optional

    Returns
    -------
    name : str
        The table's name, a copy-number name built on table names (``*1x2``), or for HLA
        genes the two-field allele (``*57:01``).
    notes : list of str
        How a name was mapped when it was not written as the table writes it.

    Raises
    ------
    AlleleNameError
        If the name matches no allele of the table in any accepted form.

    Examples
    --------
    >>> resolve_allele("DPYD", "*2A")
    ('c.1905+1G>A (*2A)', ['DPYD *2A read as c.1905+1G>A (*2A)'])
    >>> resolve_allele("CYP2D6", "CYP2D6*1X2")
    ('*1x2', [])
    >>> resolve_allele("HLA-B", "HLA-B*57:01:01")
    ('*57:01', [])
    """
    folder = None if reference_dir is None else os.fspath(reference_dir)
    names, index, ref_allele, hla = _names(gene, folder)
    raw = text.strip()
    bare = raw[len(gene):].strip() if raw.upper().startswith(gene.upper()) else raw
    if hla:
        match = _HLA.fullmatch(bare)
        if match is None:
            raise AlleleNameError(f"{gene} allele {text!r}")
        return "*" + match[1], []
    if bare in names:
        return bare, []
    found = index.get(_key(bare))
    if found is not None:
        return found, ([] if _key(found) == _key(bare) else [f"{gene} {bare} read as {found}"])
    if bare == "*1" and ref_allele and ref_allele != "*1":
        return ref_allele, [f"{gene} *1 read as the reference allele {ref_allele}"]
    parts = copy_parts(bare)
    if parts is not None:
        canonical, notes = [], []
        for part in parts:
            allele, part_notes = resolve_allele(gene, part.allele, reference_dir=reference_dir)
            notes += part_notes
            canonical.append(allele + _count(part))
        return "+".join(canonical), notes
    sub = re.fullmatch(r"(\*[0-9A-Za-z]+)\.[0-9]+", bare)
    if sub and sub[1] in names:
        return sub[1], [f"{gene} sub-allele {bare} read as {sub[1]}"]
    raise AlleleNameError(f"{gene} allele {text!r}")


def resolve_diplotype(gene: str, text: str, *,
                      reference_dir: str | os.PathLike[str] | None = None) -> tuple[str, list[str]]:
    """Resolve a diplotype (``A/B``) or a single allele call (haploid genes) to table names.

    Returns the resolved text (haplotypes joined by ``/`` in the order given) and the notes
    of :func:`resolve_allele`; raises :class:`AlleleNameError` naming the first bad name.

    Examples
    --------
    >>> resolve_diplotype("MT-RNR1", "1555A>G")
    ('m.1555A>G', [])
    >>> resolve_diplotype("CYP2D6", "*1/*36 + *10")
    ('*1/*36+*10', [])
    """
    resolved, notes = [], []
    for part in text.split("/"):
        name, part_notes = resolve_allele(gene, part, reference_dir=reference_dir)
        resolved.append(name)
        notes += part_notes
    return "/".join(resolved), notes
