"""eos.single_neuron against the exact identities of SPEC §1, the theorems, and an mpmath reference."""
import numpy as np
import pytest

import eos
from eos import _core
from eos.theory import eos_init

from mpref import rel_err
from mpref import single_neuron as mp_single_neuron

LOSSES = [("logistic", None), ("sqrt", None), ("huber", None), ("beta", 1.5), ("beta", 3.0)]
LD_EPS = float(np.finfo(np.longdouble).eps)


def theorem_init(gamma, eta):
    """The theorems' initialisations y0² − x0² = γ/η (x̃ = 1/2), computed in long double."""
    return eos_init(np.asarray(eta, np.longdouble), np.asarray(gamma, np.longdouble), np.longdouble(0.5))


def lprime(loss, s, beta=None):
    """l'(s) in numpy long double, written independently of the core."""
    if loss == "logistic":
        return np.tanh(s)
    if loss == "sqrt":
        return s / np.sqrt(1 + s * s)
    if loss == "huber":
        return np.clip(s, -1, 1)
    b = np.longdouble(beta)
    r, c = (b + 1) / b, (b / (b + 1)) ** b / (b + 1)
    return np.where(np.abs(s) > r, np.sign(s), s * (1 - c * np.abs(s) ** b))


@pytest.mark.parametrize("loss,beta", LOSSES)
def test_exact_per_step_identity_of_D(loss, beta):
    # D' = (1 − η² l'(s)²) D with D = y² − x², s = xy, along a bouncing (EoS) trajectory.
    eta = np.longdouble("0.04")
    x0, y0 = theorem_init(2.5, eta)
    r = eos.single_neuron(x0, y0, eta, loss, beta=beta, max_steps=400, record_every=1)
    tr = r.trajectory[: int(r.steps) + 1]
    assert tr.dtype == np.longdouble and len(tr) > 100
    x, y = tr[:, 0], tr[:, 1]
    D = y * y - x * x
    g = lprime(loss, x * y, beta)
    lhs, rhs = D[1:], (1 - eta * eta * g[:-1] ** 2) * D[:-1]
    scale = x[1:] ** 2 + y[1:] ** 2
    assert np.max(np.abs(lhs - rhs) / scale) < 16 * LD_EPS


@pytest.mark.parametrize("sign", [1, -1])
def test_lines_y_equals_plus_minus_x_are_invariant(sign):
    r = eos.single_neuron(0.7, sign * 0.7, 0.3, "sqrt", max_steps=200, record_every=1)
    x, y = r.trajectory[:, 0], r.trajectory[:, 1]
    ok = ~np.isnan(x)
    np.testing.assert_array_equal(y[ok], sign * x[ok])


@pytest.mark.parametrize("loss,beta", LOSSES)
def test_gd_is_symmetric_in_x_and_y(loss, beta):
    x0, y0 = np.array([0.3, 2.0, 5.0]), np.array([4.0, 7.0, 1.0])
    a = eos.single_neuron(x0, y0, 0.05, loss, beta=beta, max_steps=50_000)
    b = eos.single_neuron(y0, x0, 0.05, loss, beta=beta, max_steps=50_000)
    np.testing.assert_array_equal(a.x, b.y)
    np.testing.assert_array_equal(a.y, b.x)
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.sharpness, b.sharpness)


@pytest.mark.parametrize("loss,beta", LOSSES)
def test_gf_regime_limit_is_y0sq_minus_x0sq_minus_O1(loss, beta):
    # Theorem 1: for y0² − x0² = γ/η < 2/η, λ∞ = y0² − x0² − O(1), uniformly as η → 0. Since D only
    # decreases (|η l'| < 1), λ∞ = D∞ ≤ D0.
    etas = np.array([0.04, 0.01, 0.0025])
    x0, y0 = theorem_init(1.5, etas)
    r = eos.single_neuron(x0, y0, etas, loss, beta=beta)
    assert r.converged.all()
    deficit = (y0**2 - x0**2) - r.sharpness
    assert np.all(deficit > 0) and np.all(deficit < 1.0)


