#include "regionwalk/ball_qp.hpp"

#include <cmath>

namespace regionwalk {

void BallQp::build(const ActiveSetLp& lp, int neuron_rows) {
  neuron_rows_ = neuron_rows;
  qp_.reset(dom_.dim);
  rhs_.resize(static_cast<size_t>(neuron_rows));
  for (int i = 0; i < neuron_rows; ++i) {
    qp_.add_row(lp.row(i), lp.rhs(i));  // the same row without its margin entry
    rhs_[static_cast<size_t>(i)] = lp.rhs(i);
  }
}

double BallQp::ball_gap(const double* y) const {
  double s = 0.0;
  for (size_t q = 0; q < static_cast<size_t>(dom_.dim); ++q) s += (y[q] - dom_.center[q]) * (y[q] - dom_.center[q]);
  return dom_.radius - std::sqrt(s);
}

double BallQp::margin(const ActiveSetLp& lp, int eq_row, double* x, double t, WorkingSet& ws, GeometryStats& stats) {
  const auto d = static_cast<size_t>(dom_.dim);
  const double r = dom_.radius;
  if (std::min(t, ball_gap(x)) > tol_) return std::min(t, ball_gap(x));
  const std::vector<double> start(x, x + d);
  std::vector<int> eq;
  if (eq_row >= 0) eq.push_back(qp_.add_row(lp.row(eq_row), lp.rhs(eq_row)));
  const int max_iter = 50 * (dom_.dim + 1) + 2 * neuron_rows_ + 100;
  double best = -INFINITY;
  // First a generous shrink (a well-centred witness), then just above tol
  // (the decision itself).
  for (double shrink : {0.5 * t, tol_ * (1.0 + 1e-9)}) {
    if (shrink < tol_ || (shrink < 0.5 * t && best > tol_)) continue;
    for (int i = 0; i < neuron_rows_; ++i) qp_.set_rhs(i, rhs_[static_cast<size_t>(i)] - shrink);
    std::vector<int> rows;
    for (int i : ws.working)
      if (i < neuron_rows_ && !ws.excluded[static_cast<size_t>(i)]) rows.push_back(i);
    std::vector<double> y(start);
    for (int round = 0; round <= neuron_rows_; ++round) {
      std::copy(start.begin(), start.end(), y.begin());  // feasible for every row
      const LpStatus st = qp_.project(dom_.center.data(), y.data(), eq, rows, r - shrink, max_iter);
      ++stats.qp_solves;
      stats.lp_iterations += qp_.last_iterations();
      if (st == LpStatus::IterationLimit || st == LpStatus::Unbounded) {
        ++stats.undecided;
        break;
      }
      if (ws.add_violated(qp_, neuron_rows_, dom_.dim, y.data(), 0.0, 1e-12 * dom_.scale(), rows)) continue;
      const double m = std::min(shrink, ball_gap(y.data()));
      if (m > best) {
        best = m;
        std::copy(y.begin(), y.end(), x);
      }
      break;
    }
    if (best > tol_) break;
  }
  qp_.truncate(neuron_rows_);
  return best;
}

}  // namespace regionwalk
