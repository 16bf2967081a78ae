// Sound bound propagation over the domain: neurons whose sign cannot change
// anywhere in it never flip during the walk (DESIGN.md section 2.3).
#pragma once
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"

namespace regionwalk {

struct PreactivationBounds {
  std::vector<double> lower, upper;  // per hidden neuron, over the closed domain
};

// Interval arithmetic, exact for the first layer of a box or ball.
PreactivationBounds interval_bounds(const Network& net, const Domain& domain);

// +1: active (> 0) on the whole open domain, -1: never > 0 there, 0: may change.
std::vector<signed char> stable_signs(const Network& net, const Domain& domain);

}  // namespace regionwalk
