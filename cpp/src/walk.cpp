#include "regionwalk/walk.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

#include "regionwalk/region.hpp"
#include "regionwalk/stability.hpp"
#include "regionwalk/visited_set.hpp"

namespace regionwalk {

namespace {

using Clock = std::chrono::steady_clock;

// Proofs that a neuron's hyperplane is no facet, passed from a region to the
// regions found across its facets. A record is
//   (j, n, same, mu, r_1 .. r_n, lambda_1 .. lambda_n)
// in 16-bit cells (each float takes two): the facet LP of j was bounded by
// the rows r_i alone (neurons >= 0, domain rows < 0) with these multipliers.
// `same` says that j and every r_i kept their rows on the way (same sign, no
// earlier layer flipped): that same relaxation holds, so j is no facet there
// either. Otherwise, across a single neuron m, the multipliers are re-checked
// with the neighbour's forms (RegionGeometry::dual_certificate_holds). The
// frontier holds many of these records: hence the small cells.
class Certificates {
 public:
  using Cell = std::int16_t;
  static constexpr size_t kHead = 5;
  static constexpr int kMaxNeurons = INT16_MAX;  // larger nets carry no records
  // Records that grew past this many rows (one per re-check) are not passed on.
  static constexpr int kMaxRows = 24;

  void clear() { records_.clear(); }
  void add(int j, const std::vector<int>& rows, const std::vector<float>& lambdas, float mu) {
    records_.push_back(static_cast<Cell>(j));
    records_.push_back(static_cast<Cell>(rows.size()));
    records_.push_back(0);
    put(mu);
    for (int r : rows) records_.push_back(static_cast<Cell>(r));
    for (float l : lambdas) put(l);
  }
  static size_t next(const std::vector<Cell>& recs, size_t i) {
    return i + kHead + 3 * static_cast<size_t>(recs[i + 1]);
  }
  static float mu(const std::vector<Cell>& recs, size_t i) { return value(&recs[i + 3]); }
  // Rows and multipliers of the record at i.
  static void read(const std::vector<Cell>& recs, size_t i, std::vector<int>& rows, std::vector<float>& lambdas) {
    const auto n = static_cast<size_t>(recs[i + 1]);
    rows.assign(recs.begin() + static_cast<long>(i + kHead), recs.begin() + static_cast<long>(i + kHead + n));
    lambdas.resize(n);
    for (size_t r = 0; r < n; ++r) lambdas[r] = value(&recs[i + kHead + n + 2 * r]);
  }
  // Indexes inherited records by neuron (offset into `inherited`, -1: none).
  static void index(const std::vector<Cell>& inherited, std::vector<int>& at) {
    for (size_t i = 0; i < inherited.size(); i = next(inherited, i))
      at[static_cast<size_t>(inherited[i])] = static_cast<int>(i);
  }
  static void unindex(const std::vector<Cell>& inherited, std::vector<int>& at) {
    for (size_t i = 0; i < inherited.size(); i = next(inherited, i)) at[static_cast<size_t>(inherited[i])] = -1;
  }
  // Keeps an inherited record that held here, for this region's neighbours.
  void keep(const std::vector<Cell>& inherited, int at) {
    const auto i = static_cast<size_t>(at);
    records_.insert(records_.end(), inherited.begin() + static_cast<long>(i),
                    inherited.begin() + static_cast<long>(next(inherited, i)));
  }
  // The records worth passing to a neighbour whose pattern differs in
  // `flipped`, with `same` set where they hold unchanged. Across one neuron m,
  // records not mentioning m go along for the dual re-check (a record holding
  // m's row goes without it: the re-check bounds that part over the domain);
  // across several (coincident hyperplanes) only the unchanged ones.
  void for_neighbour(const Pattern& flipped, const std::vector<int>& layer_of, int single,
                     std::vector<Cell>& out) const {
    out.clear();
    int low = INT32_MAX;  // lowest layer with a flipped bit (neurons are numbered layer by layer)
    for (size_t w = 0; w < flipped.size(); ++w)
      if (flipped[w] != 0) {
        low = layer_of[w * 64 + static_cast<size_t>(__builtin_ctzll(flipped[w]))];
        break;
      }
    for (size_t i = 0; i < records_.size(); i = next(records_, i)) {
      const int j = records_[i];
      const auto n = static_cast<size_t>(records_[i + 1]);
      if (get_bit(flipped.data(), j)) continue;  // j's own hyperplane was crossed: a facet
      bool same = layer_of[static_cast<size_t>(j)] <= low;
      int drop = -1, flips = 0;
      for (size_t r = 0; r < n; ++r) {
        const int k = records_[i + kHead + r];
        if (k < 0) continue;  // a domain row: always there
        if (get_bit(flipped.data(), k)) {
          ++flips;
          drop = static_cast<int>(r);
        }
        same = same && layer_of[static_cast<size_t>(k)] <= low;
      }
      if (flips > 0) same = false;
      if (flips > 1 || (!same && (single < 0 || n >= static_cast<size_t>(kMaxRows)))) continue;
      const size_t at = out.size();
      out.insert(out.end(), records_.begin() + static_cast<long>(i), records_.begin() + static_cast<long>(next(records_, i)));
      out[at + 2] = same ? 1 : 0;
      if (drop >= 0) {
        const auto dr = static_cast<size_t>(drop);
        const auto lam = static_cast<long>(at + kHead + n + 2 * dr);
        out.erase(out.begin() + lam, out.begin() + lam + 2);
        out.erase(out.begin() + static_cast<long>(at + kHead + dr));
        out[at + 1] = static_cast<Cell>(n - 1);
      }
    }
  }

