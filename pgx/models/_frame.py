"""Turn numpy arrays, polars and pandas frames into the float matrix LightGBM reads.

String, categorical and enum columns become integer category codes (stored as float, missing
as NaN) and are passed to LightGBM as categorical features; the categories seen at fit time
are remembered, and values not seen then are mapped to missing and reported. Nothing here
imports scikit-learn or lightgbm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

__all__: list[str] = []

_NUMERIC = "numeric"
_CATEGORICAL = "categorical"


def is_frame(X: Any) -> bool:
    """True for a polars or pandas DataFrame (pandas is recognised without importing it)."""
    if isinstance(X, pl.DataFrame):
        return True
    module = type(X).__module__ or ""
    return module.startswith("pandas") and hasattr(X, "columns") and hasattr(X, "dtypes")


def polars_kind(name: str, dtype: pl.DataType) -> str:
    """"categorical" (string, categorical, enum) or "numeric" (numbers, booleans, null) for a
    polars column type, as a model encodes it.

    Raises
    ------
    TypeError
        For any other type (dates, lists, ...).
    """
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Enum, pl.Categorical)):
        return _CATEGORICAL
    if dtype == pl.Null or dtype == pl.Boolean or dtype.is_numeric():
        return _NUMERIC
    raise TypeError(
        f"column {name!r}: expected a numeric, boolean, string or categorical column, "
        f"found dtype {dtype}; convert dates to numbers (for example days since the index date)"
    )


def _polars_column(series: pl.Series) -> tuple[str, np.ndarray]:
    kind = polars_kind(series.name, series.dtype)
    if kind == _CATEGORICAL:
        return _CATEGORICAL, series.cast(pl.String).to_numpy().astype(object)
    if series.dtype == pl.Null:
        return _NUMERIC, np.full(len(series), np.nan)
    return _NUMERIC, series.cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)


def _pandas_column(name: str, column: Any) -> tuple[str, np.ndarray]:
    kind = str(column.dtype)
    if kind in ("category", "object", "string", "str") or kind.startswith("string"):
        values = column.astype(object).to_numpy()
        out = np.empty(len(values), dtype=object)
        for i, value in enumerate(values):
            out[i] = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        return _CATEGORICAL, out
    try:
        return _NUMERIC, column.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"column {name!r}: expected a numeric, boolean, string or categorical column, "
            f"found dtype {kind}"
        ) from err


def frame_columns(X: Any) -> list[tuple[str, str, np.ndarray]]:
    """(name, kind, values) per column of a polars or pandas frame."""
    if isinstance(X, pl.DataFrame):
        return [(s.name, *_polars_column(s)) for s in X.get_columns()]
    return [(str(name), *_pandas_column(str(name), X[name])) for name in X.columns]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


class TableEncoder:
    """Remember column names, kinds and categories at fit; encode the same way later.

    The state is plain JSON (:meth:`to_dict` / :meth:`from_dict`), so it is saved with a
    model without pickle.
    """

    def __init__(self, columns: list[dict] | None = None) -> None:
        self.columns = columns or []

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c["kind"] == _CATEGORICAL]

    def fit_transform(self, X: Any) -> np.ndarray:
        cols = frame_columns(X)
        if not cols:
            raise ValueError("expected at least one feature column, found 0 columns")
        names = [name for name, _, _ in cols]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"feature names must be unique, found duplicates {dupes}")
        self.columns = []
        for name, kind, values in cols:
            spec: dict = {"name": name, "kind": kind}
            if kind == _CATEGORICAL:
                spec["categories"] = sorted({str(v) for v in values if not _missing(v)})
            self.columns.append(spec)
        out, _ = self._encode(cols)
        return out

    def transform(self, X: Any) -> tuple[np.ndarray, dict[str, list[str]]]:
        """Encode X; return the matrix and the unseen categories per column."""
        if is_frame(X):
            cols = {name: (kind, values) for name, kind, values in frame_columns(X)}
            missing = [n for n in self.names if n not in cols]
            extra = [n for n in cols if n not in set(self.names)]
            if missing or extra:
                raise ValueError(
                    "The feature names should match those that were passed during fit: "
                    f"missing {missing}, unexpected {extra}"
                )
            ordered = [(n, *cols[n]) for n in self.names]
        else:
            array = np.asarray(X)
            if array.ndim != 2:
                raise ValueError(f"Expected 2D array, got {array.ndim}D array instead")
            if array.shape[1] != len(self.columns):
                raise ValueError(
                    f"X has {array.shape[1]} features, but the model is expecting "
                    f"{len(self.columns)} features as input"
                )
            ordered = []
            for j, spec in enumerate(self.columns):
                column = array[:, j]
                if spec["kind"] == _CATEGORICAL:
                    ordered.append((spec["name"], _CATEGORICAL, column.astype(object)))
                else:
                    ordered.append((spec["name"], _NUMERIC, column.astype(np.float64)))
        for (name, kind, _), spec in zip(ordered, self.columns):
            if kind != spec["kind"]:
                raise TypeError(
                    f"column {name!r}: fitted as {spec['kind']}, found a {kind} column"
                )
        return self._encode(ordered)

    def _encode(self, cols) -> tuple[np.ndarray, dict[str, list[str]]]:
        n = len(cols[0][2]) if cols else 0
        out = np.empty((n, len(cols)), dtype=np.float64)
        unseen: dict[str, list[str]] = {}
        for j, ((name, kind, values), spec) in enumerate(zip(cols, self.columns)):
            if kind == _NUMERIC:
                out[:, j] = values
                continue
            lookup = {c: float(i) for i, c in enumerate(spec["categories"])}
            codes = np.full(n, np.nan)
            new: set[str] = set()
            for i, v in enumerate(values):
                if _missing(v):
                    continue
                code = lookup.get(str(v))
                if code is None:
                    new.add(str(v))
                else:
                    codes[i] = code
            out[:, j] = codes
            if new:
                unseen[name] = sorted(new)
        return out, unseen

    def to_dict(self) -> list[dict]:
        return [dict(c) for c in self.columns]

    @classmethod
    def from_dict(cls, columns: list[dict]) -> "TableEncoder":
        return cls([dict(c) for c in columns])
