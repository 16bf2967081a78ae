// The collect step of the walk (DESIGN.md section 2.8): each region found is
// kept once (its pattern and, when asked, its witness point) and shown once
// to a visitor; a hook for per-region measures.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "regionwalk/pattern.hpp"
#include "regionwalk/visited_set.hpp"

namespace regionwalk {

// Called once per new region, from the walk's threads (at the same time from
// several when threads > 1); the pointers are valid during the call only.
using RegionVisitor = std::function<void(const Word* pattern, const double* point)>;

class RegionCollector {
 public:
  // `shards`: the visited set's locks (one: used by one thread only, no lock taken);
  // `mail`: regions have mailboxes (VisitedSet).
  RegionCollector(int words, int dim, bool store_points, RegionVisitor visitor = {}, int shards = 64,
                  int cell_bits = 0, bool mail = false);

  bool contains(const Word* pattern) const { return visited_.contains(pattern); }
  bool contains(const Word* pattern, Mailbox** box) const { return visited_.contains(pattern, box); }
  void prefetch_slot(const Word* pattern) const { visited_.prefetch_slot(pattern); }
  void prefetch_entry(const Word* pattern) const { visited_.prefetch_entry(pattern); }
  // Keeps a region unless known; true when it is new. `quiet`: no visit
  // (regions restored from a saved walk were visited when first found).
  // Those restored take no mail either (expanded, or in the frontier restored with their proofs).
  bool add(const Word* pattern, const double* point, bool quiet = false);
  void post(Mailbox& box, const Mailbox::Letter& letter) { visited_.post(box, letter); }
  void take(const Word* pattern, Mailbox::Letter& out) { visited_.take(pattern, out); }
  std::int64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::int64_t bytes() const { return visited_.bytes(); }
  // See VisitedSet::reshard (only while no other thread uses the collector).
  void reshard(int shards) { visited_.reshard(shards); }
  bool stores_points() const { return store_points_; }
  int words() const { return words_; }

  // Every region kept, in no particular order.
  void all(std::vector<Word>& patterns, std::vector<double>& points) const { visited_.collect(patterns, points); }
  // The first `limit` regions (all when limit < 0) in sorted pattern order.
  void sorted(std::int64_t limit, std::vector<Word>& patterns, std::vector<double>& points) const;

 private:
  int words_, dim_;
  bool store_points_;
  VisitedSet visited_;
  RegionVisitor visitor_;
  // A line of its own: every insert writes it, and every lookup reads the set's fields above.
  alignas(64) std::atomic<std::int64_t> count_{0};
};

}  // namespace regionwalk
