#!/usr/bin/env python
"""Throughput where chains converge, which `eos bench` (200 GF steps, no events) never reaches.

    python bench/converging.py

Two workloads, 2 threads (all of this machine), M init-steps/s counting only steps taken:
* EoS: 2 000 chains from the Theorem-1 initialisation at η = 0.01 (logistic, γ = 2.5, perturbed by 1%), run to
  convergence (~1.2·10⁵ steps each): the bouncing phase, the edge crossing and the long final contraction;
* GF: 10⁶ GF-regime chains (x0 ∈ [0.2, 1], y0 ∈ [1, 2.5], η = 0.01, as in eos bench) for 1 000 steps, of which
  ~70 % converge at different times.
bench/NOTES.md §10 records what these measured before and after the lane refill and the convergence filter.
"""
import time

import numpy as np

import eos
from eos.theory import eos_init


def rate(x0, y0, eta, precision, **kw) -> tuple[float, eos.SingleNeuronResult]:
    t0 = time.perf_counter()
    r = eos.single_neuron(x0, y0, eta, "logistic", precision=precision, **kw)
    return float(np.sum(r.steps)) / (time.perf_counter() - t0) / 1e6, r


def main() -> None:
    rng = np.random.default_rng(0)
    x0, y0 = eos_init(0.01, 2.5)
    x0 = x0 * (1 + 0.01 * rng.uniform(size=2000))
    y0 = y0 * (1 + 0.01 * rng.uniform(size=2000))
    for p in ("double", "double-double"):
        m, r = rate(x0, y0, 0.01, p)
        print(f"EoS to convergence  {p:13s} {m:6.0f} M/s  (steps {int(r.steps.min())}-{int(r.steps.max())}, "
              f"converged {r.converged.mean():.0%})")
    x, y = rng.uniform(0.2, 1.0, 10**6), rng.uniform(1.0, 2.5, 10**6)
    for p in ("double", "double-double"):
        m, r = rate(x, y, 0.01, p, max_steps=1000)
        print(f"GF, 1000 steps      {p:13s} {m:6.0f} M/s  (converged {r.converged.mean():.0%})")


if __name__ == "__main__":
    main()
