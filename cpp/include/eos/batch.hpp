// Running many independent GD chains in rounds.
//
// Every initialisation is an independent chain, so the result of a chain depends only on its own inputs:
// never on the number of threads, the order in which chains are scheduled, or how time is cut into rounds.
// Time is cut into rounds so that between rounds the caller (the Python binding) can take the GIL back,
// check for Ctrl-C and report progress; a round is sized to last about `round_seconds` (0.5 s: each round hands
// every chain to a lane and back, which at 10^6 chains in double-double costs as much as a few steps, so shorter
// rounds cost throughput; Ctrl-C still stops a call within about half a second).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

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

// The instruction sets the kernels are compiled for: the x86-64-v2 baseline the package targets (every x86-64
// CPU since 2009), and AVX2 and AVX-512 clones picked at run time (simd_target). Every version rounds
// identically (the build uses -ffp-contract=off and no -ffast-math; the only fmas are explicit, an instruction
// in the clones and libm's exact fma on the baseline), so results do not depend on the path.
enum class Isa { base, avx2, avx512 };
#if defined(__x86_64__) && defined(__GNUC__) && !defined(EOS_NO_DISPATCH)
#define EOS_X86_DISPATCH 1
#define EOS_TARGET_AVX2 "avx2,fma,bmi,bmi2,f16c,lzcnt,movbe"
#define EOS_TARGET_AVX512 \
  "avx512f,avx512dq,avx512vl,avx512bw,avx512cd,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,prefer-vector-width=512"
#endif

// f() compiled for isa, with everything it calls inlined into it (flatten). out_of_line_* are moreover never
// inlined themselves: they are called from inside the flattened kernels, for code that must not join a vector
// loop (it can stop GCC vectorising the loop) yet should run on the same instruction set (FMA instructions for
// the fmas of double and double-double; on the baseline every fma is a call into libm).
template <class F> [[gnu::flatten]] decltype(auto) simd_call_base(F& f) { return f(); }
template <class F> [[gnu::noinline, gnu::flatten]] void out_of_line_base(F& f) { f(); }
#ifdef EOS_X86_DISPATCH
template <class F> [[gnu::flatten, gnu::target(EOS_TARGET_AVX2)]] decltype(auto) simd_call_avx2(F& f) { return f(); }
template <class F> [[gnu::flatten, gnu::target(EOS_TARGET_AVX512)]] decltype(auto) simd_call_avx512(F& f) {
  return f();
}
template <class F> [[gnu::noinline, gnu::flatten, gnu::target(EOS_TARGET_AVX2)]] void out_of_line_avx2(F& f) { f(); }
template <class F> [[gnu::noinline, gnu::flatten, gnu::target(EOS_TARGET_AVX512)]] void out_of_line_avx512(F& f) {
  f();
}
#endif
template <Isa isa, class F> void out_of_line(F& f) {
#ifdef EOS_X86_DISPATCH
  if constexpr (isa == Isa::avx512) return out_of_line_avx512(f);
  if constexpr (isa == Isa::avx2) return out_of_line_avx2(f);
#endif
  out_of_line_base(f);
}

// How a kernel advances a block of chains i0 .. i0+count-1 (any count) by at most k steps each, on isa; returns how
// many of them still run. Every kernel runs on the lane engine (advance_lanes, below): Kernel::width lanes,
// through which the block's chains pass. fresh: the call's first round, whose chains are all at t = 0 and whose
// counters have not been written yet (the engine starts them itself, rather than the binding filling arrays for
// it to read back: ~0.4 GB/s of memory traffic less for 10^6 chains).
template <class Kernel, Isa isa = Isa::base>
std::int64_t advance_block_on(const Kernel& kernel, std::int64_t i0, std::int64_t count, std::int64_t k, bool fresh) {
  auto f = [&] { return kernel.template advance_block<isa>(i0, count, k, fresh); };
#ifdef EOS_X86_DISPATCH
  if constexpr (isa == Isa::avx512) return simd_call_avx512(f);
  if constexpr (isa == Isa::avx2) return simd_call_avx2(f);
#endif
  return simd_call_base(f);
}

