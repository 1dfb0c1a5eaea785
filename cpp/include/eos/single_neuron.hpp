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
inline bool single_neuron_may_settle(double eta, double small, double big, double eps) {
  const double rest = eta * small * small, eb2 = eta * big * big;
  return (rest <= eps * (1 + 0x1p-20) * eb2 * (2 - eb2 + 0x1p-44)) | (small == 0);
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

  // At most k more steps of chains i0 .. i0+count-1 (count <= width); returns how many still run.
  //
  // Time runs inside the block: every step updates all lanes with straight-line code (no per-chain branch),
  // and a lane that stops is masked (it keeps its state; its counters stop). Rare events (divergence, a lane
  // that may have converged, trajectory records) leave the vector loop for a scalar pass. The convergence rule
  // single_neuron_settled is only evaluated where its cheap necessary condition eta small^2 <= eps holds.
  // Every lane rounds exactly as a lone chain would, so results do not depend on the block a chain is in.
  std::int64_t advance_block(std::int64_t i0, std::int64_t count, std::int64_t k) const {
    return visit_loss(loss, [&](const auto& l) { return advance_block_with(l, i0, count, k); });
  }

  template <class L>
  std::int64_t advance_block_with(const L& loss, std::int64_t i0, std::int64_t count, std::int64_t k) const {
    constexpr int W = width;
    using I = std::int64_t;
    Lanes<T, W> xv, yv, ev, scv;
    I tv[W], tcv[W], nbv[W], nfv[W], act[W], bad[W], loaded[W], above[W], crossed[W], near[W];
    I alive = 0, n_loaded = 0;
    for (int j = 0; j < W; ++j) {
      const I i = i0 + j;
      if (j < count && status[i] == kRunning) {
        ++n_loaded;
        xv.set(j, x[i]), yv.set(j, y[i]), ev.set(j, eta[i]), scv.set(j, s_cross[i]);
        tv[j] = steps[i], tcv[j] = t_cross[i], nbv[j] = band_steps[i], nfv[j] = flips[i];
        act[j] = loaded[j] = 1;
        above[j] = ev.get(j) * yv.get(j) * yv.get(j) >= T(2);  // eta y_{t-1}^2 >= 2, carried from step to step
        if (tv[j] == 0) {
          record(i, 0, xv.get(j), yv.get(j));
          if (single_neuron_settled<T>(loss, xv.get(j), yv.get(j), ev.get(j))) {
            status[i] = kConverged;
            act[j] = 0;
          }
        }
        alive += act[j];
      } else {  // an idle lane: computed along, never stored
        xv.set(j, T(0)), yv.set(j, T(0)), ev.set(j, T(0)), scv.set(j, T(0));
        tv[j] = tcv[j] = nbv[j] = nfv[j] = act[j] = loaded[j] = above[j] = 0;
      }
      bad[j] = crossed[j] = near[j] = 0;
    }
    const T two(2), lo = band_lo, hi = band_hi, tol = epsilon<T>(), big = huge<T>();
    const double eps = double(tol);

    // Vector types: kChunk steps at a time while every lane runs, computing per step only what each step must
    // count (the update, band visits, flips) and merely flagging the rare events: a possible first crossing of
    // the edge or a possible convergence (the careful step's own tests) and, at the end, a non-finite value
    // (NaN and inf stay non-finite under every loss). If any lane flags, the chunk is undone and retaken by
    // the careful step below, so results are the careful path's bit for bit. The careful step's masks and
    // per-step event tests cost about as much as the step itself.
    constexpr I kChunk = 8;
    I careful = 0;  // careful steps still to take before the next fast chunk
    // kMasked: some lanes stopped earlier in this call (they must keep their state); compiled twice, since the
    // masks cost ~10% where every lane runs, the common case.
    auto fast_chunk = [&]<bool kMasked>() {
      const Lanes<T, W> x_start = xv, y_start = yv;
      I nb_start[W], nf_start[W], above_start[W];
      for (int j = 0; j < W; ++j) nb_start[j] = nbv[j], nf_start[j] = nfv[j], above_start[j] = above[j];
      I flag = 0;
      for (I s = 0; s < kChunk; ++s) {
        for (int j = 0; j < W; ++j) {
          const T xi = xv.get(j), yi = yv.get(j), e = ev.get(j);
          const T g = loss.d1(xi * yi);
          const T xn = xi - e * g * yi, yn = yi - e * g * xi;
          const T axn = math::abs(xn), ayn = math::abs(yn);
          const T ey2n = e * yn * yn;
          const bool x_small = axn < ayn;
          const T small = select(x_small, axn, ayn), large = select(x_small, ayn, axn);
          const I maybe_settled = single_neuron_may_settle(double(e), double(small), double(large), eps);
          const I below = ey2n < two;
          const I a = kMasked ? act[j] : 1;
          flag |= act[j] & (maybe_settled | (below & above[j] & (tcv[j] < 0)));
          nbv[j] += a & (ey2n >= lo) & (ey2n < hi);
          nfv[j] += a & (((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0))));
          above[j] = a ? 1 - below : above[j];
          xv.set(j, kMasked ? select(a, xn, xi) : xn);
          yv.set(j, kMasked ? select(a, yn, yi) : yn);
        }
      }
      for (int j = 0; j < W; ++j)
        flag |= act[j] & (1 - ((math::abs(xv.get(j)) <= big) & (math::abs(yv.get(j)) <= big)));
      if (flag) {
        xv = x_start, yv = y_start;
        for (int j = 0; j < W; ++j) nbv[j] = nb_start[j], nfv[j] = nf_start[j], above[j] = above_start[j];
        return false;
      }
      for (int j = 0; j < W; ++j) tv[j] += kChunk * act[j];
      return true;
    };

    for (I step = 0; step < k && alive > 0;) {
      if constexpr (kVector) {
        if (careful == 0 && record.every == 0 && k - step >= kChunk) {
          if (alive == n_loaded ? fast_chunk.template operator()<false>() : fast_chunk.template operator()<true>()) {
            step += kChunk;
            continue;
          }
          careful = kChunk;
        }
        careful -= careful > 0;
      }
      ++step;
      I event = 0;
      if constexpr (kVector) {
        // double and double-double: straight-line code over all lanes, masked; the compiler vectorises this loop.
        // Rare per-lane events (divergence, a crossing of the edge, a possible convergence) only raise `event`;
        // the scalar pass below handles them.
        for (int j = 0; j < W; ++j) {
          const T xi = xv.get(j), yi = yv.get(j), e = ev.get(j);
          const T g = loss.d1(xi * yi);
          const T xn = xi - e * g * yi, yn = yi - e * g * xi;
          const T axn = math::abs(xn), ayn = math::abs(yn);
          const I fin = (axn <= big) & (ayn <= big);  // false for inf and NaN
          const I up = act[j] & fin;
          const T ey2n = e * yn * yn;
          const bool x_small = axn < ayn;
          const T small = select(x_small, axn, ayn), large = select(x_small, ayn, axn);
          const I maybe_settled = single_neuron_may_settle(double(e), double(small), double(large), eps);
          near[j] = maybe_settled;
          const I below = ey2n < two;
          event |= (act[j] & (1 - fin)) | (up & (maybe_settled | (below & above[j] & (tcv[j] < 0))));
          act[j] = up;  // a lane that went non-finite stops here (the scalar pass marks it diverged)
          tv[j] += up;
          nbv[j] += up & (ey2n >= lo) & (ey2n < hi);
          nfv[j] += up & (((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0))));
          crossed[j] = up & below & above[j];
          above[j] = up ? 1 - below : above[j];
          xv.set(j, select(up, xn, xi));
          yv.set(j, select(up, yn, yi));
        }
      } else {
        // long double (x87) and float128 (software): no vector units to fill, so well-predicted branches
        // instead of masks; the lanes' independent dependency chains overlap in the out-of-order core.
        for (int j = 0; j < W; ++j) {
          if (!act[j]) continue;
          const T xi = xv.get(j), yi = yv.get(j), e = ev.get(j);
          const T g = loss.d1(xi * yi);
          const T xn = xi - e * g * yi, yn = yi - e * g * xi;
          const T axn = math::abs(xn), ayn = math::abs(yn);
          if (!(axn <= big && ayn <= big)) {
            bad[j] = 1;
            event = 1;
            continue;
          }
          const T ey2n = e * yn * yn;
          const I t = ++tv[j];
          if (ey2n < two && above[j] && tcv[j] < 0) [[unlikely]] {
            tcv[j] = t;
            scv.set(j, math::abs(xn * yn));
          }
          above[j] = ey2n >= two;
          nbv[j] += (ey2n >= lo) & (ey2n < hi);
          nfv[j] += ((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0)));
          xv.set(j, xn);
          yv.set(j, yn);
          const T small = axn < ayn ? axn : ayn, large = axn < ayn ? ayn : axn;
          near[j] = single_neuron_may_settle(double(e), double(small), double(large), eps);
          event |= near[j];
        }
      }
      if (record.every > 0)
        for (int j = 0; j < W; ++j)
          if (act[j]) record(i0 + j, tv[j], xv.get(j), yv.get(j));
      if (event) {
        for (int j = 0; j < W; ++j) {
          if (!loaded[j] || status[i0 + j] != kRunning) continue;
          if (bad[j] || (kVector && !act[j])) {
            status[i0 + j] = kDiverged;  // keeps the last finite iterate; steps counts the finite ones
            act[j] = 0;
            --alive;
            continue;
          }
          if (kVector && crossed[j] && tcv[j] < 0) {
            tcv[j] = tv[j];
            scv.set(j, math::abs(xv.get(j) * yv.get(j)));
          }
          // only where the cheap necessary condition holds: a lane near convergence raises an event every step
          // for a while, and testing every lane of the block each time cost 5x the steps themselves
          if (near[j] && single_neuron_settled<T>(loss, xv.get(j), yv.get(j), ev.get(j))) {
            status[i0 + j] = kConverged;
            act[j] = 0;
            --alive;
          }
        }
      }
    }
    for (int j = 0; j < count; ++j) {
      if (!loaded[j]) continue;
      const I i = i0 + j;
      x[i] = xv.get(j), y[i] = yv.get(j), s_cross[i] = scv.get(j);
      steps[i] = tv[j], t_cross[i] = tcv[j], band_steps[i] = nbv[j], flips[i] = nfv[j];
    }
    return alive;
  }
};

}  // namespace eos
