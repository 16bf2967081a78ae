#include "regionwalk/polytope_clip.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {

constexpr double kRound = 2e-15;  // bound on the relative rounding of one side value (d <= 8)
static_assert(PolytopeClip::kMaxDim <= 8, "kRound bounds the rounding of sums of at most 8 terms");

}  // namespace

// The box's 2^d corners: bit q of a corner's index picks hi (tight on face
// -1 - 2q) or lo (face -2 - 2q); dropping coordinate q's face walks to the
// corner with bit q flipped.
void PolytopeClip::start_box(const RegionRows& rows) {
  const Domain& dom = rows.domain();
  const auto d = static_cast<std::size_t>(d_);
  const auto n = std::size_t{1} << d;
  make_room(n);
  std::fill_n(err_.begin(), n, 0.0);
  top_ = static_cast<int>(n);
  live_.resize(n);
  for (std::size_t b = 0; b < n; ++b) live_[b] = static_cast<int>(b);
  free_.clear();
  r_box_ = 0.0;
  for (std::size_t q = 0; q < d; ++q) r_box_ += std::max(dom.lo[q] * dom.lo[q], dom.hi[q] * dom.hi[q]);
  r_box_ = std::sqrt(r_box_);
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t q = 0; q < d; ++q) {
      const bool hi = (b >> q) & 1U;
      x_[b * d + q] = hi ? dom.hi[q] : dom.lo[q];
      t_[b * d + q] = hi ? -1 - 2 * static_cast<int>(q) : -2 - 2 * static_cast<int>(q);
      adj_[b * d + q] = static_cast<int>(b ^ (std::size_t{1} << q));
    }
}

void PolytopeClip::make_room(std::size_t vertices) {
  const std::size_t n = vertices * static_cast<std::size_t>(d_);
  if (x_.size() < n) x_.resize(n);
  if (t_.size() < n) t_.resize(n);
  if (adj_.size() < n) adj_.resize(n);
  if (made_.size() < n) made_.resize(n);
  if (err_.size() < vertices) err_.resize(vertices);
  if (side_.size() < vertices) side_.resize(vertices);
}

// Every vertex lies within this distance of p (its rounding error included).
double PolytopeClip::reach(const double* p) const {
  const auto d = static_cast<std::size_t>(d_);
  double r2 = 0.0, e = 0.0;
  for (const int vi : live_) {
    const auto v = static_cast<std::size_t>(vi);
    double s = 0.0;
    for (std::size_t q = 0; q < d; ++q) s += (x_[v * d + q] - p[q]) * (x_[v * d + q] - p[q]);
    r2 = std::max(r2, s);
    e = std::max(e, err_[v]);
  }
  return (std::sqrt(r2) + e) * (1.0 + 1e-12);
}

// The vertex on edge (u inside, v outside) where row k's side value is zero:
// tight on the edge's constraints and k (in v's slot `slot`), next to u.
// Its error bound (a bound on |w - w*|, w* the vertex of exact arithmetic):
// the ends' error moved along the edge, amplified by how obliquely k's
// hyperplane meets it (|v - u| / (s_u - s_v)).
bool PolytopeClip::add_vertex(int u, int v, int slot, int k, double delta) {
  const auto d = static_cast<std::size_t>(d_);
  const auto uu = static_cast<std::size_t>(u), vv = static_cast<std::size_t>(v);
  int wi = top_;  // room made by cut()
  if (free_.empty()) {
    ++top_;
  } else {
    wi = free_.back();
    free_.pop_back();
  }
  const auto w = static_cast<std::size_t>(wi);
  const double su = side_[uu], sv = side_[vv], inv = 1.0 / (su - sv), t = su * inv;
  double len = 0.0;
  for (std::size_t q = 0; q < d; ++q) {
    const double step = x_[vv * d + q] - x_[uu * d + q];
    x_[w * d + q] = x_[uu * d + q] + t * step;
    len += step * step;
    t_[w * d + q] = t_[vv * d + q];
    adj_[w * d + q] = -1;
  }
  // With E = e + delta bounding each end's side error, |t - t*| <= E / gap,
  // so |w - w*| <= e + E |v* - u*| / gap (|v* - u*| <= |v - u| + 2e), plus
  // the rounding of t and of the interpolation.
  const double e = std::max(err_[uu], err_[vv]);
  err_[w] = e + (e + delta) * (std::sqrt(len) + 2.0 * e) * inv + 2.0 * kRound * r_box_;
  t_[w * d + static_cast<std::size_t>(slot)] = k;
  adj_[w * d + static_cast<std::size_t>(slot)] = u;
  made_[vv * d + static_cast<std::size_t>(slot)] = static_cast<int>(w);
  origin_.push_back(static_cast<int>(vv * d) + slot);
  fresh_.push_back(wi);
  for (std::size_t m = 0; m < d; ++m)
    if (adj_[uu * d + m] == v) {
      adj_[uu * d + m] = static_cast<int>(w);
      return std::isfinite(err_[w]);
    }
  return false;
}

