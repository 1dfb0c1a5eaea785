"""The kernels' own transcendental functions (cpp/include/eos/fast_math.hpp) against mpmath, over their whole
input range, and the SIMD paths of the kernels against each other (they must give the same bits)."""
from __future__ import annotations

import os
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest

import eos
from eos import _core

LD = np.longdouble
PRECISIONS = ["double"] + (["longdouble"] if np.finfo(LD).nmant > np.finfo(np.float64).nmant else [])
KERNEL_PRECISIONS = PRECISIONS + ["double-double"]
#: the bound the tests hold fast::tanh to, in units in the last place of the working precision (the largest
#: error seen on 10^5 random arguments is 3.2 ulp, near |x| = 0.9; the mean is below 0.5 ulp)
MAX_ULP = 4.0


def to_mpf(v: np.floating) -> mp.mpf:
    """A float64 or long double, exactly."""
    v = LD(v)
    if v == 0:
        return mp.mpf(0)
    m, e = np.frexp(v)
    return mp.mpf(int(np.ldexp(m, 64))) * mp.mpf(2) ** (int(e) - 64)


def arguments(dtype: type, n: int, seed: int = 0) -> np.ndarray:
    """Every scale from the subnormals to where tanh rounds to 1, densest where the kernels spend their time
    (|x| < 3), both signs, and (in long double) with all 64 mantissa bits in use."""
    rng = np.random.default_rng(seed)
    tiny = np.finfo(np.float64).tiny
    x = np.concatenate([
        np.exp(rng.uniform(np.log(tiny * 1e-10), np.log(40.0), n)),
        rng.uniform(0.0, 3.0, n),
        rng.uniform(0.15, 1.1, n // 2),  # where the reduction switches n = 0, 1, 2, 3
    ]).astype(dtype)
    if dtype is LD:
        x = x * (1 + LD(rng.uniform(0, 1e-3, x.size)))
    sign = np.where(rng.uniform(size=x.size) < 0.5, -1, 1).astype(dtype)
    return x * sign


def ulp_errors(got: np.ndarray, x: np.ndarray, dtype: type) -> np.ndarray:
    eps = mp.mpf(float(np.finfo(dtype).eps))
    out = np.empty(x.size)
    for k, (xi, gi) in enumerate(zip(x, got)):
        ref = mp.tanh(to_mpf(xi))
        ulp = mp.mpf(2) ** mp.floor(mp.log(abs(ref), 2)) * eps if ref != 0 else mp.mpf(0)
        out[k] = float(abs(to_mpf(gi) - ref) / ulp) if ulp else float(gi != 0)
    return out


@pytest.mark.parametrize("precision", PRECISIONS)
def test_tanh_within_a_few_ulps_over_the_whole_range(precision):
    dtype = np.float64 if precision == "double" else LD
    x = arguments(dtype, 6000)
    with mp.workprec(160):
        err = ulp_errors(_core._tanh(x, precision), x, dtype)
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{err[worst]:.2f} ulp at x = {x[worst]!r}"
    assert err.mean() < 0.6


@pytest.mark.parametrize("precision", PRECISIONS)
def test_tanh_special_values_and_symmetry(precision):
    dtype = np.float64 if precision == "double" else LD
    tiny = np.finfo(dtype).tiny
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, tiny, -tiny, tiny / 2**10, 19.0, 25.0, 1e300], dtype)
    t = _core._tanh(x, precision)
    assert t[0] == 0 and not np.signbit(t[0]) and t[1] == 0 and np.signbit(t[1])
    assert t[2] == 1 and t[3] == -1 and np.isnan(t[4])
    assert t[5] == tiny and t[6] == -tiny and t[7] == tiny / 2**10  # tanh x = x to the last bit
    assert t[9] == 1 and t[10] == 1
    y = arguments(dtype, 500, seed=3)
    np.testing.assert_array_equal(_core._tanh(-y, precision), -_core._tanh(y, precision))
    # monotone on a fine grid around the switches of the formula
    g = np.linspace(0.0, 2.0, 20001, dtype=dtype)
    assert np.all(np.diff(_core._tanh(g, precision)) >= 0)


