#include "regionwalk/frontier_item.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace regionwalk {

namespace {
template <class T>
void put(Bytes& out, const T* p, std::size_t n) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n * sizeof(T));
}

template <class T>
void take(const std::uint8_t* data, std::size_t size, std::size_t* offset, T* p, std::size_t n) {
  const std::size_t bytes = n * sizeof(T);
  if (size - *offset < bytes) throw std::invalid_argument("frontier item: truncated bytes");
  if (bytes > 0) std::memcpy(p, data + *offset, bytes);  // an empty vector's data() may be null
  *offset += bytes;
}
}  // namespace

void encode_item(const FrontierItem& item, Bytes& out) {
  const std::uint32_t head[3] = {static_cast<std::uint32_t>(item.pattern.size()),
                                 static_cast<std::uint32_t>(item.point.size()),
                                 static_cast<std::uint32_t>(item.proofs.size())};
  const std::int32_t crossed = item.crossed;
  put(out, head, 3);
  put(out, &crossed, 1);
  put(out, item.pattern.data(), item.pattern.size());
  put(out, item.point.data(), item.point.size());
  put(out, item.proofs.data(), item.proofs.size());
}

FrontierItem decode_item(const std::uint8_t* data, std::size_t size, std::size_t* offset) {
  std::uint32_t head[3];
  std::int32_t crossed = 0;
  take(data, size, offset, head, 3);
  take(data, size, offset, &crossed, 1);
  const std::size_t left = size - *offset;
  if (head[0] > left / sizeof(Word) || head[1] > left / sizeof(double) || head[2] > left / 2)
    throw std::invalid_argument("frontier item: truncated bytes");
  FrontierItem item;
  item.pattern.resize(head[0]);
  item.point.resize(head[1]);
  item.proofs.resize(head[2]);
  item.crossed = crossed;
  take(data, size, offset, item.pattern.data(), item.pattern.size());
  take(data, size, offset, item.point.data(), item.point.size());
  take(data, size, offset, item.proofs.data(), item.proofs.size());
  return item;
}

void check_item(const FrontierItem& item, int words, int dim, int neurons) {
  if (item.pattern.size() != static_cast<std::size_t>(words) || item.point.size() != static_cast<std::size_t>(dim))
    throw std::invalid_argument("frontier item: made for another network (pattern words " +
                                std::to_string(item.pattern.size()) + ", dimension " + std::to_string(item.point.size()) +
                                ")");
  if (item.crossed < -1 || item.crossed >= neurons) throw std::invalid_argument("frontier item: crossed neuron out of range");
  if (neurons % 64 != 0 && (item.pattern.back() >> (neurons % 64)) != 0)
    throw std::invalid_argument("frontier item: pattern has bits past the last neuron");
  if (!CarriedProofs::valid(item.proofs, neurons)) throw std::invalid_argument("frontier item: malformed proofs");
}

}  // namespace regionwalk
