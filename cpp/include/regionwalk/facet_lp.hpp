// The facet LPs of one region inside the domain (DESIGN.md section 2.4).
//
// Variables v = (x, t): a point and its margin (the solver's last variable is
// t / kMarginCoef). Every inequality row has a positive coefficient on it,
// so any x with t low enough is feasible; the solver starts there. Rows:
//   neuron k:  -sigma_k a_k.x + t <= sigma_k c_k        (a_k normalised)
//   box:       +-x_i + t <= +-bound_i
//   ball:      the bounding box of the ball first; then, exactly, a projection
//              QP (BallQp): the distance from the centre to the piece shrunk
//              by a margin s must be < r - s
//   whole:     t <= cap
// Clarkson's method keeps the LPs small: each LP sees only a working set of
// rows (the domain and the neuron rows found relevant so far on this region);
// the solution is checked against every row and the violated ones join the
// working set until none is violated.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/lp.hpp"
#include "regionwalk/lp_solver.hpp"
#include "regionwalk/region_rows.hpp"

namespace regionwalk {

struct GeometryStats {
  std::int64_t lp_solves = 0;
  std::int64_t lp_iterations = 0;
  std::int64_t qp_solves = 0;
  std::int64_t undecided = 0;  // solver limits hit: answered "no facet", the walk is then not certified
};

// The margin's coefficient in every inequality row (the LP maximises
// margin / kMarginCoef). Below 1 the rows share less of that one direction,
// so Gram-Schmidt cancels less and rarely needs its second pass.
constexpr double kMarginCoef = 0.5;

// Domain row `index` (0, 1, ...): for a box or ball, +x_axis <= rhs (even
// index) or -x_axis <= rhs (odd), the ball by its bounding box; for the whole
// space one row bounding the margin (axis -1, no x part).
struct DomainRow {
  int axis;
  double sign;
  double rhs;
};
DomainRow domain_row(const Domain& dom, int index);
int domain_rows(const Domain& dom);

// The rows an LP of this region sees (Clarkson's working set), and the rows
// excluded from the current one (the facet's coincident group).
struct WorkingSet {
  std::vector<int> working;
  std::vector<char> in_working, excluded;
  // Every violated neuron row (index < neuron_rows) outside the working set
  // joins it and `rows` (all at once: each re-solve costs about d iterations).
  bool add_violated(const ActiveSetLp& solver, int neuron_rows, int d, const double* v, double t, double eps,
                    std::vector<int>& rows);
};

// A no-facet proof: the LP's tight rows as neurons (>= 0) and domain rows
// (-1 - index), their multipliers for the raw forms, and the equality's mu:
//   sum_i lambda_i G_i(x) + mu z_j(x) = t*   (identically in x).
struct NoFacetProof {
  // mu is NaN for the ball's Lagrangian bounds (BallQp::decide): they carry
  // only to neighbours where every row and j are unchanged.
  bool valid = false;  // false when the verdict did not come from an LP optimum (ball QP, solver limits)
  std::vector<int> rows;
  std::vector<float> lambdas;
  float mu = 0.0f;
};

class BallQp;

class FacetLp {
 public:
  FacetLp(const Domain& domain, double tol, std::unique_ptr<LpSolver> solver = nullptr);
  ~FacetLp();

  // Is there a point of the open domain on j's hyperplane where every row
  // outside `group` is strict with margin > tol? If so writes it and its
  // certified margin. If not, and an LP optimum decided it, `proof` (when
  // given) receives the proof (proof->valid).
  bool facet(const RegionRows& rows, int j, const std::vector<int>& group, const double* inside, double* point,
             double* margin, NoFacetProof* proof);
  // Largest-margin point of the region within the domain, from any start.
  // Returns the certified margin (<= tol: no interior point found).
  double interior_point(const RegionRows& rows, const double* start, double* out);

  const GeometryStats& stats() const { return stats_; }

 private:
  void build(const RegionRows& rows);     // once per load: the LP's rows, or the ball's dual rows
  void build_lp(const RegionRows& rows);  // the LP (and primal QP) rows, once per load where needed
  double maximise_margin(const RegionRows& rows, double* x, int eq_neuron, NoFacetProof* proof);
  double lp_margin(const RegionRows& rows, double* x, int eq_neuron, bool* certified, NoFacetProof* proof);
  bool settle_loosened(const RegionRows& rows, const double* x, int eq_neuron, int max_iter, double* margin,
                       NoFacetProof* proof);
  void take_proof(const RegionRows& rows, int eq_neuron, NoFacetProof* proof) const;
  // The ball's dual test of the facet whose equality row is in place; false
  // when it could not decide (the LP and QP then do).
  bool ball_verdict(const RegionRows& rows, int j, double* point, double* margin, NoFacetProof* proof);
  void finish_facet(const RegionRows& rows, const std::vector<int>& group);  // undo facet()'s set-up

  const Domain& dom_;
  double tol_;
  int d_;
  std::unique_ptr<LpSolver> solver_;
  std::unique_ptr<BallQp> qp_;   // ball only
  ActiveSetLp lp_;
  std::uint64_t built_for_ = 0;  // RegionRows::generation() of the rows in lp_
  bool lp_built_ = false;
  int base_rows_ = 0, neuron_rows_ = 0;
  WorkingSet ws_;
  std::vector<int> rows_, eq_;
  std::vector<double> v_, objective_, row_buf_;
  GeometryStats stats_;
};

}  // namespace regionwalk
