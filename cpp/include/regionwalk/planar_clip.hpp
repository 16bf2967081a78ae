// The 2D fast path (box or ball): the region's polygon by clipping, no LP.
// The lines carrying an edge are the only candidate facets; an edge whose
// midpoint (inside the ball: its chord's midpoint) keeps a margin > tol from
// every other line and the domain's boundary is a certified facet, with that
// point to cross at. Thinner edges are left to the facet LP.
#pragma once
#include <utility>
#include <vector>

#include "regionwalk/region_rows.hpp"

namespace regionwalk {

// Ordered: of a coincident group's verdicts the largest decides.
enum class EdgeVerdict : signed char {
  NotAnEdge = 0,  // no facet
  Certified = 1,  // a facet, certified at the edge's midpoint
  TooThin = 2,    // an edge too thin to certify there: ask the LP
};

class PlanarClip {
 public:
  // Where it applies: the plane, but not the whole of it.
  static bool applies(const Domain& dom) { return dom.dim == 2 && dom.kind != DomainKind::Whole; }
  // Clips the region of `rows` around `inside` (a point strictly inside it).
  // False where not applicable (above).
  bool run(const RegionRows& rows, const double* inside);
  // After run(): j's verdict; a certified edge writes its point and margin.
  EdgeVerdict edge(int j, double* point, double* margin) const;
  // After run(): the neurons whose lines carry an edge of the polygon.
  const std::vector<int>& edge_neurons() const { return edge_neurons_; }
  // After run(): the lines within 3x the polygon's reach of the inside point;
  // every line coincident with an edge's line is among them.
  const std::vector<int>& nearby_lines() const { return nearest_; }

 private:
  void start(const RegionRows& rows);
  bool clip(const RegionRows& rows, size_t k);
  double reach(double px0, double py0) const;
  void clip_all(const RegionRows& rows, double px0, double py0);
  void certify_edge(const RegionRows& rows, size_t i, double px0, double py0, double radius);

  // Vertices and, per vertex, the neuron whose line carries the edge starting
  // there (-1: the domain's boundary).
  std::vector<double> poly_x_, poly_y_, next_x_, next_y_, side_;
  std::vector<int> poly_label_, next_label_;
  std::vector<double> line_dist_;  // per neuron: its line's distance from the inside point
  std::vector<int> nearest_;
  std::vector<signed char> state_;  // per neuron: 0 no edge, 1 certified, 2 too thin (-1: clipped first)
  std::vector<double> point_, margin_;
  std::vector<int> edge_neurons_;
  double radius_ = 0.0;
};

}  // namespace regionwalk
