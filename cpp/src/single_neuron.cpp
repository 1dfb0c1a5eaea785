// Binding of the single-neuron kernel: eos._core.single_neuron and eos._core.loss_derivatives.
#include "single_neuron_binding.hpp"

namespace eos::bind {
namespace {

template <class T> py::tuple loss_derivatives(const py::array& s, const std::string& loss_name, double beta) {
  using O = Out<T>;
  const auto sa = input<O>(s, "s", s.size());
  py::array_t<O> d1(sa.size()), d2(sa.size());
  with_loss<T>(loss_name, beta, [&](const auto& loss) {
    for (py::ssize_t i = 0; i < sa.size(); ++i) {
      d1.mutable_data()[i] = O(loss.d1(T(sa.data()[i])));
      d2.mutable_data()[i] = O(loss.d2(T(sa.data()[i])));
    }
    return 0;
  });
  return py::make_tuple(d1, d2);
}

}  // namespace

void bind_single_neuron(py::module_& m) {
  m.def(
      "single_neuron",
      [](const py::array& x0, const py::array& y0, const py::array& eta, const std::string& loss, double beta,
         const std::string& precision, std::int64_t max_steps, double band_lo, double band_hi,
         std::int64_t record_every, int threads, const py::object& progress) {
        return dispatch_precision(precision, [&]<class T>() {
          return single_neuron<T>(x0, y0, eta, loss, beta, max_steps, band_lo, band_hi, record_every, threads,
                                  progress);
        });
      },
      py::arg("x0"), py::arg("y0"), py::arg("eta"), py::arg("loss"), py::arg("beta"), py::arg("precision"),
      py::arg("max_steps"), py::arg("band_lo"), py::arg("band_hi"), py::arg("record_every"), py::arg("threads"),
      py::arg("progress"),
      "GD on f(x, y) = l(xy) for N chains. Inputs: 1-D contiguous arrays of float64, or of "
      "longdouble for the extended precisions, already validated by eos.single_neuron. Returns a dict of arrays.");
  m.def(
      "loss_derivatives",
      [](const py::array& s, const std::string& loss, double beta, const std::string& precision) {
        return dispatch_precision(precision, [&]<class T>() { return loss_derivatives<T>(s, loss, beta); });
      },
      py::arg("s"), py::arg("loss"), py::arg("beta"), py::arg("precision"),
      "(l'(s), l''(s)) of the core's loss, evaluated in the working precision.");
}

}  // namespace eos::bind
