// Double-double vs float128 for the single-neuron GD step (issue 6): is a double-double kernel worth adding?
//
// A self-contained prototype, not part of the package. Double-double (dd) represents a real as an unevaluated
// sum hi + lo of two doubles (~106 bits; Dekker, Knuth, Bailey's QD library); arithmetic uses error-free
// transformations (two_sum, and two_prod through the hardware fma). __float128 (113 bits) is GCC's software IEEE
// quad with libquadmath's tanhq / sqrtq. The question of the issue: does dd beat float128 by >= 5x in
// throughput at comparable accuracy?
//
// It times GD steps x' = x - eta l'(xy) y, y' = y - eta l'(xy) x on many independent chains in one thread for
// the sqrt loss (l' = s/sqrt(1+s^2): needs sqrt and a division) and the logistic loss (l' = tanh: needs an
// exponential), in double, long double, dd and float128, and checks dd's accuracy: the gap 2/eta - y^2 at the
// end of an EoS-regime run of every rung against float128.
//
// Build and run (GCC, x86-64 with FMA):
//   g++ -O3 -march=native -std=c++17 bench/dd_vs_quad.cpp -o /tmp/dd_vs_quad -lquadmath && /tmp/dd_vs_quad
// -DDD_SLOPPY: QD's sloppy addition and a two-digit division (faster, less accurate dd).
// Never build this with -ffast-math: the error-free transformations depend on IEEE rounding.
#include <quadmath.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

// ---------------------------------------------------------------------------------------------------- dd
struct dd {
  double hi, lo;
};