@pytest.mark.parametrize("loss,beta,exponent", [("logistic", None, 1), ("sqrt", None, 1), ("beta", 3.0, 0.5),
                                                ("huber", None, 0), ("beta", 1.5, 2)])
def test_eos_regime_gap_is_positive_and_scales_as_eta_to_1_over_beta_minus_1(loss, beta, exponent):
    # Theorem 2: y0² − x0² > 2/η ⇒ 2/η − O(η^{1/(β−1)}) ≤ λ∞ ≤ 2/η.
    etas = np.array([0.04, 0.02, 0.01])
    x0, y0 = theorem_init(2.5, etas)
    r = eos.single_neuron(x0, y0, etas, loss, beta=beta, max_steps=10**7)
    assert r.converged.all()
    assert np.all(r.gap > 0)
    assert np.all(r.gap < 0.05 * 2 / etas)  # the limit sits at the edge, not back at the flow's value
    assert np.all(r.t_cross > 0)  # it got there by crossing 2/η from above
    slope = np.polyfit(np.log(etas), np.log(r.gap), 1)[0]
    assert slope == pytest.approx(exponent, abs=0.15)


@pytest.mark.parametrize("loss,beta", LOSSES)
# double-double: the gap is right to its float64 rounding (the state to its long double output rounding)
@pytest.mark.parametrize("precision,tol", [("longdouble", 2e-15), ("double", 2e-12), ("double-double", 2.3e-16)])
def test_matches_mpmath_reference(loss, beta, precision, tol):
    r = eos.single_neuron(3.0, 6.0, 0.1, loss, beta=beta, precision=precision)
    assert r.converged
    ref = mp_single_neuron(3.0, 6.0, 0.1, loss, int(r.steps), beta, dps=50)
    assert rel_err(r.gap, ref["gap"]) < tol
    assert rel_err(r.y, ref["y"]) < tol / 100
    assert rel_err(r.sharpness, ref["sharpness"]) < tol / 100


def test_convergence_rule_by_continuing():
    # After a run stops as converged, continuing GD (here in independent numpy long double) for many more
    # steps moves y by at most a few units in the last place, and the sharpness stays at y².
    eta = np.longdouble("0.05")
    x0, y0 = theorem_init(np.array([1.5, 2.5, 3.0]), eta)
    r = eos.single_neuron(x0, y0, eta, "logistic")
    assert r.converged.all()
    x, y = r.x.copy(), r.y.copy()
    for _ in range(20_000):
        g = np.tanh(x * y)
        x, y = x - eta * g * y, y - eta * g * x
    assert np.all(np.abs(y - r.y) <= 4 * np.spacing(r.y))
    assert np.all(np.abs(r.sharpness - r.y**2) <= 4 * np.spacing(r.y**2))


def test_counters_agree_with_the_trajectory():
    eta = np.longdouble("0.1")
    r = eos.single_neuron(3, 6, eta, "sqrt", max_steps=3000, record_every=1, band=(1.9, 2.05))
    n = int(r.steps)
    x, y = r.trajectory[: n + 1, 0], r.trajectory[: n + 1, 1]
    e = eta * y * y
    crossings = np.flatnonzero((e[1:] < 2) & (e[:-1] >= 2)) + 1
    assert r.t_cross == crossings[0]
    assert r.s_cross == pytest.approx(float(abs(x[crossings[0]] * y[crossings[0]])), rel=1e-15)
    assert r.band_steps == np.count_nonzero((e[1:] >= 1.9) & (e[1:] < 2.05))
    assert r.flips == np.count_nonzero(x[1:] * x[:-1] < 0)
    assert np.isnan(r.trajectory[n + 1 :]).all()
    assert r.trajectory.shape == (3001, 2)


@pytest.mark.parametrize("precision", ["double", "longdouble", "double-double"])
def test_no_crossing_gives_minus_one_and_nan(precision):
    """s_cross is NaN exactly where a chain never crossed (GF from the start: y0 = 4; EoS: y0 = 6), through the
    vector lanes and the careful steps alike."""
    y0 = np.where(np.arange(200) % 3 == 0, 4.0, 6.0)
    r = eos.single_neuron(3, y0, 0.1, "sqrt", precision=precision, max_steps=2000)
    crossed = r.t_cross >= 0
    assert np.array_equal(crossed, y0 == 6.0)
    assert np.isnan(r.s_cross[~crossed]).all() and np.isfinite(r.s_cross[crossed]).all()


