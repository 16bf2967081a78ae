// A box's regions from the whole complex: for boxes of 3 to 8 inputs, the
// alternative that walk() tries before the walk of DESIGN.md section 2.
//
// The box's vertices and edges are cut by one neuron's zero set after the
// other, in layer order, as in edge subdivision (Berzins, ICML 2023). On an
// edge every neuron of the layer being cut is affine (the edge lies in one
// closed cell of the earlier layers), so a sign change on an edge makes one
// new vertex, whose values of the layer's other neurons are interpolated.
// The cut's own edges join the two new vertices on each 2-face it crosses,
// matched by that 2-face's sign vector. A vertex shared by up to 2^d regions
// is computed once, where the walk's clipping computes it in every region.
// The cells are then read off the vertices: along a fixed generic direction
// each cell has one lowest vertex, the one whose edges into it all go up
// (and one highest: both readings must agree).
//
// It answers only on a complex in general position and checks that as it
// goes: a vertex's value of a neuron within 1e-10 of the size of the terms it
// sums (not every vertex's: a neuron zero everywhere is off), a 2-face key
// not met exactly twice, a vertex without its 2n + b edges (one per tight
// neuron and side, one per tight box face), an edge level along the
// direction, a cell whose interior point (the centroid of its lowest vertex
// and the ends of its d up edges) fails a forward pass with margin tol, or a
// pattern found twice: each refuses, and the walk runs instead. Degenerate
// nets (bias-free, integer, duplicated or zero neurons) so stay the walk's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "regionwalk/cancellation.hpp"
#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/uninit.hpp"

namespace regionwalk {

class BoxSubdivision {
 public:
  static constexpr int kMinDim = 3;
  static constexpr int kMaxDim = 8;

  // Items below this per thread are not worth a thread.
  static constexpr std::size_t kPerThread = 32768;

  // `threads`: the cuts and the reading of the cells run on up to that many
  // (the complex, and so the result, does not depend on it), each step on
  // one more for every `per_thread` items it has (tests pass 1: every step
  // on all threads, however small the complex).
  BoxSubdivision(const Network& net, const Domain& dom, double tol, int threads = 1,
                 std::size_t per_thread = kPerThread);

  // Builds the complex; every cell's pattern (sorted by word, each once) and
  // interior point go to `patterns` and `points`. False when refused or
  // cancelled, or past `max_bytes` of its own data: why() says which, and
  // the output is to be discarded.
  bool run(std::vector<Word>& patterns, std::vector<double>& points, Cancellation& cancel, std::int64_t max_bytes);
  const std::string& why() const { return why_; }
  std::int64_t vertices() const { return static_cast<std::int64_t>(count_); }

 private:
  // One per (new vertex, 2-face through it): the face's key is the vertex's
  // signs with constraint `drop` set to `side` and its tight set less drop;
  // `slot` is the vertex's slot of the edge along the face's side.
  struct FaceRecord {
    std::uint64_t hash;
    int vertex, drop, side, slot;
  };
  // One chunk's reading of the cells.
  struct Reader {
    std::vector<Word> patterns, highest;
    std::vector<double> points, values, scratch;
    LocalForms forms;
    std::string why;
  };

