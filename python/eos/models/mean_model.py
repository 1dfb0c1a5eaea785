"""Gradient descent on the mean model (A, b) of the known-basis ReLU net (SPEC §2; §3, App. C, D)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core, _validate
from ._run import dtype_of, progress_bar, shaped


@dataclass(frozen=True)
class MeanModelResult:
    """Outcome of GD from each initialisation; every array has the broadcast shape S of the inputs.

    A, b : ndarray (np.longdouble, or float64 for precision="double")
        The final iterate, A = d(a⁻ + a⁺) (the last finite one if the run diverged).
    steps, converged, diverged : ndarray
        As in :class:`~eos.SingleNeuronResult`.
    sharpness : ndarray (like A)
        λ, the largest Hessian eigenvalue of (a⁻, a⁺, b) ↦ l_sym(d(a⁻+a⁺) g(b)) at a⁻ = a⁺ = A/(2d);
        ½ d² g(b)² at A = 0 (Remark 4).
    gap : ndarray of float64
        2/η − λ, computed in the working precision, then rounded.
    t_cross : ndarray of int64
        The first t ≥ 1 with ½ η d² g(b_t)² < 2 ≤ ½ η d² g(b_{t−1})², or −1.
    trajectory : ndarray or None
        (A_t, b_t) every record_every steps from t = 0, shape S + (max_steps // k + 1, 2); NaN after a run stopped.
    """

    A: np.ndarray
    b: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    sharpness: np.ndarray
    gap: np.ndarray
    t_cross: np.ndarray
    trajectory: np.ndarray | None
    precision: str


def mean_model(
    A0: Any,
    eta: Any,
    d: Any,
    *,
    b0: Any = 0.0,
    precision: str = "longdouble",
    max_steps: int = 1_000_000,
    record_every: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> MeanModelResult:
    """Run GD on the mean model from (A0, b0) with step η and dimension d:

        A' = A − 2d²η l'(A g(b)) g(b),   b' = b − η l'(A g(b)) A g'(b),

    with l'(s) = ½ tanh(s/2), g(b) = φ(b) + bΦ(b), g'(b) = Φ(b).

    Parameters
    ----------
    A0, eta, d, b0 : array_like
        Broadcast together to a shape S. η > 0, d ≥ 1 (d need not be an integer). np.longdouble inputs are
        used exactly.
    precision : {"longdouble", "double", "double-double", "float128"}
        As in :func:`eos.single_neuron` ("auto" is the single neuron's only). g, g' and g'' come from one exp
        and one rational function (cpp/include/eos/gauss.hpp), within a few ulps of the working precision
        (double-double: within 2^-74, like its tanh) over the whole line, with no cancellation for b ≪ 0; float128
        uses libquadmath's expq and erfcq.
    max_steps, record_every, threads, progress
        As in :func:`eos.single_neuron`.

    Notes
    -----
    Convergence rule: a run stops once GD can change b by at most one machine epsilon (relative) in all
    future steps — A contracts by ρ = max|1 − ½ η d² g² q| with q = tanh(s/2)/(s/2), and each step moves b by
    at most η g g' A²/4 — and the sharpness equals its limit ½ d² g(b)² to one epsilon. A = 0 is a fixed point.
    The phase transition sits at η* = 8π/d² (Theorems 3 and 4).
    """
    precision = _validate.precision(precision)
    max_steps = _validate.integer("max_steps", max_steps, 1)
    record_every = _validate.integer("record_every", record_every, 0)
    n_threads = _validate.threads(threads)
    dtype = dtype_of(precision)
    (A0f, b0f, etaf, df), shape = _validate.broadcast(dtype, ("eta", "d"), ("A0", "b0"), A0=A0, b0=b0, eta=eta, d=d)
    _validate.positive("eta", etaf)
    _validate.positive("d", df, 1.0, inclusive=True)
    _validate.trajectory_size(A0f.size, max_steps, record_every, np.dtype(dtype).itemsize)

    with progress_bar(progress, max_steps, "mean model") as callback:
        raw = _core.mean_model(A0f, b0f, etaf, df, precision, max_steps, record_every, n_threads, callback)
    return MeanModelResult(**shaped(raw, shape), precision=precision)
