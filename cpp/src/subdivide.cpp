#include "regionwalk/subdivide.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace regionwalk {

namespace {

// A value of a neuron this small against the size of the terms it sums (far
// above rounding, however many interpolations made the vertex) counts as 0.
constexpr double kNear = 1e-10;

// One record per (new vertex, 2-face through it): the 2-face's key hashed.
struct FaceRecord {
  std::uint64_t hash;
  int vertex, drop, side;
};

}  // namespace

BoxSubdivision::BoxSubdivision(const Network& net, const Domain& dom, double tol)
    : net_(net), dom_(dom), tol_(tol), d_(dom.dim), n_(net.hidden_neurons()),
      words_(words_for(net.hidden_neurons() + 2 * dom.dim)) {}

bool BoxSubdivision::refuse(std::string why) {
  why_ = std::move(why);
  return false;
}

// Per neuron, over the box: a Lipschitz bound (|grad z| <= lip) and the
// values that count as 0 (kNear of a bound on the size of the terms summed).
void BoxSubdivision::bounds() {
  const double leak = std::max(1.0, std::abs(net_.alpha()));
  std::vector<double> size(static_cast<std::size_t>(n_));
  lip_.assign(static_cast<std::size_t>(n_), 0.0);
  near_.assign(static_cast<std::size_t>(n_), 0.0);
  for (int l = 0; l < net_.num_hidden_layers(); ++l) {
    const Layer& L = net_.layers()[static_cast<std::size_t>(l)];
    const int off = net_.layer_offset(l), prev = l == 0 ? 0 : net_.layer_offset(l - 1);
    for (int i = 0; i < L.out; ++i) {
      const auto k = static_cast<std::size_t>(off + i);
      const double* w = &L.weight[static_cast<std::size_t>(i) * static_cast<std::size_t>(L.in)];
      double lip = 0.0, s = std::abs(L.bias[static_cast<std::size_t>(i)]);
      for (int q = 0; q < L.in; ++q) {
        const auto qq = static_cast<std::size_t>(q);
        if (l == 0) {
          lip += w[q] * w[q];
          s += std::abs(w[q]) * std::max(std::abs(dom_.lo[qq]), std::abs(dom_.hi[qq]));
        } else {
          lip += std::abs(w[q]) * leak * lip_[static_cast<std::size_t>(prev) + qq];
          s += std::abs(w[q]) * leak * size[static_cast<std::size_t>(prev) + qq];
        }
      }
      lip_[k] = l == 0 ? std::sqrt(lip) : lip;
      size[k] = s;
      near_[k] = kNear * s;
    }
  }
}

// The box's 2^d corners: bit q of a corner's index picks hi (tight on face
// hi_q, strictly inside lo_q) or lo; edges join corners one bit apart.
void BoxSubdivision::start_box() {
  const auto d = static_cast<std::size_t>(d_);
  const auto W = static_cast<std::size_t>(words_);
  const std::size_t V = std::size_t{1} << d;
  x_.assign(V * d, 0.0);
  count_ = V;
  pos_.assign(V * W, 0);
  tight_.assign(V * W, 0);
  edges_.clear();
  for (std::size_t b = 0; b < V; ++b)
    for (std::size_t q = 0; q < d; ++q) {
      const bool hi = (b >> q) & 1U;
      const int lo_face = n_ + 2 * static_cast<int>(q);
      x_[b * d + q] = hi ? dom_.hi[q] : dom_.lo[q];
      set_bit(&tight_[b * W], hi ? lo_face + 1 : lo_face);
      set_bit(&pos_[b * W], hi ? lo_face : lo_face + 1);
      if (!hi) edges_.push_back({static_cast<int>(b), static_cast<int>(b | (std::size_t{1} << q))});
    }
}

// Every vertex's values of layer l's neurons, by a forward pass.
void BoxSubdivision::layer_values(int l) {
  const auto d = static_cast<std::size_t>(d_);
  const auto width = static_cast<std::size_t>(net_.layers()[static_cast<std::size_t>(l)].out);
  const auto off = static_cast<std::size_t>(net_.layer_offset(l));
  const std::size_t V = count_;
  values_.resize(static_cast<std::size_t>(n_));
  z_.resize(V * width);
  for (std::size_t v = 0; v < V; ++v) {
    net_.preactivations(&x_[v * d], values_.data(), scratch_);
    std::copy_n(&values_[off], width, &z_[v * width]);
  }
}

