#include "regionwalk/region.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {
constexpr double kParallel = 1e-9;    // normals this close are the same direction
// The margin's coefficient in every inequality row (the LP maximises
// margin / kMarginCoef). Below 1 the rows share less of that one direction,
// so Gram-Schmidt cancels less and rarely needs its second pass.
constexpr double kMarginCoef = 0.5;
}  // namespace

RegionGeometry::RegionGeometry(const Domain& domain, const std::vector<signed char>& stable, double tol)
    : dom_(domain), stable_(stable), tol_(tol), d_(domain.dim), lp_(domain.dim + 1), qp_(domain.dim) {
  const auto n = static_cast<size_t>(d_) + 1;
  v_.assign(n, 0.0);
  objective_.assign(n, 0.0);
  objective_[n - 1] = 1.0;
  row_buf_.assign(n, 0.0);
}

void RegionGeometry::inward_normal(int j, double* out) const {
  const auto d = static_cast<size_t>(d_);
  const double sg = sign_[static_cast<size_t>(j)];
  for (size_t q = 0; q < d; ++q) out[q] = sg * unit_a_[static_cast<size_t>(j) * d + q];
}

double RegionGeometry::distance(int k, const double* x) const {
  const auto d = static_cast<size_t>(d_);
  const auto kk = static_cast<size_t>(k);
  double z = unit_c_[kk];
  for (size_t q = 0; q < d; ++q) z += unit_a_[kk * d + q] * x[q];
  return sign_[kk] * z;
}

REGIONWALK_HOT void RegionGeometry::load(const LocalForms& f, const Word* s) {
  // Only the unit forms here: the LP rows and the candidate list are built on
  // first use, since the 2D fast path answers most regions without them.
  const int N = f.neurons;
  const auto d = static_cast<size_t>(d_);
  row_of_.assign(static_cast<size_t>(N), -1);
  row_neurons_.clear();
  unit_a_.resize(static_cast<size_t>(N) * d);
  unit_c_.resize(static_cast<size_t>(N));
  sign_.resize(static_cast<size_t>(N));
  rows_built_ = candidates_built_ = planar_ = false;

  // Reciprocal norms over all neurons first, branch-free, so that they
  // vectorise. Stable neurons and forms that vanish on the region (constant
  // there, see LocalForms) get no row.
  norms_.assign(f.norm.begin(), f.norm.end());
  inv_norms_.resize(static_cast<size_t>(N));
  for (int k = 0; k < N; ++k) inv_norms_[static_cast<size_t>(k)] = 1.0 / norms_[static_cast<size_t>(k)];
  for (int k = 0; k < N; ++k) {
    const auto kk = static_cast<size_t>(k);
    if (stable_[kk] != 0 || f.flat[kk] || norms_[kk] == 0.0) continue;
    double* ua = &unit_a_[kk * d];
    const double inv = inv_norms_[kk];
    for (int q = 0; q < d_; ++q) ua[q] = f.coef(k, q) * inv;
    unit_c_[kk] = f.c[kk] * inv;
    sign_[kk] = get_bit(s, k) ? 1.0 : -1.0;
    row_of_[kk] = static_cast<int>(row_neurons_.size());
    row_neurons_.push_back(k);
  }
  neuron_rows_ = static_cast<int>(row_neurons_.size());
}

const std::vector<int>& RegionGeometry::candidates() {
  if (candidates_built_) return candidates_;
  candidates_.clear();
  const auto d = static_cast<size_t>(d_);
  for (int k : row_neurons_) {
    const auto kk = static_cast<size_t>(k);
    if (dom_.hyperplane_meets(&unit_a_[kk * d], unit_c_[kk])) candidates_.push_back(k);
  }
  candidates_built_ = true;
  return candidates_;
}

