"""Fig. 2: training loss, bias b and d(a⁻ + a⁺) of net (2) against time η·t, for η = 2.5e-5, 2.5e-4, 2.5e-3.

Same setting as Fig. 1. The two small rates lie below η* = 8π/d² (6.28e-4): the loss decreases monotonically
and the bias barely moves beyond its slow drift. At η = 2.5e-3 GD is at the edge of stability: the loss is
not monotone, d(a⁻ + a⁺) oscillates wildly (its increments keep changing sign) and the bias drops.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._nn_runs import FIG2_ETAS, KNOWN_BASIS, fig2_runs, require_torch, settings_json, sign_changes
from ._style import PALETTE, new_figure, save

#: a relative one-step loss rise above this counts as non-monotone (float64 rounding is 1e-16)
LOSS_RISE = 1e-9


def compute(preset: str) -> dict:
    require_torch()
    start = time.perf_counter()
    data = dict(fig2_runs())
    data.update(eta=np.array(FIG2_ETAS), seconds=time.perf_counter() - start,
                settings=settings_json(**KNOWN_BASIS, etas=list(FIG2_ETAS)))
    return data


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(1, 3, width="full", height=2.2)
    for i, eta in enumerate(data["eta"]):
        for ax, key in zip(axes[0], ("loss", "b", "A")):
            ax.plot(data[f"t_{i}"], data[f"{key}_{i}"], color=PALETTE[i], linewidth=0.7, label=rf"$\eta$ = {eta:.1e}")
    for ax, label in zip(axes[0], ("training loss", "bias $b$", r"$d\,(a^- + a^+)$")):
        ax.set(xlabel=r"time $\eta\,t$", ylabel=label)
    axes[0, 0].set_yscale("log")
    axes[0, 0].legend(frameon=False)
    return save(fig, stem)


def check(data) -> list[Check]:
    small, large = [0, 1], len(data["eta"]) - 1
    rise_small = max(float(data[f"max_loss_rise_{i}"]) for i in small)
    rise_large = float(data[f"max_loss_rise_{large}"])
    drop = float(data[f"b_{large}"][-1] - data["b_0"][-1])
    flips = sign_changes(data[f"A_{large}"])
    flips_small = max(sign_changes(data[f"A_{i}"]) for i in small)
    return [
        Check("η = 2.5e-5, 2.5e-4: training loss monotone (largest relative one-step rise)", rise_small,
              f"<= {LOSS_RISE}", f"<= {LOSS_RISE}", rise_small <= LOSS_RISE),
        Check("η = 2.5e-3: training loss not monotone (largest relative one-step rise)", rise_large,
              f"> {LOSS_RISE}", f"> {LOSS_RISE}", rise_large > LOSS_RISE),
        Check("η = 2.5e-3 learns a threshold: its final b minus the final b at η = 2.5e-5", drop, "< -0.1",
              "< -0.1", drop < -0.1),
        Check("η = 2.5e-3: d(a⁻ + a⁺) oscillates (sign changes of its increments)", flips, "> 100", "> 100",
              flips > 100),
        Check("η = 2.5e-5, 2.5e-4: d(a⁻ + a⁺) does not oscillate (sign changes of its increments)", flips_small,
              "<= 5", "<= 5", flips_small <= 5),
    ]


FIGURE = Figure("2", "Net (2): loss, bias and d(a⁻+a⁺) vs time for three learning rates", compute, plot, check,
                shares="fig2_runs")
