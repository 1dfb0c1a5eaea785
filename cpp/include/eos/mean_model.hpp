// Gradient descent on the mean model of the known-basis ReLU net (SPEC §2):
//   A' = A - 2 d^2 eta l'(A g(b)) g(b),   b' = b - eta l'(A g(b)) A g'(b),
// with l(s) = (log(1+e^-s) + log(1+e^s))/2, l'(s) = tanh(s/2)/2, and g(b) = E ReLU(z + b) = phi(b) + b Phi(b).
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "eos/batch.hpp"
#include "eos/gauss.hpp"
#include "eos/real.hpp"

namespace eos {

// g(b) = phi(b) + b Phi(b), g'(b) = Phi(b), g''(b) = phi(b): in double, long double and double-double the
// kernels' own branch-free fast::gauss (gauss.hpp; one exp and one rational function, no cancellation for
// b << 0, a couple of ulps over the whole line); in float128 fast::gauss_libm (one expq and one erfcq).
// (Returned as a prvalue: GCC does not vectorise a loop that copies structs of double-double members.)
template <class T> using Gauss = fast::GaussValues<T>;
template <class T> Gauss<T> gauss(T b) {
  if constexpr (requires { fast::gauss(b); }) {
    return fast::gauss(b);
  } else {
    return fast::gauss_libm(b);
  }
}

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
  const T edge = eta * d * d * G.g * G.g / T(2);
  // cheap necessary condition, since rho >= |1 - edge| (monotone rounding keeps it so in T)
  const T rho_edge = math::abs(T(1) - edge);
  if (!(rho_edge < T(1)) || rest > tol * scale * (T(1) - rho_edge * rho_edge)) return false;
  const T s = A * G.g;
  const T q = math::tanh(s / T(2)) / (s / T(2));
  const T rho = std::max(rho_edge, math::abs(T(1) - edge * q));
  if (!(rho < T(1)) || rest > tol * scale * (T(1) - rho * rho)) return false;
  const T limit = d * d * G.g * G.g / T(2);
  return math::abs(mean_model_sharpness<T>(A, d, G) - limit) <= tol * limit;
}

// settle_filter (batch.hpp) at scale max(|b|, 2^-900), with the margins of the filter below that calls it.
// The rule's own floor is tiny<T>() (2^-1022 or less); a larger one only weakens a filter, which may err towards
// true. 2^-900 keeps the bound eps scale edge (2 - edge) a normal number at b = 0, the paper's start: at 2^-1022 it
// was subnormal, and the microcode assist of that product cost ~70 ns of every chain's first step (a 1-step
// call of the double mean model on 10^6 chains and one thread took 128 ms, against 33 for the single neuron).
inline bool mean_model_filter(double rest, double edge, double scale, double eps, double rel, double slack,
                              double floor) {
  return settle_filter(rest, scale > 0x1p-900 ? scale : 0x1p-900, edge, eps, rel, slack, floor);
}

// A necessary condition of mean_model_settled, from rest = eta g g' A^2 / 4, edge = eta d^2 g^2 / 2 and
// scale = |b| evaluated in double, with margins that cover the rounding of every precision (a filter may err only
// towards true). (rest < 2^-1074: rest == 0.)
inline bool mean_model_may_settle(double rest, double edge, double scale, double eps) {
  return mean_model_filter(rest, edge, scale, eps, 1 + 0x1p-20, 0x1p-44, 0x1p-1074);
}

// The fast chunks' form of that filter (as single_neuron_may_have_settled): true at a chunk's end if
// mean_model_settled held at any of the chunk's (up to 32) steps, so that a chunk tests it once instead of every
// step (double kernel ~10 % faster).
//
// Why it holds: where mean_model_settled holds, A == 0 (a fixed point: rest stays 0), or rho < 1 and
// mean_model_may_settle holds. From then on each step multiplies A by 1 - edge q, which cannot enlarge it beyond
// rounding, and b moves by at most eps |b| in all (the rule's bound), plus half an ulp a step of rounding: under
// 17 eps |b| over 32 steps. g and g' > 0 only for b > -38 (below, g underflows and the rule never holds), and
// there g'/g <= |b| + 2 and g''/g' <= |b| + 1, so g g' and g^2 move by under 2 (|b| + 2) 17 eps |b| < 6e4 eps
// relative: rest and edge by < 2e-11 relative, 2 - edge by < 3e-11 absolute (edge < 2). The margins (2^-20 ->
// 2^-18 on the bound, 2^-44 -> 2^-32 on 2 - edge) cover these with room to spare, and a rest that underflowed in
// double stays below 2^-990.
inline bool mean_model_may_have_settled(double rest, double edge, double scale, double eps) {
  return mean_model_filter(rest, edge, scale, eps, 1 + 0x1p-18, 0x1p-32, 0x1p-990);
}

