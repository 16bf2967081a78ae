#include "regionwalk/visited_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace regionwalk {

namespace {

// Segment k holds entries [first (2^k - 1), first (2^(k+1) - 1)).
struct Place {
  int segment;
  std::size_t offset;
};

Place place_of(std::uint32_t e, std::uint32_t first) {
  const std::uint64_t q = e / first + 1;
  const int k = 63 - __builtin_clzll(q);
  return {k, e - static_cast<std::size_t>(first) * ((std::size_t{1} << k) - 1)};
}

}  // namespace

VisitedSet::VisitedSet(int words, int point_dim, bool store_points, int shards, int cell_bits, bool mail)
    : words_(words), dim_(point_dim), cell_bits_(cell_bits), store_points_(store_points), mail_(mail),
      locked_(shards > 1), shards_(static_cast<size_t>(shards)) {}  // tables come with a shard's first insert

Mailbox& VisitedSet::box(const Shard& s, std::uint32_t e) const {
  const Place at = place_of(e, kFirst);
  return s.boxes[static_cast<size_t>(at.segment)].load(std::memory_order_acquire)[at.offset];
}

const Word* VisitedSet::entry(const Shard& s, std::uint32_t e) const {
  const Place at = place_of(e, kFirst);
  return s.segment[static_cast<size_t>(at.segment)].load(std::memory_order_acquire) +
         at.offset * static_cast<size_t>(words_);
}

Word* VisitedSet::append(Shard& s) {
  const Place at = place_of(s.entries, kFirst);
  std::atomic<Word*>& seg = s.segment[static_cast<size_t>(at.segment)];
  if (seg.load(std::memory_order_relaxed) == nullptr) {  // (made once: a failed insert may have made it)
    const size_t n = (static_cast<size_t>(kFirst) << at.segment) * static_cast<size_t>(words_);
    s.owned.reserve(s.owned.size() + 1);  // (no throw once the segment is made)
    s.owned.push_back(std::make_unique<Word[]>(n));
    if (mail_) {
      s.owned_boxes.reserve(s.owned_boxes.size() + 1);
      s.owned_boxes.push_back(std::make_unique<Mailbox[]>(static_cast<size_t>(kFirst) << at.segment));
      s.boxes[static_cast<size_t>(at.segment)].store(s.owned_boxes.back().get(), std::memory_order_release);
    }
    seg.store(s.owned.back().get(), std::memory_order_release);
  }
  return seg.load(std::memory_order_relaxed) + at.offset * static_cast<size_t>(words_);
}

void VisitedSet::grow(Shard& s) const {
  // The new table is filled, then published: readers probe the old one or the
  // new one, whole. An allocation failure (std::bad_alloc) leaves the shard as it was.
  const Table* old = s.table.load(std::memory_order_relaxed);
  auto table = std::make_unique<Table>(old != nullptr ? 2 * (old->mask + 1) : 64);
  for (std::uint32_t e = 0; e < s.entries; ++e)
    table->slots[empty_slot(*table, hash_words(entry(s, e), words_))].store(e + 1, std::memory_order_relaxed);
  s.tables.reserve(s.tables.size() + 1);
  s.tables.push_back(std::move(table));
  s.table.store(s.tables.back().get(), std::memory_order_release);
}

bool VisitedSet::contains(const Word* p) const {
  const std::uint64_t h = hash_words(p, words_);
  return holds(shard_of(p, h), p, h);
}

void VisitedSet::prefetch_slot(const Word* p) const {
  const std::uint64_t h = hash_words(p, words_);
  const Table* table = shard_of(p, h).table.load(std::memory_order_acquire);
  if (table != nullptr) __builtin_prefetch(&table->slots[start(h, *table)]);
}

void VisitedSet::prefetch_entry(const Word* p) const {
  const std::uint64_t h = hash_words(p, words_);
  const Shard& s = shard_of(p, h);
  const Table* table = s.table.load(std::memory_order_acquire);
  if (table == nullptr) return;
  const std::uint32_t e = table->slots[start(h, *table)].load(std::memory_order_acquire);
  if (e != 0) __builtin_prefetch(entry(s, e - 1));
}

bool VisitedSet::contains(const Word* p, Mailbox** box_out) const {
  const std::uint64_t h = hash_words(p, words_);
  const Shard& s = shard_of(p, h);
  const std::int64_t e = find(s, p, h);
  *box_out = e >= 0 && mail_ ? &box(s, static_cast<std::uint32_t>(e)) : nullptr;
  return e >= 0;
}