 private:
  static float value(const Cell* c) {
    float f;
    std::memcpy(&f, c, sizeof f);
    return f;
  }
  void put(float f) {
    Cell c[2];
    std::memcpy(c, &f, sizeof f);
    records_.push_back(c[0]);
    records_.push_back(c[1]);
  }

  std::vector<Cell> records_;
};

struct Item {
  Pattern pattern;
  std::vector<double> point;
  std::vector<Certificates::Cell> certificates;  // see Certificates
  int crossed = -1;                        // the one neuron flipped from the region walked from (-1: several)

  std::int64_t bytes() const {
    return static_cast<std::int64_t>(sizeof(Item) + pattern.capacity() * sizeof(Word) +
                                     point.capacity() * sizeof(double) +
                                     certificates.capacity() * sizeof(Certificates::Cell));
  }
};

// Frontier shared by the worker threads; empty and nobody busy means done.
// Its size and bytes are published to the caller's WalkControl.
class Frontier {
 public:
  explicit Frontier(WalkControl& control) : control_(control) {}
  void push(std::vector<Item>& items) {
    if (items.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    for (Item& it : items) {
      bytes_ += it.bytes();
      queue_.push_back(std::move(it));
    }
    items.clear();
    publish();
    cv_.notify_all();
  }
  // Blocks until items are available (true) or the walk is over (false);
  // takes a few at a time so that threads meet at the lock less often, but
  // never more than a fair share of the queue.
  bool pop(std::vector<Item>& out, const std::atomic<bool>& stop, int threads) {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.wait(lock, [&] { return stop.load() || !queue_.empty() || busy_ == 0; });
    --waiting_;
    if (stop.load() || queue_.empty()) {
      cv_.notify_all();
      return false;
    }
    const size_t take = std::clamp<size_t>(queue_.size() / static_cast<size_t>(2 * threads), 1, 8);
    out.clear();
    for (size_t i = 0; i < take; ++i) {
      bytes_ -= queue_.front().bytes();
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    publish();
    ++busy_;
    return true;
  }
  void done() {
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
    cv_.notify_all();
  }
  void wake_all() {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  // Some thread waits for work: worth handing over regions found so far
  // rather than at the end of a batch.
  bool hungry() const { return waiting_.load(std::memory_order_relaxed) > 0; }
  std::int64_t bytes() const { return bytes_published_.load(std::memory_order_relaxed); }

 private:
  void publish() {  // under mu_
    control_.frontier.store(static_cast<std::int64_t>(queue_.size()), std::memory_order_relaxed);
    bytes_published_.store(bytes_, std::memory_order_relaxed);
  }

  WalkControl& control_;
  std::int64_t bytes_ = 0;
  std::atomic<std::int64_t> bytes_published_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  int busy_ = 0;
  std::atomic<int> waiting_{0};
};

// Finds an interior point of the seed's region, nudging the seed off
// boundaries (deterministically) when its own region is too thin.
Item seed_item(const Network& net, const Domain& dom, const std::vector<signed char>& stable,
               double tol, const double* seed) {
  const auto d = static_cast<size_t>(dom.dim);
  RegionGeometry geom(dom, stable, tol);
  LocalForms forms;
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> x(seed, seed + d), best(d);
  for (int attempt = 0; attempt < 40; ++attempt) {
    if (attempt > 0) {
      // Growing random nudges around the seed, kept inside the domain.
      const double size = dom.scale() * 1e-6 * std::pow(2.0, attempt);
      for (size_t q = 0; q < d; ++q) x[q] = seed[q] + size * gauss(rng);
      if (!dom.contains(x.data(), 0.0)) continue;
    }
    Pattern p = net.pattern_of(x.data());
    // Sanity: the bits that bound propagation fixed must agree with the point.
    bool agrees = true;
    for (size_t k = 0; k < stable.size() && agrees; ++k)
      agrees = stable[k] == 0 || (stable[k] > 0) == get_bit(p.data(), static_cast<int>(k));
    if (!agrees) continue;
    net.local_forms(p.data(), forms);
    geom.load(forms, p.data());
    if (geom.interior_point(x.data(), best.data()) > tol && net.pattern_of(best.data()) == p)
      return Item{std::move(p), best, {}};
  }
  throw std::runtime_error("could not find a full-dimensional region at the seed point");
}

// Where a crossing starts: the region's pattern, its zero neurons (identically
// zero there: any of them may turn on across a facet), and the facet's group.
struct CrossingFrom {
  const Word* pattern;
  const std::vector<int>& zeros;
  const std::vector<int>& group;
};

// Scratch of step_across, kept per thread.
struct CrossingScratch {
  std::vector<double> z, forward;
  LocalForms forms;
  Pattern flipped;
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
  int low = INT32_MAX;
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

WalkResult walk(const Network& net, const Domain& dom, const double* seed, const WalkOptions& opt,
                WalkControl& control) {
  if (dom.dim != net.input_dim())
    throw std::invalid_argument("domain dimension " + std::to_string(dom.dim) +
                                " does not match the network's input dimension " +
                                std::to_string(net.input_dim()));
  for (int q = 0; q < dom.dim; ++q)
    if (!std::isfinite(seed[q])) throw std::invalid_argument("seed contains NaN or inf");
  if (!dom.contains(seed, 0.0)) throw std::invalid_argument("seed point lies outside the open domain");
  const auto t0 = Clock::now();
  const double tol = opt.tol > 0 ? opt.tol : 1e-9 * dom.scale();
  const int words = net.pattern_words();
  const auto d = static_cast<size_t>(dom.dim);
  const int threads = std::max(1, opt.threads);
  const std::vector<signed char> stable = stable_signs(net, dom);
  std::vector<int> layer_of(static_cast<size_t>(net.hidden_neurons()));
  for (int l = 0; l < net.num_hidden_layers(); ++l)
    for (int k = net.layer_offset(l); k < net.layer_offset(l + 1); ++k) layer_of[static_cast<size_t>(k)] = l;

  WalkResult res;
  res.words = words;
  res.dim = dom.dim;
  res.stats.stable_neurons = std::count_if(stable.begin(), stable.end(), [](signed char s) { return s != 0; });

  VisitedSet visited(words, dom.dim, opt.store_points);
  Frontier frontier(control);
  std::atomic<bool> stop{false};
  std::atomic<int> reason{static_cast<int>(StopReason::Complete)};
  std::atomic<std::int64_t> count{0};
  std::mutex stats_mu;
  std::exception_ptr error;

  {
    Item first = seed_item(net, dom, stable, tol, seed);
    visited.insert(first.pattern.data(), first.point.data());
    count = 1;
    std::vector<Item> one;
    one.push_back(std::move(first));
    frontier.push(one);
  }
  auto halt = [&](StopReason r) {
    int expected = static_cast<int>(StopReason::Complete);
    reason.compare_exchange_strong(expected, static_cast<int>(r));
    stop = true;
    frontier.wake_all();
  };
  if (opt.max_regions >= 0 && count >= opt.max_regions) halt(StopReason::MaxRegions);

  auto worker = [&]() {
    try {
      RegionGeometry geom(dom, stable, tol);
      LocalForms forms;
      std::vector<Item> batch;
      std::vector<Item> found;
      std::vector<int> group;
      // Per neuron, reset after each region by the lists that set them (a
      // region touches few neurons in 2D, where regions are cheap).
      std::vector<char> handled(static_cast<size_t>(net.hidden_neurons()), 0);
      std::vector<int> handled_list;
      std::vector<int> record_at(static_cast<size_t>(net.hidden_neurons()), -1);
      Certificates certs;
      std::vector<int> cert_rows;
      std::vector<float> cert_lambdas;
      std::vector<int> held_rows;  // an inherited record, unpacked
      std::vector<float> held_lambdas;
      const bool carry = net.hidden_neurons() <= Certificates::kMaxNeurons;
      Pattern nb(static_cast<size_t>(words));
      std::vector<double> point(d), facet_point(d), normal(d);
      CrossingScratch crossing;
      Pattern flipped;
      WalkStats local;
      while (frontier.pop(batch, stop, threads)) {
        for (Item& item : batch) {
          if (control.cancel.load()) halt(StopReason::Cancelled);
          if (opt.time_limit >= 0 &&
              std::chrono::duration<double>(Clock::now() - t0).count() > opt.time_limit)
            halt(StopReason::TimeLimit);
          // The visited set's size takes every shard's lock: looked at now and then.
          if (opt.max_memory >= 0 && (local.regions_expanded & 63) == 0) {
            const std::int64_t bytes = visited.bytes() + frontier.bytes();
            control.bytes.store(bytes);
            if (bytes >= opt.max_memory) halt(StopReason::Memory);
          }
          if (stop.load()) break;
          const size_t first_found = found.size();
          ++local.regions_expanded;
          net.local_forms(item.pattern.data(), forms);
          geom.load(forms, item.pattern.data());
          certs.clear();
          Certificates::index(item.certificates, record_at);
          const bool planar = geom.polygon_facets(item.point.data());
          auto audit = [&](int j) {
            double m = 0.0;
            if (opt.audit_proofs && geom.facet(j, group, item.point.data(), facet_point.data(), &m)) ++local.proof_errors;
          };
          int polled = 0;
          // In 2D only the lines carrying an edge of the clipped polygon can be
          // facets; elsewhere every hyperplane that meets the domain is a candidate.
          for (int j : planar ? geom.polygon_edge_neurons() : geom.candidates()) {
            if (handled[static_cast<size_t>(j)]) continue;
            // Poll limits inside the region too: one region can be slow in high dimension.
            if ((++polled & 15) == 0) {
              if (control.cancel.load()) halt(StopReason::Cancelled);
              if (opt.time_limit >= 0 && std::chrono::duration<double>(Clock::now() - t0).count() > opt.time_limit)
                halt(StopReason::TimeLimit);
              if (stop.load()) break;
            }
            geom.coincident(j, group);
            bool one_layer = true;
            nb = item.pattern;
            for (int k : group) {
              handled[static_cast<size_t>(k)] = 1;
              handled_list.push_back(k);
              flip_bit(nb.data(), k);
              one_layer = one_layer && layer_of[static_cast<size_t>(k)] == layer_of[static_cast<size_t>(j)];
            }
            // A proof carried over from the region walked from: no LP.
            const int at = record_at[static_cast<size_t>(j)];
            if (at >= 0) {
              const auto i = static_cast<size_t>(at);
              Certificates::read(item.certificates, i, held_rows, held_lambdas);
              const int n = static_cast<int>(held_rows.size());
              if (geom.certificate_holds(group, held_rows.data(), n)) {
                if (item.certificates[i + 2] != 0) {
                  ++local.inherited_proofs;
                  audit(j);
                  certs.keep(item.certificates, at);
                  continue;
                }
                const float mu = Certificates::mu(item.certificates, i);
                if (group.size() == 1 && geom.dual_certificate_holds(j, held_rows.data(), held_lambdas.data(), n, mu,
                                                                     item.crossed, cert_rows, cert_lambdas)) {
                  ++local.rechecked_proofs;
                  audit(j);
                  certs.add(j, cert_rows, cert_lambdas, mu);
                  continue;
                }
              }
            }
            // A facet shared with a known region needs no LP: the walk is only
            // after new patterns. (Exact when the group lies in one layer and
            // no zero neuron of a later layer can turn on across it.)
            const bool predictable =
                one_layer && (forms.zeros.empty() ||
                              layer_of[static_cast<size_t>(forms.zeros.back())] <= layer_of[static_cast<size_t>(j)]);
            if (predictable && visited.contains(nb.data())) {
              ++local.skipped_visited;
              continue;
            }
            ++local.facet_tests;
            double margin = 0.0;
            int edge = 2;  // 2: ask the LP
            if (planar) {
              // In 2D the clipped polygon answers most facet tests without an LP.
              edge = 0;
              for (int k : group) {
                edge = std::max(edge, geom.polygon_edge(k, facet_point.data(), &margin));
                if (edge == 1) break;
              }
              if (edge == 0) continue;
            }
            if (edge == 2 && !geom.facet(j, group, item.point.data(), facet_point.data(), &margin)) {
              float mu = 0.0f;
              if (carry && geom.facet_certificate(cert_rows, cert_lambdas, &mu)) certs.add(j, cert_rows, cert_lambdas, mu);
              continue;
            }
            ++local.facets_found;
            geom.inward_normal(j, normal.data());
            double step = 0.5 * margin;
            for (int k : group) step = std::max(step, 0.5 * margin + std::abs(geom.distance(k, facet_point.data())));
            if (!step_across(net, dom, layer_of, CrossingFrom{item.pattern.data(), forms.zeros, group},
                             facet_point.data(), normal.data(), step, point.data(), nb, crossing)) {
              ++local.witness_failures;
              continue;
            }
            if (opt.max_regions >= 0 && count.load() >= opt.max_regions) {
              halt(StopReason::MaxRegions);
              break;
            }
            if (visited.insert(nb.data(), point.data())) {
              const std::int64_t n = ++count;
              control.regions.store(n);
              found.push_back(Item{nb, point, {}});
            }
          }
          for (int k : handled_list) handled[static_cast<size_t>(k)] = 0;
          handled_list.clear();
          Certificates::unindex(item.certificates, record_at);
          // The proofs gathered on this region go to each neighbour they hold in.
          for (size_t f = first_found; f < found.size(); ++f) {
            Item& it = found[f];
            flipped = it.pattern;
            for (int w = 0; w < words; ++w) flipped[static_cast<size_t>(w)] ^= item.pattern[static_cast<size_t>(w)];
            int single = -1, bits = 0;
            for (int w = 0; w < words; ++w)
              if (flipped[static_cast<size_t>(w)] != 0) {
                bits += __builtin_popcountll(flipped[static_cast<size_t>(w)]);
                single = w * 64 + __builtin_ctzll(flipped[static_cast<size_t>(w)]);
              }
            it.crossed = bits == 1 ? single : -1;
            certs.for_neighbour(flipped, layer_of, it.crossed, it.certificates);
          }
          if (threads > 1 && !found.empty() && frontier.hungry()) frontier.push(found);
        }
        frontier.push(found);
        frontier.done();
      }
      const GeometryStats& g = geom.stats();
      std::lock_guard<std::mutex> lock(stats_mu);
      res.stats.regions_expanded += local.regions_expanded;
      res.stats.facet_tests += local.facet_tests;
      res.stats.skipped_visited += local.skipped_visited;
      res.stats.facets_found += local.facets_found;
      res.stats.inherited_proofs += local.inherited_proofs;
      res.stats.rechecked_proofs += local.rechecked_proofs;
      res.stats.proof_errors += local.proof_errors;
      res.stats.witness_failures += local.witness_failures;
      res.stats.lp_solves += g.lp_solves;
      res.stats.lp_iterations += g.lp_iterations;
      res.stats.qp_solves += g.qp_solves;
      res.stats.undecided += g.undecided;
    } catch (const std::bad_alloc&) {
      halt(StopReason::Memory);  // what was found so far is still returned
    } catch (...) {
      std::lock_guard<std::mutex> lock(stats_mu);
      if (!error) error = std::current_exception();
      halt(StopReason::Cancelled);
    }
  };

  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);

  res.stop = static_cast<StopReason>(reason.load());
  std::vector<Word> pats;
  std::vector<double> pts;
  visited.collect(pats, pts);
  std::int64_t n = static_cast<std::int64_t>(pats.size()) / std::max(1, words);
  // Deterministic output: patterns sorted lexicographically by word.
  std::vector<std::int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const auto w = static_cast<size_t>(words);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return std::lexicographical_compare(&pats[static_cast<size_t>(a) * w], &pats[static_cast<size_t>(a) * w] + w,
                                        &pats[static_cast<size_t>(b) * w], &pats[static_cast<size_t>(b) * w] + w);
  });
  if (opt.max_regions >= 0 && n > opt.max_regions) n = opt.max_regions;
  res.count = n;
  res.patterns.resize(static_cast<size_t>(n) * w);
  if (opt.store_points) res.points.resize(static_cast<size_t>(n) * d);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto src = static_cast<size_t>(order[static_cast<size_t>(i)]);
    std::copy_n(&pats[src * w], w, &res.patterns[static_cast<size_t>(i) * w]);
    if (opt.store_points) std::copy_n(&pts[src * d], d, &res.points[static_cast<size_t>(i) * d]);
  }
  res.stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return res;
}

}  // namespace regionwalk
