"""The precision ladder (issue 6): the float128 path against an independent mpmath reference, and
precision="auto".

What can be checked of the quad path, honestly: its iterates come back rounded to np.longdouble and its gap
rounded once to float64. So (1) a quad step rounded to long double must equal the correctly rounded exact step
(bit for bit: the quad step is far more accurate than long double's half ulp); (2) the gap must match the
reference to float64 rounding even where the gap is 1e-13 of 2/η, which pins the quad sharpness down to ~1e-29
relative; (3) the cumulative identity D_t = D_0 Π (1 − η² l'(s_j)²) holds along a quad trajectory to the
rounding of its output after thousands of steps, where a long-double run has drifted far more. The mpmath
reference (tests/mpref.py) runs at 50 digits; the 40-digit run next to it says what 40 digits would be worth.
"""
from __future__ import annotations

import logging

import mpmath as mp
import numpy as np
import pytest

import eos
from eos.models import _precision

import mpref

pytestmark = pytest.mark.skipif(not eos._core.has_float128, reason="this build has no float128")

LD = np.longdouble
LD_BITS = np.finfo(LD).nmant + 1
CASES = [("logistic", None), ("sqrt", None), ("huber", None), ("beta", 1.5), ("beta", 3.0)]


def eos_init(eta: float, gamma: float = 2.5, x_tilde: float = 0.5) -> tuple[float, float]:
    """sqrt(γ/η)(x̃, ỹ) with ỹ² − x̃² = 1, rounded to float64 so every precision solves the same problem."""
    r = np.sqrt(gamma / eta)
    return float(r * x_tilde), float(r * np.sqrt(1 + x_tilde**2))


def to_longdouble(v: mp.mpf) -> np.longdouble:
    """v correctly rounded to np.longdouble (round to nearest even on LD_BITS bits), converted exactly."""
    with mp.workprec(LD_BITS):
        w = +v  # rounds to the context precision
    sign, man, exp, _ = w._mpf_  # mpmath's raw (sign, |mantissa|, exponent, bitcount)
    hi, lo = divmod(int(man), 2**32)
    v = np.ldexp(LD(hi) * LD(2**32) + LD(lo), int(exp))
    return -v if sign else v


@pytest.mark.parametrize("loss,beta", CASES)
@pytest.mark.parametrize("eta", [0.2, 0.05])
def test_quad_gap_matches_mpmath(loss, beta, eta):
    """From an EoS-regime start, the float128 gap is the 50-digit reference's to float64 rounding, and y∞ is
    its correctly rounded long double (or one ulp off); every rung is within what the error model allows."""
    x0, y0 = eos_init(eta)
    q = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision="float128", max_steps=10**6)
    assert q.converged
    n = int(q.steps)
    ref = mpref.single_neuron(x0, y0, eta, loss, n, beta=beta, dps=50)
    ref40 = mpref.single_neuron(x0, y0, eta, loss, n, beta=beta, dps=40)
    if loss != "huber":  # huber is ill-conditioned (README.md, "Which precision do I need?"); at these η still to ~1e-26
        assert mpref.rel_err(ref40["gap"], ref["gap"]) < 1e-30
    assert mpref.rel_err(np.float64(q.gap), ref["gap"]) <= 2.0**-53
    ulp = abs(np.spacing(LD(q.y)))
    assert abs(LD(q.y) - to_longdouble(ref["y"])) <= ulp
    for p in ("double", "longdouble"):
        r = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision=p, max_steps=10**6)
        assert mpref.rel_err(np.float64(r.gap), ref["gap"]) <= max(_precision.expected_error(r, eta), 2.0**-53)


