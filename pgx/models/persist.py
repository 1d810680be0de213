"""Save and load pgx LightGBM models without pickle.

A saved model is a directory of three text files:

``model.txt``
    LightGBM's own text model (``Booster.model_to_string``), truncated to the boosting
    rounds the model uses.
``model.json``
    The sidecar: estimator class and parameters, feature spec (names, kinds, categories),
    classes, calibration as numbers, software versions, optional metrics, and the sha256
    of ``model.txt``.
``MANIFEST.json``
    sha256 of both files, verified on load.

Loading never executes code from the files: the class comes from a fixed list of pgx
estimators. A file whose checksum, format or content does not match is refused with
:class:`~pgx.models.ModelFileError`. The checksums detect corruption and careless edits;
they are not a signature, so keep model directories where only trusted people can write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from pgx._version import __version__
from pgx.models._errors import ModelFileError

__all__ = ["save_model", "load_model"]

FORMAT = "pgx-model"
FORMAT_VERSION = 1
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
    model_text = model.booster_.model_to_string(num_iteration=model.n_estimators_).encode("utf-8")
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
    }
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
    if sidecar.get("format") != FORMAT or sidecar.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{root / SIDECAR_FILE}: expected format {FORMAT!r} version {FORMAT_VERSION}, "
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
    try:
        model = cls(**params)
    except TypeError as err:
        raise ModelFileError(f"{root / SIDECAR_FILE}: parameters do not fit {name}: {err}") from err
    try:
        booster = lgb.Booster(model_str=contents[MODEL_FILE].decode("utf-8"))
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
