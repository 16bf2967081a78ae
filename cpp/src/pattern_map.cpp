#include "regionwalk/pattern_map.hpp"

#include <algorithm>
#include <numeric>

namespace regionwalk {

void PatternMap::expand(const Word* own, Word* full) const {
  std::copy(fixed.begin(), fixed.end(), full);
  for (std::size_t k = 0; k < kept.size(); ++k)
    if (get_bit(own, static_cast<int>(k))) set_bit(full, kept[k]);
}

void PatternMap::expand_sorted(const std::vector<Word>& own, int own_words, std::size_t n, std::vector<Word>& full,
                               std::vector<std::size_t>& order) const {
  const auto w = static_cast<std::size_t>(words()), ow = static_cast<std::size_t>(own_words);
  std::vector<Word> unsorted(n * w);
  for (std::size_t i = 0; i < n; ++i) expand(&own[i * ow], &unsorted[i * w]);
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::lexicographical_compare(&unsorted[a * w], &unsorted[a * w] + w, &unsorted[b * w], &unsorted[b * w] + w);
  });
  full.resize(n * w);
  for (std::size_t i = 0; i < n; ++i) std::copy_n(&unsorted[order[i] * w], w, &full[i * w]);
}

}  // namespace regionwalk
