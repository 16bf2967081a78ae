#include "regionwalk/subdivide.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "regionwalk/parallel.hpp"

namespace regionwalk {

namespace {

// A value of a neuron this small against the size of the terms it sums (far
// above rounding, however many interpolations made the vertex) counts as 0.
constexpr double kNear = 1e-10;

}  // namespace

BoxSubdivision::BoxSubdivision(const Network& net, const Domain& dom, double tol, int threads, std::size_t per_thread)
    : net_(net), dom_(dom), tol_(tol), d_(dom.dim), n_(net.hidden_neurons()),
      words_(words_for(net.hidden_neurons() + 2 * dom.dim)), threads_(std::max(1, threads)),
      per_thread_(std::max<std::size_t>(1, per_thread)) {}

int BoxSubdivision::team(std::size_t items) const {
  return static_cast<int>(std::clamp<std::size_t>(items / per_thread_, 1, static_cast<std::size_t>(threads_)));
}

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
  tlist_.assign(V * d, 0);
  nbr_.assign(V * 2 * d, -1);
  for (std::size_t b = 0; b < V; ++b)
    for (std::size_t q = 0; q < d; ++q) {
      const bool hi = (b >> q) & 1U;
      const int lo_face = n_ + 2 * static_cast<int>(q);
      x_[b * d + q] = hi ? dom_.hi[q] : dom_.lo[q];
      set_bit(&tight_[b * W], hi ? lo_face + 1 : lo_face);
      set_bit(&pos_[b * W], hi ? lo_face : lo_face + 1);
      tlist_[b * d + q] = hi ? lo_face + 1 : lo_face;
      nbr_[b * 2 * d + 2 * q + 1] = static_cast<int>(b ^ (std::size_t{1} << q));  // inwards off face q
    }
}

// Every vertex's values of layer l's neurons, by a forward pass, and their signs.
void BoxSubdivision::layer_values(int l) {
  const auto d = static_cast<std::size_t>(d_);
  const int width = net_.layers()[static_cast<std::size_t>(l)].out;
  const auto w = static_cast<std::size_t>(width);
  const auto off = static_cast<std::size_t>(net_.layer_offset(l));
  sw_ = words_for(width);
  z_.resize(count_ * w);
  sgn_.resize(count_ * static_cast<std::size_t>(sw_));
  const int T = team(count_ * 16);  // a forward pass each: worth a thread from a few thousand
  std::vector<std::vector<Word>> near(static_cast<std::size_t>(T), std::vector<Word>(static_cast<std::size_t>(sw_), 0));
  run_parallel(T, [&](int t) {
    std::vector<double> values(static_cast<std::size_t>(n_)), scratch;
    // Flags kept locally, stored once: the threads' small vectors may share a cache line.
    std::vector<Word> close(static_cast<std::size_t>(sw_), 0);
    const auto [v0, v1] = share(count_, T, t);
    for (std::size_t v = v0; v < v1; ++v) {
      net_.preactivations(&x_[v * d], values.data(), scratch);
      std::copy_n(&values[off], w, &z_[v * w]);
      classify(v, width, 0, close.data());
    }
    near[static_cast<std::size_t>(t)] = close;
  });
  near_layer_.assign(static_cast<std::size_t>(sw_), 0);
  for (const std::vector<Word>& part : near) add_near(part);
  width_ = width;
  diff_.resize(blocks(count_) * w);
  differ(0, count_, T);
}

// Vertices [a, b)'s neighbours' signs of the layer's neurons, where they
// differ from theirs, on `threads` threads that each take whole blocks. The
// block of a (where a is not its first vertex) keeps its earlier vertices'
// bits; those past b are cleared.
void BoxSubdivision::differ(std::size_t a, std::size_t b, int threads) {
  if (a >= b) return;
  const std::size_t b0 = a / 64, nb = blocks(b) - b0;
  run_parallel(threads, [&](int t) {
    const auto [i0, i1] = share(nb, threads, t);
    std::vector<Word> bits(static_cast<std::size_t>(width_));
    for (std::size_t i = b0 + i0; i < b0 + i1; ++i) differ_block(i, std::max(a, 64 * i), std::min(b, 64 * i + 64), bits);
  });
}

