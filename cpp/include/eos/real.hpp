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
