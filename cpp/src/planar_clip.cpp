#include "regionwalk/planar_clip.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

void PlanarClip::start(const RegionRows& rows) {
  // The box (or the ball's bounding box), counter-clockwise.
  const Domain& dom = rows.domain();
  double lo[2], hi[2];
  for (int q = 0; q < 2; ++q) {
    const auto qq = static_cast<size_t>(q);
    lo[q] = dom.kind == DomainKind::Box ? dom.lo[qq] : dom.center[qq] - dom.radius;
    hi[q] = dom.kind == DomainKind::Box ? dom.hi[qq] : dom.center[qq] + dom.radius;
  }
  poly_x_.assign({lo[0], hi[0], hi[0], lo[0]});
  poly_y_.assign({lo[1], lo[1], hi[1], hi[1]});
  poly_label_.assign(4, -1);
}

double PlanarClip::reach(double px0, double py0) const {
  double r2 = 0.0;
  for (size_t i = 0; i < poly_x_.size(); ++i)
    r2 = std::max(r2, (poly_x_[i] - px0) * (poly_x_[i] - px0) + (poly_y_[i] - py0) * (poly_y_[i] - py0));
  return std::sqrt(r2) * (1.0 + 1e-12);
}

// Keeps sigma (a.x + c) >= 0 (Sutherland-Hodgman), labelling the new edge k;
// false when the polygon lies inside already.
REGIONWALK_HOT bool PlanarClip::clip(const RegionRows& rows, size_t k) {
  const int kk = static_cast<int>(k);
  const double sg = rows.sign(kk);
  const double ax = sg * rows.unit_a(kk)[0], ay = sg * rows.unit_a(kk)[1], c = sg * rows.unit_c(kk);
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
      next_label_.push_back(fp >= 0 ? kk : poly_label_[i]);
    }
  }
  poly_x_.swap(next_x_);
  poly_y_.swap(next_y_);
  poly_label_.swap(next_label_);
  return true;
}

// Every vertex lies within `reach` of the inside point, so a line farther away
// than that cannot cut the polygon: most lines are dismissed by their distance
// alone once the nearest few have been clipped.
REGIONWALK_HOT void PlanarClip::clip_all(const RegionRows& rows, double px0, double py0) {
  // The eight nearest lines, by insertion into a sorted array (cheaper than a
  // selection over all of them: after the first few, almost every line fails
  // the one comparison with the eighth).
  constexpr size_t kFirst = 8;
  std::pair<double, int> first[kFirst];
  size_t n_first = 0;
  for (int k : rows.neurons()) {
    const auto kk = static_cast<size_t>(k);
    const double* ua = rows.unit_a(k);
    const double dk = rows.sign(k) * (ua[0] * px0 + ua[1] * py0 + rows.unit_c(k));
    line_dist_[kk] = dk;
    if (n_first == kFirst && dk >= first[kFirst - 1].first) continue;
    size_t at = n_first < kFirst ? n_first++ : kFirst - 1;
    for (; at > 0 && first[at - 1].first > dk; --at) first[at] = first[at - 1];
    first[at] = {dk, k};
  }
  // (Clipping twice by one line could split an edge at a rounding error: the
  // nearest eight are marked in state_ meanwhile.)
  for (size_t i = 0; i < n_first && !poly_x_.empty(); ++i) {
    clip(rows, static_cast<size_t>(first[i].second));
    state_[static_cast<size_t>(first[i].second)] = -1;
  }
  radius_ = reach(px0, py0);
  // On the way, the lines that can bound an edge's margin (see certify_edge):
  // within 3 radius of the inside point (radius only shrinks, so the list may
  // hold a few more).
  nearest_.clear();
  for (int k : rows.neurons()) {
    if (poly_x_.empty()) break;
    const auto kk = static_cast<size_t>(k);
    if (line_dist_[kk] >= 3.0 * radius_ + 2.0 * rows.tol()) continue;
    nearest_.push_back(k);
    if (state_[kk] != 0 || line_dist_[kk] > radius_) continue;
    if (clip(rows, kk)) radius_ = reach(px0, py0);
  }
  for (size_t i = 0; i < n_first; ++i) state_[static_cast<size_t>(first[i].second)] = 0;
}

