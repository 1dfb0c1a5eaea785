// The single-neuron binding's driver, single_neuron<T>, shared by the translation units that instantiate it:
// single_neuron.cpp (double, long double, float128) and single_neuron_dd.cpp (double-double, which is compiled
// with instruction scheduling; see CMakeLists.txt).
#pragma once

#include <cmath>

#include "eos/single_neuron.hpp"
#include "pybind.hpp"

namespace eos::bind {

// Call f(loss) with the loss object of T named by `name`.
template <class T, class F> decltype(auto) with_loss(const std::string& name, double beta, F&& f) {
  if (name == "logistic") return f(Logistic<T>{});
  if (name == "sqrt") return f(Sqrt<T>{});
  if (name == "huber") return f(Huber<T>{});
  if (name == "beta") {
    if (!(beta > 1) || !std::isfinite(beta)) throw py::value_error("beta must be a finite number > 1 for loss='beta'");
    return f(Beta<T>(T(beta)));
  }
  throw py::value_error("loss must be one of 'logistic', 'sqrt', 'huber', 'beta', got '" + name + "'");
}

template <class T>
py::dict single_neuron(const py::array& x0, const py::array& y0, const py::array& eta, const std::string& loss_name,
                       double beta, std::int64_t max_steps, double band_lo, double band_hi,
                       std::int64_t record_every, int threads, const py::object& progress) {
  using O = Out<T>;
  const py::ssize_t n = x0.size();
  const Input<T> x0a(x0, "x0", n), y0a(y0, "y0", n);
  const Shared<T> eta_w(eta, "eta", n, threads);
  Working<T> x(n), y(n);
  x0a.load(x.data, threads);
  y0a.load(y.data, threads);
  // The counters, written by the kernel (its first round starts every chain: batch.hpp, advance_block_on).
  auto steps = new_array<std::int64_t>(n), t_cross = new_array<std::int64_t>(n);
  auto band_steps = new_array<std::int64_t>(n), flips = new_array<std::int64_t>(n);
  std::vector<std::uint8_t> status(std::size_t(n), kRunning);
  Working<T, double> s_cross(n);  // |x y| at the crossing, returned as float64: NaN where none crossed
  const auto [trajectory_out, recorder] = trajectory<O>(n, max_steps, record_every);
  const auto [sharpness, gap] = with_loss<T>(loss_name, beta, [&](const auto& loss) {
    using Loss = std::decay_t<decltype(loss)>;
    SingleNeuronKernel<T, Loss, O> kernel{loss, x.data, y.data, eta_w.view, steps.mutable_data(), status.data(),
                                          t_cross.mutable_data(), s_cross.data, band_steps.mutable_data(),
                                          flips.mutable_data(), T(band_lo), T(band_hi), recorder};
    drive(kernel, n, max_steps, threads, progress);
    const T *xs = x.data, *ys = y.data;
    return sharpness_and_gap<T>(n, threads, eta_w.view,
                                [&](py::ssize_t i) { return single_neuron_sharpness<T>(loss, xs[i], ys[i]); });
  });
  x.publish(threads);
  y.publish(threads);
  s_cross.publish(threads);
  py::dict r = common_result(steps, status, sharpness, gap, t_cross, trajectory_out, threads);
  r["x"] = x.out;
  r["y"] = y.out;
  r["s_cross"] = s_cross.out;
  r["band_steps"] = band_steps;
  r["flips"] = flips;
  return r;
}

// Instantiated only in single_neuron_dd.cpp, which is compiled with other flags.
extern template py::dict single_neuron<dd>(const py::array&, const py::array&, const py::array&, const std::string&,
                                           double, std::int64_t, double, double, std::int64_t, int,
                                           const py::object&);

}  // namespace eos::bind
