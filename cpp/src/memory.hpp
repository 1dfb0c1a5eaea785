// Where the bindings' large arrays come from: a small cache of memory blocks that earlier calls' results and
// working buffers gave back.
//
// Why: a call returns nine to twelve arrays of n values. At 10^6 chains that is 75-160 MB of fresh pages per call,
// which Linux must fault in and zero before the first write: 13-40 ms, about a fifth of a 200-step double call, on
// memory bandwidth that a second thread barely speeds up (two threads ran the cheap losses only 1.68-1.78x one).
// glibc gives such blocks back to the system when they are freed, so every call paid again. Blocks from the cache
// are already mapped (bench/NOTES.md §22).
//
// Blocks of at least 1 MiB go through the cache; smaller ones are plain malloc. A freed block waits in the cache
// until a request of the same size takes it, or the cache frees it (its oldest blocks first) to stay within its
// limit: eos.memory_cache, default 256 MiB, 0 to empty it and turn it off. Not advised for huge pages (numpy
// advises its own large arrays): a first call then sometimes stalled on the kernel's compaction, 150 ms instead of
// 25 at 10^6 chains, and later calls reuse their blocks either way.
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace eos::bind {

namespace py = pybind11;

// A block of at least `bytes` bytes (never nullptr: std::bad_alloc when the system has none).
void* take_block(std::size_t bytes);
// Give back a block that take_block(bytes) returned, with the same `bytes`.
void give_block(void* p, std::size_t bytes) noexcept;

// Buffers in working precision: n values of T, left uninitialised for the caller to first touch with
// parallel_for (a std::vector or new T[n] would run T's constructor on one thread: double-double writes its zero
// words). Every T here is trivially copyable and destructible, so the block holds its objects (C++20 implicit
// object creation) and giving it back needs no destructor.
struct GiveBack {
  std::size_t bytes = 0;
  void operator()(void* p) const noexcept { give_block(p, bytes); }
};
template <class T> using Buffer = std::unique_ptr<T[], GiveBack>;
template <class T> Buffer<T> buffer(py::ssize_t n) {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  const std::size_t bytes = std::size_t(n > 0 ? n : 1) * sizeof(T);
  return Buffer<T>(static_cast<T*>(take_block(bytes)), GiveBack{bytes});
}

// An uninitialised numpy array of the given shape (C order) whose memory comes from take_block and goes back to
// the cache when numpy frees it (the array's base is a capsule that owns the block).
struct OwnedBlock {
  void* p;
  GiveBack back;
};
template <class S> py::array_t<S> new_array(const std::vector<py::ssize_t>& shape) {
  py::ssize_t count = 1;
  for (const py::ssize_t d : shape) count *= d;
  Buffer<S> block = buffer<S>(count);
  auto owned = std::make_unique<OwnedBlock>(OwnedBlock{block.get(), block.get_deleter()});
  const py::capsule base(owned.get(), [](void* o) {
    const std::unique_ptr<OwnedBlock> b(static_cast<OwnedBlock*>(o));
    b->back(b->p);
  });
  owned.release();
  const S* data = block.release();  // the capsule owns the block now
  return py::array_t<S>(shape, data, base);
}
template <class S> py::array_t<S> new_array(py::ssize_t n) { return new_array<S>(std::vector<py::ssize_t>{n}); }

// The cache's limit in bytes and what it holds now; set_memory_cache_limit evicts down to the new limit.
std::size_t memory_cache_limit();
std::size_t memory_cache_bytes();
void set_memory_cache_limit(std::size_t bytes);

}  // namespace eos::bind