// The SIMD path the kernels take on this machine: "avx512", "avx2" or "base". The environment variable
// EOS_SIMD (one of those names) caps it, for testing that every path gives the same bits and for benchmarks.
inline const char* simd_target() {
#ifdef EOS_X86_DISPATCH
  __builtin_cpu_init();
  const char* cap = std::getenv("EOS_SIMD");
  const std::string want = cap ? cap : "avx512";
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi2");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  if (want == "avx512" && avx512) return "avx512";
  if ((want == "avx512" || want == "avx2") && avx2) return "avx2";
#endif
  return "base";
}

template <class Kernel>
using BlockFn = std::int64_t (*)(const Kernel&, std::int64_t, std::int64_t, std::int64_t, bool);

template <class Kernel> BlockFn<Kernel> pick_advance_block() {
#ifdef EOS_X86_DISPATCH
  const std::string path = simd_target();
  if (path == "avx512") return &advance_block_on<Kernel, Isa::avx512>;
  if (path == "avx2") return &advance_block_on<Kernel, Isa::avx2>;
#endif
  return &advance_block_on<Kernel, Isa::base>;
}

// f() on the SIMD path of this machine (simd_target), for work outside the kernels.
template <class F> decltype(auto) simd_call(F&& f) {
#ifdef EOS_X86_DISPATCH
  const std::string path = simd_target();
  if (path == "avx512") return simd_call_avx512(f);
  if (path == "avx2") return simd_call_avx2(f);
#endif
  return simd_call_base(f);
}

// W values of T, one per lane of a block, kept so that a loop over the lanes vectorises: a plain array, or
// one array per word for multi-word types (double-double, double_double.hpp), since compilers do not
// vectorise loads and stores of whole structs.
template <class T, int W> struct Lanes {
  T v[W];
  T get(int j) const { return v[j]; }
  void set(int j, T a) { v[j] = a; }
};

// A per-lane value (eta y^2, the mean model's edge value) as a chunk of fast steps sees it, in double: at the chunk's
// start and its range over the chunk's steps. Rounding to double is monotone, so a threshold that is a double keeps
// every value on its side, and the range answers what the models' per-step flags and counters used to: whether
// the value may have fallen below a level at some step (a value >= level followed by one < level), and whether it
// stayed wholly inside or outside [lo, hi). The values (>= 0) may also be approximations within 2^-45 relative of
// the rounded ones (double-double's fast steps form eta y^2 from the high words alone: 16 fewer operations a
// step), so every answer widens the range by 2^-40 relative: a lane within that of a level is retaken carefully.
template <int W> struct ChunkRange {
  static constexpr double up = 1 + 0x1p-40, down = 1 - 0x1p-40;
  double first[W], hi[W], lo[W];
  void start(int j, double v) {
    first[j] = v, hi[j] = -std::numeric_limits<double>::infinity(), lo[j] = std::numeric_limits<double>::infinity();
  }
  void add(int j, double v) { hi[j] = std::max(hi[j], v), lo[j] = std::min(lo[j], v); }
  std::int64_t may_fall_below(int j, double level) const {
    return (std::max(first[j], hi[j]) * up >= level) & (lo[j] * down <= level);
  }
  std::int64_t inside(int j, double a, double b) const { return (lo[j] * down > a) & (hi[j] * up < b); }
  std::int64_t outside(int j, double a, double b) const { return (hi[j] * up < a) | (lo[j] * down > b); }
  std::int64_t below(int j, double level) const { return std::max(first[j], hi[j]) * up < level; }
};

// The test of both models' convergence filters (single_neuron_may_settle, mean_model_may_settle and their per-chunk
// forms), each with its own margins: with edge the value whose distance from 1 bounds the contraction
// (rho >= |1 - edge|), rest <= eps rel scale edge (2 - edge + slack), or rest < floor.
inline bool settle_filter(double rest, double scale, double edge, double eps, double rel, double slack,
                          double floor) {
  return (rest <= eps * rel * scale * edge * (2 - edge + slack)) | (rest < floor);
}