void RegionGeometry::build_rows() {
  if (rows_built_) return;
  rows_built_ = true;
  const auto d = static_cast<size_t>(d_);
  lp_.reset(d_ + 1);
  for (int k : row_neurons_) {
    const auto kk = static_cast<size_t>(k);
    const double sg = sign_[kk];
    for (size_t q = 0; q < d; ++q) row_buf_[q] = -sg * unit_a_[kk * d + q];
    row_buf_[d] = kMarginCoef;
    lp_.add_row(row_buf_.data(), sg * unit_c_[kk]);
  }
  if (dom_.kind == DomainKind::Ball) {
    qp_.reset(d_);
    qp_rhs_.resize(static_cast<size_t>(neuron_rows_));
    for (int i = 0; i < neuron_rows_; ++i) {
      qp_.add_row(lp_.row(i), lp_.rhs(i));  // the same row without its t entry
      qp_rhs_[static_cast<size_t>(i)] = lp_.rhs(i);
    }
  }
  // Domain rows.
  std::fill(row_buf_.begin(), row_buf_.end(), 0.0);
  row_buf_[d] = kMarginCoef;
  switch (dom_.kind) {
    case DomainKind::Box:
    case DomainKind::Ball:
      for (size_t q = 0; q < d; ++q) {
        const double lo = dom_.kind == DomainKind::Box ? dom_.lo[q] : dom_.center[q] - dom_.radius;
        const double hi = dom_.kind == DomainKind::Box ? dom_.hi[q] : dom_.center[q] + dom_.radius;
        row_buf_[q] = 1.0;
        lp_.add_row(row_buf_.data(), hi);
        row_buf_[q] = -1.0;
        lp_.add_row(row_buf_.data(), -lo);
        row_buf_[q] = 0.0;
      }
      break;
    case DomainKind::Whole:
      lp_.add_row(row_buf_.data(), dom_.scale());  // margins beyond the scale are not needed
      break;
  }
  base_rows_ = lp_.rows();
  working_.clear();
  for (int i = neuron_rows_; i < base_rows_; ++i) working_.push_back(i);
  in_working_.assign(static_cast<size_t>(base_rows_), 0);
  excluded_.assign(static_cast<size_t>(base_rows_), 0);
  for (int i : working_) in_working_[static_cast<size_t>(i)] = 1;
}

REGIONWALK_HOT void RegionGeometry::coincident(int j, std::vector<int>& group) const {
  group.clear();
  group.push_back(j);
  const auto d = static_cast<size_t>(d_);
  const double* aj = &unit_a_[static_cast<size_t>(j) * d];
  const double cj = unit_c_[static_cast<size_t>(j)];
  // Two hyperplanes are one if their normals agree and they stay within tol
  // of each other everywhere in the domain.
  double reach = dom_.scale();
  if (dom_.kind == DomainKind::Box) {
    reach = 0.0;
    for (size_t q = 0; q < d; ++q) reach += 0.25 * (dom_.hi[q] - dom_.lo[q]) * (dom_.hi[q] - dom_.lo[q]);
    reach = std::sqrt(reach);
  }
  const double aj0 = std::abs(aj[0]);
  // After polygon_facets, j carries an edge, so within `radius` of the inside
  // point: its coincident lines are within radius + tol, all in nearest_.
  const std::vector<int>& lines = planar_ ? nearest_ : row_neurons_;
  for (int k : lines) {
    if (k == j) continue;
    const double* ak = &unit_a_[static_cast<size_t>(k) * d];
    // Unit normals within kParallel agree to ~5e-5 in every coordinate (up to sign).
    if (std::abs(std::abs(ak[0]) - aj0) > 1e-4) continue;
    double dot = 0.0;
    for (size_t q = 0; q < d; ++q) dot += aj[q] * ak[q];
    if (std::abs(dot) < 1.0 - kParallel) continue;
    const double sg = dot > 0 ? 1.0 : -1.0;
    double diff = 0.0, offset = unit_c_[static_cast<size_t>(k)] - sg * cj;
    for (size_t q = 0; q < d; ++q) {
      const double e = ak[q] - sg * aj[q];
      diff += e * e;
      offset += e * dom_.center[q];
    }
    if (std::sqrt(diff) <= kParallel && std::abs(offset) + std::sqrt(diff) * reach <= tol_)
      group.push_back(k);
  }
}

