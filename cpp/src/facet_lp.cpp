#include "regionwalk/facet_lp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "regionwalk/ball_qp.hpp"
#include "regionwalk/simd.hpp"

namespace regionwalk {

int domain_rows(const Domain& dom) { return dom.kind == DomainKind::Whole ? 1 : 2 * dom.dim; }

DomainRow domain_row(const Domain& dom, int index) {
  if (dom.kind == DomainKind::Whole) return {-1, 0.0, dom.scale()};  // margins beyond the scale are not needed
  const auto q = static_cast<size_t>(index / 2);
  const double lo = dom.kind == DomainKind::Box ? dom.lo[q] : dom.center[q] - dom.radius;
  const double hi = dom.kind == DomainKind::Box ? dom.hi[q] : dom.center[q] + dom.radius;
  return index % 2 == 0 ? DomainRow{index / 2, 1.0, hi} : DomainRow{index / 2, -1.0, -lo};
}

REGIONWALK_HOT bool WorkingSet::add_violated(const ActiveSetLp& solver, int neuron_rows, int d, const double* v,
                                             double t, double eps, std::vector<int>& rows) {
  bool added = false;
  for (int i = 0; i < neuron_rows; ++i) {
    if (in_working[static_cast<size_t>(i)] || excluded[static_cast<size_t>(i)]) continue;
    const double* g = solver.row(i);
    double viol = t - solver.rhs(i);
    for (int q = 0; q < d; ++q) viol += g[q] * v[q];
    if (viol > eps) {
      working.push_back(i);
      in_working[static_cast<size_t>(i)] = 1;
      rows.push_back(i);
      added = true;
    }
  }
  return added;
}

FacetLp::FacetLp(const Domain& domain, double tol, std::unique_ptr<LpSolver> solver)
    : dom_(domain), tol_(tol), d_(domain.dim), solver_(solver ? std::move(solver) : std::make_unique<DenseSolver>()),
      lp_(domain.dim + 1) {
  if (dom_.kind == DomainKind::Ball) qp_ = std::make_unique<BallQp>(dom_, tol_);
  const auto n = static_cast<size_t>(d_) + 1;
  v_.assign(n, 0.0);
  objective_.assign(n, 0.0);
  objective_[n - 1] = 1.0;
  row_buf_.assign(n, 0.0);
}

FacetLp::~FacetLp() = default;

void FacetLp::build(const RegionRows& rows) {
  if (built_for_ == rows.generation()) return;
  built_for_ = rows.generation();
  lp_built_ = false;
  neuron_rows_ = static_cast<int>(rows.neurons().size());
  ws_.excluded.assign(static_cast<size_t>(neuron_rows_ + domain_rows(dom_)), 0);
  if (qp_)
    qp_->build_dual(rows);  // the ball's dual test needs no LP: that waits for a fallback
  else
    build_lp(rows);
}

void FacetLp::build_lp(const RegionRows& rows) {
  if (lp_built_) return;
  lp_built_ = true;
  const auto d = static_cast<size_t>(d_);
  lp_.reset(d_ + 1);
  for (int k : rows.neurons()) {
    const double sg = rows.sign(k);
    const double* ua = rows.unit_a(k);
    for (size_t q = 0; q < d; ++q) row_buf_[q] = -sg * ua[q];
    row_buf_[d] = kMarginCoef;
    lp_.add_row(row_buf_.data(), sg * rows.unit_c(k));
  }
  neuron_rows_ = lp_.rows();
  if (qp_) qp_->build(lp_, neuron_rows_);
  std::fill(row_buf_.begin(), row_buf_.end(), 0.0);
  row_buf_[d] = kMarginCoef;
  for (int i = 0; i < domain_rows(dom_); ++i) {
    const DomainRow r = domain_row(dom_, i);
    if (r.axis >= 0) row_buf_[static_cast<size_t>(r.axis)] = r.sign;
    lp_.add_row(row_buf_.data(), r.rhs);
    if (r.axis >= 0) row_buf_[static_cast<size_t>(r.axis)] = 0.0;
  }
  base_rows_ = lp_.rows();
  ws_.working.clear();
  for (int i = neuron_rows_; i < base_rows_; ++i) ws_.working.push_back(i);
  ws_.in_working.assign(static_cast<size_t>(base_rows_), 0);
  for (int i : ws_.working) ws_.in_working[static_cast<size_t>(i)] = 1;
}

void FacetLp::take_proof(const RegionRows& rows, int eq_neuron, NoFacetProof* proof) const {
  proof->valid = true;
  proof->rows.clear();
  proof->lambdas.clear();
  proof->mu = 0.0f;
  const std::vector<int>& active = solver_->active_rows();
  const std::vector<double>& lambda = solver_->multipliers();
  for (size_t a = 0; a < active.size(); ++a) {
    const int r = active[a];
    if (r >= base_rows_) {
      // The equality a_j.x/|a_j| = -c_j/|a_j|: its slack is -z_j/|a_j|.
      proof->mu = static_cast<float>(-kMarginCoef * lambda[a] / rows.norm(eq_neuron));
      continue;
    }
    const double lam = kMarginCoef * std::max(0.0, lambda[a]);  // for the margin t itself
    if (r < neuron_rows_) {
      const int k = rows.neurons()[static_cast<size_t>(r)];
      proof->rows.push_back(k);
      proof->lambdas.push_back(static_cast<float>(lam / rows.norm(k)));
    } else {
      proof->rows.push_back(neuron_rows_ - 1 - r);
      proof->lambdas.push_back(static_cast<float>(lam));
    }
  }
}

double FacetLp::lp_margin(const RegionRows& rows, double* x, int eq_neuron, bool* certified, NoFacetProof* proof) {
  const auto d = static_cast<size_t>(d_);
  const int max_iter = 50 * (d_ + 1) + 2 * lp_.rows() + 100;
  // Stop early once the margin is comfortably large: a point well inside is
  // all that is needed, not the optimum.
  const double target = 0.25 * dom_.scale() / kMarginCoef;
  rows_.clear();
  for (int i : ws_.working)
    if (!ws_.excluded[static_cast<size_t>(i)]) rows_.push_back(i);
  *certified = false;
  for (int round = 0; round <= neuron_rows_; ++round) {
    std::copy(x, x + d, v_.begin());
    const LpStatus st = solver_->maximize(lp_, objective_.data(), v_.data(), eq_, rows_, target, max_iter, true);
    ++stats_.lp_solves;
    stats_.lp_iterations += solver_->last_iterations();
    double bound = INFINITY;
    if (st == LpStatus::IterationLimit && settle_loosened(rows, x, eq_neuron, max_iter, &bound, proof)) {
      *certified = true;
      return bound;
    }
    if (st == LpStatus::IterationLimit || st == LpStatus::Unbounded) break;
    std::copy(v_.begin(), v_.begin() + static_cast<long>(d), x);
    const double t = kMarginCoef * v_[d];
    // A relaxation's optimum bounds the true margin from above.
    if (st == LpStatus::Optimal && t <= tol_) {
      *certified = true;
      if (proof != nullptr) take_proof(rows, eq_neuron, proof);
      return t;
    }
    if (ws_.add_violated(lp_, neuron_rows_, d_, x, t, 1e-12 * dom_.scale(), rows_)) continue;
    *certified = true;
    return t;
  }
  ++stats_.undecided;
  return -INFINITY;
}

// The LP cycled (a degenerate vertex): loosened by far less than tol, it
// ends, and its multipliers bound the margin with the true rows. At most tol
// settles "no facet" (the bound in *margin), with those multipliers as the
// proof; anything else leaves the test undecided.
bool FacetLp::settle_loosened(const RegionRows& rows, const double* x, int eq_neuron, int max_iter, double* margin,
                              NoFacetProof* proof) {
  std::copy(x, x + d_, v_.begin());
  double bound = INFINITY;
  const LpStatus st = maximize_loosened(*solver_, lp_, objective_.data(), v_.data(), eq_, rows_, 1e-3 * tol_, max_iter,
                                        true, &bound);
  ++stats_.lp_solves;
  stats_.lp_iterations += solver_->last_iterations();
  *margin = kMarginCoef * bound;
  if (st != LpStatus::Optimal || !(*margin <= tol_)) return false;
  if (proof != nullptr) take_proof(rows, eq_neuron, proof);
  return true;
}

double FacetLp::maximise_margin(const RegionRows& rows, double* x, int eq_neuron, NoFacetProof* proof) {
  bool certified = false;
  if (proof != nullptr) proof->valid = false;
  const double t = lp_margin(rows, x, eq_neuron, &certified, proof);
  if (!certified || t <= tol_ || !qp_) return t;
  return qp_->margin(lp_, eq_.empty() ? -1 : eq_[0], x, t, ws_, stats_);
}

bool FacetLp::facet(const RegionRows& rows, int j, const std::vector<int>& group, const double* inside,
                    double* point, double* margin, NoFacetProof* proof) {
  build(rows);
  const auto d = static_cast<size_t>(d_);
  const double* aj = rows.unit_a(j);
  const double cj = rows.unit_c(j);
  for (int k : group) ws_.excluded[static_cast<size_t>(rows.row_of(k))] = 1;
  if (qp_ && ball_verdict(rows, j, point, margin, proof)) {
    for (int k : group) ws_.excluded[static_cast<size_t>(rows.row_of(k))] = 0;
    return *margin > tol_;
  }
  build_lp(rows);
  // Equality z_j = 0 (held tight by the solver), started from the projection
  // of the region's interior point onto the hyperplane.
  for (size_t q = 0; q < d; ++q) row_buf_[q] = aj[q];
  row_buf_[d] = 0.0;
  eq_.assign(1, lp_.add_row(row_buf_.data(), -cj));
  double zj = cj;
  for (size_t q = 0; q < d; ++q) zj += aj[q] * inside[q];
  for (size_t q = 0; q < d; ++q) point[q] = inside[q] - zj * aj[q];
  double m = maximise_margin(rows, point, j, proof);
  // The point must lie on the hyperplane within its margin. Projecting from
  // far away leaves a residual that the LP's steps keep; on a piece that
  // thin, solve again from the point projected where it now is.
  if (m > tol_ && std::abs(rows.sign(j) * rows.distance(j, point)) > 0.5 * m) {
    zj = cj;
    for (size_t q = 0; q < d; ++q) zj += aj[q] * point[q];
    for (size_t q = 0; q < d; ++q) point[q] -= zj * aj[q];
    m = maximise_margin(rows, point, j, proof);
  }
  finish_facet(rows, group);
  *margin = m;
  return m > tol_;
}

void FacetLp::finish_facet(const RegionRows& rows, const std::vector<int>& group) {
  lp_.truncate(base_rows_);  // drop the equality row
  eq_.clear();
  for (int k : group) ws_.excluded[static_cast<size_t>(rows.row_of(k))] = 0;
}

bool FacetLp::ball_verdict(const RegionRows& rows, int j, double* point, double* margin, NoFacetProof* proof) {
  if (proof != nullptr) proof->valid = false;
  const BallQp::Verdict v = qp_->decide(rows.unit_a(j), -rows.unit_c(j), ws_.excluded, point, margin, stats_);
  if (v == BallQp::Verdict::Undecided) return false;
  if (v == BallQp::Verdict::NoFacet) {
    *margin = -INFINITY;
    if (proof != nullptr) {
      // Rows and multipliers of a Lagrangian bound: valid where the rows and
      // the hyperplane are unchanged; mu = NaN marks it as no LP dual.
      proof->valid = true;
      proof->rows.clear();
      proof->lambdas.clear();
      for (size_t i = 0; i < qp_->proof_rows().size(); ++i) {
        proof->rows.push_back(rows.neurons()[static_cast<size_t>(qp_->proof_rows()[i])]);
        proof->lambdas.push_back(static_cast<float>(qp_->proof_multipliers()[i]));
      }
      proof->mu = std::numeric_limits<float>::quiet_NaN();
    }
  }
  return true;
}

double FacetLp::interior_point(const RegionRows& rows, const double* start, double* out) {
  build(rows);
  build_lp(rows);
  std::copy(start, start + d_, out);
  eq_.clear();
  const double m = maximise_margin(rows, out, -1, nullptr);
  lp_.truncate(base_rows_);
  return m;
}

}  // namespace regionwalk
