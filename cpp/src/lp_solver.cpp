#include "regionwalk/lp_solver.hpp"

#include <algorithm>

namespace regionwalk {

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
