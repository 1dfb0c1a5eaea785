"""precision="auto" for the single neuron: the cheapest working precision expected to give the gap to `digits`
significant digits.

The error model comes from bench/accuracy.py (README.md, "Which precision do I need?", has the table). For GD in a working precision
with machine epsilon eps, the relative error of the gap 2/η − λ∞ after n steps is

    err ≈ eps · (2/η) / gap · (A + C · n)

The factor (2/η)/gap is the conditioning of the subtraction 2/η − λ (λ ≈ 2/η in the EoS regime); the rounding
errors of y add up linearly, not like a random walk (y decreases by almost the same amount every other step of
the bouncing phase, so its rounding errors share one sign). Measured over every loss but huber and η from 0.2 to
5e-4 (up to 1e7 steps): A ≤ 30 and C between 0.005 and 0.018 (median 0.01); the constants below are those
bounds with a factor ~2 of margin.

Huber (β = ∞) is ill-conditioned near the edge: its bouncing orbit touches |s| ≤ 1, where x' = (1 − ηy²) x is
unstable while ηy² > 2, and rounding errors were amplified by up to 1e14 (η = 0.02: long double off by 2e-6) and
beyond 1e40 (η = 0.01: 50- and 70-digit mpmath runs differ by 8e-10). The model assumes no more than 5 digits of
a huber gap are reliable in any precision.

The rungs are double, double-double and float128. x87 long double is not one: double-double is both faster
(vectorised) and more accurate. Its operations round to 2^-104, but tanh, exp and log are good to ~2^-75 only,
so the model takes eps = 2^-70 for it (as when they were good to 2^-70): conservative by orders of magnitude on
every measured case (where λ = 2/η (1 − 1e-13) it predicts 8e-9 and gets 1.4e-13; on EoS runs its gap equals
float128's to float64 rounding).

Selection: run in double (the cheapest rung); if the model says its gap meets the target, return it. Otherwise
use that run's gap and steps to predict the next rungs' errors and rerun in the cheapest rung predicted to meet
it (double-double, else float128), checking the rerun with the model again. When even float128 is not expected
to reach the target, its result is returned with a RuntimeWarning.
"""
from __future__ import annotations

import logging
import warnings
from typing import Callable

import numpy as np

from .. import _core

log = logging.getLogger("eos")

#: the relative error per operation the model assumes for each precision (the rungs of run_auto: double,
#: double-double, float128; long double for results run in it)
EPS = {"double": 2.0**-52, "longdouble": float(np.finfo(np.longdouble).eps), "double-double": 2.0**-70,
       "float128": 2.0**-112}
#: double-double runs take up to ~2x the steps of double (they stop at eps = 2^-104, not 2^-52)
DD_STEPS = 2.0
#: error model constants (module docstring): err ≈ eps (2/η)/gap (A + C n)
A, C = 60.0, 0.04
#: relative errors no precision is assumed to beat, per loss (ill-conditioned dynamics)
FLOOR = {"huber": 1e-5}
#: the gap is returned as float64: its final rounding
ROUNDING = 2.0**-53
#: an estimate above this means the run's gap is not even good to a factor ~2: it cannot predict other rungs
USABLE = 0.3


def expected_error(result, eta: np.ndarray, precision: str | None = None) -> float:
    """The model's relative gap error for `result` run in `precision` (default: its own), worst over the runs.

    Diverged runs are left out; a gap of exactly 0 counts as infinitely wrong. (A run stopped by max_steps
    while still above the edge has a negative gap; its relative error is taken against |gap|.)
    """
    precision = precision or result.precision
    gap = np.asarray(result.gap, dtype=np.float64)
    steps = np.asarray(result.steps, dtype=np.float64)
    eta = np.broadcast_to(np.asarray(eta, dtype=np.float64), gap.shape)
    keep = ~np.asarray(result.diverged, dtype=bool)
    if not keep.any():
        return 0.0
    gap, steps, eta = gap[keep], steps[keep], eta[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.where(gap != 0, EPS[precision] * (2 / eta) / np.abs(gap) * (A + C * steps), np.inf) + ROUNDING
    worst = float(np.max(err))
    return max(worst, FLOOR.get(result.loss, 0.0))


def run_auto(run: Callable[[str], object], eta, digits: int):
    """Run the cheapest rung expected to give `digits` correct digits of the gap; `run(precision)` runs GD."""
    target = 0.5 * 10.0**-digits
    r = run("double")  # validates every argument before any work
    eta = np.asarray(eta, dtype=np.float64)
    est = expected_error(r, eta)
    log.debug("precision='auto': double gives an expected gap error of %.2g (target %.2g)", est, target)
    if est <= target:
        return _picked(r, est, digits)
    # When the double gap is good enough to predict the other rungs' errors, skip double-double if it cannot do;
    # otherwise run it and judge by its own gap.
    if est > USABLE or est * EPS["double-double"] / EPS["double"] * DD_STEPS <= target:
        r = run("double-double")
        est = expected_error(r, eta)
        if est <= target:
            return _picked(r, est, digits)
    if not _core.has_float128:
        raise ValueError(
            f"precision='auto' with digits={digits} needs precision='float128' here (double-double is expected "
            f"to give the gap only to a relative error of {est:.1g}), but this build of eos lacks GCC's "
            "__float128 and libquadmath; rebuild with a GCC toolchain on x86-64, or ask for fewer digits"
        )
    r = run("float128")
    est = expected_error(r, eta)
    if est > target:
        warnings.warn(
            f"precision='auto': even float128 is expected to give the gap only to a relative error of {est:.1g}, "
            f"short of digits={digits}; returning the float128 result",
            RuntimeWarning,
            stacklevel=3,
        )
    return _picked(r, est, digits)


def _picked(result, est: float, digits: int):
    log.debug("precision='auto' picked %s (expected gap error %.2g, digits=%d)", result.precision, est, digits)
    return result
