// The losses l of the single-neuron model f(x, y) = l(xy) (SPEC §1, Example 1 of the paper).
//
// Every loss is convex, even, 1-Lipschitz with l''(0) = 1, and provides
//   d1(s) = l'(s),  d2(s) = l''(s),  q(s) = l'(s)/s  (with q(0) = 1; 0 < q <= 1 for all of them).
// q is what the convergence rule and the quasi-static envelope need: GD contracts the small coordinate by
// 1 - eta q(s) big^2 per step.
#pragma once

#include <array>
#include <type_traits>

#include "eos/real.hpp"

namespace eos {

// l(s) = log(2 cosh s): the rescaled symmetrised logistic loss, l' = tanh, beta = 2.
template <class T> struct Logistic {
  T d1(T s) const { return math::tanh(s); }
  // In double, tanh's form depends on the range of its reduction's n (fast_math.hpp): those ranges are the loss's
  // sides, consecutive intervals of |s| (bits kTanhN0, kTanhN12, kTanhN3), and its domains the unions of them
  // with a shorter form, narrowest first: a vector chunk whose arguments all lie in one computes l' by that form
  // alone, with the same bits (batch.hpp).
  static constexpr bool split = std::is_same_v<T, double>;
  static constexpr std::array<int, 3> domains{fast::kTanhN0, fast::kTanhN0 | fast::kTanhN12, fast::kTanhN3};
  static constexpr int sides(double lo, double hi) { return fast::tanh_ranges(lo, hi); }  // of |s| in [lo, hi]
  template <int kDomain> T d1_on(T s) const requires split { return fast::tanh<kDomain>(s); }
  T d2(T s) const {
    const T t = math::tanh(s);
    return T(1) - t * t;
  }
};

// l(s) = sqrt(1 + s^2), beta = 2.
template <class T> struct Sqrt {
  T d1(T s) const {
    const T q = math::fma(s, s, T(1));
    if constexpr (vectorises<T>) {
      // Beyond 1 + s^2 = 2^60 (double) or 2^106 (double-double), l' = s/|s| (1 - 1/(2 s^2) + ...) rounds to +-1;
      // below, 1/sqrt without a divider. The tests read the high words (normalised pairs); NaN stays NaN.
      constexpr double cut = std::is_same_v<T, double> ? 0x1p60 : 0x1p106;
      return select(double(q) > cut, T(select(double(s) > 0.0, 1.0, -1.0)), s * math::rsqrt(q));
    }
    // where s^2 overflows, l' has rounded to +-1 long before (NaN stays NaN)
    return select(q > huge<T>(), select(s > T(0), T(1), T(-1)), s / math::sqrt(q));
  }
  T d2(T s) const {
    const T r = math::sqrt(T(1) + s * s);
    return T(1) / (r * r * r);
  }
};

// Huber: s^2/2 on [-1, 1], |s| - 1/2 outside; l' = clip(s, -1, 1), beta = infinity.
template <class T> struct Huber {
  T d1(T s) const { return select(s > T(1), T(1), select(s < T(-1), T(-1), s)); }
  T d2(T s) const { return math::abs(s) <= T(1) ? T(1) : T(0); }
};

// l_beta: s^2/2 - c|s|^(beta+2)/(beta+2) on |s| <= r, linear outside, with r = (beta+1)/beta and
// c = (1/(beta+1)) (beta/(beta+1))^beta, so that l' is C^1 at r with l'(r) = 1 and l''(r) = 0.
template <class T> struct Beta {
  T beta, c, r;
  // |s|^beta without pow where 2 beta is an integer up to 20 (beta = 3/2, 2, 3, 10, ...: every beta of the
  // paper's figures): |s|^n by squaring, the factors |s|^(2^k) picked by the bits of n (times sqrt|s| for a
  // half-integer), straight-line code that vectorises and costs a few multiplications instead of a powl call
  // (against the n-fold product it replaced: l_1.5 kernels ~45 % faster). Agrees with pow to a few ulps
  // (tests/test_core.py).
  int whole = -1;  // n = floor(beta) when the shortcut applies, else -1
  bool half = false;
  explicit Beta(T beta_)
      : beta(beta_),
        c(math::pow(beta_ / (beta_ + T(1)), beta_) / (beta_ + T(1))),
        r((beta_ + T(1)) / beta_) {
    const double twice = double(T(2) * beta_);  // beta itself comes from a double
    if (twice <= 20 && twice == double(int(twice))) {
      whole = int(twice) / 2;
      half = int(twice) % 2 == 1;
    }
  }
  // |s|^beta by the shortcut (whole >= 0 only).
  static T integer_power(T a, int whole, bool half) {
    const T a2 = a * a, a4 = a2 * a2, a8 = a4 * a4;
    const T lo = select(half, math::sqrt(a), T(1)) * select((whole & 1) != 0, a, T(1));
    const T hi = select((whole & 2) != 0, a2, T(1)) * select((whole & 4) != 0, a4, T(1));
    return lo * hi * select((whole & 8) != 0, a8, T(1));
  }
  // |s|^beta. Outside the shortcut, the hardware types use exp(beta log a): ~7x faster than glibc's
  // powl, and its relative error (~|beta log a| ulp) only enters l' through the small term c|s|^beta, so l'
  // stays within a few ulps (tests/test_core.py, beta = 5/3). float128 keeps powq.
  T power(T a) const {
    if constexpr (!is_software_real<T>) {
      if (whole >= 0) return integer_power(a, whole, half);
      return a == T(0) ? T(0) : math::exp(beta * math::log(a));  // (double-double has no -inf * beta)
    }
    return math::pow(a, beta);
  }
  // Call f with a loss equal to this one whose d1 has no call to pow when the shortcut applies (so that a loop
  // over initialisations calling it vectorises), else with *this.
  template <class F> decltype(auto) visit(F&& f) const {
    if constexpr (!is_software_real<T>) {
      if (whole >= 0) {
        struct Shortcut {
          const Beta& b;
          T d1(T s) const {
            const T a = math::abs(s);
            const T inside = s * math::fnma(b.c, integer_power(a, b.whole, b.half), T(1));
            return select(a > b.r, select(s > T(0), T(1), T(-1)), inside);
          }
          T d2(T s) const { return b.d2(s); }
        };
        return f(Shortcut{*this});
      }
    }
    return f(*this);
  }
  T d1(T s) const {
    const T a = math::abs(s);
    const T inside = s * math::fnma(c, power(a), T(1));
    return select(a > r, select(s > T(0), T(1), T(-1)), inside);
  }
  T d2(T s) const {
    const T a = math::abs(s);
    return a > r ? T(0) : T(1) - c * (beta + T(1)) * power(a);
  }
};

// f(loss), or f(an equal loss that vectorises better) where the loss offers one (Beta::visit).
template <class Loss, class F> decltype(auto) visit_loss(const Loss& loss, F&& f) {
  if constexpr (requires { loss.visit(f); }) {
    return loss.visit(f);
  } else {
    return f(loss);
  }
}

// q(s) = l'(s)/s, continuous at 0.
template <class T, class Loss> inline T ratio(const Loss& loss, T s) { return s == T(0) ? T(1) : loss.d1(s) / s; }

}  // namespace eos
