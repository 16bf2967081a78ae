// The LPs of one region P(s) inside the domain (DESIGN.md section 2.4).
//
// Variables v = (x, t): a point and its margin (the solver's last variable is
// t / kMarginCoef, see region.cpp). Every inequality row has a positive
// coefficient on it, so any x with t low enough is feasible; the solver
// starts there. Rows:
//   neuron k:  -sigma_k a_k.x + t <= sigma_k c_k        (a_k normalised)
//   box:       +-x_i + t <= +-bound_i
//   ball:      the bounding box of the ball first; then, exactly, a projection
//              QP: the distance from the centre to the piece shrunk by a
//              margin s must be < r - s (no polygonal stand-in for the sphere)
//   whole:     t <= cap
// Stable neurons (fixed sign on the whole domain) and neurons whose local form
// is constant on the region contribute no row: they cannot bound the region
// inside the domain.
//
// Clarkson's method keeps the LPs small: each LP sees only a working set of
// rows (the domain and the neuron rows found relevant so far on this region);
// the solution is then checked against every row and the most violated one
// joins the working set until none is violated.
#pragma once
#include <cstdint>
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/lp.hpp"
#include "regionwalk/network.hpp"

namespace regionwalk {

struct GeometryStats {
  std::int64_t lp_solves = 0;
  std::int64_t lp_iterations = 0;
  std::int64_t qp_solves = 0;
  std::int64_t undecided = 0;  // LP iteration or cut limits hit: answered "no facet"
};

// Ordered: of a coincident group's verdicts the largest decides.
enum class EdgeVerdict : signed char {
  NotAnEdge = 0,  // no facet
  Certified = 1,  // a facet, certified at the edge's midpoint
  TooThin = 2,    // an edge too thin to certify there: ask the LP
};

class RegionGeometry {
 public:
  RegionGeometry(const Domain& domain, const std::vector<signed char>& stable, double tol);

  // Prepare the rows of the region with pattern `s` and local forms `f`.
  void load(const LocalForms& f, const Word* s);

  // Neurons whose hyperplane may be a facet inside the domain.
  const std::vector<int>& candidates();

  // Neurons whose hyperplane coincides with j's on this region (j included).
  void coincident(int j, std::vector<int>& group) const;

  // Facet test for the hyperplane of j (with its coincident group): is there a
  // point of the open domain on it where every other row is strict with
  // margin > tol? If so, writes that point into `facet_point`, its certified
  // margin into `margin`, and returns true.
  bool facet(int j, const std::vector<int>& group, const double* inside, double* facet_point, double* margin);

  // After facet() said no: the rows tight at the LP optimum that decided it,
  // as neurons (>= 0) and domain rows (-1, -2, ...), with their multipliers.
  // Any region where j and these rows are unchanged has no facet on j either
  // (a relaxation of its LP). The multipliers are for the raw forms: with
  // G_k = sigma_k z_k for neurons and the slack of a domain row,
  //   sum_i lambda_i G_i(x) + mu z_j(x) = t*   (identically in x),
  // which dual_certificate_holds() re-checks on a neighbour.
  // False when the verdict did not come from an LP optimum (ball QP, undecided).
  bool facet_certificate(std::vector<int>& rows, std::vector<float>& lambdas, float* mu) const;
  // Whether certificate rows recorded on another region are all present here
  // and outside j's coincident group.
  bool certificate_holds(const std::vector<int>& group, const int* rows, int n) const;
  // A certificate from a neighbour across neuron m's hyperplane, whose rows
  // may have changed (later-layer forms move by multiples of m's form). Sums
  // the rows with their multipliers using this region's forms, adds m's row
  // (m's sign here) to cancel the change, and bounds the sum over the domain's
  // box: if that bounds the facet LP of j at <= tol, j is no facet here.
  // On success writes the certificate valid here (m appended when used).
  bool dual_certificate_holds(int j, const int* rows, const float* lambdas, int n, float mu, int m,
                              std::vector<int>& out_rows, std::vector<float>& out_lambdas);