// The new vertices' edges inside the cutting hyperplane. New vertex w, made
// on edge (v outside, u inside) in v's slot i, and its neighbour across slot
// m lie on the 2-face through v of v's constraints less slots i and m: the
// cut crosses that polygon twice, and walking its outside part from v (first
// along slot m, then always dropping the constraint the previous vertex had
// too) reaches the other crossed edge, whose new vertex is the neighbour.
bool PolytopeClip::link_new() {
  const auto d = static_cast<std::size_t>(d_);
  for (std::size_t f = 0; f < fresh_.size(); ++f) {
    const auto w = static_cast<std::size_t>(fresh_[f]);
    const auto at = static_cast<std::size_t>(origin_[f]);
    const std::size_t v = at / d, i = at % d;
    for (std::size_t m = 0; m < d; ++m) {
      if (m == i || adj_[w * d + m] >= 0) continue;
      // prev's slots: `slot` leaves along the 2-face, `other` is its other constraint.
      std::size_t prev = v, slot = m, other = i;
      int steps = 0;
      while (true) {
        const auto cur = static_cast<std::size_t>(adj_[prev * d + slot]);
        if (side_[cur] > 0) break;  // (prev, cur) is the other crossed edge
        if (++steps > top_) return false;
        std::size_t s = d, back = d;
        for (std::size_t q = 0; q < d; ++q) {
          if (t_[cur * d + q] == t_[prev * d + other]) s = q;
          if (adj_[cur * d + q] == static_cast<int>(prev)) back = q;
        }
        if (s == d || back == d) return false;
        prev = cur;
        slot = s;
        other = back;
      }
      const int partner = made_[prev * d + slot];
      int& mine = adj_[static_cast<std::size_t>(partner) * d + other];
      if (mine >= 0 && mine != static_cast<int>(w)) return false;
      mine = static_cast<int>(w);
      adj_[w * d + m] = partner;
    }
  }
  return true;
}

// Drops the vertices outside (side < 0) to the free list, keeps the new ones,
// each of which must have all its d neighbours.
bool PolytopeClip::settle() {
  const auto d = static_cast<std::size_t>(d_);
  std::size_t kept = 0;
  for (const int v : live_) {
    if (side_[static_cast<std::size_t>(v)] > 0) {
      live_[kept++] = v;
    } else {
      free_.push_back(v);
    }
  }
  live_.resize(kept);
  for (const int w : fresh_) {
    for (std::size_t q = 0; q < d; ++q)
      if (adj_[static_cast<std::size_t>(w) * d + q] < 0) return false;
    live_.push_back(w);
  }
  return true;
}

// Keeps sigma_k (a_k.x + c_k) >= 0. Every side value must clear its vertex's
// error bound (twice over): then the signs, and so the new polytope's
// combinatorics, are those of exact arithmetic.
REGIONWALK_HOT int PolytopeClip::cut(const RegionRows& rows, int k) {
  const auto d = static_cast<std::size_t>(d_);
  const double sg = rows.sign(k);
  const double* ua = rows.unit_a(k);
  double a[PolytopeClip::kMaxDim];
  for (std::size_t q = 0; q < d; ++q) a[q] = sg * ua[q];
  const double c = sg * rows.unit_c(k);
  const double delta = kRound * (std::abs(c) + r_box_);
  const std::size_t n = live_.size();
  std::size_t outside = 0;
  for (const int vi : live_) {
    const auto v = static_cast<std::size_t>(vi);
    double s = c;
    for (std::size_t q = 0; q < d; ++q) s += a[q] * x_[v * d + q];
    side_[v] = s;
    if (!(std::abs(s) > 2.0 * (err_[v] + delta))) return -1;
    outside += s < 0 ? 1 : 0;
  }
  if (outside == 0) return 0;
  if (outside == n) return -1;
  // Room for every new vertex (one per edge leaving an outside vertex at most).
  if (n + outside * d > static_cast<std::size_t>(kMaxVertices)) return -1;
  make_room(static_cast<std::size_t>(top_) + outside * d);
  origin_.clear();
  fresh_.clear();
  for (std::size_t idx = 0; idx < n; ++idx) {
    const auto v = static_cast<std::size_t>(live_[idx]);
    if (side_[v] > 0) continue;
    for (std::size_t i = 0; i < d; ++i) {
      const int u = adj_[v * d + i];
      if (side_[static_cast<std::size_t>(u)] > 0 &&
          !add_vertex(u, static_cast<int>(v), static_cast<int>(i), k, delta))
        return -1;
    }
  }
  return link_new() && settle() ? 1 : -1;
}

