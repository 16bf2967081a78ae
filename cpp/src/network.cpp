#include "regionwalk/network.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

#include "regionwalk/checks.hpp"
#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {
// out += w_0 m_0 + w_1 m_1 + w_2 m_2 + w_3 m_3, summed in that order: the same
// bits as four single axpys, with one load and store of out per element.
inline void axpy4(double* out, const double* const w[4], const double m[4], size_t n) {
  const double *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
  const double m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3];
  for (size_t i = 0; i < n; ++i) out[i] = out[i] + w0[i] * m0 + w1[i] * m1 + w2[i] * m2 + w3[i] * m3;
}

inline void axpy(double* out, const double* w, double m, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] += w[i] * m;
}
}  // namespace

namespace {
std::uint64_t next_id() {
  static std::atomic<std::uint64_t> built{0};
  return ++built;
}
}  // namespace

Network::Network(std::vector<Layer> layers, double alpha, PatternMap map)
    : layers_(std::move(layers)), alpha_(alpha), id_(next_id()), map_(std::move(map)) {
  if (layers_.size() < 2)
    throw std::invalid_argument("a network needs at least one hidden layer and an output layer");
  if (!(alpha_ >= 0.0 && alpha_ < 1.0))
    throw std::invalid_argument("activation slope alpha must satisfy 0 <= alpha < 1");
  transposed_.resize(layers_.size());
  abs_row_sums_.resize(layers_.size());
  offsets_.push_back(0);
  for (size_t l = 0; l < layers_.size(); ++l) {
    derive(l);
    if (l + 1 < layers_.size()) {
      hidden_ += layers_[l].out;
      offsets_.push_back(hidden_);
    }
  }
  if (!map_.identity()) {
    const bool fits = map_.kept.size() == static_cast<size_t>(hidden_) &&
                      map_.fixed.size() == static_cast<size_t>(map_.words()) &&
                      std::is_sorted(map_.kept.begin(), map_.kept.end()) &&
                      std::adjacent_find(map_.kept.begin(), map_.kept.end()) == map_.kept.end() &&
                      (map_.kept.empty() || (map_.kept.front() >= 0 && map_.kept.back() < map_.neurons));
    if (!fits) throw std::invalid_argument("a pattern map needs one full-network neuron per neuron, ascending");
  }
}

Network Network::with_first_layer(Layer first) const {
  if (first.out != layers_.front().out)
    throw std::invalid_argument("a new first layer must keep the width " + std::to_string(layers_.front().out));
  Network out;  // the later layers' weights, transposes and sums copied (the old first layer's not: 784 x 64 is 400 kB)
  out.layers_.reserve(layers_.size());
  out.layers_.push_back(std::move(first));
  out.layers_.insert(out.layers_.end(), layers_.begin() + 1, layers_.end());
  out.transposed_.resize(1);
  out.transposed_.insert(out.transposed_.end(), transposed_.begin() + 1, transposed_.end());
  out.abs_row_sums_.resize(1);
  out.abs_row_sums_.insert(out.abs_row_sums_.end(), abs_row_sums_.begin() + 1, abs_row_sums_.end());
  out.offsets_ = offsets_;
  out.hidden_ = hidden_;
  out.alpha_ = alpha_;
  out.map_ = map_;
  out.id_ = next_id();
  out.derive(0);
  return out;
}

Network Network::with_first_bias(std::vector<double> bias) const {
  if (bias.size() != layers_.front().bias.size())
    throw std::invalid_argument("a new first bias must keep the width " + std::to_string(layers_.front().out));
  if (!all_finite(bias)) throw std::invalid_argument("layer 0 bias contains NaN or inf");
  Network out(*this);
  out.layers_.front().bias = std::move(bias);
  out.id_ = next_id();
  return out;
}

