// A walk's state, to continue it later or elsewhere: the regions found, the
// frontier and the counters. Serialised to bytes (a format version, no
// fingerprint: callers that store it add one for the net and domain).
#pragma once
#include <cstdint>
#include <vector>

#include "regionwalk/frontier_item.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/walk_stats.hpp"

namespace regionwalk {

struct WalkState {
  std::vector<Word> patterns;  // regions found, words each
  std::vector<double> points;  // their witness points (dim each), or empty
  std::vector<FrontierItem> frontier;
  WalkStats stats;
};

Bytes encode_state(const WalkState& state, int words, int dim, int neurons);
// Throws std::invalid_argument on bytes that are not a state of a walk of
// this net's shape (words, input dimension, neurons). A net of the same shape
// passes: the caller's fingerprint tells those apart.
WalkState decode_state(const Bytes& bytes, const Network& net, int dim);

}  // namespace regionwalk