def exact_n(x: np.ndarray) -> np.ndarray:
    """The reduction's n = round(2|x| log2e) of fast::tanh in double, exactly: the fma m = 2|x| log2e + 1.5 2^52
    rounded to an integer (ties to even, as the hardware rounds), minus 1.5 2^52. Rational arithmetic."""
    log2e = Fraction(float.fromhex("0x1.71547652b82fep0"))
    out = np.empty(x.size, dtype=np.int64)
    for k, v in enumerate(np.abs(x)):
        out[k] = round(2 * Fraction(float(min(v, 20.0))) * log2e)  # Python's round: half to even
    return out


def test_tanh_forms_give_the_general_bits_where_the_ranges_allow_them():
    """Vector chunks whose arguments all lie in one range of tanh's reduction n take a shorter form of tanh (n = 0:
    O/E with no reduction; n <= 2 and n >= 3: no selects on n). Each must give the general form's bits wherever
    fast::tanh_ranges allows it, and tanh_ranges must never leave out the true n: checked exactly (rational
    arithmetic) around the switches at n = 1 and n = 3, to the last ulp, and on 10^6 arguments over every scale."""
    rng = np.random.default_rng(17)
    tiny = np.finfo(np.float64).tiny
    n1, n3 = 0.25 / float.fromhex("0x1.71547652b82fep0"), 1.25 / float.fromhex("0x1.71547652b82fep0")
    near = np.concatenate([c + np.arange(-300, 301) * np.spacing(c) for c in (n1, n3)] +
                          [c * (1 + rng.uniform(-1e-5, 1e-5, 2000)) for c in (n1, n3)])
    x = np.concatenate([near, np.exp(rng.uniform(np.log(tiny * 1e-10), np.log(40.0), 10**6)),
                        rng.uniform(0.0, 3.0, 10**6), [0.0, np.inf]])
    x = x * np.where(rng.uniform(size=x.size) < 0.5, -1, 1)
    ranges, general, n0, n_le2, n_ge3 = _core._tanh_forms(x)
    assert set(np.unique(ranges)) <= {1, 2, 3, 4, 6} and (ranges == 3).any() and (ranges == 6).any()
    n = exact_n(near)
    bit = np.where(n == 0, 1, np.where(n <= 2, 2, 4))
    assert np.all(ranges[:near.size] & bit), "a range left out"
    for form, allowed in ((n0, 1), (n_le2, 3), (n_ge3, 4)):
        use = (ranges & ~allowed) == 0
        assert use.sum() > 1000
        np.testing.assert_array_equal(form[use].view(np.int64), general[use].view(np.int64))  # -0 and 0 differ
    nan = _core._tanh_forms(np.array([np.nan]))
    assert nan[0][0] == 0 and np.isnan(nan[1][0])  # no range: a chunk holding it takes the general form


def test_sqrt_loss_derivative_within_a_few_ulps_over_the_whole_range():
    """In double, the sqrt loss's l'(s) = s/sqrt(1 + s^2) is s times fast::rsqrt(1 + s^2) (bit trick, Newton steps
    and a correction, no divider) up to 1 + s^2 = 2^60, and +-1 beyond. Against mpmath from the subnormals to
    1e300, densest where kernels spend their time (|s| < 3) and around the switch to +-1 (|s| ~ 2^30): the worst
    error seen on 4e6 arguments is 2.1 ulp (s / sqrt(1 + s^2) with a correctly rounded sqrt and division: 2.0)."""
    rng = np.random.default_rng(5)
    tiny = np.finfo(np.float64).tiny
    s = np.concatenate([
        np.exp(rng.uniform(np.log(tiny * 1e-10), np.log(1e300), 4000)),
        rng.uniform(0.0, 3.0, 4000),
        2.0 ** rng.uniform(25, 35, 2000),
        2.0 ** 30 * np.array([1 - 2.0**-52, 1, 1 + 2.0**-52]),
    ])
    s = s * np.where(rng.uniform(size=s.size) < 0.5, -1, 1)
    d1, _ = _core.loss_derivatives(s, "sqrt", 0.0, "double")
    eps = mp.mpf(2) ** -52
    worst = 0.0
    for si, got in zip(s, d1):
        ref = to_mpf(si) / mp.sqrt(1 + to_mpf(si) ** 2)
        ulp = mp.mpf(2) ** mp.floor(mp.log(abs(ref), 2)) * eps
        worst = max(worst, float(abs(to_mpf(got) - ref) / ulp))
    assert worst <= 2.5
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300])
    got, _ = _core.loss_derivatives(special, "sqrt", 0.0, "double")
    np.testing.assert_array_equal(got, [0.0, -0.0, 1.0, -1.0, np.nan, 1.0, -1.0])
    assert np.signbit(got[1])