void Network::derive(size_t l) {
  const Layer& L = layers_[l];
  auto name = [l] { return "layer " + std::to_string(l); };
  if (L.in <= 0 || L.out <= 0) throw std::invalid_argument(name() + " has an empty shape");
  if (L.weight.size() != static_cast<size_t>(L.in) * static_cast<size_t>(L.out))
    throw std::invalid_argument(name() + ": weight size does not match out x in");
  if (L.bias.size() != static_cast<size_t>(L.out))
    throw std::invalid_argument(name() + ": bias size does not match out");
  if (l > 0 && L.in != layers_[l - 1].out)
    throw std::invalid_argument(name() + ": input width " + std::to_string(L.in) +
                                " does not match the previous layer's output " + std::to_string(layers_[l - 1].out));
  if (!all_finite(L.weight)) throw std::invalid_argument(name() + " weight contains NaN or inf");
  if (!all_finite(L.bias)) throw std::invalid_argument(name() + " bias contains NaN or inf");
  std::vector<double>& wt = transposed_[l];
  wt.resize(L.weight.size());
  // In tiles: a row-by-row transpose of a 512 x 512 layer writes each element a
  // page apart, and took milliseconds per layer (a ball's set-up builds several).
  constexpr int kTile = 8;
  const auto in = static_cast<size_t>(L.in), out = static_cast<size_t>(L.out);
  for (int i0 = 0; i0 < L.out; i0 += kTile)
    for (int k0 = 0; k0 < L.in; k0 += kTile)
      for (int i = i0; i < std::min(i0 + kTile, L.out); ++i)
        for (int k = k0; k < std::min(k0 + kTile, L.in); ++k)
          wt[static_cast<size_t>(k) * out + static_cast<size_t>(i)] = L.weight[static_cast<size_t>(i) * in + static_cast<size_t>(k)];
  // Each row's sum over k in order, all rows at once (column k of W is contiguous in wt).
  std::vector<double>& sums = abs_row_sums_[l];
  sums.assign(static_cast<size_t>(L.out), 0.0);
  for (int k = 0; k < L.in; ++k)
    for (size_t i = 0; i < sums.size(); ++i) sums[i] += std::abs(wt[static_cast<size_t>(k) * sums.size() + i]);
}

void Network::zero_cancelled(int l, const std::vector<double>& h, double* out) const {
  // |W_i.h + b_i| <= |b_i| + sum_k |W_ik| |h_k| <= |b_i| + (sum_k |W_ik|) max|h|:
  // the cheap bound clears almost every neuron; the rest get their own sum.
  const Layer& L = layers_[static_cast<size_t>(l)];
  const std::vector<double>& sums = abs_row_sums_[static_cast<size_t>(l)];
  const double cancel = forward_cancel(L.in);
  double h_max = 0.0;
  for (double v : h) h_max = std::max(h_max, std::abs(v));
  for (int i = 0; i < L.out; ++i) {
    const auto ii = static_cast<size_t>(i);
    const double zi = std::abs(out[i]);
    const double b = std::abs(L.bias[ii]);
    if (zi == 0.0 || zi > cancel * (b + sums[ii] * h_max)) continue;
    double size = b;
    const double* w = &L.weight[ii * static_cast<size_t>(L.in)];
    for (int k = 0; k < L.in; ++k) size += std::abs(w[k]) * std::abs(h[static_cast<size_t>(k)]);
    if (zi <= cancel * size) out[i] = 0.0;
  }
}

