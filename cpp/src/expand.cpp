#include "regionwalk/expand.hpp"

#include "regionwalk/proof_check.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cmath>
#include <random>
#include <stdexcept>

namespace regionwalk {

// Scratch of a crossing.
struct CrossingScratch {
  std::vector<double>& z;
  std::vector<double>& forward;
  LocalForms& forms;
  Pattern& flipped;
};

namespace {

// The neurons whose forms a region's rows can do without: stable, and not
// zero on the region of `forms` (a stable neuron zero on one region is zero
// over the whole domain, and its forms must keep marking it so).
std::vector<char> stable_rows_only(const std::vector<signed char>& stable, const LocalForms& forms) {
  std::vector<char> skip(stable.size(), 0);
  for (size_t k = 0; k < stable.size(); ++k)
    skip[k] = stable[k] != 0 && !forms.is_zero(static_cast<int>(k)) ? 1 : 0;
  return skip;
}

// Where a crossing starts: the region's pattern, its zero neurons (identically
// zero there: any of them may turn on across a facet), and the facet's group.
struct CrossingFrom {
  const Word* pattern;
  const std::vector<int>& zeros;
  const std::vector<int>& group;
};


// A point where some pre-activation is exactly zero stands in a region only
// if each such neuron is identically zero there (a zero neuron, bit 0);
// otherwise the point lies on a hyperplane.
bool zeros_are_zero_neurons(const Network& net, const Pattern& nb, CrossingScratch& cs) {
  bool checked = false;
  for (int k = 0; k < net.hidden_neurons(); ++k) {
    if (cs.z[static_cast<size_t>(k)] != 0.0) continue;
    if (!checked) {
      net.local_forms(nb.data(), cs.forms);
      checked = true;
    }
    if (!cs.forms.is_zero(k)) return false;
  }
  return true;
}

// Steps from a point on a facet into the region across it. The neighbour's
// pattern is read off a forward pass rather than predicted: a later-layer
// neuron whose bent hyperplane only touches the facet keeps its sign. The step
// halves until the point lands strictly inside a region that differs from the
// region's pattern exactly in the group's lowest layer, possibly later group
// members, and zero neurons of the region that turn on.
bool step_across(const Network& net, const Domain& dom, const std::vector<int>& layer_of, const CrossingFrom& from,
                 const double* facet_point, const double* dir, double step, double* out, Pattern& nb,
                 CrossingScratch& cs) {
  const int d = dom.dim;
  const int words = net.pattern_words();
  int low = INT_MAX;
  for (int k : from.group) low = std::min(low, layer_of[static_cast<size_t>(k)]);
  cs.z.resize(static_cast<size_t>(net.hidden_neurons()));
  for (int attempt = 0; attempt < 40; ++attempt, step *= 0.5) {
    for (int q = 0; q < d; ++q) out[q] = facet_point[q] - step * dir[q];
    if (!dom.contains(out, 0.0)) continue;
    net.preactivations(out, cs.z.data(), cs.forward);
    bool strict = true;
    std::fill(nb.begin(), nb.end(), Word{0});
    for (int k = 0; k < net.hidden_neurons(); ++k) {
      const double zk = cs.z[static_cast<size_t>(k)];
      if (zk == 0.0) strict = false;
      if (zk > 0.0) set_bit(nb.data(), k);
    }
    // Flipped bits: all of the group's lowest layer, nothing outside the
    // group but the region's zero neurons.
    cs.flipped.assign(nb.begin(), nb.end());
    for (int w = 0; w < words; ++w) cs.flipped[static_cast<size_t>(w)] ^= from.pattern[w];
    bool ok = true;
    for (int k : from.group) {
      if (layer_of[static_cast<size_t>(k)] == low && !get_bit(cs.flipped.data(), k)) ok = false;
      cs.flipped[static_cast<size_t>(k >> 6)] &= ~(Word{1} << (k & 63));
    }
    for (int k : from.zeros) cs.flipped[static_cast<size_t>(k >> 6)] &= ~(Word{1} << (k & 63));
    const bool outside = std::any_of(cs.flipped.begin(), cs.flipped.end(), [](Word x) { return x != 0; });
    if (!ok || outside) continue;
    if (strict || zeros_are_zero_neurons(net, nb, cs)) return true;
  }
  return false;
}

}  // namespace

Expander::Expander(const Network& net, const Domain& dom, std::vector<signed char> stable, double tol,
                   bool audit_proofs, std::unique_ptr<LpSolver> solver)
    : net_(net), dom_(dom), stable_(std::move(stable)), tol_(tol), audit_(audit_proofs),
      carry_(carries_proofs(net, dom)),
      rows_(dom, stable_, tol), lp_(dom, tol, std::move(solver)) {
  if (static_cast<int>(stable_.size()) != net.hidden_neurons())
    throw std::invalid_argument("stable signs must have one entry per hidden neuron");
  const auto N = static_cast<size_t>(net.hidden_neurons());
  layer_of_.resize(N);
  for (int l = 0; l < net.num_hidden_layers(); ++l)
    for (int k = net.layer_offset(l); k < net.layer_offset(l + 1); ++k) layer_of_[static_cast<size_t>(k)] = l;
  handled_.assign(N, 0);
  proof_at_.assign(N, -1);
  mail_at_.assign(N, -1);
  nb_.assign(static_cast<size_t>(net.pattern_words()), 0);
  const auto d = static_cast<size_t>(dom.dim);
  point_.assign(d, 0.0);
  facet_point_.assign(d, 0.0);
  normal_.assign(d, 0.0);
  local_.stable_neurons = std::count_if(stable_.begin(), stable_.end(), [](signed char s) { return s != 0; });
  fixed_ = net.fixed_inputs(stable_);
}

bool Expander::carries_proofs(const Network& net, const Domain& dom) {
  return net.hidden_neurons() <= CarriedProofs::kMaxNeurons && domain_rows(dom) < INT16_MAX;
}

bool Expander::mails(const Network& net, const Domain& dom) {
  // (boxes of PolytopeClip::kMaxDim inputs clip only regions of many rows: mail there)
  const bool clipped = PlanarClip::applies(dom) || (PolytopeClip::applies(dom) && dom.dim < PolytopeClip::kMaxDim);
  return carries_proofs(net, dom) && !clipped;
}

// The region's forms; the first region's, whole, also settle which stable
// neurons later regions skip. Every region's forms start from the fixed terms, so
// a region's forms do not depend on which region an Expander saw first.
void Expander::region_forms(const Word* pattern) {
  net_.local_forms(pattern, forms_, planned_ ? &plan_ : nullptr, &fixed_);
  if (planned_) return;
  plan_ = net_.plan_forms(stable_rows_only(stable_, forms_));
  planned_ = true;
  fixed_ = fixed_.kept_rows(plan_, net_.num_hidden_layers() == 2);
}

FrontierItem Expander::seed(const double* seed) {
  const auto d = static_cast<size_t>(dom_.dim);
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> x(seed, seed + d), best(d);
  for (int attempt = 0; attempt < 40; ++attempt) {
    if (attempt > 0) {
      // Growing random nudges around the seed, kept inside the domain.
      const double size = dom_.scale() * 1e-6 * std::pow(2.0, attempt);
      for (size_t q = 0; q < d; ++q) x[q] = seed[q] + size * gauss(rng);
      if (!dom_.contains(x.data(), 0.0)) continue;
    }
    Pattern p = net_.pattern_of(x.data());
    // Sanity: the bits that bound propagation fixed must agree with the point.
    bool agrees = true;
    for (size_t k = 0; k < stable_.size() && agrees; ++k)
      agrees = stable_[k] == 0 || (stable_[k] > 0) == get_bit(p.data(), static_cast<int>(k));
    if (!agrees) continue;
    region_forms(p.data());
    rows_.load(forms_, p.data());
    // A ball's facet tests start from its centre, not from the witness: a seed
    // well inside its region (as a ball's centre mostly is) needs no LP.
    if (dom_.kind == DomainKind::Ball && margin_at(x.data()) > std::max(kRoomySeed * dom_.scale(), tol_))
      return FrontierItem{std::move(p), x, {}, -1};
    if (lp_.interior_point(rows_, x.data(), best.data()) > tol_ && net_.pattern_of(best.data()) == p)
      return FrontierItem{std::move(p), best, {}, -1};
  }
  throw std::runtime_error("could not find a full-dimensional region at the seed point");
}

double Expander::margin_at(const double* x) const {
  double m = INFINITY;
  if (dom_.kind == DomainKind::Ball) {
    double r2 = 0.0;
    for (int q = 0; q < dom_.dim; ++q) r2 += (x[q] - dom_.center[static_cast<size_t>(q)]) * (x[q] - dom_.center[static_cast<size_t>(q)]);
    m = dom_.radius - std::sqrt(r2);
  }
  for (int k : rows_.neurons()) m = std::min(m, rows_.distance(k, x));
  return m;
}

bool Expander::proof_settles(const FrontierItem& region, int j) {
  const int own = proof_at_[static_cast<size_t>(j)], mailed = mail_at_[static_cast<size_t>(j)];
  // A proof that holds unchanged first: the item's, else a mailed one (all are).
  const bool use_own = own >= 0 && (mailed < 0 || CarriedProofs::same(region.proofs, static_cast<size_t>(own)));
  if (!use_own && mailed < 0) return false;
  const CarriedProofs::Cells& list = use_own ? region.proofs : mail_;
  const int at = use_own ? own : mailed;
  const auto i = static_cast<size_t>(at);
  CarriedProofs::read(list, i, held_rows_, held_lambdas_);
  const int n = static_cast<int>(held_rows_.size());
  if (!proof_rows_present(rows_, group_, held_rows_.data(), n)) return false;
  bool settled = false;
  if (CarriedProofs::same(list, i)) {
    ++local_.inherited_proofs;
    proofs_.keep(list, at);
    settled = true;
  } else {
    const float mu = CarriedProofs::mu(list, i);
    // A NaN mu marks a ball's Lagrangian bound: no LP dual to re-check.
    if (group_.size() == 1 && !std::isnan(mu) &&
        proof_rechecks(rows_, j, held_rows_.data(), held_lambdas_.data(), n, mu, region.crossed, proof_, alpha_)) {
      ++local_.rechecked_proofs;
      proofs_.add(j, proof_.rows, proof_.lambdas, mu);
      settled = true;
    }
  }
  double m = 0.0;
  if (settled && audit_ && lp_.facet(rows_, j, group_, region.point.data(), facet_point_.data(), &m, nullptr))
    ++local_.proof_errors;
  return settled;
}

const std::vector<int>& Expander::candidates(Clip clip) {
  if (clip == Clip::Planar) return clip_.edge_neurons();
  if (clip == Clip::Polytope) return poly_.facet_neurons();
  return rows_.candidates();
}

const std::vector<int>& Expander::nearby(Clip clip) const {
  if (clip == Clip::Planar) return clip_.nearby_lines();
  if (clip == Clip::Polytope) return poly_.nearby_rows();
  return rows_.neurons();
}

bool Expander::is_facet(const FrontierItem& region, int j, Clip clip, double* facet_point, double* margin) {
  if (clip != Clip::None) {
    // The clipped polygon (polytope) answers most facet tests without an LP.
    EdgeVerdict edge = EdgeVerdict::NotAnEdge;
    for (int k : group_) {
      edge = std::max(edge, clip == Clip::Planar ? clip_.edge(k, facet_point, margin) : poly_.edge(k, facet_point, margin));
      if (edge == EdgeVerdict::Certified) return true;
    }
    if (edge == EdgeVerdict::NotAnEdge) return false;
  }
  if (lp_.facet(rows_, j, group_, region.point.data(), facet_point, margin, carry_ ? &proof_ : nullptr)) return true;
  if (carry_ && proof_.valid) add_proof(j);
  return false;
}

Expander::Crossing Expander::cross(const FrontierItem& region, int j, double margin, CrossingScratch& cs) {
  for (int attempt = 0;; ++attempt) {
    rows_.inward_normal(j, normal_.data());
    double step = 0.5 * margin;
    for (int k : group_) step = std::max(step, 0.5 * margin + std::abs(rows_.distance(k, facet_point_.data())));
    if (step_across(net_, dom_, layer_of_, CrossingFrom{region.pattern.data(), forms_.zeros, group_},
                    facet_point_.data(), normal_.data(), step, point_.data(), nb_, cs))
      return Crossing::Crossed;
    if (attempt == 1) return Crossing::Failed;
    // A piece so thin that no step lands across it (degenerate vertices, as
    // at the apex of a bias-free net's cones, can leave the LP a point of
    // barely more than tol): solve its LP again from the point found. An
    // optimum <= tol then settles "no facet"; a new point is crossed again.
    std::copy(facet_point_.begin(), facet_point_.end(), point_.begin());
    if (!lp_.facet(rows_, j, group_, point_.data(), facet_point_.data(), &margin, carry_ ? &proof_ : nullptr)) {
      if (carry_ && proof_.valid) add_proof(j);
      return Crossing::NoFacet;
    }
  }
}

bool Expander::expand(const FrontierItem& region, NeighbourSink& sink, std::vector<FrontierItem>& out) {
  const std::size_t first = out.size();
  ++local_.regions_expanded;
  region_forms(region.pattern.data());
  rows_.load(forms_, region.pattern.data());
  proofs_.clear();
  fresh_.clear();
  known_.clear();
  boxes_.clear();
  mail_.clear();
  sink.take_mail(region.pattern.data(), mail_);
  CarriedProofs::index(region.proofs, proof_at_);
  CarriedProofs::index(mail_, mail_at_);
  const Clip clip = clip_.run(rows_, region.point.data())   ? Clip::Planar
                   : poly_.run(rows_, region.point.data()) ? Clip::Polytope
                                                           : Clip::None;
  CrossingScratch cs{z_, forward_, nb_forms_, flipped_};
  if (sink.prefetching()) prefetch_neighbours(region, candidates(clip), sink);
  bool complete = true;
  int polled = 0;
  for (int j : candidates(clip)) {
    if (handled_[static_cast<size_t>(j)]) continue;
    if ((++polled & 15) == 0 && !sink.keep_going()) {
      complete = false;
      break;
    }
    // Where clipped, j carries a facet, so its coincident rows are nearby.
    rows_.coincident(j, nearby(clip), group_);
    bool one_layer = true;
    nb_ = region.pattern;
    for (int k : group_) {
      handled_[static_cast<size_t>(k)] = 1;
      handled_list_.push_back(k);
      flip_bit(nb_.data(), k);
      one_layer = one_layer && layer_of_[static_cast<size_t>(k)] == layer_of_[static_cast<size_t>(j)];
    }
    if (proof_settles(region, j)) continue;
    // A facet shared with a known region needs no LP: the walk is only after
    // new patterns. (Exact when the group lies in one layer and no zero
    // neuron of a later layer can turn on across it.)
    const bool predictable =
        one_layer && (forms_.zeros.empty() ||
                      layer_of_[static_cast<size_t>(forms_.zeros.back())] <= layer_of_[static_cast<size_t>(j)]);
    Mailbox* box = nullptr;
    if (predictable && sink.known(nb_.data(), &box)) {
      ++local_.skipped_visited;
      note_known(box);
      continue;
    }
    ++local_.facet_tests;
    double margin = 0.0;
    if (!is_facet(region, j, clip, facet_point_.data(), &margin)) continue;
    const Crossing crossed = cross(region, j, margin, cs);
    if (crossed == Crossing::NoFacet) continue;
    ++local_.facets_found;
    if (crossed == Crossing::Failed) {
      ++local_.witness_failures;
      continue;
    }
    const NeighbourSink::Verdict v = sink.found(nb_.data(), point_.data());
    if (v == NeighbourSink::Verdict::Stop) {
      complete = false;
      break;
    }
    if (v == NeighbourSink::Verdict::New) out.push_back(FrontierItem{nb_, point_, {}, -1});
    else if (sink.known(nb_.data(), &box)) note_known(box);
  }
  for (int k : handled_list_) handled_[static_cast<size_t>(k)] = 0;
  handled_list_.clear();
  CarriedProofs::unindex(region.proofs, proof_at_);
  CarriedProofs::unindex(mail_, mail_at_);
  pass_proofs(region, out, first);
  if (!fresh_.empty()) send_mail(region, sink);
  if (!complete) --local_.regions_expanded;
  return complete;
}

// In a visited set past the caches, the lookups below are mostly misses (a
// hash table's random line, then the entry's): asked for together, up front,
// they overlap. Only neighbours without a carried proof: most of those with
// one settle by it.
void Expander::prefetch_neighbours(const FrontierItem& region, const std::vector<int>& candidates,
                                   NeighbourSink& sink) {
  nb_ = region.pattern;
  for (int stage = 0; stage < 2; ++stage)
    for (int j : candidates) {
      if (proof_at_[static_cast<size_t>(j)] >= 0 || mail_at_[static_cast<size_t>(j)] >= 0) continue;
      flip_bit(nb_.data(), j);
      sink.prefetch(nb_.data(), stage);
      flip_bit(nb_.data(), j);
    }
}

void Expander::pass_proofs(const FrontierItem& region, std::vector<FrontierItem>& out, std::size_t first) {
  // The proofs gathered on this region go to each neighbour they hold in,
  // gathered in scratch: the item's own list is then allocated once, to size.
  const int words = net_.pattern_words();
  Pattern& flipped = flipped_;
  for (std::size_t f = first; f < out.size(); ++f) {
    FrontierItem& it = out[f];
    flipped.assign(it.pattern.begin(), it.pattern.end());
    for (int w = 0; w < words; ++w) flipped[static_cast<size_t>(w)] ^= region.pattern[static_cast<size_t>(w)];
    int single = -1, bits = 0;
    for (int w = 0; w < words; ++w)
      if (flipped[static_cast<size_t>(w)] != 0) {
        bits += __builtin_popcountll(flipped[static_cast<size_t>(w)]);
        single = w * 64 + __builtin_ctzll(flipped[static_cast<size_t>(w)]);
      }
    it.crossed = bits == 1 ? single : -1;
    proofs_.for_neighbour(flipped, layer_of_, it.crossed, passed_);
    it.proofs.assign(passed_.begin(), passed_.end());
  }
}

void Expander::add_proof(int j) {
  proofs_.add(j, proof_.rows, proof_.lambdas, proof_.mu);
  fresh_.add(j, proof_.rows, proof_.lambdas, proof_.mu);
}

void Expander::note_known(Mailbox* box) {
  if (box == nullptr || !carry_) return;
  __builtin_prefetch(box);  // read again at the end of the expansion
  known_.insert(known_.end(), nb_.begin(), nb_.end());
  boxes_.push_back(box);
}

void Expander::send_mail(const FrontierItem& region, NeighbourSink& sink) {
  const auto words = static_cast<size_t>(net_.pattern_words());
  for (size_t i = 0; i < boxes_.size(); ++i) {
    if (!boxes_[i]->open()) continue;  // expanded, or mailed already
    const Word* nb = &known_[i * words];
    flipped_.assign(nb, nb + words);
    for (size_t w = 0; w < words; ++w) flipped_[w] ^= region.pattern[w];
    fresh_.for_neighbour(flipped_, layer_of_, -1, passed_);  // (-1: the proofs that hold unchanged)
    if (!passed_.empty()) sink.mail(*boxes_[i], passed_);
  }
}

WalkStats Expander::stats() const {
  WalkStats s = local_;
  const GeometryStats& g = lp_.stats();
  s.lp_solves += g.lp_solves;
  s.lp_iterations += g.lp_iterations;
  s.qp_solves += g.qp_solves;
  s.undecided += g.undecided;
  return s;
}

}  // namespace regionwalk