def tuned_near_edge(loss, beta, eta=LD(0.25), x0=LD(0.01), k=40, rel_gap=mp.mpf("1e-13")):
    """y0 (a long double) such that after k GD steps from (x0, y0) the sharpness is 2/η (1 − rel_gap), by
    Newton's method on the 50-digit reference; and that reference run."""
    two_over_eta = 2 / mpref.exact(eta)
    target = two_over_eta * (1 - rel_gap)
    y0 = LD(2.83)
    for _ in range(12):
        with mp.workdps(50):
            f = mpref.single_neuron(x0, y0, eta, loss, k, beta=beta)["sharpness"] - target
            if abs(f) < two_over_eta * 1e-17:
                break
            y1 = y0 * LD(1 + 1e-9)
            df = (mpref.single_neuron(x0, y1, eta, loss, k, beta=beta)["sharpness"] - f - target) / (
                mpref.exact(y1) - mpref.exact(y0)
            )
            y0 = to_longdouble(mpref.exact(y0) - f / df)
    ref = mpref.single_neuron(x0, y0, eta, loss, k, beta=beta, dps=50)
    assert abs(ref["gap"] / two_over_eta - rel_gap) < rel_gap * 1e-3
    return x0, y0, eta, k, ref


@pytest.mark.parametrize("loss,beta", [("logistic", None), ("sqrt", None), ("beta", 1.5)])
def test_quad_sharpness_to_1e29(loss, beta):
    """40 steps of the nonlinear map ending where λ = 2/η (1 − 1e-13): the gap, rounded once from quad, still
    matches the reference to float64 rounding, so the quad λ is right to ~1e-29 relative. Long double (64-bit
    mantissa) cannot: its gap is off by ~1e-6 here, double's by ~1e-3."""
    x0, y0, eta, k, ref = tuned_near_edge(loss, beta)
    ref40 = mpref.single_neuron(x0, y0, eta, loss, k, beta=beta, dps=40)
    assert mpref.rel_err(ref40["gap"], ref["gap"]) < 1e-25  # 40 digits: ~1e-41 relative in λ, 1e-28 in the gap
    q = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision="float128", max_steps=k)
    assert int(q.steps) == k
    assert mpref.rel_err(np.float64(q.gap), ref["gap"]) <= 2.0**-53
    r = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision="longdouble", max_steps=k)
    assert mpref.rel_err(np.float64(r.gap), ref["gap"]) > 1e-9


@pytest.mark.parametrize("loss,beta", [("logistic", None), ("sqrt", None), ("beta", 1.5)])
def test_double_double_sits_between_long_double_and_quad(loss, beta):
    """Where λ = 2/η (1 − 1e-13) long double loses the gap to ~1e-6, double-double keeps it to ~1e-13 (its tanh
    and pow are good to ~2^-71, amplified 1e13 by the cancellation; sqrt's arithmetic is ~2^-104 and matches
    quad). On EoS runs of 10⁴–3·10⁵ steps its gap equals float128's to float64 rounding."""
    x0, y0, eta, k, ref = tuned_near_edge(loss, beta)
    d = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision="double-double", max_steps=k)
    assert int(d.steps) == k
    assert mpref.rel_err(np.float64(d.gap), ref["gap"]) < 1e-11
    for eta in (0.05, 0.02):
        x0, y0 = eos_init(eta)
        q, d = (eos.single_neuron(x0, y0, eta, loss, beta=beta, precision=p) for p in ("float128", "double-double"))
        assert q.converged and d.converged
        assert abs(d.gap - q.gap) <= 2 * np.spacing(q.gap)


