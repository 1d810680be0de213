"""pgx.recommend across sources: CPIC, DPWG and FDA side by side, the disagreement flag, source errors."""

from __future__ import annotations

import polars as pl
import pytest

from pgx.recommend import SOURCES, RecommendationError, recommend
from pgxgen import calls_frame

UM, NM, IM, PM = "Ultrarapid Metabolizer", "Normal Metabolizer", "Intermediate Metabolizer", "Poor Metabolizer"


def test_all_three_sources_by_default():
    assert SOURCES == ("CPIC", "DPWG", "FDA")
    out = recommend(calls_frame({"HLA-B": {"diplotype": "*57:01/*44:02"}}), drugs=["abacavir"])
    assert out["source"].to_list() == ["CPIC", "DPWG", "FDA"]
    assert out["action"].to_list() == ["avoid", "avoid", "avoid"]
    assert not any(out["sources_disagree"])


def test_one_source_may_be_named_as_a_string():
    out = recommend(calls_frame({"CYP2D6": (PM, 0.0)}), drugs=["codeine"], sources="DPWG")
    assert out["source"].to_list() == ["DPWG"]


@pytest.mark.parametrize("bad", [["EMA"], ["CPIC", "cpic"], ["FDA", "PharmGKB"]])
def test_unknown_source_is_refused_with_the_choices(bad):
    with pytest.raises(RecommendationError, match=r"expected a subset of \['CPIC', 'DPWG', 'FDA'\]"):
        recommend(calls_frame({"CYP2D6": NM}), sources=bad)


def test_disagreement_is_flagged_on_every_row_of_the_drug():
    # CPIC 2015: CYP2C19 ultrarapid -> consider another antidepressant; DPWG: no action needed
    out = recommend(calls_frame({"CYP2C19": UM}), drugs=["citalopram", "sertraline"])
    by = {(r["drug"], r["source"]): r for r in out.iter_rows(named=True)}
    assert (by[("citalopram", "CPIC")]["action"], by[("citalopram", "DPWG")]["action"]) == ("consider_alternative",
                                                                                          "standard")
    assert all(r["sources_disagree"] for r in out.iter_rows(named=True) if r["drug"] == "citalopram")
    # sertraline: CPIC keeps the usual start for ultrarapid metabolizers, DPWG too: no disagreement
    assert not any(r["sources_disagree"] for r in out.iter_rows(named=True) if r["drug"] == "sertraline")


def test_cautious_sources_that_differ_in_kind_do_not_disagree():
    # codeine, CYP2D6 poor: CPIC avoid, DPWG choose another drug, FDA monitor: none says standard dosing
    out = recommend(calls_frame({"CYP2D6": (PM, 0.0)}), drugs=["codeine"])
    assert out["action"].to_list() == ["avoid", "consider_alternative", "monitor"]
    assert not any(out["sources_disagree"])


def test_two_guidelines_of_one_source_never_disagree_with_each_other():
    # DPWG clomipramine: CYP2C19 poor -> no action; CYP2D6 activity 0 -> 50% of the dose (depression)
    out = recommend(calls_frame({"CYP2C19": PM, "CYP2D6": (PM, 0.0)}), drugs=["clomipramine"], sources=["DPWG"])
    assert sorted(out["action"].to_list()) == ["adjust_dose", "standard"]
    assert not any(out["sources_disagree"])


def test_disagreement_is_per_sample():
    calls = calls_frame({"CYP2C19": UM}, sample="a").vstack(calls_frame({"CYP2C19": NM}, sample="b"))
    out = recommend(calls, drugs=["citalopram"], sources=["CPIC", "DPWG"])
    flags = {s: set(out.filter(out["sample_id"] == s)["sources_disagree"]) for s in ("a", "b")}
    assert flags == {"a": {True}, "b": {False}}


def test_samples_sharing_a_phenotype_keep_their_own_diplotypes_in_the_advice():
    # phenytoin (CPIC: CYP2C9 x HLA-B) without HLA-B: each possibility is listed with the sample's own
    # CYP2C9 diplotype, so two samples with the same phenotype and score must not share one text
    calls = calls_frame({"CYP2C9": {"diplotype": "*1/*3", "phenotype": "Intermediate Metabolizer",
                                    "activity_score": 1.0}}, sample="a").vstack(
        calls_frame({"CYP2C9": {"diplotype": "*1/*5", "phenotype": "Intermediate Metabolizer",
                                "activity_score": 1.0}}, sample="b"))
    out = recommend(calls, drugs=["phenytoin"], sources=["CPIC"])
    text = dict(zip(out["sample_id"], out["recommendation"]))
    assert out["ambiguous"].to_list() == [True, True]
    assert "*1/*3" in text["a"] and "*1/*5" not in text["a"]
    assert "*1/*5" in text["b"] and "*1/*3" not in text["b"]


def test_the_answer_does_not_depend_on_which_samples_are_run_together():
    calls = calls_frame({"CYP2C19": UM, "CYP2D6": (PM, 0.0)}, sample="x")
    crowd = pl.concat([calls_frame({"CYP2C19": NM, "CYP2D6": {"diplotype": f"*1/*{i}", "phenotype": PM,
                                                               "activity_score": 0.0}}, sample=f"c{i}")
                       for i in range(2, 6)] + [calls])
    alone = recommend(calls).drop("sample_id")
    together = recommend(crowd).filter(pl.col("sample_id") == "x").drop("sample_id")
    assert alone.equals(together)


def test_a_gene_present_but_not_called_keeps_each_samples_own_diplotype():
    # as above, with HLA-B in the calls but not called (the usual VCF case): the shared-answer
    # cache once gave sample b the text of sample a's CYP2C9 diplotype
    not_called = {"diplotype": None, "phenotype": None, "warnings": ["not_called"]}
    calls = pl.concat([
        calls_frame({"CYP2C9": {"diplotype": d, "phenotype": "Intermediate Metabolizer", "activity_score": 1.0},
                     "HLA-B": not_called}, sample=s)
        for s, d in (("a", "*1/*3"), ("b", "*1/*5"), ("c", "*1/*3"))])
    out = recommend(calls, drugs=["phenytoin"], sources=["CPIC"])
    text = dict(zip(out["sample_id"], out["recommendation"]))
    assert "*1/*3" in text["a"] and "*1/*5" not in text["a"]
    assert "*1/*5" in text["b"] and "*1/*3" not in text["b"]
    assert text["c"] == text["a"]


def test_a_simulated_cohort_gets_per_sample_answers(tmp_path):
    """Every sample's rows are the rows it gets when recommended on its own (all drugs, all sources)."""
    import pgx
    from pgx.simulate import simulate_pgx_vcf

    vcf = tmp_path / "cohort.vcf"
    simulate_pgx_vcf(vcf, n_samples=24, seed=7)
    calls = pgx.call(pgx.read_vcf(str(vcf)))
    together = recommend(calls)
    for sample in calls["sample_id"].unique(maintain_order=True).to_list():
        alone = recommend(calls.filter(pl.col("sample_id") == sample)).drop("sources_disagree")
        mine = together.filter(pl.col("sample_id") == sample).drop("sources_disagree")
        assert mine.equals(alone), sample
