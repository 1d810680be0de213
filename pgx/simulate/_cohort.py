"""Simulated patient cohorts with genotypes, biomarkers, treatments and outcomes of known truth.

Everything is drawn with vectorised numpy from one seed (``numpy.random.SeedSequence``
spawns an independent stream per part), so a cohort is reproducible and a million patients
take seconds. Allele frequencies and effect sizes are read from ``reference/simulation/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from pgx import reference
from pgx.calling import allele_sort_key
from pgx.exceptions import PgxError, ReferenceDataError
from pgx.phenotype import gene_phenotypes
from pgx.recommend import comedications
from pgx.recommend._tables import phenoconversion_tables
from pgx.simulate import _outcomes as oc
from pgx.simulate._genotypes import _CHROM_ORDER, _header, gene_records

__all__ = ["Cohort", "SimulationError", "simulate_cohort", "SIMULATED_GENES", "BIOMARKERS"]

#: genes the cohort simulator draws (the genes of the planted mechanisms)
SIMULATED_GENES: tuple[str, ...] = ("CYP2C19", "CYP2C9", "CYP2D6", "CYP3A5", "DPYD", "NUDT15", "SLCO1B1", "TPMT",
                                    "UGT1A1", "VKORC1")
#: biomarker names of the long biomarker table
BIOMARKERS: tuple[str, ...] = ("age", "weight", "height", "eGFR", "ALT", "albumin", "INR", "WBC")

# index drug, class, outcome, daily dose, course length (days), weight in the cohort
_INDEX_DRUGS = (
    ("clopidogrel", "antiplatelet", "clopidogrel_mace", 75.0, 365, 0.18),
    ("capecitabine", "fluoropyrimidine", "fluoropyrimidine_toxicity_g3", 3000.0, 126, 0.07),
    ("fluorouracil", "fluoropyrimidine", "fluoropyrimidine_toxicity_g3", 800.0, 126, 0.05),
    ("azathioprine", "thiopurine", "thiopurine_myelosuppression", 150.0, 365, 0.07),
    ("mercaptopurine", "thiopurine", "thiopurine_myelosuppression", 75.0, 365, 0.04),
    ("simvastatin", "statin", "statin_myopathy", 80.0, 365, 0.17),
    ("irinotecan", "topoisomerase inhibitor", "irinotecan_neutropenia_g3", 300.0, 84, 0.08),
    ("tacrolimus", "calcineurin inhibitor", "tacrolimus_time_to_target", 10.0, 365, 0.08),
    ("codeine", "opioid", "codeine_response", 180.0, 14, 0.13),
    ("warfarin", "anticoagulant", "warfarin_weekly_dose", 5.0, 365, 0.13),
)
# prior and later therapies: drug, class, daily dose
_OTHER_DRUGS = (
    ("metformin", "biguanide", 1500.0), ("lisinopril", "ace inhibitor", 10.0), ("atorvastatin", "statin", 20.0),
    ("amlodipine", "calcium channel blocker", 5.0), ("oxaliplatin", "platinum", 130.0),
    ("carboplatin", "platinum", 400.0), ("gemcitabine", "antimetabolite", 1000.0), ("tramadol", "opioid", 200.0),
    ("prednisone", "corticosteroid", 20.0), ("aspirin", "antiplatelet", 100.0), ("apixaban", "anticoagulant", 10.0),
    ("mycophenolate", "antimetabolite", 2000.0),
)
# co-medications: drug, probability of being prescribed around the index date, daily dose
_COMEDICATIONS = (
    ("paroxetine", 0.04, 20.0), ("fluoxetine", 0.03, 20.0), ("bupropion", 0.02, 300.0), ("duloxetine", 0.03, 60.0),
    ("terbinafine", 0.01, 250.0), ("amiodarone", 0.04, 200.0), ("carbamazepine", 0.015, 600.0),
    ("phenytoin", 0.01, 300.0), ("rifampin", 0.01, 600.0), ("omeprazole", 0.12, 20.0), ("fluconazole", 0.02, 200.0),
)
_EPOCH_2016 = 16801  # 2016-01-01 in days since 1970-01-01
_INDEX_SPAN = 8 * 365
_FORMATS = ("parquet", "tsv")


@dataclass(frozen=True, eq=False)
class Cohort:
    """A simulated cohort: five polars frames with a known truth.

    Attributes
    ----------
    patients : polars.DataFrame
        patient_id, sample_id, sex (F/M), birth_year, age (at the index date), population, site,
        index_date (pl.Date), index_drug.
    diplotypes : polars.DataFrame
        The genotype truth, laid out like a calls frame: sample_id, gene, diplotype,
        haplotype_1, haplotype_2, function_1, function_2, activity_score, phenotype.
    biomarkers : polars.DataFrame
        Long table: patient_id, time (pl.Date), name, value; measurements before and after the
        index date.
    treatments : polars.DataFrame
        patient_id, drug, drug_class, start, stop (pl.Date; stop inclusive), dose (per day),
        line (therapy line, null for co-medications), role (prior/index/later/comedication).
    outcomes : polars.DataFrame
        patient_id, outcome, drug, index_date, value, event, p_true (the generating probability;
        for time-to-target the probability of reaching target by day 7), mu_true (the generating
        mean dose, or the median time).
    seed : int
    genome_build : str
    """

    patients: pl.DataFrame
    diplotypes: pl.DataFrame
    biomarkers: pl.DataFrame
    treatments: pl.DataFrame
    outcomes: pl.DataFrame
    seed: int
    genome_build: str

    @property
    def index_dates(self) -> pl.DataFrame:
        """patient_id and index_date, the frame :func:`pgx.features.build` takes."""
        return self.patients.select("patient_id", "index_date")

    def write(self, out_dir: str | os.PathLike[str], *, format: Literal["parquet", "tsv"] = "parquet",
              vcf: bool = True) -> dict[str, Path]:
        """Write the five frames (and the genotypes as VCF) into ``out_dir``.

        Each file is written to a temporary name and renamed, so a failed run leaves no
        half-written file.

        Parameters
        ----------
        out_dir : path
            Created if missing.
        format : {"parquet", "tsv"}, default "parquet"
        vcf : bool, default True
            Also write ``genotypes.vcf`` (one column per sample_id).

        Returns
        -------
        dict of str to pathlib.Path
            Table name -> file written.
        """
        if format not in _FORMATS:
            raise ValueError(f"format must be one of {list(_FORMATS)}, found {format!r}")
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name in ("patients", "diplotypes", "biomarkers", "treatments", "outcomes"):
            frame: pl.DataFrame = getattr(self, name)
            target = folder / f"{name}.{format}"
            tmp = folder / f".{name}.{format}.tmp"
            if format == "parquet":
                frame.write_parquet(tmp)
            else:
                frame.write_csv(tmp, separator="\t", date_format="%Y-%m-%d")
            os.replace(tmp, target)
            written[name] = target
        if vcf:
            written["vcf"] = _write_vcf(folder / "genotypes.vcf", self.diplotypes, self.genome_build)
        return written


class SimulationError(PgxError, ValueError):
    """A simulation parameter is out of range."""


def _write_vcf(path: Path, diplotypes: pl.DataFrame, genome_build: str) -> Path:
    samples = diplotypes.filter(pl.col("gene") == diplotypes["gene"][0])["sample_id"].to_list()
    blocks = []
    for gene in sorted(diplotypes["gene"].unique().to_list()):
        names = reference.allele_table(gene)["allele"].to_list()
        code = {n: k for k, n in enumerate(names)}
        rows = diplotypes.filter(pl.col("gene") == gene)
        h1 = np.array([code[a] for a in rows["haplotype_1"].to_list()])
        h2 = np.array([code[a] for a in rows["haplotype_2"].to_list()])
        for rec in gene_records(gene, genome_build=genome_build):
            table = np.array([rec.allele_index[n] for n in names]).astype(str)
            gts = np.char.add(np.char.add(table[h1], "/"), table[h2])
            line = "\t".join([rec.chrom, str(rec.pos), ".", rec.ref, ",".join(rec.alts) or ".", ".", "PASS", ".",
                              "GT", *gts.tolist()])
            blocks.append((_CHROM_ORDER.get(rec.chrom, 99), rec.pos, line))
    blocks.sort(key=lambda b: (b[0], b[1]))
    chroms = sorted({b[2].split("\t", 1)[0] for b in blocks}, key=lambda c: _CHROM_ORDER.get(c, 99))
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(_header(chroms, genome_build, samples))
        for _, _, line in blocks:
            handle.write(line + "\n")
    os.replace(tmp, path)
    return path


def _draw_haplotypes(gene: str, pop_index: np.ndarray, populations: list[str], freq: pl.DataFrame,
                     rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray]:
    table = reference.allele_table(gene)
    names = table["allele"].to_list()
    ref_rows = [k for k, v in enumerate(table["is_reference"].to_list()) if v]
    ref_index = ref_rows[0] if ref_rows else 0
    code = {n: k for k, n in enumerate(names)}
    h = np.empty((pop_index.shape[0], 2), dtype=np.int32)
    rows = freq.filter(pl.col("gene") == gene)
    for p, population in enumerate(populations):
        probs = np.zeros(len(names))
        for allele, f in rows.filter(pl.col("population") == population).select("allele", "frequency").iter_rows():
            if allele not in code:
                raise ReferenceDataError(f"allele_frequencies.tsv: {gene} has no allele {allele!r}")
            probs[code[allele]] += f
        if probs.sum() > 1.0:
            raise ReferenceDataError(f"allele_frequencies.tsv: {gene} frequencies in {population} sum above 1")
        probs[ref_index] += 1.0 - probs.sum()
        members = np.flatnonzero(pop_index == p)
        h[members] = rng.choice(len(names), size=(members.shape[0], 2), p=probs)
    # each pair in the caller's order (natural allele order: *2/*38, not the table's *38/*2)
    order = sorted(range(len(names)), key=lambda k: allele_sort_key(names[k]))
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    swap = rank[h[:, 0]] > rank[h[:, 1]]
    return names, np.where(swap, h[:, 1], h[:, 0]), np.where(swap, h[:, 0], h[:, 1])


def _gene_truth(gene: str, names: list[str], h1: np.ndarray, h2: np.ndarray) -> dict[str, np.ndarray]:
    rules = gene_phenotypes(gene)
    pair = h1.astype(np.int64) * len(names) + h2
    unique, inverse = np.unique(pair, return_inverse=True)
    f1, f2, score, pheno = [], [], [], []
    for value in unique:
        a, b = divmod(int(value), len(names))
        r = rules.assign(names[a], names[b])
        f1.append(r[0])
        f2.append(r[1])
        score.append(np.nan if r[2] is None else r[2])
        pheno.append(r[3])
    names_arr = np.array(names, dtype=object)
    return {
        "haplotype_1": names_arr[h1], "haplotype_2": names_arr[h2],
        "function_1": np.array(f1, dtype=object)[inverse], "function_2": np.array(f2, dtype=object)[inverse],
        "activity_score": np.array(score, dtype=np.float64)[inverse],
        "phenotype": np.array(pheno, dtype=object)[inverse],
    }


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def simulate_cohort(
    n_patients: int,
    *,
    seed: int,
    out_dir: str | os.PathLike[str] | None = None,
    genome_build: Literal["GRCh38", "GRCh37"] = "GRCh38",
    visits_mean: float = 6.0,
    prior_treatments_mean: float = 2.0,
    format: Literal["parquet", "tsv"] = "parquet",
    write_vcf: bool = True,
    reference_dir: str | os.PathLike[str] | None = None,
) -> Cohort:
    """Simulate a cohort of patients with genotypes, biomarkers, treatments and outcomes.

    Each patient belongs to a population group (``reference/simulation/populations.tsv``) and
    draws two haplotypes per gene from that group's allele frequencies
    (``allele_frequencies.tsv``, a clearly labelled approximate table); function, activity
    score and phenotype follow from pgx's curated phenotype rules. Each patient receives one
    index drug on an index date; the outcome of that drug is generated by a documented mechanism
    whose effect sizes are rows of ``effects.tsv`` (each with its source and whether it was
    verified). The generating probability (``p_true``) or mean (``mu_true``) is stored with each
    outcome, so models can be compared with the oracle.

    Parameters
    ----------
    n_patients : int
        At least 1; a million patients is feasible (vectorised numpy).
    seed : int
        The same seed gives the same cohort.
    out_dir : path, optional
        When given, the frames are written there (see :meth:`Cohort.write`).
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
        Coordinates of the VCF written to ``out_dir``.
    visits_mean : float, default 6.0
        Mean number of clinic visits per patient (each measures most biomarkers); about a
        quarter fall after the index date.
    prior_treatments_mean : float, default 2.0
        Mean number of therapies before the index therapy.
    format : {"parquet", "tsv"}, default "parquet"
    write_vcf : bool, default True
        With ``out_dir``, also write the genotypes as ``genotypes.vcf``. CYP2D6 ``*5`` (a gene
        deletion) is not visible in VCF records, as in real short-read VCFs; the truth keeps it.
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    Cohort

    Raises
    ------
    SimulationError
        If ``n_patients`` is below 1 or a mean is negative.
    ReferenceDataError
        If a simulation table is missing or names an unknown allele.

    Examples
    --------
    >>> cohort = simulate_cohort(200, seed=1)
    >>> cohort.patients.height, cohort.outcomes.height
    (200, 200)
    >>> cohort.outcomes.columns
    ['patient_id', 'outcome', 'drug', 'index_date', 'value', 'event', 'p_true', 'mu_true']
    >>> simulate_cohort(200, seed=1).outcomes.equals(cohort.outcomes)
    True
    """
    if not isinstance(n_patients, (int, np.integer)) or n_patients < 1:
        raise SimulationError(f"n_patients must be a positive integer, found {n_patients!r}")
    if visits_mean < 0 or prior_treatments_mean < 0:
        raise SimulationError(
            f"visits_mean and prior_treatments_mean must be >= 0, found {visits_mean}, {prior_treatments_mean}"
        )
    n = int(n_patients)
    ref = None if reference_dir is None else os.fspath(reference_dir)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    rng_pat, rng_gen, rng_bio, rng_trt, rng_out, rng_com = streams

    # --- patients -------------------------------------------------------------------------------
    pops = pl.read_csv(reference.reference_dir(ref) / "simulation" / "populations.tsv", separator="\t",
                       comment_prefix="#")
    populations = pops["population"].to_list()
    weights = pops["weight"].to_numpy() / pops["weight"].sum()
    pop_index = rng_pat.choice(len(populations), size=n, p=weights)
    female = rng_pat.random(n) < 0.5
    age = np.clip(np.round(rng_pat.normal(62.0, 13.0, n)), 18, 89)
    index_day = _EPOCH_2016 + rng_pat.integers(0, _INDEX_SPAN, n)
    index_year = 1970 + (index_day + 0.5) / 365.2425
    birth_year = np.floor(index_year - age - rng_pat.random(n)).astype(np.int32)
    site = rng_pat.integers(1, 9, n)
    drug_weights = np.array([d[5] for d in _INDEX_DRUGS])
    drug_index = rng_pat.choice(len(_INDEX_DRUGS), size=n, p=drug_weights / drug_weights.sum())
    patient_ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    sample_ids = np.char.add("SIM", np.char.zfill(np.arange(1, n + 1).astype(str), 7))

    # --- genotypes ------------------------------------------------------------------------------
    freq = oc.allele_frequency_table(reference_dir=ref)
    truth: dict[str, dict[str, np.ndarray]] = {}
    allele_names: dict[str, list[str]] = {}
    hap_codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gene in SIMULATED_GENES:
        names, h1, h2 = _draw_haplotypes(gene, pop_index, populations, freq, rng_gen)
        allele_names[gene], hap_codes[gene] = names, (h1, h2)
        truth[gene] = _gene_truth(gene, names, h1, h2)
    diplotypes = pl.concat([
        pl.DataFrame({
            "sample_id": sample_ids,
            "gene": np.full(n, gene, dtype=object),
            "diplotype": np.char.add(np.char.add(t["haplotype_1"].astype(str), "/"), t["haplotype_2"].astype(str)),
            "haplotype_1": t["haplotype_1"].astype(str), "haplotype_2": t["haplotype_2"].astype(str),
            "function_1": t["function_1"], "function_2": t["function_2"],
            "activity_score": t["activity_score"], "phenotype": t["phenotype"],
        }, schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String, "haplotype_1": pl.String,
                   "haplotype_2": pl.String, "function_1": pl.String, "function_2": pl.String,
                   "activity_score": pl.Float64, "phenotype": pl.String})
        for gene, t in truth.items()
    ]).with_columns(pl.col("activity_score").fill_nan(None))

    # --- latent clinical state at the index date ------------------------------------------------
    weight = np.clip(np.where(female, rng_bio.normal(72, 15, n), rng_bio.normal(85, 15, n)), 40, 180)
    height = np.clip(np.where(female, rng_bio.normal(163, 7, n), rng_bio.normal(176, 7, n)), 140, 205)
    egfr = np.clip(100.0 - 0.8 * (age - 40.0) + rng_bio.normal(0, 15, n), 5, 130)
    alt = np.exp(rng_bio.normal(3.2, 0.4, n))
    albumin = np.clip(rng_bio.normal(4.1, 0.4, n), 2.0, 5.5)
    inr = np.clip(rng_bio.normal(1.0, 0.08, n), 0.8, 1.5)
    wbc = np.clip(rng_bio.normal(7.0, 1.8, n), 2.0, 20.0)
    baseline = {"weight": weight, "height": height, "eGFR": egfr, "ALT": alt, "albumin": albumin, "INR": inr,
                "WBC": wbc}
    slope = {"weight": rng_bio.normal(0, 1.5, n), "height": np.zeros(n), "eGFR": rng_bio.normal(-1.0, 1.5, n),
             "ALT": np.zeros(n), "albumin": rng_bio.normal(0, 0.05, n), "INR": np.zeros(n),
             "WBC": rng_bio.normal(0, 0.3, n)}
    noise = {"weight": 1.0, "height": 0.5, "eGFR": 6.0, "ALT": 0.25, "albumin": 0.15, "INR": 0.05, "WBC": 0.8}
    measured = {"age": 1.0, "weight": 0.9, "height": 0.25, "eGFR": 0.85, "ALT": 0.7, "albumin": 0.6, "INR": 0.35,
                "WBC": 0.7}

    # --- biomarkers (long) ----------------------------------------------------------------------
    visits = rng_bio.poisson(visits_mean, n)
    owner = np.repeat(np.arange(n), visits)
    after = rng_bio.random(owner.shape[0]) < 0.25
    offset = np.where(after, rng_bio.integers(0, 366, owner.shape[0]), -rng_bio.integers(1, 3 * 365, owner.shape[0]))
    visit_day = index_day[owner] + offset
    years = offset / 365.25
    pieces = []
    for name in BIOMARKERS:
        keep = rng_bio.random(owner.shape[0]) < measured[name]
        who, yrs, day = owner[keep], years[keep], visit_day[keep]
        if name == "age":
            value = np.floor(age[who] + yrs)
        elif name == "ALT":
            value = baseline[name][who] * np.exp(rng_bio.normal(0, noise[name], who.shape[0]))
        else:
            value = baseline[name][who] + slope[name][who] * yrs + rng_bio.normal(0, noise[name], who.shape[0])
            if name == "INR":
                on_warfarin = (drug_index[who] == 9) & (yrs > 0.02)
                value = np.where(on_warfarin, value + 1.4, value)
        pieces.append((who, day, np.full(who.shape[0], BIOMARKERS.index(name), dtype=np.int8), value))
    who = np.concatenate([p[0] for p in pieces])
    order = np.lexsort((np.concatenate([p[1] for p in pieces]), who))
    biomarkers = pl.DataFrame({
        "patient_id": patient_ids[who[order]],
        "time": _dates(np.concatenate([p[1] for p in pieces])[order]),
        "name": pl.Series(np.concatenate([p[2] for p in pieces])[order]).replace_strict(
            dict(enumerate(BIOMARKERS)), return_dtype=pl.String),
        "value": np.round(np.concatenate([p[3] for p in pieces])[order], 3),
    })

    # --- treatments -----------------------------------------------------------------------------
    dose_fraction = np.ones(n)
    fluoro = np.isin(drug_index, [1, 2])
    reduce = rng_trt.random(n)
    dose_fraction = np.where(fluoro & (reduce < 0.10), 0.5, np.where(fluoro & (reduce < 0.25), 0.75, dose_fraction))
    n_prior = rng_trt.poisson(prior_treatments_mean, n)
    p_owner = np.repeat(np.arange(n), n_prior)
    p_drug = rng_trt.integers(0, len(_OTHER_DRUGS), p_owner.shape[0])
    p_start = index_day[p_owner] - rng_trt.integers(30, 5 * 365, p_owner.shape[0])
    p_stop = np.minimum(p_start + rng_trt.integers(14, 400, p_owner.shape[0]), index_day[p_owner] + 180)
    # line = rank of start within the patient's prior therapies
    order = np.lexsort((p_start, p_owner))
    first = np.r_[0, np.cumsum(n_prior)[:-1]]
    rank = np.empty(p_owner.shape[0], dtype=np.int64)
    rank[order] = np.arange(p_owner.shape[0]) - np.repeat(first, n_prior)
    later = rng_trt.random(n) < 0.3
    l_owner = np.flatnonzero(later)
    l_drug = rng_trt.integers(0, len(_OTHER_DRUGS), l_owner.shape[0])
    l_start = index_day[l_owner] + rng_trt.integers(1, 365, l_owner.shape[0])
    l_stop = l_start + rng_trt.integers(14, 365, l_owner.shape[0])
    c_owner, c_drug, c_start, c_stop = [], [], [], []
    for k, (_, prob, _) in enumerate(_COMEDICATIONS):
        who_c = np.flatnonzero(rng_com.random(n) < prob)
        start = index_day[who_c] + rng_com.integers(-730, 120, who_c.shape[0])
        c_owner.append(who_c)
        c_drug.append(np.full(who_c.shape[0], k))
        c_start.append(start)
        c_stop.append(start + rng_com.integers(30, 1100, who_c.shape[0]))
    c_owner, c_drug = np.concatenate(c_owner), np.concatenate(c_drug)
    c_start, c_stop = np.concatenate(c_start), np.concatenate(c_stop)

    idx_names = np.array([d[0] for d in _INDEX_DRUGS], dtype=object)
    idx_class = np.array([d[1] for d in _INDEX_DRUGS], dtype=object)
    idx_dose = np.array([d[3] for d in _INDEX_DRUGS])
    idx_len = np.array([d[4] for d in _INDEX_DRUGS])
    oth_names = np.array([d[0] for d in _OTHER_DRUGS], dtype=object)
    oth_class = np.array([d[1] for d in _OTHER_DRUGS], dtype=object)
    oth_dose = np.array([d[2] for d in _OTHER_DRUGS])
    com_names = np.array([d[0] for d in _COMEDICATIONS], dtype=object)
    com_dose = np.array([d[2] for d in _COMEDICATIONS])
    com_class = np.array(["comedication"] * len(_COMEDICATIONS), dtype=object)
    parts = [
        (np.arange(n), idx_names[drug_index], idx_class[drug_index], index_day, index_day + idx_len[drug_index] - 1,
         idx_dose[drug_index] * dose_fraction, n_prior + 1, "index"),
        (p_owner, oth_names[p_drug], oth_class[p_drug], p_start, p_stop, oth_dose[p_drug], rank + 1, "prior"),
        (l_owner, oth_names[l_drug], oth_class[l_drug], l_start, l_stop, oth_dose[l_drug], n_prior[l_owner] + 2,
         "later"),
        (c_owner, com_names[c_drug], com_class[c_drug], c_start, c_stop, com_dose[c_drug],
         np.full(c_owner.shape[0], -1), "comedication"),
    ]
    who_t = np.concatenate([p[0] for p in parts])
    start_t = np.concatenate([p[3] for p in parts])
    order = np.lexsort((start_t, who_t))
    treatments = pl.DataFrame({
        "patient_id": patient_ids[who_t[order]],
        "drug": np.concatenate([p[1] for p in parts])[order].astype(str),
        "drug_class": np.concatenate([p[2] for p in parts])[order].astype(str),
        "start": _dates(start_t[order]),
        "stop": _dates(np.concatenate([p[4] for p in parts])[order]),
        "dose": np.concatenate([p[5] for p in parts]).astype(np.float64)[order],
        "line": pl.Series(np.concatenate([p[6] for p in parts])[order].astype(np.int32)),
        "role": np.concatenate([np.full(p[0].shape[0], p[7]) for p in parts])[order].astype(str),
    }).with_columns(pl.when(pl.col("line") < 0).then(None).otherwise(pl.col("line")).alias("line"))

    # --- co-medications active at the index date -> phenoconversion and warfarin covariates -----
    active = (c_start <= index_day[c_owner]) & (c_stop >= index_day[c_owner])
    table = comedications(reference_dir=ref)
    rules, _ = phenoconversion_tables(ref)
    multipliers = {(e, s): float(v) for e, eff, s, m, v in rules.iter_rows()
                   if e == "CYP2D6" and eff == "inhibitor" and m == "activity_multiplier"}
    cyp2d6 = {d: multipliers.get(("CYP2D6", s), 1.0) for d, e, eff, s, _ in table.iter_rows()
              if e == "CYP2D6" and eff == "inhibitor"}
    mult = np.ones(n)
    for k, name in enumerate(com_names):
        m = cyp2d6.get(name)
        if m is None:
            continue
        sel = active & (c_drug == k)
        np.minimum.at(mult, c_owner[sel], m)
    inducer = np.zeros(n)
    amiodarone = np.zeros(n)
    for k, name in enumerate(com_names):
        sel = active & (c_drug == k)
        if name in ("carbamazepine", "phenytoin", "rifampin"):
            inducer[c_owner[sel]] = 1.0
        elif name == "amiodarone":
            amiodarone[c_owner[sel]] = 1.0

    # --- outcomes -------------------------------------------------------------------------------
    effects = oc.effects_table(reference_dir=ref)
    value = np.full(n, np.nan)
    event = np.zeros(n, dtype=bool)
    has_event = np.zeros(n, dtype=bool)
    p_true = np.full(n, np.nan)
    mu_true = np.full(n, np.nan)
    outcome_names = np.array([d[2] for d in _INDEX_DRUGS], dtype=object)[drug_index]

    def count(gene: str, functions: tuple[str, ...]) -> np.ndarray:
        t = truth[gene]
        return np.isin(t["function_1"], functions).astype(int) + np.isin(t["function_2"], functions).astype(int)

    population_arr = np.array(populations, dtype=object)[pop_index]
    race_map = dict(zip(pops["population"].to_list(), pops["warfarin_race"].to_list()))
    race = np.array([race_map[p] for p in populations], dtype=object)[pop_index]
    for outcome in oc.OUTCOMES:
        sel = np.flatnonzero(outcome_names == outcome)
        if sel.shape[0] == 0:
            continue
        eff = oc._Effects(effects, outcome)
        if outcome == "clopidogrel_mace":
            draw = oc.clopidogrel_mace(eff, lof=count("CYP2C19", ("No function",))[sel], age=age[sel], rng=rng_out)
        elif outcome == "fluoropyrimidine_toxicity_g3":
            h1, h2 = hap_codes["DPYD"]
            draw = oc.fluoropyrimidine_toxicity(eff, dpyd_alleles=(h1[sel], h2[sel]), allele_names=allele_names["DPYD"],
                                                dose_fraction=dose_fraction[sel], egfr=egfr[sel], rng=rng_out)
        elif outcome == "thiopurine_myelosuppression":
            draw = oc.thiopurine_myelosuppression(eff, tpmt=truth["TPMT"]["phenotype"][sel],
                                                  nudt15=truth["NUDT15"]["phenotype"][sel], rng=rng_out)
        elif outcome == "statin_myopathy":
            dec = count("SLCO1B1", ("No function", "Decreased function"))
            draw = oc.statin_myopathy(eff, decreased=dec[sel], rng=rng_out)
        elif outcome == "irinotecan_neutropenia_g3":
            dec = count("UGT1A1", ("No function", "Decreased function"))
            draw = oc.irinotecan_neutropenia(eff, decreased=dec[sel], rng=rng_out)
        elif outcome == "tacrolimus_time_to_target":
            expresser = count("CYP3A5", ("Normal function",)) > 0
            draw = oc.tacrolimus_time_to_target(eff, expresser=expresser[sel], rng=rng_out)
        elif outcome == "codeine_response":
            activity = truth["CYP2D6"]["activity_score"] * mult
            draw = oc.codeine_response(eff, activity=activity[sel], rng=rng_out)
        else:
            vk = np.array(["G/G", "A/G", "A/A"], dtype=object)[count("VKORC1", ("Higher coumarin sensitivity",))]
            c9 = truth["CYP2C9"]
            star = np.char.add(np.char.add(c9["haplotype_1"].astype(str), "/"), c9["haplotype_2"].astype(str))
            draw = oc.warfarin_weekly_dose(eff, age=age[sel], height=height[sel], weight=weight[sel], vkorc1=vk[sel],
                                           cyp2c9=star[sel], race=race[sel], inducer=inducer[sel],
                                           amiodarone=amiodarone[sel], rng=rng_out)
        value[sel], p_true[sel], mu_true[sel] = draw.value, draw.p_true, draw.mu_true
        if draw.event is not None:
            event[sel], has_event[sel] = draw.event, True
        else:
            event[sel] = draw.value > 0.5
            has_event[sel] = oc.OUTCOMES[outcome][1] == "binary"

    patients = pl.DataFrame({
        "patient_id": patient_ids, "sample_id": sample_ids,
        "sex": np.where(female, "F", "M"), "birth_year": birth_year, "age": age.astype(np.int32),
        "population": population_arr.astype(str), "site": np.char.add("SITE", np.char.zfill(site.astype(str), 2)),
        "index_date": _dates(index_day), "index_drug": idx_names[drug_index].astype(str),
    })
    outcomes = pl.DataFrame({
        "patient_id": patient_ids, "outcome": outcome_names.astype(str), "drug": idx_names[drug_index].astype(str),
        "index_date": _dates(index_day), "value": value,
        "event": pl.Series(event).set(pl.Series(~has_event), None) if (~has_event).any() else pl.Series(event),
        "p_true": pl.Series(p_true).fill_nan(None), "mu_true": pl.Series(mu_true).fill_nan(None),
    })
    cohort = Cohort(patients, diplotypes, biomarkers, treatments, outcomes, int(seed), genome_build)
    if out_dir is not None:
        cohort.write(out_dir, format=format, vcf=write_vcf)
    return cohort
