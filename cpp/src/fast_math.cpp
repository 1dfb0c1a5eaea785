// Binding of the kernels' own transcendental functions, for testing them against mpmath: eos._core._tanh.
#include "eos/batch.hpp"
#include "eos/fast_math.hpp"
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

}  // namespace

void bind_fast_math(py::module_& m) {
  m.def(
      "_tanh",
      [](const py::array& s, const std::string& precision) {
        return dispatch_precision(precision, [&]<class T>() { return tanh_of<T>(s); });
      },
      py::arg("s"), py::arg("precision"),
      "tanh as the kernels evaluate it in the working precision (for tests; use numpy otherwise).");
  m.def(
      "simd_target", [] { return std::string(simd_target()); },
      "The vector instruction set the kernels use on this machine: 'avx512', 'avx2' or 'base' (capped by the "
      "environment variable EOS_SIMD).");
}

}  // namespace eos::bind
