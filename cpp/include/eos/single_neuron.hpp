// Gradient descent on the single-neuron loss f(x, y) = l(xy) (SPEC §1):
//   x' = x - eta l'(xy) y,   y' = y - eta l'(xy) x.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
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

// settle_filter (batch.hpp) with rest the smaller of ex2, ey2 and edge the larger, at scale 1, with the margins of
// the filter below that calls it.
inline bool single_neuron_filter(double ex2, double ey2, double eps, double rel, double slack, double floor) {
  const double rest = ex2 < ey2 ? ex2 : ey2, eb2 = ex2 < ey2 ? ey2 : ex2;
  return settle_filter(rest, 1.0, eb2, eps, rel, slack, floor);
}

// A cheap necessary condition of single_neuron_settled, the kernels' per-step filter: small == 0, or
// eta small^2 <= eps (1 - rho^2) with rho >= |1 - eta big^2|, evaluated in double with margins that cover the
// rounding of every precision (a filter may err only towards true). Without the rho factor a chain near the edge
// (rho ~ 1 - eta gap) passed the filter for tens of thousands of steps before converging, each one a call of
// single_neuron_settled.
// Takes ex2 = eta x^2 and ey2 = eta y^2 (in double), so the kernels can reuse the eta y^2 they need anyway.
inline bool single_neuron_may_settle(double ex2, double ey2, double eps) {
  return single_neuron_filter(ex2, ey2, eps, 1 + 0x1p-20, 0x1p-44, 0x1p-1074);  // rest < 2^-1074: rest == 0
}

// The fast chunks' form of that filter: true at a chunk's end (ex2, ey2 as above) if single_neuron_settled held at
// any of the chunk's (up to 32) steps, so that a chunk tests it once instead of every step (logistic and sqrt
// kernels ~30 % faster, huber ~40 %).
//
// Why it holds: where single_neuron_settled holds, either small == 0 (a fixed point: rest stays 0), or eta big^2 < 2
// (its rho < 1) and single_neuron_may_settle holds. From then on each step multiplies small by
// 1 - eta q big^2 with 0 < q <= 1, which cannot enlarge it beyond its rounding, and moves big by at most
// eta small^2 <= eps relative (plus half an ulp of rounding). Over 32 steps eta big^2 thus moves by < 100 eps
// relative and eta small^2 grows by < 1e-11 relative; the doubled margins (2^-20 -> 2^-18 on the bound, 2^-44 ->
// 2^-42 on 2 - eta big^2) cover both and the rounding of the evaluation in double, and a rest that underflowed in
// double (rest == 0 above) stays below 2^-990.
inline bool single_neuron_may_have_settled(double ex2, double ey2, double eps) {
  return single_neuron_filter(ex2, ey2, eps, 1 + 0x1p-18, 0x1p-42, 0x1p-990);
}

// Chains advanced together by one advance_block call: enough independent chains to fill the vector units and
// hide the latency of one step (double, double-double), or to overlap several x87 dependency chains.
// Double-double takes four 512-bit vectors, not one: its step is ~340 vector operations along a long dependency
// chain, and with one vector a core that issues 512-bit operations at full rate (Intel) waits on that chain. Its
// translation unit is compiled with instruction scheduling (CMakeLists.txt), which interleaves the vectors
// (bench/NOTES.md §18, kb: 8 -> 32 lanes, logistic 70 -> 113-122, sqrt 104 -> 213-229; neutral on AVX2 and on
// AMD Zen 4, whose 512-bit operations take two cycles). The logistic loss, whose tanh makes the longest chain,
// takes eight (§19, kb: 32 -> 64 lanes, 121-132 -> 150-162; with §20's shorter tanh the two run alike); for the
// others eight are 2-5 % slower. In double too, the logistic loss takes eight vectors: 32 and 64 lanes ran alike
// until the step's range update and flips moved off the end of its dependency chain, then 64 ran ~7 % faster
// (§23, kb 834-861 -> 892-941).
template <class T, class Loss> constexpr int single_neuron_width() {
  if constexpr (std::is_same_v<T, double>) return std::is_same_v<Loss, Logistic<double>> ? 64 : 32;
  if constexpr (std::is_same_v<T, dd>) return std::is_same_v<Loss, Logistic<dd>> ? 64 : 32;
  if constexpr (std::is_same_v<T, long double>) return 4;
  return 1;
}

