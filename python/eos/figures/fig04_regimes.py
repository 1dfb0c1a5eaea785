"""Fig. 4: the gradient-flow regime and the EoS regime of GD on f(x, y) = l(xy), logistic loss l = log(2 cosh s).

Two initialisations (x0, y0) = √(γ/η) (x̃, ỹ), ỹ² − x̃² = 1 (SPEC §1), at one step size: γ = 2 − δ lands on the
y-axis near the gradient-flow limit √(y0² − x0²) below the edge y² = 2/η; γ = 2 + δ reaches the axis above the
edge, then x bounces across it while y decreases to just below √(2/η).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._style import EOS_COLOR, FLOW_COLOR, GD_COLOR, THEORY, new_figure, save

ETA = 0.1
X_TILDE = 1.0
GAMMAS = {"gf": 1.5, "eos": 2.5}
COLORS = {"gf": GD_COLOR, "eos": EOS_COLOR}


def compute(preset: str) -> dict:
    import eos

    from ..theory import eos_init, get_loss, gradient_flow

    eta = np.longdouble(ETA)
    data: dict = {"eta": ETA, "x_tilde": X_TILDE}
    for name, gamma in GAMMAS.items():
        x0, y0 = eos_init(eta, np.longdouble(gamma), np.longdouble(X_TILDE))
        r = eos.single_neuron(x0, y0, eta, "logistic", max_steps=100_000, record_every=1)
        xy = r.trajectory[: int(r.steps) + 1].astype(np.float64)
        flow = gradient_flow(float(x0), float(y0), np.linspace(0, 5, 500), get_loss("logistic"))
        data |= {
            f"{name}_gamma": gamma, f"{name}_x0": float(x0), f"{name}_y0": float(y0), f"{name}_x": xy[:, 0],
            f"{name}_y": xy[:, 1], f"{name}_sharpness": float(r.sharpness), f"{name}_gap": float(r.gap),
            f"{name}_converged": bool(r.converged), f"{name}_flips": int(r.flips),
            f"{name}_flow_x": flow.x, f"{name}_flow_y": flow.y,
        }
    return data


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(height=3.0)
    ax = axes[0, 0]
    eta = data["eta"]
    for name, label in (("gf", "GF regime"), ("eos", "EoS regime")):
        d0 = data[f"{name}_y0"] ** 2 - data[f"{name}_x0"] ** 2
        ax.plot(data[f"{name}_flow_x"], data[f"{name}_flow_y"], color=FLOW_COLOR, linewidth=2.0, alpha=0.6,
                label="gradient flow" if name == "gf" else None, zorder=1)
        ax.plot(data[f"{name}_x"], data[f"{name}_y"], "o-", color=COLORS[name], markersize=1.5, linewidth=0.4,
                label=f"GD, {label}: $\\eta(y_0^2-x_0^2) = {eta * d0:.1f}$", zorder=2)
    ax.axhline(np.sqrt(2 / eta), **THEORY, label=r"edge $y^2 = 2/\eta$")
    ax.set(xlabel="$x$", ylabel="$y$", title=f"logistic loss, $\\eta = {eta:g}$")
    ax.set_ylim(bottom=0.8 * np.sqrt(2 / eta) * np.sqrt(data["gf_gamma"] / 2))
    ax.legend(frameon=False, loc="upper left", fontsize=6)
    return save(fig, stem)


def check(data) -> list[Check]:
    eta = float(data["eta"])
    d0 = data["gf_y0"] ** 2 - data["gf_x0"] ** 2
    gf_err = abs(float(data["gf_sharpness"]) - d0)
    gap = float(data["eos_gap"])
    return [
        Check(f"GF regime: λ∞ = y0² − x0² − O(1) (|λ∞ − {d0:.4g}|; O(1) taken as 2)", gf_err, 0.0, 2.0,
              gf_err <= 2.0 and bool(data["gf_converged"])),
        Check("EoS regime: x bounces across the y-axis (flips of x)", data["eos_flips"], "> 10", 0.0,
              data["eos_flips"] > 10),
        Check("EoS regime: λ∞ in [2/η − 5η, 2/η] (gap 2/η − λ∞)", gap, "[0, 5η]", 5 * eta,
              0 <= gap <= 5 * eta and bool(data["eos_converged"])),
    ]


FIGURE = Figure(id="4", title="Gradient-flow regime vs EoS regime of the single neuron (logistic loss)",
                compute=compute, plot=plot, check=check)
