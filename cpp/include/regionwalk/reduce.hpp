// Coordinates the walk runs in (exact changes of variables, done once):
// - a box becomes the unit box, x = centre + h * u (h: half sides): margins
//   are then relative to each side, so a box 1e-16 wide keeps its precision;
// - a ball or the whole space becomes the row space of the first layer,
//   x = origin + B y with B orthonormal (d x r): nothing else of x reaches the
//   network, and r <= the first layer's width (64 for a 784-64-... net).
#pragma once
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"

namespace regionwalk {

struct Reduction {
  Network net;                  // its first layer in the new coordinates
  Domain domain;                // the unit box, a ball at 0, or the whole space
  std::vector<double> origin;   // d
  std::vector<double> scale;    // box: d half sides (x = origin + scale * u)
  std::vector<double> basis;    // ball/whole: d x r, row-major (x = origin + B y); empty: none
  double shrink = 1.0;          // a length in x times this is at most its length in the new coordinates

  int dim() const { return domain.dim; }
  std::vector<double> to_reduced(const double* x) const;
  std::vector<double> to_input(const double* y) const;
};

// Orthonormal basis (d x r, row-major) of the row space of W (rows x d), by
// Householder QR with column pivoting of W^T; r counts the pivots above
// max(rows, d) * eps times the largest.
std::vector<double> row_space(const std::vector<double>& w, int rows, int d, int* rank);

// The first layer's weights in the row space's coordinates: W B (rows x r,
// row-major), each entry summed over the input coordinate in order.
std::vector<double> row_weight(const Layer& first, const std::vector<double>& basis, int rank);

// `basis` (d x rank, row-major), when given, is row_space() of the first
// layer and `weight`, when given too, row_weight() of it, computed earlier:
// the QR and the product are most of a 784-input ball's set-up.
Reduction reduce(const Network& net, const Domain& domain, const std::vector<double>* basis = nullptr, int rank = 0,
                 const std::vector<double>* weight = nullptr);

}  // namespace regionwalk
