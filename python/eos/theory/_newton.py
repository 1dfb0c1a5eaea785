"""A vectorised Newton solver for the monotone, one-signed-curvature equations of the theory (g⁻¹, κ⁻¹)."""
from __future__ import annotations

import numpy as np


def newton(f, df, target, start, *, atol: float = 0.0, max_iter: int = 100):
    """Solve f(b) = target elementwise by Newton's method, for f increasing and convex or concave.

    For such f every Newton iterate after the first lies on one side of the root and moves monotonically
    towards it, so the iteration converges from any start in the domain; it stops per element once a step is
    below a few ulps of the iterate (after which the quadratic convergence has
    already made the error far smaller) plus ``atol`` (the absolute noise floor of f's evaluation, if any).
    Raises RuntimeError if some element has not converged after ``max_iter`` steps.
    """
    target, b = np.broadcast_arrays(np.asarray(target, dtype=float), np.asarray(start, dtype=float))
    b = b.copy()
    active = np.ones(b.shape, dtype=bool)
    eps = np.finfo(float).eps
    for _ in range(max_iter):
        ba, ta = b[active], target[active]
        step = (f(ba) - ta) / df(ba)
        new = ba - step
        b[active] = new
        active[active] = np.abs(step) > 32 * eps * np.abs(new) + atol
        if not active.any():
            return b
    raise RuntimeError(f"Newton did not converge for {int(active.sum())} of {b.size} values")
