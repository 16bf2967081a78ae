// Activation patterns packed into 64-bit words: bit j is set when neuron j's
// pre-activation is > 0. Whole words are hashed and compared.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace regionwalk {

using Word = std::uint64_t;
using Pattern = std::vector<Word>;

inline int words_for(int bits) { return (bits + 63) / 64; }

inline bool get_bit(const Word* p, int j) { return (p[j >> 6] >> (j & 63)) & 1U; }
inline void set_bit(Word* p, int j) { p[j >> 6] |= Word{1} << (j & 63); }
inline void flip_bit(Word* p, int j) { p[j >> 6] ^= Word{1} << (j & 63); }

// Inline: most patterns are a word or two, where a call to memcmp costs more than the compare.
inline bool same_words(const Word* a, const Word* b, int n_words) {
  for (int i = 0; i < n_words; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// splitmix64 finaliser folded over the words: cheap and well mixed.
inline std::uint64_t hash_words(const Word* p, int n_words) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(n_words);
  for (int i = 0; i < n_words; ++i) {
    std::uint64_t z = h ^ (p[i] + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    h = z ^ (z >> 31);
  }
  return h;
}

// hash_words of a pattern's first `bits` bits (the later ones taken as 0).
inline std::uint64_t hash_bits(const Word* p, int bits) {
  const int full = bits / 64, rest = bits % 64;
  std::uint64_t h = hash_words(p, full);
  if (rest > 0) {
    const Word last = p[full] & ((Word{1} << rest) - 1);
    h ^= hash_words(&last, 1);
  }
  return h;
}

}  // namespace regionwalk
