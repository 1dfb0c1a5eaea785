// Binding of the kernels' own arithmetic, for testing it against mpmath: eos._core._tanh, eos._core._tanh_forms
// (double), eos._core._gauss (double, x87 long double and double-double), eos._core._gauss_dd (double-double,
// both words of each result) and eos._core._dd (double-double operations).
#include <algorithm>
#include <cmath>

#include "eos/batch.hpp"
#include "eos/fast_math.hpp"
#include "eos/gauss.hpp"
#include "eos/real.hpp"
#include "pybind.hpp"

namespace eos::bind {
namespace {

template <class T> py::object tanh_of(const py::array& s) {
  using O = Out<T>;
  const auto in = input<O>(s, "s", s.size());
  py::array_t<O> out(in.size());
  for (py::ssize_t i = 0; i < in.size(); ++i) out.mutable_data()[i] = O(math::tanh(T(in.data()[i])));
  return out;
}

// For every double x: the ranges of the reduction's n that fast::tanh_ranges gives |x|, and tanh by the general
// form and by each shorter one (n = 0, n <= 2, n >= 3), through this machine's SIMD path (parallel_for, one thread).
py::tuple tanh_forms(const py::array& s) {
  const auto in = input<double>(s, "s", s.size());
  const py::ssize_t n = in.size();
  py::array_t<int> ranges(n);
  py::array_t<double> out({py::ssize_t(4), n});  // returned row by row
  const double* x = in.data();
  int* r = ranges.mutable_data();
  double* o = out.mutable_data();
  parallel_for(n, 1, [=](py::ssize_t i) {
    const double a = std::fabs(x[i]);
    r[i] = fast::tanh_ranges(a, a);
    o[i] = fast::tanh(x[i]);
    o[n + i] = fast::tanh<fast::kTanhN0>(x[i]);
    o[2 * n + i] = fast::tanh<fast::kTanhN0 | fast::kTanhN12>(x[i]);
    o[3 * n + i] = fast::tanh<fast::kTanhN3>(x[i]);
  });
  auto row = [&](int k) { return out[py::int_(k)]; };
  return py::make_tuple(ranges, row(0), row(1), row(2), row(3));
}

// (g, g', g'') = fast::gauss(b) in T for every b, through this machine's SIMD path (parallel_for, one thread):
// the vectorised code the kernels run is what the tests see, and EOS_SIMD selects the path. b and the results
// are Out<T> (long double for double-double: b converted exactly to hi + lo, each result rounded once).
template <class T> py::tuple gauss_of(const py::array& b) {
  using O = Out<T>;
  const auto in = input<O>(b, "b", b.size());
  const py::ssize_t n = in.size();
  py::array_t<O> g(n), dg(n), d2g(n);
  const O* x = in.data();
  O* pg = g.mutable_data();
  O* pdg = dg.mutable_data();
  O* pd2g = d2g.mutable_data();
  parallel_for(n, 1, [=](py::ssize_t i) {
    const fast::GaussValues<T> v = fast::gauss(T(x[i]));
    pg[i] = O(v.g);
    pdg[i] = O(v.dg);
    pd2g[i] = O(v.d2g);
  });
  return py::make_tuple(g, dg, d2g);
}

// fast::gauss(b) in double-double at b = b_hi + b_lo, with every word of the results. Blocks of 16 lanes, as in
// the kernels: the loop over a Lanes<dd, 16> is the one that must vectorise (a loop straight over the six output
// arrays does not: GCC will not version it for that many possible aliases).
py::tuple gauss_dd(const py::array& b_hi, const py::array& b_lo) {
  constexpr int W = 16;
  const py::ssize_t n = b_hi.size();
  const auto bh = input<double>(b_hi, "b_hi", n), bl = input<double>(b_lo, "b_lo", n);
  py::array_t<double> out({py::ssize_t(6), n});  // returned row by row
  double* o = out.mutable_data();
  const double* h = bh.data();
  const double* l = bl.data();
  parallel_for((n + W - 1) / W, 1, [=](py::ssize_t k) {
    Lanes<dd, W> b, g, dg, d2g;
    const py::ssize_t i0 = k * W, m = std::min<py::ssize_t>(W, n - i0);
    for (int j = 0; j < W; ++j) b.set(j, j < m ? dd(h[i0 + j], l[i0 + j]) : dd(0.0));
    for (int j = 0; j < W; ++j) {
      const fast::GaussValues<dd> v = fast::gauss(b.get(j));
      g.set(j, v.g), dg.set(j, v.dg), d2g.set(j, v.d2g);
    }
    for (int j = 0; j < m; ++j) {
      const py::ssize_t i = i0 + j;
      o[i] = g.hi[j], o[n + i] = g.lo[j], o[2 * n + i] = dg.hi[j], o[3 * n + i] = dg.lo[j];
      o[4 * n + i] = d2g.hi[j], o[5 * n + i] = d2g.lo[j];
    }
  });
  auto row = [&](int r) { return out[py::int_(r)]; };
  return py::make_tuple(row(0), row(1), row(2), row(3), row(4), row(5));
}

// op(a) or op(a, b) in double-double, for a = a_hi + a_lo, b = b_hi + b_lo; returns (hi, lo) arrays.
py::tuple dd_op(const std::string& op, const py::array& a_hi, const py::array& a_lo, const py::array& b_hi,
                const py::array& b_lo) {
  const py::ssize_t n = a_hi.size();
  const auto ah = input<double>(a_hi, "a_hi", n), al = input<double>(a_lo, "a_lo", n);
  const auto bh = input<double>(b_hi, "b_hi", n), bl = input<double>(b_lo, "b_lo", n);
  auto f = [&]() -> dd (*)(const dd&, const dd&) {
    if (op == "add") return [](const dd& a, const dd& b) { return a + b; };
    if (op == "sub") return [](const dd& a, const dd& b) { return a - b; };
    if (op == "mul") return [](const dd& a, const dd& b) { return a * b; };
    if (op == "div") return [](const dd& a, const dd& b) { return a / b; };
    if (op == "sqrt") return [](const dd& a, const dd&) { return math::sqrt(a); };
    if (op == "rsqrt") return [](const dd& a, const dd&) { return math::rsqrt(a); };
    if (op == "tanh") return [](const dd& a, const dd&) { return math::tanh(a); };
    if (op == "exp") return [](const dd& a, const dd&) { return math::exp(a); };
    if (op == "log") return [](const dd& a, const dd&) { return math::log(a); };
    throw py::value_error("op must be one of 'add', 'sub', 'mul', 'div', 'sqrt', 'rsqrt', 'tanh', 'exp', 'log', got '" +
                          op + "'");
  }();
  py::array_t<double> hi(n), lo(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const dd r = f(dd(ah.data()[i], al.data()[i]), dd(bh.data()[i], bl.data()[i]));
    hi.mutable_data()[i] = r.hi;
    lo.mutable_data()[i] = r.lo;
  }
  return py::make_tuple(hi, lo);
}

}  // namespace

void bind_fast_math(py::module_& m) {
  m.def(
      "_tanh",
      [](const py::array& s, const std::string& precision) {
        return dispatch_precision(precision, [&]<class T>() { return tanh_of<T>(s); });
      },
      py::arg("s"), py::arg("precision"),
      "tanh as the kernels evaluate it in the working precision (for tests; use numpy otherwise).");
  m.def("_tanh_forms", &tanh_forms, py::arg("s"),
        "(ranges, general, n = 0, n <= 2, n >= 3): the ranges of tanh's reduction n for |s| (bits 1, 2, 4 for n = 0, "
        "1-2, >= 3) and tanh in double by each form (for tests).");
  m.def(
      "_gauss",
      [](const py::array& b, const std::string& precision) -> py::tuple {
        return dispatch_precision(precision, [&]<class T>() -> py::tuple {
          if constexpr (requires(T x) { fast::gauss(x); }) {
            return gauss_of<T>(b);
          } else {
            throw py::value_error("fast::gauss exists in 'double', 'longdouble' and 'double-double' only, got '" +
                                  precision + "'");
          }
        });
      },
      py::arg("b"), py::arg("precision"),
      "(g, g', g'') = (phi + b Phi, Phi, phi) at b as the kernels evaluate them in the working precision (for "
      "tests); b and the results in longdouble for 'longdouble' and 'double-double'.");
  m.def("_gauss_dd", &gauss_dd, py::arg("b_hi"), py::arg("b_lo"),
        "fast::gauss in double-double at b = b_hi + b_lo (for tests): the (hi, lo) arrays of g, g' and g''.");
  m.def("_dd", &dd_op, py::arg("op"), py::arg("a_hi"), py::arg("a_lo"), py::arg("b_hi"), py::arg("b_lo"),
        "op(a[, b]) in the kernels' double-double arithmetic (for tests): returns the (hi, lo) arrays.");
  m.def(
      "simd_target", [] { return std::string(simd_target()); },
      "The vector instruction set the kernels use on this machine: 'avx512', 'avx2' or 'base' (capped by the "
      "environment variable EOS_SIMD).");
}

}  // namespace eos::bind
