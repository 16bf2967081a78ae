#include "regionwalk/lp_solver.hpp"

#include <algorithm>
#include <cmath>

namespace regionwalk {

namespace {

// Loosens the listed rows for its lifetime; their right-hand sides come back
// however the solve ends (a solver may throw).
class Loosened {
 public:
  Loosened(ActiveSetLp& rows, const std::vector<int>& listed, double loosen) : rows_(rows), listed_(listed) {
    b_.reserve(listed.size());
    for (size_t i = 0; i < listed.size(); ++i) {
      b_.push_back(rows.rhs(listed[i]));
      // Distinct amounts in [loosen / 2, loosen] (golden-ratio steps): equal ones would tie again.
      const double frac = std::fmod(0.6180339887498949 * static_cast<double>(i + 1), 1.0);
      rows.set_rhs(listed[i], b_[i] + loosen * (0.5 + 0.5 * frac));
    }
  }
  Loosened(const Loosened&) = delete;
  Loosened& operator=(const Loosened&) = delete;
  ~Loosened() {
    for (size_t i = 0; i < b_.size(); ++i) rows_.set_rhs(listed_[i], b_[i]);
  }

 private:
  ActiveSetLp& rows_;
  const std::vector<int>& listed_;
  std::vector<double> b_;
};

}  // namespace

LpStatus maximize_loosened(LpSolver& solver, ActiveSetLp& rows, const double* c, double* v,
                           const std::vector<int>& equalities, const std::vector<int>& listed, double loosen,
                           int max_iterations, bool lift_last, double* bound) {
  LpStatus st = LpStatus::IterationLimit;
  {
    const Loosened loosened(rows, listed, loosen);
    st = solver.maximize(rows, c, v, equalities, listed, INFINITY, max_iterations, lift_last);
  }
  if (st != LpStatus::Optimal) return st;
  // c = sum lambda_a row_a, lambda >= 0 on inequalities: c.v <= sum lambda_a b_a.
  const std::vector<int>& active = solver.active_rows();
  const std::vector<double>& lambda = solver.multipliers();
  std::vector<char> is_eq(static_cast<size_t>(rows.rows()), 0);
  for (int e : equalities) is_eq[static_cast<size_t>(e)] = 1;
  double sum = 0.0;
  for (size_t a = 0; a < active.size(); ++a) {
    const double lam = is_eq[static_cast<size_t>(active[a])] ? lambda[a] : std::max(0.0, lambda[a]);
    sum += lam * rows.rhs(active[a]);
  }
  *bound = sum;
  return st;
}

LpStatus ExternalSolver::maximize(ActiveSetLp& rows, const double* c, double* v, const std::vector<int>& equalities,
                                  const std::vector<int>& listed, double /*target*/, int /*max_iterations*/,
                                  bool /*lift_last*/) {
  // Equalities first, then the listed inequalities, in the caller's order.
  const int n = rows.variables();
  std::vector<int> order(equalities);
  order.insert(order.end(), listed.begin(), listed.end());
  problem_.n = n;
  problem_.A.clear();
  problem_.b.clear();
  problem_.equality.clear();
  for (size_t i = 0; i < order.size(); ++i) {
    problem_.A.insert(problem_.A.end(), rows.row(order[i]), rows.row(order[i]) + n);
    problem_.b.push_back(rows.rhs(order[i]));
    problem_.equality.push_back(i < equalities.size() ? 1 : 0);
  }
  problem_.c.assign(c, c + n);
  problem_.v.assign(v, v + n);
  solution_ = LpSolution{};
  solve_(problem_, solution_);
  iterations_ = solution_.iterations;
  active_.clear();
  multipliers_.clear();
  if (solution_.status == LpStatus::Optimal || solution_.status == LpStatus::TargetReached) {
    std::copy(solution_.v.begin(), solution_.v.end(), v);
    for (size_t a = 0; a < solution_.active.size(); ++a) {
      active_.push_back(order[static_cast<size_t>(solution_.active[a])]);
      multipliers_.push_back(solution_.multipliers[a]);
    }
  }
  return solution_.status;
}

}  // namespace regionwalk
