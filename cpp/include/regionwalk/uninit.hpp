// Buffers of plain values that grow by millions and are written before they
// are read: resize() leaves new elements uninitialised (zero-filling them
// would be a serial pass over memory of its own), and growth moves a large
// block by remapping its pages: no copy, and the pages already written are
// not touched (faulted in) again.
//
// Large blocks are mapped here, not by malloc: glibc raises its threshold for
// mapping a block each time a mapped one is freed (up to 32 MiB), and a block
// below it lives in the heap, where realloc() copies it and the copy's pages
// fault in. On a complex's second call that cost 0.3 s of a 4 s build on two
// threads (8-16x2), all of it serial.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace regionwalk {

namespace detail {

// Blocks of at least this many bytes are mapped (on Linux).
constexpr std::size_t kMapBytes = std::size_t{1} << 22;

// Block p of old_bytes, whose first `used` bytes are kept, grown to `bytes`.
inline void* grow_block(void* p, std::size_t old_bytes, std::size_t used, std::size_t bytes) {
#if defined(__linux__)
  if (bytes >= kMapBytes) {
    void* q = old_bytes >= kMapBytes ? mremap(p, old_bytes, bytes, MREMAP_MAYMOVE)
                                     : mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED) throw std::bad_alloc();
    if (old_bytes < kMapBytes && p != nullptr) {
      std::memcpy(q, p, used);
      std::free(p);
    }
    return q;
  }
#else
  (void)old_bytes;
  (void)used;
#endif
  void* q = std::realloc(p, bytes);
  if (q == nullptr) throw std::bad_alloc();
  return q;
}

inline void free_block(void* p, std::size_t bytes) {
#if defined(__linux__)
  if (bytes >= kMapBytes) {
    munmap(p, bytes);
    return;
  }
#else
  (void)bytes;
#endif
  std::free(p);
}

}  // namespace detail

template <class T>
class GrowBuffer {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "GrowBuffer holds plain values only");

 public:
  GrowBuffer() = default;
  GrowBuffer(const GrowBuffer&) = delete;
  GrowBuffer& operator=(const GrowBuffer&) = delete;
  GrowBuffer(GrowBuffer&& o) noexcept { swap(o); }
  GrowBuffer& operator=(GrowBuffer&& o) noexcept {
    GrowBuffer(std::move(o)).swap(*this);
    return *this;
  }
  ~GrowBuffer() { detail::free_block(data_, capacity_ * sizeof(T)); }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

  // Capacity grows 4x at a time: few reallocations, and capacity not yet
  // written is never touched (not resident).
  void resize(std::size_t n) {
    if (n > capacity_) reserve(std::max(n, 4 * capacity_));
    size_ = n;
  }
  void assign(std::size_t n, const T& value) {
    resize(n);
    std::fill_n(data_, n, value);
  }
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    data_ = static_cast<T*>(detail::grow_block(data_, capacity_ * sizeof(T), size_ * sizeof(T), n * sizeof(T)));
    capacity_ = n;
  }
  // Gives the memory back.
  void release() { GrowBuffer().swap(*this); }
  void swap(GrowBuffer& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace regionwalk
