#include "regionwalk/walk_state.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace regionwalk {

namespace {
constexpr char kMagic[4] = {'R', 'W', 'S', 'T'};
constexpr std::uint32_t kVersion = 1;

template <class T>
void put(Bytes& out, const T* p, std::size_t n) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n * sizeof(T));
}

template <class T>
void take(const Bytes& in, std::size_t* at, T* p, std::size_t n) {
  if (n > (in.size() - *at) / sizeof(T)) throw std::invalid_argument("walk state: truncated bytes");
  std::memcpy(p, in.data() + *at, n * sizeof(T));
  *at += n * sizeof(T);
}
}  // namespace

Bytes encode_state(const WalkState& s, int words, int dim, int neurons) {
  Bytes out;
  const auto w = static_cast<std::size_t>(words);
  const std::uint32_t head[5] = {kVersion, static_cast<std::uint32_t>(words), static_cast<std::uint32_t>(dim),
                                 s.points.empty() ? 0U : 1U, static_cast<std::uint32_t>(neurons)};
  const std::int64_t sizes[2] = {static_cast<std::int64_t>(w ? s.patterns.size() / w : 0),
                                 static_cast<std::int64_t>(s.frontier.size())};
  put(out, kMagic, 4);
  put(out, head, 5);
  put(out, sizes, 2);
#define REGIONWALK_PUT(name, meaning) put(out, &s.stats.name, 1);
  REGIONWALK_WALK_COUNTERS(REGIONWALK_PUT)
#undef REGIONWALK_PUT
  put(out, &s.stats.seconds, 1);
  put(out, s.patterns.data(), s.patterns.size());
  put(out, s.points.data(), s.points.size());
  for (const FrontierItem& item : s.frontier) encode_item(item, out);
  return out;
}

WalkState decode_state(const Bytes& in, const Network& net, int dim) {
  std::size_t at = 0;
  char magic[4];
  std::uint32_t head[5];
  std::int64_t sizes[2];
  take(in, &at, magic, 4);
  if (std::memcmp(magic, kMagic, 4) != 0) throw std::invalid_argument("walk state: not a regionwalk walk state");
  take(in, &at, head, 5);
  if (head[0] != kVersion) throw std::invalid_argument("walk state: unknown format version " + std::to_string(head[0]));
  const int words = net.pattern_words();
  if (head[1] != static_cast<std::uint32_t>(words) || head[2] != static_cast<std::uint32_t>(dim) ||
      head[4] != static_cast<std::uint32_t>(net.hidden_neurons()))
    throw std::invalid_argument("walk state: made for a network of another shape");
  take(in, &at, sizes, 2);
  if (sizes[0] < 0 || sizes[1] < 0) throw std::invalid_argument("walk state: corrupted sizes");
  WalkState s;
#define REGIONWALK_TAKE(name, meaning) take(in, &at, &s.stats.name, 1);
  REGIONWALK_WALK_COUNTERS(REGIONWALK_TAKE)
#undef REGIONWALK_TAKE
  take(in, &at, &s.stats.seconds, 1);
  const auto n = static_cast<std::size_t>(sizes[0]);
  if (n > in.size() / sizeof(Word) + 1) throw std::invalid_argument("walk state: truncated bytes");
  s.patterns.resize(n * static_cast<std::size_t>(words));
  take(in, &at, s.patterns.data(), s.patterns.size());
  if (head[3] != 0) {
    s.points.resize(n * static_cast<std::size_t>(dim));
    take(in, &at, s.points.data(), s.points.size());
  }
  for (std::int64_t i = 0; i < sizes[1]; ++i) {
    s.frontier.push_back(decode_item(in.data(), in.size(), &at));
    check_item(s.frontier.back(), words, dim, net.hidden_neurons());
  }
  if (at != in.size()) throw std::invalid_argument("walk state: trailing bytes");
  return s;
}

}  // namespace regionwalk
