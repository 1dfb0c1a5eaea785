"""eos.mean_model against Theorems 3 and 4, Remark 4 and the mpmath reference (SPEC §2)."""
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

import eos

from mpref import mean_model as mp_mean_model
from mpref import rel_err


def g(b):
    return norm.pdf(b) + b * norm.cdf(b)


def g_inverse(v):
    """b with g(b) = v, for 0 < v < g(0) ... g is increasing, so a bracketed root is unique."""
    return brentq(lambda b: g(b) - v, -40, 40, xtol=1e-15)


@pytest.mark.parametrize("precision,tol", [("double-double", 1e-17), ("longdouble", 2e-15), ("double", 2e-12)])
@pytest.mark.parametrize("ratio", [0.75, 1.25])
def test_matches_mpmath_reference(precision, tol, ratio):
    d = 200
    eta = ratio * 8 * np.pi / d**2
    r = eos.mean_model(1.0, eta, d, precision=precision)
    assert r.converged
    ref = mp_mean_model(1.0, 0.0, eta, d, int(r.steps), dps=50)
    assert rel_err(r.b, ref["b"]) < tol
    assert rel_err(r.gap, ref["gap"]) < max(tol, 2.0**-52)  # the gap is returned as float64
    assert rel_err(r.sharpness, ref["sharpness"]) < tol / 100


@pytest.mark.parametrize("ratio", [0.3, 0.6, 0.9])
def test_below_threshold_bias_is_O_1_over_d_squared(ratio):
    # Theorem 3: η < η* = 8π/d² ⇒ |b∞| = O(1/d²): at a fixed η/η*, b∞·d² is the same for every d.
    d = np.array([50.0, 100.0, 200.0])
    r = eos.mean_model(1.0, ratio * 8 * np.pi / d**2, d)
    assert r.converged.all() and (r.t_cross == -1).all()
    scaled = (r.b * d**2).astype(float)
    assert np.all(scaled < 0) and np.all(scaled > -5)
    assert np.ptp(scaled) < 0.02 * np.abs(scaled).max()


@pytest.mark.parametrize("d", [50, 100, 200])
def test_above_threshold_bias_respects_the_eos_bound(d):
    # Theorem 4: η > η* ⇒ b∞ ≤ g⁻¹(2/(d√η)) < 0: a threshold neuron. The bound is tight up to O(1/d²):
    # measured, (b∞/bound − 1)·d² ≈ 360, 205, 240 at η/η* = 1.25, 2, 4 for every d.
    eta = np.array([1.25, 2.0, 4.0]) * 8 * np.pi / d**2
    r = eos.mean_model(1.0, eta, d)
    assert r.converged.all() and (r.t_cross > 0).all()
    bound = np.array([g_inverse(2 / (d * np.sqrt(e))) for e in eta])
    assert np.all(r.b <= bound)
    assert np.all((r.b / bound - 1) * d**2 < 400)


def test_ten_pi_over_d_squared_example():
    # The paper's example: η = 10π/d² gives b∞ ≤ −0.087.
    r = eos.mean_model(1.0, 10 * np.pi / 200**2, 200)
    assert r.b <= -0.087


def test_sharpness_at_the_minimiser_is_half_d2_g2():
    # Remark 4: at A = 0 the sharpness is ½ d² g(b)², d²/(4π) at b = 0; A = 0 is a fixed point.
    r = eos.mean_model(0.0, 1e-4, [10.0, 200.0], b0=[0.0, -0.3])
    assert (r.steps == 0).all()
    np.testing.assert_allclose(r.sharpness.astype(float), 0.5 * np.array([10.0, 200.0]) ** 2 * g(np.array([0.0, -0.3])) ** 2, rtol=1e-14)
    assert r.sharpness[0] == pytest.approx(100 / (4 * np.pi), rel=1e-15)


def test_bias_decreases_monotonically_and_t_cross_matches_trajectory():
    d, eta = 100, 2 * 8 * np.pi / 100**2
    r = eos.mean_model(1.0, eta, d, max_steps=4000, record_every=1)
    n = int(r.steps)
    A, b = r.trajectory[: n + 1, 0], r.trajectory[: n + 1, 1]
    assert np.all(np.diff(b) <= 0)
    edge = 0.5 * eta * d**2 * g(b.astype(float)) ** 2
    first = np.flatnonzero((edge[1:] < 2) & (edge[:-1] >= 2))[0] + 1
    assert r.t_cross == first