// Cuts the complex by neuron k (index j in its layer of `width`).
bool BoxSubdivision::cut(int k, int j, int width) {
  const auto W = static_cast<std::size_t>(words_);
  const auto w = static_cast<std::size_t>(width), jj = static_cast<std::size_t>(j);
  const auto kk = static_cast<std::size_t>(k);
  const std::size_t V = count_;
  std::size_t zeros = 0;
  for (std::size_t v = 0; v < V; ++v) zeros += z_[v * w + jj] == 0.0 ? 1 : 0;
  // Zero at every vertex: zero on every cell (their hulls), so inactive everywhere.
  if (zeros == V) return true;
  side_.resize(V);
  for (std::size_t v = 0; v < V; ++v) {
    const double s = z_[v * w + jj];
    if (!(std::abs(s) > near_[kk]))
      return refuse("a vertex lies on (or within rounding of) neuron " + std::to_string(k) + "'s zero set");
    side_[v] = s > 0.0 ? 1 : 0;
    if (s > 0.0) set_bit(&pos_[v * W], k);
  }
  fresh_.clear();
  const std::size_t E = edges_.size();
  for (std::size_t e = 0; e < E; ++e) {
    if ((e & 0xFFFF) == 0 && cancel_->load(std::memory_order_relaxed)) return refuse("cancelled");
    const Edge ed = edges_[e];
    if (side_[static_cast<std::size_t>(ed[0])] == side_[static_cast<std::size_t>(ed[1])]) continue;
    const int x = split(ed, k, j, width);
    edges_[e][1] = x;
    edges_.push_back({x, ed[1]});
  }
  return link(k);
}

// The new vertex where neuron k's value vanishes on edge e, tight on the
// edge's d - 1 constraints and k; the layer's other values interpolated.
int BoxSubdivision::split(const Edge& e, int k, int j, int width) {
  const auto d = static_cast<std::size_t>(d_);
  const auto W = static_cast<std::size_t>(words_);
  const auto w = static_cast<std::size_t>(width);
  const auto u = static_cast<std::size_t>(e[0]), v = static_cast<std::size_t>(e[1]);
  const std::size_t x = count_;
  x_.resize((x + 1) * d);
  z_.resize((x + 1) * w);
  pos_.resize((x + 1) * W);
  tight_.resize((x + 1) * W);
  const double su = z_[u * w + static_cast<std::size_t>(j)], sv = z_[v * w + static_cast<std::size_t>(j)];
  const double t = su / (su - sv);
  for (std::size_t q = 0; q < d; ++q) x_[x * d + q] = x_[u * d + q] + t * (x_[v * d + q] - x_[u * d + q]);
  for (std::size_t i = 0; i < w; ++i) z_[x * w + i] = z_[u * w + i] + t * (z_[v * w + i] - z_[u * w + i]);
  z_[x * w + static_cast<std::size_t>(j)] = 0.0;
  for (std::size_t i = 0; i < W; ++i) {
    pos_[x * W + i] = pos_[u * W + i] | pos_[v * W + i];
    tight_[x * W + i] = tight_[u * W + i] & tight_[v * W + i];
  }
  pos_[x * W + static_cast<std::size_t>(k >> 6)] &= ~(Word{1} << (k & 63));
  set_bit(&tight_[x * W], k);
  ++count_;
  fresh_.push_back(static_cast<int>(x));
  return static_cast<int>(x);
}

