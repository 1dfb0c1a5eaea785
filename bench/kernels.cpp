// "kb" of bench/NOTES.md: the kernels alone, without Python, numpy conversions or result arrays.
//
//   g++ -std=gnu++20 -O3 -march=x86-64-v2 -ffp-contract=off -fno-math-errno -fno-trapping-math \
//       -Icpp/include bench/kernels.cpp -o /tmp/kernels && /tmp/kernels
//
// (the compile flags of CMakeLists.txt, no OpenMP). The module compiles the single neuron's double-double kernels
// and the mean model's with -fschedule-insns -fsched-pressure as well (CMakeLists.txt): add those two flags to
// read their rows as the module runs them (the single neuron's double and long double rows are then not).
// For each model and precision, 10^5 chains on the inputs of eos bench (single neuron: x0 in [0.2, 1], y0 in [1,
// 2.5], eta = 0.01; mean model: A0 in [0.5, 2], b0 = 0, eta = 0.002, d = 10) advanced 200 steps through the SIMD
// path run_batched would pick; prints M chain-steps per CPU second of one thread, twice (the second is the one to
// read on a shared machine). No convergence or divergence happens in 200 steps: this measures the event-free vector
// chunks (long double and float128 have none).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

#include "eos/mean_model.hpp"
#include "eos/single_neuron.hpp"

using namespace eos;

// k steps of every chain of `kernel` through the SIMD path run_batched would pick, in M chain-steps per CPU second.
template <class Kernel> double per_cpu_second(const Kernel& kernel, const std::vector<std::int64_t>& steps, int k) {
  const auto advance = pick_advance_block<Kernel>();
  constexpr int W = Kernel::width;
  const int n = int(steps.size());
  const std::clock_t c0 = std::clock();
  for (int i0 = 0; i0 < n; i0 += W) advance(kernel, i0, std::min(W, n - i0), k, true);
  const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  double total = 0;
  for (int i = 0; i < n; ++i) total += double(steps[i]);
  return total / cpu / 1e6;
}

template <class T, class Loss> double chain_steps_per_cpu_second(Loss loss, int n = 100000, int k = 200) {
  std::vector<T> x(n), y(n), eta(n, T(0.01)), s_cross(n);
  std::vector<std::int64_t> steps(n, 0), t_cross(n, -1), band_steps(n, 0), flips(n, 0);
  std::vector<std::uint8_t> status(n, kRunning);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> ux(0.2, 1.0), uy(1.0, 2.5);
  for (int i = 0; i < n; ++i) x[i] = T(ux(rng)), y[i] = T(uy(rng));
  const SingleNeuronKernel<T, Loss, long double> kernel{loss,           x.data(),          y.data(),
                                                        {eta.data()},   steps.data(),      status.data(),
                                                        t_cross.data(), s_cross.data(),    band_steps.data(),
                                                        flips.data(),   T(1.9),            T(2.1),
                                                        Recorder<long double>{0, 0, nullptr}};
  return per_cpu_second(kernel, steps, k);
}

// The mean model on the inputs of eos bench: A0 in [0.5, 2], b0 = 0, eta = 0.002, d = 10.
template <class T> double mean_model_steps_per_cpu_second(int n = 100000, int k = 200) {
  std::vector<T> A(n), b(n, T(0)), g(n, gauss(T(0)).g), dg(n, gauss(T(0)).dg), eta(n, T(0.002)), d(n, T(10));
  std::vector<std::int64_t> steps(n, 0), t_cross(n, -1);
  std::vector<std::uint8_t> status(n, kRunning);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> uA(0.5, 2.0);
  for (int i = 0; i < n; ++i) A[i] = T(uA(rng));
  const MeanModelKernel<T, long double> kernel{A.data(),   b.data(),     g.data(),      dg.data(),      {eta.data()},
                                               {d.data()}, steps.data(), status.data(), t_cross.data(), {0, 0, nullptr}};
  return per_cpu_second(kernel, steps, k);
}

template <template <class> class Loss> void row(const char* name) {
  std::printf("%-9s double %6.1f  double-double %6.1f  long double %5.1f\n", name,
              chain_steps_per_cpu_second<double>(Loss<double>{}), chain_steps_per_cpu_second<dd>(Loss<dd>{}),
              chain_steps_per_cpu_second<long double>(Loss<long double>{}));
}

int main() {
  std::printf("# M chain-steps per CPU second, one thread, SIMD path %s\n", simd_target());
  for (int rep = 0; rep < 2; ++rep) {
    row<Logistic>("logistic");
    row<Sqrt>("sqrt");
    row<Huber>("huber");
    std::printf("%-9s double %6.1f  double-double %6.1f  long double %5.1f\n", "beta 1.5",
                chain_steps_per_cpu_second<double>(Beta<double>(1.5)),
                chain_steps_per_cpu_second<dd>(Beta<dd>(dd(1.5))),
                chain_steps_per_cpu_second<long double>(Beta<long double>(1.5L)));
    std::printf("%-9s double %6.1f  double-double %6.1f  long double %5.1f\n", "mean",
                mean_model_steps_per_cpu_second<double>(), mean_model_steps_per_cpu_second<dd>(),
                mean_model_steps_per_cpu_second<long double>());
  }
}