void PolytopeClip::certify(const RegionRows& rows, const double* p) {
  const Domain& dom = rows.domain();
  const auto d = static_cast<std::size_t>(d_);
  const double tol = rows.tol();
  for (const int vi : live_)
    for (std::size_t s = 0, v = static_cast<std::size_t>(vi); s < d; ++s) {
      const int k = t_[v * d + s];
      if (k < 0) continue;
      const auto kk = static_cast<std::size_t>(k);
      if (count_[kk]++ == 0) {
        facets_.push_back(k);
        std::fill_n(&point_[kk * d], d, 0.0);
      }
      for (std::size_t q = 0; q < d; ++q) point_[kk * d + q] += x_[v * d + q];
    }
  std::sort(facets_.begin(), facets_.end());
  for (const int j : facets_) {
    const auto jj = static_cast<std::size_t>(j);
    double* x = &point_[jj * d];
    const double inv = 1.0 / count_[jj];
    count_[jj] = 0;
    double m = INFINITY, rho = 0.0;
    for (std::size_t q = 0; q < d; ++q) {
      x[q] *= inv;
      m = std::min({m, x[q] - dom.lo[q], dom.hi[q] - x[q]});
      rho += (x[q] - p[q]) * (x[q] - p[q]);
    }
    // A row at distance D from p is at least D - rho from x: the rows go by
    // distance, so the first that cannot lower m ends the scan.
    rho = std::sqrt(rho) * (1.0 + 1e-12);
    const double* aj = rows.unit_a(j);
    for (std::size_t i = 0; next_row(i); ++i) {
      const auto [dk, k] = order_[i];
      if (!(m > tol) || dk - rho >= m) break;
      if (k == j) continue;
      const double s = rows.distance(k, x);
      if (std::abs(s) <= tol) {
        // rows coincident with j are the same facet; they do not bound it
        const double* ak = rows.unit_a(k);
        double dot = 0.0;
        for (std::size_t q = 0; q < d; ++q) dot += ak[q] * aj[q];
        if (std::abs(dot) > 1.0 - 1e-9) continue;
      }
      m = std::min(m, s);
    }
    state_[jj] = m > tol ? 1 : 2;
    margin_[jj] = m;
  }
}

bool PolytopeClip::run(const RegionRows& rows, const double* inside) {
  const Domain& dom = rows.domain();
  d_ = rows.dim();
  if (!applies(dom)) return false;
  if (d_ == 6 && rows.neurons().size() < kRowsAt6) return false;
  const auto N = static_cast<std::size_t>(rows.hidden_neurons());
  if (state_.size() != N) {
    state_.assign(N, 0);
    count_.assign(N, 0);
    dist_.assign(N, 0.0);
    margin_.assign(N, 0.0);
    point_.assign(N * static_cast<std::size_t>(d_), 0.0);
    facets_.clear();
  }
  for (const int j : facets_) state_[static_cast<std::size_t>(j)] = 0;
  facets_.clear();
  order_.clear();
  heap_.clear();
  for (const int k : rows.neurons()) {
    const double dk = rows.distance(k, inside);
    dist_[static_cast<std::size_t>(k)] = dk;
    heap_.emplace_back(dk, k);
  }
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  start_box(rows);
  double r = reach(inside);
  for (std::size_t i = 0; next_row(i); ++i) {
    const auto [dk, k] = order_[i];
    // Rows beyond every vertex cannot cut (nor touch) the polytope.
    if (dk - kRound * (std::abs(rows.unit_c(k)) + r_box_) > r) break;
    const int res = cut(rows, k);
    if (res < 0) return false;
    if (res > 0) r = reach(inside);
  }
  nearby_.clear();
  for (const int k : rows.neurons())
    if (dist_[static_cast<std::size_t>(k)] < 3.0 * r + 2.0 * rows.tol()) nearby_.push_back(k);
  certify(rows, inside);
  return true;
}

// Rows by distance from the inside point, sorted lazily: most are never needed.
bool PolytopeClip::next_row(std::size_t i) {
  while (order_.size() <= i) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    order_.push_back(heap_.back());
    heap_.pop_back();
  }
  return true;
}

EdgeVerdict PolytopeClip::edge(int j, double* point, double* margin) const {
  const auto jj = static_cast<std::size_t>(j);
  if (state_[jj] == 1) {
    const auto d = static_cast<std::size_t>(d_);
    std::copy_n(&point_[jj * d], d, point);
    *margin = margin_[jj];
    return EdgeVerdict::Certified;
  }
  return state_[jj] == 2 ? EdgeVerdict::TooThin : EdgeVerdict::NotAnEdge;
}

}  // namespace regionwalk