// Chains advanced together by one advance_block call (see single_neuron_width): the vector lanes for double and
// double-double, several overlapping x87 dependency chains for long double. Four vectors in double and two in
// double-double, for the same reason as there (bench/NOTES.md §18: +6 % and +9 % on the 2-vCPU Xeon).
template <class T> constexpr int mean_model_width() {
  if constexpr (std::is_same_v<T, double>) return 32;
  if constexpr (std::is_same_v<T, dd>) return 16;
  if constexpr (std::is_same_v<T, long double>) return 4;
  return 1;
}

// The state of N mean-model chains (structure of arrays), advanced by the lane engine (advance_lanes).
template <class T, class Out> struct MeanModelKernel {
  static constexpr int width = mean_model_width<T>();
  static constexpr std::int64_t first_round = first_round_chain_steps<T>(4);  // its step costs 3-6 single-neuron
  // steps, and at 10^6 chains x 200 steps a first round of 16 steps is as fast as one of 67 (two rounds either way)
  T* A;
  T* b;
  T* g;   // g(b) and g'(b) at the current b, kept between calls so that a lane taking a chain need not
  T* dg;  // recompute them (a scalar fast::gauss per chain and round would cost more than a step in dd)
  PerChain<T> eta;
  PerChain<T> d;
  std::int64_t* steps;
  std::uint8_t* status;
  std::int64_t* t_cross;  // first t >= 1 with eta d^2 g(b_t)^2 / 2 < 2 <= eta d^2 g(b_{t-1})^2 / 2, or -1
  Recorder<Out> record;   // the trajectory, if asked for

  // The lane engine's model of these chains (see advance_lanes).
  struct Model {
    static constexpr int width = MeanModelKernel::width;
    static constexpr int counting = kCountNone;  // no per-step counters
    static constexpr std::array domains{kAnywhere};  // one form of the step for every argument
    using I = std::int64_t;
    struct State {
      Lanes<T, width> A, b, e, d, g, dg;  // g, dg: g(b) and g'(b) at the current b, carried step to step
      // above: eta d^2 g(b_{t-1})^2 / 2 >= 2, for careful steps (see the single neuron's State)
      I tc[width], above[width];
    };
    const MeanModelKernel& k;
    std::int64_t* steps;
    std::uint8_t* status;
    static constexpr T two = T(2);
    const T big = huge<T>();
    const double eps = double(epsilon<T>());

    void load(State& s, int j, I i, bool fresh) const {
      const T e = k.eta[i], d = k.d[i];
      s.A.set(j, k.A[i]), s.b.set(j, k.b[i]), s.e.set(j, e), s.d.set(j, d), s.g.set(j, k.g[i]), s.dg.set(j, k.dg[i]);
      s.tc[j] = fresh ? -1 : k.t_cross[i];
      s.above[j] = above(e, d, k.g[i]);
    }
    void store(const State& s, int j, I i) const {
      k.A[i] = s.A.get(j), k.b[i] = s.b.get(j), k.g[i] = s.g.get(j), k.dg[i] = s.dg.get(j), k.t_cross[i] = s.tc[j];
    }
    void blank(State& s, int j) const {
      s.A.set(j, T(0)), s.b.set(j, T(0)), s.e.set(j, T(0)), s.d.set(j, T(0)), s.g.set(j, T(0)), s.dg.set(j, T(0));
      s.tc[j] = s.above[j] = 0;
    }
    // rest = eta g g' A^2 / 4 in double, for the filters.
    static double rest_of(T A, T e, T g, T dg) {
      return double(e) * double(g) * double(dg) * double(A) * double(A) / 4;
    }
    // At t = 0: the convergence rule behind its filter (mean_model_may_settle), from the g and g' the lane already
    // holds (the full rule needs g'' too, and a scalar fast::gauss per chain cost more than the step of a 1-step
    // call).
    bool starts_settled(State& s, int j, I i) const {
      const T A = s.A.get(j), b = s.b.get(j), e = s.e.get(j), d = s.d.get(j), g = s.g.get(j);
      k.record(i, 0, A, b);
      return mean_model_may_settle(rest_of(A, e, g, s.dg.get(j)), double(edge_of(e, d, g)), math::abs(double(b)),
                                   eps) &&
             mean_model_settled<T>(A, b, e, d, gauss(b));
    }
    // The GD update of (A, b), shared by both paths; edge_of: eta d^2 g^2 / 2.
    static void update(T A, T b, T g, T dg, T e, T d, T& An, T& bn) {
      const T lp = math::half(math::tanh(math::half(A * g)));
      An = math::fnma(two * d * d * e * lp, g, A);
      bn = math::fnma(e * lp * A, dg, b);
    }
    static T edge_of(T e, T d, T g) { return math::half(e * d * d) * g * g; }
    // The same in double from the high words (the fast steps' value for ChunkRange): within 10 2^-53 relative of
    // double(edge_of(...)) (four roundings, five dropped low words, the rounding of edge_of itself), and equal to
    // it in double.
    static double edge_in_double(T e, T d, T g) {
      const double dn = double(d), gd = double(g);
      return double(e) * dn * dn / 2 * gd * gd;
    }
    static I above(T e, T d, T g) { return edge_of(e, d, g) >= two; }
    // Step t of lane j with every test: divergence, the first crossing of the edge, the trajectory, convergence.
    Status careful_step(State& s, int j, I i, I t) const {
      const T e = s.e.get(j), d = s.d.get(j);
      T An, bn;
      update(s.A.get(j), s.b.get(j), s.g.get(j), s.dg.get(j), e, d, An, bn);
      if (!(math::abs(An) <= big && math::abs(bn) <= big)) return kDiverged;
      const Gauss<T> G = gauss(bn);
      const T edge = edge_of(e, d, G.g);
      if (edge < two && s.above[j] && s.tc[j] < 0) s.tc[j] = t;
      s.above[j] = edge >= two;
      s.A.set(j, An), s.b.set(j, bn), s.g.set(j, G.g), s.dg.set(j, G.dg);
      k.record(i, t, An, bn);
      return mean_model_settled<T>(An, bn, e, d, G) ? kConverged : kRunning;
    }
    // What the fast steps of a chunk have seen: the range of the edge value eta d^2 g^2 / 2 (ChunkRange).
    using Seen = ChunkRange<width>;
    static_assert(kChunkSteps <= 32, "after_chunk's convergence filter holds for chunks of up to 32 steps");
    Seen seen_at_start(const State& s) const {
      Seen v;
      for (int j = 0; j < width; ++j) v.start(j, double(edge_of(s.e.get(j), s.d.get(j), s.g.get(j))));
      return v;
    }
    // The update, and what it adds to Seen (the mean model keeps no per-step counters: kCount changes nothing).
    template <bool kMasked, int kCount, int> void fast_step(State& s, int j, I a, Seen& seen) const {
      const T A = s.A.get(j), b = s.b.get(j), g = s.g.get(j), dg = s.dg.get(j), e = s.e.get(j);
      T An, bn;
      update(A, b, g, dg, e, s.d.get(j), An, bn);
      const Gauss<T> G = gauss(bn);
      seen.add(j, edge_in_double(e, s.d.get(j), G.g));
      s.A.set(j, kMasked ? select(a, An, A) : An);
      s.b.set(j, kMasked ? select(a, bn, b) : bn);
      s.g.set(j, kMasked ? select(a, G.g, g) : G.g);
      s.dg.set(j, kMasked ? select(a, G.dg, dg) : G.dg);
    }
    // A non-finite value, a possible first crossing of the edge, or a possible convergence at any of the chunk's
    // steps (mean_model_may_have_settled at its end).
    template <int> I after_chunk(const State& s, int j, I, const Seen& seen, I, int) const {
      const T A = s.A.get(j), b = s.b.get(j), e = s.e.get(j), g = s.g.get(j);
      const I finite = (math::abs(A) <= big) & (math::abs(b) <= big);
      const double edge = double(edge_of(e, s.d.get(j), g));
      const I settle = mean_model_may_have_settled(rest_of(A, e, g, s.dg.get(j)), edge, math::abs(double(b)), eps);
      return (1 - finite) | settle | ((s.tc[j] < 0) & seen.may_fall_below(j, 2.0));
    }
    // What a fast step changes that restore cannot recompute (above is edge >= 2 at the restored g).
    struct Saved {
      Lanes<T, width> A, b, g, dg;
    };
    Saved save(const State& s) const { return {s.A, s.b, s.g, s.dg}; }
    void restore(State& s, const Saved& from, int j) const {
      s.A.set(j, from.A.get(j)), s.b.set(j, from.b.get(j)), s.g.set(j, from.g.get(j)), s.dg.set(j, from.dg.get(j));
      s.above[j] = above(s.e.get(j), s.d.get(j), s.g.get(j));
    }
  };

  // At most k more steps of each running chain i0 .. i0+count-1 (any count); returns how many still run.
  template <Isa isa>
  std::int64_t advance_block(std::int64_t i0, std::int64_t count, std::int64_t k, bool fresh) const {
    return advance_lanes<isa>(Model{*this, steps, status}, i0, count, k, vectorises<T> && record.every == 0, fresh);
  }
};

}  // namespace eos
