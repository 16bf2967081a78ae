// Coordinates the walk runs in (exact changes of variables, done once):
// - a box becomes the unit box, x = centre + h * u (h: half sides): margins
//   are then relative to each side, so a box 1e-16 wide keeps its precision;
// - a ball or the whole space becomes the row space of the first layer,
//   x = origin + B y with B orthonormal (d x r): nothing else of x reaches the
//   network, and r <= the first layer's width (64 for a 784-64-... net).
#pragma once
#include <optional>
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

// A ball's regions are cylinders along every direction that no neuron
// unstable over the ball sees. Call a neuron's fixed form its local form
// with the contributions of all earlier unstable neurons left out (so the
// same on every region); by induction over the layers every neuron's form
// on every region is its fixed form plus a vector of S, the span of the
// unstable neurons' fixed forms. Stable neurons bound nothing in the ball,
// so each region meeting it is a cylinder over its slice by c + S, a ball of
// the same radius: the regions that meet the ball are those that meet the
// slice, one for one, with the same margins (distances to hyperplanes with
// normals in S are measured in S; the ball's own margin is largest on the
// slice). The walk then runs in dim S, at most the number of unstable
// neurons, which in a small ball is far below the row space's dimension.
// The walk needs no neuron of fixed sign over the ball that changes no
// other one there (never > 0 under ReLU, or in the last hidden layer): the
// restricted network leaves them out, and its PatternMap puts their fixed
// bits back into the patterns walk() returns.
struct Restriction {
  Network net;               // first layer W_1 S, bias b_1 + W_1 c; pruned (its pattern_map())
  Domain domain;             // the ball of the same radius at 0 in dim S
  std::vector<double> span;  // S: (input dim) x s, orthonormal columns, row-major; y = c + S z
};

// The restriction of a ball, computed with stable_signs(); none where the
// domain is not a ball or S would not be smaller than the input dimension.
// S has a column per unstable neuron with a nonzero fixed form (one where
// every neuron is stable: the ball is one region), from a Householder QR of
// those forms scaled to unit length; no rank is decided, so S spans them
// whatever their rank.
std::optional<Restriction> restrict_ball(const Network& net, const Domain& ball);

}  // namespace regionwalk
