// Binding of the kernels' own arithmetic, for testing it against mpmath: eos._core._tanh and eos._core._gauss
// (double and x87 long double) and eos._core._dd (double-double operations).
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

// (g, g', g'') = fast::gauss(b) for every b, through this machine's SIMD path (parallel_for, one thread): the
// vectorised code the kernels run is what the tests see, and EOS_SIMD selects the path.
template <class T> py::tuple gauss_of(const py::array& b) {
  const auto in = input<T>(b, "b", b.size());
  const py::ssize_t n = in.size();
  py::array_t<T> g(n), dg(n), d2g(n);
  const T* x = in.data();
  T* pg = g.mutable_data();
  T* pdg = dg.mutable_data();
  T* pd2g = d2g.mutable_data();
  parallel_for(n, 1, [=](py::ssize_t i) {
    const fast::GaussValues<T> v = fast::gauss(x[i]);
    pg[i] = v.g;
    pdg[i] = v.dg;
    pd2g[i] = v.d2g;
  });
  return py::make_tuple(g, dg, d2g);
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
    if (op == "tanh") return [](const dd& a, const dd&) { return math::tanh(a); };
    if (op == "exp") return [](const dd& a, const dd&) { return math::exp(a); };
    if (op == "log") return [](const dd& a, const dd&) { return math::log(a); };
    throw py::value_error("op must be one of 'add', 'sub', 'mul', 'div', 'sqrt', 'tanh', 'exp', 'log', got '" +
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
        return dispatch_precision<true>(precision, [&]<class T>() { return tanh_of<T>(s); });
      },
      py::arg("s"), py::arg("precision"),
      "tanh as the kernels evaluate it in the working precision (for tests; use numpy otherwise).");
  m.def(
      "_gauss",
      [](const py::array& b, const std::string& precision) -> py::tuple {
        if (precision == "double") return gauss_of<double>(b);
        if (precision == "longdouble") return gauss_of<long double>(b);
        throw py::value_error("precision must be 'double' or 'longdouble' (fast::gauss exists in these two), "
                              "got '" + precision + "'");
      },
      py::arg("b"), py::arg("precision"),
      "(g, g', g'') = (phi + b Phi, Phi, phi) at b as the kernels evaluate them in the working precision (for "
      "tests).");
  m.def("_dd", &dd_op, py::arg("op"), py::arg("a_hi"), py::arg("a_lo"), py::arg("b_hi"), py::arg("b_lo"),
        "op(a[, b]) in the kernels' double-double arithmetic (for tests): returns the (hi, lo) arrays.");
  m.def(
      "simd_target", [] { return std::string(simd_target()); },
      "The vector instruction set the kernels use on this machine: 'avx512', 'avx2' or 'base' (capped by the "
      "environment variable EOS_SIMD).");
}

}  // namespace eos::bind
