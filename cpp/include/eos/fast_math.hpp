// tanh for double and long double, written for the kernels' inner loops.
//
// Why not libm: glibc's tanh is a scalar call with branches, so a loop over initialisations that calls it
// cannot use the vector units, and tanhl (x87) costs ~100 cycles. These versions are branch-free, straight-line
// code: a loop over lanes that calls fast::tanh vectorises (double) or overlaps several chains' dependency
// chains (long double, x87), and every lane rounds exactly as the scalar code does, so the result of a chain
// never depends on where in a vector it ran.
//
// Method (one formula for the whole range): with v = 2|x| = n ln2 + r, |r| <= ln2/2 (Cody-Waite reduction),
// and the diagonal Pade approximant exp(r) ~ (E + O)/(E - O) (E even, O odd in r; degree 6 for double, 7 for
// long double: relative error < 2e-19 resp. 3e-23 on |r| <= ln2/2), e^v = p (E + O)/(E - O) with p = 2^n, so
//     tanh|x| = (e^v - 1)/(e^v + 1) = ((p - 1) E + (p + 1) O) / ((p + 1) E + (p - 1) O)
//             = 1 - 2 (E - O) / ((p + 1) E + (p - 1) O),
// the first form for n <= 2, the second for n >= 3 (tanh > 0.70, where it rounds relative to 1 - tanh). For
// |x| < ln2/4 (n = 0) the first is O/E with no cancellation at all; p - 1 and p + 1 are exact. |x| is clamped
// where tanh rounds to 1 (20 for double, 23 for long double), NaN propagates, tanh(+-inf) = +-1.
// Accuracy against mpmath over the whole range: tests/test_fastmath.py (a couple of ulps). In double, callers
// that know the range of n for every argument take a shorter form with the same bits (tanh<kRange>, below).
//
// In double the reduction, the polynomials and the two-term sums are fmas (one rounding each: 4 % more
// logistic throughput than separate products and sums, and the worst error on |x| in [0.17, 1.1] 3.4 -> 2.9 ulp).
//
// The file must not be compiled with -ffast-math (it relies on exact IEEE rounding of every operation), and
// the project compiles with -ffp-contract=off so that vector and scalar code round identically: the only fmas
// are explicit std::fma, an instruction in the AVX2/AVX-512 clones and libm's exact fma on the baseline.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace eos::fast {

// The reductions' constants, shared by tanh, gauss and double-double's exp: x + kMagic rounds x (|x| < 2^51) to an
// integer held in the low bits of the sum, which pow2_from_magic reads; and log2(e) rounded to double.
inline constexpr double kMagic = 0x1.8p52, kLog2e = 0x1.71547652b82fep0;

// 2^n for an integer-valued double 0 <= n < 1023, given m = n + kMagic (so the low bits of m are n).
inline double pow2_from_magic(double m) {
  const std::uint64_t bits = (std::bit_cast<std::uint64_t>(m) << 52) + (std::uint64_t(1023) << 52);
  return std::bit_cast<double>(bits);
}

// The reduction's n = round(2|x|/ln2) decides which form tanh takes below. Code that knows n's range for every
// argument it passes (a vector chunk whose arguments all lie in one: batch.hpp, domains) names the range, and the
// selects on n fold away with the same bits. Bits, for ranges that combine by |: n = 0 (|x| <= ln2/4), n = 1 or 2
// (|x| <= 5 ln2/4), n >= 3; kTanhAny is every n.
inline constexpr int kTanhN0 = 1, kTanhN12 = 2, kTanhN3 = 4, kTanhAny = 7;

// The ranges of n that arguments with |x| in [lo, hi] may have (kTanhN0 | ...), erring towards more: each switch
// is widened by 2^-20 relative, far beyond the rounding of log2e (n = 0 for 2|x| log2e <= 1/2, n <= 2 for <= 5/2,
// ties rounding to even). NaN bounds give none.
constexpr int tanh_ranges(double lo, double hi) {
  constexpr double n1 = 0.25 / kLog2e, n3 = 1.25 / kLog2e;  // where n reaches 1 and 3
  constexpr double up = 1 + 0x1p-20, down = 1 - 0x1p-20;
  return (lo <= n1 * up ? kTanhN0 : 0) | (hi >= n1 * down && lo <= n3 * up ? kTanhN12 : 0) |
         (hi >= n3 * down ? kTanhN3 : 0);
}

