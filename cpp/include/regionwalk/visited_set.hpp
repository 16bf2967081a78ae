// A sharded hash set of packed patterns, each with an optional witness point.
// Patterns live in flat per-shard arenas (no allocation per pattern); each
// shard has its own lock so that walker threads rarely contend.
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "regionwalk/pattern.hpp"

namespace regionwalk {

class VisitedSet {
 public:
  // One shard serves one thread and takes no lock (a lock per lookup costs a
  // small walk a few percent); more shards lock each.
  VisitedSet(int words, int point_dim, bool store_points, int shards = 64);

  bool contains(const Word* p) const;
  // Inserts p (with its point) unless present; returns true when inserted.
  bool insert(const Word* p, const double* point);
  // Bytes held by the arenas and slot tables (capacity, not just use).
  std::int64_t bytes() const;

  // Every stored pattern and point, in shard order (the caller sorts).
  void collect(std::vector<Word>& patterns, std::vector<double>& points) const;

 private:
  struct Shard {
    mutable std::mutex mu;
    std::vector<Word> arena;       // entries * words
    std::vector<double> points;    // entries * dim, when stored
    std::vector<std::uint32_t> slots;  // 0 = empty, else entry index + 1
    std::uint32_t entries = 0;
  };
  Shard& shard_of(std::uint64_t h) const { return shards_[h % shards_.size()]; }
  static std::int64_t find_slot(const Shard& s, const Word* p, int words, std::uint64_t h);
  void grow(Shard& s) const;
  std::unique_lock<std::mutex> lock_of(const Shard& s) const {
    return locked_ ? std::unique_lock<std::mutex>(s.mu) : std::unique_lock<std::mutex>();
  }

  int words_, dim_;
  bool store_points_;
  bool locked_;
  mutable std::vector<Shard> shards_;
};

}  // namespace regionwalk
