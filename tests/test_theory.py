"""eos.theory against closed forms, mpmath quadrature, independent ODE solutions and the compiled core."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import eos
from eos import theory as T

LD = np.longdouble
EPS_LD = float(np.finfo(np.longdouble).eps)
LOSSES = [("logistic", None), ("sqrt", None), ("huber", None), ("beta", 1.5), ("beta", 2.0), ("beta", 10.0)]
S = np.array([-3.0, -1.2, -0.7, -1e-3, 0.0, 2e-4, 0.3, 0.9, 1.1, 1.3, 2.5, 40.0])


# --- losses ------------------------------------------------------------------------------------------------------


def _mp_loss(name, beta, s):
    """l(s) written from SPEC §1's table in mpmath (an independent transcription)."""
    s = mp.mpf(s)
    if name == "logistic":
        return (mp.log(1 + mp.exp(-2 * s)) + mp.log(1 + mp.exp(2 * s))) / 2
    if name == "sqrt":
        return mp.sqrt(1 + s * s)
    if name == "huber":
        return s * s / 2 if abs(s) <= 1 else abs(s) - mp.mpf(1) / 2
    beta = mp.mpf(beta)
    r, c = (beta + 1) / beta, (beta / (beta + 1)) ** beta / (beta + 1)
    inner = lambda a: a * a / 2 - c * a ** (beta + 2) / (beta + 2)  # noqa: E731
    return inner(abs(s)) if abs(s) <= r else inner(r) + abs(s) - r


