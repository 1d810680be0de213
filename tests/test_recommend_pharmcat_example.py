"""Coverage of the drugs PharmCAT 3.1 reports for its own example (issue 17's acceptance).

The calls are those pgx makes from PharmCAT's example VCF (docs/examples/pharmcat.example.vcf at
PharmCAT commit ced94ca0, data 2025-11-05) with its outside calls (CYP2D6 *1/*3, HLA-B
*15:02/*57:01, MT-RNR1 1555A>G); benchmarks/bench_guidance_coverage.py makes them from the VCF
itself. The drug lists are those PharmCAT's example report (docs/examples/pharmcat.example.report.json,
same commit) gives guidance for: 74 from CPIC, 56 from DPWG, 28 from FDA (label annotations and
the pharmacogenetic-association table together), as issue 17 lists them. pgx now covers all of them: the
DPWG guidelines and FDA label annotations PharmCAT has and pgx's 2024 copy lacked come from a pinned 2026
ClinPGx extract (reference/guidelines/dpwg.tsv and fda.tsv headers).
"""

from __future__ import annotations

import polars as pl
import pytest

from pgx.recommend import NOT_CALLED, recommend

CALLS = {
    "ABCG2": ("rs2231142 reference (G)/rs2231142 reference (G)", "Normal Function", None),
    "CACNA1S": ("Reference/Reference", "Uncertain Susceptibility", None),
    "CFTR": ("ivacaftor non-responsive CFTR sequence/ivacaftor non-responsive CFTR sequence",
             "ivacaftor non-responsive in CF patients", None),
    "CYP2B6": ("*1/*1", "Normal Metabolizer", None),
    "CYP2C19": ("*38/*38", "Normal Metabolizer", None),
    "CYP2C9": ("*1/*1", "Normal Metabolizer", 2.0),
    "CYP2D6": ("*1/*3", "Intermediate Metabolizer", 1.0),
    "CYP3A4": ("*1/*1", "Normal Metabolizer", None),
    "CYP3A5": ("*1/*1", "Normal Metabolizer", None),
    "CYP4F2": ("*1/*1", "Indeterminate", None),
    "DPYD": ("Reference/Reference", "Normal Metabolizer", 2.0),
    "G6PD": ("B (reference)/B (reference)", "Normal", None),
    "HLA-B": ("*15:02/*57:01", "*15:02 positive; *57:01 positive; *58:01 negative", None),
    "IFNL3": ("rs12979860 reference (C)/rs12979860 reference (C)", "Favorable Response", None),
    "MT-RNR1": ("m.1555A>G", "Increased risk of aminoglycoside-induced hearing loss", None),
    "NAT2": ("*1/*1", "Rapid Metabolizer", None),
    "NUDT15": ("*1/*1", "Normal Metabolizer", None),
    "RYR1": ("Reference/Reference", "Uncertain Susceptibility", None),
    "SLCO1B1": ("*1/*1", "Normal Function", None),
    "TPMT": ("*1/*1", "Normal Metabolizer", None),
    "UGT1A1": ("*1/*1", "Normal Metabolizer", None),
    "VKORC1": ("rs9923231 reference (C)/rs9923231 reference (C)", "-1639 GG", None),
}
PHARMCAT = {
    "CPIC": """abacavir allopurinol amitriptyline atazanavir atomoxetine atorvastatin azathioprine capecitabine
        carbamazepine celecoxib citalopram clomipramine clopidogrel codeine dapsone desflurane desipramine
        dexlansoprazole doxepin efavirenz enflurane escitalopram fluorouracil flurbiprofen fluvastatin fluvoxamine
        fosphenytoin halothane hydralazine hydrocodone ibuprofen imipramine isoflurane ivacaftor lansoprazole
        lornoxicam lovastatin meloxicam mercaptopurine methoxyflurane methylene_blue metoprolol nitrofurantoin
        nortriptyline omeprazole ondansetron oxcarbazepine pantoprazole paroxetine pegloticase phenytoin piroxicam
        pitavastatin pravastatin primaquine rasburicase rosuvastatin sertraline sevoflurane simvastatin
        succinylcholine tacrolimus tafenoquine tamoxifen tenoxicam thioguanine toluidine_blue tramadol trimipramine
        tropisetron venlafaxine voriconazole vortioxetine warfarin""",
    "DPWG": """abacavir acenocoumarol allopurinol amitriptyline aripiprazole atazanavir atomoxetine atorvastatin
        azathioprine brexpiprazole capecitabine carbamazepine citalopram clomipramine clopidogrel codeine doxepin
        efavirenz eliglustat escitalopram flecainide flucloxacillin flucytosine fluorouracil haloperidol imipramine
        irinotecan lamotrigine lansoprazole mavacamten mercaptopurine metoprolol nortriptyline omeprazole
        oxcarbazepine pantoprazole paroxetine phenprocoumon phenytoin pimozide propafenone quetiapine risperidone
        rosuvastatin sertraline simvastatin siponimod tacrolimus tamoxifen tegafur thioguanine tramadol venlafaxine
        voriconazole warfarin zuclopenthixol""",
    "FDA": """abacavir amitriptyline amoxapine carbamazepine clomipramine desflurane desipramine doxepin eliglustat
        fluvoxamine fosphenytoin imipramine isoflurane meclizine nortriptyline oxcarbazepine paroxetine pazopanib
        phenytoin sevoflurane siponimod succinylcholine tacrolimus tamoxifen tetrabenazine thioridazine trimipramine
        warfarin""",
}
DRUGS = {source: [d.replace("_", " ") for d in text.split()] for source, text in PHARMCAT.items()}