// tanh in double, for arguments whose n lies in kRange (kTanhAny: any x).
template <int kRange = kTanhAny> inline double tanh(double x) {
  constexpr double magic = kMagic, log2e = kLog2e;
  constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;  // n ln2_hi exact: n < 2^20
  constexpr double a2 = 5.0 / 44.0, a3 = 1.0 / 66.0, a4 = 1.0 / 792.0, a5 = 1.0 / 15840.0, a6 = 1.0 / 665280.0;
  // E(r) and O(r), the even and odd parts of the Pade approximant
  auto pade = [](double r, double& E, double& O) {
    const double r2 = r * r;
    E = std::fma(r2, std::fma(r2, std::fma(r2, a6, a4), a2), 1.0);
    O = r * std::fma(r2, std::fma(r2, a5, a3), 0.5);
  };
  double E, O;
  if constexpr (kRange == kTanhN0) {
    // n = 0: r = 2|x|, p = 1, and the general form's quotient is (2 O)/(2 E), which rounds as O/E; O is odd in r,
    // so r = 2x gives the sign (and tanh(-0) = -0) without copysign. Eight operations and the division, against
    // some thirty.
    pade(2.0 * x, E, O);
    return O / E;
  }
  const double a = std::fabs(x);
  // clamped where tanh rounds to 1 (the ranges n <= 2 need no clamp); NaN stays NaN (the comparison is false)
  const double b = (kRange & kTanhN3) == 0 ? a : (a > 20.0 ? 20.0 : a);
  const double v = b * 2.0;
  const double m = std::fma(b, 2.0 * log2e, magic);  // = fma(v, log2e, magic): the doubling is exact
  const double n = m - magic;
  const double r = std::fma(-n, ln2_lo, std::fma(-n, ln2_hi, v));  // v - n ln2_hi is exact (Sterbenz)
  pade(r, E, O);
  const double p = pow2_from_magic(m);
  const double den = std::fma(p + 1.0, E, (p - 1.0) * O);
  // Far from 0 (n >= 3, tanh > 0.70) write tanh = 1 - 2 (E - O)/den: the quotient's rounding then counts
  // relative to 1 - tanh, not to tanh. One division either way.
  if constexpr ((kRange & kTanhN3) == 0) {
    return std::copysign(std::fma(p - 1.0, E, (p + 1.0) * O) / den, x);
  } else if constexpr (kRange == kTanhN3) {
    return std::copysign(1.0 + std::fma(-2.0, E, 2.0 * O) / den, x);
  } else {
    // Both forms in one: num = A E + B O with (A, B) = (p - 1, p + 1) near 0 (where p - 1 >= 0) or (-2, 2) far
    // from it, and tanh = q or 1 + q, q = num/den: the second choice is read off A's sign. Two selects on `far`
    // let GCC's jump threading put the division into both arms (two divisions per vector step); selecting with
    // bit masks instead cost the (latency-bound) scalar careful steps ~10 %. In the vector chunks the selects
    // cost more: a chunk that knows n <= 2 runs ~12 % faster (bench/NOTES.md §24).
    const bool far = n >= 3.0;
    const double A = far ? -2.0 : p - 1.0, B = far ? 2.0 : p + 1.0;
    const double q = std::fma(A, E, B * O) / den;
    return std::copysign(A < 0.0 ? 1.0 + q : q, x);
  }
}

// 1/sqrt(u) for 1 <= u <= 2^60, without the divider: the sqrt loss's l'(s) = s/sqrt(1 + s^2) took one
// square root and one division per step, and on CPUs whose divider is slow for 512-bit vectors (Intel: ~16 and
// ~20 cycles per vector) those two were the whole step. Seed: the classic bit trick (exact integer arithmetic,
// relative error < 3.5 %), three Newton steps r (3/2 - u r^2/2) (3.5 % -> 1.8e-3 -> 4.7e-6 -> 3.3e-11), and a
// last one as a correction, r + r e/2 with the residual e = 1 - u r^2 computed to ~2^-100 (u r split exactly by
// an fma), so the result is within about 0.5 ulp of 1/sqrt(u) (tests/test_fastmath.py).
inline double rsqrt(double u) {
  double r = std::bit_cast<double>(std::uint64_t(0x5FE6EB50C7B537A9) - (std::bit_cast<std::uint64_t>(u) >> 1));
  const double h = 0.5 * u;
  for (int k = 0; k < 3; ++k) r *= std::fma(-h, r * r, 1.5);
  const double p = u * r, pe = std::fma(u, r, -p);  // u r = p + pe exactly
  const double e = std::fma(-pe, r, std::fma(-p, r, 1.0));
  return std::fma(0.5 * r, e, r);
}

inline long double tanh(long double x) {
  constexpr double magic = kMagic, log2e = kLog2e;
  // ln2 = ln2_hi + ln2_lo with ln2_hi the double nearest ln2 (53 bits), so n ln2_hi is exact in long double.
  // Constants whose rounding to double costs nothing at this precision are doubles: x87 loads a double
  // operand straight into an arithmetic instruction, a long double costs a separate 80-bit load.
  constexpr double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 2.319046813846299615494855e-17;
  constexpr long double a2 = 3.0L / 26.0L, a3 = 5.0L / 312.0L;  // the terms that need all 64 bits
  constexpr double a4 = 5.0 / 3432.0, a5 = 1.0 / 11440.0, a6 = 1.0 / 308880.0, a7 = 1.0 / 17297280.0;
  const long double a = std::fabs(x);
  const long double v = (a > 23.0L ? 23.0L : a) * 2.0L;
  // n = round(v / ln2), found in double: any integer near v/ln2 keeps |r| small enough.
  const double m = double(v) * log2e + magic;
  const double nd = m - magic;
  const long double n = nd;
  const long double r = (v - n * ln2_hi) - n * ln2_lo;
  const long double r2 = r * r;
  const long double E = 1.0L + r2 * (a2 + r2 * (a4 + r2 * a6));
  const long double O = r * (0.5L + r2 * (a3 + r2 * (a5 + r2 * a7)));
  const long double p = pow2_from_magic(m);
  const long double den = (p + 1.0L) * E + (p - 1.0L) * O;
  const bool far = nd >= 3.0;
  const long double num = far ? 2.0L * (E - O) : (p - 1.0L) * E + (p + 1.0L) * O;
  const long double q = num / den;
  const long double t = far ? 1.0L - q : q;
  return x < 0.0L ? -t : (x > 0.0L ? t : x);  // x itself for +-0 (keeps the sign) and NaN
}

}  // namespace eos::fast
