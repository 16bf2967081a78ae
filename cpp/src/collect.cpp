#include "regionwalk/collect.hpp"

#include <algorithm>
#include <numeric>

namespace regionwalk {

RegionCollector::RegionCollector(int words, int dim, bool store_points, RegionVisitor visitor, int shards,
                                 int cell_bits, bool mail)
    : words_(words), dim_(dim), store_points_(store_points),
      visited_(words, dim, store_points, shards, cell_bits, mail), visitor_(std::move(visitor)) {}

bool RegionCollector::add(const Word* pattern, const double* point, bool quiet) {
  if (!visited_.insert(pattern, point, quiet)) return false;
  count_.fetch_add(1, std::memory_order_relaxed);
  if (visitor_ && !quiet) visitor_(pattern, point);
  return true;
}

void RegionCollector::sorted(std::int64_t limit, std::vector<Word>& patterns, std::vector<double>& points) const {
  std::vector<Word> pats;
  std::vector<double> pts;
  visited_.collect(pats, pts);
  const auto w = static_cast<size_t>(words_);
  const auto d = static_cast<size_t>(dim_);
  auto n = static_cast<std::int64_t>(pats.size() / std::max<size_t>(1, w));
  // Deterministic output: patterns sorted lexicographically by word.
  std::vector<std::int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const Word* pa = &pats[static_cast<size_t>(a) * w];
    const Word* pb = &pats[static_cast<size_t>(b) * w];
    return std::lexicographical_compare(pa, pa + w, pb, pb + w);
  });
  if (limit >= 0 && n > limit) n = limit;
  patterns.resize(static_cast<size_t>(n) * w);
  points.resize(store_points_ ? static_cast<size_t>(n) * d : 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto src = static_cast<size_t>(order[static_cast<size_t>(i)]);
    std::copy_n(&pats[src * w], w, &patterns[static_cast<size_t>(i) * w]);
    if (store_points_) std::copy_n(&pts[src * d], d, &points[static_cast<size_t>(i) * d]);
  }
}

}  // namespace regionwalk
