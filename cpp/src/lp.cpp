#include "regionwalk/lp.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {
constexpr double kDirEps = 1e-12;     // a row blocks only if it grows along p by more than this
constexpr double kNullEps = 1e-11;    // projected gradient below this means "at a vertex of W"
constexpr double kDualEps = 1e-10;    // multipliers above -this count as non-negative
constexpr double kRecancel = 1e-3;    // |p| below this times |c|: project p once more
}  // namespace

void ActiveSetLp::reset(int variables) {
  n_ = variables;
  stride_ = (variables + 3) / 4 * 4;
  m_ = 0;
  A_.clear();
  b_.clear();
  const auto n = static_cast<size_t>(n_);
  // Not zeroed: append_active writes each column before it is read (a reset
  // per region would otherwise clear 2 n^2 doubles, 6 % of a 64-D ball walk).
  Q_.resize(n * n);
  R_.resize(n * n);
  p_.assign(static_cast<size_t>(stride_), 0.0);
  padded_.assign(static_cast<size_t>(stride_), 0.0);
  work_.assign(n, 0.0);
  lambda_.assign(n, 0.0);
}

int ActiveSetLp::add_row(const double* a, double b) {
  A_.insert(A_.end(), a, a + n_);
  A_.resize(A_.size() + static_cast<size_t>(stride_ - n_), 0.0);
  b_.push_back(b);
  return m_++;
}

void ActiveSetLp::truncate(int rows) {
  if (rows >= m_) return;
  m_ = rows;
  A_.resize(static_cast<size_t>(m_) * static_cast<size_t>(stride_));
  b_.resize(static_cast<size_t>(m_));
}

// Modified Gram-Schmidt, re-orthogonalised once where cancellation is heavy.
REGIONWALK_HOT bool ActiveSetLp::append_active(int r) {
  const auto n = static_cast<size_t>(n_);
  const size_t k = active_.size();
  if (k >= n) return false;
  double* q = &Q_[k * n];
  const double* a = row(r);
  std::copy(a, a + n_, q);
  double* rc = &R_[k * n];  // column k of R, entries 0..k
  std::fill(rc, rc + n, 0.0);
  double a_norm = 0.0;
  for (size_t t = 0; t < n; ++t) a_norm += a[t] * a[t];
  a_norm = std::sqrt(a_norm);
  double norm = a_norm;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < k; ++i) {
      const double* qi = &Q_[i * n];
      double s = 0.0;
      for (size_t t = 0; t < n; ++t) s += qi[t] * q[t];
      for (size_t t = 0; t < n; ++t) q[t] -= s * qi[t];
      rc[i] += s;
    }
    const double before = norm;
    norm = 0.0;
    for (size_t t = 0; t < n; ++t) norm += q[t] * q[t];
    norm = std::sqrt(norm);
    // A second pass only where cancellation lost more than 90 % of the norm:
    // one pass then leaves at most ~10 eps of non-orthogonality, far below
    // the walk's tolerance, and the LP rows cancel a lot (about half the
    // appends needed a second pass at the usual 1/sqrt(2)).
    if (k == 0 || norm > 0.1 * before) break;
  }
  if (!(norm > 1e-10 * a_norm)) return false;
  for (size_t t = 0; t < n; ++t) q[t] /= norm;
  rc[k] = norm;
  active_.push_back(r);
  return true;
}

// Deleting column `leave` of A_W^T = Q R leaves R upper Hessenberg from that
// column on; Givens rotations of neighbouring rows restore it (and rotate
// Q's columns alike): O(k (n + k)) instead of re-orthogonalising every row.
void ActiveSetLp::remove_active(std::size_t leave) {
  const auto n = static_cast<size_t>(n_);
  const size_t k = active_.size();
  for (size_t c = leave; c + 1 < k; ++c) std::copy_n(&R_[(c + 1) * n], k, &R_[c * n]);
  for (size_t j = leave; j + 1 < k; ++j) {
    const double a = R_[j * n + j], b = R_[j * n + j + 1];
    const double r = std::hypot(a, b);
    if (r == 0.0) continue;
    const double cs = a / r, sn = b / r;
    for (size_t col = j; col + 1 < k; ++col) {
      double* rc = &R_[col * n];
      const double x = rc[j], y = rc[j + 1];
      rc[j] = cs * x + sn * y;
      rc[j + 1] = -sn * x + cs * y;
    }
    R_[j * n + j + 1] = 0.0;
    double* qj = &Q_[j * n];
    double* qk = &Q_[(j + 1) * n];
    for (size_t t = 0; t < n; ++t) {
      const double x = qj[t], y = qk[t];
      qj[t] = cs * x + sn * y;
      qk[t] = -sn * x + cs * y;
    }
  }
  active_.erase(active_.begin() + static_cast<long>(leave));
  fixed_.erase(fixed_.begin() + static_cast<long>(leave));
}