def test_axis_is_a_fixed_point():
    r = eos.single_neuron(0.0, 5.0, 0.1)  # η y² = 2.5 > 2 but l'(0) = 0: GD never moves
    assert r.converged and r.steps == 0 and r.y == 5 and r.sharpness == 25


def test_divergence_is_reported_per_initialisation():
    r = eos.single_neuron([3.0, 1.0, 3.0], [6.0, 1.5, 4.0], [0.1, 5.0, 0.1], "logistic", precision="double", max_steps=10**4)
    np.testing.assert_array_equal(r.diverged, [False, True, False])
    np.testing.assert_array_equal(r.converged, [True, False, True])
    assert np.isfinite(r.x).all() and np.isfinite(r.y).all()  # the last finite iterate


def test_longdouble_inputs_are_used_exactly():
    y0 = np.longdouble(1) / 3  # not a double
    assert y0 != np.longdouble(float(y0))
    r = eos.single_neuron(0.0, y0, 0.1)
    assert r.y == y0 and r.y.dtype == np.longdouble
    eta = np.longdouble("0.1")
    a = eos.single_neuron(3, 6, eta, "sqrt")
    b = eos.single_neuron(3, 6, 0.1, "sqrt")
    assert a.y != b.y  # η = 0.1 in long double is not the double 0.1


def test_broadcasting_equals_separate_runs():
    x0 = np.array([[0.5], [1.0], [2.0]])
    y0 = np.array([3.0, 5.0, 8.0, 12.0])
    r = eos.single_neuron(x0, y0, 0.03, "logistic", max_steps=100_000)
    assert r.y.shape == (3, 4) and r.steps.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            s = eos.single_neuron(x0[i, 0], y0[j], 0.03, "logistic", max_steps=100_000)
            assert s.y == r.y[i, j] and s.steps == r.steps[i, j] and s.flips == r.flips[i, j]


def test_scalar_inputs_give_scalars():
    r = eos.single_neuron(1.0, 2.0, 0.1, record_every=5, max_steps=20)
    assert np.ndim(r.y) == 0 and np.ndim(r.steps) == 0
    assert r.trajectory.shape == (5, 2)


@pytest.mark.parametrize("loss,beta", LOSSES)
@pytest.mark.parametrize("precision", ["double", "double-double"])
def test_fast_chunks_match_the_careful_path(loss, beta, precision):
    """The vector kernels take 32 steps at a time and retake a lane step by step from the chunk's start when it
    flags an event; recording a trajectory turns the chunks off; lanes take the next chain when theirs stops.
    All give the same bits and counters, on chains that converge, diverge, cross the edge and bounce."""
    rng = np.random.default_rng(11)
    n = 301
    x0, y0 = rng.uniform(0.05, 3.0, n), rng.uniform(1.0, 7.0, n)
    eta = rng.choice([0.05, 0.1, 0.2], n)
    x0[:2], y0[:2], eta[:2] = [1e300, 0.0], [1e300, 4.0], [1e300, 0.1]  # an overflow, an axis
    kw = dict(beta=beta, precision=precision, max_steps=1501, band=(1.9, 2.05))
    fast = eos.single_neuron(x0, y0, eta, loss, **kw)
    careful = eos.single_neuron(x0, y0, eta, loss, record_every=1501, **kw)
    assert fast.converged.sum() > n // 3 and fast.diverged[0] and (fast.t_cross >= 0).sum() > 10
    assert (fast.flips > 8).sum() > 10 and (~fast.converged & ~fast.diverged).any()  # bouncing, still running
    for f in ("x", "y", "steps", "converged", "diverged", "t_cross", "s_cross", "band_steps", "flips", "gap"):
        np.testing.assert_array_equal(getattr(fast, f), getattr(careful, f), err_msg=f)
    # a chain run alone (one lane, no neighbours to hand lanes to) gives the same bits as in the crowd
    for i in (0, 1, 2, 57, 300):
        solo = eos.single_neuron(x0[i], y0[i], eta[i], loss, **kw)
        for f in ("x", "y", "steps", "t_cross", "band_steps", "flips"):
            assert getattr(solo, f) == getattr(fast, f)[i], (i, f)


