// What every binding file shares: pybind11, the precision dispatch, numpy in/out, and the GIL-aware driver.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eos/batch.hpp"
#include "eos/real.hpp"
#include "memory.hpp"

namespace py = pybind11;

namespace eos::bind {

// The numpy type a working precision T is returned as: itself, or np.longdouble (rounded) for float128 and
// double-double.
template <class T> struct OutOf { using type = T; };
template <> struct OutOf<dd> { using type = long double; };
#ifdef EOS_HAVE_FLOAT128
template <> struct OutOf<float128> { using type = long double; };
#endif
template <class T> using Out = typename OutOf<T>::type;

// Call f.template operator()<T>() with T chosen by the precision name.
template <class F> decltype(auto) dispatch_precision(const std::string& precision, F&& f) {
  if (precision == "double") return f.template operator()<double>();
  if (precision == "longdouble") return f.template operator()<long double>();
  if (precision == "double-double") return f.template operator()<dd>();
#ifdef EOS_HAVE_FLOAT128
  if (precision == "float128") return f.template operator()<float128>();
#endif
  throw py::value_error("precision must be 'double', 'longdouble', 'double-double'" + std::string(
#ifdef EOS_HAVE_FLOAT128
                            " or 'float128'"
#else
                            " ('float128' needs a build with __float128 and libquadmath)"
#endif
                            ) +
                        ", got '" + precision + "'");
}

// A contiguous 1-D input of one of the numpy dtypes of S... and length n (or 1, where `shared`); anything else is
// a TypeError naming the argument and the dtypes (the Python layer converts, so a mismatch here is a bug in the
// caller, not something to silently cast).
template <class... S> py::array input_of(const py::array& a, const char* name, py::ssize_t n, bool shared = false) {
  if (!(py::isinstance<py::array_t<S>>(a) || ...) || a.ndim() != 1 ||
      !(a.shape(0) == n || (shared && a.shape(0) == 1)) || !(a.flags() & py::array::c_style)) {
    std::string dtypes;
    ((dtypes += (dtypes.empty() ? "" : " or ") + std::string(py::str(py::dtype::of<S>()))), ...);
    throw py::type_error(std::string(name) + " must be a contiguous 1-D array of dtype " + dtypes + " and length " +
                         std::to_string(n) + (shared ? " or 1" : ""));
  }
  return a;
}

// input_of with the one dtype S, typed.
template <class S> py::array_t<S> input(const py::array& a, const char* name, py::ssize_t n, bool shared = false) {
  return py::reinterpret_borrow<py::array_t<S>>(input_of<S>(a, name, n, shared));
}

// The sum of f(i) (an integer: 0 or 1 to count) for i in [0, n) on `threads` OpenMP threads (every i independent,
// so the result does not depend on the count). For the per-call work around a kernel — converting, checking, the
// final sharpness — which at 10^6 chains would otherwise be a serial tenth of a 200-step call. Runs with the GIL
// held: f must not touch Python. Each thread's share is compiled for the machine's SIMD path (simd_call), like
// the kernels.
template <class F> std::int64_t parallel_sum(py::ssize_t n, int threads, F&& f) {
  if (threads < 1) threads = max_threads();
  std::int64_t total = 0;
#pragma omp parallel num_threads(threads) if (n > 16384) reduction(+ : total)
  {
#ifdef _OPENMP
    const py::ssize_t parts = omp_get_num_threads(), me = omp_get_thread_num();
#else
    const py::ssize_t parts = 1, me = 0;
#endif
    const py::ssize_t lo = n * me / parts, hi = n * (me + 1) / parts;
    total += simd_call([&] {
      // A private copy of f and of the bounds: what f captures by reference then sits in registers, not behind
      // pointers that every store through f's own pointers might alias (a fill's loop was scalar, reloading its
      // value and the bound at every element).
      std::decay_t<F> g = f;
      const py::ssize_t end = hi;
      std::int64_t sum = 0;
      for (py::ssize_t i = lo; i < end; ++i) sum += g(i);
      return sum;
    });
  }
  return total;
}

// f(i) for i in [0, n), as parallel_sum.
template <class F> void parallel_for(py::ssize_t n, int threads, F&& f) {
  parallel_sum(n, threads, [f](py::ssize_t i) {
    f(i);
    return 0;
  });
}

// A per-chain input of a model in working precision T: a contiguous 1-D array of length n (or 1, where `shared`)
// of float64 or of Out<T>; anything else is a TypeError naming the argument. The Python layer passes an input
// as float64 whenever all its values are doubles, so that the widening to T runs here on every thread; numpy's
// cast to long double and its isfinite on the result took 11 ms of a 50 ms double-double call at 10^6 chains,
// on one.
template <class T> class Input {
 public:
  Input(const py::array& a, const char* name, py::ssize_t n, bool shared = false)
      : a_(checked(a, name, n, shared)), name_(name) {}
  py::ssize_t size() const { return a_.shape(0); }
  // The values as they are stored, if they are of type T itself (nothing to convert), else nullptr.
  const T* exact() const {
    if constexpr (std::is_same_v<T, Out<T>>) {
      if (py::isinstance<py::array_t<T>>(a_)) return static_cast<const T*>(a_.data());
    }
    return nullptr;
  }
  // d[i] = T(input[i]) for every i, exactly (T holds every double and every Out<T>), on `threads` threads; a
  // ValueError naming the input if any value is not finite (checked here, in the same parallel pass, rather than
  // by numpy's isfinite on one thread: 1-2 ms of a 10^6-chain call).
  void load(T* d, int threads) const {
    const std::int64_t bad = py::isinstance<py::array_t<double>>(a_)
                                 ? widen(d, static_cast<const double*>(a_.data()), threads)
                                 : widen(d, static_cast<const Out<T>*>(a_.data()), threads);
    if (bad > 0) {
      throw py::value_error(std::string(name_) + " must be finite; it has " + std::to_string(bad) +
                            " non-finite entries");
    }
  }

 private:
  static py::array checked(const py::array& a, const char* name, py::ssize_t n, bool shared) {
    if constexpr (std::is_same_v<Out<T>, double>) {
      return input_of<double>(a, name, n, shared);
    } else {
      return input_of<double, Out<T>>(a, name, n, shared);
    }
  }
  // The copy, and how many values were not finite.
  template <class S> std::int64_t widen(T* d, const S* p, int threads) const {
    return parallel_sum(size(), threads, [=](py::ssize_t i) {
      const S v = p[i];
      store(d + i, T(v));
      return std::int64_t(!(v - v == S(0)));  // v - v is NaN for +-inf and NaN (isfinite kept GCC from vectorising)
    });
  }
  py::array a_;
  const char* name_;
};

// n values of T, returned as an array of O (default Out<T>): the output itself when T == O, else a buffer in T
// that publish() rounds into the output at the end.
template <class T, class O = Out<T>> struct Working {
  py::array_t<O> out;
  Buffer<T> own;
  T* data;
  explicit Working(py::ssize_t n) : out(new_array<O>(n)) {
    if constexpr (std::is_same_v<T, O>) {
      data = out.mutable_data();
    } else {
      own = buffer<T>(n);
      data = own.get();
    }
  }
  void publish(int threads) {
    if constexpr (!std::is_same_v<T, O>) {
      auto* o = out.mutable_data();
      const T* w = own.get();
      parallel_for(out.shape(0), threads, [&](py::ssize_t i) { o[i] = O(w[i]); });
    }
  }
};

// A read-only per-chain input (eta, d) of n values, or of 1 value that every chain shares, as the kernels'
// PerChain<T>: the caller's array itself when it holds T, else a copy in T.
template <class T> struct Shared {
  Buffer<T> own;
  PerChain<T> view;
  Shared(const py::array& a, const char* name, py::ssize_t n, int threads) {
    const Input<T> in(a, name, n, true);
    view.step = in.size() == n ? 1 : 0;
    // Borrowed: the caller's argument outlives the call. It is read while the GIL is released, as numpy's own
    // GIL-releasing functions read theirs (another thread writing it meanwhile is the caller's race).
    view.p = in.exact();
    if (view.p == nullptr) {
      own = buffer<T>(in.size());
      in.load(own.get(), threads);
      view.p = own.get();
    }
  }
};

// The trajectory output (NaN-filled, shape (n, max_steps / every + 1, 2)) and the kernel's view of it, or
// None and an empty Recorder when every = 0.
template <class O> std::pair<py::object, Recorder<O>> trajectory(py::ssize_t n, std::int64_t max_steps,
                                                                  std::int64_t every) {
  if (every <= 0) return {py::none(), Recorder<O>{0, 0, nullptr}};
  const py::ssize_t n_records = max_steps / every + 1;
  py::array_t<O> a = new_array<O>({n, n_records, py::ssize_t(2)});
  std::fill(a.mutable_data(), a.mutable_data() + a.size(), std::numeric_limits<O>::quiet_NaN());
  return {a, Recorder<O>{every, std::int64_t(n_records), a.mutable_data()}};
}

// Run the kernel with the GIL released; between rounds take it back to honour Ctrl-C (KeyboardInterrupt)
// and to call progress(steps_done, chains_running) if given.
template <class Kernel>
void drive(Kernel& kernel, std::int64_t n, std::int64_t max_steps, int threads, const py::object& progress) {
  py::gil_scoped_release release;
  run_batched(kernel, n, max_steps, threads, [&](std::int64_t done, std::int64_t running) {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!progress.is_none()) progress(done, running);
  });
}