void ActiveSetLp::start_active(const std::vector<int>& equalities) {
  active_.clear();
  fixed_.clear();
  dependent_.clear();
  for (int e : equalities)
    if (append_active(e)) fixed_.push_back(1);
  in_active_.assign(static_cast<size_t>(m_), 0);
  for (int r : active_) in_active_[static_cast<size_t>(r)] = 1;
}

REGIONWALK_HOT void ActiveSetLp::start_slacks(const std::vector<int>& rows, const double* v) {
  slack_.resize(rows.size());
  dir_dot_.resize(rows.size());
  std::copy(v, v + n_, padded_.begin());
  for (size_t idx = 0; idx < rows.size(); ++idx)
    slack_[idx] = b_[static_cast<size_t>(rows[idx])] - dot_padded(rows[idx], padded_.data());
  // The listed rows by column: each ratio test is then n axpys over all rows.
  const size_t m = rows.size();
  cols_.resize(static_cast<size_t>(n_) * m);
  for (size_t idx = 0; idx < m; ++idx) {
    const double* a = row(rows[idx]);
    for (size_t q = 0; q < static_cast<size_t>(n_); ++q) cols_[q * m + idx] = a[q];
  }
}

REGIONWALK_HOT int ActiveSetLp::ratio_test(const std::vector<int>& rows, const double* dir, double dir_norm, double* step) {
  // The first row hit when moving along dir (smallest row index on ties).
  // Steps slack/ap are compared as cross products: no division per row.
  int block = -1;
  double best_slack = *step, best_ap = 1.0;
  const size_t m = rows.size();
  double* ap_all = dir_dot_.data();
  std::fill(ap_all, ap_all + m, 0.0);
  for (size_t q = 0; q < static_cast<size_t>(n_); ++q) {
    const double pq = dir[q];
    if (pq == 0.0) continue;
    const double* col = &cols_[q * m];
    for (size_t idx = 0; idx < m; ++idx) ap_all[idx] += col[idx] * pq;
  }
  for (size_t idx = 0; idx < m; ++idx) {
    const int i = rows[idx];
    if (in_active_[static_cast<size_t>(i)]) {
      dir_dot_[idx] = 0.0;
      continue;
    }
    const double ap = ap_all[idx];
    if (ap <= kDirEps * dir_norm) continue;
    const double lhs = slack_[idx] * best_ap, rhs = best_slack * ap;
    if (lhs < rhs || (lhs == rhs && block >= 0 && i < rows[static_cast<size_t>(block)])) {
      best_slack = slack_[idx];
      best_ap = ap;
      block = static_cast<int>(idx);
    }
  }
  if (block >= 0) *step = best_slack / best_ap;
  return block;
}

void ActiveSetLp::advance(double* v, double step, int block) {
  // Slacks follow the step instead of being recomputed: one dot per row and iteration.
  for (int t = 0; t < n_; ++t) v[t] += step * p_[static_cast<size_t>(t)];
  for (size_t idx = 0; idx < slack_.size(); ++idx) slack_[idx] = std::max(0.0, slack_[idx] - step * dir_dot_[idx]);
  if (block >= 0) slack_[static_cast<size_t>(block)] = 0.0;
}

bool ActiveSetLp::release_negative(const double* rhs, bool degenerate) {
  const auto n = static_cast<size_t>(n_);
  const size_t k = active_.size();
  // Multipliers from R lambda = rhs (back substitution).
  for (size_t ii = k; ii-- > 0;) {
    double s = rhs[ii];
    for (size_t j = ii + 1; j < k; ++j) s -= R_[j * n + ii] * lambda_[j];
    lambda_[ii] = s / R_[ii * n + ii];
  }
  int leave = -1;
  double most = -kDualEps;
  for (size_t i = 0; i < k; ++i) {
    if (fixed_[i]) continue;
    if (degenerate) {
      if (lambda_[i] < -kDualEps && (leave < 0 || active_[i] < active_[static_cast<size_t>(leave)]))
        leave = static_cast<int>(i);
    } else if (lambda_[i] < most) {
      most = lambda_[i];
      leave = static_cast<int>(i);
    }
  }
  if (leave < 0) return false;
  for (int r : dependent_) in_active_[static_cast<size_t>(r)] = 0;
  dependent_.clear();
  released_ = active_[static_cast<size_t>(leave)];
  in_active_[static_cast<size_t>(released_)] = 0;
  remove_active(static_cast<size_t>(leave));
  return true;
}

