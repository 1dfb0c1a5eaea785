// Double-double numbers: the working type of precision="double-double" (the single neuron).
//
// Why: x87 long double has no vector units; a step costs ~150 cycles. A double-double value hi + lo (|lo| <=
// ulp(hi)/2, 106-bit significand) is built from exactly rounded double operations, so a loop over chains
// vectorises like the double kernel and still carries far more precision than long double's 64 bits: + - * /,
// sqrt and 1/sqrt are accurate to about 2^-104, tanh, exp and log to about 2^-75 (tests/test_fastmath.py), against
// long double's 2^-64. Inputs and outputs are np.longdouble (converted exactly on the way in, rounded on the
// way out), like float128's.
//
// The algorithms are the classic error-free transformations (Dekker 1971; Knuth TAOCP 4.2.2; Hida, Li and
// Bailey's QD library): two_sum, fast_two_sum, and two_prod by a fused multiply-add. They need every double
// operation rounded as written: no -ffast-math, and -ffp-contract=off (the project's flags). Every operation
// is branch-free, so a lane rounds exactly as a lone scalar does; an FMA rounds once wherever it runs (in the
// AVX2/AVX-512 clones an instruction, on older CPUs libm's exact fma), so results do not depend on the SIMD
// path either.
#pragma once

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

#include "eos/fast_math.hpp"

namespace eos {

struct dd {
  double hi = 0, lo = 0;

  dd() = default;
  constexpr dd(double h) : hi(h) {}  // NOLINT: implicit, as for a built-in real type
  constexpr dd(double h, double l) : hi(h), lo(l) {}
  template <std::integral I> constexpr dd(I i) : hi(double(i)) {}  // NOLINT (small integers only)
  // Exact: a long double has 64 significand bits, hi takes 53 of them and lo the rest.
  explicit dd(long double v) : hi(double(v)), lo(double(v - (long double)(double(v)))) {}
  // Rounded once, to long double's 64 bits (hi + lo is exact in x87's extended format before rounding only up to
  // 64 bits, which is the point).
  explicit operator long double() const { return (long double)hi + (long double)lo; }
  explicit operator double() const { return hi; }
};

namespace ddops {

// s + e == a + b exactly, s = fl(a + b).
inline dd two_sum(double a, double b) {
  const double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
// The same when |a| >= |b| (or a == 0).
inline dd fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
// p + e == a * b exactly (barring underflow), p = fl(a * b).
inline dd two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

}  // namespace ddops

// a + b with absolute error at most ~2^-105 (|a| + |b|): QD's default ("sloppy") addition, 11 operations
// against 20 for the one accurate relative to |a + b|. They differ only where a + b cancels, and there the
// kernels' operands already carry more error than that (a tanh good to 2^-75, a product rounded at 2^-106 of
// the larger term), so the accurate one would buy nothing: a double-double kernel is bound by its additions.
inline dd operator+(const dd& a, const dd& b) {
  using namespace ddops;
  dd s = two_sum(a.hi, b.hi);
  s.lo += a.lo + b.lo;
  return fast_two_sum(s.hi, s.lo);
}
inline dd operator+(const dd& a, double b) {
  using namespace ddops;
  dd s = two_sum(a.hi, b);
  s.lo += a.lo;
  return fast_two_sum(s.hi, s.lo);
}
inline dd operator-(const dd& a) { return {-a.hi, -a.lo}; }

namespace ddops {
// a + b as operator+, for |a| >= |b| (known from the algorithm): 8 operations.
inline dd add_ordered(const dd& a, const dd& b) {
  dd s = fast_two_sum(a.hi, b.hi);
  s.lo += a.lo + b.lo;
  return fast_two_sum(s.hi, s.lo);
}
// a b + c with one normalisation instead of two (16 operations against 20 for a * b + c, or 13 against 17 with
// fast_two_sum where |c| >= |a b| is known): the product's low part joins the sum's. Error ~2^-105 (|a b| + |c|),
// as the sloppy addition.
template <bool kOrdered = false> inline dd fma(const dd& a, const dd& b, const dd& c) {
  const dd p = two_prod(a.hi, b.hi);
  dd s = kOrdered ? fast_two_sum(c.hi, p.hi) : two_sum(p.hi, c.hi);
  s.lo += (p.lo + c.lo) + std::fma(a.hi, b.lo, a.lo * b.hi);
  return fast_two_sum(s.hi, s.lo);
}
}  // namespace ddops

// c ? a : b with bit masks: ?: on doubles lets GCC's jump threading turn selects that share a condition into
// branches, and a loop with branches does not vectorise.
inline double select(bool c, double a, double b) {
  const std::uint64_t m = -std::uint64_t(c);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & m) | (std::bit_cast<std::uint64_t>(b) & ~m));
}
inline dd select(bool c, const dd& a, const dd& b) { return {select(c, a.hi, b.hi), select(c, a.lo, b.lo)}; }
inline dd operator-(const dd& a, const dd& b) { return a + (-b); }
inline dd operator-(const dd& a, double b) { return a + (-b); }