def test_chunks_whose_arguments_leave_their_range_of_tanh_match_the_careful_path():
    """In double, a vector chunk whose lanes' arguments s = x y all lie in one range of tanh's reduction n takes a
    shorter form of tanh for that range (fast_math.hpp) and retakes a lane whose s left it at some step. Groups of
    alike chains, so that whole blocks go through each range: |s| growing 15 % a step from 1e-4 (GD at
    eta y^2 = 2.155: the second chunk, counting flips as it must, leaves n = 0 at the top), |s| shrinking (GF from
    s0 ~ 2: at the bottom), |s| starting on a switch; each must give the careful path's bits."""
    rng = np.random.default_rng(29)
    n = 256
    u = rng.uniform(size=n)
    groups = {
        "growing": (1e-4 * (1 + 0.1 * u) / np.sqrt(21.55), np.sqrt(21.55) * (1 + 0.002 * u), 0.1, 300),
        "shrinking": (1.0 + 0.1 * u, 2.0 + 0.1 * u, 0.05, 400),
        "on a switch": (0.8664 + 1e-4 * u, np.ones(n), 0.01, 300),
    }
    for name, (x0, y0, eta, steps) in groups.items():
        kw = dict(precision="double", max_steps=steps, band=(1.9, 2.05))
        fast = eos.single_neuron(x0, y0, eta, "logistic", **kw)
        careful = eos.single_neuron(x0, y0, eta, "logistic", record_every=1, **kw)
        s = np.abs(careful.trajectory[:, :, 0] * careful.trajectory[:, :, 1])
        assert np.nanmin(s) < 0.17 and np.nanmax(s) > {"growing": 0.18, "shrinking": 0.87}.get(name, 0.866), name
        for f in ("x", "y", "steps", "converged", "t_cross", "s_cross", "band_steps", "flips"):
            np.testing.assert_array_equal(getattr(fast, f), getattr(careful, f), err_msg=f"{name} {f}")


@pytest.mark.parametrize("precision", ["double", "double-double"])
def test_convergence_found_at_its_step_though_chunks_test_it_at_their_end(precision):
    """The fast chunks test convergence once, at their end (single_neuron_may_have_settled), and retake a lane
    from the chunk's start when it may have converged inside: every chain must still stop at the very step the
    careful path (a test every step) stops it. Chains converging at every step of a chunk: GF starts, EoS starts
    settling just below the edge (rho ~ 1, where the filter's margins matter), and tiny x0 (the underflow clause)."""
    rng = np.random.default_rng(23)
    n = 3000
    eta = rng.choice([0.01, 0.05, 0.1], n)
    x0 = rng.uniform(0.05, 2.0, n)
    y0 = np.where(rng.uniform(size=n) < 0.5, rng.uniform(1.0, 3.0, n), rng.uniform(1.0, 1.4, n) * np.sqrt(2 / eta))
    x0[:50] = 10.0 ** rng.uniform(-200, -150, 50)
    kw = dict(precision=precision, max_steps=4000)
    for loss, beta in (("logistic", None), ("sqrt", None), ("huber", None), ("beta", 1.5)):
        fast = eos.single_neuron(x0, y0, eta, loss, beta=beta, **kw)
        careful = eos.single_neuron(x0, y0, eta, loss, beta=beta, record_every=4000, **kw)
        assert fast.converged.sum() > n // 3 and len(np.unique(fast.steps[fast.converged] % 32)) == 32
        for f in ("x", "y", "steps", "converged", "t_cross", "band_steps", "flips"):
            np.testing.assert_array_equal(getattr(fast, f), getattr(careful, f), err_msg=f"{loss} {f}")


