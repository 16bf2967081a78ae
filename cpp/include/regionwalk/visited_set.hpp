// A sharded hash set of packed patterns, each with an optional witness point
// and, when asked, a Mailbox (mailbox.hpp).
// Lookups take no lock: walker threads look a neighbour up some twenty times
// per region, and a lock per lookup writes its shard's lock line, which then
// moves between the cores; a lookup now writes nothing shared. Inserts lock
// their shard. A pattern is published by its
// slot (a release store), after its words; patterns live in segments that
// never move, and a grown slot table leaves the old one to readers still
// probing it (a lookup racing an insert may miss it, and say so: the insert
// that follows finds it).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "regionwalk/mailbox.hpp"
#include "regionwalk/pattern.hpp"

namespace regionwalk {

class VisitedSet {
 public:
  // One shard serves one thread and takes no lock; more shards lock each insert.
  // `cell_bits` > 0: a pattern's shard is picked by its first cell_bits bits
  // alone (hash_bits), so that patterns of one cell share a shard.
  // `mail`: each entry has a mailbox.
  VisitedSet(int words, int point_dim, bool store_points, int shards = 64, int cell_bits = 0, bool mail = false);

  // True when p was inserted before (a racing insert may not be seen yet).
  bool contains(const Word* p) const;
  // The same, and p's mailbox into *box (nullptr: not found, or no mail).
  // The box stays where it is for the set's lifetime.
  bool contains(const Word* p, Mailbox** box) const;
  // Hints for a lookup of p to come: prefetch_slot asks its slot's line into
  // the cache; prefetch_entry (after it) reads the slot and asks for the
  // entry there. Several lookups' misses so overlap.
  void prefetch_slot(const Word* p) const;
  void prefetch_entry(const Word* p) const;
  // Inserts p (with its point) unless present; returns true when inserted.
  // `closed`: its mailbox takes nothing.
  bool insert(const Word* p, const double* point, bool closed = false);
  // Mail, its bytes counted: a copy of `letter` into p's box if open and
  // empty; p's letter appended to `out`, its box closed.
  void post(Mailbox& box, const Mailbox::Letter& letter);
  void take(const Word* p, Mailbox::Letter& out);
  // Bytes held by the patterns, points and slot tables (capacity, not just use).
  std::int64_t bytes() const;

  // Every stored pattern and point, in shard order (the caller sorts).
  void collect(std::vector<Word>& patterns, std::vector<double>& points) const;
  // Spreads the entries over `shards` shards (more than one: inserts lock).
  // Only while no other thread uses the set: a walk starts on one shard and
  // reshards before its helper threads start.
  void reshard(int shards);

 private:
  using Slot = std::atomic<std::uint32_t>;  // 0 = empty, else entry index + 1
  struct Table {
    explicit Table(std::size_t size) : mask(size - 1), slots(std::make_unique<Slot[]>(size)) {}
    std::size_t mask;
    std::unique_ptr<Slot[]> slots;
  };
  // Segment k holds kFirst << k entries: 29 of them hold more than a shard's
  // 2^32 (small first ones: a small walk on 64 shards fills a few entries each).
  static constexpr std::uint32_t kFirst = 16;
  static constexpr int kSegments = 29;
  // Lines of its own: shards are locked by different threads. What lookups
  // read (the table, the segments) sits apart from what every insert writes
  // (the lock, the count): another worker's lookups in this shard then read
  // lines that its owner's inserts leave alone.
  struct alignas(64) Shard {
    std::atomic<const Table*> table{nullptr};
    std::array<std::atomic<Word*>, kSegments> segment{};
    std::array<std::atomic<Mailbox*>, kSegments> boxes{};  // alongside the segments, with mail
    alignas(64) mutable std::mutex mu;
    std::uint32_t entries = 0;
    std::vector<std::unique_ptr<Table>> tables;  // the current one last; older ones may still be probed
    std::vector<std::unique_ptr<Word[]>> owned;  // the segments made
    std::vector<std::unique_ptr<Mailbox[]>> owned_boxes;
    std::vector<double> points;  // entries * dim, when stored
  };
  // The shard of p, whose hash is h.
  Shard& shard_of(const Word* p, std::uint64_t h) const {
    return shards_[(cell_bits_ > 0 ? hash_bits(p, cell_bits_) : h) % shards_.size()];
  }
  bool holds(const Shard& s, const Word* p, std::uint64_t h) const { return find(s, p, h) >= 0; }  // h: p's hash
  std::int64_t find(const Shard& s, const Word* p, std::uint64_t h) const;  // p's entry (-1: none)
  Mailbox& box(const Shard& s, std::uint32_t e) const;
  const Word* entry(const Shard& s, std::uint32_t e) const;
  Word* append(Shard& s);  // room for entry s.entries
  static std::size_t start(std::uint64_t h, const Table& t) { return static_cast<std::size_t>(h >> 20) & t.mask; }
  // The first empty slot from h's (under the shard's lock, or in a table not yet published).
  static std::size_t empty_slot(const Table& t, std::uint64_t h) {
    std::size_t i = start(h, t);
    while (t.slots[i].load(std::memory_order_relaxed) != 0) i = (i + 1) & t.mask;
    return i;
  }
  void grow(Shard& s) const;
  std::unique_lock<std::mutex> lock_of(const Shard& s) const {
    return locked_ ? std::unique_lock<std::mutex>(s.mu) : std::unique_lock<std::mutex>();
  }

  int words_, dim_, cell_bits_;
  bool store_points_;
  bool mail_;
  std::atomic<std::int64_t> letter_bytes_{0};
  bool locked_;
  mutable std::vector<Shard> shards_;
};

}  // namespace regionwalk