// The lane engine both models' kernels run on: at most k more steps of each running chain i0 .. i0+count-1
// (any count); returns how many still run.
//
// The chains go through Model::width lanes; a lane whose chain stops, or has had its k steps, hands it back and
// takes the next one (so a block never computes dead lanes while its slowest chain finishes). Where `fast`
// (vector types, no trajectory recorded), all lanes advance together in chunks of up to kChunkSteps steps of
// straight-line code that compute only the update and a summary of what the chunk has seen (the range of eta y^2, a
// possible convergence), from which the per-step counters are mostly added up at the chunk's end; at the chunk's
// end a lane that may have had an event in it (a non-finite value: NaN and inf stay non-finite; a first crossing
// of the edge; a convergence) is put back to the chunk's start and retaken by careful_step, which does every test
// every step. Otherwise (x87 long double, float128, trajectories) careful_step runs throughout, lane
// by lane, so that the lanes' dependency chains overlap. Every lane rounds exactly as a lone chain would, so
// results depend neither on the lane, nor on the group a chain is in, nor on the path.
//
// Model (the per-chain state beyond steps and status, and the step itself):
//   width; counting (the most a fast step counts: a counting mode, below); State (the lanes' values, copyable);
//   steps, status (arrays over chains);
//   load(State&, j, i, fresh) / store(const State&, j, i): chain i's values into / out of lane j (fresh: a chain
//     at t = 0, whose counters start at their initial values instead of being read); blank(State&, j);
//   starts_settled(State&, j, i): at t = 0, record the start and tell whether it has already converged;
//   careful_step(State&, j, i, t) -> Status: step t of lane j with every test; kDiverged leaves the lane as it
//     was (the chain keeps its last finite iterate);
//   Seen and seen_at_start(const State&) -> Seen: what the lanes' fast steps have seen in a chunk so far;
//   domains (narrowest first, ending with kAnywhere: below) and, where there are several, side(const State&, j):
//     the sides of lane j's next argument;
//   fast_step<kMasked, kCount, kDomain>(State&, j, a, Seen&): one step of lane j computing only the update (by
//     the form of kDomain), what it adds to Seen and the per-step counters of counting mode kCount (below); with
//     kMasked, lanes with a == 0 (empty or stopped) keep their state;
//   after_chunk<kDomain>(State&, j, a, Seen&, c, counted): may add the chunk's last value to Seen; bit 0 set if
//     lane j may have had an event in the chunk's c steps or an argument outside kDomain; bits 1-2 the counting
//     mode its counters needed (where more than the chunk's mode `counted`, the lane is retaken; otherwise
//     after_chunk adds up what was not counted, for a == 1); bits 3 and up the sides of its next argument;
//   Saved and save(const State&) -> Saved: the part of the lanes' state a fast step changes (the rest is
//     recomputed, or is not touched by fast steps); restore(State&, const Saved& from, j): lane j back to its value
//     in `from`.
// Steps per chunk. 32: per chunk the engine saves the lanes, checks them (after_chunk, ~13 % of a 16-step double
// logistic chunk once it also told the domains) and hands out steps. Against 16 (bench/NOTES.md §24): double
// kernels 5-11 % faster, 10^6 chains x 200 steps 10-15 %, double-double and the mean model unchanged, and the
// converging workloads (bench/converging.py), which retake twice as many steps after an event, unchanged. The
// models' after_chunk tests hold for chunks of up to 32 steps.
inline constexpr std::int64_t kChunkSteps = 32;
// What a chunk's fast steps count step by step, in increasing order (a lane that needs more than its chunk counted
// is retaken): nothing, the flips (the single neuron's sign changes of x), or every counter (the band visits too).
inline constexpr int kCountNone = 0, kCountFlips = 1, kCountAll = 2;

// Domains. A loss whose formula takes a shorter form on some ranges of its argument (the double logistic loss:
// tanh without the selects on its reduction's n, fast_math.hpp) names those ranges as sides (bits) and offers a
// form for each domain, a union of sides. A chunk whose lanes' arguments all lie in one domain computes that form
// alone, with the same bits as the general one, so which chunk a step ran in changes no result; a lane whose
// argument left the chunk's domain at some step is retaken. kAnywhere, every side, is the general form, and the
// only domain of models whose step has one form.
inline constexpr int kAnywhere = ~0;

