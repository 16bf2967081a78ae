// Reading the cells off a finished complex (subdivide.hpp).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "regionwalk/parallel.hpp"
#include "regionwalk/subdivide.hpp"

namespace regionwalk {

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
  const int T = team(count_);
  std::vector<double> reach(static_cast<std::size_t>(T), 0.0);
  run_parallel(T, [&](int t) {
    const auto [v0, v1] = share(count_, T, t);
    double most = 0.0;  // not reach[t] in the loop: the threads' entries share a cache line
    for (std::size_t v = v0; v < v1; ++v) {
      double h = 0.0;
      for (std::size_t q = 0; q < d; ++q) h += dir[q] * x_[v * d + q];
      height_[v] = h / std::sqrt(norm);
      most = std::max(most, std::abs(height_[v]));
    }
    reach[static_cast<std::size_t>(t)] = most;
  });
  level_ = 1e-12 * *std::max_element(reach.begin(), reach.end());
}

// Each cell has one lowest vertex along the direction: the cells are read off
// the vertices, and again off the highest vertices, which must give the same.
// Threads read chunks of contiguous vertices, joined in chunk order.
bool BoxSubdivision::read_cells(std::vector<Word>& patterns, std::vector<double>& points) {
  heights();
  // Chunks taken in turn: the later vertices, made by the last layers' cuts,
  // are the lowest of more cells each.
  const int T = team(count_);
  const std::size_t C = chunks(T);
  std::vector<Reader> readers(C);
  run_chunks(T, C, [&](std::size_t c, int) {
    const auto [v0, v1] = share(count_, static_cast<int>(C), static_cast<int>(c));
    read_range(v0, v1, readers[c]);
  });
  for (Reader& r : readers)
    if (!r.why.empty()) return refuse(r.why);
  release();
  std::vector<Word> highest;
  join(readers, T, patterns, points, highest);
  return sort_and_compare(patterns, points, highest);
}

// Frees the complex, which the cells no longer need (its arrays are a
// thread's each: returning gigabytes to the system takes a while).
void BoxSubdivision::release() {
  run_parallel(std::min(threads_, 2), [&](int t) {
    if (t == 0 || threads_ < 2) {
      x_.release();
      tlist_.release();
      std::vector<double>().swap(height_);
    }
    if (t == 1 || threads_ < 2) {
      nbr_.release();
      pos_.release();
      tight_.release();
    }
  });
}

// The readers' cells, in reader order, each reader's copied (and freed) by
// the thread that takes it.
void BoxSubdivision::join(std::vector<Reader>& readers, int threads, std::vector<Word>& patterns,
                          std::vector<double>& points, std::vector<Word>& highest) {
  const std::size_t R = readers.size();
  std::vector<std::size_t> word_at(R + 1, 0), high_at(R + 1, 0), coord_at(R + 1, 0);
  for (std::size_t i = 0; i < R; ++i) {
    word_at[i + 1] = word_at[i] + readers[i].patterns.size();
    high_at[i + 1] = high_at[i] + readers[i].highest.size();
    coord_at[i + 1] = coord_at[i] + readers[i].points.size();
  }
  patterns.resize(word_at[R]);
  highest.resize(high_at[R]);
  points.resize(coord_at[R]);
  run_chunks(threads, R, [&](std::size_t i, int) {
    Reader& r = readers[i];
    std::copy(r.patterns.begin(), r.patterns.end(), patterns.begin() + static_cast<std::ptrdiff_t>(word_at[i]));
    std::copy(r.highest.begin(), r.highest.end(), highest.begin() + static_cast<std::ptrdiff_t>(high_at[i]));
    std::copy(r.points.begin(), r.points.end(), points.begin() + static_cast<std::ptrdiff_t>(coord_at[i]));
    r = Reader();
  });
}

bool BoxSubdivision::read_range(std::size_t v0, std::size_t v1, Reader& r) const {
  const auto d = static_cast<std::size_t>(d_);
  const auto pw = static_cast<std::size_t>(net_.pattern_words());
  r.values.resize(static_cast<std::size_t>(n_));
  for (std::size_t v = v0; v < v1; ++v) {
    if ((v & 4095) == 0 && cancel_->cancelled()) return r.why = "cancelled", false;
    const int vi = static_cast<int>(v);
    const int* t = &tlist_[v * d];
    const int* at = &nbr_[v * 2 * d];
    if (!slots(vi, r)) return false;
    const std::size_t first = r.patterns.size() / pw;
    if (!emit(vi, t, at, 1.0, r.patterns, &r.points, r) || !emit(vi, t, at, -1.0, r.highest, nullptr, r))
      return false;
    for (std::size_t i = first; i * pw < r.patterns.size(); ++i)
      if (!check_cell(&r.patterns[i * pw], &r.points[i * d], r)) return false;
  }
  return true;
}

// Vertex v has an edge in each of its slots: two per tight neuron, one
// (inwards) per tight box face.
bool BoxSubdivision::slots(int v, Reader& rd) const {
  const auto d = static_cast<std::size_t>(d_), vv = static_cast<std::size_t>(v);
  const int* t = &tlist_[vv * d];
  const int* at = &nbr_[vv * 2 * d];
  for (std::size_t r = 0; r < d; ++r)
    if (at[2 * r + 1] < 0 || (t[r] < n_) != (at[2 * r] >= 0)) return rd.why = "a vertex misses an edge", false;
  return true;
}

