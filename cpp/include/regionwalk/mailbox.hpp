// A region's mailbox in the walk's visited set: proofs for a region found and
// not yet expanded, from a neighbour expanded before it (proofs.hpp). Its
// finder passes a region only the proofs that hold across the neuron crossed;
// a neighbour expanded later often holds proofs for the hyperplanes that were
// facets of the finder, and spares the region their facet tests.
//
// One letter per box: the first posted is kept, later ones are dropped (the
// cost of a letter is copying it; most of the gain is in the first). Taking
// the letter closes the box for good: a region expanded takes no more mail.
// Posts and takes race freely between threads (one atomic word).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace regionwalk {

class Mailbox {
 public:
  using Letter = std::vector<std::int16_t>;

  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox() { drop(state_.load(std::memory_order_acquire)); }

  // Open and empty: a letter posted now would be kept (unless another comes first).
  bool open() const { return state_.load(std::memory_order_relaxed) == kOpen; }
  void close() { drop(state_.exchange(kClosed, std::memory_order_acq_rel)); }
  // Keeps a copy of `letter` if the box is open and empty; returns the bytes kept.
  std::int64_t post(const Letter& letter) {
    if (!open()) return 0;
    auto mine = std::make_unique<Letter>(letter);
    const std::int64_t bytes = size_of(*mine);  // (once posted, a taker may free it at once)
    std::uintptr_t expected = kOpen;
    if (!state_.compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(mine.get()),
                                        std::memory_order_release, std::memory_order_relaxed))
      return 0;  // filled or closed meanwhile
    mine.release();  // owned by the box now: take(), close() or the destructor frees it
    return bytes;
  }
  // Closes the box and appends its letter, if any, to `out`; returns the bytes freed.
  std::int64_t take(Letter& out) {
    const std::uintptr_t held = state_.exchange(kClosed, std::memory_order_acquire);
    if (held <= kClosed) return 0;
    const std::unique_ptr<Letter> letter(reinterpret_cast<Letter*>(held));
    out.insert(out.end(), letter->begin(), letter->end());
    return size_of(*letter);
  }
  // Moves `other`'s state (letter included) here, leaving it closed. Only
  // while no other thread uses either box.
  void move_from(Mailbox& other) {
    drop(state_.exchange(other.state_.exchange(kClosed, std::memory_order_relaxed), std::memory_order_relaxed));
  }

 private:
  static constexpr std::uintptr_t kOpen = 0, kClosed = 1;  // else: the letter's address
  static std::int64_t size_of(const Letter& l) {
    return static_cast<std::int64_t>(sizeof(Letter) + l.capacity() * sizeof(std::int16_t));
  }
  static void drop(std::uintptr_t held) {
    if (held > kClosed) std::unique_ptr<Letter>(reinterpret_cast<Letter*>(held));  // (never taken)
  }

  std::atomic<std::uintptr_t> state_{kOpen};
};

}  // namespace regionwalk