// Model::domains from a loss's: narrowest first, then kAnywhere.
template <std::size_t N> constexpr std::array<int, N + 1> and_anywhere(const std::array<int, N>& d) {
  std::array<int, N + 1> all{};
  for (std::size_t k = 0; k < N; ++k) all[k] = d[k];
  all[N] = kAnywhere;
  return all;
}

// f.template operator()<D>() for the first D of `domains` that holds every side in `sides` (kAnywhere holds all).
template <auto domains, class F> void in_domain(int sides, F&& f) {
  [&]<std::size_t... k>(std::index_sequence<k...>) {
    (void)((((sides & ~domains[k]) == 0) && (f.template operator()<domains[k]>(), true)) || ...);
  }(std::make_index_sequence<domains.size()>{});
}

template <Isa isa, class Model>
std::int64_t advance_lanes(const Model& m, std::int64_t i0, std::int64_t count, std::int64_t k, bool fast,
                           bool fresh) {
  constexpr int W = Model::width;
  using I = std::int64_t;
  typename Model::State s;
  I chain[W], until[W], tv[W], act[W];
  I next = i0, still = 0, alive = 0;
  // The next chunk's counting mode and the sides of its arguments: what the last chunk's lanes needed (bouncing
  // chains flip and cross the band's edges chunk after chunk), or after refills what the lanes hold.
  int counting = kCountNone, sides = kAnywhere;
  I clock = 0;  // steps taken by the lanes in this call; lane j's chain runs until clock == until[j]
  const I end = i0 + count;

  // Lane j hands its chain back (if any) and takes the next running chain of [next, end), or becomes empty.
  auto refill = [&](int j) {
    if (chain[j] >= 0) {
      const I i = chain[j];
      m.store(s, j, i);
      m.steps[i] = tv[j];
      still += m.status[i] == kRunning;
      --alive;
    }
    chain[j] = -1;
    act[j] = 0;
    while (next < end) {
      const I i = next++;
      if (m.status[i] != kRunning) continue;
      m.load(s, j, i, fresh);
      tv[j] = fresh ? 0 : m.steps[i];
      if (tv[j] == 0 && m.starts_settled(s, j, i)) {
        m.status[i] = kConverged;
        if (fresh) m.store(s, j, i), m.steps[i] = 0;  // its counters, which no lane will hand back
        continue;
      }
      chain[j] = i, until[j] = clock + k, act[j] = 1;
      ++alive;
      return;
    }
    m.blank(s, j);  // an empty lane: computed along by the vector chunks, never stored
    tv[j] = 0;
  };

  auto careful_step = [&](int j) {
    const Status st = m.careful_step(s, j, chain[j], tv[j] + 1);
    tv[j] += st != kDiverged;
    if (st != kRunning) m.status[chain[j]] = st, act[j] = 0;
  };

  // c careful steps of lane j, out of line (inlined into the vector chunk below, the scalar code made GCC give
  // up vectorising the chunk for some losses: double-double l_beta) but on the chunk's instruction set.
  auto retake = [&](int j, I c) {
    auto steps = [&] {
      for (I t = 0; t < c && act[j]; ++t) careful_step(j);
    };
    out_of_line<isa>(steps);
  };

  // The sides of the lanes' next arguments, where no chunk has told them (after refills and retakes).
  auto find_sides = [&]() {
    if constexpr (Model::domains.size() > 1) {
      I held = 0;
      for (int j = 0; j < W; ++j) held |= act[j] ? m.side(s, j) : 0;
      sides = int(held);
    }
  };

  // c <= kChunkSteps steps of every lane at once (kMasked: some lanes are empty or have stopped; kCount: what
  // the fast steps count step by step; kDomain: where their arguments lie), then the flagged lanes retaken from
  // the chunk's start, and every lane whose counters needed more counting than the chunk did.
  auto chunk = [&]<bool kMasked, int kCount, int kDomain>(I c) {
    const typename Model::Saved start = m.save(s);
    typename Model::Seen seen = m.seen_at_start(s);
    // Unrolled, the lanes' vectors sit in one block of straight-line code, which the scheduled translation units
    // (mean model, double-double single neuron: CMakeLists.txt) interleave; the single neuron's double huber
    // steps gain ~10 % from it too (NOTES §18). Eight, for the eight vectors of the double-double logistic
    // loss's 64 lanes, and the eight 256-bit vectors of 32 double lanes on AVX2 (NOTES §19).
    for (I t = 0; t < c; ++t)
#pragma GCC unroll 8
      for (int j = 0; j < W; ++j)
        m.template fast_step<kMasked, kCount, kDomain>(s, j, kMasked ? act[j] : I(1), seen);
    I flag[W], any = 0, needs = kCountNone, held = 0;
    for (int j = 0; j < W; ++j) {
      const I ev = -act[j] & m.template after_chunk<kDomain>(s, j, act[j], seen, c, kCount);  // active lanes
      needs = std::max(needs, (ev >> 1) & 3);
      held |= ev >> 3;
      flag[j] = (ev | I(((ev >> 1) & 3) > kCount)) & 1;
      any |= flag[j];
    }
    counting = int(needs), sides = int(held);
    for (int j = 0; j < W; ++j) tv[j] += c * (act[j] & (1 - flag[j]));
    if (!any) return;
    for (int j = 0; j < W; ++j) {
      if (!flag[j]) continue;
      m.restore(s, start, j);
      retake(j, c);
    }
    find_sides();  // the retaken lanes' sides
  };

  auto first_due = [&]() {  // the clock at which the next lane has had its k steps
    I u = clock + k;
    for (int j = 0; j < W; ++j)
      if (act[j]) u = std::min(u, until[j]);
    return u;
  };
  for (int j = 0; j < W; ++j) {
    chain[j] = -1;
    refill(j);
  }
  find_sides();
  I due = first_due();
  while (alive > 0) {
    const I c = std::min(kChunkSteps, due - clock);
    if (fast) {
      // Only the modes the model counts in are compiled (Model::counting: the mean model counts nothing; its
      // double-double kernel, flattened with six chunk variants, ran 6x slower), and its domains only for full
      // chunks (a masked chunk, the tail of a block, takes the general form).
      auto run = [&]<bool kMasked>() {
        auto in = [&]<int kDomain>() {
          if (counting == kCountNone) {
            chunk.template operator()<kMasked, kCountNone, kDomain>(c);
          } else if constexpr (Model::counting >= kCountFlips) {
            if (counting == kCountFlips) chunk.template operator()<kMasked, kCountFlips, kDomain>(c);
            else chunk.template operator()<kMasked, kCountAll, kDomain>(c);
          }
        };
        if constexpr (kMasked) in.template operator()<kAnywhere>();
        else in_domain<Model::domains>(sides, in);
      };
      alive == W ? run.template operator()<false>() : run.template operator()<true>();
    } else {
      for (I t = 0; t < c; ++t)
        for (int j = 0; j < W; ++j)
          if (act[j]) careful_step(j);
    }
    clock += c;
    bool changed = clock == due;
    for (int j = 0; j < W; ++j) changed |= chain[j] >= 0 && !act[j];
    if (changed) {
      for (int j = 0; j < W; ++j)
        if (chain[j] >= 0 && (!act[j] || until[j] == clock)) refill(j);
      find_sides();
      due = first_due();
    }
  }
  return still;
}