double ActiveSetLp::project_out_active(double* p) const {
  const auto n = static_cast<size_t>(n_);
  for (size_t i = 0; i < active_.size(); ++i) {
    const double* qi = &Q_[i * n];
    double s = 0.0;
    for (size_t t = 0; t < n; ++t) s += qi[t] * p[t];
    for (size_t t = 0; t < n; ++t) p[t] -= s * qi[t];
  }
  double norm = 0.0;
  for (size_t t = 0; t < n; ++t) norm += p[t] * p[t];
  return std::sqrt(norm);
}

REGIONWALK_HOT LpStatus ActiveSetLp::maximize(const double* c, double* v, const std::vector<int>& equalities,
                               const std::vector<int>& rows, double target, int max_iterations, bool lift_last) {
  const auto n = static_cast<size_t>(n_);
  start_active(equalities);
  if (lift_last) v[n - 1] = 0.0;
  start_slacks(rows, v);
  if (!lift_last)
    for (double& sl : slack_) sl = std::max(0.0, sl);
  if (lift_last && !rows.empty()) {
    // Every listed row has coefficient 1 on the last variable: its largest
    // feasible value is the lowest slack, and that row starts tight.
    const auto low = static_cast<size_t>(std::min_element(slack_.begin(), slack_.end()) - slack_.begin());
    const double t = slack_[low];
    v[n - 1] = t / row(rows[low])[n - 1];
    for (double& sl : slack_) sl = std::max(0.0, sl - t);
    const int tight = rows[low];
    if (!in_active_[static_cast<size_t>(tight)] && append_active(tight)) {
      fixed_.push_back(0);
      in_active_[static_cast<size_t>(tight)] = 1;
    }
  }
  int degenerate_run = 0;
  bool fresh = true;  // p and Q^T c must be recomputed (after a release)
  // A row that blocked with step 0 and is released right after has a negative
  // multiplier, which exact arithmetic rules out (it is |p|^2 / a.p > 0): p
  // was rounding, and following it again would cycle between the two sets.
  int zero_block = -1;
  bool null_p = false;
  double cnorm = 0.0;
  for (size_t t = 0; t < n; ++t) cnorm += c[t] * c[t];
  cnorm = std::sqrt(cnorm);
  for (iterations_ = 0; iterations_ < max_iterations; ++iterations_) {
    // p = projection of c onto the null space of the active rows.
    const bool recomputed = fresh;
    if (fresh) {
      std::copy(c, c + n_, p_.begin());
      for (size_t i = 0; i < active_.size(); ++i) {
        const double* qi = &Q_[i * n];
        double s = 0.0;
        for (size_t t = 0; t < n; ++t) s += qi[t] * c[t];
        work_[i] = s;  // Q^T c, reused for the multipliers
        for (size_t t = 0; t < n; ++t) p_[t] -= s * qi[t];
      }
      fresh = false;
    }
    double pnorm = 0.0;
    for (size_t t = 0; t < n; ++t) pnorm += p_[t] * p_[t];
    pnorm = std::sqrt(pnorm);
    // p is c less its components along the active rows: where those cancel
    // nearly all of c, p keeps their rounding (~1e-16 |c|) in every entry,
    // and its direction is off by that over |p|. Along a long, nearly flat
    // edge (|p| 4e-9, a step of 1.7) that tilted an active row's slack to
    // -1.4e-7 (bench/RESULTS.md, stop 31). Projected once more, p is exact
    // to rounding of its own size.
    if (pnorm > kNullEps && pnorm < kRecancel * cnorm) pnorm = project_out_active(p_.data());
    if (pnorm > kNullEps && !(null_p && recomputed)) {
      double step = INFINITY;
      const int block_idx = ratio_test(rows, p_.data(), pnorm, &step);
      if (block_idx < 0) {
        // p is updated row by row and can drift from the projection: only a
        // freshly projected p that nothing blocks proves unboundedness, and
        // only if it ascends (c.p = |p|^2 of rounding size is no ascent:
        // c nearly in the span of rows that are nearly dependent).
        if (!recomputed) {
          fresh = true;
          continue;
        }
        double rate = 0.0;
        for (size_t t = 0; t < n; ++t) rate += c[t] * p_[t];
        if (rate > kNullEps) return LpStatus::Unbounded;
        if (!release_negative(work_.data(), degenerate_run > 0)) return LpStatus::Optimal;
        fresh = true;
        continue;
      }
      advance(v, step, block_idx);
      degenerate_run = step == 0.0 ? degenerate_run + 1 : 0;
      const int block = rows[static_cast<size_t>(block_idx)];
      zero_block = step == 0.0 ? block : -1;
      null_p = false;
      if (!append_active(block)) {
        // Dependent on the active rows: along their null space it cannot
        // block (a.p = 0 but for rounding, which made it block with step 0
        // again and again). Passed over until a row leaves the active set.
        in_active_[static_cast<size_t>(block)] = 1;
        dependent_.push_back(block);
      } else {
        fixed_.push_back(0);
        in_active_[static_cast<size_t>(block)] = 1;
        // A new orthonormal column only removes its own component from p.
        const size_t k = active_.size() - 1;
        const double* qk = &Q_[k * n];
        double s = 0.0;
        for (size_t t = 0; t < n; ++t) s += qk[t] * p_[t];
        work_[k] = s;
        for (size_t t = 0; t < n; ++t) p_[t] -= s * qk[t];
      }
      double obj = 0.0;
      for (size_t t = 0; t < n; ++t) obj += c[t] * v[t];
      if (obj >= target) return LpStatus::TargetReached;
      continue;
    }
    null_p = false;
    if (!release_negative(work_.data(), degenerate_run > 0)) return LpStatus::Optimal;
    null_p = released_ == zero_block;
    zero_block = -1;
    fresh = true;
  }
  return LpStatus::IterationLimit;
}