// Block `block`'s words for its vertices [a, b) (of its 64), set through `bits`
// (one word per neuron of the layer).
void BoxSubdivision::differ_block(std::size_t block, std::size_t a, std::size_t b, std::vector<Word>& bits) {
  const auto sw = static_cast<std::size_t>(sw_), S = 2 * static_cast<std::size_t>(d_);
  const std::size_t w = bits.size();
  std::fill(bits.begin(), bits.end(), Word{0});
  for (std::size_t v = a; v < b; ++v) {
    const Word* mine = &sgn_[v * sw];
    for (std::size_t word = 0; word < sw; ++word) {
      Word x = 0;
      for (std::size_t s = 0; s < S; ++s) {
        const int u = nbr_[v * S + s];
        if (u >= 0) x |= mine[word] ^ sgn_[static_cast<std::size_t>(u) * sw + word];
      }
      for (; x != 0; x &= x - 1) {
        const std::size_t i = 64 * word + static_cast<std::size_t>(__builtin_ctzll(x));
        if (i < w) bits[i] |= Word{1} << (v & 63);  // (sign words are 0 past the layer's width)
      }
    }
  }
  Word* out = &diff_[block * w];
  if (a % 64 == 0) {
    std::copy(bits.begin(), bits.end(), out);
    return;
  }
  const Word keep = (Word{1} << (a % 64)) - 1;  // the block's vertices before a
  for (std::size_t i = 0; i < w; ++i) out[i] = (out[i] & keep) | bits[i];
}

// Vertex v's signs of the layer's neurons from..width - 1 (the others are
// cut, and their bits 0); bit i of `near` set where neuron i is near 0.
void BoxSubdivision::classify(std::size_t v, int width, int from, Word* near) {
  const auto w = static_cast<std::size_t>(width), sw = static_cast<std::size_t>(sw_);
  const std::size_t off = static_cast<std::size_t>(net_.layer_offset(layer_));
  Word* sg = &sgn_[v * sw];
  std::fill_n(sg, sw, Word{0});
  for (auto i = static_cast<std::size_t>(from); i < w; ++i) {
    const double s = z_[v * w + i];
    sg[i >> 6] |= Word{s > 0.0} << (i & 63);
    near[i >> 6] |= Word{!(std::abs(s) > near_[off + i])} << (i & 63);
  }
}

void BoxSubdivision::add_near(const std::vector<Word>& near) {
  for (std::size_t i = 0; i < near.size(); ++i) near_layer_[i] |= near[i];
}

// Whether neuron j of the layer (width w) is exactly 0 at every vertex.
bool BoxSubdivision::zero_everywhere(int j, int width) const {
  const auto w = static_cast<std::size_t>(width), jj = static_cast<std::size_t>(j);
  for (std::size_t v = 0; v < count_; ++v)
    if (z_[v * w + jj] != 0.0) return false;
  return true;
}

// Each vertex's side of neuron k (index j in its layer of `width`).
int BoxSubdivision::sides(int k, int j, int width) {
  if (get_bit(near_layer_.data(), j)) {
    // Zero at every vertex: zero on every cell (their hulls), so inactive everywhere.
    if (zero_everywhere(j, width)) return 0;
    return refuse("a vertex lies on (or within rounding of) neuron " + std::to_string(k) + "'s zero set"), -1;
  }
  const auto W = static_cast<std::size_t>(words_), sw = static_cast<std::size_t>(sw_);
  side_.resize(count_);
  const int T = team(count_ / 4);
  run_parallel(T, [&](int t) {
    const auto [v0, v1] = share(count_, T, t);
    for (std::size_t v = v0; v < v1; ++v) {
      const bool up = get_bit(&sgn_[v * sw], j);
      side_[v] = up ? 1 : 0;
      if (up) set_bit(&pos_[v * W], k);
    }
  });
  return 1;
}