std::int64_t VisitedSet::find(const Shard& s, const Word* p, std::uint64_t h) const {
  const Table* table = s.table.load(std::memory_order_acquire);
  if (table == nullptr) return -1;  // nothing inserted yet
  const Table& t = *table;
  for (size_t i = start(h, t);; i = (i + 1) & t.mask) {
    const std::uint32_t e = t.slots[i].load(std::memory_order_acquire);
    if (e == 0) return -1;
    const Word* q = entry(s, e - 1);
    if (same_words(p, q, words_)) return static_cast<std::int64_t>(e) - 1;
  }
}

void VisitedSet::post(Mailbox& box, const Mailbox::Letter& letter) {
  if (const std::int64_t bytes = box.post(letter)) letter_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void VisitedSet::take(const Word* p, Mailbox::Letter& out) {
  Mailbox* b = nullptr;
  if (contains(p, &b) && b != nullptr)
    if (const std::int64_t bytes = b->take(out)) letter_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
}

bool VisitedSet::insert(const Word* p, const double* point, bool closed) {
  const std::uint64_t h = hash_words(p, words_);
  Shard& s = shard_of(p, h);
  const auto lock = lock_of(s);
  if (holds(s, p, h)) return false;  // under the lock: every insert is seen
  if (s.entries == UINT32_MAX - 1) throw std::length_error("too many regions for one shard");
  const Table* now = s.table.load(std::memory_order_relaxed);
  if (now == nullptr || 2 * (static_cast<size_t>(s.entries) + 1) > now->mask + 1) grow(s);
  Word* at = append(s);
  if (store_points_) s.points.insert(s.points.end(), point, point + dim_);  // (a throw publishes nothing)
  std::copy(p, p + words_, at);
  if (closed && mail_) box(s, s.entries).close();  // published with the slot, below
  const Table& t = *s.table.load(std::memory_order_relaxed);
  t.slots[empty_slot(t, h)].store(++s.entries, std::memory_order_release);  // publishes the words above
  return true;
}

std::int64_t VisitedSet::bytes() const {
  std::int64_t n = 0;
  for (const Shard& s : shards_) {
    const auto lock = lock_of(s);
    for (const auto& t : s.tables) n += static_cast<std::int64_t>((t->mask + 1) * sizeof(Slot));
    for (size_t k = 0; k < s.segment.size(); ++k)
      if (s.segment[k].load(std::memory_order_relaxed) != nullptr)
        n += static_cast<std::int64_t>((static_cast<size_t>(kFirst) << k) *
                                       (static_cast<size_t>(words_) * sizeof(Word) + (mail_ ? sizeof(Mailbox) : 0)));
    n += static_cast<std::int64_t>(s.points.capacity() * sizeof(double));
  }
  return n + letter_bytes_.load(std::memory_order_relaxed);
}

void VisitedSet::collect(std::vector<Word>& patterns, std::vector<double>& points) const {
  patterns.clear();
  points.clear();
  for (const Shard& s : shards_) {
    const auto lock = lock_of(s);
    for (std::uint32_t e = 0; e < s.entries; ++e) {
      const Word* p = entry(s, e);
      patterns.insert(patterns.end(), p, p + words_);
    }
    points.insert(points.end(), s.points.begin(), s.points.end());
  }
}

void VisitedSet::reshard(int shards) {
  std::vector<Shard> old(static_cast<size_t>(std::max(1, shards)));
  old.swap(shards_);  // (shards hold locks and atomics: the vectors swap, the shards stay put)
  const bool was_locked = locked_;
  locked_ = false;  // alone here
  const auto d = static_cast<size_t>(dim_);
  try {
    for (const Shard& s : old)
      for (std::uint32_t e = 0; e < s.entries; ++e) {
        const Word* p = entry(s, e);
        insert(p, store_points_ ? &s.points[e * d] : nullptr);
        Mailbox* moved = nullptr;
        if (mail_ && contains(p, &moved)) moved->move_from(box(s, e));  // (lost on a rollback: mail only spares LPs)
      }
  } catch (...) {  // (std::bad_alloc) the set stays as it was
    old.swap(shards_);
    locked_ = was_locked;
    throw;
  }
  locked_ = shards_.size() > 1;
}

}  // namespace regionwalk
