#include "regionwalk/dual_projection.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {
constexpr double kDependent = 1e-10;  // a normal this close to the active rows' span adds no direction
constexpr int kAnchorDim = 128;       // floors at x0 pay from here (see solve)

inline double dot(const double* a, const double* b, int n) { return dot4(a, b, static_cast<std::size_t>(n)); }

// |a - b|^2, summed in coordinate order.
inline double squared_distance(const double* a, const double* b, std::size_t n) {
  double s = 0.0;
  for (std::size_t q = 0; q < n; ++q) s += (a[q] - b[q]) * (a[q] - b[q]);
  return s;
}
}  // namespace

struct DualProjection::Problem {
  const ActiveSetLp& rows;
  const std::vector<int>& scan;
  double shrink;
  const double* centre;
  double reach;
};

REGIONWALK_HOT bool DualProjection::orthogonalise(const double* normal, std::size_t k, double* qn,
                                                  double* z) const {
  std::copy(normal, normal + n_, z);
  std::fill(qn, qn + k, 0.0);
  double norm = std::sqrt(dot(z, z, n_));
  // Gram-Schmidt, once more where cancellation took more than 90 % of the
  // norm (one pass then leaves ~10 eps of the active span).
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < k; ++i) {
      const double* qi = &Q_[i * static_cast<size_t>(n_)];
      const double s = dot(qi, z, n_);
      qn[i] += s;
      for (int q = 0; q < n_; ++q) z[q] -= s * qi[q];
    }
    const double before = norm;
    norm = std::sqrt(dot(z, z, n_));
    if (k == 0 || norm > 0.1 * before) break;
  }
  return norm > kDependent;
}

void DualProjection::rebuild() {
  const auto n = static_cast<size_t>(n_);
  const size_t k = active_.size();
  for (size_t c = 0; c < k; ++c) {
    double* z = &Q_[c * n];
    double* rc = &R_[c * n];
    std::fill(rc, rc + n, 0.0);
    orthogonalise(&normals_[c * n], c, rc, z);  // against the first c columns
    const double norm = std::sqrt(dot(z, z, n_));
    rc[c] = norm;
    for (size_t q = 0; q < n; ++q) z[q] /= norm;
  }
}

void DualProjection::drop(std::size_t at) {
  const auto n = static_cast<long>(n_);
  active_.erase(active_.begin() + static_cast<long>(at));
  u_.erase(u_.begin() + static_cast<long>(at));
  normals_.erase(normals_.begin() + static_cast<long>(at) * n, normals_.begin() + static_cast<long>(at + 1) * n);
  rebuild();
}

// Lagrangian bound: for multipliers m (>= 0 on rows, free on the equality),
//   min |x - c|^2 / 2  >=  -|sum m_i n_i|^2 / 2 + sum m_i (n_i.c - h_i).
// `pending` (a row being added, or -2) carries pending_u; a dual ray adds
// ray_t * (-r) to the active multipliers and ray_t to the pending one.
bool DualProjection::certify_bound(const Problem& pb, int pending, double pending_u, const double* ray_r,
                                   double ray_t) {
  const auto n = static_cast<size_t>(n_);
  w_.assign(n, 0.0);
  double lin = 0.0, size = 0.0;
  proof_rows_.clear();
  proof_u_.clear();
  auto take = [&](const double* normal, double rhs, double m, int row) {
    if (row >= 0) m = std::max(m, 0.0);
    if (m == 0.0) return;
    for (size_t q = 0; q < n; ++q) w_[q] += m * normal[q];
    const double c = dot(normal, pb.centre, n_);
    lin += m * (c - rhs);
    size += std::abs(m) * (std::abs(c) + std::abs(rhs));
    if (row >= 0) {
      proof_rows_.push_back(row);
      proof_u_.push_back(m);
    }
  };
  for (size_t i = 0; i < active_.size(); ++i) {
    const int row = active_[i];
    const double rhs = row < 0 ? eq_rhs_ : pb.rows.rhs(row) - pb.shrink;
    take(&normals_[i * n], rhs, u_[i] - (ray_r != nullptr ? ray_t * ray_r[i] : 0.0), row);
  }
  if (pending >= 0) take(pb.rows.row(pending), pb.rows.rhs(pending) - pb.shrink, pending_u + ray_t, pending);
  const double ww = dot(w_.data(), w_.data(), n_);
  const double bound = lin - 0.5 * ww;
  const double goal = 0.5 * pb.reach * pb.reach;
  return bound > goal * (1.0 + 1e-9) + 1e-12 * (size + ww);
}