// Cuts the complex by neuron k: a new vertex on every edge whose ends it
// separates (numbered by the edge's lower end and slot, whatever the
// threads), then the cut's own edges.
bool BoxSubdivision::cut(int k, int j, int width) {
  const int state = sides(k, j, width);
  if (state <= 0) return state == 0;
  const std::size_t V = count_, S = 2 * static_cast<std::size_t>(d_);
  const int T = team(V * 4);
  // Chunks taken in turn by the threads: the vertices with an edge to read
  // crowd into some ranges. The lists, in chunk order, are in vertex order.
  const std::size_t C = chunks(T), B = blocks(V), w = static_cast<std::size_t>(width);
  crossing_.resize(C);
  run_chunks(T, C, [&](std::size_t c, int) {
    // Filled locally and moved in: the lists' headers share cache lines, and
    // a push_back writes its list's end on every crossing edge.
    std::vector<std::size_t> mine;
    mine.swap(crossing_[c]);
    mine.clear();
    const auto [b0, b1] = share(B, static_cast<int>(C), static_cast<int>(c));
    for (std::size_t b = b0; b < b1; ++b) {
      // The block's vertices with a neighbour on the other side of neuron k.
      for (Word m = diff_[b * w + static_cast<std::size_t>(j)]; m != 0; m &= m - 1) {
        const std::size_t v = 64 * b + static_cast<std::size_t>(__builtin_ctzll(m));
        if (v >= V) break;
        for (std::size_t s = 0; s < S; ++s) {
          const int u = nbr_[v * S + s];
          if (u > static_cast<int>(v) && side_[v] != side_[static_cast<std::size_t>(u)]) mine.push_back(v * S + s);
        }
      }
    }
    crossing_[c].swap(mine);
  });
  if (cancel_->cancelled()) return refuse("cancelled");
  std::vector<std::size_t> base(C + 1, 0);
  for (std::size_t c = 0; c < C; ++c) base[c + 1] = base[c] + crossing_[c].size();
  const std::size_t first = count_, made = base.back();
  grow(first + made, width);
  fresh_.resize(made);
  std::vector<char> ok(static_cast<std::size_t>(T), 1);
  std::vector<std::vector<Word>> near(static_cast<std::size_t>(T), std::vector<Word>(static_cast<std::size_t>(sw_), 0));
  // Chunks of the new vertices (not of the scan's lists: those are uneven).
  run_chunks(T, C, [&](std::size_t c, int t) {
    const auto tt = static_cast<std::size_t>(t);
    const auto [i0, i1] = share(made, static_cast<int>(C), static_cast<int>(c));
    std::size_t list = static_cast<std::size_t>(std::upper_bound(base.begin(), base.end(), i0) - base.begin()) - 1;
    // Flags kept locally and written once per chunk: the threads' share cache lines.
    bool fine = true;
    std::vector<Word> close(static_cast<std::size_t>(sw_), 0);
    for (std::size_t id = i0; id < i1 && fine; ++id) {
      while (id >= base[list + 1]) ++list;
      fine = split(crossing_[list][id - base[list]], first + id, k, j, width, close.data());
      fresh_[id] = static_cast<int>(first + id);
    }
    if (!fine) ok[tt] = 0;
    for (std::size_t i = 0; i < close.size(); ++i) near[tt][i] |= close[i];
  });
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return refuse("an edge's ends do not share d - 1 constraints");
  for (const std::vector<Word>& part : near) add_near(part);
  count_ = first + made;
  if (!link(k)) return false;
  // The new vertices' neighbours are all known now: their differences. The
  // old vertices' stay as they were, a superset: where a split edge's new
  // vertex took an end's place, its sign of each later neuron is one of the
  // ends' (it interpolates them, and every neuron that is cut keeps all its
  // values far from 0: sides() refuses one near 0 at any vertex).
  differ(first, count_, team(made * 8));
  return true;
}

void BoxSubdivision::grow(std::size_t vertices, int width) {
  const auto d = static_cast<std::size_t>(d_), W = static_cast<std::size_t>(words_);
  x_.resize(vertices * d);
  z_.resize(vertices * static_cast<std::size_t>(width));
  sgn_.resize(vertices * static_cast<std::size_t>(sw_));
  diff_.resize(blocks(vertices) * static_cast<std::size_t>(width));
  pos_.resize(vertices * W);
  tight_.resize(vertices * W);
  tlist_.resize(vertices * d);
  nbr_.resize(vertices * 2 * d);
}