REGIONWALK_HOT void Network::preactivations(const double* x, double* z, std::vector<double>& scratch) const {
  // scratch holds the current layer's outputs, then the next pre-activations.
  const int d = input_dim();
  scratch.assign(x, x + d);
  for (int l = 0; l < num_hidden_layers(); ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    const std::vector<double>& wt = transposed_[static_cast<size_t>(l)];
    double* out = z + offsets_[static_cast<size_t>(l)];
    std::copy(L.bias.begin(), L.bias.end(), out);
    const auto n_out = static_cast<size_t>(L.out);
    // Inactive ReLU inputs cost nothing; the others go four at a time, summed
    // in the one-at-a-time order (as in local_forms).
    int live[4];
    int n_live = 0;
    const double* w[4];
    double h[4];
    for (int k = 0; k < L.in; ++k) {
      if (scratch[static_cast<size_t>(k)] == 0.0) continue;
      live[n_live++] = k;
      if (n_live < 4) continue;
      n_live = 0;
      for (int b = 0; b < 4; ++b) {
        w[b] = &wt[static_cast<size_t>(live[b]) * n_out];
        h[b] = scratch[static_cast<size_t>(live[b])];
      }
      axpy4(out, w, h, n_out);
    }
    for (int b = 0; b < n_live; ++b)
      axpy(out, &wt[static_cast<size_t>(live[b]) * n_out], scratch[static_cast<size_t>(live[b])], n_out);
    zero_cancelled(l, scratch, out);
    scratch.resize(n_out);
    for (size_t i = 0; i < n_out; ++i) scratch[i] = out[i] > 0.0 ? out[i] : alpha_ * out[i];
  }
}

std::vector<double> Network::preactivations(const double* x) const {
  std::vector<double> z(static_cast<size_t>(hidden_)), scratch;
  preactivations(x, z.data(), scratch);
  return z;
}

Pattern Network::pattern_of(const double* x) const {
  Pattern p(static_cast<size_t>(pattern_words()), 0);
  const std::vector<double> z = preactivations(x);
  for (int j = 0; j < hidden_; ++j)
    if (z[static_cast<size_t>(j)] > 0.0) set_bit(p.data(), j);
  return p;
}

REGIONWALK_HOT void Network::local_forms(const Word* pattern, LocalForms& out, const FormsPlan* plan,
                                         const FixedInputs* fixed) const {
  const int d = input_dim();
  const auto N = static_cast<size_t>(hidden_);
  const auto dd = static_cast<size_t>(d);
  out.dim = d;
  out.neurons = hidden_;
  out.a.resize(dd * N);
  out.c.resize(N);
  // Layer 1's forms are its weights (column q of them is row q of the
  // transposed weights); later layers' start at 0. Layer l+1's are
  // W_{l+1} D_l (forms of layer l): for every active input k, column q gains
  // W[:, k] * a_k[q].
  const Layer& L0 = layers_.front();
  const auto first = static_cast<size_t>(L0.out);
  const bool kept = out.first_layer_of == id_;
  for (size_t q = 0; q < dd; ++q) {
    if (!kept) std::copy_n(&transposed_.front()[q * first], first, &out.a[q * N]);
    std::fill_n(&out.a[q * N + first], N - first, 0.0);
  }
  if (!kept) std::copy(L0.bias.begin(), L0.bias.end(), out.c.begin());
  const int last = num_hidden_layers() - 1;
  for (int l = 1; l <= last; ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    const auto cur = static_cast<size_t>(offsets_[static_cast<size_t>(l)]);
    const auto n = static_cast<size_t>(L.out);
    const bool planned = l == last && plan != nullptr && plan->skips;
    const FixedInputs* from_fixed =
        l == 1 && fixed != nullptr && !fixed->empty() && (planned || !fixed->compact) && fixed->holds_for(pattern)
            ? fixed : nullptr;
    const char* skip = from_fixed != nullptr ? from_fixed->input.data() : nullptr;
    if (!planned) {
      if (from_fixed != nullptr) {
        std::copy(from_fixed->c.begin(), from_fixed->c.end(), &out.c[cur]);
        for (size_t q = 0; q < dd; ++q) std::copy_n(&from_fixed->a[q * n], n, &out.a[q * N + cur]);
      } else {
        std::copy(L.bias.begin(), L.bias.end(), &out.c[cur]);
      }
      layer_forms(l, pattern, out, transposed_[static_cast<size_t>(l)].data(), n, &out.a[cur], N, &out.c[cur], skip);
      continue;
    }
    // The kept neurons only, in a compact block, then put in their rows.
    const size_t m = plan->keep.size();
    out.part.resize((dd + 1) * m);
    double* c = out.part.data() + dd * m;  // (no element when every neuron is skipped)
    if (from_fixed != nullptr && from_fixed->compact) {
      std::copy(from_fixed->a.begin(), from_fixed->a.end(), out.part.begin());
      std::copy(from_fixed->c.begin(), from_fixed->c.end(), c);
    } else if (from_fixed != nullptr) {
      for (size_t q = 0; q <= dd; ++q) {
        const double* col = q < dd ? &from_fixed->a[q * n] : from_fixed->c.data();
        for (size_t t = 0; t < m; ++t) out.part[q * m + t] = col[plan->keep[t]];
      }
    } else {
      std::fill_n(out.part.begin(), dd * m, 0.0);
      std::copy(plan->bias.begin(), plan->bias.end(), c);
    }
    layer_forms(l, pattern, out, plan->weight.data(), m, out.part.data(), m, c, skip);
    std::fill_n(&out.c[cur], static_cast<size_t>(L.out), 0.0);
    for (size_t q = 0; q <= dd; ++q) {
      double* to = q < dd ? &out.a[q * N + cur] : &out.c[cur];
      const double* from = out.part.data() + q * m;
      for (size_t t = 0; t < m; ++t) to[plan->keep[t]] = from[t];
    }
  }
  // Norms column by column, each neuron's terms summed in coordinate order
  // (the first layer's are kept with its forms).
  const size_t from = kept ? first : 0;
  out.norm.resize(N);
  std::fill(out.norm.begin() + static_cast<std::ptrdiff_t>(from), out.norm.end(), 0.0);
  for (int q = 0; q < d; ++q) {
    const double* col = &out.a[static_cast<size_t>(q) * N];
    for (size_t k = from; k < N; ++k) out.norm[k] += col[k] * col[k];
  }
  for (size_t k = from; k < N; ++k) out.norm[k] = std::sqrt(out.norm[k]);
  out.first_layer_of = id_;
  find_vanishing(pattern, out, plan != nullptr && plan->skips ? plan : nullptr);
}