REGIONWALK_HOT DualProjection::Added DualProjection::add(const Problem& pb, int p, double* x) {
  const auto n = static_cast<size_t>(n_);
  const double* normal = p < 0 ? eq_normal_.data() : pb.rows.row(p);
  const double rhs = p < 0 ? eq_rhs_ : pb.rows.rhs(p) - pb.shrink;
  double up = 0.0;  // p's multiplier so far
  for (;;) {
    if (++iterations_ > limit_) return Added::Limit;
    const size_t k = active_.size();
    const bool free_dir = orthogonalise(normal, k, qn_.data(), z_.data());
    // r = R^-1 Q^T n_p: how the active multipliers give way as p's grows.
    for (size_t i = k; i-- > 0;) {
      double s = qn_[i];
      for (size_t c = i + 1; c < k; ++c) s -= R_[c * n + i] * r_[c];
      r_[i] = s / R_[i * n + i];
    }
    double t1 = INFINITY;
    size_t leave = k;
    for (size_t i = 0; i < k; ++i)
      if (active_[i] >= 0 && r_[i] > 0.0 && u_[i] / r_[i] < t1) {
        t1 = u_[i] / r_[i];
        leave = i;
      }
    const double viol = dot(normal, x, n_) - rhs;
    const double zz = dot(z_.data(), z_.data(), n_);
    const double t2 = free_dir ? std::max(viol, 0.0) / zz : INFINITY;
    if (t1 == INFINITY && t2 == INFINITY) {
      // A dual ray: the polyhedron is empty. Scale the ray until its bound passes the goal.
      const double slope = std::max(viol, 1e-300);
      beyond_ = certify_bound(pb, p, up, r_.data(), 2.0 * pb.reach * pb.reach / slope);
      return Added::Infeasible;
    }
    const double t = std::min(t1, t2);
    if (free_dir)
      for (size_t q = 0; q < n; ++q) x[q] -= t * z_[q];
    for (size_t i = 0; i < k; ++i) u_[i] -= t * r_[i];
    up += t;
    const bool far = squared_distance(x, pb.centre, n) >= pb.reach * pb.reach;
    if (t2 <= t1) {
      active_.push_back(p);
      u_.push_back(up);
      normals_.insert(normals_.end(), normal, normal + n_);
      const double norm = std::sqrt(zz);
      double* qk = &Q_[k * n];
      double* rk = &R_[k * n];
      for (size_t q = 0; q < n; ++q) qk[q] = z_[q] / norm;
      std::copy(qn_.begin(), qn_.begin() + static_cast<long>(k), rk);
      rk[k] = norm;
      if (far) beyond_ = certify_bound(pb, -2, 0.0, nullptr, 0.0);
      return Added::Yes;
    }
    drop(leave);
    if (far && certify_bound(pb, p, up, nullptr, 0.0)) {
      beyond_ = true;
      return Added::Yes;
    }
  }
}

REGIONWALK_HOT DualProjection::Status DualProjection::solve(const ActiveSetLp& rows, int dim, const std::vector<int>& scan,
                                             double shrink, const double* eq, double eq_rhs, const double* centre,
                                             double reach, int max_iterations, double* x, const double* floor) {
  n_ = dim;
  const auto n = static_cast<size_t>(n_);
  iterations_ = 0;
  limit_ = max_iterations;
  beyond_ = false;
  active_.clear();
  u_.clear();
  normals_.clear();
  Q_.resize(n * n);
  R_.resize(n * n);
  qn_.resize(n);
  z_.resize(n);
  r_.resize(n);
  std::copy(centre, centre + n, x);
  const Problem pb{rows, scan, shrink, centre, reach};
  if (eq != nullptr) {
    // Oriented so that the centre violates it (or lies on it): added like a row, never dropped.
    const double side = dot(eq, centre, n_) - eq_rhs;
    const double sg = side < 0.0 ? -1.0 : 1.0;
    eq_normal_.resize(n);
    for (size_t q = 0; q < n; ++q) eq_normal_[q] = sg * eq[q];
    eq_rhs_ = sg * eq_rhs;
    const Added a = add(pb, -1, x);
    if (beyond_) return Status::Beyond;
    if (a != Added::Yes) return Status::Undecided;
  }
  const double eps = 1e-12 * reach;
  // With floors and an equality, the first scan (at x0, the centre's
  // projection on the hyperplane) also gives each row a floor at x0: its
  // slack there less a guard, or its centre floor less |x0 - c| where that
  // row was passed over. Later scans pass over a row by either floor. (From
  // kAnchorDim dimensions: 1.2x in 256 and 512, 0.94x in 64.)
  const bool anchors = floor != nullptr && eq != nullptr && n_ >= kAnchorDim;
  bool anchored = false;
  if (anchors) {
    anchor_.assign(x, x + n);
    near_floor_.resize(static_cast<size_t>(rows.rows()));
  }
  const double scale = anchors ? reach + shrink + std::sqrt(dot(x, x, n_)) : 0.0;  // of x0, for the guard
  for (;;) {
    int worst = -1;
    double most = eps;
    double reached = 0.0, moved = 0.0;  // |x - c| and |x - x0|, each plus the shrink
    if (floor != nullptr) reached = std::sqrt(squared_distance(x, centre, n)) + shrink;
    if (anchored) moved = std::sqrt(squared_distance(x, anchor_.data(), n)) + shrink;
    for (int i : scan) {
      if (floor != nullptr && floor[i] > reached) {
        if (anchors && !anchored) near_floor_[static_cast<size_t>(i)] = floor[i] - (reached - shrink);
        continue;
      }
      if (anchored && near_floor_[static_cast<size_t>(i)] > moved) continue;
      const double v = wide_dot(rows.row(i), x, n) - (rows.rhs(i) - shrink);
      if (anchors && !anchored)
        near_floor_[static_cast<size_t>(i)] = (shrink - v) - 1e-9 * (scale + std::abs(rows.rhs(i)));
      // (An active row is tight: never "most violated", but for rounding.)
      if (v > most && std::find(active_.begin(), active_.end(), i) != active_.end()) continue;
      if (v > most) {
        most = v;
        worst = i;
      }
    }
    anchored = anchors;
    if (worst < 0) {
      if (squared_distance(x, centre, n) < reach * reach) return Status::Within;
      return certify_bound(pb, -2, 0.0, nullptr, 0.0) ? Status::Beyond : Status::Undecided;
    }
    const Added a = add(pb, worst, x);
    if (beyond_) return Status::Beyond;
    if (a != Added::Yes) return Status::Undecided;
  }
}

}  // namespace regionwalk
