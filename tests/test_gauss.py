"""fast::gauss (cpp/include/eos/gauss.hpp), the mean model's g = phi + b Phi, g' = Phi and g'' = phi, against
mpmath over the whole real line (subnormal results included), its symmetries, its special values, and the SIMD
paths against each other (they must give the same bits)."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from eos import _core
from eos.models._run import dtype_of

from mpref import gauss as mp_gauss
from test_fastmath import LD, PRECISIONS, to_mpf

NAMES = ("g", "dg", "d2g")
#: the bounds the tests hold fast::gauss to, in ulps of the working precision (of the true value; where that is
#: subnormal, in units of the smallest subnormal). Worst seen on 6*10^5 arguments per precision (the header
#: alone, against mpmath): g'' 1.1 ulp; g and g' 2.6 ulp for b > 0 and 4.4 for b < 0, where ~7 roundings add up
#: (the larger counts are for values just below a power of 2: relative errors stay under 2.6 eps); 99.9% of the
#: errors are below 2.8 ulp and the means below 0.6.
MAX_ULP = {"g": 5.0, "dg": 5.0, "d2g": 1.5}
#: |b| from which g(b), g'(b), g''(b) are (b, 1, 0) for b > 0 and (0, 0, 0) for b < 0: fast::gauss clamps |b| to
#: this, past the point where phi rounds to 0
U_MAX = {"double": 38.625, "longdouble": 151.0}


def arguments(precision: str, n: int, seed: int = 0) -> np.ndarray:
    """Both signs of: every scale from 1e-300 to past the clamp (log-uniform), [0, 8] (where the mean model's b
    lives), and the last 1.7 before the clamp, where the results for b < 0 go subnormal and then round to 0. In
    long double with all 64 mantissa bits in use."""
    dtype = dtype_of(precision)
    rng = np.random.default_rng(seed)
    u_max = U_MAX[precision]
    x = np.concatenate([
        np.exp(rng.uniform(np.log(1e-300), np.log(u_max + 9), n)),
        rng.uniform(0.0, 8.0, n),
        rng.uniform(u_max - 1.7, u_max + 0.2, n // 4),
    ]).astype(dtype)
    if dtype is LD:
        x = x * (1 + LD(rng.uniform(0, 1e-3, x.size)))
    return np.concatenate([x, -x])


def ulp(ref: mp.mpf, dtype: type) -> mp.mpf:
    """The unit in the last place of ref in dtype; the smallest subnormal for ref in the subnormal range."""
    fi = np.finfo(dtype)
    smallest = mp.mpf(2) ** (fi.minexp - fi.nmant)
    if ref == 0:
        return smallest
    _, e = mp.frexp(abs(ref))  # |ref| = m 2^e, 1/2 <= m < 1
    return max(mp.mpf(2) ** (e - 1 - fi.nmant), smallest)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_gauss_within_a_few_ulps_over_the_whole_line(precision):
    dtype = dtype_of(precision)
    b = arguments(precision, 2500)
    got = _core._gauss(b, precision)
    assert all(v.dtype == dtype and v.shape == b.shape for v in got)
    with mp.workdps(60):
        refs = list(zip(*(mp_gauss(to_mpf(x)) for x in b)))
        for name, values, ref in zip(NAMES, got, refs):
            err = np.array([float(abs(to_mpf(v) - r) / ulp(r, dtype)) for v, r in zip(values, ref)])
            for side in (b < 0, b > 0):
                worst = int(np.flatnonzero(side)[np.argmax(err[side])])
                assert err[worst] <= MAX_ULP[name], f"{name}: {err[worst]:.2f} ulp at b = {b[worst]!r}"
            assert err.mean() < 0.6, name


@pytest.mark.parametrize("precision", PRECISIONS)
def test_gauss_symmetries(precision):
    """phi is even to the bit; Phi(b) + Phi(-b) = 1 and g(b) - g(-b) = b up to the rounding of the b > 0 side."""
    dtype = dtype_of(precision)
    b = np.abs(arguments(precision, 800, seed=1))
    gp, dgp, d2gp = _core._gauss(b, precision)
    gm, dgm, d2gm = _core._gauss(-b, precision)
    np.testing.assert_array_equal(d2gp, d2gm)
    eps = mp.mpf(2) ** -np.finfo(dtype).nmant
    with mp.workprec(256):  # to_mpf is exact, and so is the arithmetic below, at this precision
        for x, p, m, dp, dm in zip(b, gp, gm, dgp, dgm):
            assert abs(to_mpf(dp) + to_mpf(dm) - 1) <= eps / 2, f"Phi(b) + Phi(-b) at b = {x!r}"
            assert abs(to_mpf(p) - to_mpf(m) - to_mpf(x)) <= to_mpf(np.spacing(p)) / 2, f"g(b) - g(-b) at b = {x!r}"


@pytest.mark.parametrize("precision", PRECISIONS)
def test_gauss_special_values(precision):
    dtype = dtype_of(precision)
    fi = np.finfo(dtype)
    u_max = U_MAX[precision]
    tiny = fi.smallest_subnormal
    b = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, fi.max, -fi.max, u_max, -u_max, tiny, -tiny], dtype)
    g, dg, d2g = _core._gauss(b, precision)
    with mp.workprec(256):
        c = 1 / mp.sqrt(2 * mp.pi)
        with mp.workprec(fi.nmant + 1):
            c = +c  # phi(0) rounded to the working precision
        # b = 0: phi(0) rounded, Phi(0) = 1/2 and g(0) = phi(0) exactly; the same at the smallest subnormal
        for k in (0, 1, 9, 10):
            assert to_mpf(d2g[k]) == c and g[k] == d2g[k] and dg[k] == 0.5, f"b = {b[k]!r}"
    assert (g[2], dg[2], d2g[2]) == (np.inf, 1, 0) and (g[3], dg[3], d2g[3]) == (0, 0, 0)
    assert np.isnan(g[4]) and np.isnan(dg[4]) and np.isnan(d2g[4])
    for k in (5, 7):  # far out and at the clamp, both sides: the tails are 0 exactly
        assert (g[k], dg[k], d2g[k]) == (b[k], 1, 0) and (g[k + 1], dg[k + 1], d2g[k + 1]) == (0, 0, 0)
    # towards the clamp on the left the results go subnormal, then 0, and never increase
    x = -np.linspace(u_max - 1.7, u_max, 2001, dtype=dtype)
    for name, v in zip(NAMES, _core._gauss(x, precision)):
        assert v[0] > 0 and np.any(v < fi.smallest_normal) and v[-1] == 0 and np.all(np.diff(v) <= 0), name


def test_gauss_rejects_other_precisions_and_dtypes():
    with pytest.raises(ValueError, match="got 'float128'"):
        _core._gauss(np.zeros(3), "float128")
    with pytest.raises(TypeError):
        _core._gauss(np.zeros(3, np.float32), "double")
    with pytest.raises(TypeError):
        _core._gauss(np.zeros(3), "double-double")  # double-double takes longdouble


# Double-double (the precision="double-double" mean model): every word of the results through _gauss_dd.
#: the bounds for double-double, in units of 2^-70 relative, or of the smallest subnormal 2^-1074 where that is
#: larger (the lo word, 2^-53 below hi, goes subnormal for results below 2^-969). Worst seen: 0.035 relative where
#: both words are normal (g' on 2 500 arguments; it was 0.24 on 4.5*10^5 with a degree-7 Pade exp), the fit of Z
#: (within 0.035), phi's exp (double_double.hpp's ReducedExp) well below it; 0.75 below 2^-969.
DD_MAX = 0.1
DD_MAX_TINY = 1.0
TWO70 = mp.mpf(2) ** 70


def dd_arguments(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """arguments("double") with a random lo word: b = hi + lo, |lo| <= ulp(hi)/2, normalised."""
    hi = arguments("double", n, seed)
    lo = hi * np.random.default_rng(seed + 100).uniform(-(2.0**-53), 2.0**-53, hi.size)
    s = hi + lo
    return s, (hi - s) + lo


def dd_value(hi: float, lo: float) -> mp.mpf:
    return mp.mpf(hi) + mp.mpf(lo)


def test_gauss_dd_within_2_to_the_minus_70_over_the_whole_line():
    bh, bl = dd_arguments(2500, seed=3)
    out = _core._gauss_dd(bh, bl)
    assert len(out) == 6 and all(v.dtype == np.float64 and v.shape == bh.shape for v in out)
    for hi, lo in zip(out[::2], out[1::2]):
        assert np.all(hi + lo == hi), "the results are normalised pairs"
    tiny = mp.mpf(2) ** -1074
    with mp.workprec(256):
        refs = list(zip(*(mp_gauss(dd_value(h, l)) for h, l in zip(bh, bl))))
        for k, (name, ref) in enumerate(zip(NAMES, refs)):
            got = [dd_value(h, l) for h, l in zip(out[2 * k], out[2 * k + 1])]
            # error in units of 2^-70 |ref|, or of the smallest subnormal where that is larger
            err = np.array([float(abs(v - r) / max(abs(r) / TWO70, tiny)) for v, r in zip(got, ref)])
            wide = np.array([abs(r) >= mp.mpf(2) ** -969 for r in ref])  # both words normal
            for side in (bh < 0, bh > 0):
                for part, bound in ((side & wide, DD_MAX), (side & ~wide, DD_MAX_TINY)):
                    if part.any():
                        worst = int(np.flatnonzero(part)[np.argmax(err[part])])
                        assert err[worst] <= bound, f"{name}: {err[worst]:.3f} at b = {bh[worst]!r} + {bl[worst]!r}"


def test_gauss_dd_symmetries():
    """phi is even to the bit; Phi(b) + Phi(-b) = 1 and g(b) - g(-b) = b to the rounding of the b > 0 side."""
    bh, bl = dd_arguments(600, seed=4)
    bh, bl = np.where(bh < 0, -bh, bh), np.where(bh < 0, -bl, bl)
    p = _core._gauss_dd(bh, bl)
    m = _core._gauss_dd(-bh, -bl)
    np.testing.assert_array_equal(p[4], m[4])
    np.testing.assert_array_equal(p[5], m[5])
    eps = mp.mpf(2) ** -104
    with mp.workprec(256):
        for i in range(bh.size):
            b = dd_value(bh[i], bl[i])
            gp, gm = dd_value(p[0][i], p[1][i]), dd_value(m[0][i], m[1][i])
            dp, dm = dd_value(p[2][i], p[3][i]), dd_value(m[2][i], m[3][i])
            assert abs(dp + dm - 1) <= eps, f"Phi(b) + Phi(-b) at b = {bh[i]!r}"
            assert abs(gp - gm - b) <= eps * gp, f"g(b) - g(-b) at b = {bh[i]!r}"


def test_gauss_dd_special_values():
    big, u_max = np.finfo(np.float64).max, U_MAX["double"]
    tiny = np.finfo(np.float64).smallest_subnormal
    bh = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, big, -big, u_max, -u_max, tiny, -tiny])
    bl = np.zeros_like(bh)
    g, g_lo, dg, dg_lo, d2g, d2g_lo = _core._gauss_dd(bh, bl)
    with mp.workprec(256):
        c = 1 / mp.sqrt(2 * mp.pi)
        for k in (0, 1, 9, 10):  # phi(0) = c to the rounding of c; g(0) = phi(0) exactly; Phi(0) = 1/2 to the fit
            assert abs(dd_value(d2g[k], d2g_lo[k]) - c) <= c * mp.mpf(2) ** -104, f"b = {bh[k]!r}"
            assert (g[k], g_lo[k]) == (d2g[k], d2g_lo[k]), f"b = {bh[k]!r}"
            assert abs(dd_value(dg[k], dg_lo[k]) - mp.mpf(1) / 2) <= mp.mpf(2) ** -74, f"b = {bh[k]!r}"
    assert (g[2], g_lo[2], dg[2], dg_lo[2], d2g[2], d2g_lo[2]) == (np.inf, 0, 1, 0, 0, 0)
    assert (g[3], g_lo[3], dg[3], dg_lo[3], d2g[3], d2g_lo[3]) == (0, 0, 0, 0, 0, 0)
    assert all(np.isnan(v[4]) for v in (g, dg, d2g))
    for k in (5, 7):  # far out and at the clamp, both sides: the tails are 0 exactly
        assert (g[k], g_lo[k], dg[k], dg_lo[k], d2g[k], d2g_lo[k]) == (bh[k], 0, 1, 0, 0, 0)
        assert (g[k + 1], g_lo[k + 1], dg[k + 1], dg_lo[k + 1], d2g[k + 1], d2g_lo[k + 1]) == (0, 0, 0, 0, 0, 0)
    # b = +inf as the longdouble conversion makes it (lo = inf - inf = NaN): still (inf, 1, 0)
    out = _core._gauss_dd(np.array([np.inf]), np.array([np.nan]))
    assert [v[0] for v in out] == [np.inf, 0, 1, 0, 0, 0]
    # towards the clamp on the left the results go subnormal, then 0, and never increase
    x = -np.linspace(u_max - 1.7, u_max, 2001)
    out = _core._gauss_dd(x, np.zeros_like(x))
    for name, hi, lo in zip(NAMES, out[::2], out[1::2]):
        assert hi[0] > 0 and np.any(hi < np.finfo(np.float64).smallest_normal) and hi[-1] == lo[-1] == 0, name
        assert np.all(np.diff(hi) <= 0), name


@pytest.mark.skipif(LD is np.float64, reason="long double is double here")
def test_gauss_double_double_as_longdouble():
    """_gauss(b, "double-double") converts b (longdouble) exactly to hi + lo and rounds the results once."""
    b = arguments("longdouble", 500, seed=5)  # all 64 mantissa bits in use
    bh = b.astype(np.float64)
    bl = (b - LD(bh)).astype(np.float64)  # exact
    got = _core._gauss(b, "double-double")
    assert all(v.dtype == LD and v.shape == b.shape for v in got)
    ref = _core._gauss_dd(bh, bl)
    for name, v, hi, lo in zip(NAMES, got, ref[::2], ref[1::2]):
        np.testing.assert_array_equal(v, LD(hi) + LD(lo), err_msg=name)


@pytest.mark.skipif(_core.simd_target() == "base", reason="this machine has only the base SIMD path")
def test_gauss_dd_simd_paths_give_identical_bits(monkeypatch):
    bh, bl = dd_arguments(3000, seed=6)
    bh = np.concatenate([bh, [0.0, -0.0, np.inf, -np.inf, np.nan]])
    bl = np.concatenate([bl, np.zeros(5)])
    results = {}
    for path in ("base", "avx2", "avx512"):
        monkeypatch.setenv("EOS_SIMD", path)
        results[path] = _core._gauss_dd(bh, bl)
    for path in ("avx2", "avx512"):
        for k, (x, y) in enumerate(zip(results["base"], results[path])):
            np.testing.assert_array_equal(x, y, err_msg=f"{path} {NAMES[k // 2]} {('hi', 'lo')[k % 2]}")


@pytest.mark.skipif(_core.simd_target() == "base", reason="this machine has only the base SIMD path")
def test_gauss_simd_paths_give_identical_bits(monkeypatch):
    """The vectorised loops (AVX2, AVX-512) round exactly as the scalar one: no FMA contraction, and the one
    explicit fma (u^2 = h + l) is exact."""
    b = np.concatenate([arguments("double", 3000, seed=2), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    results = {}
    for path in ("base", "avx2", "avx512"):
        monkeypatch.setenv("EOS_SIMD", path)
        results[path] = _core._gauss(b, "double")
    for path in ("avx2", "avx512"):
        for name, x, y in zip(NAMES, results["base"], results[path]):
            np.testing.assert_array_equal(x, y, err_msg=f"{path} {name}")
