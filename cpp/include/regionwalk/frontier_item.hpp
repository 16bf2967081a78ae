// A region waiting to be expanded: its pattern, a witness point strictly
// inside it, the proofs carried from the region it was found from, and the
// neuron crossed to reach it. Items serialise to bytes, so that a distributed
// or checkpointed walk can ship and store them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regionwalk/pattern.hpp"
#include "regionwalk/proofs.hpp"

namespace regionwalk {

struct FrontierItem {
  Pattern pattern;
  std::vector<double> point;
  CarriedProofs::Cells proofs;
  int crossed = -1;  // the one neuron flipped from the region walked from (-1: several, or the seed)

  std::int64_t bytes() const {
    return static_cast<std::int64_t>(sizeof(FrontierItem) + pattern.capacity() * sizeof(Word) +
                                     point.capacity() * sizeof(double) +
                                     proofs.capacity() * sizeof(CarriedProofs::Cell));
  }
};

using Bytes = std::vector<std::uint8_t>;

// Appends the item: u32 words, u32 dim, u32 proof cells, i32 crossed, then the
// pattern words, the point and the cells, little-endian as in memory.
void encode_item(const FrontierItem& item, Bytes& out);
// Decodes one item at data[*offset], advancing *offset. Throws
// std::invalid_argument on malformed bytes.
FrontierItem decode_item(const std::uint8_t* data, std::size_t size, std::size_t* offset);
// Throws std::invalid_argument unless the item fits a net of this many
// pattern words, inputs and neurons (bytes from elsewhere are not trusted).
void check_item(const FrontierItem& item, int words, int dim, int neurons);

}  // namespace regionwalk
