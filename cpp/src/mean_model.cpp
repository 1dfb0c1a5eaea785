// Binding of the mean-model kernel: eos._core.mean_model.

#include "eos/mean_model.hpp"
#include "pybind.hpp"

namespace eos::bind {
namespace {

template <class T>
py::dict mean_model(const py::array& A0, const py::array& b0, const py::array& eta, const py::array& d,
                    std::int64_t max_steps, std::int64_t record_every, int threads, const py::object& progress) {
  using O = Out<T>;
  const py::ssize_t n = A0.size();
  const Input<T> A0a(A0, "A0", n), b0a(b0, "b0", n);
  const Shared<T> eta_w(eta, "eta", n, threads), d_w(d, "d", n, threads);
  Working<T> A(n), b(n);
  A0a.load(A.data, threads);
  b0a.load(b.data, threads);
  const auto g = buffer<T>(n), dg = buffer<T>(n);
  T *gs = g.get(), *dgs = dg.get();
  const T* b0s = b.data;
  parallel_for(n, threads, [&](py::ssize_t i) {
    const Gauss<T> G = gauss(b0s[i]);
    store(gs + i, G.g), store(dgs + i, G.dg);
  });
  // written by the kernel (its first round starts every chain: batch.hpp, advance_block_on)
  auto steps = new_array<std::int64_t>(n), t_cross = new_array<std::int64_t>(n);
  std::vector<std::uint8_t> status(std::size_t(n), kRunning);
  const auto [trajectory_out, recorder] = trajectory<O>(n, max_steps, record_every);
  MeanModelKernel<T, O> kernel{A.data,         b.data,        gs, dgs, eta_w.view, d_w.view, steps.mutable_data(),
                               status.data(), t_cross.mutable_data(), recorder};
  drive(kernel, n, max_steps, threads, progress);

  const T *As = A.data, *bs = b.data;
  const PerChain<T> ds = d_w.view;
  const auto [sharpness, gap] = sharpness_and_gap<T>(
      n, threads, eta_w.view, [&](py::ssize_t i) { return mean_model_sharpness<T>(As[i], ds[i], gauss(bs[i])); });
  A.publish(threads);
  b.publish(threads);
  py::dict r = common_result(steps, status, sharpness, gap, t_cross, trajectory_out, threads);
  r["A"] = A.out;
  r["b"] = b.out;
  return r;
}

}  // namespace

void bind_mean_model(py::module_& m) {
  m.def(
      "mean_model",
      [](const py::array& A0, const py::array& b0, const py::array& eta, const py::array& d,
         const std::string& precision, std::int64_t max_steps, std::int64_t record_every, int threads,
         const py::object& progress) {
        return dispatch_precision(precision, [&]<class T>() {
          return mean_model<T>(A0, b0, eta, d, max_steps, record_every, threads, progress);
        });
      },
      py::arg("A0"), py::arg("b0"), py::arg("eta"), py::arg("d"), py::arg("precision"), py::arg("max_steps"),
      py::arg("record_every"), py::arg("threads"), py::arg("progress"),
      "GD on the mean model (A, b) for N chains. Inputs: 1-D contiguous arrays of float64, or of "
      "longdouble for the extended precisions, already validated by eos.mean_model. Returns a dict of arrays.");
}

}  // namespace eos::bind
