#include "regionwalk/region_rows.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

namespace {
constexpr double kParallel = 1e-9;  // normals this close are the same direction
}  // namespace

RegionRows::RegionRows(const Domain& domain, const std::vector<signed char>& stable, double tol)
    : dom_(domain), stable_(stable), tol_(tol), d_(domain.dim) {}

double RegionRows::distance(int k, const double* x) const {
  const auto d = static_cast<size_t>(d_);
  const auto kk = static_cast<size_t>(k);
  double z = unit_c_[kk];
  for (size_t q = 0; q < d; ++q) z += unit_a_[kk * d + q] * x[q];
  return sign_[kk] * z;
}

void RegionRows::inward_normal(int j, double* out) const {
  const auto d = static_cast<size_t>(d_);
  const double sg = sign_[static_cast<size_t>(j)];
  for (size_t q = 0; q < d; ++q) out[q] = sg * unit_a_[static_cast<size_t>(j) * d + q];
}

REGIONWALK_HOT void RegionRows::load(const LocalForms& f, const Word* s) {
  const int N = f.neurons;
  const auto d = static_cast<size_t>(d_);
  ++generation_;
  candidates_built_ = false;
  if (row_of_.size() != static_cast<size_t>(N)) {
    // Stable neurons never get a row: only the others are looked at, each load.
    row_of_.assign(static_cast<size_t>(N), -1);
    row_neurons_.clear();
    unstable_.clear();
    for (int k = 0; k < N; ++k)
      if (stable_[static_cast<size_t>(k)] == 0) unstable_.push_back(k);
    unit_a_.resize(static_cast<size_t>(N) * d);
    unit_c_.resize(static_cast<size_t>(N));
    sign_.resize(static_cast<size_t>(N));
    norms_.resize(static_cast<size_t>(N));
  }
  for (int k : row_neurons_) row_of_[static_cast<size_t>(k)] = -1;  // the last region's rows
  row_neurons_.clear();
  for (int k : unstable_) {
    const auto kk = static_cast<size_t>(k);
    if (f.flat[kk] || f.norm[kk] == 0.0) continue;
    norms_[kk] = f.norm[kk];
    const double inv = 1.0 / norms_[kk];
    double* ua = &unit_a_[kk * d];
    for (int q = 0; q < d_; ++q) ua[q] = f.coef(k, q) * inv;
    unit_c_[kk] = f.c[kk] * inv;
    sign_[kk] = get_bit(s, k) ? 1.0 : -1.0;
    row_of_[kk] = static_cast<int>(row_neurons_.size());
    row_neurons_.push_back(k);
  }
}

const std::vector<int>& RegionRows::candidates() {
  if (candidates_built_) return candidates_;
  candidates_.clear();
  for (int k : row_neurons_)
    if (dom_.hyperplane_meets(unit_a(k), unit_c(k))) candidates_.push_back(k);
  candidates_built_ = true;
  return candidates_;
}

REGIONWALK_HOT void RegionRows::coincident(int j, const std::vector<int>& lines, std::vector<int>& group) const {
  group.clear();
  group.push_back(j);
  const auto d = static_cast<size_t>(d_);
  const double* aj = unit_a(j);
  const double cj = unit_c(j);
  double reach = dom_.scale();
  if (dom_.kind == DomainKind::Box) {
    reach = 0.0;
    for (size_t q = 0; q < d; ++q) reach += 0.25 * (dom_.hi[q] - dom_.lo[q]) * (dom_.hi[q] - dom_.lo[q]);
    reach = std::sqrt(reach);
  }
  const double aj0 = std::abs(aj[0]);
  for (int k : lines) {
    if (k == j) continue;
    const double* ak = unit_a(k);
    // Unit normals within kParallel agree to ~5e-5 in every coordinate (up to sign).
    if (std::abs(std::abs(ak[0]) - aj0) > 1e-4) continue;
    double dot = 0.0;
    for (size_t q = 0; q < d; ++q) dot += aj[q] * ak[q];
    if (std::abs(dot) < 1.0 - kParallel) continue;
    const double sg = dot > 0 ? 1.0 : -1.0;
    double diff = 0.0, offset = unit_c(k) - sg * cj;
    for (size_t q = 0; q < d; ++q) {
      const double e = ak[q] - sg * aj[q];
      diff += e * e;
      offset += e * dom_.center[q];
    }
    if (std::sqrt(diff) <= kParallel && std::abs(offset) + std::sqrt(diff) * reach <= tol_) group.push_back(k);
  }
}

}  // namespace regionwalk
