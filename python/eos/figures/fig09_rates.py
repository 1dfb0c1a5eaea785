"""Fig. 9: the EoS regime's rates for the losses l_β, in extended precision.

Left ("9a"): the sharpness gap 2/η − λ∞ against η on log-log axes for β ∈ {3/2, 2, 3, 10}; Theorem 2's bound
O(η^{1/(β−1)}) is sharp, so the fitted slope should be 1/(β − 1). Right ("9b"): the number of steps spent
bouncing, with η y² in the band [2, 2.5), for β ∈ {3/2, 5/3, 2, 4}; Remark 3 predicts Θ(η^{−(β/(β−1) ∨ 2)})
(times log(1/η) at β = 2).

Every run starts at (x0, y0) = √(γ/η) (x̃, ỹ) with γ = 3, x̃ = 1/2 (SPEC §1): the EoS regime, with δ = 1, so it
crosses the whole band from above. The gap is O(η^{β/(β−1)}) relative to 2/η and reaching it takes up to
η^{−β/(β−1)} steps (10⁸ and more for β = 3/2), hence long double throughout.

The presets: ``quick`` spans 1.4 to 2 decades of η per β (~15 s on 2 cores); ``full`` spans two to three
decades per β (~10⁹ GD steps, ~2.5 minutes, most of it for β = 5/3, whose |s|^β needs a long-double powl
where β = 3/2 takes a square root).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._style import PALETTE, THEORY, new_figure, save, save_csv

GAMMA, X_TILDE = 3, 0.5
BAND = (2.0, 2.5)
#: fit the slopes on η ≤ FIT_MAX, where the asymptotics hold; the theory line's offset on the smallest half
FIT_MAX = 0.1

#: beta -> (largest η, smallest η, points) per preset
GAP_SETTINGS = {
    "quick": {1.5: (0.1, 0.004, 8), 2.0: (0.1, 0.002, 8), 3.0: (0.1, 0.001, 9), 10.0: (0.1, 0.001, 9)},
    "full": {1.5: (0.2, 0.002, 15), 2.0: (0.1, 3e-4, 16), 3.0: (0.1, 1e-4, 19), 10.0: (0.1, 1e-4, 19)},
}
BOUNCE_SETTINGS = {
    "quick": {1.5: (0.1, 0.002, 9), 5 / 3: (0.1, 0.003, 7), 2.0: (0.1, 0.001, 9), 4.0: (0.1, 0.001, 9)},
    "full": {1.5: (0.1, 0.001, 13), 5 / 3: (0.1, 5e-4, 14), 2.0: (0.1, 3e-4, 16), 4.0: (0.1, 1e-4, 19)},
}
MAX_STEPS = {"quick": 100_000_000, "full": 4_000_000_000}


def _inits(etas: np.ndarray):
    from ..theory import eos_init

    eta = etas.astype(np.longdouble)
    x0, y0 = eos_init(eta, np.longdouble(GAMMA), np.longdouble(X_TILDE))
    return x0, y0, eta


def _beta_label(beta: float) -> str:
    f = Fraction(beta).limit_denominator(12)
    return f"{f.numerator}/{f.denominator}" if f.denominator > 1 else f"{f.numerator}"


def _fit(eta, values, exponent_sign: float):
    """Least-squares slope of log(values) on log(η) over η ≤ FIT_MAX (sign-flipped for decreasing laws);
    NaN, which fails every check, if fewer than three positive values remain."""
    sel = (eta <= FIT_MAX * (1 + 1e-9)) & np.isfinite(values) & (values > 0)
    if sel.sum() < 3:
        return np.nan
    slope = np.polyfit(np.log(eta[sel]), np.log(values[sel]), 1)[0]
    return exponent_sign * slope


def _offset(eta, values, exponent):
    """log C of the theory line C η^exponent, fitted on the smallest half of the η (as the paper does)."""
    small = eta <= np.median(eta)
    return float(np.mean(np.log(values[small]) - exponent * np.log(eta[small])))


def _legend_below(ax) -> None:
    """The legend under the axes, where it hides no data."""
    ax.legend(frameon=False, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1)


# --- left: the sharpness gap ------------------------------------------------------------------------------------


def compute_gap(preset: str) -> dict:
    import eos

    data: dict = {"betas": np.array(list(GAP_SETTINGS[preset])), "gamma": GAMMA, "x_tilde": X_TILDE}
    for i, (beta, grid) in enumerate(GAP_SETTINGS[preset].items()):
        etas = np.geomspace(*grid)
        x0, y0, eta = _inits(etas)
        r = eos.single_neuron(x0, y0, eta, "beta", beta=beta, precision="longdouble", max_steps=MAX_STEPS[preset])
        data |= {f"eta_{i}": etas, f"gap_{i}": r.gap, f"converged_{i}": r.converged, f"steps_{i}": r.steps}
    return data


def plot_gap(data, stem: Path) -> list[Path]:
    from ..theory import gap_exponent

    fig, axes = new_figure(height=3.6)
    ax = axes[0, 0]
    columns = {}
    for i, beta in enumerate(data["betas"]):
        eta, gap, color = data[f"eta_{i}"], data[f"gap_{i}"], PALETTE[i]
        p = float(gap_exponent(beta))
        ax.loglog(eta, gap, "o", color=color, markersize=3,
                  label=f"$\\beta = {_beta_label(beta)}$: slope {_fit(eta, gap, 1):.3f} (theory {p:.3g})")
        ax.loglog(eta, np.exp(_offset(eta, gap, p)) * eta**p, **THEORY)
        columns |= {f"eta_beta{_beta_label(beta)}": eta, f"gap_beta{_beta_label(beta)}": gap}
    ax.plot([], [], **THEORY, label=r"theory $\propto \eta^{1/(\beta-1)}$")
    ax.set(xlabel=r"step size $\eta$", ylabel=r"sharpness gap $2/\eta - \lambda_\infty$")
    _legend_below(ax)
    files = save(fig, stem)
    # the grids differ in length between betas: one CSV row per (beta, eta)
    rows = [(b, e, g) for i, b in enumerate(data["betas"]) for e, g in zip(data[f"eta_{i}"], data[f"gap_{i}"])]
    b, e, g = map(np.array, zip(*rows))
    return files + [save_csv(stem, {"beta": b, "eta": e, "gap": g}, "sharpness gap 2/eta - lambda_inf, loss l_beta")]


def check_gap(data) -> list[Check]:
    from ..theory import gap_exponent

    checks = []
    for i, beta in enumerate(data["betas"]):
        eta, gap = data[f"eta_{i}"], data[f"gap_{i}"]
        p, fitted = float(gap_exponent(beta)), _fit(eta, gap, 1)
        checks.append(Check(f"β = {_beta_label(beta)}: log-log slope of the gap vs η on η ≤ {FIT_MAX:g} "
                            f"({eta.min():.2g} … {eta.max():.2g}) is 1/(β−1)", fitted, p, "15% (relative)",
                            abs(fitted - p) <= 0.15 * p))
    ok = all(bool(np.all(data[f"converged_{i}"]) and np.all(data[f"gap_{i}"] > 0)) for i in range(len(data["betas"])))
    n = sum(data[f"eta_{i}"].size for i in range(len(data["betas"])))
    checks.append(Check(f"all {n} runs converged with 0 < gap (λ∞ ≤ 2/η, Theorem 2)", float(ok), 1.0, 0.0, ok))
    return checks


# --- right: the length of the bouncing phase --------------------------------------------------------------------


def _band_steps_until_crossing(beta: float, etas: np.ndarray, max_steps: int):
    """Steps with η y² in BAND and the step of the crossing of 2/η, running only until the crossing.

    The band lies above the edge, so nothing is counted after the crossing; the converging phase that
    follows (most of a run for β < 2) is skipped by running in doubling chunks, each resuming unfinished runs
    from their exact long-double iterate, until every run has crossed.
    """
    import eos

    x, y, eta = _inits(etas)
    band = np.zeros(etas.shape, dtype=np.int64)
    cross = np.full(etas.shape, -1, dtype=np.int64)
    done_steps = np.zeros(etas.shape, dtype=np.int64)
    pending = np.ones(etas.shape, dtype=bool)
    chunk = 10_000
    while pending.any():
        if chunk > max_steps:
            raise RuntimeError(f"β = {beta}: {int(pending.sum())} runs did not cross 2/η within {max_steps} steps")
        r = eos.single_neuron(x[pending], y[pending], eta[pending], "beta", beta=beta, precision="longdouble",
                              max_steps=chunk, band=BAND)
        if r.diverged.any():
            raise RuntimeError(f"β = {beta}: a run diverged")
        idx = np.flatnonzero(pending)
        band[idx] += r.band_steps
        crossed = r.t_cross >= 0
        cross[idx[crossed]] = done_steps[idx[crossed]] + r.t_cross[crossed]
        done_steps[idx] += r.steps
        x[idx], y[idx] = r.x, r.y
        # a run that converged without crossing (it cannot, in the EoS regime) would stop the loop too
        pending[idx] = ~(crossed | r.converged)
        chunk *= 2
    return band, cross


def compute_bounce(preset: str) -> dict:
    data: dict = {"betas": np.array(list(BOUNCE_SETTINGS[preset])), "gamma": GAMMA, "x_tilde": X_TILDE,
                  "band": np.array(BAND)}
    for i, (beta, grid) in enumerate(BOUNCE_SETTINGS[preset].items()):
        etas = np.geomspace(*grid)
        band, cross = _band_steps_until_crossing(beta, etas, MAX_STEPS[preset])
        data |= {f"eta_{i}": etas, f"band_steps_{i}": band, f"t_cross_{i}": cross}
    return data


def _bounce_fit(beta: float, eta, steps):
    """The fitted exponent q of steps ∝ η^{−q}, dividing out the log(1/η) factor at β = 2."""
    values = steps / np.log(1 / eta) if beta == 2 else steps.astype(float)
    return _fit(eta, values, -1), values


def plot_bounce(data, stem: Path) -> list[Path]:
    from ..theory import bouncing_exponent

    fig, axes = new_figure(height=3.6)
    ax = axes[0, 0]
    for i, beta in enumerate(data["betas"]):
        eta, steps, color = data[f"eta_{i}"], data[f"band_steps_{i}"], PALETTE[i]
        q = float(bouncing_exponent(beta))
        fitted, values = _bounce_fit(beta, eta, steps)
        ax.loglog(eta, steps, "o", color=color, markersize=3,
                  label=f"$\\beta = {_beta_label(beta)}$: exponent {fitted:.2f} (theory {q:.3g}"
                  + (r" with $\log\frac{1}{\eta}$)" if beta == 2 else ")"))
        line = np.exp(_offset(eta, values, -q)) * eta ** (-q)
        ax.loglog(eta, line * (np.log(1 / eta) if beta == 2 else 1), **THEORY)
    ax.plot([], [], **THEORY, label=r"theory $\propto \eta^{-(\beta/(\beta-1)\,\vee\,2)}$")
    lo, hi = data["band"]
    ax.set(xlabel=r"step size $\eta$", ylabel=f"steps with $\\eta y^2 \\in [{lo:g}, {hi:g})$")
    _legend_below(ax)
    files = save(fig, stem)
    rows = [(b, e, s) for i, b in enumerate(data["betas"]) for e, s in zip(data[f"eta_{i}"], data[f"band_steps_{i}"])]
    b, e, s = map(np.array, zip(*rows))
    return files + [save_csv(stem, {"beta": b, "eta": e, "band_steps": s}, f"steps with eta*y^2 in [{lo:g}, {hi:g})")]


def check_bounce(data) -> list[Check]:
    from ..theory import bouncing_exponent

    checks = []
    for i, beta in enumerate(data["betas"]):
        eta, steps = data[f"eta_{i}"], data[f"band_steps_{i}"]
        q = float(bouncing_exponent(beta))
        fitted, _ = _bounce_fit(beta, eta, steps)
        law = "log(1/η)/η²" if beta == 2 else f"η^-{q:.3g}"
        checks.append(Check(f"β = {_beta_label(beta)}: bouncing steps ∝ {law}: fitted exponent on η ≤ {FIT_MAX:g} "
                            f"({eta.min():.2g} … {eta.max():.2g}) is β/(β−1) ∨ 2", fitted, q, "10% (relative)",
                            abs(fitted - q) <= 0.1 * q))
    return checks


FIGURES = [
    Figure(id="9a", title="Sharpness gap 2/η − λ∞ vs η for l_β (slope 1/(β−1))", compute=compute_gap,
           plot=plot_gap, check=check_gap, version=3),
    Figure(id="9b", title="Length of the bouncing phase vs η for l_β (exponent β/(β−1) ∨ 2)",
           compute=compute_bounce, plot=plot_bounce, check=check_bounce, version=3),
]
