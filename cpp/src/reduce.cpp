#include "regionwalk/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>

#include "regionwalk/simd.hpp"
#include "regionwalk/stability.hpp"

namespace regionwalk {

namespace {

// Householder reflector of column k of the d x n column-major matrix M from
// row k down: M[k:, k] becomes (beta, 0, ...); v (length d - k) and tau kept.
double householder(std::vector<double>& M, int d, int k, std::vector<double>& v) {
  const auto col = static_cast<size_t>(k) * static_cast<size_t>(d);
  double norm = 0.0;
  for (int i = k; i < d; ++i) norm += M[col + static_cast<size_t>(i)] * M[col + static_cast<size_t>(i)];
  norm = std::sqrt(norm);
  v.assign(M.begin() + static_cast<long>(col + static_cast<size_t>(k)), M.begin() + static_cast<long>(col + static_cast<size_t>(d)));
  if (norm == 0.0) return 0.0;
  const double alpha = v[0] > 0 ? -norm : norm;
  v[0] -= alpha;
  double vv = 0.0;
  for (double x : v) vv += x * x;
  return vv > 0.0 ? 2.0 / vv : 0.0;
}

// Applies I - tau v v^T (acting on rows k..d-1) to the d-vector x.
void reflect(const std::vector<double>& v, double tau, int k, double* x) {
  double s = 0.0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * x[static_cast<size_t>(k) + i];
  s *= tau;
  for (size_t i = 0; i < v.size(); ++i) x[static_cast<size_t>(k) + i] -= s * v[i];
}

// reflect() on columns c0 .. c1 - 1 of the d x n column-major M, four at a
// time: their sums are independent chains (each in reflect()'s order, so the
// same to the bit), not one chain of additions after another.
REGIONWALK_HOT void reflect_columns(const std::vector<double>& v, double tau, int k, double* M, int d, int c0, int c1) {
  const size_t n = v.size();
  const auto dd = static_cast<size_t>(d);
  int c = c0;
  for (; c + 4 <= c1; c += 4) {
    double* x[4];
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    for (int t = 0; t < 4; ++t) x[t] = M + static_cast<size_t>(c + t) * dd + static_cast<size_t>(k);
    for (size_t i = 0; i < n; ++i)
      for (int t = 0; t < 4; ++t) s[t] += v[i] * x[t][i];
    for (int t = 0; t < 4; ++t) {
      s[t] *= tau;
      for (size_t i = 0; i < n; ++i) x[t][i] -= s[t] * v[i];
    }
  }
  for (; c < c1; ++c) reflect(v, tau, k, M + static_cast<size_t>(c) * dd);
}

// Q's first r columns (d x r, row-major) of the Householder QR whose
// reflectors are `vs`, `taus`: the reflectors applied, last first, to e_0 ..
// e_{r-1} (reflector k leaves e_c, c < k, as it is: it acts on rows past c).
std::vector<double> leading_columns(const std::vector<std::vector<double>>& vs, const std::vector<double>& taus,
                                    int d, int r) {
  const auto dd = static_cast<size_t>(d), rr = static_cast<size_t>(r);
  std::vector<double> Q(dd * rr, 0.0);  // column-major
  for (size_t c = 0; c < rr; ++c) Q[c * dd + c] = 1.0;
  for (int k = r - 1; k >= 0; --k) reflect_columns(vs[static_cast<size_t>(k)], taus[static_cast<size_t>(k)], k, Q.data(), d, k, r);
  std::vector<double> basis(dd * rr);
  for (size_t c = 0; c < rr; ++c)
    for (size_t i = 0; i < dd; ++i) basis[i * rr + c] = Q[c * dd + i];
  return basis;
}

// The fixed forms (reduce.hpp, Restriction) of the neurons unstable over the
// ball, each scaled to unit length (a neuron's scale changes nothing), as the
// columns of a d x u column-major matrix; zero forms are left out. Layer l's
// fixed forms sum layer l - 1's stable neurons' only, each times its slope; the
// last layer's stable neurons feed nothing and are skipped.
std::vector<double> unstable_fixed_forms(const Network& net, const std::vector<signed char>& stable) {
  const auto d = static_cast<size_t>(net.input_dim());
  std::vector<double> cols;
  auto keep = [&](const double* form) {
    double n2 = 0.0;
    for (size_t q = 0; q < d; ++q) n2 += form[q] * form[q];
    if (!(n2 > 0.0)) return;
    const double inv = 1.0 / std::sqrt(n2);
    for (size_t q = 0; q < d; ++q) cols.push_back(form[q] * inv);
  };
  const std::vector<Layer>& layers = net.layers();
  const Layer& first = layers.front();
  for (int i = 0; i < first.out; ++i)
    if (stable[static_cast<size_t>(i)] == 0) keep(&first.weight[static_cast<size_t>(i) * d]);
  std::vector<double> prev, cur;
  const double* before = first.weight.data();  // layer l - 1's fixed forms, d each
  const int last = net.num_hidden_layers() - 1;
  for (int l = 1; l <= last; ++l) {
    const Layer& L = layers[static_cast<size_t>(l)];
    const int from = net.layer_offset(l - 1), at = net.layer_offset(l);
    cur.assign(static_cast<size_t>(L.out) * d, 0.0);
    for (int j = 0; j < L.out; ++j) {
      const signed char sj = stable[static_cast<size_t>(at + j)];
      if (l == last && sj != 0) continue;
      double* f = &cur[static_cast<size_t>(j) * d];
      for (int i = 0; i < L.in; ++i) {
        const signed char si = stable[static_cast<size_t>(from + i)];
        const double m = si == 0 ? 0.0 : L.weight[static_cast<size_t>(j) * static_cast<size_t>(L.in) + static_cast<size_t>(i)] *
                                         (si > 0 ? 1.0 : net.alpha());
        if (m == 0.0) continue;
        const double* g = before + static_cast<size_t>(i) * d;
        for (size_t q = 0; q < d; ++q) f[q] += m * g[q];
      }
      if (sj == 0) keep(f);
    }
    prev.swap(cur);
    before = prev.data();
  }
  return cols;
}

}  // namespace

std::vector<double> row_space(const std::vector<double>& w, int rows, int d, int* rank) {
  // M = W^T, d x rows, column-major: column j is row j of W.
  std::vector<double> M(w);
  std::vector<std::vector<double>> vs;
  std::vector<double> taus, norms(static_cast<size_t>(rows));
  const int steps = std::min(rows, d);
  double first = 0.0;
  int r = 0;
  for (int k = 0; k < steps; ++k) {
    // Pivot: the remaining column of largest norm below row k.
    for (int j = k; j < rows; ++j) {
      double s = 0.0;
      for (int i = k; i < d; ++i) s += M[static_cast<size_t>(j) * static_cast<size_t>(d) + static_cast<size_t>(i)] *
                                       M[static_cast<size_t>(j) * static_cast<size_t>(d) + static_cast<size_t>(i)];
      norms[static_cast<size_t>(j)] = s;
    }
    const int p = static_cast<int>(std::max_element(norms.begin() + k, norms.end()) - norms.begin());
    const double pivot = std::sqrt(norms[static_cast<size_t>(p)]);
    if (k == 0) first = pivot;
    if (!(pivot > first * std::max(rows, d) * std::numeric_limits<double>::epsilon())) break;
    std::swap_ranges(M.begin() + static_cast<long>(static_cast<size_t>(k) * static_cast<size_t>(d)),
                     M.begin() + static_cast<long>(static_cast<size_t>(k + 1) * static_cast<size_t>(d)),
                     M.begin() + static_cast<long>(static_cast<size_t>(p) * static_cast<size_t>(d)));
    std::vector<double> v;
    const double tau = householder(M, d, k, v);
    reflect_columns(v, tau, k, M.data(), d, k, rows);
    vs.push_back(std::move(v));
    taus.push_back(tau);
    ++r;
  }
  *rank = r;
  return leading_columns(vs, taus, d, r);
}

REGIONWALK_HOT std::vector<double> row_weight(const Layer& L, const double* basis, int rank) {
  const auto d = static_cast<size_t>(L.in), r = static_cast<size_t>(rank);
  std::vector<double> w(static_cast<size_t>(L.out) * r, 0.0);
  // B entries of a row at a time, summed in registers over q in order from 0
  // (the same to the bit as one at a time); the last block overlaps the one
  // before rather than leave a narrower tail (its sums come out the same).
  auto blocks = [&](auto width) {
    constexpr size_t B = decltype(width)::value;
    for (size_t i = 0; i < static_cast<size_t>(L.out); ++i) {
      const double* wi = &L.weight[i * d];
      for (size_t c0 = 0; c0 < r; c0 += B) {
        const size_t at = std::min(c0, r - B);
        double acc[B] = {};
        for (size_t q = 0; q < d; ++q)
          for (size_t t = 0; t < B; ++t) acc[t] += wi[q] * basis[q * r + at + t];
        std::copy(acc, acc + B, &w[i * r + at]);
      }
    }
  };
  if (r >= 8)
    blocks(std::integral_constant<size_t, 8>{});
  else if (r >= 4)
    blocks(std::integral_constant<size_t, 4>{});
  else
    blocks(std::integral_constant<size_t, 1>{});
  return w;
}

Reduction reduce(const Network& net, const Domain& dom, const KnownRowSpace* known) {
  const Layer& L = net.layers().front();
  const auto d = static_cast<size_t>(L.in);
  Layer first{L.in, L.out, {}, L.bias};
  if (dom.kind == DomainKind::Box) {
    std::vector<double> h(d);
    for (size_t q = 0; q < d; ++q) h[q] = 0.5 * (dom.hi[q] - dom.lo[q]);
    first.weight = L.weight;
    for (int i = 0; i < L.out; ++i)
      for (size_t q = 0; q < d; ++q) {
        first.weight[static_cast<size_t>(i) * d + q] *= h[q];
        first.bias[static_cast<size_t>(i)] += L.weight[static_cast<size_t>(i) * d + q] * dom.center[q];
      }
    const double shrink = 1.0 / *std::min_element(h.begin(), h.end());
    return Reduction{net.with_first_layer(std::move(first)), Domain::box(std::vector<double>(d, -1.0), std::vector<double>(d, 1.0)),
                     dom.center, std::move(h), {}, 0, shrink};
  }
  int r = known != nullptr ? known->rank : 0;
  std::vector<double> basis;
  if (known == nullptr) basis = row_space(L.weight, L.out, L.in, &r);
  if (r == 0 || r == L.in) return Reduction{net, dom, std::vector<double>(d, 0.0), {}, {}, 0, 1.0};
  const double* B = known != nullptr ? known->basis : basis.data();
  const std::vector<double> origin = dom.kind == DomainKind::Ball ? dom.center : std::vector<double>(d, 0.0);
  first.in = r;
  first.weight = known != nullptr && known->weight != nullptr
                     ? std::vector<double>(known->weight, known->weight + static_cast<size_t>(L.out) * static_cast<size_t>(r))
                     : row_weight(L, B, r);
  for (int i = 0; i < L.out; ++i) {
    const double* wi = &L.weight[static_cast<size_t>(i) * d];
    for (size_t q = 0; q < d; ++q) first.bias[static_cast<size_t>(i)] += wi[q] * origin[q];
  }
  Domain reduced = dom.kind == DomainKind::Ball ? Domain::ball(std::vector<double>(static_cast<size_t>(r), 0.0), dom.radius)
                                                : Domain::whole(r);
  return Reduction{net.with_first_layer(std::move(first)), std::move(reduced), origin, {}, std::move(basis), r, 1.0};
}

namespace {

// Which neurons a restricted ball's walk keeps (reduce.hpp, pattern_map.hpp):
// all but those of fixed sign that change no other neuron there, keeping at
// least one per layer.
std::vector<std::vector<int>> kept_neurons(const Network& net, const std::vector<signed char>& stable) {
  const int last = net.num_hidden_layers() - 1;
  std::vector<std::vector<int>> kept(static_cast<size_t>(last + 1));
  for (int l = 0; l <= last; ++l) {
    std::vector<int>& mine = kept[static_cast<size_t>(l)];
    for (int k = net.layer_offset(l); k < net.layer_offset(l + 1); ++k) {
      const signed char sk = stable[static_cast<size_t>(k)];
      const bool unseen = sk != 0 && (l == last || (sk < 0 && net.alpha() == 0.0));
      if (!unseen) mine.push_back(k - net.layer_offset(l));
    }
    if (mine.empty()) mine.push_back(0);
  }
  return kept;
}

// The network of the kept neurons (`first` already in the restricted
// coordinates, kept rows only), with the map of its patterns into net's.
Network pruned(const Network& net, const std::vector<signed char>& stable, const std::vector<std::vector<int>>& kept,
               Layer first) {
  const std::vector<Layer>& layers = net.layers();
  const PatternMap& outer = net.pattern_map();
  PatternMap map;
  map.neurons = outer.identity() ? net.hidden_neurons() : outer.neurons;
  map.fixed = outer.identity() ? Pattern(static_cast<size_t>(words_for(map.neurons)), 0) : outer.fixed;
  auto full = [&](int k) { return outer.identity() ? k : outer.kept[static_cast<size_t>(k)]; };
  for (int k = 0; k < net.hidden_neurons(); ++k)
    if (stable[static_cast<size_t>(k)] > 0) set_bit(map.fixed.data(), full(k));
  std::vector<Layer> out;
  out.push_back(std::move(first));
  for (size_t l = 1; l < layers.size(); ++l) {
    const Layer& L = layers[l];
    const std::vector<int>& cols = kept[l - 1];
    Layer sub{static_cast<int>(cols.size()), 0, {}, {}};
    for (int i = 0; i < L.out; ++i) {
      if (l < kept.size() && !std::binary_search(kept[l].begin(), kept[l].end(), i)) continue;  // (the output keeps all)
      for (int k : cols) sub.weight.push_back(L.weight[static_cast<size_t>(i) * static_cast<size_t>(L.in) + static_cast<size_t>(k)]);
      sub.bias.push_back(L.bias[static_cast<size_t>(i)]);
      ++sub.out;
    }
    out.push_back(std::move(sub));
  }
  for (size_t l = 0; l < kept.size(); ++l)
    for (int i : kept[l]) {
      const int k = net.layer_offset(static_cast<int>(l)) + i;
      map.kept.push_back(full(k));
      // A kept neuron's bit is the walk's, not a fixed one.
      map.fixed[static_cast<size_t>(full(k) >> 6)] &= ~(Word{1} << (full(k) & 63));
    }
  return Network(std::move(out), net.alpha(), std::move(map));
}

}  // namespace

std::optional<Restriction> restrict_ball(const Network& net, const Domain& dom) {
  const int d = net.input_dim();
  if (dom.kind != DomainKind::Ball || dom.dim != d) return std::nullopt;
  const std::vector<signed char> stable = stable_signs(net, dom);
  std::vector<double> M = unstable_fixed_forms(net, stable);
  const int u = static_cast<int>(M.size() / static_cast<size_t>(d));
  const int s = std::max(u, 1);
  if (s >= d) return std::nullopt;
  if (u == 0) {  // every neuron stable: one region, walked on a line
    M.assign(static_cast<size_t>(d), 0.0);
    M[0] = 1.0;
  }
  std::vector<std::vector<double>> vs(static_cast<size_t>(s));
  std::vector<double> taus(static_cast<size_t>(s));
  for (int k = 0; k < s; ++k) {
    taus[static_cast<size_t>(k)] = householder(M, d, k, vs[static_cast<size_t>(k)]);
    reflect_columns(vs[static_cast<size_t>(k)], taus[static_cast<size_t>(k)], k, M.data(), d, k + 1, s);
  }
  std::vector<double> span = leading_columns(vs, taus, d, s);
  // The kept first-layer neurons in the new coordinates: W_1 S, bias b_1 + W_1 c.
  const std::vector<std::vector<int>> kept = kept_neurons(net, stable);
  const Layer& L = net.layers().front();
  Layer rows{d, static_cast<int>(kept[0].size()), {}, {}};
  for (int i : kept[0]) {
    const double* w = &L.weight[static_cast<size_t>(i) * static_cast<size_t>(d)];
    rows.weight.insert(rows.weight.end(), w, w + d);
    double b = L.bias[static_cast<size_t>(i)];
    for (size_t q = 0; q < static_cast<size_t>(d); ++q) b += w[q] * dom.center[q];
    rows.bias.push_back(b);
  }
  Layer first{s, rows.out, row_weight(rows, span.data(), s), rows.bias};
  return Restriction{pruned(net, stable, kept, std::move(first)),
                     Domain::ball(std::vector<double>(static_cast<size_t>(s), 0.0), dom.radius), std::move(span)};
}

}  // namespace regionwalk