REGIONWALK_HOT LpStatus ActiveSetLp::project(const double* point, double* x, const std::vector<int>& equalities,
                              const std::vector<int>& rows, double target, int max_iterations) {
  const auto n = static_cast<size_t>(n_);
  start_active(equalities);
  start_slacks(rows, x);
  for (double& sl : slack_) sl = std::max(0.0, sl);
  int degenerate_run = 0;
  std::vector<double>& g = work_;  // reused: first the residual, then Q^T of it
  std::vector<double> residual(n);
  for (iterations_ = 0; iterations_ < max_iterations; ++iterations_) {
    double dist = 0.0;
    for (size_t t = 0; t < n; ++t) {
      residual[t] = point[t] - x[t];
      dist += residual[t] * residual[t];
    }
    if (std::sqrt(dist) <= target) return LpStatus::TargetReached;
    // p = the residual projected onto the null space of the active rows: the
    // step to the nearest point of the active rows' affine set.
    std::copy(residual.begin(), residual.end(), p_.begin());
    const size_t k = active_.size();
    for (size_t i = 0; i < k; ++i) {
      const double* qi = &Q_[i * n];
      double s = 0.0;
      for (size_t t = 0; t < n; ++t) s += qi[t] * residual[t];
      g[i] = s;
      for (size_t t = 0; t < n; ++t) p_[t] -= s * qi[t];
    }
    double pnorm = 0.0;
    for (size_t t = 0; t < n; ++t) pnorm += p_[t] * p_[t];
    pnorm = std::sqrt(pnorm);
    if (pnorm > kNullEps * (1.0 + std::sqrt(dist))) {
      double step = 1.0;
      const int block_idx = ratio_test(rows, p_.data(), pnorm, &step);
      advance(x, step, block_idx);
      degenerate_run = step == 0.0 ? degenerate_run + 1 : 0;
      const int block = block_idx >= 0 ? rows[static_cast<size_t>(block_idx)] : -1;
      if (block >= 0) {
        if (append_active(block)) {
          fixed_.push_back(0);
        } else {
          dependent_.push_back(block);  // as in maximize()
        }
        in_active_[static_cast<size_t>(block)] = 1;
      }
      continue;
    }
    if (!release_negative(g.data(), degenerate_run > 0)) return LpStatus::Optimal;
  }
  return LpStatus::IterationLimit;
}

}  // namespace regionwalk
