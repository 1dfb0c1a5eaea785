"""Fig. 12: the two regimes of GD on the square-root loss l(s) = √(1 + s²) at η = 0.1.

Left, (x0, y0) = (3, 4): y0² − x0² = 7 < 2/η = 20, the gradient-flow regime; GD tracks the flow and ends with
sharpness y0² − x0² − O(1) (Theorem 1). Right, (x0, y0) = (3, 6): y0² − x0² = 27 > 20, the EoS regime; GD goes
through a flow phase, a bouncing phase that tracks the quasi-static envelope |xy| = s(y), η y² l'(s)/s = 2
(Theorem 5), and a converging phase once η y² < 2, ending just below 2/η (Theorem 2).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Check, Figure
from ._style import ENVELOPE_COLOR, FLOW_COLOR, GD_COLOR, PHASE_COLORS, THEORY, new_figure, save

ETA = 0.1
INITS = {"gf": (3.0, 4.0), "eos": (3.0, 6.0)}
PHASES = ("flow", "bouncing", "converging")
#: the envelope check covers bouncing steps with 2 + η ≤ η y² ≤ BAND_HI: quasi-statics needs δ = η y² − 2 ≫ η
#: (for β = 2) and x must first have reached the envelope after the flow phase
BAND_HI = 2.5


def compute(preset: str) -> dict:
    import eos

    from ..theory import get_loss, gradient_flow, quasi_static_s

    loss, eta = get_loss("sqrt"), np.longdouble(ETA)
    data: dict = {"eta": ETA}
    for name, (x0, y0) in INITS.items():
        r = eos.single_neuron(np.longdouble(x0), np.longdouble(y0), eta, "sqrt", max_steps=100_000, record_every=1)
        n = int(r.steps) + 1
        xy = r.trajectory[:n].astype(np.float64)
        steps = np.arange(n)
        flow = gradient_flow(x0, y0, ETA * steps, loss)  # at the GD times, for the check
        curve = gradient_flow(x0, y0, np.linspace(0, min(ETA * n, 10.0), 800), loss)  # smooth, for the plot
        data |= {
            f"{name}_x": xy[:, 0], f"{name}_y": xy[:, 1], f"{name}_sharpness": float(r.sharpness),
            f"{name}_gap": float(r.gap), f"{name}_converged": bool(r.converged),
            f"{name}_flow_x": flow.x, f"{name}_flow_y": flow.y, f"{name}_flow_invariant_error": flow.invariant_error,
            f"{name}_flow_curve_x": curve.x, f"{name}_flow_curve_y": curve.y,
        }
        if name == "eos":
            flips = np.flatnonzero(np.sign(xy[1:, 0]) != np.sign(xy[:-1, 0]))
            t_bounce, t_cross = int(flips[0]) + 1, int(r.t_cross)
            data["eos_phase"] = np.searchsorted([t_bounce, t_cross], steps, side="right")
            # the envelope in extended precision at the bouncing iterates, and as a curve for the plot
            y_ld = r.trajectory[:n, 1]
            data["eos_envelope_s"] = quasi_static_s(y_ld, eta, loss).astype(np.float64)
            y_curve = np.linspace(np.sqrt(2 / ETA), xy[data["eos_phase"] == 1, 1].max(), 400)
            data["envelope_y"], data["envelope_s"] = y_curve, quasi_static_s(y_curve, ETA, loss)
    return data


def _draw_eos(ax, data, labels: bool) -> None:
    """The EoS run: GD coloured by phase over its path, and the quasi-static envelope x = ±s(y)/y."""
    x, y = data["eos_x"], data["eos_y"]
    ax.plot(x, y, "-", color="0.75", linewidth=0.3, zorder=2)
    for k, phase in enumerate(PHASES):
        sel = data["eos_phase"] == k
        ax.plot(x[sel], y[sel], "o", color=PHASE_COLORS[phase], markersize=1.6, zorder=3,
                label=f"GD: {phase}" if labels else None)
    ys, ss = data["envelope_y"], data["envelope_s"]
    ax.plot(ss / ys, ys, color=ENVELOPE_COLOR, linewidth=1.0, zorder=4,
            label="quasi-static envelope" if labels else None)
    ax.plot(-ss / ys, ys, color=ENVELOPE_COLOR, linewidth=1.0, zorder=4)


def plot(data, stem: Path) -> list[Path]:
    fig, axes = new_figure(1, 3, width="full", height=2.6)
    edge = np.sqrt(2 / data["eta"])
    for ax, name in zip(axes[0][:2], INITS):
        x0, y0 = INITS[name]
        ax.plot(data[f"{name}_flow_curve_x"], data[f"{name}_flow_curve_y"], color=FLOW_COLOR, linewidth=2.2,
                alpha=0.7, label="gradient flow", zorder=1)
        if name == "gf":
            ax.plot(data["gf_x"], data["gf_y"], "o-", color=GD_COLOR, markersize=2.5, linewidth=0.8, label="GD",
                    zorder=2)
        else:
            _draw_eos(ax, data, labels=True)
            # the bouncing phase is narrow in x: zoom on it
            zoom = ax.inset_axes([0.5, 0.16, 0.48, 0.4])
            _draw_eos(zoom, data, labels=False)
            zoom.axhline(edge, **THEORY)
            width = 1.3 * float(np.max(data["envelope_s"] / data["envelope_y"]))
            zoom.set(xlim=(-width, width), ylim=(edge - 0.05, float(data["envelope_y"].max()) + 0.05))
            zoom.tick_params(labelsize=6)
            zoom.set_xticks([-0.1, 0, 0.1])
            ax.indicate_inset_zoom(zoom, edgecolor="0.5")
        ax.axhline(edge, **THEORY, label=r"$y^2 = 2/\eta$")
        regime = "gradient-flow regime" if name == "gf" else "EoS regime"
        title = f"{regime}\n$(x_0, y_0) = ({x0:g}, {y0:g})$, $\\eta = {data['eta']:g}$"
        ax.set(xlabel="$x$", ylabel="$y$", title=title)
        ax.legend(frameon=False, loc="lower right" if name == "gf" else "upper left", markerscale=2, fontsize=6)
    _draw_tracking(axes[0][2], data)
    return save(fig, stem)


def _draw_tracking(ax, data) -> None:
    """|x_t y_t| of the EoS run against the envelope s(y_t), step by step: where the quasi-static picture holds."""
    steps = np.arange(data["eos_x"].size)
    s = np.abs(data["eos_x"] * data["eos_y"])
    for k, phase in enumerate(PHASES):
        sel = (data["eos_phase"] == k) & (s > 0)
        ax.semilogy(steps[sel], s[sel], "o", color=PHASE_COLORS[phase], markersize=1.2)
    ax.semilogy(steps, data["eos_envelope_s"], color=ENVELOPE_COLOR, linewidth=1.0, label="envelope $s(y_t)$")
    ax.plot([], [], "o", color="0.4", markersize=2, label=r"GD $|x_t y_t|$")
    end = int(np.searchsorted(data["eos_phase"], 2)) * 2
    ax.set(xlabel="step $t$", ylabel="$|x_t y_t|$", xlim=(0, end), ylim=(1e-3, 30), title="EoS run: $|xy|$ against the\nquasi-static envelope")
    ax.legend(frameon=False, loc="upper right", fontsize=6)


def _bouncing_window(data):
    """Bouncing steps with 2 + η ≤ η y² ≤ BAND_HI, where the quasi-static envelope should hold."""
    eta, y = data["eta"], data["eos_y"]
    return (data["eos_phase"] == 1) & (eta * y * y >= 2 + eta) & (eta * y * y <= BAND_HI)


def check(data) -> list[Check]:
    eta = float(data["eta"])
    (x0, y0) = INITS["gf"]
    d0 = y0 * y0 - x0 * x0
    gf_err = abs(float(data["gf_sharpness"]) - d0)
    track = float(np.max(np.hypot(data["gf_x"] - data["gf_flow_x"], data["gf_y"] - data["gf_flow_y"])))
    window = _bouncing_window(data)
    s = np.abs(data["eos_x"] * data["eos_y"])[window]
    env = data["eos_envelope_s"][window]
    rel = np.abs(s - env) / env
    worst = float(rel.max()) if rel.size else np.inf
    gap = float(data["eos_gap"])
    return [
        Check(f"GF run: λ∞ = y0² − x0² − O(1) (|λ∞ − {d0:g}|; O(1) taken as 2)", gf_err, 0.0, 2.0, gf_err <= 2.0),
        Check("GF run: GD stays within O(η) of the gradient flow (max distance at time ηt)", track, 0.0, 5 * eta,
              track <= 5 * eta),
        Check(f"EoS run: bouncing iterates with 2 + η ≤ ηy² ≤ {BAND_HI} lie on the quasi-static envelope "
              f"(max relative distance of |xy| to s(y), over {int(window.sum())} steps)", worst, 0.0, 0.1,
              worst <= 0.1),
        Check("EoS run: final sharpness in [2/η − 5η, 2/η] (gap 2/η − λ∞)", gap, "[0, 5η]", 5 * eta,
              0 <= gap <= 5 * eta and bool(data["eos_converged"])),
    ]


FIGURE = Figure(id="12", title="Gradient-flow vs EoS regime on the sqrt loss (quasi-static envelope)",
                compute=compute, plot=plot, check=check)
