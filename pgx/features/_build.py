"""Leakage-safe patient feature tables: one row per patient, computed as of each index date."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

from pgx.callset import CallSet
from pgx.features._errors import FeatureInputError, MissingBlockWarning, UnseenCategoryWarning
from pgx.features._spec import FeatureSpec, slug
from pgx.recommend import comedications
from pgx.recommend._tables import phenoconversion_tables

__all__ = ["build", "infer_spec", "merge_specs", "drug_counts"]

_DEMOGRAPHIC_COLUMNS = ("sex", "population", "site")
_CALL_COLUMNS = ("sample_id", "gene", "haplotype_1", "haplotype_2", "activity_score", "phenotype")


def _require(frame: pl.DataFrame | None, columns: Sequence[str], name: str) -> None:
    if frame is None:
        return
    if not isinstance(frame, pl.DataFrame):
        raise FeatureInputError(f"{name} must be a polars DataFrame, found {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FeatureInputError(f"{name} lacks columns {missing}; expected {list(columns)}, found {frame.columns}")


def _index_frame(index_dates: pl.DataFrame | None) -> pl.DataFrame:
    if index_dates is None:
        raise FeatureInputError("index_dates is required: a frame with patient_id and index_date")
    _require(index_dates, ("patient_id", "index_date"), "index_dates")
    if index_dates.schema["index_date"] != pl.Date:
        raise FeatureInputError(f"index_dates.index_date must be a Date column, found {index_dates.schema['index_date']}")
    if index_dates["patient_id"].is_duplicated().any():
        raise FeatureInputError("index_dates has more than one row for some patient_id; give one index date each")
    return index_dates.select(pl.col("patient_id").cast(pl.String), "index_date")


def _sample_map(patients: pl.DataFrame | None) -> pl.DataFrame | None:
    if patients is not None and "sample_id" in patients.columns:
        return patients.select(pl.col("patient_id").cast(pl.String), pl.col("sample_id").cast(pl.String))
    return None


def _calls_by_patient(calls: pl.DataFrame, mapping: pl.DataFrame | None) -> pl.DataFrame:
    frame = calls.select(*_CALL_COLUMNS)
    if mapping is None:
        frame = frame.with_columns(pl.col("sample_id").alias("patient_id"))
    else:
        frame = frame.join(mapping, on="sample_id", how="inner")
    return frame.unique(subset=["patient_id", "gene"], keep="first", maintain_order=True)


def _comed_keys(table: pl.DataFrame) -> pl.DataFrame:
    return table.select("drug", (pl.col("enzyme") + "_" + pl.col("effect") + "_" + pl.col("strength")).alias("key"))


# --------------------------------------------------------------------------------------------- infer
def infer_spec(*, calls: pl.DataFrame | None = None, callset: CallSet | None = None,
               biomarkers: pl.DataFrame | None = None, treatments: pl.DataFrame | None = None,
               patients: pl.DataFrame | None = None, variants: Sequence[str] | None = None,
               genes: Sequence[str] | None = None, windows: Sequence[int] = (365, 1825),
               stats: Sequence[str] | None = None, genotype_encoding: str = "dosage",
               max_drugs: int = 50, index_therapy: bool = True) -> FeatureSpec:
    """Make a :class:`FeatureSpec` from training inputs: the categories and names they hold.

    Parameters
    ----------
    calls, callset, biomarkers, treatments, patients : optional
        As for :func:`build`.
    variants : sequence of str, optional
        CallSet variants (``chrom:pos:ref:alt``, pos 1-based); default every biallelic site.
    genes : sequence of str, optional
        Default: every gene of ``calls``.
    windows : sequence of int, default (365, 1825)
        Biomarker look-back windows in days.
    stats : sequence of str, optional
        Default: last, min, max, mean, count, slope.
    genotype_encoding : {"dosage", "onehot"}, default "dosage"
    max_drugs : int, default 50
        Keep the most frequent drugs (and all classes).
    index_therapy : bool, default True
        With treatments, add the index-therapy block (``index_drug``, ``index_dose``): the
        therapy started on the index date, known when it is prescribed.

    Returns
    -------
    FeatureSpec
        With ``columns`` filled in.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> bm = pl.DataFrame({"patient_id": ["a"], "time": [date(2020, 1, 1)], "name": ["eGFR"], "value": [80.0]})
    >>> infer_spec(biomarkers=bm, windows=[90], stats=["last"]).columns
    ['bm_eGFR_last_90d']
    """
    spec = FeatureSpec(windows=[int(w) for w in windows], genotype_encoding=genotype_encoding,
                       **({"stats": list(stats)} if stats is not None else {}))
    if calls is not None:
        _require(calls, _CALL_COLUMNS, "calls")
        spec.genes = sorted(genes) if genes is not None else sorted(calls["gene"].drop_nulls().unique().to_list())
        sub = calls.filter(pl.col("gene").is_in(spec.genes))
        for gene in spec.genes:
            g = sub.filter(pl.col("gene") == gene)
            spec.phenotypes[gene] = sorted(g["phenotype"].drop_nulls().unique().to_list())
            spec.alleles[gene] = sorted(set(g["haplotype_1"].drop_nulls().to_list())
                                        | set(g["haplotype_2"].drop_nulls().to_list()))
            if g["activity_score"].drop_nulls().drop_nans().len():
                spec.activity_genes.append(gene)
        spec.phenoconvert = "CYP2D6" in spec.activity_genes and treatments is not None
    if callset is not None:
        spec.variants = list(variants) if variants is not None else [
            f"{c}:{p}:{r}:{a[0]}" for c, p, r, a in callset.variants.select("chrom", "pos", "ref", "alt").iter_rows()
            if len(a) == 1]
    if biomarkers is not None:
        _require(biomarkers, ("patient_id", "time", "name", "value"), "biomarkers")
        spec.biomarkers = sorted(biomarkers["name"].unique().to_list())
    if treatments is not None:
        _require(treatments, ("patient_id", "drug", "start", "stop"), "treatments")
        spec.drugs = _top_drugs(drug_counts(treatments), max_drugs)
        if "drug_class" in treatments.columns:
            spec.drug_classes = sorted(treatments["drug_class"].drop_nulls().unique().to_list())
        spec.comedication_effects = sorted(_comed_keys(comedications())["key"].unique().to_list())
        spec.index_therapy = bool(index_therapy)
    if patients is not None:
        for column in _DEMOGRAPHIC_COLUMNS:
            if column in patients.columns:
                spec.demographics[column] = sorted(patients[column].drop_nulls().cast(pl.String).unique().to_list())
        spec.age = "birth_year" in patients.columns or "age" in patients.columns
    spec.columns = _columns(spec)
    return spec


def drug_counts(treatments: pl.DataFrame) -> pl.DataFrame:
    """Rows per drug of a treatments frame (columns ``drug``, ``len``): what decides which
    drugs :func:`infer_spec` keeps, and what :func:`merge_specs` adds up over blocks.

    Examples
    --------
    >>> import polars as pl
    >>> drug_counts(pl.DataFrame({"drug": ["a", "b", "a"]})).sort("drug").rows()
    [('a', 2), ('b', 1)]
    """
    return treatments.group_by("drug").len()


def _top_drugs(counts: pl.DataFrame, max_drugs: int) -> list[str]:
    """The ``max_drugs`` most frequent drugs (ties by name), sorted by name."""
    ranked = counts.group_by("drug").agg(pl.col("len").sum()).sort(["len", "drug"], descending=[True, False])
    return sorted(ranked["drug"].head(max_drugs).to_list())


def merge_specs(specs: Sequence[FeatureSpec], *, drug_counts: pl.DataFrame | None = None,
                max_drugs: int = 50) -> FeatureSpec:
    """The spec :func:`infer_spec` makes from all the data, from the specs of its blocks.

    Each block's spec (made by :func:`infer_spec` with the same options on the rows of some
    patients, ``max_drugs`` large enough to keep every drug) holds the categories and names
    that block has; their union is the whole data's. The drugs kept are the ``max_drugs``
    most frequent over all blocks, from the blocks' :func:`drug_counts` (all drugs when not
    given). Every block then builds its rows with the merged spec, so all have the same columns.

    Parameters
    ----------
    specs : sequence of FeatureSpec
        One per block, made with the same windows, stats, encoding and variants.
    drug_counts : polars.DataFrame, optional
        The blocks' :func:`drug_counts` frames, concatenated.
    max_drugs : int, default 50

    Returns
    -------
    FeatureSpec
        With ``columns`` filled in.

    Raises
    ------
    FeatureSpecError
        If no spec is given, or the blocks' specs differ in more than their categories.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> bm = pl.DataFrame({"patient_id": ["a", "b"], "time": [date(2020, 1, 1)] * 2, "name": ["eGFR", "ALT"],
    ...                    "value": [80.0, 20.0]})
    >>> blocks = [infer_spec(biomarkers=bm[k:k + 1], windows=[90], stats=["last"]) for k in range(2)]
    >>> merge_specs(blocks) == infer_spec(biomarkers=bm, windows=[90], stats=["last"])
    True
    """
    from pgx.features._errors import FeatureSpecError

    if not specs:
        raise FeatureSpecError("merge_specs: expected at least one spec, found none")
    first = specs[0]
    fixed = ("windows", "stats", "genotype_encoding", "variants", "comedication_effects", "index_therapy",
             "version")
    for spec in specs[1:]:
        differ = [name for name in fixed if getattr(spec, name) != getattr(first, name)]
        if differ:
            raise FeatureSpecError(f"merge_specs: the block specs differ in {differ}; make them with the same options")

    def union(values) -> list:
        return sorted(set().union(*values))

    def union_by_key(name: str, order: Sequence[str]) -> dict[str, list[str]]:
        keys = set().union(*(getattr(s, name).keys() for s in specs))
        return {k: union(getattr(s, name).get(k, []) for s in specs) for k in order if k in keys}

    merged = FeatureSpec(windows=list(first.windows), stats=list(first.stats),
                         genotype_encoding=first.genotype_encoding, variants=list(first.variants),
                         comedication_effects=list(first.comedication_effects), index_therapy=first.index_therapy,
                         version=first.version)
    merged.genes = union(s.genes for s in specs)
    merged.phenotypes = union_by_key("phenotypes", merged.genes)
    merged.alleles = union_by_key("alleles", merged.genes)
    merged.activity_genes = union(s.activity_genes for s in specs)
    merged.phenoconvert = any(s.phenoconvert for s in specs)
    merged.biomarkers = union(s.biomarkers for s in specs)
    merged.drugs = (_top_drugs(drug_counts, max_drugs) if drug_counts is not None
                    else union(s.drugs for s in specs))
    merged.drug_classes = union(s.drug_classes for s in specs)
    merged.demographics = union_by_key("demographics", _DEMOGRAPHIC_COLUMNS)
    merged.age = any(s.age for s in specs)
    merged.columns = _columns(merged)
    return merged


def _columns(spec: FeatureSpec) -> list[str]:
    cols: list[str] = []
    for gene in spec.genes:
        if gene in spec.activity_genes:
            cols.append(f"{gene}_activity_score")
        cols += [f"{gene}_phenotype_{slug(p)}" for p in spec.phenotypes.get(gene, [])]
        cols += [f"{gene}_allele_{slug(a)}" for a in spec.alleles.get(gene, [])]
    if spec.phenoconvert:
        cols.append("CYP2D6_activity_score_pc")
    for variant in spec.variants:
        if spec.genotype_encoding == "dosage":
            cols.append(f"var_{slug(variant)}")
        else:
            cols += [f"var_{slug(variant)}_gt{k}" for k in range(3)]
    for name in spec.biomarkers:
        for window in spec.windows:
            cols += [f"bm_{slug(name)}_{stat}_{window}d" for stat in spec.stats]
    for drug in spec.drugs:
        cols += [f"tx_{slug(drug)}_{s}" for s in ("ever", "n", "cumdose", "days_since")]
    for cls in spec.drug_classes:
        cols += [f"txclass_{slug(cls)}_{s}" for s in ("ever", "n")]
    if spec.drugs or spec.drug_classes:
        cols += ["tx_n_prior", "tx_prior_lines"]
    cols += [f"conc_{key}" for key in spec.comedication_effects]
    if spec.age:
        cols.append("age")
    for column, levels in spec.demographics.items():
        cols += [f"{column}_{slug(level)}" for level in levels]
    if spec.index_therapy:
        cols += ["index_drug", "index_dose"]
    return cols


# --------------------------------------------------------------------------------------------- blocks
def _warn_unseen(what: str, values: pl.Series, known: Sequence[str]) -> None:
    unseen = values.drop_nulls().filter(~values.drop_nulls().is_in(list(known)))
    if unseen.len():
        names = sorted(unseen.unique().to_list())
        warnings.warn(
            f"{unseen.len()} value(s) of {what} were not seen when the feature spec was made: {names[:10]}; "
            f"their indicator columns are 0", UnseenCategoryWarning, stacklevel=3)


def _genotype_block(spec: FeatureSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``: the calls by patient (:func:`_calls_by_patient`)."""
    out = None
    empty = frame.clear()
    by_gene = frame.partition_by("gene", as_dict=True)
    for gene in spec.genes:
        g = by_gene.get((gene,), empty)
        phenos, alleles = spec.phenotypes.get(gene, []), spec.alleles.get(gene, [])
        if gene in spec.phenotypes:
            _warn_unseen(f"{gene} phenotype", g["phenotype"], phenos)
        exprs = []
        if gene in spec.activity_genes:
            exprs.append(pl.col("activity_score").cast(pl.Float64).fill_nan(None).alias(f"{gene}_activity_score"))
        exprs += [(pl.col("phenotype") == p).fill_null(False).cast(pl.Int8).alias(f"{gene}_phenotype_{slug(p)}")
                  for p in phenos]
        exprs += [((pl.col("haplotype_1") == a).fill_null(False).cast(pl.Int8)
                   + (pl.col("haplotype_2") == a).fill_null(False).cast(pl.Int8)).alias(f"{gene}_allele_{slug(a)}")
                  for a in alleles]
        block = g.select("patient_id", *exprs)
        out = block if out is None else out.join(block, on="patient_id", how="full", coalesce=True)
    return out if out is not None else pl.DataFrame({"patient_id": []}, schema={"patient_id": pl.String})


