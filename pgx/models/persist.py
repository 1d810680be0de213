"""Save and load pgx LightGBM models without pickle.

A saved model is a directory of three text files:

``model.txt``
    LightGBM's own text model (``Booster.model_to_string``), truncated to the boosting
    rounds the model uses, with the training-data statistics LightGBM writes but
    prediction never reads removed: the per-feature training ranges (``feature_infos``,
    written as ``none``), the rows and hessian sums of every node (``leaf_count``,
    ``internal_count``, ``leaf_weight``, ``internal_weight``: lines dropped), and the node
    gains and internal values (``split_gain``, ``internal_value``: zeros), from which the
    counts could be solved back. Predictions are unchanged, bit for bit.
``model.json``
    The sidecar: estimator class and parameters, feature spec (names, kinds, categories),
    classes, calibration as numbers, the linear component as numbers (per feature its fill
    value, centre, scale and coefficients: medians and means of the training data, the kind
    of aggregate a model card reports too), the target transform of a dose model, software versions, optional metrics, and the sha256
    of ``model.txt``.
``MANIFEST.json``
    sha256 of both files, verified on load.

Loading never executes code from the files (no pickle): the class comes from a fixed list
of pgx estimators. A file whose checksum, format or content does not match is refused with
:class:`~pgx.models.ModelFileError`. The checksums detect corruption and careless edits;
they are not a signature, so keep model directories where only trusted people can write.

TreeSHAP explanations (:func:`~pgx.models.explain`) need each node's share of the data.
A loaded model has none from training, so it gets a neutral one: every branch of a split
equally likely (every leaf equally likely in trees deeper than 30 levels). Its
contributions still sum with the ``bias`` to the raw score, but are measured against that
neutral reference rather than the training population.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from pgx._version import __version__
from pgx.models._errors import ModelFileError

__all__ = ["save_model", "load_model"]

FORMAT = "pgx-model"
#: 4: a DoseRegressor's parameters include ``path_smooth``; 3: the sidecar holds the linear
#: component and the target transform; 2: model.txt stripped of training statistics; 1: not
#: stripped (1 and 2 are read still: trees only, no transform; 1-3 as fitted without path smoothing)
FORMAT_VERSION = 4
_READABLE_VERSIONS = (1, 2, 3, 4)
#: Parameters added in a format version, with the value every model saved before it was fitted with.
_ADDED_PARAMS = {4: {"DoseRegressor": {"path_smooth": 0.0}}}
MODEL_FILE = "model.txt"
SIDECAR_FILE = "model.json"
MANIFEST_FILE = "MANIFEST.json"


def _classes():
    from pgx.models._lgbm import AdverseReactionClassifier, DoseRegressor, ResponseClassifier

    return {c.__name__: c for c in (ResponseClassifier, AdverseReactionClassifier, DoseRegressor)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonable(value: Any) -> tuple[bool, Any]:
    if value is None or isinstance(value, (bool, str)):
        return True, value
    if isinstance(value, (int, np.integer)):
        return True, int(value)
    if isinstance(value, (float, np.floating)):
        return True, float(value)
    if isinstance(value, dict):
        return True, {"__pairs__": [[_jsonable(k)[1], _jsonable(v)[1]] for k, v in value.items()]}
    return False, None


def _unjson(value: Any) -> Any:
    if isinstance(value, dict) and "__pairs__" in value:
        return {k: v for k, v in value["__pairs__"]}
    return value


# -- model text: strip training statistics on save, add neutral covers on load --------------------

# per-tree lines of LightGBM's v4 text format; any other line is refused rather than kept unread
_TREE_KEYS = frozenset({
    "Tree", "num_leaves", "num_cat", "split_feature", "split_gain", "threshold", "decision_type",
    "left_child", "right_child", "leaf_value", "leaf_weight", "leaf_count", "internal_value",
    "internal_weight", "internal_count", "cat_boundaries", "cat_threshold", "is_linear", "shrinkage"})
_DROPPED_KEYS = ("leaf_count", "internal_count", "leaf_weight", "internal_weight")
_ZEROED_KEYS = ("split_gain", "internal_value")
_MAX_COVER_DEPTH = 30  # 2**30 fits LightGBM's int32 node counts


def _split_model_text(text: str) -> tuple[str, list[str], str]:
    """LightGBM model text -> (header, tree blocks as LightGBM sizes them, trailer)."""
    start = text.find("\nTree=")
    end = text.find("end of trees")
    if not text.startswith("tree\n") or start < 0 or end < start:
        raise ModelFileError(f"model text: expected LightGBM's text format ('tree', 'Tree=0', ..., "
                             f"'end of trees'), found {text[:40]!r}")
    blocks = [b for b in re.split(r"(?m)^(?=Tree=)", text[start + 1:end]) if b]
    return text[:start + 1], blocks, text[end:]


def _join_model_text(header: str, blocks: list[str], trailer: str) -> str:
    sizes = " ".join(str(len(b.encode("utf-8"))) for b in blocks)
    header, n = re.subn(r"(?m)^tree_sizes=.*$", lambda _: f"tree_sizes={sizes}", header)
    if n != 1:
        raise ModelFileError("model text: expected one tree_sizes= line in LightGBM's header, found " + str(n))
    return header + "".join(blocks) + trailer


def _tree_fields(block: str) -> list[tuple[str, str]]:
    fields = []
    for line in block.split("\n"):
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or key not in _TREE_KEYS:
            raise ModelFileError(f"model text: unknown LightGBM tree line {line[:60]!r}; pgx strips training "
                                 f"statistics only from the fields it knows ({', '.join(sorted(_TREE_KEYS))})")
        if key == "is_linear" and value.strip() != "0":
            raise ModelFileError("model text: linear trees (is_linear=1) are not supported")
        fields.append((key, value))
    return fields


def _strip_training_statistics(text: str) -> str:
    """Remove what LightGBM's text model records about the training rows but never reads to predict.

    ``feature_infos`` (each feature's training [min:max], or the categories seen) becomes
    ``none``; ``leaf_count``, ``internal_count``, ``leaf_weight`` and ``internal_weight``
    lines are dropped; ``split_gain`` and ``internal_value`` become zeros (with the leaf
    values they would let the node weights, hence counts, be solved back). ``tree_sizes``
    is recomputed. The result predicts exactly as the input.
    """
    header, blocks, trailer = _split_model_text(text)
    header, n = re.subn(r"(?m)^feature_infos=(.*)$",
                        lambda m: "feature_infos=" + " ".join("none" for _ in m[1].split(" ")), header)
    if n != 1:
        raise ModelFileError(f"model text: expected one feature_infos= line in LightGBM's header, found {n}")
    stripped = []
    for block in blocks:
        lines = []
        for key, value in _tree_fields(block):
            if key in _DROPPED_KEYS:
                continue
            if key in _ZEROED_KEYS:
                value = " ".join("0" for _ in value.split())
            lines.append(f"{key}={value}")
        stripped.append("\n".join(lines) + "\n\n\n")
    return _join_model_text(header, stripped, trailer)


def _neutral_covers(left: list[int], right: list[int], n_leaves: int) -> tuple[list[int], list[int]]:
    """Leaf and internal-node counts in which each branch of every split is equally likely."""
    if n_leaves == 1:
        return [1], []
    depth_leaf = [0] * n_leaves
    order, stack = [], [(0, 0)]  # internal nodes from the root (0) down; leaves are ~index
    while stack:
        node, depth = stack.pop()
        order.append(node)
        for child in (left[node], right[node]):
            if child >= 0:
                stack.append((child, depth + 1))
            else:
                depth_leaf[~child] = depth + 1
    deepest = max(depth_leaf)
    leaf = [1 << (deepest - d) for d in depth_leaf] if deepest <= _MAX_COVER_DEPTH else [1] * n_leaves
    internal = [0] * len(left)
    for node in reversed(order):  # children before parents
        internal[node] = sum(internal[c] if c >= 0 else leaf[~c] for c in (left[node], right[node]))
    return leaf, internal


def _with_neutral_covers(text: str) -> str:
    """Add ``leaf_count``/``internal_count`` lines of :func:`_neutral_covers` to a stripped model,
    so LightGBM's TreeSHAP has node shares to work with (predictions do not read them)."""
    header, blocks, trailer = _split_model_text(text)
    out = []
    for block in blocks:
        fields = _tree_fields(block)
        values = dict(fields)
        if "leaf_count" in values:
            out.append(block)
            continue
        ints = lambda key: [int(v) for v in values.get(key, "").split()]  # noqa: E731
        leaf, internal = _neutral_covers(ints("left_child"), ints("right_child"), int(values["num_leaves"]))
        lines = [f"{k}={v}" for k, v in fields if k != "internal_count"]
        at = next(i for i, line in enumerate(lines) if line.startswith("leaf_value=")) + 1
        lines[at:at] = ["leaf_count=" + " ".join(map(str, leaf)), "internal_count=" + " ".join(map(str, internal))]
        out.append("\n".join(lines) + "\n\n\n")
    return _join_model_text(header, out, trailer)


def _versions() -> dict[str, str]:
    import lightgbm
    import sklearn

    return {"pgx": __version__, "lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__}


def save_model(model: Any, path: str | os.PathLike, *, metrics: dict | None = None,
               overwrite: bool = False) -> Path:
    """Write a fitted pgx LightGBM model to a directory (atomically).

    Parameters
    ----------
    model : ResponseClassifier, AdverseReactionClassifier or DoseRegressor
        A fitted model.
    path : str or path-like
        The directory to create.
    metrics : dict, optional
        JSON-ready evaluation results to keep with the model (for example
        :func:`~pgx.models.evaluate` output).
    overwrite : bool, default=False
        Replace an existing model directory.

    Returns
    -------
    pathlib.Path
        The directory written.

    Raises
    ------
    ModelFileError
        If the model is not a fitted pgx model, or the path exists and ``overwrite`` is False.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from pgx.models import DoseRegressor, save_model, load_model
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); y = X[:, 0] + rng.normal(size=200)
    >>> model = DoseRegressor(n_estimators=20, n_jobs=1, random_state=0).fit(X, y)
    >>> target = os.path.join(tempfile.mkdtemp(), "dose-model")
    >>> _ = save_model(model, target)
    >>> bool(np.array_equal(load_model(target).predict(X), model.predict(X)))
    True
    """
    name = type(model).__name__
    if name not in _classes() or not hasattr(model, "booster_"):
        raise ModelFileError(f"save_model: expected a fitted {sorted(_classes())}, found {name}")
    target = Path(path)
    if target.exists() and not overwrite:
        raise ModelFileError(f"{target}: already exists; pass overwrite=True to replace it")
    model_text = _strip_training_statistics(
        model.booster_.model_to_string(num_iteration=model.n_estimators_)).encode("utf-8")
    params, unsaved = {}, []
    for key, value in model.get_params(deep=False).items():
        ok, converted = _jsonable(value)
        if ok:
            params[key] = converted
        else:
            params[key] = None
            unsaved.append(key)
    fitted: dict[str, Any] = {
        "n_estimators_": int(model.n_estimators_),
        "n_features_in_": int(model.n_features_in_),
        "feature_spec_": model.feature_spec_,
        "has_feature_names": hasattr(model, "feature_names_in_"),
        "linear_": getattr(model, "linear_", None),
        "linear_weight_": float(getattr(model, "linear_weight_", 0.0)),
    }
    if hasattr(model, "target_transform_"):
        fitted["target_transform_"] = model.target_transform_
    if hasattr(model, "classes_"):
        classes = model.classes_
        numeric = classes.dtype.kind in "biuf"
        fitted["classes_"] = {"dtype": classes.dtype.str if numeric else classes.dtype.kind,
                              "values": [_jsonable(v)[1] if numeric else str(v) for v in classes]}
        fitted["calibrator_"] = model.calibrator_
    sidecar = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": name,
        "params": params,
        "unsaved_params": unsaved,
        "fitted": fitted,
        "versions": _versions(),
        "metrics": metrics,
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(model_text),
    }
    sidecar_bytes = json.dumps(sidecar, indent=2, sort_keys=True, allow_nan=True).encode("utf-8")
    manifest = {"format": FORMAT, "files": {MODEL_FILE: _sha256(model_text), SIDECAR_FILE: _sha256(sidecar_bytes)}}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / MODEL_FILE).write_bytes(model_text)
        (staging / SIDECAR_FILE).write_bytes(sidecar_bytes)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _read_json(path: Path, data: bytes) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{path}: expected JSON, found unreadable content ({err})") from err
    if not isinstance(value, dict):
        raise ModelFileError(f"{path}: expected a JSON object, found {type(value).__name__}")
    return value


