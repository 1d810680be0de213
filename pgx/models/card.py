"""Model cards: what a model is for, how it was evaluated, how well it did, for whom.

:func:`model_card` gathers a JSON-ready dict; :func:`write_model_card` writes it as JSON and
as one self-contained HTML page whose plots (calibration, ROC or predicted-against-observed,
feature importance) are inline SVG: no plotting library, no network.
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pgx._version import __version__

__all__ = ["model_card", "write_model_card"]


def model_card(
    model: Any,
    report: dict,
    *,
    name: str,
    intended_use: str = "",
    training_data: str = "",
    limitations: str = "",
    feature_importance: Any = None,
    privacy: dict | None = None,
    cross_validation: list[dict] | None = None,
) -> dict:
    """Gather a model card.

    Parameters
    ----------
    model : estimator
        The fitted model (its class, parameters and features are recorded).
    report : dict
        Output of :func:`~pgx.models.evaluate` (ideally on out-of-fold or held-out data).
    name : str
        Model name shown as the title.
    intended_use, training_data, limitations : str, optional
        Free text.
    feature_importance : polars.DataFrame, optional
        Output of :func:`~pgx.models.feature_importance`.
    privacy : dict, optional
        Output of :func:`~pgx.models.membership_inference_audit`, kept as
        ``card["privacy"]["membership_inference"]`` and shown in the HTML.
    cross_validation : list of dict, optional
        Outputs of :func:`~pgx.models.grouped_cross_validate`, shown side by side at the
        head of the performance section, site-held-out schemes first: pass one run with
        ``sites=`` and one without, so readers see how much of the random-split figure
        survives at a site the model has not seen. Kept as ``card["cross_validation"]``
        (scheme, folds and metrics of each; not the predictions).

    Returns
    -------
    dict

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import LogisticBaseline, evaluate
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 10); y = [0, 1, 0, 1] * 10
    >>> model = LogisticBaseline().fit(X, y)
    >>> card = model_card(model, evaluate(y, model.predict_proba(X)[:, 1], n_boot=5,
    ...                   random_state=0), name="demo")
    >>> card["model"]["estimator"]
    'LogisticBaseline'
    """
    params = {}
    for key, value in model.get_params(deep=False).items():
        params[key] = value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)
    features = [{k: v for k, v in spec.items() if k != "categories"} | (
        {"n_categories": len(spec["categories"])} if "categories" in spec else {})
        for spec in getattr(model, "feature_spec_", [])]
    versions = {"pgx": __version__}
    try:
        import lightgbm
        import sklearn

        versions.update({"lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__})
    except ImportError:  # pragma: no cover - both are dependencies
        pass
    card = {
        "name": name,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions,
        "model": {"estimator": type(model).__name__, "params": params, "features": features},
        "intended_use": intended_use,
        "training_data": training_data,
        "limitations": limitations,
        "evaluation": report,
    }
    if feature_importance is not None:
        card["feature_importance"] = feature_importance.head(20).to_dicts()
    if privacy is not None:
        card["privacy"] = {"membership_inference": privacy}
    if cross_validation:
        runs = [{"scheme": r["scheme"], "n_folds": len(r["folds"]), "metrics": r["metrics"]}
                for r in cross_validation]
        card["cross_validation"] = sorted(runs, key=lambda r: "site" not in r["scheme"])
    return card


# -- SVG ---------------------------------------------------------------------------------------

def _svg_xy(series: list[dict], *, title: str, xlabel: str, ylabel: str, diagonal: bool = True,
            limits: tuple[float, float] | None = None) -> str:
    W, H, M = 360, 300, 45
    xs = [x for s in series for x in s["x"]]
    ys = [y for s in series for y in s["y"]]
    lo, hi = limits or (min(xs + ys + [0.0]), max(xs + ys + [1.0]))
    if hi <= lo:
        hi = lo + 1

    def px(v: float) -> float:
        return M + (v - lo) / (hi - lo) * (W - 2 * M)

    def py(v: float) -> float:
        return H - M - (v - lo) / (hi - lo) * (H - 2 * M)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
             f'aria-label="{html.escape(title)}">',
             f'<rect x="{M}" y="{M}" width="{W - 2 * M}" height="{H - 2 * M}" fill="none" stroke="#999"/>',
             f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
             f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle" font-size="12">{html.escape(xlabel)}</text>',
             f'<text x="12" y="{H / 2}" text-anchor="middle" font-size="12" '
             f'transform="rotate(-90 12 {H / 2})">{html.escape(ylabel)}</text>']
    for t in range(5):
        v = lo + (hi - lo) * t / 4
        parts.append(f'<text x="{px(v):.1f}" y="{H - M + 14}" text-anchor="middle" font-size="10">{v:.3g}</text>')
        parts.append(f'<text x="{M - 4}" y="{py(v) + 3:.1f}" text-anchor="end" font-size="10">{v:.3g}</text>')
    if diagonal:
        parts.append(f'<line x1="{px(lo):.1f}" y1="{py(lo):.1f}" x2="{px(hi):.1f}" y2="{py(hi):.1f}" '
                     'stroke="#bbb" stroke-dasharray="4 3"/>')
    for s in series:
        pts = [(px(x), py(y)) for x, y in zip(s["x"], s["y"]) if math.isfinite(x) and math.isfinite(y)]
        if s.get("points"):
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s.get("r", 3)}" fill="{s["color"]}" '
                         f'fill-opacity="0.7"/>' for x, y in pts)
        else:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{s["color"]}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_bars(rows: list[dict], *, title: str) -> str:
    rows = rows[:15]
    W, bar, M = 460, 18, 160
    H = 40 + bar * len(rows) + 10
    top = max((r["mean_abs_contribution"] for r in rows), default=1.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
             f'aria-label="{html.escape(title)}">',
             f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    for i, r in enumerate(rows):
        y = 35 + i * bar
        width = (W - M - 60) * r["mean_abs_contribution"] / top
        parts.append(f'<text x="{M - 6}" y="{y + 12}" text-anchor="end" font-size="11">'
                     f'{html.escape(str(r["feature"]))}</text>')
        parts.append(f'<rect x="{M}" y="{y}" width="{width:.1f}" height="{bar - 4}" fill="#3b6ea5"/>')
        parts.append(f'<text x="{M + width + 4:.1f}" y="{y + 12}" font-size="10">'
                     f'{r["mean_abs_contribution"]:.3g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: Any) -> str:
    if isinstance(value, dict) and "estimate" in value:
        return f'{value["estimate"]:.3f} ({value["lower"]:.3f}&ndash;{value["upper"]:.3f})'
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _cross_validation_html(runs: list[dict]) -> str:
    if not runs:
        return ""
    keys = [k for k in runs[0]["metrics"] if k != "n" and all(k in r["metrics"] for r in runs)]
    head = "".join(f"<th>{html.escape(r['scheme'])} ({r['n_folds']} folds)</th>" for r in runs)
    body = "".join(f"<tr><th>{html.escape(k)}</th>" + "".join(f"<td>{_fmt(r['metrics'][k])}</td>" for r in runs)
                   + "</tr>" for k in keys)
    return ("<h2>Cross-validation</h2><p>Out-of-fold figures; the site-held-out column is the one to expect at "
            f"a new site.</p><table><tr><th></th>{head}</tr>{body}</table>")


def _html(card: dict) -> str:
    report = card["evaluation"]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in report["metrics"].items())
    plots = []
    if report.get("calibration_curve"):
        cal = report["calibration_curve"]
        xs = [r["mean_predicted"] for r in cal]
        ys = [r["observed"] for r in cal]
        plots.append(_svg_xy([{"x": xs, "y": ys, "color": "#3b6ea5"},
                              {"x": xs, "y": ys, "color": "#3b6ea5", "points": True}],
                             title="Calibration", xlabel="mean predicted risk", ylabel="observed rate",
                             limits=(0.0, 1.0)))
    if report.get("roc_curve"):
        roc = report["roc_curve"]
        plots.append(_svg_xy([{"x": roc["fpr"], "y": roc["tpr"], "color": "#a53b3b"}], title="ROC curve",
                             xlabel="false positive rate", ylabel="true positive rate", limits=(0.0, 1.0)))
    if report.get("predicted_vs_observed"):
        pvo = report["predicted_vs_observed"]
        plots.append(_svg_xy([{"x": pvo["observed"], "y": pvo["predicted"], "color": "#3b6ea5", "points": True,
                               "r": 2}], title="Predicted against observed", xlabel="observed",
                             ylabel="predicted"))
    if card.get("feature_importance"):
        plots.append(_svg_bars(card["feature_importance"], title="Mean |contribution| (TreeSHAP)"))
    strata = []
    for name, levels in report.get("strata", {}).items():
        keys = sorted({k for m in levels.values() for k in m if k != "note"})
        head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
        body = "".join(
            f"<tr><th>{html.escape(level)}</th>" + "".join(f"<td>{_fmt(m.get(k, ''))}</td>" for k in keys) + "</tr>"
            for level, m in levels.items())
        strata.append(f"<h3>By {html.escape(name)}</h3><table><tr><th></th>{head}</tr>{body}</table>")
    text = "".join(f"<h2>{html.escape(title)}</h2><p>{html.escape(card.get(key) or '-')}</p>"
                   for title, key in (("Intended use", "intended_use"), ("Training data", "training_data"),
                                      ("Limitations", "limitations")))
    versions = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in card["versions"].items())
    privacy = ""
    if (audit := card.get("privacy", {}).get("membership_inference")) is not None:
        cells = (("attack AUC", {"estimate": audit["auc"], "lower": audit["auc_lower"], "upper": audit["auc_upper"]}),
                 ("level", audit["level"]), ("membership advantage", audit["advantage"]),
                 ("training patients", audit["n_train"]), ("held-out patients", audit["n_holdout"]))
        privacy = ("<h2>Privacy: membership inference</h2>"
                   f"<p>{html.escape(audit['attack'])}; score: {html.escape(audit['score'])}. "
                   f"{html.escape(audit['interpretation'])}.</p><table>"
                   + "".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in cells) + "</table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(card["name"])} - model card</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:0.5rem 0}}td,th{{border:1px solid #ccc;padding:0.2rem 0.5rem;text-align:left}}
.plots svg{{margin:0.5rem}}</style></head><body>
<h1>{html.escape(card["name"])}</h1>
<p>{html.escape(card["model"]["estimator"])}, {len(card["model"]["features"])} features; created {html.escape(card["created"])}; {versions}</p>
{text}
{_cross_validation_html(card.get("cross_validation", []))}
<h2>Performance</h2><p>Estimates with bootstrap 95% intervals.</p><table>{rows}</table>
<div class="plots">{"".join(plots)}</div>
<h2>Subgroups</h2>{"".join(strata) or "<p>-</p>"}
{privacy}
</body></html>
"""


def write_model_card(card: dict, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``<path>.json`` and ``<path>.html`` (each atomically).

    Parameters
    ----------
    card : dict
        Output of :func:`model_card`.
    path : str or path-like
        Output path without extension.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The JSON and HTML files.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from pgx.models import LogisticBaseline, evaluate
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 10); y = [0, 1, 0, 1] * 10
    >>> model = LogisticBaseline().fit(X, y)
    >>> card = model_card(model, evaluate(y, model.predict_proba(X)[:, 1], n_boot=5,
    ...                   random_state=0), name="demo")
    >>> json_path, html_path = write_model_card(card, os.path.join(tempfile.mkdtemp(), "card"))
    >>> "<svg" in html_path.read_text()
    True
    """
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix, text in ((".json", json.dumps(card, indent=2, allow_nan=True, default=str)), (".html", _html(card))):
        target = base.with_name(base.name + suffix)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        out.append(target)
    return out[0], out[1]