static inline dd quick_two_sum(double a, double b) {  // |a| >= |b|
  double s = a + b;
  return {s, b - (s - a)};
}
static inline dd two_sum(double a, double b) {
  double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
static inline dd two_prod(double a, double b) {
  double p = a * b;
  return {p, std::fma(a, b, -p)};
}
static inline dd operator+(dd a, dd b) {  // the accurate ("IEEE") dd addition of QD
#ifdef DD_SLOPPY  // QD's sloppy addition: faster, loses relative accuracy under cancellation
  dd r = two_sum(a.hi, b.hi);
  r.lo += a.lo + b.lo;
  return quick_two_sum(r.hi, r.lo);
#endif
  dd s = two_sum(a.hi, b.hi), t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}
static inline dd operator-(dd a) { return {-a.hi, -a.lo}; }
static inline dd operator-(dd a, dd b) { return a + (-b); }
static inline dd operator*(dd a, dd b) {
  dd p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return quick_two_sum(p.hi, p.lo);
}
static inline dd operator*(dd a, double b) {
  dd p = two_prod(a.hi, b);
  p.lo += a.lo * b;
  return quick_two_sum(p.hi, p.lo);
}
static inline dd operator/(dd a, dd b) {  // QD's accurate division: three quotient digits
#ifdef DD_SLOPPY  // two quotient digits
  {
    double q1 = a.hi / b.hi;
    dd r = a - b * q1;
    return quick_two_sum(q1, r.hi / b.hi);
  }
#endif
  double q1 = a.hi / b.hi;
  dd r = a - b * q1;
  double q2 = r.hi / b.hi;
  r = r - b * q2;
  double q3 = r.hi / b.hi;
  dd q = quick_two_sum(q1, q2);
  return q + dd{q3, 0.0};
}
static inline dd dd_sqrt(dd a) {  // Karp's trick: one Newton step on the double estimate
  if (a.hi <= 0) return {0, 0};
  double x = 1.0 / std::sqrt(a.hi), ax = a.hi * x;
  dd ax2 = two_prod(ax, ax);
  double d = (a - ax2).hi * (x * 0.5);
  return two_sum(ax, d);
}
static inline dd ldexp(dd a, int e) { return {std::ldexp(a.hi, e), std::ldexp(a.lo, e)}; }

// expm1(t) for |t| <= 0.75 to ~dd precision: t/2^9, Taylor to degree 9, then nine doublings
// e^{2u} - 1 = (e^u - 1)(e^u - 1 + 2).
static dd kInvFact[9];  // 1/(i+2)!, filled by init_inv_fact() with dd divisions
static void init_inv_fact() {
  dd f{1.0, 0.0};
  for (int i = 0; i < 9; ++i) {
    f = f / dd{double(i + 2), 0.0};
    kInvFact[i] = f;
  }
}
static inline dd dd_expm1_small(dd t) {
  dd r = ldexp(t, -9);
  dd s = kInvFact[8];
  for (int i = 7; i >= 0; --i) s = kInvFact[i] + r * s;  // sum_i r^i/(i+2)! = (e^r - 1 - r)/r^2
  s = r + r * r * s;                                        // e^r - 1
  for (int i = 0; i < 9; ++i) s = s * (s + dd{2.0, 0.0});
  return s;
}
static const dd kLn2 = {6.931471805599452862e-01, 2.319046813846299558e-17};
static inline dd dd_exp(dd x) {
  double m = std::nearbyint(x.hi / kLn2.hi);
  dd r = x - kLn2 * m;
  dd e = dd_expm1_small(r) + dd{1.0, 0.0};
  return ldexp(e, int(m));
}
static inline dd dd_tanh(dd x) {
  const bool neg = x.hi < 0;
  dd a = neg ? -x : x;
  dd t;
  if (a.hi < 0.35) {  // tanh a = em/(em + 2), em = expm1(2a): full relative accuracy at small a
    dd em = dd_expm1_small(a * 2.0);
    t = em / (em + dd{2.0, 0.0});
  } else if (a.hi > 40) {
    t = {1.0, 0.0};
  } else {  // 1 - 2/(e^{2a} + 1)
    t = dd{1.0, 0.0} - dd{2.0, 0.0} / (dd_exp(a * 2.0) + dd{1.0, 0.0});
  }
  return neg ? -t : t;
}

// ------------------------------------------------------------------------------------- per-type loss l'
template <class T> struct Ops;
template <> struct Ops<double> {
  static double sqrt_d1(double s) { return s / std::sqrt(1.0 + s * s); }
  static double tanh_d1(double s) { return std::tanh(s); }
};
template <> struct Ops<long double> {
  static long double sqrt_d1(long double s) { return s / std::sqrt(1.0L + s * s); }
  static long double tanh_d1(long double s) { return std::tanh(s); }
};
template <> struct Ops<__float128> {
  static __float128 sqrt_d1(__float128 s) { return s / sqrtq(1 + s * s); }
  static __float128 tanh_d1(__float128 s) { return tanhq(s); }
};
template <> struct Ops<dd> {
  static dd sqrt_d1(dd s) { return s / dd_sqrt(dd{1.0, 0.0} + s * s); }
  static dd tanh_d1(dd s) { return dd_tanh(s); }
};

template <class T> static T from(double v) { return T(v); }
template <> dd from<dd>(double v) { return {v, 0.0}; }
static __float128 to_q(double v) { return v; }
static __float128 to_q(long double v) { return v; }
static __float128 to_q(__float128 v) { return v; }
static __float128 to_q(dd v) { return __float128(v.hi) + __float128(v.lo); }

template <class T, bool Logistic> static void steps(T& x, T& y, T eta, long n) {
  for (long t = 0; t < n; ++t) {
    T g = Logistic ? Ops<T>::tanh_d1(x * y) : Ops<T>::sqrt_d1(x * y);
    T xn = x - eta * g * y, yn = y - eta * g * x;
    x = xn;
    y = yn;
  }
}

// The same map with the large coordinate y carried as an unevaluated sum hi + lo ("compensated"): in the
// bouncing and converging phases y shrinks by nearly the same tiny amount every other step, so the rounding
// errors of y - eta g x share one sign and add up linearly; Fast2Sum keeps what each rounding drops. Only the
// y update is compensated (s = x y_hi and x use y_hi: their errors do not accumulate, x contracts).
template <class T, bool Logistic> static void steps_comp(T& x, T& y, T& ylo, T eta, long n) {
  for (long t = 0; t < n; ++t) {
    T g = Logistic ? Ops<T>::tanh_d1(x * y) : Ops<T>::sqrt_d1(x * y);
    T xn = x - eta * g * y;
    T d = ylo - eta * g * x, s = y + d;  // |y| >> |d|: Fast2Sum
    ylo = d - (s - y);
    y = s;
    x = xn;
  }
}
template <class T, bool Logistic> static double throughput_comp(int chains, long n) {
  std::vector<T> xs(chains), ys(chains), ls(chains, T(0));
  for (int i = 0; i < chains; ++i) {
    xs[i] = T(1.1 + 1e-3 * i);
    ys[i] = T(4.9 - 1e-3 * i);
  }
  const T eta = T(0.1);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < chains; ++i) steps_comp<T, Logistic>(xs[i], ys[i], ls[i], eta, n);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  volatile double sink = 0;
  for (int i = 0; i < chains; ++i) sink = sink + double(xs[i]);
  return chains * double(n) / sec / 1e6;
}
template <class T, bool Logistic> static __float128 gap_after_comp(double eta_d, long n) {
  const double r = std::sqrt(2.5 / eta_d);
  T x = T(r * 0.5), y = T(r * std::sqrt(1.25)), lo = T(0), eta = T(eta_d);
  steps_comp<T, Logistic>(x, y, lo, eta, n);
  __float128 yq = to_q(y) + to_q(lo);
  return 2 / to_q(eta) - yq * yq;
}

