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
#include "regionwalk/region_rows.hpp"

namespace regionwalk {

class BallQp {
 public:
  BallQp(const Domain& ball, double tol) : dom_(ball), tol_(tol), qp_(ball.dim) {}

  enum class Verdict { Facet, NoFacet, Undecided };

  // The dual test's rows, straight from the region's: only those that some
  // point of the ball violates (sign * distance of the centre < r).
  void build_dual(const RegionRows& rows);
  // The primal QP's rows (the fallback): the LP's first `neuron_rows` rows
  // without their margin entry.
  void build(const ActiveSetLp& lp, int neuron_rows);
  // The facet test of the hyperplane eq.x = eq_rhs (unit normal) over the
  // region's rows not `excluded` (indexed by row), by the dual projection
  // alone. Facet: x is a point on the hyperplane with certified margin
  // *margin. NoFacet: proof_rows() (region rows) certify it. Undecided: ask
  // the LP and margin().
  Verdict decide(const double* eq, double eq_rhs, const std::vector<char>& excluded, double* x, double* margin,
                 GeometryStats& stats);
  const std::vector<int>& proof_rows() const { return proof_rows_; }
  const std::vector<double>& proof_multipliers() const { return dual_.proof_multipliers(); }
  // From x with polytope margin t, a point with polytope and ball margin
  // > tol (written to x); `eq_row` (or -1) is the LP's equality row, kept.
  // Returns the certified margin.
  double margin(const ActiveSetLp& lp, int eq_row, double* x, double t, WorkingSet& ws, GeometryStats& stats);

 private:
  double ball_gap(const double* y) const;
  // The margin of y on the hyperplane (the rows scanned, and the ball).
  double checked_margin(const double* y) const;
  DualProjection::Status project(const double* eq, double eq_rhs, double shrink, double* y, GeometryStats& stats);

  const Domain& dom_;
  double tol_;
  ActiveSetLp qp_;           // the primal QP's rows
  std::vector<double> rhs_;  // their unshrunk right-hand sides
  int neuron_rows_ = 0;
  // The dual test's rows: the near rows of the region, compact (never shrunk in place).
  ActiveSetLp near_;
  std::vector<int> near_row_;  // each one's region row
  // Each one's slack at the centre less a guard for rounding: a lower bound
  // on its slack at distance delta from the centre is floor_ - delta. Rows
  // are passed over by it where a row's product costs more than the test
  // (from 64 dimensions; below, the tests cost about what they save).
  std::vector<double> floor_;
  bool floors() const { return dom_.dim >= 64; }
  std::vector<int> scan_, proof_rows_;
  std::vector<double> row_, better_;
  DualProjection dual_;
};

}  // namespace regionwalk