// The state of N single-neuron chains (structure of arrays), advanced by the lane engine (advance_lanes).
// Out is the type trajectories are recorded in (T itself, or long double when T is float128).
template <class T, class Loss, class Out> struct SingleNeuronKernel {
  static constexpr int width = single_neuron_width<T, Loss>();
  static constexpr std::int64_t first_round = first_round_chain_steps<T>();
  Loss loss;
  T* x;
  T* y;
  PerChain<T> eta;
  std::int64_t* steps;
  std::uint8_t* status;
  std::int64_t* t_cross;  // first t >= 1 with eta y_t^2 < 2 <= eta y_{t-1}^2, or -1
  T* s_cross;             // |x y| at t_cross, or NaN
  std::int64_t* band_steps;
  std::int64_t* flips;
  T band_lo, band_hi;
  Recorder<Out> record;  // the trajectory, if asked for

  // The lane engine's model of these chains (see advance_lanes), for the loss object L.
  template <class L> struct Model {
    static constexpr int width = SingleNeuronKernel::width;
    static constexpr int counting = kCountAll;
    static constexpr bool split = [] {
      if constexpr (requires { L::split; }) return L::split;
      return false;
    }();
    static constexpr auto domains = [] {
      if constexpr (split) return and_anywhere(L::domains);
      else return std::array{kAnywhere};
    }();
    using I = std::int64_t;
    struct State {
      Lanes<T, width> x, y, e, sc;
      // above: eta y_{t-1}^2 >= 2, for careful steps (which keep it; load and restore recompute it, fast steps
      // leave it stale)
      I tc[width], nb[width], nf[width], above[width];
    };
    const SingleNeuronKernel& k;
    const L& loss;
    std::int64_t* steps;
    std::uint8_t* status;
    static constexpr T two = T(2);
    static_assert(kChunkSteps <= 32, "after_chunk's convergence filter holds for chunks of up to 32 steps");
    const T lo, hi, big = huge<T>();
    const double eps = double(epsilon<T>());
    const double lo_d = double(lo), hi_d = double(hi);  // the band in double, for the range in Seen

    // The convergence rule at (xn, yn), with ey2 = eta yn^2: single_neuron_settled behind its cheap filter.
    bool settles(T xn, T yn, T e, T ey2) const {
      return single_neuron_may_settle(double(e) * double(xn) * double(xn), double(ey2), eps) &&
             single_neuron_settled<T>(loss, xn, yn, e);
    }
    // Whether eta y^2 >= 2 (the flag a careful step leaves for the next one).
    static I above(T e, T y) { return e * y * y >= two; }
    // The per-step counters: a visit of the band lo <= eta y^2 < hi, a change of sign of x.
    I in_band(T ey2) const { return (ey2 >= lo) & (ey2 < hi); }
    static I flipped(T xi, T xn) { return ((xn < T(0)) & (xi > T(0))) | ((xn > T(0)) & (xi < T(0))); }
    // flipped in fast steps, from the sign bits alone (integer work in place of four comparisons: sqrt 8 %,
    // huber 20 % faster). The same where x is nonzero before and after, as in every fast step that counts: x = 0
    // is a fixed point, which after_chunk flags, and a flagged lane's counters are restored and retaken.
    static I sign_flipped(T xi, T xn) {
      if constexpr (vectorises<T>) {
        return I((std::bit_cast<std::uint64_t>(double(xi)) ^ std::bit_cast<std::uint64_t>(double(xn))) >> 63);
      } else {
        return flipped(xi, xn);
      }
    }
    void load(State& s, int j, I i, bool fresh) const {
      s.x.set(j, k.x[i]), s.y.set(j, k.y[i]), s.e.set(j, k.eta[i]);
      s.sc.set(j, fresh ? T(std::numeric_limits<double>::quiet_NaN()) : k.s_cross[i]);
      s.tc[j] = fresh ? -1 : k.t_cross[i], s.nb[j] = fresh ? 0 : k.band_steps[i], s.nf[j] = fresh ? 0 : k.flips[i];
      s.above[j] = above(s.e.get(j), s.y.get(j));
    }
    void store(const State& s, int j, I i) const {
      k.x[i] = s.x.get(j), k.y[i] = s.y.get(j), k.s_cross[i] = s.sc.get(j);
      k.t_cross[i] = s.tc[j], k.band_steps[i] = s.nb[j], k.flips[i] = s.nf[j];
    }
    void blank(State& s, int j) const {
      s.x.set(j, T(0)), s.y.set(j, T(0)), s.e.set(j, T(0)), s.sc.set(j, T(0));
      s.tc[j] = s.nb[j] = s.nf[j] = s.above[j] = 0;
    }
    bool starts_settled(State& s, int j, I i) const {
      const T x0 = s.x.get(j), y0 = s.y.get(j), e = s.e.get(j);
      k.record(i, 0, x0, y0);
      return settles(x0, y0, e, e * y0 * y0);
    }
    // Step t of lane j with every test: divergence, the first crossing of the edge, the counters, the trajectory,
    // convergence.
    Status careful_step(State& s, int j, I i, I t) const {
      const T xi = s.x.get(j), yi = s.y.get(j), e = s.e.get(j);
      const T eg = e * loss.d1(xi * yi);
      const T xn = math::fnma(eg, yi, xi), yn = math::fnma(eg, xi, yi);
      if (!(math::abs(xn) <= big && math::abs(yn) <= big)) return kDiverged;
      const T ey2n = e * yn * yn;
      if (ey2n < two && s.above[j] && s.tc[j] < 0) {
        s.tc[j] = t;
        s.sc.set(j, math::abs(xn * yn));
      }
      s.above[j] = ey2n >= two;
      s.nb[j] += in_band(ey2n);
      s.nf[j] += flipped(xi, xn);
      s.x.set(j, xn);
      s.y.set(j, yn);
      k.record(i, t, xn, yn);
      return settles(xn, yn, e, ey2n) ? kConverged : kRunning;
    }
    // What the fast steps of a chunk have seen: the range of eta y^2 (ChunkRange), from which after_chunk reads a
    // possible first crossing of the edge, whether x may have changed sign and, where the range lies wholly inside
    // or outside the band, its c or 0 visits.
    // With a split loss, also the range of the arguments |s| over the chunk's steps, at the ends that can leave
    // the chunk's domain; `unbounded` stands for an end not kept (and starts a kept least |s|).
    static constexpr double unbounded = std::numeric_limits<double>::max();
    struct Seen : ChunkRange<width> {
      double arg_lo[width], arg_hi[width];
    };
    // The start's value is not computed here: the chunk's first fast step adds it to the range (and 0 as the
    // start changes no answer, eta y^2 being >= 0).
    Seen seen_at_start(const State&) const {
      Seen v;
      for (int j = 0; j < width; ++j) v.start(j, 0.0);
      if constexpr (split) std::fill_n(v.arg_lo, width, unbounded), std::fill_n(v.arg_hi, width, 0.0);
      return v;
    }
    // Whether arguments of domain kDomain can leave it through the top (large |s|) or the bottom (small |s|).
    template <int kDomain> static constexpr bool leaves_above = (L::sides(unbounded, unbounded) & ~kDomain);
    template <int kDomain> static constexpr bool leaves_below = (L::sides(0.0, 0.0) & ~kDomain);
    // The sides of lane j's next argument, x y (split losses: T is double, so this is the argument exactly).
    I side(const State& s, int j) const {
      const double a = math::abs(s.x.get(j) * s.y.get(j));
      return L::sides(a, a);
    }
    // l'(s) by the form of domain kDomain, keeping the range of |s| where it can leave the domain.
    template <int kDomain> T d1_on(T s, int j, Seen& seen) const {
      if constexpr (kDomain == kAnywhere) {
        return loss.d1(s);
      } else {
        const double a = math::abs(s);
        if constexpr (leaves_above<kDomain>) seen.arg_hi[j] = std::max(seen.arg_hi[j], a);
        if constexpr (leaves_below<kDomain>) seen.arg_lo[j] = std::min(seen.arg_lo[j], a);
        return loss.template d1_on<kDomain>(s);
      }
    }
    // The update, the range of eta y^2 and, by the chunk's counting mode (kCountFlips, kCountAll: batch.hpp), the
    // flips and the band visits.
    template <bool kMasked, int kCount, int kDomain> void fast_step(State& s, int j, I a, Seen& seen) const {
      const T xi = s.x.get(j), yi = s.y.get(j), e = s.e.get(j);
      // eta yi^2 for the range from the high words: within 6 2^-53 relative of double(e yi^2) (two roundings,
      // three dropped low words, the rounding of e yi^2 itself), which ChunkRange allows for; in double, the same
      // value. The band counter needs it exactly. Taken at the step's start, off the step's dependency chain,
      // which is what bounds the double logistic step (bench/NOTES.md §23); the step's end value is the next
      // step's start, and after_chunk adds the chunk's last.
      const double yid = double(yi);
      seen.add(j, double(e) * yid * yid);
      const T eg = e * d1_on<kDomain>(xi * yi, j, seen);
      const T xn = math::fnma(eg, yi, xi), yn = math::fnma(eg, xi, yi);
      if constexpr (kCount >= kCountFlips) s.nf[j] += a & sign_flipped(xi, xn);
      if constexpr (kCount >= kCountAll) s.nb[j] += a & in_band(e * yn * yn);
      s.x.set(j, kMasked ? select(a, xn, xi) : xn);
      s.y.set(j, kMasked ? select(a, yn, yi) : yn);
    }
    // Bit 0: a non-finite value, a possible first crossing of the edge or a possible convergence at any of the
    // chunk's c steps. Bits 1-2: the counting mode the lane needs (batch.hpp). Flips need counting where the eta
    // y^2 range reaches 1: x' = x (1 - eta q y^2) with q = l'(s)/s in (0, 1], so eta y^2 < 1 keeps the sign of x
    // (the computed l' exceeds |s| by a few ulps at most, far inside the margin), and such a chunk had none. The
    // band needs counting where the range straddles one of its ends; otherwise, where the chunk did not count, its
    // c or 0 band visits are added here. With a split loss, bit 0 is also set where an argument may have left the
    // chunk's domain, and bits 3 and up are the sides of the next argument.
    template <int kDomain> I after_chunk(State& s, int j, I a, Seen& seen, I c, int counted) const {
      const T x = s.x.get(j), y = s.y.get(j);
      const double e = double(s.e.get(j)), xd = double(x), yd = double(y), ey2 = e * yd * yd;
      seen.add(j, ey2);
      const I finite = (math::abs(x) <= big) & (math::abs(y) <= big);
      const I crossing = (s.tc[j] < 0) & seen.may_fall_below(j, 2.0);
      const I inside = seen.inside(j, lo_d, hi_d), outside = seen.outside(j, lo_d, hi_d);
      if (counted < kCountAll) s.nb[j] += c * (a & inside);
      const I needs = (inside | outside) ? I(seen.below(j, 1.0) ? kCountNone : kCountFlips) : I(kCountAll);
      I left = 0, next = 0;
      if constexpr (split) {
        if constexpr (kDomain != kAnywhere) {
          const double least = leaves_below<kDomain> ? seen.arg_lo[j] : 0.0;
          const double most = leaves_above<kDomain> ? seen.arg_hi[j] : unbounded;
          left = (L::sides(least, most) & ~kDomain) != 0;
        }
        next = side(s, j);
      }
      return ((1 - finite) | crossing | left | I(single_neuron_may_have_settled(e * xd * xd, ey2, eps))) |
             (needs << 1) | (next << 3);
    }
    // What a fast step changes that restore cannot recompute (above is e y^2 >= 2 at the restored y).
    struct Saved {
      Lanes<T, width> x, y;
      I nb[width], nf[width];
    };
    Saved save(const State& s) const {
      Saved v{s.x, s.y, {}, {}};
      std::copy_n(s.nb, width, v.nb), std::copy_n(s.nf, width, v.nf);
      return v;
    }
    void restore(State& s, const Saved& from, int j) const {
      s.x.set(j, from.x.get(j)), s.y.set(j, from.y.get(j));
      s.nb[j] = from.nb[j], s.nf[j] = from.nf[j];
      s.above[j] = above(s.e.get(j), s.y.get(j));
    }
  };

  // At most k more steps of each running chain i0 .. i0+count-1 (any count); returns how many still run.
  template <Isa isa>
  std::int64_t advance_block(std::int64_t i0, std::int64_t count, std::int64_t k, bool fresh) const {
    return visit_loss(loss, [&](const auto& l) {
      const Model<std::decay_t<decltype(l)>> m{*this, l, steps, status, band_lo, band_hi};
      return advance_lanes<isa>(m, i0, count, k, vectorises<T> && record.every == 0, fresh);
    });
  }
};

}  // namespace eos