REGIONWALK_HOT bool RegionGeometry::add_violated(const double* v, double t, const ActiveSetLp& solver,
                                       std::vector<int>& rows) {
  // Clarkson: every violated neuron row outside the working set joins it
  // (all at once: each re-solve costs about d iterations).
  bool added = false;
  const double eps = 1e-12 * dom_.scale();
  for (int i = 0; i < neuron_rows_; ++i) {
    if (in_working_[static_cast<size_t>(i)] || excluded_[static_cast<size_t>(i)]) continue;
    const double* g = solver.row(i);
    double viol = t - solver.rhs(i);
    for (int q = 0; q < d_; ++q) viol += g[q] * v[q];
    if (viol > eps) {
      working_.push_back(i);
      in_working_[static_cast<size_t>(i)] = 1;
      rows.push_back(i);
      added = true;
    }
  }
  return added;
}

double RegionGeometry::lp_margin(double* x, const std::vector<int>& equalities, bool* certified) {
  const auto d = static_cast<size_t>(d_);
  const int max_iter = 50 * (d_ + 1) + 2 * lp_.rows() + 100;
  // Stop early once the margin is comfortably large: a point well inside is
  // all that is needed, not the optimum.
  const double target = 0.25 * dom_.scale() / kMarginCoef;
  rows_.clear();
  for (int i : working_)
    if (!excluded_[static_cast<size_t>(i)]) rows_.push_back(i);
  *certified = false;
  for (int round = 0; round <= neuron_rows_; ++round) {
    std::copy(x, x + d, v_.begin());
    const LpStatus st = lp_.maximize(objective_.data(), v_.data(), equalities, rows_, target, max_iter, true);
    ++stats_.lp_solves;
    stats_.lp_iterations += lp_.last_iterations();
    if (st == LpStatus::IterationLimit || st == LpStatus::Unbounded) break;
    std::copy(v_.begin(), v_.begin() + static_cast<long>(d), x);
    const double t = kMarginCoef * v_[d];
    // A relaxation's optimum bounds the true margin from above.
    if (st == LpStatus::Optimal && t <= tol_) {
      *certified = true;
      certificate_.clear();
      certificate_lambda_.clear();
      certificate_mu_ = 0.0f;
      const std::vector<int>& active = lp_.active_rows();
      const std::vector<double>& lambda = lp_.multipliers();
      for (size_t a = 0; a < active.size(); ++a) {
        const int r = active[a];
        if (r >= base_rows_) {
          // The equality a_j.x/|a_j| = -c_j/|a_j|: its slack is -z_j/|a_j|.
          certificate_mu_ = static_cast<float>(-kMarginCoef * lambda[a] / norms_[static_cast<size_t>(eq_neuron_)]);
          continue;
        }
        const double lam = kMarginCoef * std::max(0.0, lambda[a]);  // for the margin t itself
        if (r < neuron_rows_) {
          const int k = row_neurons_[static_cast<size_t>(r)];
          certificate_.push_back(k);
          certificate_lambda_.push_back(static_cast<float>(lam / norms_[static_cast<size_t>(k)]));
        } else {
          certificate_.push_back(neuron_rows_ - 1 - r);
          certificate_lambda_.push_back(static_cast<float>(lam));
        }
      }
      certificate_valid_ = true;
      return t;
    }
    if (add_violated(x, t, lp_, rows_)) continue;
    *certified = true;
    return t;
  }
  ++stats_.undecided;
  return -INFINITY;
}

