"""Fig. 10: the mean model (black dashed) over GD of net (2): b and A = d(a⁻ + a⁺) against time η·t.

The runs of Fig. 2 (η = 2.5e-5, 2.5e-4, 2.5e-3), and for each the core's :func:`eos.mean_model` started from
the network's A0 = d(a⁻ + a⁺) and b0 = 0, step for step (mean-model step t is network step t, time η·t).
The mean model describes the initial phase only: it ignores the signal λ y e_j and the finite sample, which
keep moving the network's bias afterwards. The initial phase ends when the mean model's b has come within 1%
of its limit; over it, the checks bound the network's deviation from the mean model, relative to the size
of the quantity (max |b| resp. max |A| of the mean model over the phase, b floored at 0.01 so that the small-η
runs, whose bias moves by only O(1/d²), are judged in absolute terms).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import FIG2_ETAS, KNOWN_BASIS, fig2_runs, require_torch, settings_json
from ._style import PALETTE, THEORY, new_figure, save

#: the initial phase ends when the mean model's b is within this fraction of its limit
PHASE_END = 0.01
#: floor of the scale of b in the relative error (see the module docstring)
B_SCALE_FLOOR = 0.01
TOLERANCE = 0.2


def compute(preset: str) -> dict:
    import eos

    require_torch()
    start = time.perf_counter()
    data = dict(fig2_runs())
    d = KNOWN_BASIS["d"]
    for i, eta in enumerate(FIG2_ETAS):
        step = data[f"step_{i}"]
        mm = eos.mean_model(data["A0"], eta, d, max_steps=int(step[-1]), record_every=1)
        traj = np.asarray(mm.trajectory, dtype=np.float64)
        # a converged run stops early and pads with NaN; it stays where it stopped
        last = np.flatnonzero(np.isfinite(traj[:, 0]))[-1]
        traj = traj[np.minimum(step, last)]
        data[f"A_mm_{i}"], data[f"b_mm_{i}"] = traj[:, 0], traj[:, 1]
    data.update(eta=np.array(FIG2_ETAS), seconds=time.perf_counter() - start,
                settings=settings_json(**KNOWN_BASIS, etas=list(FIG2_ETAS)))
    return data


def tracking(data, i: int) -> dict[str, float]:
    """End time of the initial phase and the relative deviations of b and A there, for run i."""
    b_mm = data[f"b_mm_{i}"]
    end = int(np.flatnonzero(np.abs(b_mm - b_mm[-1]) <= PHASE_END * abs(b_mm[-1]))[0])
    phase = slice(0, end + 1)
    scale_b = max(np.max(np.abs(b_mm[phase])), B_SCALE_FLOOR)
    scale_A = np.max(np.abs(data[f"A_mm_{i}"][phase]))
    return {
        "t_end": float(data[f"t_{i}"][end]),
        "b": float(np.max(np.abs(data[f"b_{i}"][phase] - b_mm[phase])) / scale_b),
        "A": float(np.max(np.abs(data[f"A_{i}"][phase] - data[f"A_mm_{i}"][phase])) / scale_A),
    }


def plot(data, stem: Path) -> list[Path]:
    n = len(data["eta"])
    fig, axes = new_figure(2, n, width="full", height=3.6)
    for i, eta in enumerate(data["eta"]):
        t, t_end = data[f"t_{i}"], tracking(data, i)["t_end"]
        for row, (key, label) in enumerate([("b", "bias $b$"), ("A", r"$A = d\,(a^- + a^+)$")]):
            ax = axes[row, i]
            ax.plot(t[1:], data[f"{key}_{i}"][1:], color=PALETTE[i], linewidth=0.7, label="GD on net (2)")
            ax.plot(t[1:], data[f"{key}_mm_{i}"][1:], **THEORY, label="mean model")
            ax.axvline(t_end, color="0.6", linewidth=0.6, linestyle=":", label="end of initial phase")
            ax.set(xscale="log", xlabel=r"time $\eta\,t$", ylabel=label)
        axes[0, i].set_title(rf"$\eta$ = {eta:.1e}")
    axes[0, 0].legend(frameon=False)
    return save(fig, stem)


def check(data) -> list[Check]:
    checks = []
    for i, eta in enumerate(data["eta"]):
        tr = tracking(data, i)
        for key, name in (("b", "b"), ("A", "d(a⁻ + a⁺)")):
            checks.append(Check(f"η = {eta:.1e}: mean model tracks the net's {name} up to time {tr['t_end']:.3g} "
                                "(max deviation / scale)", tr[key], 0.0, TOLERANCE, tr[key] <= TOLERANCE))
    return checks


FIGURE = Figure("10", "Mean model (dashed) over GD of net (2): b and d(a⁻+a⁺) vs time", compute, plot, check,
                shares="fig2_runs")