REGIONWALK_HOT void Network::layer_forms(int l, const Word* pattern, LocalForms& out, const double* wt, size_t n_out,
                                         double* a, size_t stride, double* c, const char* skip) const {
  const Layer& L = layers_[static_cast<size_t>(l)];
  const int d = input_dim();
  const auto N = static_cast<size_t>(hidden_);
  const auto prev = static_cast<size_t>(offsets_[static_cast<size_t>(l - 1)]);
  // Inputs with a nonzero slope (alpha = 0: the active ones), taken four at
  // a time: each pass over a column then loads and stores it once for four
  // axpys. The sums keep the one-at-a-time order, so the forms are the same
  // to the bit.
  std::vector<int>& live = out.live;
  live.clear();
  for (int k = 0; k < L.in; ++k)
    if ((alpha_ != 0.0 || get_bit(pattern, static_cast<int>(prev) + k)) && (skip == nullptr || skip[k] == 0))
      live.push_back(k);
  auto slope = [&](int k) { return get_bit(pattern, static_cast<int>(prev) + k) ? 1.0 : alpha_; };
  // Column q of the forms (q == d: the constant term).
  auto src = [&](int q) { return q < d ? &out.a[static_cast<size_t>(q) * N + prev] : &out.c[prev]; };
  auto dst = [&](int q) { return q < d ? a + static_cast<size_t>(q) * stride : c; };
  size_t b = 0;
  const double* w[4];
  double f[4], m[4];
  for (; b + 4 <= live.size(); b += 4) {
    for (size_t t = 0; t < 4; ++t) {
      w[t] = &wt[static_cast<size_t>(live[b + t]) * n_out];
      f[t] = slope(live[b + t]);
    }
    for (int q = 0; q <= d; ++q) {
      const double* from = src(q);
      for (size_t t = 0; t < 4; ++t) m[t] = f[t] * from[live[b + t]];
      axpy4(dst(q), w, m, n_out);
    }
  }
  for (; b < live.size(); ++b) {
    const int k = live[b];
    for (int q = 0; q <= d; ++q) axpy(dst(q), &wt[static_cast<size_t>(k) * n_out], slope(k) * src(q)[k], n_out);
  }
}

