"""Gradient descent on the single-neuron loss f(x, y) = l(xy) (SPEC §1; §2 and App. B of the paper)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core, _validate
from ._run import dtype_of, progress_bar, shaped

#: the losses of Example 1 (all have l''(0) = 1): name -> l'(s)
LOSSES = ("logistic", "sqrt", "huber", "beta")


@dataclass(frozen=True)
class SingleNeuronResult:
    """Outcome of GD from each initialisation; every array has the broadcast shape S of the inputs.

    x, y : ndarray (np.longdouble, or float64 for precision="double")
        The final iterate (the last finite one if the run diverged).
    steps : ndarray of int64
        GD steps taken.
    converged : ndarray of bool
        The iterate reached its limit to the working precision (see :func:`single_neuron`).
    diverged : ndarray of bool
        An iterate overflowed or became NaN; that run stopped there.
    sharpness : ndarray (like x)
        λ, the largest eigenvalue of ∇²f at the final iterate.
    gap : ndarray of float64
        2/η − λ, computed in the working precision and then rounded, so it keeps its significant digits
        even when it is 1e-15 of 2/η.
    t_cross : ndarray of int64
        The first t ≥ 1 with η y_t² < 2 ≤ η y_{t−1}² (the crossing of the edge from above), or −1.
    s_cross : ndarray of float64
        |x y| at t_cross (NaN where there is no crossing).
    band_steps : ndarray of int64
        #{1 ≤ t ≤ steps : band[0] ≤ η y_t² < band[1]}: the length of the bouncing phase (Fig. 9 right).
    flips : ndarray of int64
        The number of sign changes of x.
    trajectory : ndarray or None
        With record_every = k > 0: (x_t, y_t) for t = 0, k, 2k, ..., shape S + (max_steps // k + 1, 2);
        NaN after a run stopped.
    """

    x: np.ndarray
    y: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    sharpness: np.ndarray
    gap: np.ndarray
    t_cross: np.ndarray
    s_cross: np.ndarray
    band_steps: np.ndarray
    flips: np.ndarray
    trajectory: np.ndarray | None
    loss: str
    beta: float | None
    precision: str


def single_neuron(
    x0: Any,
    y0: Any,
    eta: Any,
    loss: str = "logistic",
    *,
    beta: float | None = None,
    precision: str = "longdouble",
    digits: int | None = None,
    max_steps: int = 1_000_000,
    band: tuple[float, float] = (2.0, 2.5),
    record_every: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> SingleNeuronResult:
    """Run GD  x' = x − η l'(xy) y,  y' = y − η l'(xy) x  from every initialisation (x0, y0) with step η.

    Parameters
    ----------
    x0, y0, eta : array_like
        Initialisations and learning rates; they broadcast together to a shape S (a million runs in one call
        is the normal case). np.longdouble inputs are used exactly; float64 inputs are widened exactly.
        η > 0.
    loss : {"logistic", "sqrt", "huber", "beta"}
        l'(s) = tanh s;  s/√(1+s²);  clip(s, −1, 1);  s(1 − c|s|^β) on |s| ≤ r, sign(s) outside
        (r = (β+1)/β, c = (β/(β+1))^β/(β+1)).
    beta : float, optional
        The exponent β > 1 of loss="beta" (required there, refused otherwise).
    precision : {"longdouble", "double", "double-double", "float128"}
        The arithmetic of every step: x87 long double (64-bit significand), double (53), double-double
        (106-bit hi + lo pairs of doubles on the vector units, tanh to ~2^-75; 4-9x faster than long double and
        far more accurate) or float128 (IEEE quad, 113, where the build has libquadmath). double-double and
        float128 iterates are returned rounded to np.longdouble; every gap is rounded once to float64.
        "auto" picks the cheapest of these expected to give the gap to `digits` significant digits: it runs
        in double, estimates the error of each precision from that run with the error model of README.md ("Which precision do I need?")
        (relative gap error ≈ eps · (2/η)/gap · (60 + 0.04·steps)), and reruns in double-double or float128 if
        needed. The result's `precision` says which it picked (also logged at DEBUG level on the "eos" logger).
        It raises ValueError if float128 is needed but not built, and warns (RuntimeWarning) if even float128
        is not expected to reach `digits`.
    digits : int, optional
        For precision="auto" only: the significant digits of the gap wanted, 1 to 15 (default 3).
    max_steps : int
        Steps after which a run that has not converged stops (≥ 1).
    band : (float, float)
        The band lo ≤ η y² < hi whose visits `band_steps` counts.
    record_every : int
        Record (x, y) every this many steps (0: no trajectory). Refused if it would need more than 4 GiB.
    threads : int, optional
        OpenMP threads (default: all). Results are bit-identical for every value.
    progress : bool
        Show a tqdm bar over the steps of the call.

    Returns
    -------
    SingleNeuronResult

    Notes
    -----
    Convergence rule: a run stops once GD can change its larger coordinate by at most one machine epsilon
    (relative) in all future steps — the smaller coordinate contracts by ρ = max|1 − η q b²| per step with
    q = l'(s)/s ∈ (0, 1], so the remaining change is at most η·small²/(1 − ρ²) — and the sharpness at the
    iterate equals its limit max(|x|, |y|)² to one epsilon. A point on an axis is an exact fixed point.
    Ctrl-C interrupts a long call within about a second (KeyboardInterrupt).
    """
    loss = _validate.choice("loss", loss, LOSSES)
    if loss == "beta":
        if beta is None:
            raise ValueError("beta is required for loss='beta' (a real number > 1)")
        beta = _validate.real("beta", beta, lower=1.0)
    elif beta is not None:
        raise ValueError(f"beta is only used by loss='beta'; got beta={beta!r} with loss={loss!r}")
    precision = _validate.precision(precision, auto=True)
    if precision == "auto" or digits is not None:
        from ._precision import run_auto

        if precision != "auto":
            raise ValueError(
                f"digits is only used by precision='auto'; got digits={digits!r} with precision={precision!r}"
            )
        digits = _validate.integer("digits", 3 if digits is None else digits, 1, 15)

        def run(p: str) -> SingleNeuronResult:
            return single_neuron(x0, y0, eta, loss, beta=beta, precision=p, max_steps=max_steps, band=band,
                                 record_every=record_every, threads=threads, progress=progress)

        return run_auto(run, eta, digits)
    max_steps = _validate.integer("max_steps", max_steps, 1)
    record_every = _validate.integer("record_every", record_every, 0)
    if not (isinstance(band, (tuple, list)) and len(band) == 2):
        raise ValueError(f"band must be a pair (lo, hi) of reals with lo < hi; got {band!r}")
    lo, hi = (_validate.real(f"band[{i}]", v) for i, v in enumerate(band))
    if not lo < hi:
        raise ValueError(f"band must satisfy lo < hi; got {band!r}")
    n_threads = _validate.threads(threads)
    dtype = dtype_of(precision)
    (x0f, y0f, etaf), shape = _validate.broadcast(dtype, ("eta",), ("x0", "y0"), x0=x0, y0=y0, eta=eta)
    _validate.positive("eta", etaf)
    _validate.trajectory_size(x0f.size, max_steps, record_every, np.dtype(dtype).itemsize)

    with progress_bar(progress, max_steps, "single neuron") as callback:
        raw = _core.single_neuron(
            x0f, y0f, etaf, loss, beta or 0.0, precision, max_steps, lo, hi, record_every, n_threads, callback
        )
    return SingleNeuronResult(**shaped(raw, shape), loss=loss, beta=beta, precision=precision)
