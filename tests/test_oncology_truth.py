"""The oncology knowledge against its own truth table: every row's direction, tier, evidence level and date
compared as exact sets (tests/data/oncology/biomarker_truth.tsv), and the rows the issue names checked
end to end through pgx.oncology.match."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pgx
from pgx.oncology import biomarkers, match

DATA = Path(__file__).parent / "data" / "oncology"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"
KEY = ("gene", "alteration_type", "alteration", "tumor_types", "therapy")


def _truth() -> set[tuple]:
    frame = pl.read_csv(DATA / "biomarker_truth.tsv", separator="\t", comment_prefix="#", infer_schema_length=0)
    return set(frame.select(*KEY, "direction", "tier", "evidence_level", "source_date").rows())


def _shipped(reference_dir=None) -> set[tuple]:
    kb = biomarkers(reference_dir=reference_dir)
    kb = kb.with_columns(direction=pl.when(pl.col("resistance")).then(pl.lit("resistance")).otherwise(pl.lit("sensitivity")))
    return set(kb.select(*KEY, "direction", "tier", "evidence_level", "source_date").rows())


def _difference(shipped: set[tuple], truth: set[tuple]) -> tuple[list, list]:
    return sorted(shipped - truth), sorted(truth - shipped)


def test_every_row_matches_the_truth_table_exactly():
    truth = _truth()
    assert len(truth) == biomarkers().height == 154
    extra, missing = _difference(_shipped(), truth)
    assert (extra, missing) == ([], []), f"rows differing from the truth table: shipped {extra}, expected {missing}"


def _flip(tmp_path, rows: list[tuple[str, str, str]]) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE / "oncology", folder / "oncology")
    path = folder / "oncology" / "biomarkers.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    for gene, tumor_types, therapy in rows:
        hits = [n for n, line in enumerate(lines) if line.startswith(f"{gene}\t")
                and line.split("\t")[3] == tumor_types and line.split("\t")[4] == therapy]
        assert len(hits) == 1, (gene, tumor_types, therapy)
        cells = lines[hits[0]].split("\t")
        cells[5] = "resistance"
        lines[hits[0]] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return folder


def test_marking_the_issues_rows_as_resistance_is_caught(tmp_path):
    # the issue's acceptance: selpercatinib (RET fusion, NSCLC), olaparib (BRCA1, ovarian) and enasidenib
    # (IDH2, AML) marked as resistance must fail; the comparison names exactly those three rows
    folder = _flip(tmp_path, [("RET", "NSCLC", "selpercatinib"), ("BRCA1", "OVARY", "olaparib"),
                              ("IDH2", "AML", "enasidenib")])
    extra, missing = _difference(_shipped(folder), _truth())
    assert [(row[0], row[4], row[5]) for row in extra] == [
        ("BRCA1", "olaparib", "resistance"), ("IDH2", "enasidenib", "resistance"), ("RET", "selpercatinib", "resistance")]
    assert [(row[0], row[4], row[5]) for row in missing] == [
        ("BRCA1", "olaparib", "sensitivity"), ("IDH2", "enasidenib", "sensitivity"),
        ("RET", "selpercatinib", "sensitivity")]


def _ann_calls(gene: str, chrom: str, pos: int, ref: str, alt: str, consequence: str, protein: str):
    cs = pgx.CallSet.from_arrays(np.array([[[0, 1]]], dtype=np.int8), chrom=[chrom], pos=[pos], ref=[ref], alt=[[alt]],
                                 sample_ids=["T"])
    ann = f"{alt}|{consequence}|HIGH|{gene}|||||2/20||{protein}|||||"
    return dataclasses.replace(cs, variants=cs.variants.with_columns(ANN=pl.lit(ann)))


@pytest.mark.parametrize(("calls", "fusions", "tumor_type", "gene", "therapy"), [
    (None, ["KIF5B::RET"], "non-small cell lung cancer", "RET", "selpercatinib"),
    ("brca1", None, "ovarian cancer", "BRCA1", "olaparib"),
    ("idh2", None, "acute myeloid leukemia", "IDH2", "enasidenib"),
])
def test_the_issues_rows_match_as_sensitivity_at_tier_i_a(calls, fusions, tumor_type, gene, therapy):
    somatic = {
        None: None,
        "brca1": _ann_calls("BRCA1", "chr17", 43094464, "CT", "C", "frameshift_variant", "p.Glu1257GlyfsTer9"),
        "idh2": _ann_calls("IDH2", "chr15", 90088702, "C", "T", "missense_variant", "p.Arg140Gln"),
    }[calls]
    hits = match(somatic, tumor_type=tumor_type, fusions=fusions)
    row = hits.filter((pl.col("gene") == gene) & (pl.col("therapy") == therapy))
    assert row.select("resistance", "tier", "evidence_level", "scope").rows() == [(False, "I-A", "FDA", "tumor_type")]
