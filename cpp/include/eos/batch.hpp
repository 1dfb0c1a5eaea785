// Running many independent GD chains in rounds.
//
// Every initialisation is an independent chain, so the result of a chain depends only on its own inputs:
// never on the number of threads, the order in which chains are scheduled, or how time is cut into rounds.
// Time is cut into rounds so that between rounds the caller (the Python binding) can take the GIL back,
// check for Ctrl-C and report progress; a round is sized to last about `round_seconds`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace eos {

enum Status : std::uint8_t { kRunning = 0, kConverged = 1, kDiverged = 2 };

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Advance every running chain of `kernel` until it stops or `max_steps` steps have been taken.
// Kernel: bool running(i) const; void advance(i, k) (at most k more steps of chain i).
// between_rounds(steps_done, chains_still_running) runs on the calling thread, outside any parallel region;
// it may throw to abort the run.
template <class Kernel, class Hook>
void run_batched(Kernel& kernel, std::int64_t n, std::int64_t max_steps, int threads, Hook&& between_rounds,
                 double round_seconds = 0.2) {
  if (threads < 1) threads = max_threads();
  std::int64_t done = 0, running = n;
  // First round: about 2^20 chain-steps; later rounds are rescaled to last round_seconds.
  std::int64_t k = std::max<std::int64_t>(1, (std::int64_t(1) << 20) / std::max<std::int64_t>(n, 1));
  while (done < max_steps && running > 0) {
    k = std::min(k, max_steps - done);
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t still = 0;
#pragma omp parallel for schedule(dynamic, 64) num_threads(threads) reduction(+ : still)
    for (std::int64_t i = 0; i < n; ++i) {
      if (kernel.running(i)) {
        kernel.advance(i, k);
        still += kernel.running(i);
      }
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += k;
    running = still;
    between_rounds(done, running);
    const double scale = dt > 0 ? std::clamp(round_seconds / dt, 0.25, 4.0) : 4.0;
    k = std::clamp<std::int64_t>(std::int64_t(double(k) * scale), 1, std::int64_t(1) << 40);
  }
}

}  // namespace eos
