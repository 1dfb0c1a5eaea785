// The block cache of memory.hpp.
#include "memory.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace eos::bind {

namespace {

constexpr std::size_t kSmall = std::size_t(1) << 20;  // below this, plain malloc

class BlockCache {
 public:
  void* take(std::size_t bytes) {
    {
      const std::lock_guard lock(mutex_);
      // newest first: a block freed by the last call is the likeliest to be still in the processor's caches
      for (std::size_t k = blocks_.size(); k-- > 0;) {
        if (blocks_[k].first == bytes) {
          void* p = blocks_[k].second;
          blocks_.erase(blocks_.begin() + std::ptrdiff_t(k));
          held_ -= bytes;
          return p;
        }
      }
    }
    void* p = std::malloc(bytes);
    if (p == nullptr) {  // out of memory: the cached blocks of other sizes go first
      {
        const std::lock_guard lock(mutex_);
        evict_to(0);
      }
      p = std::malloc(bytes);
      if (p == nullptr) throw std::bad_alloc();
    }
    return p;
  }
  void give(void* p, std::size_t bytes) noexcept {
    const std::lock_guard lock(mutex_);
    if (bytes > limit_) return std::free(p);
    evict_to(limit_ - bytes);
    try {
      blocks_.emplace_back(bytes, p);
    } catch (...) {  // no room to record it: free it
      return std::free(p);
    }
    held_ += bytes;
  }
  std::size_t limit() {
    const std::lock_guard lock(mutex_);
    return limit_;
  }
  std::size_t held() {
    const std::lock_guard lock(mutex_);
    return held_;
  }
  void set_limit(std::size_t bytes) {
    const std::lock_guard lock(mutex_);
    limit_ = bytes;
    evict_to(limit_);
  }

 private:
  // Free the oldest blocks until the cache holds at most `bytes`.
  void evict_to(std::size_t bytes) noexcept {
    std::size_t k = 0;
    for (; k < blocks_.size() && held_ > bytes; ++k) {
      held_ -= blocks_[k].first;
      std::free(blocks_[k].second);
    }
    blocks_.erase(blocks_.begin(), blocks_.begin() + std::ptrdiff_t(k));
  }
  std::mutex mutex_;
  std::vector<std::pair<std::size_t, void*>> blocks_;  // (size, block), oldest first
  std::size_t held_ = 0, limit_ = std::size_t(256) << 20;
};

// Never destroyed: arrays that Python frees at exit may give their blocks back after static destructors ran.
BlockCache& cache() {
  static auto* c = new BlockCache;
  return *c;
}

}  // namespace

void* take_block(std::size_t bytes) {
  if (bytes < kSmall) {
    void* p = std::malloc(bytes > 0 ? bytes : 1);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  return cache().take(bytes);
}

void give_block(void* p, std::size_t bytes) noexcept {
  if (bytes < kSmall) return std::free(p);
  cache().give(p, bytes);
}

std::size_t memory_cache_limit() { return cache().limit(); }
std::size_t memory_cache_bytes() { return cache().held(); }
void set_memory_cache_limit(std::size_t bytes) { cache().set_limit(bytes); }

}  // namespace eos::bind