@pytest.mark.parametrize("precision", ["double", "double-double", "longdouble"])
def test_fast_chunks_match_the_careful_path(precision):
    """The vector kernels (double, double-double) take 32 steps of all lanes at a time and retake a lane step by
    step when it flags an event; recording a trajectory turns the chunks off; lanes take the next chain when
    theirs stops. All give the same bits, on chains that converge (below and above η*), cross the edge, diverge,
    and still run."""
    rng = np.random.default_rng(5)
    n = 203
    A0, b0 = rng.uniform(-2.0, 2.0, n), rng.uniform(-1.0, 0.5, n)
    d = rng.choice([5.0, 10.0, 40.0], n)
    eta = rng.uniform(0.3, 2.2, n) * 8 * np.pi / d**2
    A0[:2], eta[:2], d[:2] = [1e200, 0.0], [1e200, 0.1], [1.0, 10.0]  # an overflow, A = 0 (a fixed point)
    kw = dict(b0=b0, precision=precision, max_steps=2001)
    fast = eos.mean_model(A0, eta, d, **kw)
    careful = eos.mean_model(A0, eta, d, record_every=2001, **kw)
    assert fast.converged.sum() > n // 3 and fast.converged[1] and fast.steps[1] == 0
    assert fast.diverged[0] == (precision != "longdouble")  # long double holds 1e200^2
    assert (fast.t_cross >= 0).sum() > 10 and (~fast.converged & ~fast.diverged).any()
    for f in ("A", "b", "steps", "converged", "diverged", "t_cross", "sharpness", "gap"):
        np.testing.assert_array_equal(getattr(fast, f), getattr(careful, f), err_msg=f)
    for i in (0, 1, 2, 57, 202):  # a chain run alone gives the same bits as in the crowd
        solo = eos.mean_model(A0[i], eta[i], d[i], b0=b0[i], precision=precision, max_steps=2001)
        for f in ("A", "b", "steps", "t_cross"):
            assert getattr(solo, f) == getattr(fast, f)[i], (i, f)


@pytest.mark.parametrize("precision", ["double", "double-double"])
def test_convergence_found_at_its_step_though_chunks_test_it_at_their_end(precision):
    """The fast chunks test convergence once, at their end (mean_model_may_have_settled), and retake a lane from the
    chunk's start when it may have converged inside: every chain must still stop at the very step the careful path
    stops it. Chains converging at every step of a chunk: below and near η* (edge near 2, where the margins
    matter), with b far below 0 (where g moves fastest with b), and from tiny A0 (the underflow clause)."""
    rng = np.random.default_rng(29)
    n = 3000
    d = rng.choice([5.0, 10.0, 40.0], n)
    eta = rng.uniform(0.2, 2.0, n) * 8 * np.pi / d**2
    A0, b0 = rng.uniform(-2.0, 2.0, n), rng.uniform(-4.0, 0.5, n)
    A0[:50] = 10.0 ** rng.uniform(-200, -150, 50)
    kw = dict(b0=b0, precision=precision, max_steps=3000)
    fast = eos.mean_model(A0, eta, d, **kw)
    careful = eos.mean_model(A0, eta, d, record_every=3000, **kw)
    assert fast.converged.sum() > n // 3 and len(np.unique(fast.steps[fast.converged] % 32)) == 32
    for f in ("A", "b", "steps", "converged", "diverged", "t_cross"):
        np.testing.assert_array_equal(getattr(fast, f), getattr(careful, f), err_msg=f)


@pytest.mark.parametrize("precision", ["longdouble", "double-double"])
def test_results_do_not_depend_on_threads(precision):
    A0 = np.random.default_rng(2).uniform(0.2, 2, 5000)
    eta = np.linspace(0.5, 3, 5000) * 8 * np.pi / 100**2
    a = eos.mean_model(A0, eta, 100, max_steps=3000, threads=1, precision=precision)
    b = eos.mean_model(A0, eta, 100, max_steps=3000, threads=2, precision=precision)
    for f in ("A", "b", "steps", "converged", "sharpness", "gap", "t_cross"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(eta=0), "eta must be > 0"), (dict(d=0.5), "d must be >= 1"), (dict(A0=np.nan), "A0 must be finite"),
     (dict(b0=np.inf), "b0 must be finite"), (dict(precision="single"), "precision must be one of"),
     (dict(max_steps=-3), "max_steps must be an integer"), (dict(A0=np.ones(2), d=np.ones(3)), "do not broadcast")],
)
def test_bad_input_is_a_clear_value_error(kwargs, match):
    args = dict(A0=1.0, eta=1e-3, d=100.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        eos.mean_model(args.pop("A0"), args.pop("eta"), args.pop("d"), **args)