@pytest.mark.parametrize("loss,beta", CASES)
def test_quad_step_is_correctly_rounded(loss, beta):
    """One quad step from each long-double state of an EoS trajectory, rounded to long double, equals the
    exact step correctly rounded: the quad step errs by ≪ half a long-double ulp. A long-double step does not."""
    eta = 0.1
    x0, y0 = eos_init(eta)
    traj = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision="float128", max_steps=3000,
                             record_every=1).trajectory
    states = traj[np.all(np.isfinite(traj), axis=1)]
    states = states[:: max(1, len(states) // 150)]
    xs, ys = states[:, 0].copy(), states[:, 1].copy()
    q = eos.single_neuron(xs, ys, eta, loss, beta=beta, precision="float128", max_steps=1)
    r = eos.single_neuron(xs, ys, eta, loss, beta=beta, precision="longdouble", max_steps=1)
    stepped = q.steps == 1
    assert stepped.sum() > 40
    e = mpref.exact(eta)
    mismatches_ld = 0
    with mp.workdps(60):
        for i in np.flatnonzero(stepped):
            x, y = mpref.exact(xs[i]), mpref.exact(ys[i])
            g = mpref.loss_d1(loss, x * y, beta)
            x1, y1 = to_longdouble(x - e * g * y), to_longdouble(y - e * g * x)
            assert (q.x[i], q.y[i]) == (x1, y1), i
            mismatches_ld += (r.x[i], r.y[i]) != (x1, y1)
    assert mismatches_ld > 0


@pytest.mark.parametrize("loss,beta", [("logistic", None), ("sqrt", None), ("beta", 1.5)])
def test_quad_cumulative_identity(loss, beta):
    """D_t = D_0 Π_{j<t} (1 − η² l'(s_j)²) (D = y² − x², s = xy; SPEC §1) along a 10⁴-step EoS run: on the
    quad trajectory it holds to the rounding of the output (~1e-19 relative), where the long-double run has drifted
    50–150× further."""
    eta = 0.05
    x0, y0 = eos_init(eta)
    drift = {}
    for p in ("float128", "longdouble"):
        tr = eos.single_neuron(x0, y0, eta, loss, beta=beta, precision=p, max_steps=10_000,
                               record_every=1).trajectory
        tr = tr[np.all(np.isfinite(tr), axis=1)][:10_000]
        e = mpref.exact(eta)
        with mp.workdps(40):
            x, y = mpref.exact(tr[0, 0]), mpref.exact(tr[0, 1])
            d0, prod, worst = y * y - x * x, mp.mpf(1), mp.mpf(0)
            for t in range(1, len(tr)):
                prod *= 1 - e * e * mpref.loss_d1(loss, x * y, beta) ** 2
                x, y = mpref.exact(tr[t, 0]), mpref.exact(tr[t, 1])
                worst = max(worst, abs((y * y - x * x) - d0 * prod) / (y * y))
        drift[p] = float(worst)
    assert drift["float128"] < 2e-19  # measured 7e-20: the rounding of the output, nothing accumulates
    assert drift["longdouble"] > 20 * drift["float128"]  # measured 4e-18 to 1e-17


def test_auto_picks_the_cheapest_sufficient_rung(caplog):
    """sqrt loss from an EoS start: at η = 0.1 double gives ~12 digits; 3 digits -> double, 12 digits ->
    double-double, and the returned gap has the digits asked for. At η = 0.01, 12 digits: double-double (where
    long double would not have done); 15 digits there: beyond double-double's conservative model -> float128."""
    x0, y0 = eos_init(0.1)
    ref = mpref.single_neuron(x0, y0, 0.1, "sqrt", 4000, dps=50)  # 4000 steps: converged to 1e-40
    with caplog.at_level(logging.DEBUG, logger="eos"):
        easy = eos.single_neuron(x0, y0, 0.1, "sqrt", precision="auto")
    assert easy.precision == "double"
    assert "picked double" in caplog.text
    assert mpref.rel_err(np.float64(easy.gap), ref["gap"]) < 5e-4
    mid = eos.single_neuron(x0, y0, 0.1, "sqrt", precision="auto", digits=12)
    assert mid.precision == "double-double"
    assert mpref.rel_err(np.float64(mid.gap), ref["gap"]) < 5e-13
    assert mpref.rel_err(np.float64(easy.gap), ref["gap"]) > 5e-13  # double would not have done

    x0, y0 = eos_init(0.01)
    hard = eos.single_neuron(x0, y0, 0.01, "sqrt", precision="auto", digits=12)
    assert hard.precision == "double-double"
    quad = eos.single_neuron(x0, y0, 0.01, "sqrt", precision="float128")
    assert abs(hard.gap - quad.gap) / quad.gap < 5e-13
    ld = eos.single_neuron(x0, y0, 0.01, "sqrt", precision="longdouble")
    assert abs(ld.gap - quad.gap) / quad.gap > 5e-13  # long double would not have done
    hardest = eos.single_neuron(x0, y0, 0.01, "sqrt", precision="auto", digits=15)
    assert hardest.precision == "float128"


def test_auto_broadcasts_and_keeps_the_result_shape():
    eta = np.array([0.2, 0.1, 0.05])
    x0, y0 = np.sqrt(2.5 / eta) * 0.5, np.sqrt(2.5 / eta) * np.sqrt(1.25)
    r = eos.single_neuron(x0, y0, eta, "logistic", precision="auto", digits=13)
    assert r.gap.shape == (3,)
    assert r.precision == "double-double"


def test_auto_warns_when_no_rung_suffices():
    """Huber's gap is ill-conditioned near the edge: no precision is trusted beyond 5 digits."""
    x0, y0 = eos_init(0.02)
    with pytest.warns(RuntimeWarning, match="even float128"):
        r = eos.single_neuron(x0, y0, 0.02, "huber", precision="auto", digits=8)
    assert r.precision == "float128"


def test_digits_validation():
    with pytest.raises(ValueError, match="digits"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="auto", digits=0)
    with pytest.raises(ValueError, match="digits"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="auto", digits=16)
    with pytest.raises(TypeError, match="digits"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="auto", digits=2.5)
    with pytest.raises(ValueError, match="digits is only used by precision='auto'"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="longdouble", digits=3)
    with pytest.raises(ValueError, match="'auto'"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="quad")
    with pytest.raises(ValueError, match="eta"):  # the other arguments are checked before any work
        eos.single_neuron(1.0, 5.0, -0.1, "sqrt", precision="auto")


def test_without_float128(monkeypatch):
    """A build without __float128: precision="float128" is refused naming the missing support, and "auto"
    refuses when (and only when) it would need float128."""
    monkeypatch.setattr(eos._core, "has_float128", False)
    with pytest.raises(ValueError, match="__float128 and libquadmath"):
        eos.single_neuron(1.0, 5.0, 0.1, "sqrt", precision="float128")
    x0, y0 = eos_init(0.01)
    with pytest.raises(ValueError, match="needs precision='float128'.*__float128 and libquadmath"):
        eos.single_neuron(x0, y0, 0.01, "sqrt", precision="auto", digits=15)
    assert eos.single_neuron(x0, y0, 0.01, "sqrt", precision="auto", digits=12).precision == "double-double"
    assert eos.single_neuron(x0, y0, 0.01, "sqrt", precision="auto").precision == "double"


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_quad_mean_model_matches_mpmath(factor):
    """The mean model in float128 on both sides of η* = 8π/d²: b∞ is the reference's correctly rounded long
    double (or one ulp off) and the gap is the reference's to float64 rounding."""
    d = 20
    eta = factor * 8 * np.pi / d**2
    q = eos.mean_model(1.0, eta, d, precision="float128", max_steps=10**5)
    assert q.converged
    ref = mpref.mean_model(1.0, 0.0, eta, d, int(q.steps), dps=50)
    assert abs(LD(q.b) - to_longdouble(ref["b"])) <= abs(np.spacing(LD(q.b)))
    assert mpref.rel_err(np.float64(q.gap), ref["gap"]) <= 2.0**-53


def test_accuracy_bench_smoke():
    """bench/accuracy.py on one short case: rows against mpmath, errors within the error model of auto."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        import accuracy
    finally:
        sys.path.pop(0)
    rows = accuracy.run_case("beta", 3.0, max_steps=5_000, mp_steps=10_000, log=lambda s: None)
    assert [r["eta"] for r in rows] == [0.2, 0.1, 0.05, 0.02]
    for r in rows:
        assert r["reference"] == "mpmath" and r["ref_self_error"] < 1e-30
        assert r["error"]["float128"] <= 2.0**-53
        for p in ("double", "longdouble"):
            model = _precision.EPS[p] * (2 / r["eta"]) / r["ref_gap"] * (_precision.A + _precision.C * r["steps"][p])
            assert r["error"][p] <= model + 2.0**-53
    summary = accuracy.summarize(rows, accuracy.fit_model(rows))
    assert {s["precision"]: s["smallest_tested_eta"] for s in summary} == dict.fromkeys(accuracy.PRECISIONS, 0.02)
