// The hyperplanes of one region P(s) (DESIGN.md section 1): each hidden
// neuron's local form normalised, the side of it the region lies on, and which
// neurons can bound the region at all. Stable neurons (fixed sign on the whole
// domain) and forms that vanish on the region (constant there, see LocalForms)
// get no row: they cannot bound it inside the domain. Every other part of the
// walk's geometry (FacetLp, PlanarClip, the proof checks) reads a RegionRows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"

namespace regionwalk {

class RegionRows {
 public:
  RegionRows(const Domain& domain, const std::vector<signed char>& stable, double tol);

  // The rows of the region with pattern `s` and local forms `f`.
  void load(const LocalForms& f, const Word* s);
  // Changes with every load(): parts that cache per region compare it.
  std::uint64_t generation() const { return generation_; }

  const Domain& domain() const { return dom_; }
  double tol() const { return tol_; }
  int dim() const { return d_; }
  // Neurons with a row, ascending; row i belongs to neurons()[i].
  const std::vector<int>& neurons() const { return row_neurons_; }
  int row_of(int k) const { return row_of_[static_cast<std::size_t>(k)]; }  // -1: no row
  int hidden_neurons() const { return static_cast<int>(row_of_.size()); }
  const double* unit_a(int k) const { return &unit_a_[static_cast<std::size_t>(k) * static_cast<std::size_t>(d_)]; }
  double unit_c(int k) const { return unit_c_[static_cast<std::size_t>(k)]; }
  double sign(int k) const { return sign_[static_cast<std::size_t>(k)]; }  // sigma_k: +-1
  double norm(int k) const { return norms_[static_cast<std::size_t>(k)]; }  // |a_k|

  // Signed distance of x to neuron k's hyperplane (positive inside the region).
  double distance(int k, const double* x) const;
  // Unit normal of neuron j's hyperplane, oriented into the region.
  void inward_normal(int j, double* out) const;
  // Neurons whose hyperplane meets the open domain: the candidate facets.
  const std::vector<int>& candidates();
  // Neurons among `lines` whose hyperplane coincides with j's on this region
  // (j first): normals agree and they stay within tol everywhere in the domain.
  void coincident(int j, const std::vector<int>& lines, std::vector<int>& group) const;

 private:
  const Domain& dom_;
  const std::vector<signed char>& stable_;
  double tol_;
  int d_;
  std::uint64_t generation_ = 0;
  std::vector<int> row_of_, row_neurons_, candidates_;
  std::vector<int> unstable_;  // neurons not stable over the domain, ascending
  bool candidates_built_ = false;
  std::vector<double> unit_a_, unit_c_, sign_, norms_;
};

}  // namespace regionwalk