double RegionGeometry::ball_margin(double* x, double t, bool with_equality) {
  const auto d = static_cast<size_t>(d_);
  const double r = dom_.radius;
  auto ball_gap = [&](const double* y) {
    double s = 0.0;
    for (size_t q = 0; q < d; ++q) s += (y[q] - dom_.center[q]) * (y[q] - dom_.center[q]);
    return r - std::sqrt(s);
  };
  if (std::min(t, ball_gap(x)) > tol_) return std::min(t, ball_gap(x));
  const std::vector<double> start(x, x + d);
  std::vector<int> eq;
  if (with_equality) eq.push_back(qp_.add_row(lp_.row(eq_[0]), lp_.rhs(eq_[0])));
  const int max_iter = 50 * (d_ + 1) + 2 * neuron_rows_ + 100;
  double best = -INFINITY;
  // First a generous shrink (a well-centred witness), then just above tol
  // (the decision itself).
  for (double shrink : {0.5 * t, tol_ * (1.0 + 1e-9)}) {
    if (shrink < tol_ || (shrink < 0.5 * t && best > tol_)) continue;
    for (int i = 0; i < neuron_rows_; ++i) qp_.set_rhs(i, qp_rhs_[static_cast<size_t>(i)] - shrink);
    std::vector<int> rows;
    for (int i : working_)
      if (i < neuron_rows_ && !excluded_[static_cast<size_t>(i)]) rows.push_back(i);
    std::vector<double> y(start);
    for (int round = 0; round <= neuron_rows_; ++round) {
      std::copy(start.begin(), start.end(), y.begin());  // feasible for every row
      const LpStatus st = qp_.project(dom_.center.data(), y.data(), eq, rows, r - shrink, max_iter);
      ++stats_.qp_solves;
      stats_.lp_iterations += qp_.last_iterations();
      if (st == LpStatus::IterationLimit || st == LpStatus::Unbounded) {
        ++stats_.undecided;
        break;
      }
      if (add_violated(y.data(), 0.0, qp_, rows)) continue;
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

double RegionGeometry::maximise_margin(double* x, const std::vector<int>& equalities) {
  bool certified = false;
  const double t = lp_margin(x, equalities, &certified);
  if (!certified || t <= tol_ || dom_.kind != DomainKind::Ball) return t;
  return ball_margin(x, t, !equalities.empty());
}

bool RegionGeometry::facet(int j, const std::vector<int>& group, const double* inside, double* out,
                           double* margin) {
  build_rows();
  certificate_valid_ = false;
  const auto d = static_cast<size_t>(d_);
  const double* aj = &unit_a_[static_cast<size_t>(j) * d];
  const double cj = unit_c_[static_cast<size_t>(j)];
  for (int k : group) excluded_[static_cast<size_t>(row_of_[static_cast<size_t>(k)])] = 1;
  // Equality z_j = 0 (held tight by the solver), started from the projection
  // of the region's interior point onto the hyperplane.
  for (size_t q = 0; q < d; ++q) row_buf_[q] = aj[q];
  row_buf_[d] = 0.0;
  eq_.assign(1, lp_.add_row(row_buf_.data(), -cj));
  eq_neuron_ = j;
  double zj = cj;
  for (size_t q = 0; q < d; ++q) zj += aj[q] * inside[q];
  for (size_t q = 0; q < d; ++q) out[q] = inside[q] - zj * aj[q];
  const double m = maximise_margin(out, eq_);
  lp_.truncate(base_rows_);  // drop the equality row
  for (int k : group) excluded_[static_cast<size_t>(row_of_[static_cast<size_t>(k)])] = 0;
  *margin = m;
  return m > tol_;
}

bool RegionGeometry::facet_certificate(std::vector<int>& rows, std::vector<float>& lambdas, float* mu) const {
  if (!certificate_valid_) return false;
  rows = certificate_;
  lambdas = certificate_lambda_;
  *mu = certificate_mu_;
  return true;
}

REGIONWALK_HOT bool RegionGeometry::dual_certificate_holds(int j, const int* rows, const float* lambdas, int n, float mu, int m,
                                            std::vector<int>& out_rows, std::vector<float>& out_lambdas) {
  // The sum below must be bounded over the domain; in the whole space only
  // an exactly cancelling sum would be, so there the LP decides.
  if (dom_.kind == DomainKind::Whole || m < 0 || row_of_[static_cast<size_t>(m)] < 0) return false;
  build_rows();
  const auto d = static_cast<size_t>(d_);
  alpha_.assign(d, 0.0);
  double beta = 0.0, scale = 0.0;  // phi(x) = alpha.x + beta; t * scale <= phi on the LP's feasible set
  auto add_neuron = [&](int k, double w) {  // w times the unit row sigma_k (a_k.x + c_k)/|a_k|
    const auto kk = static_cast<size_t>(k);
    const double* ua = &unit_a_[kk * d];
    const double sw = sign_[kk] * w;
    for (size_t q = 0; q < d; ++q) alpha_[q] += sw * ua[q];
    beta += sw * unit_c_[kk];
  };
  for (int i = 0; i < n; ++i) {
    const int k = rows[i];
    const double lam = lambdas[i];
    if (k >= 0) {
      const double w = lam * norms_[static_cast<size_t>(k)];
      add_neuron(k, w);
      scale += w;
    } else {
      // Domain row x-part . x + t <= b: its slack is b - x-part . x.
      const int r = neuron_rows_ - 1 - k;
      const double* g = lp_.row(r);
      for (size_t q = 0; q < d; ++q) alpha_[q] -= lam * g[q];
      beta += lam * lp_.rhs(r);
      scale += lam;
    }
  }
  {
    const auto jj = static_cast<size_t>(j);
    const double w = static_cast<double>(mu) * norms_[jj];
    const double* ua = &unit_a_[jj * d];
    for (size_t q = 0; q < d; ++q) alpha_[q] += w * ua[q];
    beta += w * unit_c_[jj];
  }
  // The rows moved by a multiple of m's form: m's row (>= t here) cancels it
  // when its multiplier comes out non-negative.
  const auto mm = static_cast<size_t>(m);
  double wm = 0.0;
  for (size_t q = 0; q < d; ++q) wm -= alpha_[q] * sign_[mm] * unit_a_[mm * d + q];
  if (wm > 0.0) {
    add_neuron(m, wm);
    scale += wm;
  }
  // What is left of alpha goes to the LP's domain rows (a box; for the
  // ball its bounding box): +-x_q + t <= bound, each with multiplier |alpha_q|.
  double sup = beta;
  for (size_t q = 0; q < d; ++q) {
    const double lo = dom_.kind == DomainKind::Box ? dom_.lo[q] : dom_.center[q] - dom_.radius;
    const double hi = dom_.kind == DomainKind::Box ? dom_.hi[q] : dom_.center[q] + dom_.radius;
    sup += std::max(alpha_[q] * lo, alpha_[q] * hi);
    scale += std::abs(alpha_[q]);
  }
  if (!(scale > 0.0)) return false;
  if (!(sup <= tol_ * scale)) return false;
  out_rows.assign(rows, rows + n);
  out_lambdas.assign(lambdas, lambdas + n);
  if (wm > 0.0) {
    out_rows.push_back(m);
    out_lambdas.push_back(static_cast<float>(wm / norms_[mm]));
  }
  return true;
}

bool RegionGeometry::certificate_holds(const std::vector<int>& group, const int* rows, int n) const {
  for (int i = 0; i < n; ++i) {
    const int k = rows[i];
    if (k < 0) continue;  // a domain row: always there
    if (row_of_[static_cast<size_t>(k)] < 0 || std::find(group.begin(), group.end(), k) != group.end()) return false;
  }
  return true;
}

REGIONWALK_HOT bool RegionGeometry::polygon_facets(const double* inside) {
  if (d_ != 2 || dom_.kind == DomainKind::Whole) return false;
  const auto N = row_of_.size();
  edge_state_.assign(N, 0);
  edge_point_.assign(2 * N, 0.0);
  edge_margin_.assign(N, 0.0);
  // Start from the box (or the ball's bounding box), counter-clockwise.
  double lo[2], hi[2];
  for (int q = 0; q < 2; ++q) {
    const auto qq = static_cast<size_t>(q);
    lo[q] = dom_.kind == DomainKind::Box ? dom_.lo[qq] : dom_.center[qq] - dom_.radius;
    hi[q] = dom_.kind == DomainKind::Box ? dom_.hi[qq] : dom_.center[qq] + dom_.radius;
  }
  poly_x_.assign({lo[0], hi[0], hi[0], lo[0]});
  poly_y_.assign({lo[1], lo[1], hi[1], hi[1]});
  poly_label_.assign(4, -1);
  const double px0 = inside[0], py0 = inside[1];
  // Every vertex lies within `reach` of the inside point, so a line farther
  // away than that cannot cut the polygon: most lines are dismissed by their
  // distance alone once the nearest few have been clipped.
  auto reach = [&] {
    double r2 = 0.0;
    for (size_t i = 0; i < poly_x_.size(); ++i)
      r2 = std::max(r2, (poly_x_[i] - px0) * (poly_x_[i] - px0) + (poly_y_[i] - py0) * (poly_y_[i] - py0));
    return std::sqrt(r2) * (1.0 + 1e-12);
  };
  // The eight nearest lines, by insertion into a sorted array (cheaper than
  // a selection over all of them: after the first few, almost every line
  // fails the one comparison with the eighth).
  constexpr size_t kFirst = 8;
  std::pair<double, int> first[kFirst];
  size_t n_first = 0;
  line_dist_.assign(N, 0.0);
  for (int k : row_neurons_) {
    const auto kk = static_cast<size_t>(k);
    const double dk = sign_[kk] * (unit_a_[2 * kk] * px0 + unit_a_[2 * kk + 1] * py0 + unit_c_[kk]);
    line_dist_[kk] = dk;
    if (n_first == kFirst && dk >= first[kFirst - 1].first) continue;
    size_t at = n_first < kFirst ? n_first++ : kFirst - 1;
    for (; at > 0 && first[at - 1].first > dk; --at) first[at] = first[at - 1];
    first[at] = {dk, k};
  }
  // Keep sigma (a.x + c) >= 0 (Sutherland-Hodgman), labelling the new edge k.
  auto clip = [&](size_t k) {
    const double ax = sign_[k] * unit_a_[2 * k], ay = sign_[k] * unit_a_[2 * k + 1], c = sign_[k] * unit_c_[k];
    const size_t n = poly_x_.size();
    side_.resize(n);
    bool all_inside = true;
    for (size_t i = 0; i < n; ++i) {
      side_[i] = ax * poly_x_[i] + ay * poly_y_[i] + c;
      all_inside = all_inside && side_[i] >= 0;
    }
    if (all_inside) return false;
    next_x_.clear();
    next_y_.clear();
    next_label_.clear();
    for (size_t i = 0; i < n; ++i) {
      const size_t j = (i + 1) % n;
      const double fp = side_[i];
      const double fq = side_[j];
      if (fp >= 0) {
        next_x_.push_back(poly_x_[i]);
        next_y_.push_back(poly_y_[i]);
        next_label_.push_back(poly_label_[i]);
      }
      if ((fp >= 0) != (fq >= 0)) {
        const double t = fp / (fp - fq);
        next_x_.push_back(poly_x_[i] + t * (poly_x_[j] - poly_x_[i]));
        next_y_.push_back(poly_y_[i] + t * (poly_y_[j] - poly_y_[i]));
        // Leaving the half-plane: the edge from here runs along line k.
        next_label_.push_back(fp >= 0 ? static_cast<int>(k) : poly_label_[i]);
      }
    }
    poly_x_.swap(next_x_);
    poly_y_.swap(next_y_);
    poly_label_.swap(next_label_);
    return true;
  };
  // (Clipping twice by one line could split an edge at a rounding error:
  // the nearest eight are marked in edge_state_ meanwhile.)
  for (size_t i = 0; i < n_first && !poly_x_.empty(); ++i) {
    clip(static_cast<size_t>(first[i].second));
    edge_state_[static_cast<size_t>(first[i].second)] = -1;
  }
  double radius = reach();
  // On the way, the lines that can bound an edge's margin (see below): within
  // 3 radius of the inside point (radius only shrinks, so the list may hold
  // a few more).
  nearest_.clear();
  for (int k : row_neurons_) {
    if (poly_x_.empty()) break;
    const auto kk = static_cast<size_t>(k);
    if (line_dist_[kk] >= 3.0 * radius + 2.0 * tol_) continue;
    nearest_.push_back(k);
    if (edge_state_[kk] != 0 || line_dist_[kk] > radius) continue;
    if (clip(kk)) radius = reach();
  }
  for (size_t i = 0; i < n_first; ++i) edge_state_[static_cast<size_t>(first[i].second)] = 0;
  const size_t n = poly_x_.size();
  edge_neurons_.clear();
  for (size_t i = 0; i < n; ++i) {
    const int k = poly_label_[i];
    if (k < 0) continue;
    const auto kk = static_cast<size_t>(k);
    edge_neurons_.push_back(k);
    const size_t j = (i + 1) % n;
    double t0 = 0.0, t1 = 1.0;
    const double px = poly_x_[i], py = poly_y_[i], dx = poly_x_[j] - px, dy = poly_y_[j] - py;
    if (dom_.kind == DomainKind::Ball) {
      // The chord of the edge inside the disc.
      const double ox = px - dom_.center[0], oy = py - dom_.center[1];
      const double qa = dx * dx + dy * dy, qb = 2 * (ox * dx + oy * dy);
      const double qc = ox * ox + oy * oy - dom_.radius * dom_.radius;
      const double disc = qb * qb - 4 * qa * qc;
      if (qa > 0 && disc > 0) {
        const double s = std::sqrt(disc);
        t0 = std::max(0.0, (-qb - s) / (2 * qa));
        t1 = std::min(1.0, (-qb + s) / (2 * qa));
      } else {
        t1 = -1.0;  // the edge's line misses the disc
      }
    }
    edge_state_[kk] = 2;  // an edge of the polygon: a facet unless too thin
    if (t1 <= t0) continue;
    const double x[2] = {px + 0.5 * (t0 + t1) * dx, py + 0.5 * (t0 + t1) * dy};
    // Margin at that point: every other row, and the domain.
    double m = dom_.kind == DomainKind::Box
                   ? std::min({x[0] - dom_.lo[0], dom_.hi[0] - x[0], x[1] - dom_.lo[1], dom_.hi[1] - x[1]})
                   : dom_.radius - std::hypot(x[0] - dom_.center[0], x[1] - dom_.center[1]);
    // A line at distance D from the inside point is at least D - rho from
    // x: lines that cannot lower m are passed over; the polygon's own edges,
    // likeliest to lower it, go first. Only the lines within 3 radius are
    // looked at: the others are at least 2 radius from x, while the polygon's
    // other edges (or the domain) are within 2 radius. Should that fail (a
    // degenerate polygon), every line is looked at.
    const double rho = std::hypot(x[0] - px0, x[1] - py0) * (1.0 + 1e-12);
    auto lower = [&](size_t r) {
      if (r == kk || row_of_[r] < 0 || line_dist_[r] - rho >= m) return;
      const double dist = sign_[r] * (unit_a_[2 * r] * x[0] + unit_a_[2 * r + 1] * x[1] + unit_c_[r]);
      // rows coincident with k are the same facet; they do not bound it
      const double dot = unit_a_[2 * r] * unit_a_[2 * kk] + unit_a_[2 * r + 1] * unit_a_[2 * kk + 1];
      if (std::abs(dist) <= tol_ && std::abs(dot) > 1.0 - 1e-9) return;
      m = std::min(m, dist);
    };
    for (size_t e = 0; e < n && m > tol_; ++e)
      if (poly_label_[e] >= 0) lower(static_cast<size_t>(poly_label_[e]));
    for (const int line : nearest_) {
      if (!(m > tol_)) break;
      lower(static_cast<size_t>(line));
    }
    if (m > 2.0 * radius)
      for (size_t q = 0; q < N && m > tol_; ++q) lower(q);
    if (m > tol_) {
      edge_state_[kk] = 1;
      edge_point_[2 * kk] = x[0];
      edge_point_[2 * kk + 1] = x[1];
      edge_margin_[kk] = m;
    }
  }
  planar_ = true;
  return true;
}

EdgeVerdict RegionGeometry::polygon_edge(int j, double* point, double* margin) const {
  const auto jj = static_cast<size_t>(j);
  if (edge_state_[jj] == 1) {
    point[0] = edge_point_[2 * jj];
    point[1] = edge_point_[2 * jj + 1];
    *margin = edge_margin_[jj];
    return EdgeVerdict::Certified;
  }
  return edge_state_[jj] == 2 ? EdgeVerdict::TooThin : EdgeVerdict::NotAnEdge;
}

double RegionGeometry::interior_point(const double* start, double* out) {
  build_rows();
  std::copy(start, start + d_, out);
  eq_.clear();
  const double m = maximise_margin(out, eq_);
  lp_.truncate(base_rows_);
  return m;
}

}  // namespace regionwalk