// Each chain's sharpness lam = sharpness_of(i) (in T) and its gap 2/eta - lam, both models' last pass. The gap is
// taken in T and rounded once to float64: it keeps its digits even when it is 1e-15 of 2/eta. lam stays in T until
// it is published: rounding it to long double inside the loop (x87) kept the loop from vectorising, and in
// double-double it was half of a 1-step call.
template <class T> struct SharpnessAndGap {
  py::array_t<Out<T>> sharpness;
  py::array_t<double> gap;
};
template <class T, class F>
SharpnessAndGap<T> sharpness_and_gap(py::ssize_t n, int threads, const PerChain<T>& eta, F&& sharpness_of) {
  Working<T> sharpness(n);
  py::array_t<double> gap = new_array<double>(n);
  T* sh = sharpness.data;
  auto* gp = gap.mutable_data();
  parallel_for(n, threads, [&](py::ssize_t i) {
    const T lam = sharpness_of(i);
    store(sh + i, lam);
    gp[i] = double(T(2) / eta[i] - lam);
  });
  sharpness.publish(threads);
  return {sharpness.out, gap};
}

// The fields both models return, besides their iterate and their own counters: the status array becomes
// the two boolean outputs converged and diverged.
inline py::dict common_result(const py::array& steps, const std::vector<std::uint8_t>& status,
                              const py::array& sharpness, const py::array& gap, const py::array& t_cross,
                              const py::object& trajectory, int threads) {
  const auto n = py::ssize_t(status.size());
  py::array_t<bool> converged = new_array<bool>(n), diverged = new_array<bool>(n);
  auto* c = converged.mutable_data();
  auto* d = diverged.mutable_data();
  const std::uint8_t* st = status.data();
  parallel_for(n, threads, [&](py::ssize_t i) {
    c[i] = st[i] == kConverged;
    d[i] = st[i] == kDiverged;
  });
  py::dict r;
  r["steps"] = steps;
  r["converged"] = converged;
  r["diverged"] = diverged;
  r["sharpness"] = sharpness;
  r["gap"] = gap;
  r["t_cross"] = t_cross;
  r["trajectory"] = trajectory;
  return r;
}

void bind_single_neuron(py::module_& m);
void bind_mean_model(py::module_& m);
void bind_fast_math(py::module_& m);

}  // namespace eos::bind