def _variant_block(spec: FeatureSpec, callset: CallSet, mapping: pl.DataFrame | None) -> pl.DataFrame:
    keys = {}
    for row, (c, p, r, alts) in enumerate(callset.variants.select("chrom", "pos", "ref", "alt").iter_rows()):
        for k, a in enumerate(alts, start=1):
            keys.setdefault(f"{c}:{p}:{r}:{a}", (row, k))
    data: dict[str, object] = {"sample_id": list(callset.sample_ids)}
    found = [v for v in spec.variants if v in keys]
    absent = [v for v in spec.variants if v not in keys]
    if absent:
        warnings.warn(f"{len(absent)} variant(s) of the feature spec are not in the CallSet (first: {absent[:3]}); "
                      "their columns are null", MissingBlockWarning, stacklevel=3)
    for variant in found:
        row, k = keys[variant]
        gt = callset.genotypes[row]
        present = gt != -2
        missing = ((gt == -1) & present).any(axis=1)
        dosage = ((gt == k) & present).sum(axis=1).astype(np.float64)
        dosage[missing] = np.nan
        if spec.genotype_encoding == "dosage":
            data[f"var_{slug(variant)}"] = dosage
        else:
            for level in range(3):
                col = (dosage == level).astype(np.float64)
                col[missing] = np.nan
                data[f"var_{slug(variant)}_gt{level}"] = col
    frame = pl.DataFrame(data).with_columns(pl.exclude("sample_id").fill_nan(None))
    if mapping is None:
        return frame.rename({"sample_id": "patient_id"})
    return frame.join(mapping, on="sample_id", how="inner").drop("sample_id")


