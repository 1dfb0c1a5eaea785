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
  eos::bind::bind_single_neuron(m);
  eos::bind::bind_mean_model(m);
  eos::bind::bind_fast_math(m);
}