# ---------------------------------------------------------------------------------------------------------
# double-double (cpp/include/eos/double_double.hpp): the arithmetic of precision="double-double"

DD_OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "sqrt": lambda a, b: mp.sqrt(a), "rsqrt": lambda a, b: 1 / mp.sqrt(a),
          "tanh": lambda a, b: mp.tanh(a), "exp": lambda a, b: mp.exp(a), "log": lambda a, b: mp.log(a)}
#: bounds in units of 2^-104: * / sqrt rsqrt relative to the result (worst seen 1.5 for /); + and - relative to
#: |a| + |b| (QD's "sloppy" addition: exact up to the final rounding unless a + b cancels); tanh, exp and log use
#: a degree-6 Pade approximant after reduction to |r| <= ln2/8, with a double tail (worst seen 2^28.3, 2^25.3 and
#: 2^27.9, i.e. 2^-75.7, 2^-78.7 and 2^-76.1 relative), 2^11 below long double's rounding
DD_BOUND = {"add": 2.0, "sub": 2.0, "mul": 2.0, "div": 3.0, "sqrt": 2.0, "rsqrt": 2.0, "tanh": 2.0**30, "exp": 2.0**30,
            "log": 2.0**30}


def dd_numbers(n: int, seed: int, lo: float, hi: float, log_scale: bool = False) -> list[mp.mpf]:
    """Random double-double values (hi + lo with a full lo) spread over [lo, hi] or its logarithmic scale."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(lo, hi, n)
    x = np.exp(u) if log_scale else u
    return [mp.mpf(float(v)) * (1 + mp.mpf(float(w)) * 2**-53) for v, w in zip(x, rng.uniform(-1, 1, n))]


def split(values: list[mp.mpf]) -> tuple[np.ndarray, np.ndarray]:
    hi = np.array([float(v) for v in values])
    return hi, np.array([float(v - mp.mpf(h)) for v, h in zip(values, hi)])


@pytest.mark.parametrize("op", list(DD_OPS))
def test_double_double_against_mpmath(op):
    with mp.workprec(300):
        if op in ("tanh", "exp"):
            a = dd_numbers(1500, 1, -40, 40) + dd_numbers(1500, 2, -3, 3) + dd_numbers(1000, 3, -30, 1.5, True)
        elif op == "rsqrt":  # its domain [1, 2^106]: 1 + s^2 of the sqrt loss, up to where l' rounds to +-1
            a = [1 + v for v in dd_numbers(2000, 1, 0, 10)] + dd_numbers(2000, 2, 0, 106 * np.log(2), True)
        else:
            a = dd_numbers(2000, 1, -5, 5) + [-v for v in dd_numbers(2000, 2, np.log(1e-30), np.log(1e30), True)]
        if op in ("sqrt", "log"):
            a = [abs(v) for v in a]
        b = [v if abs(v) > 1e-3 else v + 1 for v in dd_numbers(len(a), 4, -3, 3)]
        (ah, al), (bh, bl) = split(a), split(b)
        a, b = [mp.mpf(h) + mp.mpf(l) for h, l in zip(ah, al)], [mp.mpf(h) + mp.mpf(l) for h, l in zip(bh, bl)]
        hi, lo = _core._dd(op, ah, al, bh, bl)
        worst = 0.0
        for k, (h, l) in enumerate(zip(hi, lo)):
            ref = DD_OPS[op](a[k], b[k])
            got = mp.mpf(h) + mp.mpf(l)
            assert abs(l) <= abs(np.spacing(h)) / 2, "not normalised"
            if op == "exp":
                ref, got = mp.log(ref), mp.log(got)  # relative error of exp = absolute error of its logarithm
                worst = max(worst, float(abs(got - ref) / 2.0**-104))
            elif op in ("add", "sub"):
                worst = max(worst, float(abs(got - ref) / (abs(a[k]) + abs(b[k])) / 2.0**-104))
            else:
                worst = max(worst, float(abs(got - ref) / abs(ref) / 2.0**-104))
    assert worst <= DD_BOUND[op], f"{op}: {worst:.3g} units of 2^-104"


def test_double_double_tanh_special_values():
    x = np.array([0.0, -0.0, np.nan, 50.0, -50.0, 1e-300, 40.0])
    hi, lo = _core._dd("tanh", x, np.zeros_like(x), x, x)
    assert hi[0] == 0 and not np.signbit(hi[0]) and hi[1] == 0 and np.signbit(hi[1]) and np.isnan(hi[2])
    # beyond |x| = 40 tanh is 1 to within 2^-115: the kernel's clamp
    assert (hi[3], hi[4], lo[3]) == (1.0, -1.0, -lo[4]) and -(2.0**-110) < lo[3] <= 0
    assert hi[5] == 1e-300 and hi[6] == 1.0 and -(2.0**-110) < lo[6] <= 0
    with pytest.raises(ValueError, match="op must be one of"):
        _core._dd("cos", x, x, x, x)


def test_tanh_rejects_the_wrong_dtype():
    with pytest.raises(TypeError):
        _core._tanh(np.zeros(3, np.float32), "double")


@pytest.mark.skipif(_core.simd_target() == "base", reason="this machine has only the base SIMD path")
@pytest.mark.parametrize("loss,beta", [("logistic", None), ("sqrt", None), ("huber", None), ("beta", 1.5)])
def test_simd_paths_give_identical_bits(monkeypatch, loss, beta):
    """Every vector path (base x86-64-v2, AVX2, AVX-512) rounds identically: no FMA contraction, no fast-math.
    Includes chains that converge, diverge and cross the edge, at sizes that leave partial blocks."""
    rng = np.random.default_rng(7)
    n = 203
    x0 = rng.uniform(0.1, 3.0, n)
    y0 = rng.uniform(1.0, 8.0, n)
    eta = np.full(n, 0.1)
    x0[:3] = [0.0, 1e300, np.sqrt(0.19 / 0.1)]  # an axis, an overflow, a point on y = x
    y0[:3] = [4.0, 1e300, np.sqrt(0.19 / 0.1)]
    eta[1] = 1e300
    results = {}
    for path in ("base", "avx2", "avx512"):
        monkeypatch.setenv("EOS_SIMD", path)
        assert _core.simd_target() in ("base", "avx2", "avx512")
        results[path] = {
            p: eos.single_neuron(x0, y0, eta, loss, beta=beta, precision=p, max_steps=3000, threads=2)
            for p in KERNEL_PRECISIONS
        }
    for p in KERNEL_PRECISIONS:
        a = results["base"][p]
        assert a.converged.sum() > n // 2 and a.diverged[1] and (a.t_cross >= 0).sum() > 10
        for path in ("avx2", "avx512"):
            b = results[path][p]
            for field in ("x", "y", "steps", "t_cross", "band_steps", "flips", "converged", "diverged"):
                np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=f"{path} {field}")


def test_env_var_caps_the_simd_path(monkeypatch):
    monkeypatch.setenv("EOS_SIMD", "base")
    assert _core.simd_target() == "base"
    monkeypatch.delenv("EOS_SIMD")
    assert _core.simd_target() in ("base", "avx2", "avx512")
    assert os.environ.get("EOS_SIMD") is None
