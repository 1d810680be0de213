"""Outcome models: scikit-learn estimators on LightGBM, baselines, evaluation, explanations.

This package is the only part of pgx that uses scikit-learn and lightgbm. Its names are
loaded on first use, so ``import pgx`` and ``import pgx.models`` stay light.

Estimators: :class:`ResponseClassifier`, :class:`AdverseReactionClassifier` (binary),
:class:`DoseRegressor` (continuous); baselines :class:`LogisticBaseline`,
:class:`LinearBaseline`, :class:`GuidelineRuleBaseline`, :class:`IWPCWarfarinDose`.
Evaluation: :func:`binary_metrics`, :func:`regression_metrics`, :func:`calibration_curve`,
:func:`bootstrap_ci`, :func:`grouped_cross_validate`, :func:`evaluate`. Model cards:
:func:`model_card`, :func:`write_model_card`. Explanations: :func:`explain`,
:func:`feature_importance`. Persistence without pickle, training statistics stripped:
:func:`save_model`, :func:`load_model`. Privacy: :func:`membership_inference_audit`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ResponseClassifier",
    "AdverseReactionClassifier",
    "DoseRegressor",
    "LogisticBaseline",
    "LinearBaseline",
    "GuidelineRuleBaseline",
    "IWPCWarfarinDose",
    "iwpc_weekly_dose",
    "binary_metrics",
    "regression_metrics",
    "calibration_curve",
    "calibration_slope_intercept",
    "pw20",
    "bootstrap_ci",
    "grouped_cross_validate",
    "evaluate",
    "model_card",
    "write_model_card",
    "explain",
    "feature_importance",
    "save_model",
    "load_model",
    "membership_inference_audit",
    "ModelFileError",
    "UnseenCategoryWarning",
    "CalibrationWarning",
]

_WHERE = {
    "ResponseClassifier": "_lgbm",
    "AdverseReactionClassifier": "_lgbm",
    "DoseRegressor": "_lgbm",
    "LogisticBaseline": "baselines",
    "LinearBaseline": "baselines",
    "GuidelineRuleBaseline": "baselines",
    "IWPCWarfarinDose": "baselines",
    "iwpc_weekly_dose": "baselines",
    "binary_metrics": "evaluation",
    "regression_metrics": "evaluation",
    "calibration_curve": "evaluation",
    "calibration_slope_intercept": "evaluation",
    "pw20": "evaluation",
    "bootstrap_ci": "evaluation",
    "grouped_cross_validate": "evaluation",
    "evaluate": "evaluation",
    "model_card": "card",
    "write_model_card": "card",
    "explain": "_explain",
    "feature_importance": "_explain",
    "save_model": "persist",
    "load_model": "persist",
    "membership_inference_audit": "privacy_audit",
    "ModelFileError": "_errors",
    "UnseenCategoryWarning": "_errors",
    "CalibrationWarning": "_errors",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pgx.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pgx.models.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