def _checked_linear(linear: Any, spec: list[dict], where: Path) -> dict | None:
    """The sidecar's linear component, checked against the feature spec (None: trees only)."""
    if linear is None:
        return None
    columns = linear.get("columns") if isinstance(linear, dict) else None
    ok = isinstance(columns, list) and len(columns) == len(spec) and isinstance(linear.get("intercept"), (int, float))
    for c, s in zip(columns or [], spec):
        if not ok:
            break
        indicator = isinstance(c, dict) and c.get("indicator")
        width = (2 if indicator else 1) if s["kind"] == "numeric" else len(s.get("categories", []))
        ok = (isinstance(c, dict) and c.get("kind") == s["kind"] and isinstance(c.get("coef"), list)
              and len(c["coef"]) == width
              and all(isinstance(v, (int, float)) for v in c["coef"])
              and (s["kind"] != "numeric" or all(isinstance(c.get(k), (int, float)) for k in ("fill", "centre", "scale")))
              and (s["kind"] != "categorical" or c.get("levels") == width))
    if not ok:
        raise ModelFileError(f"{where}: linear_: expected an intercept and one entry per feature matching "
                             f"feature_spec_ ({len(spec)} features), found a different structure")
    return linear


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by :func:`save_model`, verifying every checksum first.

    Parameters
    ----------
    path : str or path-like
        The model directory.

    Returns
    -------
    ResponseClassifier, AdverseReactionClassifier or DoseRegressor
        Fitted, predicting exactly as the saved model. The sidecar is available as
        ``model.pgx_sidecar_`` (versions, metrics).

    Raises
    ------
    ModelFileError
        If a file is missing, a checksum differs, the format is unknown, or the LightGBM
        model does not match its sidecar.

    Examples
    --------
    >>> import tempfile
    >>> try:
    ...     load_model(tempfile.mkdtemp())
    ... except ModelFileError as err:
    ...     print("refused")
    refused
    """
    import lightgbm as lgb

    root = Path(path)
    manifest_path = root / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ModelFileError(f"{root}: not a pgx model directory (expected {MANIFEST_FILE})")
    manifest = _read_json(manifest_path, manifest_path.read_bytes())
    files = manifest.get("files")
    if manifest.get("format") != FORMAT or not isinstance(files, dict) or set(files) != {MODEL_FILE, SIDECAR_FILE}:
        listed = sorted(files) if isinstance(files, dict) else files
        raise ModelFileError(f"{manifest_path}: expected format {FORMAT!r} listing {[MODEL_FILE, SIDECAR_FILE]}, "
                             f"found {manifest.get('format')!r} listing {listed!r}")
    contents = {}
    for name, expected in files.items():
        file = root / name
        if not file.is_file():
            raise ModelFileError(f"{file}: missing")
        data = file.read_bytes()
        found = _sha256(data)
        if found != expected:
            raise ModelFileError(f"{file}: sha256 mismatch (the file was changed after saving): "
                                 f"expected {expected}, found {found}")
        contents[name] = data
    sidecar = _read_json(root / SIDECAR_FILE, contents[SIDECAR_FILE])
    if sidecar.get("format") != FORMAT or sidecar.get("format_version") not in _READABLE_VERSIONS:
        raise ModelFileError(f"{root / SIDECAR_FILE}: expected format {FORMAT!r} version "
                             f"{' or '.join(map(str, _READABLE_VERSIONS))}, "
                             f"found {sidecar.get('format')!r} version {sidecar.get('format_version')!r}")
    if sidecar.get("model_sha256") != files[MODEL_FILE]:
        raise ModelFileError(f"{root / SIDECAR_FILE}: describes a different model.txt "
                             f"(sha256 {sidecar.get('model_sha256')}, found {files[MODEL_FILE]})")
    classes = _classes()
    name = sidecar.get("estimator")
    if name not in classes:
        raise ModelFileError(f"{root / SIDECAR_FILE}: estimator: expected one of {sorted(classes)}, found {name!r}")
    cls = classes[name]
    fitted = sidecar["fitted"]
    params = {k: _unjson(v) for k, v in sidecar["params"].items() if k not in sidecar.get("unsaved_params", [])}
    for version, added in _ADDED_PARAMS.items():
        if sidecar["format_version"] < version:
            params = {**added.get(name, {}), **params}
    try:
        model = cls(**params)
    except TypeError as err:
        raise ModelFileError(f"{root / SIDECAR_FILE}: parameters do not fit {name}: {err}") from err
    try:
        booster = lgb.Booster(model_str=_with_neutral_covers(contents[MODEL_FILE].decode("utf-8")))
    except ModelFileError as err:
        raise ModelFileError(f"{root / MODEL_FILE}: {err}") from err
    except Exception as err:  # lightgbm raises its own LightGBMError
        raise ModelFileError(f"{root / MODEL_FILE}: LightGBM cannot read the model: {err}") from err
    spec = fitted["feature_spec_"]
    if booster.num_feature() != len(spec) or fitted["n_features_in_"] != len(spec):
        raise ModelFileError(f"{root}: the LightGBM model has {booster.num_feature()} features, "
                             f"the sidecar describes {len(spec)}")
    if booster.current_iteration() < fitted["n_estimators_"]:
        raise ModelFileError(f"{root}: the LightGBM model has {booster.current_iteration()} rounds, "
                             f"the sidecar expects {fitted['n_estimators_']}")
    model.booster_ = booster
    model.n_estimators_ = int(fitted["n_estimators_"])
    model.n_features_in_ = int(fitted["n_features_in_"])
    model.feature_spec_ = spec
    model.linear_ = _checked_linear(fitted.get("linear_"), spec, root / SIDECAR_FILE)
    model.linear_weight_ = fitted.get("linear_weight_", 0.0)
    if not isinstance(model.linear_weight_, (int, float)) or not 0 <= model.linear_weight_ <= 1:
        raise ModelFileError(f"{root / SIDECAR_FILE}: linear_weight_: expected a number in [0, 1], "
                             f"found {model.linear_weight_!r}")
    if "target_transform_" in fitted or name == "DoseRegressor":
        transform = fitted.get("target_transform_", "none")
        if transform not in ("sqrt", "log", "none"):
            raise ModelFileError(f"{root / SIDECAR_FILE}: target_transform_: expected 'sqrt', 'log' or 'none', "
                                 f"found {transform!r}")
        model.target_transform_ = transform
    if fitted.get("has_feature_names"):
        model.feature_names_in_ = np.asarray([c["name"] for c in spec], dtype=object)
    if "classes_" in fitted:
        info = fitted["classes_"]
        if info["dtype"] in ("U", "S", "O"):
            values = np.asarray(info["values"], dtype=object if info["dtype"] == "O" else str)
        else:
            values = np.asarray(info["values"], dtype=np.dtype(info["dtype"]))
        model.classes_ = values
        model.calibrator_ = fitted["calibrator_"]
    model.pgx_sidecar_ = sidecar
    return model
