// eos._core: the compiled kernels. The Python layer (eos.single_neuron, eos.mean_model) validates and
// broadcasts; these functions take flat arrays and return dicts of arrays.
#include <limits>

#include "pybind.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Compiled core of eos: batched gradient descent in double, long double and float128.";
#ifdef _OPENMP
  m.attr("has_openmp") = true;
#else
  m.attr("has_openmp") = false;
#endif
#ifdef EOS_HAVE_FLOAT128
  m.attr("has_float128") = true;
#else
  m.attr("has_float128") = false;
#endif
  m.attr("longdouble_mantissa_bits") = std::numeric_limits<long double>::digits;
  m.def("max_threads", &eos::max_threads, "Threads an eos call uses by default (OpenMP's maximum).");
  m.def("memory_cache_limit", &eos::bind::memory_cache_limit, "Bytes the cache of large array memory may hold.");
  m.def("memory_cache_bytes", &eos::bind::memory_cache_bytes, "Bytes the cache of large array memory holds now.");
  m.def("set_memory_cache_limit", &eos::bind::set_memory_cache_limit, py::arg("bytes"),
        "Set the cache's limit in bytes, freeing its oldest blocks down to it (0 empties it and turns it off).");
  eos::bind::bind_single_neuron(m);
  eos::bind::bind_mean_model(m);
  eos::bind::bind_fast_math(m);
}
