// Gradient descent on the mean model of the known-basis ReLU net (SPEC §2):
//   A' = A - 2 d^2 eta l'(A g(b)) g(b),   b' = b - eta l'(A g(b)) A g'(b),
// with l(s) = (log(1+e^-s) + log(1+e^s))/2, l'(s) = tanh(s/2)/2, and g(b) = E ReLU(z + b) = phi(b) + b Phi(b).
#pragma once

#include <algorithm>
#include <cstdint>

#include "eos/batch.hpp"
#include "eos/real.hpp"

namespace eos {

// g(b) = phi(b) + b Phi(b), g'(b) = Phi(b), g''(b) = phi(b): one exp and one erfc, shared by all three.
template <class T> struct Gauss {
  T g, dg, d2g;
  // sqrt(2) and sqrt(2 pi) in T, computed once (pi<T>() calls atan: it used to cost as much as exp per step).
  static T sqrt2() {
    static const T v = math::sqrt(T(2));
    return v;
  }
  static T sqrt2pi() {
    static const T v = math::sqrt(T(2) * pi<T>());
    return v;
  }
  explicit Gauss(T b) {
    d2g = math::exp(-b * b / T(2)) / sqrt2pi();
    dg = math::erfc(-b / sqrt2()) / T(2);
    g = d2g + b * dg;
  }
};

// l_sym'(s) = tanh(s/2)/2 and l_sym''(s) = (1 - tanh(s/2)^2)/4.
template <class T> struct SymLogistic {
  T d1, d2;
  explicit SymLogistic(T s) {
    const T th = math::tanh(s / T(2));
    d1 = th / T(2);
    d2 = (T(1) - th * th) / T(4);
  }
};

// Largest Hessian eigenvalue of (a-, a+, b) -> l_sym(d (a- + a+) g(b)) at a- = a+ = A/(2d). In the basis
// (1,1,0)/sqrt2, (0,0,1) the Hessian is the 2x2 block below; the direction (1,-1,0) has eigenvalue 0.
// At A = 0 this is d^2 g(b)^2 / 2.
template <class T> T mean_model_sharpness(T A, T d, const Gauss<T>& G) {
  const SymLogistic<T> l(A * G.g);
  const T r2 = math::sqrt(T(2));
  const T h11 = l.d2 * T(2) * d * d * G.g * G.g;
  const T h12 = r2 * d * (l.d2 * G.g * A * G.dg + l.d1 * G.dg);
  const T h22 = l.d2 * A * A * G.dg * G.dg + l.d1 * A * G.d2g;
  const T mean = (h11 + h22) / T(2), half = (h11 - h22) / T(2);
  return std::max(T(0), mean + math::sqrt(half * half + h12 * h12));
}

// Whether (A, b) has reached its limit to the working precision: future GD changes b by at most eps |b|
// and the sharpness equals its limit d^2 g(b)^2 / 2 to eps. A contracts per step by at most
// rho = max|1 - eta d^2 g^2 q / 2| with q = tanh(s/2)/(s/2) in (0, 1], and each step moves b by at most
// eta g g' A^2 / 4, so the future change of b is <= eta g g' A^2 / (4 (1 - rho^2)).
template <class T> bool mean_model_settled(T A, T b, T eta, T d, const Gauss<T>& G) {
  if (A == T(0)) return true;  // l'(0) = 0: an exact fixed point
  const T tol = epsilon<T>();
  const T scale = std::max(math::abs(b), tiny<T>());
  const T rest = eta * G.g * G.dg * A * A / T(4);
  if (rest > tol * scale) return false;  // cheap necessary condition
  const T s = A * G.g;
  const T q = math::tanh(s / T(2)) / (s / T(2));
  const T edge = eta * d * d * G.g * G.g / T(2);
  const T rho = std::max(math::abs(T(1) - edge), math::abs(T(1) - edge * q));
  if (!(rho < T(1)) || rest > tol * scale * (T(1) - rho * rho)) return false;
  const T limit = d * d * G.g * G.g / T(2);
  return math::abs(mean_model_sharpness<T>(A, d, G) - limit) <= tol * limit;
}

// The state of N mean-model chains and the step that advances one of them (see SingleNeuronKernel).
template <class T, class Out> struct MeanModelKernel {
  T* A;
  T* b;
  const T* eta;
  const T* d;
  std::int64_t* steps;
  std::uint8_t* status;
  std::int64_t* t_cross;  // first t >= 1 with eta d^2 g(b_t)^2 / 2 < 2 <= eta d^2 g(b_{t-1})^2 / 2, or -1
  Recorder<Out> record;  // the trajectory, if asked for

  bool running(std::int64_t i) const { return status[i] == kRunning; }

  void advance(std::int64_t i, std::int64_t k) const {
    T Ai = A[i], bi = b[i];
    const T e = eta[i], di = d[i], two_d2_eta = T(2) * di * di * e, half_eta_d2 = e * di * di / T(2);
    std::int64_t t = steps[i], tc = t_cross[i];
    std::uint8_t st = kRunning;
    Gauss<T> G(bi);
    if (t == 0) {
      record(i, 0, Ai, bi);
      if (mean_model_settled<T>(Ai, bi, e, di, G)) st = kConverged;
    }
    T edge = half_eta_d2 * G.g * G.g;
    for (const std::int64_t end = t + k; st == kRunning && t < end;) {
      const T lp = math::tanh(Ai * G.g / T(2)) / T(2);
      const T An = Ai - two_d2_eta * lp * G.g, bn = bi - e * lp * Ai * G.dg;
      if (!(math::isfinite(An) && math::isfinite(bn))) {
        st = kDiverged;
        break;
      }
      ++t;
      G = Gauss<T>(bn);
      const T edge_n = half_eta_d2 * G.g * G.g;
      if (tc < 0 && edge_n < T(2) && edge >= T(2)) tc = t;
      Ai = An;
      bi = bn;
      edge = edge_n;
      record(i, t, Ai, bi);
      if (mean_model_settled<T>(Ai, bi, e, di, G)) st = kConverged;
    }
    A[i] = Ai;
    b[i] = bi;
    steps[i] = t;
    status[i] = st;
    t_cross[i] = tc;
  }
};

}  // namespace eos
