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
  }
}

std::vector<double> Network::preactivations(const double* x) const {
  std::vector<double> z(static_cast<size_t>(hidden_));
  std::vector<double> h(x, x + input_dim()), next;
  for (int l = 0; l < num_hidden_layers(); ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    next.assign(static_cast<size_t>(L.out), 0.0);
    for (int i = 0; i < L.out; ++i) {
      const double* w = &L.weight[static_cast<size_t>(i) * static_cast<size_t>(L.in)];
      double s = L.bias[static_cast<size_t>(i)];
      for (int k = 0; k < L.in; ++k) s += w[k] * h[static_cast<size_t>(k)];
      z[static_cast<size_t>(offsets_[static_cast<size_t>(l)] + i)] = s;
      next[static_cast<size_t>(i)] = s > 0.0 ? s : alpha_ * s;
    }
    h.swap(next);
  }
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
  out.dim = d;
  out.neurons = hidden_;
  out.a.resize(static_cast<size_t>(hidden_) * static_cast<size_t>(d));
  out.c.resize(static_cast<size_t>(hidden_));
  // Layer 1's forms are its weights; layer l+1's are W_{l+1} D_l (forms of layer l).
  const Layer& L0 = layers_.front();
  std::copy(L0.weight.begin(), L0.weight.end(), out.a.begin());
  std::copy(L0.bias.begin(), L0.bias.end(), out.c.begin());
  std::vector<double> scale;
  for (int l = 1; l < num_hidden_layers(); ++l) {
    const Layer& L = layers_[static_cast<size_t>(l)];
    const int prev = offsets_[static_cast<size_t>(l - 1)];
    const int cur = offsets_[static_cast<size_t>(l)];
    scale.resize(static_cast<size_t>(L.in));
    for (int k = 0; k < L.in; ++k) scale[static_cast<size_t>(k)] = get_bit(pattern, prev + k) ? 1.0 : alpha_;
    for (int i = 0; i < L.out; ++i) {
      double* a = &out.a[static_cast<size_t>(cur + i) * static_cast<size_t>(d)];
      std::fill(a, a + d, 0.0);
      double c = L.bias[static_cast<size_t>(i)];
      const double* w = &L.weight[static_cast<size_t>(i) * static_cast<size_t>(L.in)];
      for (int k = 0; k < L.in; ++k) {
        const double f = w[k] * scale[static_cast<size_t>(k)];
        if (f == 0.0) continue;  // dead inputs (alpha = 0) cost nothing
        const double* ap = &out.a[static_cast<size_t>(prev + k) * static_cast<size_t>(d)];
        for (int q = 0; q < d; ++q) a[q] += f * ap[q];
        c += f * out.c[static_cast<size_t>(prev + k)];
      }
      out.c[static_cast<size_t>(cur + i)] = c;
    }
  }
}

}  // namespace regionwalk
