#include "regionwalk/ball_qp.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

void BallQp::build_dual(const RegionRows& rows) {
  const auto d = static_cast<size_t>(dom_.dim);
  near_.reset(dom_.dim);
  near_row_.clear();
  floor_.clear();
  better_.resize(d);
  row_.resize(d);
  double centre_norm = 0.0;
  for (double c : dom_.center) centre_norm += c * c;
  centre_norm = std::sqrt(centre_norm);
  const std::vector<int>& neurons = rows.neurons();
  for (size_t i = 0; i < neurons.size(); ++i) {
    const int k = neurons[i];
    // Slack at the centre >= r: no point of the ball violates the row.
    if (rows.distance(k, dom_.center.data()) >= dom_.radius * (1.0 + 1e-9)) continue;
    const double sg = rows.sign(k);
    const double* ua = rows.unit_a(k);
    for (size_t q = 0; q < d; ++q) row_[q] = -sg * ua[q];
    const double rhs = sg * rows.unit_c(k);
    near_.add_row(row_.data(), rhs);
    near_row_.push_back(static_cast<int>(i));
    // The slack at the centre, and a guard far above the rounding of it, of
    // a row's value at a point and of |x - c| (all relative ~1e-15).
    double slack = rhs;
    for (size_t q = 0; q < d; ++q) slack -= row_[q] * dom_.center[q];
    floor_.push_back(slack - 1e-9 * (dom_.radius + centre_norm + std::abs(rhs)));
  }
}

void BallQp::build(const ActiveSetLp& lp, int neuron_rows) {
  neuron_rows_ = neuron_rows;
  qp_.reset(dom_.dim);
  rhs_.resize(static_cast<size_t>(neuron_rows));
  for (int i = 0; i < neuron_rows; ++i) {
    qp_.add_row(lp.row(i), lp.rhs(i));  // the same row without its margin entry
    rhs_[static_cast<size_t>(i)] = lp.rhs(i);
  }
}

REGIONWALK_HOT double BallQp::checked_margin(const double* y) const {
  // Rows not near keep slack >= r at the centre, so >= the ball's gap at y;
  // nor does a row whose floor keeps it above the least slack so far.
  double m = ball_gap(y);
  const double reached = dom_.radius - m;  // |y - c|
  const bool skip = floors();
  for (int i : scan_) {
    if (skip && floor_[static_cast<size_t>(i)] - reached > m) continue;
    m = std::min(m, near_.rhs(i) - wide_dot(near_.row(i), y, static_cast<size_t>(dom_.dim)));
  }
  return m;
}

DualProjection::Status BallQp::project(const double* eq, double eq_rhs, double shrink, double* y,
                                       GeometryStats& stats) {
  const int max_iter = 50 * (dom_.dim + 1) + 2 * near_.rows() + 100;
  const DualProjection::Status st = dual_.solve(near_, dom_.dim, scan_, shrink, eq, eq_rhs, dom_.center.data(),
                                                dom_.radius - shrink, max_iter, y, floors() ? floor_.data() : nullptr);
  ++stats.qp_solves;
  stats.lp_iterations += dual_.last_iterations();
  return st;  // Undecided is no verdict yet: the primal solvers take over
}

BallQp::Verdict BallQp::decide(const double* eq, double eq_rhs, const std::vector<char>& excluded, double* x,
                               double* margin, GeometryStats& stats) {
  scan_.clear();
  for (int i = 0; i < near_.rows(); ++i)
    if (!excluded[static_cast<size_t>(near_row_[static_cast<size_t>(i)])]) scan_.push_back(i);
  // The decision: is there a point with margin just above tol?
  const DualProjection::Status st = project(eq, eq_rhs, tol_ * (1.0 + 1e-9), x, stats);
  if (st == DualProjection::Status::Beyond) {
    proof_rows_.clear();
    for (int i : dual_.proof_rows()) proof_rows_.push_back(near_row_[static_cast<size_t>(i)]);
    return Verdict::NoFacet;
  }
  if (st == DualProjection::Status::Undecided) return Verdict::Undecided;
  // A facet. Its nearest point keeps barely more than tol (rounding may even
  // eat that): a roomier witness, for a crossing that lands, shrinks by half
  // the ball's gap left there, then less and less down to a few tol.
  *margin = checked_margin(x);
  for (double shrink = 0.5 * ball_gap(x); shrink > 4.0 * std::max(*margin, tol_); shrink *= 0.0625) {
    if (project(eq, eq_rhs, shrink, better_.data(), stats) != DualProjection::Status::Within) continue;
    const double m = checked_margin(better_.data());
    if (m > *margin) {
      *margin = m;
      std::copy(better_.begin(), better_.end(), x);
    }
    break;
  }
  if (!(*margin > tol_)) return Verdict::Undecided;
  return Verdict::Facet;
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
