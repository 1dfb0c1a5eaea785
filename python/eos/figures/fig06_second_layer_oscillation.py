"""Fig. 6: the average second-layer weight ā = (1/m) Σᵢ aᵢ of the two-layer net (7) oscillates, as A does
in the mean model.

The runs of Fig. 3a. The sharpness at initialisation is about m E[ReLU(z)]²/4 ≈ 80, so rates above
2/80 = 0.025 start beyond the edge of stability: there ā flips direction at (nearly) every step. The check
counts the sign changes of its increments over the 30 steps (at most 29) for those rates, and for the
stable reference rate 0.01.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import sign_changes
from ._style import PALETTE, new_figure, save
from .fig03_bias_decrease import compute_a

#: learning rates at or above this start beyond the edge of stability (2/80, see the module docstring)
EDGE_LR = 0.025


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i, lr in enumerate(data["lrs"]):
        a = data[f"a_mean_{i}"]
        ax.plot(np.arange(len(a)), a * 1e3, color=PALETTE[i], linewidth=0.9, label=f"lr = {lr:g}")
    ax.set(xlabel="step", ylabel=r"average second-layer weight $\bar a$ ($\times 10^{-3}$)")
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))  # above: the curves fill the axes
    return save(fig, stem)


def check(data) -> list[Check]:
    checks = []
    for i, lr in enumerate(data["lrs"]):
        flips = sign_changes(data[f"a_mean_{i}"])
        if lr >= EDGE_LR:
            checks.append(Check(f"lr = {lr:g}: ā oscillates (sign changes of its 30 increments)", flips,
                                ">= 20", ">= 20", flips >= 20))
        else:
            checks.append(Check(f"lr = {lr:g} (stable): ā does not oscillate (sign changes of its increments)",
                                flips, "<= 5", "<= 5", flips <= 5))
    return checks


FIGURE = Figure("6", "Two-layer net (7): average second-layer weight vs step (oscillation)", compute_a, plot, check,
                shares="two_layer_runs")