// Throughput in M chain-steps/s: `chains` chains from slightly different starts, `n` steps each, one thread.
template <class T, bool Logistic> static double throughput(int chains, long n) {
  std::vector<T> xs(chains), ys(chains);
  for (int i = 0; i < chains; ++i) {
    xs[i] = from<T>(1.1 + 1e-3 * i);  // EoS-like: eta y^2 ~ 2.4, so the chains bounce, as in the real runs
    ys[i] = from<T>(4.9 - 1e-3 * i);
  }
  const T eta = from<T>(0.1);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < chains; ++i) steps<T, Logistic>(xs[i], ys[i], eta, n);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  volatile double sink = 0;
  for (int i = 0; i < chains; ++i) sink = sink + double(to_q(xs[i]));
  return chains * double(n) / sec / 1e6;
}

// The gap 2/eta - y_n^2 after n steps from the EoS-regime start sqrt(gamma/eta)(1/2, sqrt(5)/2), gamma = 2.5.
template <class T, bool Logistic> static __float128 gap_after(double eta_d, long n) {
  const double r = std::sqrt(2.5 / eta_d);
  T x = from<T>(r * 0.5), y = from<T>(r * std::sqrt(1.25)), eta = from<T>(eta_d);
  steps<T, Logistic>(x, y, eta, n);
  __float128 yq = to_q(y);
  return 2 / to_q(eta) - yq * yq;
}

template <bool Logistic> static void report(const char* name) {
  const int chains = 256;
  const long n = 20000;
  double t_d = throughput<double, Logistic>(chains, n), t_l = throughput<long double, Logistic>(chains, n);
  double t_dd = throughput<dd, Logistic>(chains, n), t_q = throughput<__float128, Logistic>(chains, n / 4);
  double t_cd = throughput_comp<double, Logistic>(chains, n), t_cl = throughput_comp<long double, Logistic>(chains, n);
  std::printf("%-8s M steps/s (1 thread): double %7.2f  long double %6.2f  double-double %6.2f  float128 %6.2f"
              "   dd/float128 = %.2fx | compensated y: double %6.2f  long double %6.2f\n",
              name, t_d, t_l, t_dd, t_q, t_dd / t_q, t_cd, t_cl);
  for (double eta : {0.1, 0.05, 0.02, 0.01}) {
    const long steps_n = long(25.0 / (eta * eta));  // converged to long-double precision at these eta
    __float128 gq = gap_after<__float128, Logistic>(eta, steps_n);
    auto rel = [&](__float128 g) { return double(fabsq((g - gq) / gq)); };
    std::printf("%-8s eta=%-5g %6ld steps: gap %.6f; rel. error vs float128: double %.1e  long double %.1e  "
                "double-double %.1e | compensated y: double %.1e  long double %.1e\n",
                name, eta, steps_n, double(gq), rel(gap_after<double, Logistic>(eta, steps_n)),
                rel(gap_after<long double, Logistic>(eta, steps_n)), rel(gap_after<dd, Logistic>(eta, steps_n)),
                rel(gap_after_comp<double, Logistic>(eta, steps_n)),
                rel(gap_after_comp<long double, Logistic>(eta, steps_n)));
  }
}

