#include "regionwalk/stability.hpp"

#include <algorithm>
#include <cmath>

namespace regionwalk {

namespace {
// Interval of w.x + b over per-coordinate intervals [lo, hi] (possibly infinite).
void affine_interval(const double* w, double b, int n, const std::vector<double>& lo,
                     const std::vector<double>& hi, double& out_lo, double& out_hi) {
  // Branch-free (the signs of w are a coin toss): a zero weight adds 0, not 0 * inf.
  double l = b, u = b;
  for (int k = 0; k < n; ++k) {
    const double wk = w[k];
    const auto kk = static_cast<size_t>(k);
    const double at_lo = wk * lo[kk], at_hi = wk * hi[kk];
    l += wk > 0 ? at_lo : (wk < 0 ? at_hi : 0.0);
    u += wk > 0 ? at_hi : (wk < 0 ? at_lo : 0.0);
  }
  out_lo = l;
  out_hi = u;
}
}  // namespace

PreactivationBounds interval_bounds(const Network& net, const Domain& dom) {
  PreactivationBounds out;
  const int N = net.hidden_neurons();
  out.lower.assign(static_cast<size_t>(N), -INFINITY);
  out.upper.assign(static_cast<size_t>(N), INFINITY);
  const auto& layers = net.layers();
  const int d = net.input_dim();
  std::vector<double> lo(static_cast<size_t>(d)), hi(static_cast<size_t>(d));
  for (int l = 0; l < net.num_hidden_layers(); ++l) {
    const Layer& L = layers[static_cast<size_t>(l)];
    const int off = net.layer_offset(l);
    for (int i = 0; i < L.out; ++i) {
      const double* w = &L.weight[static_cast<size_t>(i) * static_cast<size_t>(L.in)];
      const double b = L.bias[static_cast<size_t>(i)];
      double zl = -INFINITY, zu = INFINITY;
      if (l == 0 && dom.kind == DomainKind::Ball) {
        double mid = b, nrm = 0.0;
        for (int k = 0; k < L.in; ++k) {
          mid += w[k] * dom.center[static_cast<size_t>(k)];
          nrm += w[k] * w[k];
        }
        nrm = std::sqrt(nrm);
        zl = mid - dom.radius * nrm;
        zu = mid + dom.radius * nrm;
      } else if (l == 0 && dom.kind == DomainKind::Box) {
        affine_interval(w, b, L.in, dom.lo, dom.hi, zl, zu);
      } else if (l == 0) {
        bool zero = std::all_of(w, w + L.in, [](double x) { return x == 0.0; });
        if (zero) zl = zu = b;
      } else {
        affine_interval(w, b, L.in, lo, hi, zl, zu);
      }
      out.lower[static_cast<size_t>(off + i)] = zl;
      out.upper[static_cast<size_t>(off + i)] = zu;
    }
    // Post-activation intervals feed the next layer (the activation is monotone).
    lo.assign(static_cast<size_t>(L.out), 0.0);
    hi.assign(static_cast<size_t>(L.out), 0.0);
    const double a = net.alpha();
    for (int i = 0; i < L.out; ++i) {
      const double zl = out.lower[static_cast<size_t>(off + i)];
      const double zu = out.upper[static_cast<size_t>(off + i)];
      lo[static_cast<size_t>(i)] = zl > 0 ? zl : (a == 0.0 ? 0.0 : a * zl);
      hi[static_cast<size_t>(i)] = zu > 0 ? zu : (a == 0.0 ? 0.0 : a * zu);
    }
  }
  return out;
}

std::vector<signed char> stable_signs(const Network& net, const Domain& dom) {
  const PreactivationBounds b = interval_bounds(net, dom);
  std::vector<signed char> s(b.lower.size(), 0);
  for (size_t k = 0; k < s.size(); ++k) {
    // A relative guard against rounding in the propagated sums: only clear
    // separations from zero count as stable.
    const double guard = 1e-12 * (std::abs(b.lower[k]) + std::abs(b.upper[k]));
    if (b.lower[k] > guard)
      s[k] = 1;
    else if (b.upper[k] < -guard || (b.upper[k] == 0.0 && b.lower[k] == 0.0))
      s[k] = -1;
  }
  return s;
}

}  // namespace regionwalk
