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
  std::vector<double> basis;    // ball/whole: d x r, row-major (x = origin + B y); empty: none, or the one given
  int rank = 0;                 // r when walked in the row space, else 0
  double shrink = 1.0;          // a length in x times this is at most its length in the new coordinates

  int dim() const { return domain.dim; }
};

// A row space computed earlier (views, not copies: a 784-input basis is
// 400 kB): basis (d x rank, row-major) from row_space(), and optionally
// weight (n_1 x rank) from row_weight() of it.
struct KnownRowSpace {
  const double* basis = nullptr;
  int rank = 0;
  const double* weight = nullptr;
};

// Orthonormal basis (d x r, row-major) of the row space of W (rows x d), by
// Householder QR with column pivoting of W^T; r counts the pivots above
// max(rows, d) * eps times the largest.
std::vector<double> row_space(const std::vector<double>& w, int rows, int d, int* rank);

// The first layer's weights in the row space's coordinates: W B (rows x r,
// row-major), each entry summed over the input coordinate in order.
std::vector<double> row_weight(const Layer& first, const double* basis, int rank);

// With `known` (a ball or the whole space), the QR and the product, most of
// a 784-input ball's set-up, are not done again; the Reduction's basis is
// then left empty (it is known's).
Reduction reduce(const Network& net, const Domain& domain, const KnownRowSpace* known = nullptr);

}  // namespace regionwalk