@pytest.mark.parametrize("precision", ["longdouble", "double-double"])
def test_results_do_not_depend_on_threads(precision):
    rng = np.random.default_rng(1)
    x0, y0 = rng.uniform(0, 4, 20_000), rng.uniform(1, 12, 20_000)
    a = eos.single_neuron(x0, y0, 0.05, "sqrt", max_steps=5000, threads=1, precision=precision)
    b = eos.single_neuron(x0, y0, 0.05, "sqrt", max_steps=5000, threads=max(2, _core.max_threads()),
                          precision=precision)
    for f in ("x", "y", "steps", "converged", "sharpness", "gap", "t_cross", "band_steps", "flips"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    np.testing.assert_array_equal(a.s_cross, b.s_cross)  # NaNs in the same places compare equal here


def test_results_do_not_depend_on_how_the_call_is_cut_into_rounds():
    """A call advances every chain k steps a round, k starting near 2^28 / n in double: 500 chains alone take their
    4000 steps in one round; at the head of 10^5 others, in a round of 2 671 steps and one of the rest. Same bits."""
    rng = np.random.default_rng(2)
    x0, y0 = rng.uniform(0, 4, 100_500), rng.uniform(1, 12, 100_500)
    alone = eos.single_neuron(x0[:500], y0[:500], 0.05, "logistic", precision="double", max_steps=4000)
    crowd = eos.single_neuron(x0, y0, 0.05, "logistic", precision="double", max_steps=4000)
    assert alone.converged.any() and (alone.t_cross >= 0).any() and (alone.flips > 0).any()
    for f in ("x", "y", "steps", "converged", "diverged", "t_cross", "band_steps", "flips"):
        np.testing.assert_array_equal(getattr(alone, f), getattr(crowd, f)[:500], err_msg=f)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(eta=0.0), "eta must be > 0"),
        (dict(eta=-1.0), "eta must be > 0"),
        (dict(x0=np.nan), "x0 must be finite"),
        (dict(y0=[1.0, np.inf]), "y0 must be finite"),
        # checked by the core as it reads the inputs, on every thread, with the count over the broadcast input
        (dict(x0=np.r_[np.ones(10**5), np.nan, -np.inf], precision="double"), "x0 must be finite; it has 2 non-"),
        (dict(y0=np.array([1, np.nan], dtype=np.longdouble), precision="longdouble"), "y0 must be finite; it has 1 "),
        (dict(eta=np.nan), "eta must be finite"),
        (dict(loss="hinge"), "loss must be one of 'logistic', 'sqrt', 'huber', 'beta'"),
        (dict(loss="beta"), "beta is required for loss='beta'"),
        (dict(loss="beta", beta=1.0), "beta must be > 1"),
        (dict(loss="sqrt", beta=2.0), "beta is only used by loss='beta'"),
        (dict(precision="quad"), "precision must be one of"),
        (dict(max_steps=0), r"max_steps must be an integer in \[1, "),
        (dict(x0=np.ones(3), y0=np.ones(4)), "inputs do not broadcast together"),
        (dict(band=(2.5, 2.0)), "band must satisfy lo < hi"),
        (dict(record_every=1, max_steps=10**9), "record less often"),
        (dict(threads=0), r"threads must be an integer in \[1, "),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, match):
    args = dict(x0=1.0, y0=2.0, eta=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        eos.single_neuron(args.pop("x0"), args.pop("y0"), args.pop("eta"), **args)


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(x0="3"), "x0 must be a real number"), (dict(max_steps=10.0), "max_steps must be an integer"),
     (dict(eta=1j), "eta must be a real number")],
)
def test_wrong_types_are_type_errors(kwargs, match):
    args = dict(x0=1.0, y0=2.0, eta=0.1)
    args.update(kwargs)
    with pytest.raises(TypeError, match=match):
        eos.single_neuron(args.pop("x0"), args.pop("y0"), args.pop("eta"), **args)


def test_progress_bar(capsys):
    eos.single_neuron(np.full(10, 1.0), np.full(10, 1.0), 0.01, max_steps=200_000, progress=True)
    err = capsys.readouterr().err
    assert "single neuron" in err and "200k" in err