// Vertex x where neuron k's value vanishes on the edge in slot `at` (vertex
// at / 2d, slot at % 2d), tight on the edge's d - 1 constraints and k; the
// values of the layer's neurons after j interpolated (and classified). The
// edge's ends now point to x, and x to them across k (its last tight
// constraint). False if the ends do not share d - 1 constraints.
bool BoxSubdivision::split(std::size_t at, std::size_t x, int k, int j, int width, Word* near) {
  const auto d = static_cast<std::size_t>(d_), S = 2 * d;
  const auto W = static_cast<std::size_t>(words_);
  const auto w = static_cast<std::size_t>(width);
  const std::size_t u = at / S, su_slot = at % S;
  const auto v = static_cast<std::size_t>(nbr_[at]);
  const double su = z_[u * w + static_cast<std::size_t>(j)], sv = z_[v * w + static_cast<std::size_t>(j)];
  const double t = su / (su - sv);
  for (std::size_t q = 0; q < d; ++q) x_[x * d + q] = x_[u * d + q] + t * (x_[v * d + q] - x_[u * d + q]);
  for (auto i = static_cast<std::size_t>(j) + 1; i < w; ++i) z_[x * w + i] = z_[u * w + i] + t * (z_[v * w + i] - z_[u * w + i]);
  classify(x, width, j + 1, near);
  for (std::size_t i = 0; i < W; ++i) {
    pos_[x * W + i] = pos_[u * W + i] | pos_[v * W + i];
    tight_[x * W + i] = tight_[u * W + i] & tight_[v * W + i];
  }
  pos_[x * W + static_cast<std::size_t>(k >> 6)] &= ~(Word{1} << (k & 63));
  set_bit(&tight_[x * W], k);
  // x's tight list: u's without the one the edge drops at u, then k.
  const std::size_t r_u = su_slot / 2;
  for (std::size_t r = 0, o = 0; r < d; ++r)
    if (r != r_u) tlist_[x * d + o++] = tlist_[u * d + r];
  tlist_[x * d + d - 1] = k;
  std::fill_n(&nbr_[x * S], S, -1);
  nbr_[x * S + 2 * (d - 1) + side_[u]] = static_cast<int>(u);
  nbr_[x * S + 2 * (d - 1) + side_[v]] = static_cast<int>(v);
  nbr_[at] = static_cast<int>(x);
  // v's slot towards u: the constraint tight at v and not at u, on u's side of it.
  int c = -1;
  for (std::size_t i = 0; i < W; ++i) {
    const Word m = tight_[v * W + i] & ~tight_[u * W + i];
    if (m == 0) continue;
    if (c >= 0 || (m & (m - 1)) != 0) return false;
    c = static_cast<int>(i * 64) + __builtin_ctzll(m);
  }
  const auto r_v = static_cast<std::size_t>(std::find(&tlist_[v * d], &tlist_[v * d] + d, c) - &tlist_[v * d]);
  if (c < 0 || r_v == d) return false;
  const std::size_t back = v * S + 2 * r_v + (get_bit(&pos_[u * W], c) ? 1 : 0);
  if (nbr_[back] != static_cast<int>(u)) return false;
  nbr_[back] = static_cast<int>(x);
  return true;
}

// The complex's memory in use (capacity not yet written is never touched).
std::int64_t BoxSubdivision::bytes() const {
  const std::size_t b = (x_.size() + z_.size()) * sizeof(double) +
                        (pos_.size() + tight_.size() + sgn_.size() + diff_.size()) * sizeof(Word) +
                        (tlist_.size() + nbr_.size()) * sizeof(int);
  return static_cast<std::int64_t>(b);
}

bool BoxSubdivision::run(std::vector<Word>& patterns, std::vector<double>& points, Cancellation& cancel,
                         std::int64_t max_bytes) {
  if (dom_.kind != DomainKind::Box || d_ < kMinDim || d_ > kMaxDim) return refuse("not a box of 3 to 8 dimensions");
  cancel_ = &cancel;
  start_box();
  bounds();
  for (int l = 0; l < net_.num_hidden_layers(); ++l) {
    layer_ = l;
    layer_values(l);
    const int width = net_.layers()[static_cast<std::size_t>(l)].out;
    for (int j = 0; j < width; ++j) {
      if (cancel.cancelled()) return refuse("cancelled");
      if (!cut(net_.layer_offset(l) + j, j, width)) return false;
      if (bytes() > max_bytes) return refuse("past its memory budget");
    }
  }
  z_.release();  // room for reading the cells
  sgn_.release();
  diff_.release();
  return read_cells(patterns, points);
}

}  // namespace regionwalk
