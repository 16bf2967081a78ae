#include "regionwalk/visited_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace regionwalk {

VisitedSet::VisitedSet(int words, int point_dim, bool store_points, int shards)
    : words_(words), dim_(point_dim), store_points_(store_points), locked_(shards > 1),
      shards_(static_cast<size_t>(shards)) {
  for (Shard& s : shards_) s.slots.assign(64, 0);
}

std::int64_t VisitedSet::find_slot(const Shard& s, const Word* p, int words, std::uint64_t h) {
  // Linear probing; the upper hash bits pick the slot (the lower ones picked the shard).
  const size_t mask = s.slots.size() - 1;
  size_t i = static_cast<size_t>(h >> 20) & mask;
  const auto w = static_cast<size_t>(words);
  for (;;) {
    const std::uint32_t e = s.slots[i];
    if (e == 0) return -static_cast<std::int64_t>(i) - 1;
    const Word* q = &s.arena[(e - 1) * w];
    if (std::equal(p, p + words, q)) return static_cast<std::int64_t>(i);
    i = (i + 1) & mask;
  }
}

void VisitedSet::grow(Shard& s) const {
  // The new table is filled before it replaces the old one: an allocation
  // failure (std::bad_alloc) leaves the shard as it was.
  std::vector<std::uint32_t> slots(s.slots.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  const auto w = static_cast<size_t>(words_);
  for (std::uint32_t e : s.slots) {
    if (e == 0) continue;
    size_t i = static_cast<size_t>(hash_words(&s.arena[(e - 1) * w], words_) >> 20) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = e;
  }
  s.slots.swap(slots);
}

bool VisitedSet::contains(const Word* p) const {
  const std::uint64_t h = hash_words(p, words_);
  Shard& s = shard_of(h);
  const auto lock = lock_of(s);
  return find_slot(s, p, words_, h) >= 0;
}

bool VisitedSet::insert(const Word* p, const double* point) {
  const std::uint64_t h = hash_words(p, words_);
  Shard& s = shard_of(h);
  const auto lock = lock_of(s);
  std::int64_t slot = find_slot(s, p, words_, h);
  if (slot >= 0) return false;
  if (s.entries == UINT32_MAX - 1) throw std::length_error("too many regions for one shard");
  if (2 * (static_cast<size_t>(s.entries) + 1) > s.slots.size()) {
    grow(s);
    slot = find_slot(s, p, words_, h);
  }
  s.arena.insert(s.arena.end(), p, p + words_);
  if (store_points_) {
    try {
      s.points.insert(s.points.end(), point, point + dim_);
    } catch (...) {
      s.arena.resize(s.arena.size() - static_cast<size_t>(words_));  // as before the call
      throw;
    }
  }
  s.slots[static_cast<size_t>(-slot - 1)] = ++s.entries;
  return true;
}

std::int64_t VisitedSet::bytes() const {
  std::int64_t n = 0;
  for (const Shard& s : shards_) {
    const auto lock = lock_of(s);
    n += static_cast<std::int64_t>(s.arena.capacity() * sizeof(Word) + s.points.capacity() * sizeof(double) +
                                   s.slots.capacity() * sizeof(std::uint32_t));
  }
  return n;
}

void VisitedSet::collect(std::vector<Word>& patterns, std::vector<double>& points) const {
  patterns.clear();
  points.clear();
  for (const Shard& s : shards_) {
    const auto lock = lock_of(s);
    patterns.insert(patterns.end(), s.arena.begin(), s.arena.end());
    points.insert(points.end(), s.points.begin(), s.points.end());
  }
}

}  // namespace regionwalk