inline dd operator*(const dd& a, const dd& b) {
  using namespace ddops;
  dd p = two_prod(a.hi, b.hi);
  p.lo += std::fma(a.hi, b.lo, a.lo * b.hi);
  return fast_two_sum(p.hi, p.lo);
}
inline dd operator*(const dd& a, double b) {
  using namespace ddops;
  dd p = two_prod(a.hi, b);
  p.lo += a.lo * b;
  return fast_two_sum(p.hi, p.lo);
}

// a / b with one division: q1 ~ a.hi / b.hi, then one correction from the remainder a - q1 b, whose leading
// part a.hi - fl(q1 b.hi) is exact (Sterbenz: the two agree to a few ulps). Error ~2^-104 relative.
inline dd operator/(const dd& a, const dd& b) {
  using namespace ddops;
  const double inv = 1.0 / b.hi;
  const double q1 = a.hi * inv;
  const dd p = two_prod(q1, b.hi);
  const double r = (((a.hi - p.hi) - p.lo) + a.lo) - q1 * b.lo;
  return fast_two_sum(q1, r * inv);
}

inline dd& operator+=(dd& a, const dd& b) { return a = a + b; }
inline dd& operator-=(dd& a, const dd& b) { return a = a - b; }
inline dd& operator*=(dd& a, const dd& b) { return a = a * b; }

// Comparisons of the exact values hi + lo (normalised pairs: the hi parts decide unless equal).
inline bool operator==(const dd& a, const dd& b) { return (a.hi == b.hi) & (a.lo == b.lo); }
inline bool operator<(const dd& a, const dd& b) { return (a.hi < b.hi) | ((a.hi == b.hi) & (a.lo < b.lo)); }
inline bool operator>(const dd& a, const dd& b) { return b < a; }
inline bool operator<=(const dd& a, const dd& b) { return (a.hi < b.hi) | ((a.hi == b.hi) & (a.lo <= b.lo)); }
inline bool operator>=(const dd& a, const dd& b) { return b <= a; }

// *p = v as two stores: GCC does not vectorise a loop over chains with an aggregate store of a pair ("more than one
// data ref"), and the final passes of a call over 10^6 chains (sharpness, conversions) stayed scalar.
inline void store(dd* p, const dd& v) { p->hi = v.hi, p->lo = v.lo; }

// Lanes of double-doubles as two arrays (structure of arrays), for the vectoriser (batch.hpp).
template <class T, int W> struct Lanes;
template <int W> struct Lanes<dd, W> {
  double hi[W], lo[W];
  dd get(int j) const { return {hi[j], lo[j]}; }
  void set(int j, dd a) { hi[j] = a.hi, lo[j] = a.lo; }
};

