"""Fig. 11: sharpness (top Hessian eigenvalue), bias b and d(a⁻ + a⁺) of net (2) against the step, for
η = 2/2000, 2/1500, 2/1000 (dashed: 2/η).

Same setting as Fig. 1, 500 steps. The sharpness is the exact top eigenvalue of the 3×3 Hessian at every
step. It starts near d²/(4π) ≈ 3180, above 2/η for all three rates, so GD is at the edge of stability while
the bias drops; it ends at or just below 2/η, which the check measures as λ_final · η/2 ∈ [0.9, 1].
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import KNOWN_BASIS, known_basis_problem, settings_json
from ._style import PALETTE, new_figure, save

ETAS = (2 / 2000, 2 / 1500, 2 / 1000)
STEPS = 500
#: "just below 2/η": the final sharpness in [LOWER, 1] · 2/η
LOWER = 0.9


def compute(preset: str) -> dict:
    from ..nn import gd_known_basis

    obj, _, theta0 = known_basis_problem()
    start = time.perf_counter()
    run = gd_known_basis(obj, theta0, ETAS, STEPS, record_every=1, sharpness=True)
    return {
        "eta": np.array(ETAS),
        "step": run.record_step,
        "sharpness": run.record_sharpness,
        "b": run.record_theta[:, :, 2],
        "A": KNOWN_BASIS["d"] * run.record_theta[:, :, :2].sum(-1),
        "seconds": time.perf_counter() - start,
        "settings": settings_json(**KNOWN_BASIS, etas=list(ETAS), steps=STEPS),
    }


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(1, 3, width="full", height=2.2)
    for i, eta in enumerate(data["eta"]):
        label = f"$\\eta$ = 2/{2 / eta:.0f}"
        for ax, key in zip(axes[0], ("sharpness", "b", "A")):
            # the larger η oscillate more: draw them underneath
            ax.plot(data["step"], data[key][:, i], color=PALETTE[i], linewidth=0.8, label=label, zorder=3 - i)
        axes[0, 0].axhline(2 / eta, color=PALETTE[i], linestyle="--", linewidth=0.8)
    for ax, label in zip(axes[0], ("sharpness", "bias $b$", r"$d\,(a^- + a^+)$")):
        ax.set(xlabel="iteration", ylabel=label)
    axes[0, 0].legend(frameon=False, title=r"dashed: $2/\eta$")
    return save(fig, stem)


def check(data) -> list[Check]:
    checks = []
    for i, eta in enumerate(data["eta"]):
        s = data["sharpness"][:, i]
        ratio = float(s[-1] * eta / 2)
        checks.append(Check(f"η = 2/{2 / eta:.0f}: final sharpness in units of 2/η (at or just below 1)",
                            ratio, f"[{LOWER}, 1]", f"[{LOWER}, 1]", LOWER <= ratio <= 1.0))
        start = float(s[0] * eta / 2)
        checks.append(Check(f"η = 2/{2 / eta:.0f}: initial sharpness above 2/η (GD starts beyond the edge)",
                            start, "> 1", "> 1", start > 1.0))
    return checks


FIGURE = Figure("11", "Net (2): sharpness, bias and d(a⁻+a⁺) vs step; sharpness settles at 2/η", compute, plot, check)
