// Vectors whose resize() leaves new elements uninitialised: for buffers of
// plain values that grow by millions and are written before they are read
// (zero-filling them would be a serial pass over memory of its own).
#pragma once
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace regionwalk {

template <class T, class Base = std::allocator<T>>
class DefaultInitAllocator : public Base {
 public:
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };
  using Base::Base;
  DefaultInitAllocator() = default;
  template <class U, class B>
  DefaultInitAllocator(const DefaultInitAllocator<U, B>& other) : Base(other) {}  // NOLINT: rebinding converts

  // Default-initialisation: no zeroes for trivial types.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<Base>::construct(static_cast<Base&>(*this), p, std::forward<Args>(args)...);
  }
};

template <class T>
using UninitVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace regionwalk
