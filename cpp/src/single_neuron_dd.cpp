// single_neuron<dd> in a translation unit of its own, so that it alone is compiled with GCC's instruction
// scheduling (CMakeLists.txt): it makes the double-double kernels ~15-35 % faster at their 32 lanes, and it would
// make the double logistic one ~18 % slower (bench/NOTES.md §18).
#include "single_neuron_binding.hpp"

namespace eos::bind {

template py::dict single_neuron<dd>(const py::array&, const py::array&, const py::array&, const std::string&,
                                    double, std::int64_t, double, double, std::int64_t, int, const py::object&);

}  // namespace eos::bind