// A read-only input of every chain (eta, d): chain i's value is p[i * step], with step 0 where one value serves
// every chain (a scalar eta), so that a call need not copy it n times.
template <class T> struct PerChain {
  const T* p;
  std::int64_t step = 1;
  T operator[](std::int64_t i) const { return p[i * step]; }
};

// Where a kernel writes its recorded trajectory: the iterate pair of chain i at t = 0, every, 2 every, ...
// into trajectory[i][t / every][0..1] (every = 0: nothing is recorded).
template <class Out> struct Recorder {
  std::int64_t every;
  std::int64_t n_records;
  Out* trajectory;

  template <class T> void operator()(std::int64_t i, std::int64_t t, T a, T b) const {
    if (every > 0 && t % every == 0) {
      Out* p = trajectory + (i * n_records + t / every) * 2;
      p[0] = Out(a);
      p[1] = Out(b);
    }
  }
};

// Chain-steps in run_batched's first round, before it has timed one, for a kernel whose step costs 2^cost_shift
// times the single neuron's: about a fifth to a third of a second of one thread, so that short calls take few
// rounds (each round moves every chain through a lane and back; 10^6 chains x 200 steps now take one round in
// double, where 2^24 took two, 16 and 184 steps: the double huber call 10 % faster, logistic 3-5 %) while Ctrl-C
// and the progress bar still answer within about a second. 2^28 in double, 2^20 in the precisions whose steps
// cost 4-1000x more (double-double's three rounds of 1, 16 and 183 steps ran as fast as two of 16 and 184).
template <class T> constexpr std::int64_t first_round_chain_steps(int cost_shift = 0) {
  return std::int64_t(1) << ((std::is_same_v<T, double> ? 28 : 20) - cost_shift);
}