def _calls() -> pl.DataFrame:
    return pl.DataFrame({"sample_id": ["example"] * len(CALLS), "gene": list(CALLS),
                         "diplotype": [c[0] for c in CALLS.values()], "phenotype": [c[1] for c in CALLS.values()],
                         "activity_score": [c[2] for c in CALLS.values()]},
                        schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                                "phenotype": pl.String, "activity_score": pl.Float64})


def guided(out: pl.DataFrame, source: str) -> set[str]:
    """Drugs with a guideline row of ``source`` that applies to this patient."""
    rows = out.filter((pl.col("source") == source) & (pl.col("recommendation") != NOT_CALLED)
                      & ~pl.col("recommendation").str.starts_with("no recommendation: the guideline has none"))
    return set(rows["drug"])


@pytest.fixture(scope="module")
def out() -> pl.DataFrame:
    return recommend(_calls())


def test_lists_are_pharmcats():
    assert {s: len(d) for s, d in DRUGS.items()} == {"CPIC": 74, "DPWG": 56, "FDA": 28}


def test_cpic_coverage(out):
    missing = set(DRUGS["CPIC"]) - guided(out, "CPIC")
    # hydralazine and metoprolol: CPIC guidance newer than any stored copy pgx reads (cpic.tsv header)
    assert missing == {"hydralazine", "metoprolol"}
    assert 1 - len(missing) / 74 >= 0.95


def test_dpwg_coverage(out):
    missing = set(DRUGS["DPWG"]) - guided(out, "DPWG")
    # atazanavir, mavacamten and rosuvastatin come from the 2026 ClinPGx extract (dpwg.tsv header): 56 of 56
    assert missing == set()
    assert 1 - len(missing) / 56 >= 0.95


def test_fda_coverage(out):
    guided_fda = guided(out, "FDA")
    missing = set(DRUGS["FDA"]) - guided_fda
    # the association table of 2021-03 gives 17 of the 28; ClinPGx's label annotations (fda.tsv header) the
    # other 11: the anaesthetics (RYR1/CACNA1S), fluvoxamine, tetrabenazine and thioridazine (CYP2D6 activity
    # score 1), fosphenytoin and phenytoin (HLA-B*15:02), siponimod and warfarin (CYP2C9 *1/*1)
    assert missing == set()
    assert 1 - len(missing) / 28 >= 0.90
    labels = out.filter((pl.col("source") == "FDA") & pl.col("guideline_version").str.starts_with("FDA label"))
    assert {"desflurane", "isoflurane", "sevoflurane", "succinylcholine", "fluvoxamine", "tetrabenazine",
            "thioridazine", "fosphenytoin", "phenytoin", "siponimod", "warfarin"} <= set(labels["drug"])


def test_fda_label_rows_for_the_example_genotypes(out):
    """The example's calls against the label statements read by hand from the pinned extract (not from fda.tsv)."""
    labels = out.filter((pl.col("source") == "FDA") & pl.col("guideline_version").str.starts_with("FDA label"))
    by_drug = {r["drug"]: r for r in labels.iter_rows(named=True)}
    # RYR1 and CACNA1S Uncertain Susceptibility: each anaesthetic label is contraindicated on suspected susceptibility
    for drug in ("desflurane", "isoflurane", "sevoflurane", "succinylcholine"):
        assert by_drug[drug]["action"] == "avoid", drug
    assert "BCHE" in by_drug["succinylcholine"]["implication"]  # the uncertain-susceptibility text names BCHE too
    # CYP2D6 *1/*3 (activity score 1): fluvoxamine caution, thioridazine contraindicated, tetrabenazine titration
    assert by_drug["fluvoxamine"]["action"] == "monitor"
    assert by_drug["thioridazine"]["action"] == "avoid"
    assert by_drug["tetrabenazine"]["action"] == "adjust_dose" and "100 mg" in by_drug["tetrabenazine"]["recommendation"]
    # HLA-B*15:02 positive: consider avoiding phenytoin and fosphenytoin
    for drug in ("phenytoin", "fosphenytoin"):
        assert by_drug[drug]["action"] == "consider_alternative", drug
    # CYP2C9 *1/*1: siponimod at its usual 2 mg; warfarin with VKORC1 GG: 5-7 mg a day
    assert by_drug["siponimod"]["action"] == "standard" and "2 mg" in by_drug["siponimod"]["recommendation"]
    assert "5-7 mg" in by_drug["warfarin"]["recommendation"]