def _biomarker_block(spec: FeatureSpec, biomarkers: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Per patient and biomarker, window statistics over the measurements strictly before the
    index date. Rows are gathered with polars, then reduced per (patient, biomarker) cell with
    numpy scatter reductions (``bincount`` and ``ufunc.at``): one pass per statistic, no
    group-by; a cell with no measurement in the longest window is null throughout."""
    longest = max(spec.windows)
    names = list(spec.biomarkers)
    n_names, n_patients = len(names), index.height
    codes = pl.DataFrame({"name": names, "_nk": pl.Series(range(n_names), dtype=pl.Int64)})
    rows = (biomarkers.lazy()
            .select(pl.col("patient_id").cast(pl.String), "time", pl.col("name").cast(pl.String),
                    pl.col("value").cast(pl.Float64))
            .join(codes.lazy(), on="name", how="inner")
            .join(index.lazy().with_row_index("_pk").with_columns(pl.col("_pk").cast(pl.Int64)),
                  on="patient_id", how="inner")
            .with_columns(((pl.col("index_date") - pl.col("time")).dt.total_days()).alias("dt"))
            # strictly before the index date: a value measured on or after it is never used
            .filter((pl.col("dt") > 0) & (pl.col("dt") <= longest) & pl.col("value").is_not_null()
                    & pl.col("value").is_not_nan())
            .select((pl.col("_pk") * n_names + pl.col("_nk")).alias("key"), "dt", "value")
            # one summation order per cell whatever the order of the rows (the joins do not keep it):
            # a patient's sums, means and slopes are then the same bits in any block of patients
            .sort("key", "dt", "value")
            .collect())
    size = n_patients * n_names
    key = rows["key"].to_numpy()
    dt = rows["dt"].to_numpy()
    value = rows["value"].to_numpy()
    t = -dt / 365.25
    # the latest measurement of each cell (smallest dt) and its value
    latest = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(latest, key, dt)
    at_latest = dt == latest[key]
    last_value = np.full(size, np.nan)
    last_value[key[at_latest]] = value[at_latest]
    present = latest <= longest
    columns: dict[str, np.ndarray] = {}
    for w in spec.windows:
        inside = dt <= w
        k, v, tw = key[inside], value[inside], t[inside]
        n = np.bincount(k, minlength=size).astype(np.float64)
        some = n > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            for stat in spec.stats:
                if stat == "last":
                    out = np.where(latest <= w, last_value, np.nan)
                elif stat in ("min", "max"):
                    out = np.full(size, np.inf if stat == "min" else -np.inf)
                    (np.minimum if stat == "min" else np.maximum).at(out, k, v)
                    out[~some] = np.nan
                elif stat == "mean":
                    out = np.bincount(k, weights=v, minlength=size) / n
                elif stat == "count":
                    out = np.where(present, n, np.nan)
                else:  # least-squares slope of value on time (per year)
                    st, sv = np.bincount(k, weights=tw, minlength=size), np.bincount(k, weights=v, minlength=size)
                    stv = np.bincount(k, weights=tw * v, minlength=size)
                    stt = np.bincount(k, weights=tw * tw, minlength=size)
                    num, den = n * stv - st * sv, n * stt - st * st
                    out = np.where((n >= 2) & (np.abs(den) > 1e-12), num / den, np.nan)
                columns[f"{stat}_{w}d"] = np.where(present, out, np.nan).reshape(n_patients, n_names)
    seen = present.reshape(n_patients, n_names).any(axis=0)
    data: dict[str, object] = {"patient_id": index["patient_id"]}
    for j, name in enumerate(names):
        if not seen[j]:  # no measurement of this biomarker at all: its columns are absent
            continue
        for label, table in columns.items():
            data[f"bm_{slug(name)}_{label}"] = pl.Series(table[:, j]).fill_nan(None)
    return pl.DataFrame(data)


def _active_comedications(treatments: pl.DataFrame, index: pl.DataFrame) -> pl.LazyFrame:
    """Rows active on the index date (start <= index <= stop; a null stop is ongoing)."""
    return (treatments.lazy().select(pl.col("patient_id").cast(pl.String), "drug", "start", "stop")
            .join(index.lazy(), on="patient_id", how="inner")
            .filter((pl.col("start") <= pl.col("index_date"))
                    & (pl.col("stop").is_null() | (pl.col("stop") >= pl.col("index_date")))))


def _treatment_block(spec: FeatureSpec, treatments: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    has_dose, has_line = "dose" in treatments.columns, "line" in treatments.columns
    has_class = "drug_class" in treatments.columns
    cols = [pl.col("patient_id").cast(pl.String), "drug", "start", "stop",
            (pl.col("dose").cast(pl.Float64) if has_dose else pl.lit(None, pl.Float64)).alias("dose"),
            (pl.col("line").cast(pl.Float64) if has_line else pl.lit(None, pl.Float64)).alias("line"),
            (pl.col("drug_class") if has_class else pl.lit(None, pl.String)).alias("drug_class")]
    prior = (treatments.lazy().select(cols)
             .join(index.lazy(), on="patient_id", how="inner")
             # history: therapies started strictly before the index date, counted up to the day before it
             .filter(pl.col("start") < pl.col("index_date"))
             .with_columns(pl.min_horizontal(pl.col("stop").fill_null(pl.col("index_date")),
                                             pl.col("index_date") - pl.duration(days=1)).alias("end"))
             .with_columns(((pl.col("end") - pl.col("start")).dt.total_days() + 1).clip(lower_bound=0).alias("days"),
                           (pl.col("index_date") - pl.col("end")).dt.total_days().sub(1).clip(lower_bound=0)
                           .alias("since")))
    aggs = []
    for drug in spec.drugs:
        is_d = pl.col("drug") == drug
        s = slug(drug)
        aggs += [is_d.any().cast(pl.Int8).alias(f"tx_{s}_ever"), is_d.sum().cast(pl.Float64).alias(f"tx_{s}_n"),
                 (pl.col("dose") * pl.col("days")).filter(is_d).sum().alias(f"tx_{s}_cumdose"),
                 pl.col("since").filter(is_d).min().cast(pl.Float64).alias(f"tx_{s}_days_since")]
    for cls in spec.drug_classes:
        is_c = pl.col("drug_class") == cls
        aggs += [is_c.any().cast(pl.Int8).alias(f"txclass_{slug(cls)}_ever"),
                 is_c.sum().cast(pl.Float64).alias(f"txclass_{slug(cls)}_n")]
    aggs += [pl.len().cast(pl.Float64).alias("tx_n_prior"), pl.col("line").max().fill_null(0).alias("tx_prior_lines")]
    out = prior.group_by("patient_id").agg(aggs).collect()
    # patients with no prior therapy: zero counts, not null
    out = index.select("patient_id").join(out, on="patient_id", how="left").with_columns(
        pl.col([c for c in out.columns if c.endswith(("_ever", "_n")) or c in ("tx_n_prior", "tx_prior_lines")])
        .fill_null(0))
    if spec.comedication_effects:
        keys = _comed_keys(comedications())
        active = (_active_comedications(treatments, index).join(keys.lazy(), on="drug", how="inner")
                  .group_by("patient_id").agg(pl.col("key").unique()).collect())
        conc = active.select("patient_id", *[pl.col("key").list.contains(k).cast(pl.Int8).alias(f"conc_{k}")
                                             for k in spec.comedication_effects])
        out = out.join(conc, on="patient_id", how="left").with_columns(
            pl.col([f"conc_{k}" for k in spec.comedication_effects]).fill_null(0))
    return out


def _index_therapy_block(treatments: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """The therapy started on the index date (start == index_date): its drug and daily dose."""
    has_dose, has_line = "dose" in treatments.columns, "line" in treatments.columns
    return (treatments.lazy().with_row_index("_row")
            .select(pl.col("patient_id").cast(pl.String), "start", "_row",
                    pl.col("drug").cast(pl.String).alias("index_drug"),
                    (pl.col("dose").cast(pl.Float64) if has_dose else pl.lit(None, pl.Float64)).alias("index_dose"),
                    (pl.col("line").cast(pl.Float64) if has_line else pl.lit(None, pl.Float64)).alias("_line"))
            .join(index.lazy(), on="patient_id", how="inner")
            .filter(pl.col("start") == pl.col("index_date"))
            # several on the day: the highest line (a null line last), then the first row
            .sort(["patient_id", "_line", "_row"], descending=[False, True, False], nulls_last=True)
            .unique(subset=["patient_id"], keep="first", maintain_order=True)
            .select("patient_id", "index_drug", "index_dose")
            .collect())


def _phenoconversion(treatments: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    rules, _ = phenoconversion_tables()
    mult = rules.filter((pl.col("enzyme") == "CYP2D6") & (pl.col("method") == "activity_multiplier")).select(
        "effect", "strength", pl.col("value").cast(pl.Float64).alias("multiplier"))
    table = comedications().filter(pl.col("enzyme") == "CYP2D6").join(mult, on=["effect", "strength"], how="inner")
    return (_active_comedications(treatments, index).join(table.lazy().select("drug", "multiplier"), on="drug")
            .group_by("patient_id").agg(pl.col("multiplier").min()).collect())


def _demographic_block(spec: FeatureSpec, patients: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    frame = index.join(patients.with_columns(pl.col("patient_id").cast(pl.String)), on="patient_id", how="left")
    exprs = []
    if spec.age:
        if "birth_year" in frame.columns:
            exprs.append((pl.col("index_date").dt.year() - pl.col("birth_year")).cast(pl.Float64).alias("age"))
        elif "age" in frame.columns:
            exprs.append(pl.col("age").cast(pl.Float64).alias("age"))
    for column, levels in spec.demographics.items():
        if column not in frame.columns:
            continue
        values = frame[column].cast(pl.String)
        _warn_unseen(column, values, levels)
        exprs += [(pl.col(column).cast(pl.String) == level).fill_null(False).cast(pl.Int8).alias(f"{column}_{slug(level)}")
                  for level in levels]
    return frame.select("patient_id", *exprs)


# --------------------------------------------------------------------------------------------- build
def build(*, calls: pl.DataFrame | None = None, callset: CallSet | None = None,
          biomarkers: pl.DataFrame | None = None, treatments: pl.DataFrame | None = None,
          index_dates: pl.DataFrame | None = None, spec: FeatureSpec | None = None,
          patients: pl.DataFrame | None = None) -> pl.DataFrame:
    """Build one feature row per patient, using only what was known before each index date.

    Blocks: genotype (from a calls frame: activity score, phenotype indicators, star-allele
    counts, CYP2D6 activity phenoconverted by co-medications active at the index date; from a
    CallSet: dosage or one-hot of chosen variants), biomarkers (last/min/max/mean/count/slope
    within windows before the index date), treatment history (prior exposure per drug and class,
    counts, cumulative dose, days since last exposure, prior lines, concomitant inhibitors and
    inducers from the co-medication table), demographics and the index therapy (``index_drug``
    and ``index_dose``: the drug and planned daily dose of the therapy started on the index
    date, known when it is prescribed; see :class:`FeatureSpec`).

    Time rules (nothing after the index date leaks in): a biomarker counts if measured strictly
    before the index date; a therapy counts as history if it started strictly before it, with
    exposure counted up to the day before; a co-medication is concomitant if active on the
    index date (start <= index_date <= stop, stop inclusive, null stop ongoing); the index
    therapy is one that starts on the index date (start == index_date), never a later one.

    Parameters
    ----------
    calls : polars.DataFrame, optional
        sample_id, gene, haplotype_1, haplotype_2, activity_score, phenotype (as
        :func:`pgx.call` returns, or the diplotype truth of :func:`pgx.simulate.simulate_cohort`).
    callset : CallSet, optional
        Genotypes for the variant block.
    biomarkers : polars.DataFrame, optional
        Long table patient_id, time (Date), name, value.
    treatments : polars.DataFrame, optional
        patient_id, drug, start (Date), stop (Date, inclusive); optional drug_class, dose (per
        day), line.
    index_dates : polars.DataFrame
        patient_id and index_date (Date); one row each. Defines the output rows and their order.
    spec : FeatureSpec, optional
        The columns to build; default inferred from these inputs (training). Pass the spec saved
        with a model at prediction time.
    patients : polars.DataFrame, optional
        patient_id with optional sample_id (links calls and callset samples to patients; without
        it sample_id is taken as patient_id), sex, population, site, birth_year or age.

    Returns
    -------
    polars.DataFrame
        ``patient_id`` then ``spec.columns``, one row per row of ``index_dates``.

    Raises
    ------
    FeatureInputError
        If index_dates is missing or a frame lacks its required columns.

    Warns
    -----
    UnseenCategoryWarning
        A phenotype or demographic level not in the spec (its indicators are 0). Alleles not
        listed in the spec are simply not counted (a spec may name a chosen few).
    MissingBlockWarning
        The spec needs an input that was not given (its columns are null).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> idx = pl.DataFrame({"patient_id": ["a", "b"], "index_date": [date(2021, 1, 1), date(2021, 1, 1)]})
    >>> bm = pl.DataFrame({"patient_id": ["a", "a", "a"], "name": ["eGFR"] * 3, "value": [70.0, 60.0, 10.0],
    ...                    "time": [date(2020, 6, 1), date(2020, 12, 1), date(2021, 2, 1)]})
    >>> build(biomarkers=bm, index_dates=idx, spec=FeatureSpec(biomarkers=["eGFR"], windows=[365],
    ...       stats=["last", "count"], columns=["bm_eGFR_last_365d", "bm_eGFR_count_365d"]))
    shape: (2, 3)
    ┌────────────┬───────────────────┬────────────────────┐
    │ patient_id ┆ bm_eGFR_last_365d ┆ bm_eGFR_count_365d │
    │ ---        ┆ ---               ┆ ---                │
    │ str        ┆ f64               ┆ f64                │
    ╞════════════╪═══════════════════╪════════════════════╡
    │ a          ┆ 60.0              ┆ 2.0                │
    │ b          ┆ null              ┆ null               │
    └────────────┴───────────────────┴────────────────────┘
    """
    index = _index_frame(index_dates)
    _require(calls, _CALL_COLUMNS, "calls")
    _require(biomarkers, ("patient_id", "time", "name", "value"), "biomarkers")
    _require(treatments, ("patient_id", "drug", "start", "stop"), "treatments")
    _require(patients, ("patient_id",), "patients")
    if spec is None:
        spec = infer_spec(calls=calls, callset=callset, biomarkers=biomarkers, treatments=treatments,
                          patients=patients)
    if not spec.columns:
        spec.columns = _columns(spec)
    mapping = _sample_map(patients)
    by_patient = (_calls_by_patient(calls, mapping)
                  if calls is not None and (spec.genes or spec.phenoconvert) else None)
    blocks: list[pl.DataFrame] = []
    missing: list[str] = []
    if spec.genes:
        if calls is None:
            missing.append("genotype (calls)")
        else:
            blocks.append(_genotype_block(spec, by_patient))
    if spec.phenoconvert:
        if calls is None or treatments is None:
            missing.append("phenoconversion (calls and treatments)")
        else:
            pc = _phenoconversion(treatments, index)
            as_frame = by_patient.filter(pl.col("gene") == "CYP2D6").select(
                "patient_id", pl.col("activity_score").cast(pl.Float64).fill_nan(None))
            blocks.append(as_frame.join(pc, on="patient_id", how="left").select(
                "patient_id", (pl.col("activity_score") * pl.col("multiplier").fill_null(1.0))
                .alias("CYP2D6_activity_score_pc")))
    if spec.variants:
        if callset is None:
            missing.append("variants (callset)")
        else:
            blocks.append(_variant_block(spec, callset, mapping))
    if spec.biomarkers:
        if biomarkers is None:
            missing.append("biomarkers")
        else:
            blocks.append(_biomarker_block(spec, biomarkers, index))
    if spec.drugs or spec.drug_classes or spec.comedication_effects:
        if treatments is None:
            missing.append("treatments")
        else:
            blocks.append(_treatment_block(spec, treatments, index))
    if spec.index_therapy:
        if treatments is None:
            missing.append("index therapy (treatments)")
        else:
            blocks.append(_index_therapy_block(treatments, index))
    if spec.age or spec.demographics:
        if patients is None:
            missing.append("demographics (patients)")
        else:
            blocks.append(_demographic_block(spec, patients, index))
    if missing:
        warnings.warn(f"feature blocks without input: {missing}; their columns are null", MissingBlockWarning,
                      stacklevel=2)
    out = index.select("patient_id")
    for block in blocks:
        out = out.join(block, on="patient_id", how="left", maintain_order="left")
    present = set(out.columns)
    absent = [c for c in spec.columns if c not in present]
    if absent and not missing:
        warnings.warn(f"{len(absent)} spec column(s) could not be computed from the inputs (first: {absent[:3]}); "
                      "they are null", MissingBlockWarning, stacklevel=2)
    return out.select("patient_id", *[pl.col(c) if c in present
                                      else pl.lit(None, pl.String if c == "index_drug" else pl.Float64).alias(c)
                                      for c in spec.columns])