REGIONWALK_HOT FixedInputs Network::fixed_inputs(const std::vector<signed char>& stable) const {
  FixedInputs fixed;
  if (num_hidden_layers() < 2 || stable.size() != static_cast<size_t>(hidden_)) return fixed;
  const Layer& first = layers_[0];
  const Layer& second = layers_[1];
  const auto d = static_cast<size_t>(first.in);
  const auto n = static_cast<size_t>(second.out);
  const std::vector<double>& wt = transposed_[1];  // column k of W_2 at k * n
  fixed.input.assign(static_cast<size_t>(first.out), 0);
  fixed.mask.assign(static_cast<size_t>(pattern_words()), 0);
  fixed.bits.assign(fixed.mask.size(), 0);
  std::vector<int> terms;  // the fixed neurons with a nonzero slope, ascending
  for (int k = 0; k < first.out; ++k) {
    const signed char sign = stable[static_cast<size_t>(k)];
    if (sign == 0) continue;
    fixed.input[static_cast<size_t>(k)] = 1;
    fixed.mask[static_cast<size_t>(k >> 6)] |= Word{1} << (k & 63);
    if (sign > 0) fixed.bits[static_cast<size_t>(k >> 6)] |= Word{1} << (k & 63);
    if (sign > 0 || alpha_ != 0.0) terms.push_back(k);
  }
  if (std::none_of(fixed.input.begin(), fixed.input.end(), [](char f) { return f != 0; })) return FixedInputs{};
  auto slope = [&](int k) { return stable[static_cast<size_t>(k)] > 0 ? 1.0 : alpha_; };
  // Column by column, so that each stays in cache while every term is added
  // to it, four at a time (each entry's terms still summed in neuron order).
  fixed.a.assign(d * n, 0.0);
  fixed.c = second.bias;
  const double* w[4];
  double m[4];
  for (size_t q = 0; q <= d; ++q) {
    double* col = q < d ? &fixed.a[q * n] : fixed.c.data();
    auto coef = [&](int k) {
      return slope(k) * (q < d ? first.weight[static_cast<size_t>(k) * d + q] : first.bias[static_cast<size_t>(k)]);
    };
    size_t b = 0;
    for (; b + 4 <= terms.size(); b += 4) {
      for (size_t t = 0; t < 4; ++t) {
        w[t] = &wt[static_cast<size_t>(terms[b + t]) * n];
        m[t] = coef(terms[b + t]);
      }
      axpy4(col, w, m, n);
    }
    for (; b < terms.size(); ++b) axpy(col, &wt[static_cast<size_t>(terms[b]) * n], coef(terms[b]), n);
  }
  return fixed;
}

FixedInputs FixedInputs::kept_rows(const FormsPlan& plan, bool second_is_last) const {
  FixedInputs out = *this;
  if (empty() || !plan.skips || !second_is_last || compact) return out;
  const size_t n = c.size(), m = plan.keep.size(), d = a.size() / n;
  out.compact = true;
  out.a.resize(d * m);
  out.c.resize(m);
  for (size_t t = 0; t < m; ++t) {
    const auto i = static_cast<size_t>(plan.keep[t]);
    for (size_t q = 0; q < d; ++q) out.a[q * m + t] = a[q * n + i];
    out.c[t] = c[i];
  }
  return out;
}

