// The exact ball test of a facet or region (DESIGN.md section 2.4): the LP
// certified a polytope margin t inside the ball's bounding box; a projection
// QP then finds the point of the piece, shrunk by a margin s, nearest the
// ball's centre: the piece keeps margin s inside the ball when that point is
// within r - s. No polygonal stand-in for the sphere. A facet test goes to the
// dual projection first (decide): it needs no LP and ends a "no facet" test
// as soon as its lower bound on the distance passes r - s.
#pragma once
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/dual_projection.hpp"
#include "regionwalk/facet_lp.hpp"
#include "regionwalk/lp.hpp"

namespace regionwalk {

class BallQp {
 public:
  BallQp(const Domain& ball, double tol) : dom_(ball), tol_(tol), qp_(ball.dim) {}

  enum class Verdict { Facet, NoFacet, Undecided };

  // The QP rows: the LP's first `neuron_rows` rows without their margin entry.
  void build(const ActiveSetLp& lp, int neuron_rows);
  // The facet test of the LP's equality row `eq_row` over the rows not
  // `excluded`, by the dual projection alone. Facet: x is a point on the
  // hyperplane with certified margin *margin. NoFacet: proof_rows() (QP rows)
  // certify it. Undecided: ask margin().
  Verdict decide(const ActiveSetLp& lp, int eq_row, const std::vector<char>& excluded, double* x, double* margin,
                 GeometryStats& stats);
  const std::vector<int>& proof_rows() const { return dual_.proof_rows(); }
  const std::vector<double>& proof_multipliers() const { return dual_.proof_multipliers(); }
  // From x with polytope margin t, a point with polytope and ball margin
  // > tol (written to x); `eq_row` (or -1) is the LP's equality row, kept.
  // Returns the certified margin.
  double margin(const ActiveSetLp& lp, int eq_row, double* x, double t, WorkingSet& ws, GeometryStats& stats);

 private:
  double ball_gap(const double* y) const;
  // The margin of y on the hyperplane (rows not excluded, and the ball).
  double checked_margin(const double* y, const std::vector<char>& excluded) const;
  DualProjection::Status project(const double* eq, double eq_rhs, double shrink, double* y, GeometryStats& stats);

  const Domain& dom_;
  double tol_;
  ActiveSetLp qp_;
  std::vector<double> rhs_;  // the rows' unshrunk right-hand sides
  std::vector<int> near_;    // rows whose hyperplane meets the ball: no other row can be violated inside it
  std::vector<int> scan_;
  std::vector<double> eq_, better_;
  DualProjection dual_;
  int neuron_rows_ = 0;
};

}  // namespace regionwalk
