// The box fast path for d >= 3: the region's vertices by clipping, no LP.
//
// Double description of a simple polytope: the domain's box, cut by the
// region's rows nearest the inside point first (rows farther than every vertex
// cannot cut it). Each vertex keeps its d tight constraints (neurons >= 0,
// box faces < 0) and its d neighbours, one per constraint dropped; a cut
// creates a vertex on each edge it crosses, tight on the edge's d-1
// constraints and the cutting row. Exact arithmetic never makes a vertex
// degenerate this way except when a cutting hyperplane passes through one; a
// vertex carries a bound on its rounding error, and any side test closer than
// that bound (or a vertex count past the cap, a non-finite value, a broken
// adjacency) makes run() refuse: the region then goes to the LPs.
//
// In a simple polytope every constraint tight at a vertex carries a facet, and
// a row tight at no vertex bounds nothing: the facet candidates are the rows in
// the tight sets. A facet whose vertices' centroid keeps a margin > tol from
// every other row (outside its coincident group) and from the box is certified
// there; thinner ones are left to the facet LP.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "regionwalk/planar_clip.hpp"
#include "regionwalk/region_rows.hpp"

namespace regionwalk {

class PolytopeClip {
 public:
  // Dimensions the path is used in. Measured: vertices grow about 2.7x per
  // dimension (13, 34, 92, 250 on average in d = 3..6 for 16-32 neurons)
  // while the facet LPs' cost grows with the rows: in d = 6 the path pays
  // only from about kRowsAt6 rows on (6-16x2: 1.8x slower than the LPs,
  // 6-32x2: even, 6-64x2: 2.3x faster), in d = 7 and 8 not at 32x2.
  static constexpr int kMinDim = 3;
  static constexpr int kMaxDim = 6;
  static constexpr std::size_t kRowsAt6 = 96;
  static constexpr int kMaxVertices = 1 << 13;

  // Where it may apply: boxes of kMinDim..kMaxDim inputs (of kMaxDim, only
  // regions of kRowsAt6 rows or more).
  static bool applies(const Domain& dom) {
    return dom.kind == DomainKind::Box && dom.dim >= kMinDim && dom.dim <= kMaxDim;
  }
  // Clips the box around `inside` (strictly inside the region). False where
  // not applicable (above) or refused (near-degenerate, too many vertices):
  // then nothing is known.
  bool run(const RegionRows& rows, const double* inside);
  // After a successful run(): j's verdict; a certified facet writes its point and margin.
  EdgeVerdict edge(int j, double* point, double* margin) const;
  // After a successful run(): the neurons tight at some vertex (ascending).
  const std::vector<int>& facet_neurons() const { return facets_; }
  // After a successful run(): the rows within 3x the polytope's reach of the
  // inside point; every row coincident with a facet's row is among them.
  const std::vector<int>& nearby_rows() const { return nearby_; }
  // After a successful run(): the vertices (d per vertex) and tight sets.
  int vertices() const { return static_cast<int>(live_.size()); }
  const double* vertex(int v) const { return &x_[at(v)]; }
  const int* tight(int v) const { return &t_[at(v)]; }

 private:
  void start_box(const RegionRows& rows);
  void make_room(std::size_t vertices);
  int cut(const RegionRows& rows, int k);  // -1 refused, 0 missed, 1 cut
  bool add_vertex(int u, int v, int slot, int k, double delta);
  bool link_new();
  bool settle();
  std::size_t at(int v) const {
    return static_cast<std::size_t>(live_[static_cast<std::size_t>(v)]) * static_cast<std::size_t>(d_);
  }
  double reach(const double* p) const;
  bool next_row(std::size_t i);  // order_[i] exists (sorting on demand)
  void certify(const RegionRows& rows, const double* p);

  int d_ = 0;
  double r_box_ = 0.0;  // bound on |x| over the box
  std::vector<double> x_, err_, side_;
  // Vertex storage by id (live ones listed in live_, dead ones' ids reused).
  std::vector<int> t_, adj_, live_, free_, fresh_;
  int top_ = 0;  // ids in use or free are below this
  std::vector<int> made_;    // per old vertex and slot: the new vertex on that edge
  std::vector<int> origin_;  // per new vertex: its outside vertex * d + slot
  std::vector<std::pair<double, int>> order_;  // rows by distance from the inside point, nearest first
  std::vector<std::pair<double, int>> heap_;   // the rest, a min-heap
  std::vector<double> dist_;                   // per neuron: its row's distance from the inside point
  std::vector<int> facets_, nearby_, count_;
  std::vector<signed char> state_;  // per neuron: 0 none, 1 certified, 2 too thin
  std::vector<double> point_, margin_;
};

}  // namespace regionwalk