  bool refuse(std::string why);
  int team(std::size_t items) const;  // threads worth starting for this many items
  // Chunks for `threads` to take in turn (run_chunks): enough that uneven work
  // or a busy core costs no thread more than a sixteenth of its share.
  static std::size_t chunks(int threads) { return threads > 1 ? 16 * static_cast<std::size_t>(threads) : 1; }
  void start_box();
  void bounds();
  void layer_values(int l);
  void classify(std::size_t v, int width, int from, Word* near);
  void differ(std::size_t a, std::size_t b, int threads);
  void differ_block(std::size_t block, std::size_t a, std::size_t b, std::vector<Word>& bits);
  static std::size_t blocks(std::size_t vertices) { return (vertices + 63) / 64; }
  void add_near(const std::vector<Word>& near);
  bool zero_everywhere(int j, int width) const;
  int sides(int k, int j, int width);  // -1 refused, 0 zero at every vertex, 1 signs set
  bool cut(int k, int j, int width);
  bool split(std::size_t at, std::size_t x, int k, int j, int width, Word* near);
  void grow(std::size_t vertices, int width);
  std::int64_t bytes() const;
  // The cut's own edges (subdivide_link.cpp).
  bool link(int k);
  void face_records(std::size_t chunks, std::size_t c, int t);
  std::uint64_t face_hash(const FaceRecord& r) const;
  bool same_face(const FaceRecord& a, const FaceRecord& b) const;
  struct PairScratch {
    std::vector<std::int32_t> table;   // open addressing: record index or -1
    std::vector<unsigned char> paired;  // per record: its partner came
  };
  bool pair_bucket(const FaceRecord* recs, std::size_t n, PairScratch& scratch);
  // Reading the cells (subdivide_cells.cpp).
  void heights();
  bool read_cells(std::vector<Word>& patterns, std::vector<double>& points);
  void release();
  static void join(std::vector<Reader>& readers, int threads, std::vector<Word>& patterns,
                   std::vector<double>& points, std::vector<Word>& highest);
  bool read_range(std::size_t v0, std::size_t v1, Reader& r) const;
  bool slots(int v, Reader& r) const;
  bool emit(int v, const int* t, const int* at, double sense, std::vector<Word>& patterns,
            std::vector<double>* points, Reader& r) const;
  bool check_cell(const Word* pattern, const double* point, Reader& r) const;
  bool sort_and_compare(std::vector<Word>& patterns, std::vector<double>& points, const std::vector<Word>& highest);

  const Network& net_;
  const Domain& dom_;
  double tol_;
  int d_, n_, words_;         // dimension, hidden neurons, words per constraint bitset
  int threads_;
  std::size_t per_thread_;
  std::vector<double> lip_;   // per neuron: bound on |grad z| over the box
  std::vector<double> near_;  // per neuron: values this close to 0 count as 0
  // Vertices: coordinates (d each), sign bits (bit c set: constraint c > 0;
  // neurons first, then the box's faces lo_q, hi_q), tight bits (the d
  // constraints that are 0) and the same as a list (d each, in slot order),
  // the current layer's values. The edges, by slot: nbr_[v * 2d + 2r + side]
  // is the neighbour across v's r-th tight constraint, on that side of it (-1:
  // none; a box face has side 1 only).
  std::size_t count_ = 0;
  GrowBuffer<double> x_, z_;
  GrowBuffer<Word> pos_, tight_;
  GrowBuffer<int> tlist_, nbr_;
  GrowBuffer<int> fresh_;                         // vertices made by the current cut
  // Per vertex, the current layer's signs (bit i: neuron i > 0; sw_ words):
  // a cut reads them, not the values, which are a cache line apart.
  GrowBuffer<Word> sgn_;
  // Per block of 64 vertices and neuron i of the layer, a word whose bit v
  // % 64 is set where some neighbour's sign of neuron i differs from vertex
  // v's (set for every vertex when a layer starts, for the new ones after
  // each cut; the old ones' only grow, a superset): a cut reads the edges of
  // the vertices with its bit set only, and one word per 64 vertices.
  GrowBuffer<Word> diff_;
  int sw_ = 0, width_ = 0;  // words of signs per vertex; the layer's width
  int layer_ = 0;  // the layer being cut
  // Bit i: the current layer's neuron i is within near_ of 0 at some vertex
  // (set as the vertices are made).
  std::vector<Word> near_layer_;
  std::vector<unsigned char> side_;                 // per vertex: the current neuron > 0
  std::vector<std::vector<std::size_t>> crossing_;  // per thread: slots (v * 2d + s) of edges the cut crosses
  // Per thread, kBuckets lists of 2-face records by the hash's top bits (the
  // two records of a 2-face never straddle two buckets).
  static constexpr std::size_t kBuckets = 256;
  std::vector<std::vector<FaceRecord>> buckets_;
  std::vector<double> height_;  // each vertex's height along a generic direction
  double level_ = 0.0;          // heights closer than this refuse
  Cancellation* cancel_ = nullptr;
  std::string why_;
};

}  // namespace regionwalk
