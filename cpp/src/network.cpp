#include "regionwalk/network.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace regionwalk {

namespace {
void require_finite(const std::vector<double>& v, const std::string& what) {
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument(what + " contains NaN or inf");
}
}  // namespace

Network::Network(std::vector<Layer> layers, double alpha) : layers_(std::move(layers)), alpha_(alpha) {
  if (layers_.size() < 2)
    throw std::invalid_argument("a network needs at least one hidden layer and an output layer");
  if (!(alpha_ >= 0.0 && alpha_ < 1.0))
    throw std::invalid_argument("activation slope alpha must satisfy 0 <= alpha < 1");
  offsets_.push_back(0);
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    const std::string name = "layer " + std::to_string(l);
    if (L.in <= 0 || L.out <= 0) throw std::invalid_argument(name + " has an empty shape");
    if (L.weight.size() != static_cast<size_t>(L.in) * static_cast<size_t>(L.out))
      throw std::invalid_argument(name + ": weight size does not match out x in");
    if (L.bias.size() != static_cast<size_t>(L.out))
      throw std::invalid_argument(name + ": bias size does not match out");
    if (l > 0 && L.in != layers_[l - 1].out)
      throw std::invalid_argument(name + ": input width " + std::to_string(L.in) +
                                  " does not match the previous layer's output " +
                                  std::to_string(layers_[l - 1].out));
    require_finite(L.weight, name + " weight");
    require_finite(L.bias, name + " bias");
    if (l + 1 < layers_.size()) {
      hidden_ += L.out;
      offsets_.push_back(hidden_);
    }
    std::vector<double> wt(L.weight.size());
    for (int i = 0; i < L.out; ++i)
      for (int k = 0; k < L.in; ++k)
        wt[static_cast<size_t>(k) * static_cast<size_t>(L.out) + static_cast<size_t>(i)] =
            L.weight[static_cast<size_t>(i) * static_cast<size_t>(L.in) + static_cast<size_t>(k)];
    transposed_.push_back(std::move(wt));
  }
}

void Network::preactivations(const double* x, double* z, std::vector<double>& scratch) const {
  // scratch holds the current layer's outputs, then the next pre-activations.
  const int d = input_dim();
  scratch.assign(x, x + d);
  for (int l = 0; l < num_hidden_layers(); ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    const std::vector<double>& wt = transposed_[static_cast<size_t>(l)];
    double* out = z + offsets_[static_cast<size_t>(l)];
    std::copy(L.bias.begin(), L.bias.end(), out);
    const auto n_out = static_cast<size_t>(L.out);
    for (int k = 0; k < L.in; ++k) {
      const double h = scratch[static_cast<size_t>(k)];
      if (h == 0.0) continue;  // inactive ReLU inputs cost nothing
      const double* w = &wt[static_cast<size_t>(k) * n_out];
      for (size_t i = 0; i < n_out; ++i) out[i] += w[i] * h;
    }
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

void Network::local_forms(const Word* pattern, LocalForms& out) const {
  const int d = input_dim();
  const auto N = static_cast<size_t>(hidden_);
  out.dim = d;
  out.neurons = hidden_;
  out.a.assign(static_cast<size_t>(d) * N, 0.0);
  out.c.resize(N);
  // Layer 1's forms are its weights; layer l+1's are W_{l+1} D_l (forms of
  // layer l): for every active input k, column q gains W[:, k] * a_k[q].
  const Layer& L0 = layers_.front();
  for (int i = 0; i < L0.out; ++i)
    for (int q = 0; q < d; ++q)
      out.a[static_cast<size_t>(q) * N + static_cast<size_t>(i)] =
          L0.weight[static_cast<size_t>(i) * static_cast<size_t>(d) + static_cast<size_t>(q)];
  std::copy(L0.bias.begin(), L0.bias.end(), out.c.begin());
  for (int l = 1; l < num_hidden_layers(); ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    const std::vector<double>& wt = transposed_[static_cast<size_t>(l)];
    const auto prev = static_cast<size_t>(offsets_[static_cast<size_t>(l - 1)]);
    const auto cur = static_cast<size_t>(offsets_[static_cast<size_t>(l)]);
    const auto n_out = static_cast<size_t>(L.out);
    double* c = &out.c[cur];
    std::copy(L.bias.begin(), L.bias.end(), c);
    for (int k = 0; k < L.in; ++k) {
      const double f = get_bit(pattern, static_cast<int>(prev) + k) ? 1.0 : alpha_;
      if (f == 0.0) continue;  // dead inputs (alpha = 0) cost nothing
      const double* w = &wt[static_cast<size_t>(k) * n_out];
      const size_t src = prev + static_cast<size_t>(k);
      for (int q = 0; q < d; ++q) {
        const double m = f * out.a[static_cast<size_t>(q) * N + src];
        double* col = &out.a[static_cast<size_t>(q) * N + cur];
        for (size_t i = 0; i < n_out; ++i) col[i] += w[i] * m;
      }
      const double m = f * out.c[src];
      for (size_t i = 0; i < n_out; ++i) c[i] += w[i] * m;
    }
  }
}

}  // namespace regionwalk