// The cells whose lowest vertex along `sense` times the direction is v: one
// per choice of a rising edge for each tight constraint. Where a later
// neuron's zero set bends at v, a tight neuron's two edges need not be
// opposite: both may rise (a choice of two) or neither (no cell).
bool BoxSubdivision::emit(int v, const int* t, const int* at, double sense, std::vector<Word>& patterns,
                          std::vector<double>* points, Reader& rd) const {
  const auto d = static_cast<std::size_t>(d_);
  const auto vv = static_cast<std::size_t>(v);
  unsigned up[kMaxDim];  // per r: bit s set when slot (r, s) rises
  std::size_t cells = 1;
  for (std::size_t r = 0; r < d; ++r) {
    up[r] = 0;
    for (int side = t[r] < n_ ? 0 : 1; side <= 1; ++side) {
      const double g = sense * (height_[static_cast<std::size_t>(at[2 * r + static_cast<std::size_t>(side)])] - height_[vv]);
      if (!(std::abs(g) > level_)) return rd.why = "an edge level along the direction", false;
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
bool BoxSubdivision::check_cell(const Word* pattern, const double* point, Reader& rd) const {
  for (std::size_t q = 0; q < static_cast<std::size_t>(d_); ++q)
    if (!(point[q] - dom_.lo[q] > tol_ && dom_.hi[q] - point[q] > tol_)) return rd.why = "a cell thinner than tol", false;
  net_.preactivations(point, rd.values.data(), rd.scratch);
  bool have_forms = false;
  for (int k = 0; k < n_; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    const double z = rd.values[kk];
    if ((z > 0.0) != get_bit(pattern, k)) return rd.why = "a cell's interior point has another pattern", false;
    if (std::abs(z) > lip_[kk] * tol_ + near_[kk]) continue;
    if (!have_forms) net_.local_forms(pattern, rd.forms);
    have_forms = true;
    if (z == 0.0 && rd.forms.is_zero(k)) continue;
    if (!(std::abs(z) > rd.forms.norm[kk] * tol_ + near_[kk])) return rd.why = "a cell thinner than tol", false;
  }
  return true;
}

namespace {

// The order of n patterns of pw words (lexicographic), by their first word
// and their index, the other words compared only on a tie.
std::vector<std::size_t> sorted_order(const std::vector<Word>& p, std::size_t n, std::size_t pw) {
  std::vector<std::pair<Word, std::size_t>> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = {p[i * pw], i};
  std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    const Word* x = p.data() + a.second * pw;
    const Word* y = p.data() + b.second * pw;
    return std::lexicographical_compare(x + 1, x + pw, y + 1, y + pw);
  });
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = keys[i].second;
  return order;
}

}  // namespace

// Sorts the cells by pattern (both readings at once, on two threads where
// there are) and checks that each is read once, and the same off the highest
// vertices; threads then gather contiguous ranges of the sorted cells.
bool BoxSubdivision::sort_and_compare(std::vector<Word>& patterns, std::vector<double>& points,
                                      const std::vector<Word>& highest) {
  const auto pw = static_cast<std::size_t>(net_.pattern_words()), d = static_cast<std::size_t>(d_);
  if (patterns.size() != highest.size()) return refuse("the highest vertices give other cells than the lowest");
  const std::size_t n = patterns.size() / pw;
  std::vector<std::size_t> order[2];
  const int sorters = std::min(threads_, 2);
  run_parallel(sorters, [&](int t) {
    for (int which = t; which < 2; which += sorters) order[which] = sorted_order(which == 0 ? patterns : highest, n, pw);
  });
  std::vector<Word> sorted(patterns.size());
  std::vector<double> at(points.size());
  const int T = team(n);
  std::vector<char> differ(static_cast<std::size_t>(T), 0), twice(static_cast<std::size_t>(T), 0);
  run_parallel(T, [&](int t) {
    const auto [i0, i1] = share(n, T, t);
    bool other = false, again = false;  // written to differ[t], twice[t] once: they share a cache line
    for (std::size_t i = i0; i < i1; ++i) {
      const Word* a = &patterns[order[0][i] * pw];
      other |= !std::equal(a, a + pw, &highest[order[1][i] * pw]);
      again |= i > 0 && std::equal(a, a + pw, &patterns[order[0][i - 1] * pw]);
      std::copy_n(a, pw, &sorted[i * pw]);
      std::copy_n(&points[order[0][i] * d], d, &at[i * d]);
    }
    differ[static_cast<std::size_t>(t)] = other;
    twice[static_cast<std::size_t>(t)] = again;
  });
  if (std::find(differ.begin(), differ.end(), 1) != differ.end())
    return refuse("the highest vertices give other cells than the lowest");
  if (std::find(twice.begin(), twice.end(), 1) != twice.end()) return refuse("a cell read off twice");
  patterns.swap(sorted);
  points.swap(at);
  return true;
}

}  // namespace regionwalk
