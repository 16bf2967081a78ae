#include "regionwalk/domain.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "regionwalk/checks.hpp"

namespace regionwalk {

namespace {

bool is_origin(const std::vector<double>& x) {
  return std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0; });
}

}  // namespace

Domain Domain::box(std::vector<double> lo, std::vector<double> hi) {
  if (lo.empty() || lo.size() != hi.size())
    throw std::invalid_argument("box bounds lo and hi must be non-empty and of equal length");
  require_finite(lo, "box lower bound");
  require_finite(hi, "box upper bound");
  Domain d;
  d.kind = DomainKind::Box;
  d.dim = static_cast<int>(lo.size());
  d.center.resize(lo.size());
  for (size_t i = 0; i < lo.size(); ++i) {
    if (!(lo[i] < hi[i])) throw std::invalid_argument("empty box: need lo < hi in every coordinate");
    d.center[i] = 0.5 * (lo[i] + hi[i]);
  }
  d.lo = std::move(lo);
  d.hi = std::move(hi);
  d.at_origin = is_origin(d.center);
  return d;
}

Domain Domain::ball(std::vector<double> center, double radius) {
  if (center.empty()) throw std::invalid_argument("ball centre must be non-empty");
  require_finite(center, "ball centre");
  if (!(std::isfinite(radius) && radius > 0.0))
    throw std::invalid_argument("ball radius must be finite and > 0");
  Domain d;
  d.kind = DomainKind::Ball;
  d.dim = static_cast<int>(center.size());
  d.center = std::move(center);
  d.radius = radius;
  d.at_origin = is_origin(d.center);
  return d;
}

Domain Domain::whole(int dim) {
  if (dim <= 0) throw std::invalid_argument("input dimension must be positive");
  Domain d;
  d.kind = DomainKind::Whole;
  d.dim = dim;
  d.center.assign(static_cast<size_t>(dim), 0.0);
  d.at_origin = true;
  return d;
}

bool Domain::hyperplane_meets(const double* a, double c) const {
  switch (kind) {
    case DomainKind::Whole:
      return true;
    // At the origin the products with the centre are zeros, which leave the
    // sum as it is: the constant alone is the same to the bit.
    case DomainKind::Ball: {
      double v = c;
      if (!at_origin)
        for (int i = 0; i < dim; ++i) v += a[i] * center[static_cast<size_t>(i)];
      return std::abs(v) < radius;
    }
    case DomainKind::Box: {
      double mid = c, half = 0.0;
      for (int i = 0; i < dim; ++i) {
        const auto k = static_cast<size_t>(i);
        if (!at_origin) mid += a[i] * center[k];
        half += std::abs(a[i]) * 0.5 * (hi[k] - lo[k]);
      }
      return std::abs(mid) < half;
    }
  }
  return true;
}

bool Domain::contains(const double* x, double margin) const {
  switch (kind) {
    case DomainKind::Whole:
      return true;
    case DomainKind::Ball: {
      double s = 0.0;
      for (int i = 0; i < dim; ++i) {
        const double t = x[i] - center[static_cast<size_t>(i)];
        s += t * t;
      }
      return std::sqrt(s) + margin < radius;
    }
    case DomainKind::Box:
      for (int i = 0; i < dim; ++i) {
        const auto k = static_cast<size_t>(i);
        if (!(x[i] - margin > lo[k] && x[i] + margin < hi[k])) return false;
      }
      return true;
  }
  return true;
}

double Domain::scale() const {
  switch (kind) {
    case DomainKind::Whole:
      return 1.0;
    case DomainKind::Ball:
      return radius;
    case DomainKind::Box: {
      double s = INFINITY;
      for (int i = 0; i < dim; ++i) {
        const auto k = static_cast<size_t>(i);
        s = std::min(s, 0.5 * (hi[k] - lo[k]));
      }
      return s;
    }
  }
  return 1.0;
}

}  // namespace regionwalk