// The l_beta loss (SPEC §1) in double, long double and float128: only for the accuracy of the compensated update
// (dd would need a dd pow, not written). Runs `n` steps plain and with the compensated y; returns the gap.
template <class T> static T pow_(T a, T b) { return std::pow(a, b); }
template <> __float128 pow_<__float128>(__float128 a, __float128 b) { return powq(a, b); }
template <class T> struct BetaLoss {
  T beta, c, r;
  explicit BetaLoss(double b) : beta(b), c(pow_<T>(T(b) / (T(b) + 1), T(b)) / (T(b) + 1)), r((T(b) + 1) / T(b)) {}
  T d1(T s) const {
    T a = s < 0 ? -s : s;
    if (a > r) return s > 0 ? T(1) : T(-1);
    return s * (1 - c * pow_<T>(a, beta));
  }
};
template <class T> static __float128 beta_gap(double beta, double eta_d, long n, bool compensated) {
  const BetaLoss<T> loss(beta);
  const double r0 = std::sqrt(2.5 / eta_d);
  T x = T(r0 * 0.5), y = T(r0 * std::sqrt(1.25)), lo = T(0), eta = T(eta_d);
  for (long t = 0; t < n; ++t) {
    T g = loss.d1(x * y);
    T xn = x - eta * g * y;
    if (compensated) {
      T d = lo - eta * g * x, s = y + d;
      lo = d - (s - y);
      y = s;
    } else {
      y = y - eta * g * x;
    }
    x = xn;
  }
  __float128 yq = to_q(y) + to_q(lo);
  return 2 / to_q(eta) - yq * yq;
}
static void report_beta() {
  // steps: about the long-double convergence step counts of bench/accuracy.py at these (beta, eta)
  struct Case { double beta, eta; long n; };
  for (Case c : {Case{1.5, 0.05, 20000}, Case{1.5, 0.02, 290000}, Case{1.5, 0.01, 2200000}, Case{3.0, 0.002, 200000},
                 Case{10.0, 0.001, 260000}}) {
    __float128 gq = beta_gap<__float128>(c.beta, c.eta, c.n, false);
    auto rel = [&](__float128 g) { return double(fabsq((g - gq) / gq)); };
    std::printf("beta=%-4g eta=%-5g %7ld steps: gap %.6f; rel. error vs float128: double %.1e  long double %.1e | "
                "compensated y: double %.1e  long double %.1e\n",
                c.beta, c.eta, c.n, double(gq), rel(beta_gap<double>(c.beta, c.eta, c.n, false)),
                rel(beta_gap<long double>(c.beta, c.eta, c.n, false)), rel(beta_gap<double>(c.beta, c.eta, c.n, true)),
                rel(beta_gap<long double>(c.beta, c.eta, c.n, true)));
  }
}

int main() {
  init_inv_fact();
  // sanity of the dd functions against libquadmath at a few points
  double worst = 0;
  for (double s : {1e-8, 1e-3, 0.1, 0.3, 0.34, 0.36, 0.7, 1.5, 3.0, 10.0, -0.2}) {
    dd v{s, 0.0};
    __float128 q = s;
    worst = std::fmax(worst, double(fabsq((to_q(dd_tanh(v)) - tanhq(q)) / tanhq(q))));
    worst = std::fmax(worst, double(fabsq((to_q(Ops<dd>::sqrt_d1(v)) - q / sqrtq(1 + q * q)) / q)));
  }
  std::printf("double-double tanh and s/sqrt(1+s^2) vs libquadmath: worst relative error %.1e (2^-104 = %.1e)\n",
              worst, std::ldexp(1.0, -104));
  report<false>("sqrt");
  report<true>("logistic");
  report_beta();
  return 0;
}
