// The exact ball test of a facet or region (DESIGN.md section 2.4): the LP
// certified a polytope margin t inside the ball's bounding box; a projection
// QP then finds the point of the piece, shrunk by a margin s, nearest the
// ball's centre: the piece keeps margin s inside the ball when that point is
// within r - s. No polygonal stand-in for the sphere.
#pragma once
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/facet_lp.hpp"
#include "regionwalk/lp.hpp"

namespace regionwalk {

class BallQp {
 public:
  BallQp(const Domain& ball, double tol) : dom_(ball), tol_(tol), qp_(ball.dim) {}

  // The QP rows: the LP's first `neuron_rows` rows without their margin entry.
  void build(const ActiveSetLp& lp, int neuron_rows);
  // From x with polytope margin t, a point with polytope and ball margin
  // > tol (written to x); `eq_row` (or -1) is the LP's equality row, kept.
  // Returns the certified margin.
  double margin(const ActiveSetLp& lp, int eq_row, double* x, double t, WorkingSet& ws, GeometryStats& stats);

 private:
  double ball_gap(const double* y) const;

  const Domain& dom_;
  double tol_;
  ActiveSetLp qp_;
  std::vector<double> rhs_;  // the rows' unshrunk right-hand sides
  int neuron_rows_ = 0;
};

}  // namespace regionwalk
