"""The raw bindings of eos._core: build facts, dtype discipline, and the losses against mpmath."""
import mpmath as mp
import numpy as np
import pytest

from eos import _core

from mpref import exact, loss_d1, loss_d2

LOSSES = [("logistic", 0.0), ("sqrt", 0.0), ("huber", 0.0), ("beta", 1.5), ("beta", 3.0), ("beta", 10.0),
          ("beta", 7.5), ("beta", 5 / 3), ("beta", 1.1)]  # floor(beta) = 1, 3, 10, 7: every bit of the shortcut
PRECISIONS = ["double", "longdouble", "double-double"] + (["float128"] if _core.has_float128 else [])


def test_build_facts():
    assert isinstance(_core.has_openmp, bool) and isinstance(_core.has_float128, bool)
    assert _core.max_threads() >= 1
    assert _core.longdouble_mantissa_bits == np.finfo(np.longdouble).nmant + 1


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("loss,beta", LOSSES)
def test_loss_derivatives_match_mpmath(loss, beta, precision):
    dtype = np.float64 if precision == "double" else np.longdouble
    s = np.concatenate([-np.geomspace(1e-12, 40, 60), [0.0], np.geomspace(1e-12, 40, 60)]).astype(dtype)
    d1, d2 = _core.loss_derivatives(s, loss, beta, precision)
    eps = mp.mpf(float(np.finfo(dtype).eps))
    for si, a, b in zip(s, d1, d2):
        with mp.workdps(40):
            r1, r2 = loss_d1(loss, exact(si), beta), loss_d2(loss, exact(si), beta)
            # absolute error relative to the scale of l' (|l'| <= 1, l' ~ s near 0) and of l'' (<= 1)
            assert abs(exact(a) - r1) <= 8 * eps * max(abs(r1), mp.mpf(1e-300)), (si, a, r1)
            assert abs(exact(b) - r2) <= 8 * eps * max(abs(r2), abs(exact(si))) + 8 * eps, (si, b, r2)


def test_inputs_must_have_the_working_dtype():
    x = np.ones(3)
    with pytest.raises(TypeError, match="x0 must be a contiguous 1-D array of dtype float64 or (float128|longdouble)"):
        _core.single_neuron(x.astype(np.float32), x, x, "logistic", 0.0, "longdouble", 1, 2.0, 2.5, 0, 1, None)
    with pytest.raises(TypeError, match="eta must be a contiguous 1-D array of dtype float64 and length 3"):
        _core.mean_model(x, x, x[:2], x, "double", 1, 0, 1, None)
    with pytest.raises(TypeError, match="b0 must be a contiguous 1-D array of dtype float64 and length 3"):
        _core.mean_model(x, x.astype(np.longdouble), x, x, "double", 1, 0, 1, None)


@pytest.mark.parametrize("precision", ["longdouble", "double-double"])
def test_float64_inputs_are_widened_exactly_in_the_core(precision):
    """The extended precisions take float64 inputs as they are and widen them in the core: the same bits as the
    values given as long double, in both models; a long double input keeps its bits beyond double's."""
    rng = np.random.default_rng(5)
    x0, y0 = rng.uniform(0.2, 1.0, 2000), rng.uniform(1.0, 2.5, 2000)
    eta = rng.uniform(0.05, 0.3, 2000)
    wide = [np.asarray(v, dtype=np.longdouble) for v in (x0, y0, eta)]
    a = _core.single_neuron(x0, y0, eta, "logistic", 0.0, precision, 300, 2.0, 2.5, 0, 2, None)
    b = _core.single_neuron(*wide, "logistic", 0.0, precision, 300, 2.0, 2.5, 0, 2, None)
    for key in ("x", "y", "sharpness", "gap", "t_cross", "flips"):
        np.testing.assert_array_equal(a[key], b[key])
    a = _core.mean_model(x0, y0 - 2.0, eta, np.full(1, 10.0), precision, 300, 0, 2, None)
    b = _core.mean_model(wide[0], wide[1] - 2, wide[2], np.full(1, 10.0, dtype=np.longdouble), precision, 300, 0, 2,
                         None)
    for key in ("A", "b", "sharpness", "gap"):
        np.testing.assert_array_equal(a[key], b[key])
    if np.finfo(np.longdouble).nmant > 52:
        # one step from x0 = 1 + 2^-60 (not a double), y0 = 0: x stays x0 exactly (l'(0) = 0)
        x = np.asarray([1 + np.longdouble(2) ** -60])
        r = _core.single_neuron(x, np.zeros(1), np.full(1, 0.1), "logistic", 0.0, precision, 1, 2.0, 2.5, 0, 1,
                                None)
        assert r["x"][0] == x[0] != 1


def test_unknown_names_are_value_errors():
    x = np.ones(2)
    with pytest.raises(ValueError, match="loss must be one of"):
        _core.single_neuron(x, x, x, "hinge", 0.0, "double", 1, 2.0, 2.5, 0, 1, None)
    with pytest.raises(ValueError, match="precision must be 'double', 'longdouble'"):
        _core.mean_model(x, x, x, x, "half", 1, 0, 1, None)
    with pytest.raises(ValueError, match="beta must be a finite number > 1"):
        _core.loss_derivatives(x, "beta", 1.0, "double")


@pytest.mark.parametrize("precision", ["double", "longdouble", "double-double"])
def test_a_shared_eta_gives_the_bits_of_one_per_run(precision):
    """A scalar eta (and the mean model's d) reaches the core once, not copied n times (length 1, read with step
    0): every run gets the bits it gets from the same value repeated per run."""
    import dataclasses

    import eos

    rng = np.random.default_rng(3)
    x0, y0 = rng.uniform(0.1, 1.5, 400), rng.uniform(1.0, 12.0, 400)  # GF and EoS starts: crossings, convergence
    eta = 0.02

    def assert_same(one, each):
        for f in dataclasses.fields(one):
            a, b = getattr(one, f.name), getattr(each, f.name)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f.name)

    one = eos.single_neuron(x0, y0, eta, "logistic", precision=precision, max_steps=3000, threads=2)
    each = eos.single_neuron(x0, y0, np.full(400, eta), "logistic", precision=precision, max_steps=3000, threads=2)
    assert one.converged.any() and (one.t_cross >= 0).any()
    assert_same(one, each)
    A0, b0 = rng.uniform(0.5, 3.0, 300), rng.uniform(-0.5, 0.5, 300)
    one = eos.mean_model(A0, 0.05, 10, b0=b0, precision=precision, max_steps=2000, threads=2)
    each = eos.mean_model(A0, np.full(300, 0.05), np.full(300, 10), b0=b0, precision=precision, max_steps=2000,
                          threads=2)
    assert_same(one, each)
