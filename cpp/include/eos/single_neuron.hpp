// Gradient descent on the single-neuron loss f(x, y) = l(xy) (SPEC §1):
//   x' = x - eta l'(xy) y,   y' = y - eta l'(xy) x.
#pragma once

#include <algorithm>
#include <cstdint>

#include "eos/batch.hpp"
#include "eos/losses.hpp"

namespace eos {

// Largest eigenvalue of the Hessian l''(s) [[y^2, s], [s, x^2]] + l'(s) [[0, 1], [1, 0]] at (x, y), s = xy.
template <class T, class Loss> T single_neuron_sharpness(const Loss& loss, T x, T y) {
  const T s = x * y, h = loss.d2(s);
  const T a = h * y * y, b = h * x * x, c = h * s + loss.d1(s);
  const T mean = (a + b) / T(2), half = (a - b) / T(2);
  return mean + math::sqrt(half * half + c * c);
}

// Whether (x, y) has reached its limit to the working precision: from here on GD can change the larger
// coordinate by at most eps (relative), and the sharpness already equals its limit max(x, y)^2 to eps.
//
// Why this bound: with q = l'(s)/s in (0, 1], the smaller coordinate contracts per step by at most
// rho = max|1 - eta q big^2| over q, and each step moves big by eta |l'(s)| small <= eta small^2 |big|;
// summing the geometric series, the total future relative change of big is <= eta small^2 / (1 - rho^2).
template <class T, class Loss> bool single_neuron_settled(const Loss& loss, T x, T y, T eta) {
  const T ax = math::abs(x), ay = math::abs(y);
  const T big = std::max(ax, ay), small = std::min(ax, ay);
  if (small == T(0)) return true;  // on an axis l'(0) = 0: an exact fixed point
  const T tol = epsilon<T>();
  const T rest = eta * small * small;
  if (rest > tol) return false;  // cheap necessary condition, since 1 - rho^2 <= 1
  const T b2 = big * big;
  const T q = ratio<T>(loss, x * y);
  const T rho = std::max(math::abs(T(1) - eta * b2), math::abs(T(1) - eta * q * b2));
  if (!(rho < T(1)) || rest > tol * (T(1) - rho * rho)) return false;
  return math::abs(single_neuron_sharpness<T>(loss, x, y) - b2) <= tol * b2;
}

// The state of N single-neuron chains (structure of arrays) and the step that advances one of them.
// Out is the type trajectories are recorded in (T itself, or long double when T is float128).
template <class T, class Loss, class Out> struct SingleNeuronKernel {
  Loss loss;
  T* x;
  T* y;
  const T* eta;
  std::int64_t* steps;
  std::uint8_t* status;
  std::int64_t* t_cross;  // first t >= 1 with eta y_t^2 < 2 <= eta y_{t-1}^2, or -1
  T* s_cross;             // |x y| at t_cross
  std::int64_t* band_steps;
  std::int64_t* flips;
  T band_lo, band_hi;
  std::int64_t record_every;  // 0: no trajectory
  std::int64_t n_records;
  Out* trajectory;  // [N][n_records][2]

  bool running(std::int64_t i) const { return status[i] == kRunning; }

  void record(std::int64_t i, std::int64_t t, T xi, T yi) const {
    if (record_every > 0 && t % record_every == 0) {
      Out* p = trajectory + (i * n_records + t / record_every) * 2;
      p[0] = Out(xi);
      p[1] = Out(yi);
    }
  }

  void advance(std::int64_t i, std::int64_t k) const {
    T xi = x[i], yi = y[i];
    const T e = eta[i];
    std::int64_t t = steps[i], tc = t_cross[i], nb = band_steps[i], nf = flips[i];
    std::uint8_t st = kRunning;
    if (t == 0) {
      record(i, 0, xi, yi);
      if (single_neuron_settled<T>(loss, xi, yi, e)) st = kConverged;
    }
    T ey2 = e * yi * yi;
    for (const std::int64_t end = t + k; st == kRunning && t < end;) {
      const T g = loss.d1(xi * yi);
      const T xn = xi - e * g * yi, yn = yi - e * g * xi;
      if (!(math::isfinite(xn) && math::isfinite(yn))) {
        st = kDiverged;  // keep the last finite iterate; steps counts the finite ones
        break;
      }
      ++t;
      const T ey2n = e * yn * yn;
      if (tc < 0 && ey2n < T(2) && ey2 >= T(2)) {
        tc = t;
        s_cross[i] = math::abs(xn * yn);
      }
      nb += (ey2n >= band_lo && ey2n < band_hi);
      nf += (xn < T(0) && xi > T(0)) || (xn > T(0) && xi < T(0));
      xi = xn;
      yi = yn;
      ey2 = ey2n;
      record(i, t, xi, yi);
      if (single_neuron_settled<T>(loss, xi, yi, e)) st = kConverged;
    }
    x[i] = xi;
    y[i] = yi;
    steps[i] = t;
    status[i] = st;
    t_cross[i] = tc;
    band_steps[i] = nb;
    flips[i] = nf;
  }
};

}  // namespace eos