@pytest.mark.parametrize("name,beta", LOSSES)
def test_loss_values_and_derivatives_match_mpmath(name, beta):
    loss = T.get_loss(name, beta)
    with mp.workdps(40):
        for s in S:
            assert float(loss.l(s)) == pytest.approx(float(_mp_loss(name, beta, s)), rel=1e-14, abs=1e-300)
            if name == "huber" and abs(abs(s) - 1) < 1e-9:
                continue  # the kink of l''
            d1 = mp.diff(lambda u: _mp_loss(name, beta, u), s)
            d2 = mp.diff(lambda u: _mp_loss(name, beta, u), s, 2)
            assert float(loss.dl(s)) == pytest.approx(float(d1), rel=1e-13, abs=1e-15)
            assert float(loss.d2l(s)) == pytest.approx(float(d2), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name,beta", LOSSES)
def test_loss_axioms_of_spec(name, beta):
    """Convex, even, 1-Lipschitz, l''(0) = 1, q = l'/s decreasing in |s| with q(0) = 1; longdouble kept."""
    loss = T.get_loss(name, beta)
    s = np.linspace(-6, 6, 2001)
    assert np.all(loss.d2l(s) >= 0) and np.all(np.abs(loss.dl(s)) <= 1)
    np.testing.assert_array_equal(loss.l(s), loss.l(-s))
    assert loss.d2l(0.0) == 1 and loss.ratio(0.0) == 1
    q = loss.ratio(s[s >= 0])
    assert np.all(np.diff(q) <= 0) and np.all(q > 0)
    assert loss.dl(np.array([0.25], dtype=LD)).dtype == LD


def test_loss_names_and_exponents():
    assert [T.get_loss(n, b).beta for n, b in LOSSES] == [2.0, 2.0, math.inf, 1.5, 2.0, 10.0]
    for bad in [("beta", None), ("beta", 1.0), ("beta", math.inf), ("sqrt", 2.0), ("cosh", None)]:
        with pytest.raises(ValueError):
            T.get_loss(*bad)


def test_beta_loss_is_c1_at_r():
    """l_β' reaches 1 at r = (β+1)/β with l_β''(r) = 0, so it joins the linear part smoothly."""
    for beta in (1.5, 5 / 3, 2.0, 4.0, 10.0):
        loss = T.get_loss("beta", beta)
        r = LD(beta + 1) / LD(beta)
        assert abs(float(loss.dl(r)) - 1) < 10 * EPS_LD
        assert abs(float(loss.d2l(r))) < 50 * EPS_LD


@pytest.mark.parametrize("name,beta", LOSSES)
def test_one_gd_step_of_the_core_is_the_theory_map(name, beta):
    """The core and eos.theory define the same loss: one long-double GD step agrees to the last bits."""
    loss = T.get_loss(name, beta)
    x0 = np.array([0.3, 1.7, -2.5, 0.05], dtype=LD)
    y0 = np.array([2.0, 0.9, 3.0, 7.0], dtype=LD)
    eta = LD("0.1")
    r = eos.single_neuron(x0, y0, eta, name, beta=beta, max_steps=1)
    g = loss.dl(x0 * y0)
    np.testing.assert_allclose(r.x, x0 - eta * g * y0, rtol=8 * EPS_LD, atol=8 * EPS_LD)
    np.testing.assert_allclose(r.y, y0 - eta * g * x0, rtol=8 * EPS_LD, atol=8 * EPS_LD)
    np.testing.assert_allclose(r.sharpness, T.sharpness(r.x, r.y, loss), rtol=64 * EPS_LD)


def test_mean_model_step_of_the_core_is_the_theory_map():
    A0, b0, eta, d = 0.8, np.array([0.0, 0.4, -1.3]), 0.003, 40.0
    r = eos.mean_model(A0, eta, d, b0=b0, max_steps=1)
    s = A0 * T.g(b0)
    A1 = A0 - 2 * d * d * eta * T.dl_sym(s) * T.g(b0)
    b1 = b0 - eta * T.dl_sym(s) * A0 * T.dg(b0)
    np.testing.assert_allclose(r.A.astype(float), A1, rtol=1e-14)
    np.testing.assert_allclose(r.b.astype(float), b1, rtol=1e-14, atol=1e-16)


# --- mean model --------------------------------------------------------------------------------------------------


def test_g_and_derivatives_against_mpmath_quadrature():
    b = np.array([-8.0, -3.0, -0.5, 0.0, 0.7, 2.0, 6.0])
    with mp.workdps(30):
        ref = [mp.quad(lambda z: (z + v) * mp.npdf(z), [-v, mp.inf]) for v in b]
        np.testing.assert_allclose(T.g(b), np.array(ref, dtype=float), rtol=1e-13)
        np.testing.assert_allclose(T.dg(b), [float(mp.ncdf(v)) for v in b], rtol=1e-14)
        np.testing.assert_allclose(T.d2g(b), [float(mp.npdf(v)) for v in b], rtol=1e-14)
    assert T.g(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-16)


def test_g_inv_round_trips():
    b = np.concatenate([np.linspace(-30, 50, 801), [0.0, 1e-12, -1e-12]])
    np.testing.assert_allclose(T.g_inv(T.g(b)), b, rtol=1e-12, atol=4e-15)
    v = np.geomspace(1e-250, 1e3, 500)
    # g's condition number b g'(b)/g(b) ≈ b² (34² at v = 1e-250) bounds this direction's accuracy
    np.testing.assert_allclose(T.g(T.g_inv(v)), v, rtol=1e-12)
    assert np.isnan(T.g_inv(np.array([0.0, -1.0, np.nan]))).all()


def test_kappa_against_quadrature_and_round_trip():
    b = np.array([-40.0, -6.0, -2.0, -1.0, -0.3, -1e-7, 0.0, 1e-7, 0.5, 3.0])
    with mp.workdps(30):
        ref = [mp.quad(lambda u: (mp.npdf(u) + u * mp.ncdf(u)) / mp.ncdf(u), [0, v]) for v in b]
    np.testing.assert_allclose(T.kappa(b), np.array(ref, dtype=float), rtol=1e-13, atol=0)
    assert T.kappa(1e-9) == pytest.approx(math.sqrt(2 / math.pi) * 1e-9, rel=1e-8)  # κ'(0) = g(0)/g'(0)
    k = np.concatenate([-np.geomspace(1e-14, 10, 60), [0.0], np.geomspace(1e-14, 200, 60)])
    np.testing.assert_allclose(T.kappa(T.kappa_inv(k)), k, rtol=1e-13, atol=0)


def test_flow_bias_limit_is_where_the_mean_model_gradient_flow_ends():
    """Lemma 3 checked by integrating the flow Ȧ = −2d² l'(Ag) g, ḃ = −l'(Ag) A g' itself."""
    A0, d = 1.3, 6.0

    def rhs(_, z):
        A, b = z
        lp = float(T.dl_sym(A * T.g(b)))
        return (-2 * d * d * lp * float(T.g(b)), -lp * A * float(T.dg(b)))

    sol = solve_ivp(rhs, (0, 40), (A0, 0.0), method="DOP853", rtol=1e-12, atol=1e-14)
    assert abs(sol.y[0, -1]) < 1e-10
    assert sol.y[1, -1] == pytest.approx(float(T.flow_bias_limit(A0, d)), rel=1e-8)
    # and the first-order law b∞ ≈ −A0²√(2π)/(8d²) for wide models
    assert T.flow_bias_limit(1.0, 1000.0) == pytest.approx(-math.sqrt(2 * math.pi) / 8e6, rel=1e-6)


def test_threshold_bound_and_sharpness_of_section_3():
    d = np.array([20.0, 200.0])
    np.testing.assert_allclose(T.eta_star(d), 8 * np.pi / d**2)
    np.testing.assert_allclose(T.mean_model_sharpness(0.0, d), d**2 / (4 * np.pi), rtol=1e-15)
    # at η* the sharpness is exactly 2/η, and the bound is 0; η = 10π/d² gives the paper's −0.087
    np.testing.assert_allclose(T.mean_model_sharpness(0.0, d) * T.eta_star(d), 2.0, rtol=1e-15)
    np.testing.assert_allclose(T.eos_bias_bound(T.eta_star(d), d), 0.0, atol=1e-14)
    bound = T.eos_bias_bound(10 * np.pi / d**2, d)
    np.testing.assert_allclose(bound, -0.0873, atol=5e-5)
    np.testing.assert_allclose(T.mean_model_sharpness(bound, d) * 10 * np.pi / d**2, 2.0, rtol=1e-13)


# --- single neuron -----------------------------------------------------------------------------------------------


def test_regime_prediction_and_exponents():
    x0, y0 = np.array([3.0, 3.0, 6.0, 0.0]), np.array([4.0, 6.0, 3.0, 5.0])
    assert T.regime(x0, y0, 0.1).tolist() == ["gf", "eos", "eos", "eos"]
    np.testing.assert_array_equal(T.predicted_sharpness(x0, y0, 0.1), [7.0, 20.0, 20.0, 20.0])
    np.testing.assert_allclose(T.gap_exponent([1.5, 2, 3, 10, np.inf]), [2, 1, 0.5, 1 / 9, 0])
    np.testing.assert_allclose(T.bouncing_exponent([1.5, 5 / 3, 2, 4, np.inf]), [3, 2.5, 2, 2, 2])


def test_eos_init_keeps_long_double():
    eta = LD("1e-3")
    x0, y0 = T.eos_init(eta, LD(3), LD("0.5"))
    assert x0.dtype == LD
    assert abs((y0 * y0 - x0 * x0) * eta / 3 - 1) < 8 * EPS_LD


@pytest.mark.parametrize("dtype", [np.float64, LD])
def test_quasi_static_envelope_matches_closed_forms(dtype):
    eta = dtype("0.1")
    y = np.linspace(np.sqrt(20.5), 6.0, 9).astype(dtype)
    a = eta * y * y / 2  # a = η y²/2 > 1
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(T.quasi_static_s(y, eta, T.get_loss("sqrt")), np.sqrt(a * a - 1), rtol=16 * eps)
    np.testing.assert_allclose(T.quasi_static_s(y, eta, T.get_loss("huber")), a, rtol=4 * eps)
    for beta in (1.5, 2.0, 10.0):
        b = dtype(beta)
        r, c = (b + 1) / b, (b / (b + 1)) ** b / (b + 1)
        inner = ((1 - 1 / a) / c) ** (1 / b)
        expected = np.where(inner <= r, inner, a)
        got = T.quasi_static_s(y, eta, T.get_loss("beta", beta))
        np.testing.assert_allclose(got, expected, rtol=64 * eps)
    s = T.quasi_static_s(y, eta, T.get_loss("logistic"))
    np.testing.assert_allclose(eta * y * y * np.tanh(s) / s, 2, rtol=16 * eps)
    assert np.isnan(T.quasi_static_s(np.array([4.0, 0.0]), 0.1, T.get_loss("sqrt"))).all()  # η y² < 2
    # β = ∞: q = 1 on [0, 1], so just above the edge huber's envelope already sits at |s| = ηy²/2 > 1
    assert T.quasi_static_s(np.sqrt(20.0001), 0.1, T.get_loss("huber")) == pytest.approx(1.000005)


def test_gradient_flow_matches_the_exact_huber_solution():
    """In the quadratic zone of huber (|xy| ≤ 1, which the flow never leaves since |s| decreases), ẋ = −x(x² + D)
    has the solution x(t)² = D / ((1 + D/x0²) e^{2Dt} − 1)."""
    x0, y0 = 0.25, 2.0
    D = y0 * y0 - x0 * x0
    t = np.linspace(0, 3, 31)
    flow = T.gradient_flow(x0, y0, t, T.get_loss("huber"))
    x_exact = np.sqrt(D / ((1 + D / x0**2) * np.exp(2 * D * t) - 1))
    np.testing.assert_allclose(flow.x, x_exact, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(flow.y, np.sqrt(x_exact**2 + D), rtol=1e-12)
    assert flow.invariant_error < 1e-11


@pytest.mark.parametrize("name,beta", LOSSES)
def test_gradient_flow_conserves_its_invariant_and_is_the_small_step_limit_of_gd(name, beta):
    loss = T.get_loss(name, beta)
    flow = T.gradient_flow(3.0, 4.0, np.array([0.0, 0.5, 1.0]), loss)
    assert flow.invariant_error < 1e-10
    eta = 1e-4  # GD with a tiny step sits O(η) from the flow at time η t
    r = eos.single_neuron(3.0, 4.0, eta, name, beta=beta, precision="double", max_steps=10_000, record_every=5000)
    np.testing.assert_allclose(r.trajectory[:, 0], flow.x, atol=1e-3)
    np.testing.assert_allclose(r.trajectory[:, 1], flow.y, atol=1e-3)


def test_sharpness_is_the_top_hessian_eigenvalue():
    loss = T.get_loss("logistic")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=20) * 2, rng.normal(size=20) * 2
    s = x * y
    h, g = loss.d2l(s), loss.dl(s)
    hess = np.stack([np.stack([h * y * y, h * s + g], -1), np.stack([h * s + g, h * x * x], -1)], -2)
    np.testing.assert_allclose(T.sharpness(x, y, loss), np.linalg.eigvalsh(hess)[:, -1], rtol=1e-12)
    assert T.sharpness(0.0, 3.0, loss) == 9.0
