// Reading the cells off a finished complex (subdivide.hpp).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "regionwalk/subdivide.hpp"

namespace regionwalk {

namespace {

// The one constraint tight at a and not at b (-1 if not exactly one).
int dropped(const Word* a, const Word* b, std::size_t words) {
  int found = -1;
  for (std::size_t i = 0; i < words; ++i) {
    const Word m = a[i] & ~b[i];
    if (m == 0) continue;
    if (found >= 0 || (m & (m - 1)) != 0) return -1;
    found = static_cast<int>(i * 64) + __builtin_ctzll(m);
  }
  return found;
}

}  // namespace

// Each vertex's neighbours, contiguous (start[v] .. start[v + 1]).
void BoxSubdivision::adjacency(std::vector<int>& start, std::vector<int>& nbr) const {
  start.assign(count_ + 1, 0);
  nbr.resize(2 * edges_.size());
  for (const Edge& e : edges_) {
    ++start[static_cast<std::size_t>(e[0]) + 1];
    ++start[static_cast<std::size_t>(e[1]) + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<int> fill(start.begin(), start.end() - 1);
  for (const Edge& e : edges_) {
    nbr[static_cast<std::size_t>(fill[static_cast<std::size_t>(e[0])]++)] = e[1];
    nbr[static_cast<std::size_t>(fill[static_cast<std::size_t>(e[1])]++)] = e[0];
  }
}

// Every vertex's height along a fixed direction that no edge of a net is
// expected to be level along. Heights are compared, not edge slopes: the
// edges' orientation then comes from an order of the vertices (no cycle).
void BoxSubdivision::heights() {
  const auto d = static_cast<std::size_t>(d_);
  std::vector<double> dir(d);
  double norm = 0.0;
  for (std::size_t q = 0; q < d; ++q) {
    dir[q] = 0.3 + std::abs(std::sin(0.5 + 1.3 * static_cast<double>((q + 1) * (q + 1))));
    norm += dir[q] * dir[q];
  }
  height_.resize(count_);
  double reach = 0.0;
  for (std::size_t v = 0; v < count_; ++v) {
    double h = 0.0;
    for (std::size_t q = 0; q < d; ++q) h += dir[q] * x_[v * d + q];
    height_[v] = h / std::sqrt(norm);
    reach = std::max(reach, std::abs(height_[v]));
  }
  level_ = 1e-12 * reach;
}

// Each cell has one lowest vertex along the direction: the cells are read off
// the vertices, and again off the highest vertices, which must give the same.
bool BoxSubdivision::read_cells(std::vector<Word>& patterns, std::vector<double>& points) {
  const auto d = static_cast<std::size_t>(d_);
  const auto pw = static_cast<std::size_t>(net_.pattern_words());
  std::vector<int> start, nbr;
  adjacency(start, nbr);
  heights();
  values_.resize(static_cast<std::size_t>(n_));
  std::vector<Word> highest;
  int t[kMaxDim], at[2 * kMaxDim];
  for (std::size_t v = 0; v < count_; ++v) {
    if ((v & 4095) == 0 && cancel_->load(std::memory_order_relaxed)) return refuse("cancelled");
    const int vi = static_cast<int>(v);
    if (!slots(vi, &nbr[static_cast<std::size_t>(start[v])], start[v + 1] - start[v], t, at)) return false;
    const std::size_t first = patterns.size() / pw;
    if (!emit(vi, t, at, 1.0, patterns, &points) || !emit(vi, t, at, -1.0, highest, nullptr)) return false;
    for (std::size_t i = first; i * pw < patterns.size(); ++i)
      if (!check_cell(&patterns[i * pw], &points[i * d])) return false;
  }
  if (!same_cells(patterns, highest)) return refuse("the highest vertices give other cells than the lowest");
  return true;
}

// Vertex v's tight constraints (t) and its edges by slot (at[2r + side]: the
// edge dropping t[r] towards that side of it; a box face has only side 1).
bool BoxSubdivision::slots(int v, const int* nbr, int deg, int* t, int* at) {
  const auto d = static_cast<std::size_t>(d_);
  const auto W = static_cast<std::size_t>(words_);
  const Word* tv = &tight_[static_cast<std::size_t>(v) * W];
  std::size_t nt = 0;
  for (std::size_t i = 0; i < W; ++i)
    for (Word m = tv[i]; m != 0; m &= m - 1) {
      if (nt == d) return refuse("a vertex with more than d tight constraints");
      t[nt++] = static_cast<int>(i * 64) + __builtin_ctzll(m);
    }
  if (nt != d) return refuse("a vertex with fewer than d tight constraints");
  std::fill_n(at, 2 * d, -1);
  for (int e = 0; e < deg; ++e) {
    const auto u = static_cast<std::size_t>(nbr[e]);
    const int c = dropped(tv, &tight_[u * W], W);
    const auto r = static_cast<std::size_t>(std::find(t, t + d, c) - t);
    if (c < 0 || r == d) return refuse("an edge's ends do not share d - 1 constraints");
    const std::size_t slot = 2 * r + (get_bit(&pos_[u * W], c) ? 1 : 0);
    if (at[slot] >= 0) return refuse("two edges leave a vertex the same way");
    at[slot] = nbr[e];
  }
  for (std::size_t r = 0; r < d; ++r)
    if (at[2 * r + 1] < 0 || (t[r] < n_) != (at[2 * r] >= 0)) return refuse("a vertex misses an edge");
  return true;
}

// The cells whose lowest vertex along `sense` times the direction is v: one
// per choice of a rising edge for each tight constraint. Where a later
// neuron's zero set bends at v, a tight neuron's two edges need not be
// opposite: both may rise (a choice of two) or neither (no cell).
bool BoxSubdivision::emit(int v, const int* t, const int* at, double sense, std::vector<Word>& patterns,
                          std::vector<double>* points) {
  const auto d = static_cast<std::size_t>(d_);
  const auto vv = static_cast<std::size_t>(v);
  unsigned up[kMaxDim];  // per r: bit s set when slot (r, s) rises
  std::size_t cells = 1;
  for (std::size_t r = 0; r < d; ++r) {
    up[r] = 0;
    for (int side = t[r] < n_ ? 0 : 1; side <= 1; ++side) {
      const double g = sense * (height_[static_cast<std::size_t>(at[2 * r + static_cast<std::size_t>(side)])] - height_[vv]);
      if (!(std::abs(g) > level_)) return refuse("an edge level along the direction");
      up[r] |= (g > 0 ? 1U : 0U) << side;
    }
    cells *= static_cast<std::size_t>(up[r] == 3 ? 2 : (up[r] == 0 ? 0 : 1));
  }
  const auto pw = static_cast<std::size_t>(net_.pattern_words());
  const Word* pos = &pos_[vv * static_cast<std::size_t>(words_)];
  for (std::size_t c = 0; c < cells; ++c) {
    const std::size_t first = patterns.size();
    patterns.insert(patterns.end(), pos, pos + pw);
    Word* pattern = &patterns[first];
    if (n_ % 64 != 0) pattern[pw - 1] &= (Word{1} << (n_ % 64)) - 1;
    double point[kMaxDim];
    std::copy_n(&x_[vv * d], d, point);
    std::size_t rest = c;
    for (std::size_t r = 0; r < d; ++r) {
      const std::size_t side = up[r] == 3 ? (rest & 1U) : (up[r] == 2 ? 1 : 0);
      if (up[r] == 3) rest >>= 1;
      if (side == 1 && t[r] < n_) set_bit(pattern, t[r]);
      const auto u = static_cast<std::size_t>(at[2 * r + side]);
      for (std::size_t q = 0; q < d; ++q) point[q] += x_[u * d + q];
    }
    for (std::size_t q = 0; q < d; ++q) point[q] /= static_cast<double>(d + 1);
    if (points != nullptr) points->insert(points->end(), point, point + d);
  }
  return true;
}

// The cell's interior point has its pattern by a forward pass, and every
// neuron and box face more than tol away (as the walk's witnesses).
bool BoxSubdivision::check_cell(const Word* pattern, const double* point) {
  for (std::size_t q = 0; q < static_cast<std::size_t>(d_); ++q)
    if (!(point[q] - dom_.lo[q] > tol_ && dom_.hi[q] - point[q] > tol_)) return refuse("a cell thinner than tol");
  net_.preactivations(point, values_.data(), scratch_);
  bool have_forms = false;
  for (int k = 0; k < n_; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    const double z = values_[kk];
    if ((z > 0.0) != get_bit(pattern, k)) return refuse("a cell's interior point has another pattern");
    if (std::abs(z) > lip_[kk] * tol_ + near_[kk]) continue;
    if (!have_forms) net_.local_forms(pattern, forms_);
    have_forms = true;
    if (z == 0.0 && forms_.is_zero(k)) continue;
    if (!(std::abs(z) > forms_.norm[kk] * tol_ + near_[kk])) return refuse("a cell thinner than tol");
  }
  return true;
}

// The same patterns, each once, in both lists.
bool BoxSubdivision::same_cells(const std::vector<Word>& a, const std::vector<Word>& b) const {
  const auto pw = static_cast<std::size_t>(net_.pattern_words());
  if (a.size() != b.size()) return false;
  auto sorted = [pw](const std::vector<Word>& p) {
    std::vector<std::size_t> order(p.size() / pw);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
      return std::lexicographical_compare(&p[i * pw], &p[i * pw] + pw, &p[j * pw], &p[j * pw] + pw);
    });
    return order;
  };
  const std::vector<std::size_t> oa = sorted(a), ob = sorted(b);
  for (std::size_t i = 0; i < oa.size(); ++i) {
    if (!std::equal(&a[oa[i] * pw], &a[oa[i] * pw] + pw, &b[ob[i] * pw])) return false;
    if (i > 0 && std::equal(&a[oa[i] * pw], &a[oa[i] * pw] + pw, &a[oa[i - 1] * pw])) return false;
  }
  return true;
}

}  // namespace regionwalk