REGIONWALK_HOT void PlanarClip::certify_edge(const RegionRows& rows, size_t i, double px0, double py0,
                                             double radius) {
  const Domain& dom = rows.domain();
  const double tol = rows.tol();
  const size_t n = poly_x_.size();
  const auto kk = static_cast<size_t>(poly_label_[i]);
  const size_t j = (i + 1) % n;
  double t0 = 0.0, t1 = 1.0;
  const double px = poly_x_[i], py = poly_y_[i], dx = poly_x_[j] - px, dy = poly_y_[j] - py;
  if (dom.kind == DomainKind::Ball) {
    // The chord of the edge inside the disc.
    const double ox = px - dom.center[0], oy = py - dom.center[1];
    const double qa = dx * dx + dy * dy, qb = 2 * (ox * dx + oy * dy);
    const double qc = ox * ox + oy * oy - dom.radius * dom.radius;
    const double disc = qb * qb - 4 * qa * qc;
    if (qa > 0 && disc > 0) {
      const double s = std::sqrt(disc);
      t0 = std::max(0.0, (-qb - s) / (2 * qa));
      t1 = std::min(1.0, (-qb + s) / (2 * qa));
    } else {
      t1 = -1.0;  // the edge's line misses the disc
    }
  }
  state_[kk] = 2;  // an edge of the polygon: a facet unless too thin
  if (t1 <= t0) return;
  const double x[2] = {px + 0.5 * (t0 + t1) * dx, py + 0.5 * (t0 + t1) * dy};
  // Margin at that point: every other row, and the domain.
  double m = dom.kind == DomainKind::Box
                 ? std::min({x[0] - dom.lo[0], dom.hi[0] - x[0], x[1] - dom.lo[1], dom.hi[1] - x[1]})
                 : dom.radius - std::hypot(x[0] - dom.center[0], x[1] - dom.center[1]);
  // A line at distance D from the inside point is at least D - rho from x:
  // lines that cannot lower m are passed over; the polygon's own edges,
  // likeliest to lower it, go first. Only the lines within 3 radius are
  // looked at: the others are at least 2 radius from x, while the polygon's
  // other edges (or the domain) are within 2 radius. Should that fail (a
  // degenerate polygon), every line is looked at.
  const double rho = std::hypot(x[0] - px0, x[1] - py0) * (1.0 + 1e-12);
  const double* ak = rows.unit_a(static_cast<int>(kk));
  auto lower = [&](size_t r) {
    const int ri = static_cast<int>(r);
    if (r == kk || rows.row_of(ri) < 0 || line_dist_[r] - rho >= m) return;
    const double* ar = rows.unit_a(ri);
    const double dist = rows.sign(ri) * (ar[0] * x[0] + ar[1] * x[1] + rows.unit_c(ri));
    // rows coincident with k are the same facet; they do not bound it
    const double dot = ar[0] * ak[0] + ar[1] * ak[1];
    if (std::abs(dist) <= tol && std::abs(dot) > 1.0 - 1e-9) return;
    m = std::min(m, dist);
  };
  for (size_t e = 0; e < n && m > tol; ++e)
    if (poly_label_[e] >= 0) lower(static_cast<size_t>(poly_label_[e]));
  for (const int line : nearest_) {
    if (!(m > tol)) break;
    lower(static_cast<size_t>(line));
  }
  if (m > 2.0 * radius)
    for (size_t q = 0; q < state_.size() && m > tol; ++q) lower(q);
  if (m > tol) {
    state_[kk] = 1;
    point_[2 * kk] = x[0];
    point_[2 * kk + 1] = x[1];
    margin_[kk] = m;
  }
}

bool PlanarClip::run(const RegionRows& rows, const double* inside) {
  const Domain& dom = rows.domain();
  if (!applies(dom)) return false;
  const auto N = static_cast<size_t>(rows.hidden_neurons());
  state_.assign(N, 0);
  point_.assign(2 * N, 0.0);
  margin_.assign(N, 0.0);
  line_dist_.assign(N, 0.0);
  start(rows);
  clip_all(rows, inside[0], inside[1]);
  edge_neurons_.clear();
  for (size_t i = 0; i < poly_x_.size(); ++i) {
    if (poly_label_[i] < 0) continue;
    edge_neurons_.push_back(poly_label_[i]);
    certify_edge(rows, i, inside[0], inside[1], radius_);
  }
  return true;
}

EdgeVerdict PlanarClip::edge(int j, double* point, double* margin) const {
  const auto jj = static_cast<size_t>(j);
  if (state_[jj] == 1) {
    point[0] = point_[2 * jj];
    point[1] = point_[2 * jj + 1];
    *margin = margin_[jj];
    return EdgeVerdict::Certified;
  }
  return state_[jj] == 2 ? EdgeVerdict::TooThin : EdgeVerdict::NotAnEdge;
}

}  // namespace regionwalk