  // 2D box or ball only: clip the region's polygon (no LP) and report, per
  // neuron, whether its line bounds the polygon and, where the margin at the
  // edge's midpoint (inside the ball: its chord's midpoint) certifies it, that
  // point and margin. `inside` is a point strictly inside the region. Returns
  // false where not applicable (other dimensions, the whole space).
  bool polygon_facets(const double* inside);
  // After polygon_facets(): whether j's line carries an edge, and if so
  // whether its midpoint certifies a facet (then point/margin are written).
  EdgeVerdict polygon_edge(int j, double* point, double* margin) const;
  // After polygon_facets(): the neurons whose lines carry an edge of the
  // polygon, the only candidates that can be facets.
  const std::vector<int>& polygon_edge_neurons() const { return edge_neurons_; }

  // Unit normal of neuron j's hyperplane, oriented into the current region.
  void inward_normal(int j, double* out) const;
  // Signed distance of x to neuron k's hyperplane (positive inside the region).
  double distance(int k, const double* x) const;

  // Largest-margin point of the region within the domain, started from any x.
  // Returns the certified margin (<= tol means: no interior point found).
  double interior_point(const double* start, double* out);

  const GeometryStats& stats() const { return stats_; }

 private:
  // Maximise t from (x, t) with t lowered to feasibility; for the ball add
  // tangent cuts until the margin is certified above or below tol. Returns the
  // certified margin and leaves the point in x.
  double maximise_margin(double* x, const std::vector<int>& equalities);
  // Largest LP margin (box and whole space; for the ball, within its bounding box).
  double lp_margin(double* x, const std::vector<int>& equalities, bool* certified);
  // Ball only: from x with polytope margin t, find a point with polytope and
  // ball margin > tol via projection QPs; returns the certified margin.
  double ball_margin(double* x, double t, bool with_equality);
  void build_rows();  // the LP (and QP) rows of the loaded region, once
  bool add_violated(const double* v, double t, const ActiveSetLp& solver, std::vector<int>& rows);

  const Domain& dom_;
  const std::vector<signed char>& stable_;
  double tol_;
  int d_;
  ActiveSetLp lp_;
  ActiveSetLp qp_;                 // ball only: the neuron rows in x alone
  std::vector<double> qp_rhs_;     // their unshrunk right-hand sides
  int base_rows_ = 0;
  int neuron_rows_ = 0;            // rows [0, neuron_rows_) belong to neurons
  std::vector<int> row_of_;        // neuron -> LP row, -1 when it has none
  std::vector<int> row_neurons_;   // LP row -> neuron
  std::vector<double> norms_, inv_norms_;
  bool rows_built_ = false, candidates_built_ = false;
  std::vector<int> working_;       // rows every LP of this region starts with
  std::vector<char> in_working_, excluded_;
  std::vector<int> rows_;          // rows of the LP being solved
  std::vector<double> unit_a_;     // neuron -> normalised form (N x d)
  std::vector<double> unit_c_;
  std::vector<double> sign_;  // sigma_k (+-1, as a double: it multiplies)
  std::vector<int> candidates_;
  std::vector<double> v_, objective_, row_buf_;
  std::vector<int> eq_;
  int eq_neuron_ = -1;             // the neuron whose hyperplane eq_ holds
  std::vector<int> certificate_;   // neurons of the last facet LP's optimal active set
  std::vector<float> certificate_lambda_;  // their multipliers for the raw forms
  float certificate_mu_ = 0.0f;            // the equality's
  std::vector<double> alpha_;              // scratch of dual_certificate_holds
  bool certificate_valid_ = false;
  // 2D polygon of the region: vertices and, per vertex, the neuron whose line
  // carries the edge starting there (-1: the domain's boundary).
  std::vector<double> poly_x_, poly_y_, next_x_, next_y_, side_;
  std::vector<int> poly_label_, next_label_;
  std::vector<double> line_dist_;  // per neuron: its line's distance from the inside point
  std::vector<int> nearest_;       // the lines within 3x the polygon's reach of it
  bool planar_ = false;            // polygon_facets ran on the loaded region
  std::vector<signed char> edge_state_;
  std::vector<double> edge_point_, edge_margin_;
  std::vector<int> edge_neurons_;
  GeometryStats stats_;
};

}  // namespace regionwalk