namespace math {

// a with the sign of both words flipped where s has its sign bit set: 3 operations, no compare and no select.
inline dd flip_sign(const dd& a, double s) {
  const std::uint64_t m = std::bit_cast<std::uint64_t>(s) & (std::uint64_t(1) << 63);
  return {std::bit_cast<double>(std::bit_cast<std::uint64_t>(a.hi) ^ m),
          std::bit_cast<double>(std::bit_cast<std::uint64_t>(a.lo) ^ m)};
}
inline dd abs(const dd& a) { return flip_sign(a, a.hi); }
// a / 2 with the bits a / dd(2) gives (its fast_two_sum leaves the halved pair as it is), in 2 operations, not 12.
inline dd half(const dd& a) { return {0.5 * a.hi, 0.5 * a.lo}; }
inline bool isfinite(const dd& a) { return std::isfinite(a.hi); }
// a b + c and c - a b (real.hpp's generic forms round twice: the kernels' updates x - (eta l') y).
inline dd fma(const dd& a, const dd& b, const dd& c) { return ddops::fma(a, b, c); }
inline dd fnma(const dd& a, const dd& b, const dd& c) { return ddops::fma(-a, b, c); }

// sqrt(a) = s + (a - s^2)/(2 s) with s = sqrt(a.hi): one Newton step from a correctly rounded double.
inline dd sqrt(const dd& a) {
  using namespace ddops;
  const double s = std::sqrt(a.hi);
  const dd e = (a - two_prod(s, s));
  const double c = e.hi / (2.0 * s);  // computed in every lane, then selected: no branch in a vector loop
  return fast_two_sum(s, select(s > 0.0, c, 0.0));
}

// 1/sqrt(a) for 1 <= a <= 2^106 without the divider (the sqrt loss's l'(s) = s/sqrt(1 + s^2), as in double): from
// y0 = fast::rsqrt(a.hi), within ~0.5 ulp, one Newton correction y0 + y0 e/2 with the residual e = 1 - a y0^2
// (|e| ~ 2^-52, so the next term 3e^2/8 is below 2^-104). a y0^2 = p + l with p = fl(a.hi y0^2) within a few ulps
// of 1, so 1 - p is exact and e, a double, carries a's low part and y0^2's exact square. Error ~2^-104 relative
// (tests/test_fastmath.py). sqrt and a division took three divider operations per vector, ~16 cycles each on
// Intel's 512-bit units: the dd sqrt loss ~30 % faster.
inline dd rsqrt(const dd& a) {
  using namespace ddops;
  const double y0 = fast::rsqrt(a.hi);
  const dd y2 = two_prod(y0, y0), p = two_prod(a.hi, y2.hi);
  const double e = (1.0 - p.hi) - (p.lo + (a.hi * y2.lo + a.lo * y2.hi));
  return fast_two_sum(y0, 0.5 * y0 * e);
}

namespace detail {

// 2^(j/4) for 0 <= j < 4, to 106 bits, by selects on j's two bits (as bit patterns: w0 ^ ((w0 ^ w1) & m) is w1
// where the mask m is all ones, else w0). A loop over lanes that indexed a table instead would vectorise with one
// scalar load and insert per lane (GCC emits no gathers for Intel by default; with them it was slower still).
inline dd exp2_quarters(std::uint64_t j) {
  constexpr double hi[4] = {0x1p0, 0x1.306fe0a31b715p+0, 0x1.6a09e667f3bcdp+0, 0x1.ae89f995ad3adp+0};
  constexpr double lo[4] = {0.0, 0x1.6f46ad23182e4p-55, -0x1.bdd3413b26456p-54, 0x1.7a1cd345dcc81p-54};
  const std::uint64_t m0 = -(j & 1), m1 = -((j >> 1) & 1);
  const auto pick = [&](const double(&w)[4]) {
    const auto bits = [&](int i) { return std::bit_cast<std::uint64_t>(w[i]); };
    const std::uint64_t a = bits(0) ^ ((bits(0) ^ bits(1)) & m0), b = bits(2) ^ ((bits(2) ^ bits(3)) & m0);
    return std::bit_cast<double>(a ^ ((a ^ b) & m1));
  };
  return {pick(hi), pick(lo)};
}

// exp(v) = 2^n t (E + O)/(E - O) for |v| <= 746: v = k ln2/4 + r with k = 4n + j (0 <= j < 4), |r| <= ln2/8
// (+ rounding), t = 2^(j/4), and E, O the even and odd parts of the diagonal degree-6 Pade approximant of exp(r):
// E = 1 + 5r^2/44 + r^4/792 + r^6/665280, O = r (1/2 + r^2/66 + r^4/15840), relative error < 2^-88 on
// |r| <= ln2/8. Why reduce further than ln2/2: there the same accuracy took degree 7 with two more terms in
// double-double, ~50 more operations than the selects of t and the product by it. The terms below 2^-23 in size
// are carried in double, the rest in double-double.
struct ReducedExp {
  double n;  // integer-valued
  dd t, E, O;
  // P = 2^n t, for n >= -1022 (tanh, exp; gauss applies 2^n itself, in two halves): the scaling is exact.
  dd P() const {
    const double p = fast::pow2_from_magic(n + fast::kMagic);
    return {t.hi * p, t.lo * p};
  }
  explicit ReducedExp(const dd& v) {
    constexpr double magic = fast::kMagic, four_log2e = 4 * fast::kLog2e;  // exact
    // ln2/4 in three parts; L1 has 39 significant bits, so k L1 is exact for |k| < 2^14 (|v| < 2270).
    constexpr double L1 = 0x1.62e42fefa4000p-3, L2 = -0x1.8432a1b0e2634p-45, L3 = 0x1.f97b57a079a19p-105;
    const double m = std::fma(v.hi, four_log2e, magic);
    const double k = m - magic;
    const std::uint64_t j = std::bit_cast<std::uint64_t>(m) & 3;  // k mod 4, also for k < 0
    // j as a double by the same magic (AVX2 has no int64 -> double conversion; with one, no loop vectorised there)
    n = (k - (std::bit_cast<double>(std::bit_cast<std::uint64_t>(magic) | j) - magic)) * 0.25;
    t = exp2_quarters(j);
    // v.hi - k L1 is exact: both are multiples of ulp(v.hi) and the difference is below 0.09. k L2 (< 2^-31)
    // rounds by < 2^-84.
    const dd r = ddops::two_sum(std::fma(-k, L1, v.hi), std::fma(-k, L3, v.lo - k * L2));
    const dd r2 = r * r;
    const double h = r2.hi;
    const dd c2(0x1.d1745d1745d17p-4, 0x1.1745d1745d174p-58);    // 5/44
    const dd c3(0x1.f07c1f07c1f08p-7, -0x1.f07c1f07c1f08p-62);  // 1/66
    // The double tails join the constants' low words: the products by r^2 take them in double (below 2^-23).
    using ddops::fma;
    E = fma<true>(r2, dd(c2.hi, c2.lo + h * (1.0 / 792.0 + h * (1.0 / 665280.0))), dd(1.0));
    O = r * fma<true>(r2, dd(c3.hi, c3.lo + h * (1.0 / 15840.0)), dd(0.5));
  }
};

}  // namespace detail

// tanh for double-double, branch-free: with v = 2|x| and e^v = P (E + O)/(E - O), P = 2^n t (ReducedExp),
//   tanh|x| = (e^v - 1)/(e^v + 1) = (M + 2 O)/(M + 2 E),   M = (P - 1)(E + O).
// Where k = 0 (|x| < ln2/16) P = 1 exactly, M = 0 and the quotient is O/E, which cancels nowhere however small x
// is; for k >= 1, P - 1 >= 2^(1/4) - 1 and M > 2|O|. |x| is clamped at 40 (v's low word does not matter
// there), beyond which tanh rounds to 1 in 106 bits. NaN propagates (its j is still one of 0..3).
inline dd tanh(const dd& x) {
  using ddops::add_ordered;
  const dd a = abs(x);
  const detail::ReducedExp e(dd(a.hi > 40.0 ? 80.0 : 2.0 * a.hi, 2.0 * a.lo));
  const dd M = add_ordered(e.P(), dd(-1.0)) * add_ordered(e.E, e.O);  // n <= 116
  const dd O2{2.0 * e.O.hi, 2.0 * e.O.lo}, E2{2.0 * e.E.hi, 2.0 * e.E.lo};
  return flip_sign(add_ordered(M, O2) / (M + E2), x.hi);  // +-0 for +-0 (O/E = 0/1); NaN propagates
}

// exp for double-double (relative error ~2^-78): e^v = P (E + O)/(E - O) (ReducedExp) for |v| <= 709, computed
// for |v| and inverted for v < 0. Used only by the rare paths (l_beta with a beta outside the shortcut), not per
// step.
inline dd exp(const dd& v) {
  if (!(v.hi == v.hi)) return v;
  if (v.hi > 709.0) return dd(std::numeric_limits<double>::infinity());
  if (v.hi < -745.0) return dd(0.0);
  const detail::ReducedExp e(abs(v));
  const dd pos = e.P() * (e.E + e.O) / (e.E - e.O);
  return v.hi < 0.0 ? dd(1.0) / pos : pos;
}

// log for double-double: one Newton step y + (a e^-y - 1) from the double logarithm (quadratic convergence: the
// error of std::log, 2^-53, becomes ~2^-106 plus exp's). a > 0.
inline dd log(const dd& a) {
  const double y = std::log(a.hi);
  if (!std::isfinite(y)) return dd(y);
  return (a * exp(dd(-y)) - 1.0) + y;
}

// a^b for a >= 0, b > 0 (what l_beta needs).
inline dd pow(const dd& a, const dd& b) { return a.hi == 0.0 ? dd(0.0) : exp(b * log(a)); }

}  // namespace math

// The unit in the last place at 1 of the 106-bit significand, as QD defines it: runs stop when their larger
// coordinate can move by at most this much (relative).
template <> inline dd epsilon<dd>() { return dd(0x1p-104); }
template <> inline dd huge<dd>() { return dd(std::numeric_limits<double>::max()); }
template <> inline dd tiny<dd>() { return dd(std::numeric_limits<double>::min()); }
template <> inline dd pi<dd>() { return dd(0x1.921fb54442d18p+1, 0x1.1a62633145c07p-53); }

}  // namespace eos