FormsPlan Network::plan_forms(const std::vector<char>& skip) const {
  FormsPlan plan;
  plan.skipped.assign(static_cast<size_t>(hidden_), 0);
  const int last = num_hidden_layers() - 1;
  if (last == 0 || skip.size() != static_cast<size_t>(hidden_)) return plan;
  const Layer& L = layers_[static_cast<size_t>(last)];
  const int off = offsets_[static_cast<size_t>(last)];
  for (int i = 0; i < L.out; ++i) {
    if (skip[static_cast<size_t>(off + i)] != 0) {
      plan.skipped[static_cast<size_t>(off + i)] = 1;
      plan.skips = true;
    } else {
      plan.keep.push_back(i);
    }
  }
  const size_t m = plan.keep.size();
  plan.weight.resize(static_cast<size_t>(L.in) * m);
  for (size_t k = 0; k < static_cast<size_t>(L.in); ++k)
    for (size_t t = 0; t < m; ++t)
      plan.weight[k * m + t] = L.weight[static_cast<size_t>(plan.keep[t]) * static_cast<size_t>(L.in) + k];
  for (int i : plan.keep) plan.bias.push_back(L.bias[static_cast<size_t>(i)]);
  return plan;
}

int Network::layer_of(int neuron) const {
  int l = 0;
  while (offsets_[static_cast<size_t>(l) + 1] <= neuron) ++l;
  return l;
}

void Network::find_vanishing(const Word* pattern, LocalForms& out, const FormsPlan* plan) const {
  // Rounding leaves a cancelled sum of n terms below n * eps * (sum of their
  // sizes); kCancel allows fan-ins of thousands. Only forms far below the
  // largest are looked at closely: in general position there are none.
  constexpr double kSuspect = 1e-9;
  const int d = input_dim();
  const auto N = static_cast<size_t>(hidden_);
  out.flat.assign(N, 0);
  out.zeros.clear();
  double max_norm = 0.0;
  for (size_t k = 0; k < N; ++k) max_norm = std::max(max_norm, out.norm[k]);
  bool measured = false;  // out.scratch holds |a_k|_inf
  for (int l = 0; l < num_hidden_layers(); ++l) {
    for (int j = offsets_[static_cast<size_t>(l)]; j < offsets_[static_cast<size_t>(l) + 1]; ++j) {
      const auto jj = static_cast<size_t>(j);
      if (out.norm[jj] > kSuspect * max_norm || (plan != nullptr && plan->skipped[jj])) continue;
      double size_a = 0.0, size_c = 0.0;  // the summed terms' sizes (0: the first layer is exact)
      if (l > 0) {
        if (!measured) {
          out.scratch.assign(N, 0.0);
          for (int q = 0; q < d; ++q)
            for (size_t k = 0; k < N; ++k)
              out.scratch[k] = std::max(out.scratch[k], std::abs(out.a[static_cast<size_t>(q) * N + k]));
          measured = true;
        }
        const Layer& L = layers_[static_cast<size_t>(l)];
        const int prev = offsets_[static_cast<size_t>(l) - 1];
        const auto row = static_cast<size_t>(j - offsets_[static_cast<size_t>(l)]) * static_cast<size_t>(L.in);
        size_c = std::abs(L.bias[static_cast<size_t>(j - offsets_[static_cast<size_t>(l)])]);
        for (int k = 0; k < L.in; ++k) {
          const double slope = get_bit(pattern, prev + k) ? 1.0 : alpha_;
          const double w = std::abs(L.weight[row + static_cast<size_t>(k)]) * slope;
          size_a += w * out.scratch[static_cast<size_t>(prev + k)];
          size_c += w * std::abs(out.c[static_cast<size_t>(prev + k)]);
        }
      }
      double max_a = 0.0;
      for (int q = 0; q < d; ++q) max_a = std::max(max_a, std::abs(out.a[static_cast<size_t>(q) * N + jj]));
      if (max_a > kCancel * size_a) continue;
      out.flat[jj] = 1;
      if (std::abs(out.c[jj]) <= kCancel * size_c) out.zeros.push_back(j);
    }
  }
}

}  // namespace regionwalk
