// Buffers of plain values that grow by millions and are written before they
// are read: resize() leaves new elements uninitialised (zero-filling them
// would be a serial pass over memory of its own), and growth is a realloc(),
// which moves a large block by remapping its pages: no copy, and the pages
// already written are not touched (faulted in) again.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace regionwalk {

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
  ~GrowBuffer() { std::free(data_); }

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
    void* p = std::realloc(static_cast<void*>(data_), n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
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
