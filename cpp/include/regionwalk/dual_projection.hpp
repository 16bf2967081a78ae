// The point of a polyhedron nearest a centre c, by Goldfarb and Idnani's dual
// active-set method with the identity as Hessian (DESIGN.md section 2.4, the
// ball's facet test):
//   minimise |x - c|  subject to  a.x = b  and  n_i.x <= h_i - shrink.
// It starts at c, where every row may be violated, and adds violated rows one
// at a time; |x - c| only grows. That suits the ball, where most tests end in
// "no facet": as soon as |x - c| reaches the ball's radius, the multipliers so
// far give a Lagrangian lower bound on the distance that proves it, without a
// feasible point ever being found. Infeasibility ends the same way (a ray of
// the dual). Every verdict is re-checked from the rows: a lower bound from
// clamped multipliers, or the point's slacks; what fails the check is left
// Undecided for the primal solvers.
#pragma once
#include <vector>

#include "regionwalk/lp.hpp"

namespace regionwalk {

class DualProjection {
 public:
  enum class Status {
    Within,     // x: the nearest point, closer than `reach` (not yet checked against the rows)
    Beyond,     // certified: no point of the polyhedron is closer than `reach`
    Undecided,  // iteration limit, or a bound the rounding does not certify
  };

  // `rows`: n_i (the first `dim` entries of rows.row(i)) and h_i = rows.rhs(i),
  // unshrunk; only the rows listed in `scan` are looked at. `eq`, when not
  // null, is the equality's normal (dim entries) with right-hand side eq_rhs.
  // `floor`, when not null, holds per row an F_i with slack_i(x) >= F_i -
  // |x - c| everywhere, rounding included (unit n_i: the slack at the centre
  // less a guard). The search for the most violated row then passes over the
  // rows with F_i above |x - c| plus the shrink, which cannot be violated at
  // x: the same rows are chosen, and the answer is the same to the bit.
  Status solve(const ActiveSetLp& rows, int dim, const std::vector<int>& scan, double shrink, const double* eq,
               double eq_rhs, const double* centre, double reach, int max_iterations, double* x,
               const double* floor = nullptr);

  // After Beyond: the rows of the certificate (indices into `rows`) and their
  // multipliers (the equality's left out).
  const std::vector<int>& proof_rows() const { return proof_rows_; }
  const std::vector<double>& proof_multipliers() const { return proof_u_; }
  int last_iterations() const { return iterations_; }

 private:
  struct Problem;
  // Adds row p (or the equality, p = -1) to the active set, stepping x and
  // the multipliers; false when it proves the polyhedron empty (a dual ray).
  enum class Added { Yes, Infeasible, Limit };
  Added add(const Problem& pb, int p, double* x);
  // z = normal less its part in the span of the first k active columns (qn = Q^T normal);
  // false when nothing is left (the normal depends on them).
  bool orthogonalise(const double* normal, std::size_t k, double* qn, double* z) const;
  void rebuild();                                                        // QR of the active normals
  void drop(std::size_t at);
  bool certify_bound(const Problem& pb, int pending, double pending_u, const double* ray_r, double ray_t);

  int n_ = 0, iterations_ = 0, limit_ = 0;
  bool beyond_ = false;  // set by add() when the distance passed `reach` and the bound certified it
  std::vector<int> active_;         // row indices; -1 is the equality
  std::vector<double> u_;           // their multipliers
  std::vector<double> normals_;     // active normals, n_ each (the equality's oriented)
  std::vector<double> Q_, R_;       // A_W = Q R: Q n x k orthonormal columns, R k x k upper triangular
  std::vector<double> qn_, z_, r_, w_, eq_normal_;
  std::vector<double> anchor_, near_floor_;  // x0 and the rows' floors there (see solve)
  double eq_rhs_ = 0.0;
  std::vector<int> proof_rows_;
  std::vector<double> proof_u_;
};

}  // namespace regionwalk
