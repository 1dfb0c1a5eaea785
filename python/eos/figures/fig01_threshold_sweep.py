"""Fig. 1: final bias b and test accuracy of net (2) against the learning rate η, at fixed time η·steps = 10.

One batched GD run over all η (d = 200, n = 300, λ = 3; §1). The phase transition of the mean model sits at
η* = 8π/d² (6.28e-4 for d = 200); the network shows it two ways, both checked to lie within 10% of η*:
the first η whose final bias lies clearly below the small-η bias (Δb = b(η) − b(η_min) < −0.01: at time 10
the bias has already drifted somewhat negative at small η, so b alone is the wrong test), and the first η
whose training loss is not monotone. The test accuracy rises above the transition.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from matplotlib.ticker import NullFormatter

from ._base import Check, Figure
from ._nn_runs import KNOWN_BASIS, known_basis_problem, settings_json
from ._style import EOS_COLOR, GD_COLOR, THEORY, new_figure, save, save_csv

#: Δb below which a final bias counts as "clearly below" the small-η one
BIAS_DROP = 0.01
#: a relative one-step rise of the training loss above this counts as non-monotone (float64 rounding: 1e-16)
LOSS_RISE = 1e-9
#: log-spaced sweep (in η) plus a linear zoom around η* (in units of η*)
_SETTINGS = {
    "quick": {"log_range": [2e-4, 4e-3], "log_points": 9, "zoom_range": [0.8, 1.3], "zoom_points": 11},
    "full": {"log_range": [1e-5, 1e-2], "log_points": 31, "zoom_range": [0.7, 1.4], "zoom_points": 36},
}


def _etas(preset: str, eta_star: float) -> np.ndarray:
    s = _SETTINGS[preset]
    log = np.geomspace(*s["log_range"], s["log_points"])
    zoom = eta_star * np.linspace(*s["zoom_range"], s["zoom_points"])
    return np.unique(np.concatenate([log, zoom]))


def compute(preset: str) -> dict:
    from ..nn import gd_known_basis, steps_for_time
    from ..theory import eta_star

    obj, test, theta0 = known_basis_problem()
    d = KNOWN_BASIS["d"]
    star = float(eta_star(d))
    eta = _etas(preset, star)
    start = time.perf_counter()
    run = gd_known_basis(obj, theta0, eta, steps_for_time(eta, KNOWN_BASIS["time"]), test=test)
    return {
        "eta": eta,
        "b": run.theta[:, 2],
        "A": d * run.theta[:, :2].sum(-1),
        "test_accuracy": run.test_accuracy,
        "train_loss": run.train_loss,
        "max_loss_rise": run.max_loss_rise,
        "eta_star": star,
        "A0": d * (theta0[0] + theta0[1]),
        "seconds": time.perf_counter() - start,
        "settings": settings_json(**KNOWN_BASIS, **_SETTINGS[preset]),
    }


def transitions(data) -> dict[str, float]:
    """The two measured transition learning rates (NaN when the sweep never crosses)."""
    eta, b = data["eta"], data["b"]
    drop = np.flatnonzero(b - b[0] < -BIAS_DROP)
    rise = np.flatnonzero(data["max_loss_rise"] > LOSS_RISE)
    return {"bias": float(eta[drop[0]]) if drop.size else np.nan,
            "loss": float(eta[rise[0]]) if rise.size else np.nan}


def plot(data, stem: Path) -> list[Path]:
    eta, star = data["eta"], float(data["eta_star"])
    tr = transitions(data)
    fig, axes = new_figure(2, 2, width="full", height=4.2)
    zoom = (eta > 0.6 * star) & (eta < 1.5 * star)
    for col, (key, label) in enumerate([("b", "final bias $b$"), ("test_accuracy", "test accuracy")]):
        for row, sel in enumerate([slice(None), zoom]):
            ax = axes[row, col]
            ax.plot(eta[sel], data[key][sel], "o-", color=GD_COLOR, markersize=2.5)
            ax.axvline(star, **THEORY, label=r"$\eta^*=8\pi/d^2$")
            ax.set(xlabel=r"learning rate $\eta$", ylabel=label)
            if row == 0:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())  # the minor labels of a 2.5-decade axis overlap
            else:
                ax.set_title("zoom near the transition")
    axes[1, 0].axvline(tr["bias"], color=EOS_COLOR, linewidth=0.8, label=r"first $\Delta b<-0.01$")
    axes[1, 0].axvline(tr["loss"], color=EOS_COLOR, linewidth=0.8, linestyle=":", label="first non-monotone loss")
    axes[1, 0].legend(frameon=False)
    axes[0, 0].legend(frameon=False)
    columns = {k: data[k] for k in ("eta", "b", "A", "test_accuracy", "train_loss", "max_loss_rise")}
    return save(fig, stem) + [save_csv(stem, columns, "net (2), d=200, n=300, lambda=3, time eta*steps=10")]


def check(data) -> list[Check]:
    star = float(data["eta_star"])
    tr = transitions(data)
    above = data["eta"] >= np.nanmax([tr["bias"], tr["loss"]])
    gain = float(np.mean(data["test_accuracy"][above]) - data["test_accuracy"][0])
    checks = [
        Check(f"transition η (first Δb = b(η) − b(η_min) < −{BIAS_DROP}) near 8π/d² (relative error)",
              abs(tr["bias"] / star - 1), 0.0, 0.1, abs(tr["bias"] / star - 1) <= 0.1),
        Check("transition η (first non-monotone training loss) near 8π/d² (relative error)",
              abs(tr["loss"] / star - 1), 0.0, 0.1, abs(tr["loss"] / star - 1) <= 0.1),
        Check("test accuracy gain: mean above the transition minus the smallest η's", gain, "> 0", "> 0", gain > 0),
    ]
    return checks


FIGURE = Figure("1", "Net (2): final bias and test accuracy vs learning rate; transition at 8π/d²",
                compute, plot, check)
