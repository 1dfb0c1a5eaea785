// Gradient descent on the single-neuron loss f(x, y) = l(xy) (SPEC §1):
//   x' = x - eta l'(xy) y,   y' = y - eta l'(xy) x.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

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
// Not inlined: it runs in the rare scalar pass, and inlined into the vectorised kernel it only bloats it (GCC then
// gave up vectorising the double-double l_beta kernel).
template <class T, class Loss> [[gnu::noinline]] bool single_neuron_settled(const Loss& loss, T x, T y, T eta) {
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

// A cheap necessary condition of single_neuron_settled, the kernels' per-step filter: small == 0, or
// eta small^2 <= eps (1 - rho^2) with rho >= |1 - eta big^2|, evaluated in double with margins that cover the
// rounding of every precision (a filter may err only towards true). Without the rho factor a chain near the edge
// (rho ~ 1 - eta gap) passed the filter for tens of thousands of steps before converging, each one a call of
// single_neuron_settled.
// Takes ex2 = eta x^2 and ey2 = eta y^2 (in double), so the kernels can reuse the eta y^2 they need anyway.
inline bool single_neuron_may_settle(double ex2, double ey2, double eps) {
  const double rest = ex2 < ey2 ? ex2 : ey2, eb2 = ex2 < ey2 ? ey2 : ex2;
  return (rest <= eps * (1 + 0x1p-20) * eb2 * (2 - eb2 + 0x1p-44)) | (rest == 0);
}

// Whether a loop over chains in T vectorises: double and double-double (pairs of doubles); not x87 long double
// or software float128.
template <class T> inline constexpr bool vectorises = std::is_same_v<T, double> || std::is_same_v<T, dd>;

// Chains advanced together by one advance_block call: enough independent chains to fill the vector units and
// hide the latency of one step (double, double-double), or to overlap several x87 dependency chains.
template <class T> constexpr int single_neuron_width() {
  if constexpr (std::is_same_v<T, double>) return 32;
  if constexpr (std::is_same_v<T, dd>) return 8;  // throughput-bound: 8, 16 and 32 run alike
  if constexpr (std::is_same_v<T, long double>) return 4;
  return 1;
}

// The state of N single-neuron chains (structure of arrays) and the steps that advance them.
// Out is the type trajectories are recorded in (T itself, or long double when T is float128).
template <class T, class Loss, class Out> struct SingleNeuronKernel {
  static constexpr int width = single_neuron_width<T>();
  static constexpr bool kVector = vectorises<T>;
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
  Recorder<Out> record;  // the trajectory, if asked for

  bool running(std::int64_t i) const { return status[i] == kRunning; }
  static constexpr bool refills_lanes = true;  // advance_block takes any number of chains (run_batched)

  // At most k more steps of each running chain i0 .. i0+count-1 (any count); returns how many still run.
  //
  // The chains go through `width` lanes; a lane whose chain stops, or has had its k steps, hands it back and
  // takes the next one. Vector types advance all lanes together in chunks of up to kChunk steps of
  // straight-line code that compute only what every step must (the update, band visits, flips) and flag the
  // rare events per lane: a possible convergence (single_neuron_may_settle), a possible first crossing of the
  // edge, a non-finite value (checked at the chunk's end: NaN and inf stay non-finite under every loss). A
  // flagged lane is put back to the chunk's start and retaken by careful_step, which does every test every step;
  // long double and float128 (no vector units) and runs that record a trajectory use careful_step throughout,
  // lane by lane, so that the lanes' dependency chains overlap. Every lane rounds exactly as a lone chain
  // would, so results depend neither on the lane, nor on the group a chain is in, nor on the path.
  std::int64_t advance_block(std::int64_t i0, std::int64_t count, std::int64_t k) const {
    return visit_loss(loss, [&](const auto& l) { return advance_block_with(l, i0, count, k); });
  }

  template <class L>
  std::int64_t advance_block_with(const L& loss, std::int64_t i0, std::int64_t count, std::int64_t k) const {
    constexpr int W = width;
    using I = std::int64_t;
    const T two(2), lo = band_lo, hi = band_hi, tol = epsilon<T>(), big = huge<T>();
    const double eps = double(tol);
    Lanes<T, W> xv, yv, ev, scv;
    I chain[W], until[W], tv[W], tcv[W], nbv[W], nfv[W], act[W], above[W];
    I next = i0, still = 0, alive = 0;
    I clock = 0;  // steps taken by the lanes in this call; lane j's chain runs until clock == until[j]
    const I end = i0 + count;

    // The convergence rule at (xn, yn), with ey2 = eta yn^2: single_neuron_settled behind its cheap filter.
    auto settles = [&](T xn, T yn, T e, T ey2) {
      return single_neuron_may_settle(double(e) * double(xn) * double(xn), double(ey2), eps) &&
             single_neuron_settled<T>(loss, xn, yn, e);
    };

    // Lane j hands its chain back (if any) and takes the next running chain of [next, end), or becomes empty.
    auto refill = [&](int j) {
      if (chain[j] >= 0) {
        const I i = chain[j];
        x[i] = xv.get(j), y[i] = yv.get(j), s_cross[i] = scv.get(j);
        steps[i] = tv[j], t_cross[i] = tcv[j], band_steps[i] = nbv[j], flips[i] = nfv[j];
        still += status[i] == kRunning;
        --alive;
      }
      chain[j] = -1;
      act[j] = 0;
      while (next < end) {
        const I i = next++;
        if (status[i] != kRunning) continue;
        xv.set(j, x[i]), yv.set(j, y[i]), ev.set(j, eta[i]), scv.set(j, s_cross[i]);
        tv[j] = steps[i], tcv[j] = t_cross[i], nbv[j] = band_steps[i], nfv[j] = flips[i];
        const T ey2 = ev.get(j) * yv.get(j) * yv.get(j);
        above[j] = ey2 >= T(2);  // eta y_{t-1}^2 >= 2, carried from step to step
        if (tv[j] == 0) {
          record(i, 0, xv.get(j), yv.get(j));
          if (settles(xv.get(j), yv.get(j), ev.get(j), ey2)) {
            status[i] = kConverged;
            continue;
          }
        }
        chain[j] = i, until[j] = clock + k, act[j] = 1;
        ++alive;
        return;
      }
      // an empty lane: computed along by the vector chunks, never stored
      xv.set(j, T(0)), yv.set(j, T(0)), ev.set(j, T(0)), scv.set(j, T(0));
      tv[j] = tcv[j] = nbv[j] = nfv[j] = above[j] = 0;
    };

    // One step of lane j with every test: divergence (the lane keeps its last finite iterate), the first
    // crossing of the edge, the counters, the trajectory, convergence. Clears act[j] when the chain stops.
    auto careful_step = [&](int j) {
      const I i = chain[j];
      const T xi = xv.get(j), yi = yv.get(j), e = ev.get(j);
      const T g = loss.d1(xi * yi);
      const T xn = xi - e * g * yi, yn = yi - e * g * xi;
      const T axn = math::abs(xn), ayn = math::abs(yn);
      if (!(axn <= big && ayn <= big)) {
        status[i] = kDiverged;
        act[j] = 0;
        return;
      }
      const T ey2n = e * yn * yn;
      const I t = ++tv[j];
      if (ey2n < two && above[j] && tcv[j] < 0) {
        tcv[j] = t;
        scv.set(j, math::abs(xn * yn));
      }
      above[j] = ey2n >= two;
      nbv[j] += (ey2n >= lo) & (ey2n < hi);
      nfv[j] += ((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0)));
      xv.set(j, xn);
      yv.set(j, yn);
      record(i, t, xn, yn);
      if (settles(xn, yn, e, ey2n)) {
        status[i] = kConverged;
        act[j] = 0;
      }
    };

    // c careful steps of lane j, out of line: inlined into the vector chunk below, the scalar code made GCC give
    // up vectorising the chunk for some losses (double-double l_beta).
    auto retake = [&](int j, I c) __attribute__((noinline)) {
      for (I s = 0; s < c && act[j]; ++s) careful_step(j);
    };

    // Vector types: c <= kChunk steps of every lane at once (kMasked: some lanes are empty or have stopped,
    // and keep their state), then the flagged lanes retaken from the chunk's start by careful_step.
    constexpr I kChunk = 8;
    auto chunk = [&]<bool kMasked>(I c) {
      const Lanes<T, W> x_start = xv, y_start = yv;
      I nb_start[W], nf_start[W], above_start[W], flag[W];
      for (int j = 0; j < W; ++j)
        nb_start[j] = nbv[j], nf_start[j] = nfv[j], above_start[j] = above[j], flag[j] = 0;
      for (I s = 0; s < c; ++s) {
        for (int j = 0; j < W; ++j) {
          const T xi = xv.get(j), yi = yv.get(j), e = ev.get(j);
          const T g = loss.d1(xi * yi);
          const T xn = xi - e * g * yi, yn = yi - e * g * xi;
          const T ey2n = e * yn * yn;
          const double ex2 = double(e) * double(xn) * double(xn);
          const I maybe_settled = single_neuron_may_settle(ex2, double(ey2n), eps);
          const I below = ey2n < two;
          const I a = kMasked ? act[j] : 1;
          flag[j] |= maybe_settled | (below & above[j] & (tcv[j] < 0));
          nbv[j] += a & (ey2n >= lo) & (ey2n < hi);
          nfv[j] += a & (((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0))));
          above[j] = a ? 1 - below : above[j];
          xv.set(j, kMasked ? select(a, xn, xi) : xn);
          yv.set(j, kMasked ? select(a, yn, yi) : yn);
        }
      }
      I any = 0;
      for (int j = 0; j < W; ++j) {
        flag[j] = act[j] & (flag[j] | (1 - ((math::abs(xv.get(j)) <= big) & (math::abs(yv.get(j)) <= big))));
        any |= flag[j];
      }
      for (int j = 0; j < W; ++j) tv[j] += c * (act[j] & (1 - flag[j]));
      if (!any) return;
      for (int j = 0; j < W; ++j) {
        if (!flag[j]) continue;
        xv.set(j, x_start.get(j)), yv.set(j, y_start.get(j));
        nbv[j] = nb_start[j], nfv[j] = nf_start[j], above[j] = above_start[j];
        retake(j, c);
      }
    };

    auto first_due = [&]() {  // the clock at which the next lane has had its k steps
      I u = clock + k;
      for (int j = 0; j < W; ++j)
        if (act[j]) u = std::min(u, until[j]);
      return u;
    };
    for (int j = 0; j < W; ++j) {
      chain[j] = -1;
      refill(j);
    }
    I due = first_due();
    while (alive > 0) {
      const I c = std::min(kChunk, due - clock);
      if (kVector && record.every == 0) {
        if (alive == W)
          chunk.template operator()<false>(c);
        else
          chunk.template operator()<true>(c);
      } else {
        for (I s = 0; s < c; ++s)
          for (int j = 0; j < W; ++j)
            if (act[j]) careful_step(j);
      }
      clock += c;
      bool changed = clock == due;
      for (int j = 0; j < W; ++j) changed |= chain[j] >= 0 && !act[j];
      if (changed) {
        for (int j = 0; j < W; ++j)
          if (chain[j] >= 0 && (!act[j] || until[j] == clock)) refill(j);
        due = first_due();
      }
    }
    return still;
  }
};

}  // namespace eos
