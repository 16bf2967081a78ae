// The domain the regions must meet: an axis-aligned box, an L2 ball, or R^d.
#pragma once
#include <vector>

namespace regionwalk {

enum class DomainKind { Box, Ball, Whole };

struct Domain {
  DomainKind kind = DomainKind::Whole;
  int dim = 0;
  std::vector<double> lo, hi;   // Box
  std::vector<double> center;   // Ball (also the box's midpoint)
  double radius = 0.0;          // Ball
  // The centre is the origin (as in the walk's reduced coordinates): a
  // hyperplane's offset from it is its constant, with no dot product.
  bool at_origin = false;

  static Domain box(std::vector<double> lo, std::vector<double> hi);
  static Domain ball(std::vector<double> center, double radius);
  static Domain whole(int dim);

  // Does the hyperplane {x : a.x + c = 0}, with |a| = 1, meet the open domain?
  bool hyperplane_meets(const double* unit_a, double c) const;
  // Is x inside the domain with at least `margin` to its boundary?
  bool contains(const double* x, double margin) const;
  // A length that sets the scale of tolerances (half the smallest box side,
  // the radius, or 1 for the whole space).
  double scale() const;
};

}  // namespace regionwalk
