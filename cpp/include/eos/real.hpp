// The working precisions and the few functions the kernels need, one overload set per real type.
//
// Kernels are templates over T and call eos::math::tanh(x) etc.; overload resolution picks libm's
// long double functions (expl, ...), the kernels' own tanh (fast_math.hpp) or libquadmath's (tanhq, ...),
// so that every operation is carried out in T itself. Nothing here may be compiled with -ffast-math: rounding
// exactly as IEEE says is the point.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "eos/fast_math.hpp"

#ifdef EOS_HAVE_FLOAT128
extern "C" {
#include <quadmath.h>
}
#endif

namespace eos {

#ifdef EOS_HAVE_FLOAT128
using float128 = __float128;
#endif

// Whether T's arithmetic is done in software (float128, by libquadmath) rather than by the FPU.
template <class T> inline constexpr bool is_software_real = false;
#ifdef EOS_HAVE_FLOAT128
template <> inline constexpr bool is_software_real<float128> = true;
#endif

// *p = v (double_double.hpp stores a pair word by word, so that loops over chains vectorise).
template <class T> inline void store(T* p, const T& v) { *p = v; }

namespace math {

// double and long double: the <cmath> overloads (in gnu++ mode libstdc++ also gives std::abs(__float128)).
using std::abs;
using std::erfc;
using std::exp;
using std::isfinite;
using std::log;
using std::pow;
using std::sqrt;
// tanh: the kernels' own branch-free version (fast_math.hpp), tested against mpmath to a couple of ulps.
inline double tanh(double x) { return fast::tanh(x); }
inline long double tanh(long double x) { return fast::tanh(x); }
// 1/sqrt(u) for 1 <= u <= 2^60 without the divider (fast_math.hpp; double_double.hpp has its own).
inline double rsqrt(double u) { return fast::rsqrt(u); }

// fma(a, b, c) = a b + c and fnma(a, b, c) = c - a b. In double one rounding: an FMA instruction in the AVX2 and
// AVX-512 clones, libm's (exact) fma on the x86-64-v2 baseline, so every path still rounds alike. In the other
// types two roundings, as written (x87 has no fma; double-double and float128 keep the bits they had).
template <class T> inline T fma(const T& a, const T& b, const T& c) { return a * b + c; }
template <class T> inline T fnma(const T& a, const T& b, const T& c) { return c - a * b; }
inline double fma(double a, double b, double c) { return std::fma(a, b, c); }
inline double fnma(double a, double b, double c) { return std::fma(-a, b, c); }
// x / 2 (exact but for underflow; double_double.hpp halves both words instead of dividing by dd(2)).
template <class T> inline T half(const T& x) { return x / T(2); }

#ifdef EOS_HAVE_FLOAT128
inline float128 erfc(float128 x) { return erfcq(x); }
inline float128 exp(float128 x) { return expq(x); }
inline float128 log(float128 x) { return logq(x); }
inline bool isfinite(float128 x) { return finiteq(x); }
inline float128 pow(float128 x, float128 y) { return powq(x, y); }
inline float128 sqrt(float128 x) { return sqrtq(x); }
inline float128 tanh(float128 x) { return tanhq(x); }
#endif

}  // namespace math

// c ? a : b, for the vectorised lane loops (double_double.hpp overloads it with bit masks, which GCC keeps
// branch-free where a ?: on a pair of doubles can become a branch).
template <class T> inline T select(bool c, T a, T b) { return c ? a : b; }

// Constants evaluated in T (never rounded through double).
template <class T> inline T pi() { return T(4) * std::atan(T(1)); }
#ifdef EOS_HAVE_FLOAT128
template <> inline float128 pi<float128>() { return M_PIq; }
#endif

// Unit in the last place at 1 (machine epsilon) of T.
template <class T> inline T epsilon() { return std::numeric_limits<T>::epsilon(); }
#ifdef EOS_HAVE_FLOAT128
template <> inline float128 epsilon<float128>() { return FLT128_EPSILON; }
#endif

// Largest finite number of T.
template <class T> inline T huge() { return std::numeric_limits<T>::max(); }
#ifdef EOS_HAVE_FLOAT128
template <> inline float128 huge<float128>() { return FLT128_MAX; }
#endif

// Smallest positive normal number of T.
template <class T> inline T tiny() { return std::numeric_limits<T>::min(); }
#ifdef EOS_HAVE_FLOAT128
template <> inline float128 tiny<float128>() { return FLT128_MIN; }
#endif

}  // namespace eos

#include "eos/double_double.hpp"  // the double-double type and its overloads of the above

namespace eos {
// Whether a loop over chains in T vectorises: double and double-double (pairs of doubles); not x87 long double
// or software float128.
template <class T> inline constexpr bool vectorises = std::is_same_v<T, double> || std::is_same_v<T, dd>;
}  // namespace eos