// The cut's own edges. New vertex x lies on the 2-faces through its edge: one
// per constraint c of the edge dropped, on each side of c that is in the box.
// A 2-face's key (its sign vector: the tight set less c, and x's signs with
// c's set to the side) is met by the two vertices where k crosses its boundary.
bool BoxSubdivision::link(int k) {
  const auto W = static_cast<std::size_t>(words_);
  std::vector<FaceRecord> recs;
  std::vector<Word> key(2 * W), other(2 * W);
  auto make_key = [&](const FaceRecord& r, Word* out) {
    const auto x = static_cast<std::size_t>(r.vertex);
    std::copy_n(&pos_[x * W], W, out);
    std::copy_n(&tight_[x * W], W, out + W);
    const Word bit = Word{1} << (r.drop & 63);
    const auto at = static_cast<std::size_t>(r.drop >> 6);
    out[at] = r.side ? (out[at] | bit) : (out[at] & ~bit);
    out[W + at] &= ~bit;
  };
  for (const int x : fresh_) {
    const Word* t = &tight_[static_cast<std::size_t>(x) * W];
    for (std::size_t i = 0; i < W; ++i)
      for (Word m = t[i]; m != 0; m &= m - 1) {
        const int c = static_cast<int>(i * 64) + __builtin_ctzll(m);
        if (c == k) continue;
        for (int side = c < n_ ? 0 : 1; side <= 1; ++side) {
          FaceRecord r{0, x, c, side};
          make_key(r, key.data());
          r.hash = hash_words(key.data(), static_cast<int>(2 * W));
          recs.push_back(r);
        }
      }
  }
  // Open addressing by the keys' hashes: the second of a key makes the
  // edge (its key compared in full) and marks the first paired.
  std::size_t cap = 16;
  while (cap < 2 * recs.size()) cap *= 2;
  std::vector<int> table(cap, -1);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    std::size_t at = recs[i].hash & (cap - 1);
    while (table[at] >= 0 && recs[static_cast<std::size_t>(table[at])].hash != recs[i].hash) at = (at + 1) & (cap - 1);
    if (table[at] < 0) {
      table[at] = static_cast<int>(i);
      continue;
    }
    FaceRecord& first = recs[static_cast<std::size_t>(table[at])];
    if (first.vertex < 0) return refuse("a 2-face cut by neuron " + std::to_string(k) + " is crossed more than twice");
    make_key(first, key.data());
    make_key(recs[i], other.data());
    if (key != other || first.vertex == recs[i].vertex)
      return refuse("two 2-faces cut by neuron " + std::to_string(k) + " share a key's hash");
    edges_.push_back({first.vertex, recs[i].vertex});
    first.vertex = -1;
  }
  for (const int i : table)
    if (i >= 0 && recs[static_cast<std::size_t>(i)].vertex >= 0)
      return refuse("a 2-face cut by neuron " + std::to_string(k) + " is crossed once");
  return true;
}

std::int64_t BoxSubdivision::bytes() const {
  const std::size_t b = (x_.capacity() + z_.capacity()) * sizeof(double) +
                        (pos_.capacity() + tight_.capacity()) * sizeof(Word) + edges_.capacity() * sizeof(Edge);
  return static_cast<std::int64_t>(b);
}

bool BoxSubdivision::run(RegionCollector& out, const std::atomic<bool>& cancel, std::int64_t max_bytes) {
  if (dom_.kind != DomainKind::Box || d_ < kMinDim || d_ > kMaxDim) return refuse("not a box of 3 to 8 dimensions");
  cancel_ = &cancel;
  start_box();
  bounds();
  for (int l = 0; l < net_.num_hidden_layers(); ++l) {
    layer_values(l);
    const int width = net_.layers()[static_cast<std::size_t>(l)].out;
    for (int j = 0; j < width; ++j) {
      if (cancel.load(std::memory_order_relaxed)) return refuse("cancelled");
      if (!cut(net_.layer_offset(l) + j, j, width)) return false;
      if (bytes() > max_bytes) return refuse("past its memory budget");
    }
  }
  z_ = std::vector<double>();  // room for reading the cells
  std::vector<Word> patterns;
  std::vector<double> points;
  if (!read_cells(patterns, points)) return false;
  const auto pw = static_cast<std::size_t>(net_.pattern_words()), d = static_cast<std::size_t>(d_);
  for (std::size_t i = 0; i * pw < patterns.size(); ++i)
    if (!out.add(&patterns[i * pw], &points[i * d])) return refuse("a pattern read off twice");
  return true;
}

}  // namespace regionwalk
