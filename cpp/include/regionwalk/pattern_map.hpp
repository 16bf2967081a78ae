// Where the patterns of a pruned network sit among those of the network it
// was cut from. A ball's restriction (reduce.hpp) leaves out the neurons whose
// sign is fixed over the ball and which change no other neuron there: those
// never > 0 (ReLU: they output 0), and the last hidden layer's (they feed only
// the output). The walk then runs on the smaller network, and each pattern it
// finds is the full network's with the left-out neurons' fixed bits.
#pragma once
#include <cstddef>
#include <vector>

#include "regionwalk/pattern.hpp"

namespace regionwalk {

struct PatternMap {
  int neurons = 0;        // hidden neurons of the full network (0: no map, the patterns are the network's own)
  std::vector<int> kept;  // the pruned network's neuron k is the full network's kept[k], ascending
  Pattern fixed;          // the full network's pattern with the left-out neurons' bits (the others 0)

  bool identity() const { return neurons == 0; }
  int words() const { return words_for(neurons); }
  // The full pattern of one pruned pattern.
  void expand(const Word* own, Word* full) const;
  // `n` pruned patterns (own_words each) as full ones, sorted as walk() sorts
  // them; `order[i]` is the input index of the i-th sorted pattern.
  void expand_sorted(const std::vector<Word>& own, int own_words, std::size_t n, std::vector<Word>& full,
                     std::vector<std::size_t>& order) const;
};

}  // namespace regionwalk