// Advance every running chain of `kernel` until it stops or `max_steps` steps have been taken.
// Kernel: width, first_round (first_round_chain_steps) and advance_block<isa>(i0, count, k, fresh) (see
// advance_block_on); the first round passes fresh = true and visits every chain.
// between_rounds(steps_done, chains_still_running) runs on the calling thread, outside any parallel region;
// it may throw to abort the run. Blocks are fixed slices of the chains, so which thread runs one is immaterial.
template <class Kernel, class Hook>
void run_batched(Kernel& kernel, std::int64_t n, std::int64_t max_steps, int threads, Hook&& between_rounds,
                 double round_seconds = 0.5) {
  if (threads < 1) threads = max_threads();
  // Blocks (groups of chains whose lanes take the next chain when one stops) of up to 16 lane-widths, at least
  // 16 per thread; the block size changes no result.
  std::int64_t width = Kernel::width;
  width *= std::clamp<std::int64_t>(n / (width * threads * 16), 1, 16);
  const std::int64_t blocks = (n + width - 1) / width;
  const BlockFn<Kernel> advance = pick_advance_block<Kernel>();
  const Kernel& kern = kernel;
  std::int64_t done = 0, running = n;
  // First round: about Kernel::first_round chain-steps; later rounds are rescaled to last round_seconds, growing by
  // up to 16x a round (every round moves each chain through a lane and back: at 10^6 chains and cheap steps,
  // ramping up by 4x took five memory-bound rounds for 200 steps, and two threads ran only 1.6x one).
  std::int64_t k = std::max<std::int64_t>(1, Kernel::first_round / std::max<std::int64_t>(n, 1));
  while (done < max_steps && running > 0) {
    k = std::min(k, max_steps - done);
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t cpu0 = std::clock();
    std::int64_t still = 0;
    // Hand out about 64 chains at a time: one-chain blocks (float128) would make every thread hit the loop's
    // shared counter once per chain.
    const std::int64_t chunk = width >= 64 ? 1 : 64 / width;
#pragma omp parallel for schedule(dynamic, chunk) num_threads(threads) reduction(+ : still)
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const std::int64_t i0 = blk * width;
      still += advance(kern, i0, std::min(width, n - i0), k, done == 0);
    }
    // The round's length by the wall clock, and by the process's CPU time per thread: if the wall clock stalls or
    // jumps (as it can in a virtual machine), rounds must not grow 16x after 16x until one runs for hours between
    // two checks for Ctrl-C.
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC / threads;
    const double dt = std::max(wall, cpu);
    done += k;
    running = still;
    between_rounds(done, running);
    const double scale = dt > 0 ? std::clamp(round_seconds / dt, 0.25, 16.0) : 16.0;
    k = std::clamp<std::int64_t>(std::int64_t(double(k) * scale), 1, std::int64_t(1) << 40);
  }
}

}  // namespace eos
