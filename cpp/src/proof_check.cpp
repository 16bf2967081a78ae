#include "regionwalk/proof_check.hpp"

#include <algorithm>
#include <cmath>

#include "regionwalk/simd.hpp"

namespace regionwalk {

bool proof_rows_present(const RegionRows& rows, const std::vector<int>& group, const int* proof_rows, int n) {
  for (int i = 0; i < n; ++i) {
    const int k = proof_rows[i];
    if (k < 0) continue;  // a domain row: always there
    if (rows.row_of(k) < 0 || std::find(group.begin(), group.end(), k) != group.end()) return false;
  }
  return true;
}

REGIONWALK_HOT bool proof_rechecks(const RegionRows& rows, int j, const int* proof_rows, const float* lambdas, int n,
                                   float mu, int m, NoFacetProof& out, std::vector<double>& alpha) {
  const Domain& dom = rows.domain();
  if (dom.kind == DomainKind::Whole || m < 0 || rows.row_of(m) < 0) return false;
  const auto d = static_cast<size_t>(rows.dim());
  alpha.assign(d, 0.0);
  double beta = 0.0, scale = 0.0;  // phi(x) = alpha.x + beta; t * scale <= phi on the LP's feasible set
  auto add_neuron = [&](int k, double w) {  // w times the unit row sigma_k (a_k.x + c_k)/|a_k|
    const double* ua = rows.unit_a(k);
    const double sw = rows.sign(k) * w;
    for (size_t q = 0; q < d; ++q) alpha[q] += sw * ua[q];
    beta += sw * rows.unit_c(k);
  };
  for (int i = 0; i < n; ++i) {
    const int k = proof_rows[i];
    const double lam = lambdas[i];
    if (k >= 0) {
      const double w = lam * rows.norm(k);
      add_neuron(k, w);
      scale += w;
    } else {
      // Domain row x-part . x + t <= rhs: its slack is rhs - x-part . x.
      const DomainRow r = domain_row(dom, -1 - k);
      for (size_t q = 0; q < d; ++q) alpha[q] -= lam * (static_cast<int>(q) == r.axis ? r.sign : 0.0);
      beta += lam * r.rhs;
      scale += lam;
    }
  }
  {
    const double w = static_cast<double>(mu) * rows.norm(j);
    const double* ua = rows.unit_a(j);
    for (size_t q = 0; q < d; ++q) alpha[q] += w * ua[q];
    beta += w * rows.unit_c(j);
  }
  // The rows moved by a multiple of m's form: m's row (>= t here) cancels it
  // when its multiplier comes out non-negative.
  double wm = 0.0;
  const double* um = rows.unit_a(m);
  for (size_t q = 0; q < d; ++q) wm -= alpha[q] * rows.sign(m) * um[q];
  if (wm > 0.0) {
    add_neuron(m, wm);
    scale += wm;
  }
  // What is left of alpha goes to the LP's domain rows (a box; for the
  // ball its bounding box): +-x_q + t <= bound, each with multiplier |alpha_q|.
  double sup = beta;
  for (size_t q = 0; q < d; ++q) {
    const double lo = dom.kind == DomainKind::Box ? dom.lo[q] : dom.center[q] - dom.radius;
    const double hi = dom.kind == DomainKind::Box ? dom.hi[q] : dom.center[q] + dom.radius;
    sup += std::max(alpha[q] * lo, alpha[q] * hi);
    scale += std::abs(alpha[q]);
  }
  if (!(scale > 0.0) || !(sup <= rows.tol() * scale)) return false;
  out.valid = true;
  out.rows.assign(proof_rows, proof_rows + n);
  out.lambdas.assign(lambdas, lambdas + n);
  out.mu = mu;
  if (wm > 0.0) {
    out.rows.push_back(m);
    out.lambdas.push_back(static_cast<float>(wm / rows.norm(m)));
  }
  return true;
}

}  // namespace regionwalk
