// A dense primal active-set LP solver for the tiny, tall problems of the walk:
// maximise c.v subject to A v <= b, with few variables (d + 1) and up to a few
// hundred rows. It starts from a feasible point supplied by the caller (the
// walk always has one: lowering the margin variable satisfies every row), so
// it needs no phase 1, and it can stop as soon as the objective reaches a
// target. Degenerate steps switch to Bland's rule, which rules out cycling.
#pragma once
#include <cstddef>
#include <vector>

namespace regionwalk {

enum class LpStatus { Optimal, TargetReached, Unbounded, IterationLimit };

class ActiveSetLp {
 public:
  explicit ActiveSetLp(int variables = 0) { reset(variables); }

  void reset(int variables);             // drop all rows, set the number of variables
  int variables() const { return n_; }
  int rows() const { return m_; }
  int add_row(const double* a, double b);  // returns the row's index
  void truncate(int rows);                 // drop rows >= `rows`
  const double* row(int i) const { return &A_[static_cast<std::size_t>(i) * static_cast<std::size_t>(stride_)]; }
  double rhs(int i) const { return b_[static_cast<std::size_t>(i)]; }

  // Maximise c.v over the rows listed in `rows` from the feasible point v
  // (updated in place). Rows listed in `equalities` must be tight at v and stay
  // tight (they are never released). `lift_last`: every listed row has the
  // same positive coefficient on the last variable (a margin); it is set to
  // its largest feasible value first, which makes any x feasible and saves
  // the first, degenerate step.
  LpStatus maximize(const double* c, double* v, const std::vector<int>& equalities,
                    const std::vector<int>& rows, double target, int max_iterations, bool lift_last = false);
  // Minimise |x - point| over the rows listed in `rows` (a projection QP)
  // from the feasible x (updated in place); stops once |x - point| <= target.
  // The same active-set machinery: steps toward the projection onto the
  // active rows' affine set, releasing rows whose multipliers turn negative.
  LpStatus project(const double* point, double* x, const std::vector<int>& equalities,
                   const std::vector<int>& rows, double target, int max_iterations);
  void set_rhs(int row, double b) { b_[static_cast<std::size_t>(row)] = b; }
  int last_iterations() const { return iterations_; }
  // Rows tight at the last solution: at an optimum, the rows that certify it.
  const std::vector<int>& active_rows() const { return active_; }
  // After Optimal: the multipliers of the active rows (same order), c = A_W^T lambda.
  const std::vector<double>& multipliers() const { return lambda_; }

 private:
  bool append_active(int row);  // orthogonalise row into Q/R; false if dependent
  void start_active(const std::vector<int>& equalities);
  // Releases the active row with the most negative multiplier (Bland's rule
  // after degenerate steps); false when none is negative. `rhs` = Q^T g.
  bool release_negative(const double* rhs, bool degenerate);
  double project_out_active(double* p) const;  // p less its components along the active rows; its new norm
  void start_slacks(const std::vector<int>& rows, const double* v);
  // Index into `rows` of the first row hit along dir (-1: none within *step);
  // fills dir_dot_ for advance().
  int ratio_test(const std::vector<int>& rows, const double* dir, double dir_norm, double* step);
  void advance(double* v, double step, int block_idx);  // v += step p_, slacks follow
  void remove_active(std::size_t leave);  // drops an active row, QR updated by Givens rotations
  // Rows are stored zero-padded to a multiple of 4: four independent partial
  // sums vectorise without reassociating anything. v must be padded too.
  double dot_padded(int i, const double* v) const {
    const double* a = row(i);
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (int k = 0; k < stride_; k += 4) {
      s0 += a[k] * v[k];
      s1 += a[k + 1] * v[k + 1];
      s2 += a[k + 2] * v[k + 2];
      s3 += a[k + 3] * v[k + 3];
    }
    return (s0 + s1) + (s2 + s3);
  }

  int n_ = 0, stride_ = 0, m_ = 0, iterations_ = 0;
  int released_ = -1;  // the row release_negative() last released
  std::vector<double> A_, b_;
  std::vector<char> in_active_;
  // Active set W and the QR factors of A_W^T: Q is n x k (columns), R is k x k.
  std::vector<int> active_;
  std::vector<char> fixed_;      // per active entry: an equality, never released
  std::vector<int> dependent_;   // rows that blocked but depend on the active ones (flagged in in_active_)
  std::vector<double> Q_, R_;
  std::vector<double> p_, work_, lambda_;
  std::vector<double> slack_, dir_dot_, padded_, cols_;  // per listed row: b - a.v, and a.p of the last ratio test
};

}  // namespace regionwalk
