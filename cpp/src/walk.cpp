#include "regionwalk/walk.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#if __has_include(<unistd.h>)
#include <unistd.h>  // sysconf: the machine's memory
#endif

#include "regionwalk/expand.hpp"
#include "regionwalk/frontier.hpp"
#include "regionwalk/stability.hpp"
#include "regionwalk/subdivide.hpp"
#include "regionwalk/walk_state.hpp"

namespace regionwalk {

namespace {

using Clock = std::chrono::steady_clock;
// How often a worker waiting for the frontier still polls (Ctrl-C, limits).
constexpr std::chrono::milliseconds kWaitPoll{20};

// Limits, cancellation and the stop reason, shared by the threads.
class Limits {
 public:
  Limits(const WalkOptions& opt, WalkControl& control, Frontier& frontier)
      : opt_(opt), control_(control), frontier_(frontier), t0_(Clock::now()) {}
  void halt(StopReason r) {
    int expected = static_cast<int>(StopReason::Complete);
    reason_.compare_exchange_strong(expected, static_cast<int>(r));
    stop_ = true;
    frontier_.wake_all();
  }
  // Polls Ctrl-C, the time limit and (now and then: it locks every shard) memory.
  bool keep_going(const RegionCollector& regions, bool check_memory) {
    if (control_.cancelled()) halt(StopReason::Cancelled);
    if (opt_.time_limit >= 0 && seconds() > opt_.time_limit) halt(StopReason::TimeLimit);
    if (check_memory && opt_.max_memory >= 0) {
      const std::int64_t bytes = regions.bytes() + frontier_.bytes();
      control_.bytes.store(bytes);
      if (bytes >= opt_.max_memory) halt(StopReason::Memory);
    }
    return !stop_.load();
  }
  bool at_region_cap(std::int64_t count) const { return opt_.max_regions >= 0 && count >= opt_.max_regions; }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  const std::atomic<bool>& stopped() const { return stop_; }
  StopReason reason() const { return static_cast<StopReason>(reason_.load()); }

 private:
  const WalkOptions& opt_;
  WalkControl& control_;
  Frontier& frontier_;
  Clock::time_point t0_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reason_{static_cast<int>(StopReason::Complete)};
};

// Workers 1 .. n-1, started by worker 0 (the caller's thread) once the walk
// has lasted kAfter with regions waiting for them: a small walk (a small
// ball: tens of regions, a fraction of a millisecond) is over before a
// thread's start and hand-overs would pay off.
class Helpers {
 public:
  static constexpr double kAfter = 250e-6;  // seconds
  static constexpr int kShards = 64;       // the visited set's, once threads share it

  explicit Helpers(int threads) : threads_(threads) {}
  Helpers(const Helpers&) = delete;
  Helpers& operator=(const Helpers&) = delete;
  ~Helpers() { join(); }
  void bind(std::function<void(int)> worker) { worker_ = std::move(worker); }
  // The collector is worker 0's alone until then (one shard, no locks): it is
  // spread over shards that lock before another thread can touch it.
  void start_if_due(const Limits& limits, const WalkControl& control, RegionCollector& regions, Frontier& frontier) {
    if (started_ || limits.seconds() < kAfter || control.frontier.load(std::memory_order_relaxed) < threads_) return;
    started_ = true;
    regions.reshard((kShards + threads_ - 1) / threads_ * threads_);  // a multiple: each shard one worker's
    frontier.share();
    for (int t = 1; t < threads_; ++t) {
      try {
        pool_.emplace_back(worker_, t);
      } catch (...) {
        break;  // no thread to be had: the walk goes on with fewer
      }
    }
  }
  void join() {
    for (std::thread& th : pool_) th.join();
    pool_.clear();
  }

 private:
  int threads_;
  bool started_ = false;
  std::function<void(int)> worker_;
  std::vector<std::thread> pool_;
};

// What an expansion inside the walk asks: the collector's regions, the limits.
class WalkSink : public NeighbourSink {
 public:
  WalkSink(RegionCollector& regions, Limits& limits, WalkControl& control)
      : regions_(regions), limits_(limits), control_(control) {}
  bool known(const Word* pattern, Mailbox** box) override { return regions_.contains(pattern, box); }
  // Once the set outgrows a core's caches (below, the hashing costs more than the misses).
  bool prefetching() override {
    if (!large_ && (++asked_ & 63) == 0) large_ = regions_.count() * entry_bytes_ > kCacheBytes;
    return large_;
  }
  void prefetch(const Word* pattern, int stage) override {
    if (stage == 0) regions_.prefetch_slot(pattern);
    else regions_.prefetch_entry(pattern);
  }
  Verdict found(const Word* pattern, const double* point) override {
    if (limits_.at_region_cap(regions_.count())) {
      limits_.halt(StopReason::MaxRegions);
      return Verdict::Stop;
    }
    if (!regions_.add(pattern, point)) return Verdict::Known;
    control_.regions.store(regions_.count());
    return Verdict::New;
  }
  bool keep_going() override { return limits_.keep_going(regions_, false); }
  void mail(Mailbox& box, const CarriedProofs::Cells& proofs) override { regions_.post(box, proofs); }
  void take_mail(const Word* pattern, CarriedProofs::Cells& out) override { regions_.take(pattern, out); }

 private:
  static constexpr std::int64_t kCacheBytes = std::int64_t{1} << 20;
  RegionCollector& regions_;
  Limits& limits_;
  WalkControl& control_;
  std::int64_t entry_bytes_ = 8 * regions_.words() + 12;  // its words and about 3 slots
  std::int64_t asked_ = 0;
  bool large_ = false;
};

void check_inputs(const Network& net, const Domain& dom, const double* seed) {
  if (dom.dim != net.input_dim())
    throw std::invalid_argument("domain dimension " + std::to_string(dom.dim) +
                                " does not match the network's input dimension " + std::to_string(net.input_dim()));
  for (int q = 0; q < dom.dim; ++q)
    if (!std::isfinite(seed[q])) throw std::invalid_argument("seed contains NaN or inf");
  if (!dom.contains(seed, 0.0)) throw std::invalid_argument("seed lies outside the open domain");
}

// The first frontier: the seed's region, or a saved walk's regions and frontier.
std::vector<FrontierItem> start(const Network& net, const Domain& dom, Expander& expander, const double* seed,
                                const Bytes* resume, RegionCollector& regions, WalkStats& carried) {
  std::vector<FrontierItem> items;
  if (resume == nullptr) {
    items.push_back(expander.seed(seed));
    regions.add(items.back().pattern.data(), items.back().point.data());
    return items;
  }
  WalkState s = decode_state(*resume, net, dom.dim);
  const auto w = static_cast<size_t>(net.pattern_words());
  const auto d = static_cast<size_t>(dom.dim);
  const size_t n = s.patterns.size() / w;
  if (regions.stores_points() && s.points.size() != n * d)
    throw std::invalid_argument("walk state: holds no witness points; continue it with store_points=False");
  const std::vector<double> none(d, 0.0);
  for (size_t i = 0; i < n; ++i)
    regions.add(&s.patterns[i * w], regions.stores_points() ? &s.points[i * d] : none.data(), true);
  carried = s.stats;
  carried.stable_neurons = 0;  // counted again by this segment
  return std::move(s.frontier);
}

// Where the box's complex may answer instead of the walk (subdivide.hpp): no
// limit it could not honour (regions, time, a state to keep), the default solver.
bool subdivision_applies(const Domain& dom, const WalkOptions& opt, const Bytes* resume) {
  return opt.subdivide && resume == nullptr && dom.kind == DomainKind::Box && dom.dim >= BoxSubdivision::kMinDim &&
         dom.dim <= BoxSubdivision::kMaxDim && opt.max_regions < 0 && opt.time_limit < 0 && !opt.keep_state &&
         !opt.audit_proofs && !opt.solver;
}

// A complex past this many bytes of its own goes to the walk, which needs far
// less: a quarter of the machine's memory, between 1 and 16 GiB (2 GiB where
// the memory is not known).
std::int64_t subdivision_budget() {
  constexpr std::int64_t GiB = std::int64_t{1} << 30;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return std::clamp(std::int64_t{pages} * page / 4, GiB, 16 * GiB);
#endif
  return 2 * GiB;
}

// The regions from the box's complex; false when it refused (counted in res.stats).
bool subdivide(const Network& net, const Domain& dom, double tol, const WalkOptions& opt, WalkControl& control,
               WalkResult& res) {
  BoxSubdivision sub(net, dom, tol, std::max(1, opt.threads));
  const std::int64_t budget = opt.max_memory >= 0 ? std::min(opt.max_memory, subdivision_budget()) : subdivision_budget();
  bool ok = false;
  try {
    ok = sub.run(res.patterns, res.points, control, budget);
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (!ok) {
    res.subdivision_refusal = sub.why().empty() ? "out of memory" : sub.why();
    res.patterns.clear();
    res.points.clear();
    ++res.stats.subdivision_refusals;
    return false;
  }
  res.stats.subdivision_vertices = sub.vertices();
  const auto w = static_cast<std::size_t>(net.pattern_words()), d = static_cast<std::size_t>(dom.dim);
  res.count = static_cast<std::int64_t>(res.patterns.size() / w);
  if (opt.on_region)
    for (std::size_t i = 0; i < static_cast<std::size_t>(res.count); ++i) opt.on_region(&res.patterns[i * w], &res.points[i * d]);
  if (!opt.store_points) res.points = std::vector<double>();
  control.regions.store(res.count);
  return true;
}

// A pruned network's patterns as its full network's (pattern_map.hpp),
// sorted again, with their points; its left-out neurons count as stable.
void to_full_patterns(const PatternMap& map, WalkResult& res) {
  std::vector<Word> full;
  std::vector<std::size_t> order;
  const auto n = static_cast<std::size_t>(res.count), d = static_cast<std::size_t>(res.dim);
  map.expand_sorted(res.patterns, res.words, n, full, order);
  if (!res.points.empty()) {
    std::vector<double> points(n * d);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(&res.points[order[i] * d], d, &points[i * d]);
    res.points.swap(points);
  }
  res.patterns.swap(full);
  res.stats.stable_neurons += map.neurons - static_cast<std::int64_t>(map.kept.size());
  res.words = map.words();
}

}  // namespace

WalkResult walk(const Network& net, const Domain& dom, const double* seed, const WalkOptions& opt,
                WalkControl& control, const Bytes* resume) {
  check_inputs(net, dom, seed);
  control.own();  // this thread runs the caller's poll
  const double tol = opt.tol > 0 ? opt.tol : 1e-9 * dom.scale();
  const int threads = std::max(1, opt.threads);
  const std::vector<signed char> stable = stable_signs(net, dom);
  RegionCollector regions(net.pattern_words(), dom.dim, opt.store_points, opt.on_region, 1,  // see Helpers
                          cell_bits(net), /*mail=*/Expander::mails(net, dom));
  Frontier frontier(control, net, threads);
  Limits limits(opt, control, frontier);
  WalkResult res;
  if (subdivision_applies(dom, opt, resume)) {
    const bool answered = subdivide(net, dom, tol, opt, control, res);
    if (answered || control.cancel.load()) {
      res.stop = answered ? StopReason::Complete : StopReason::Cancelled;
      res.words = net.pattern_words();
      res.dim = dom.dim;
      res.stats.stable_neurons = std::count_if(stable.begin(), stable.end(), [](signed char s) { return s != 0; });
      res.stats.seconds = limits.seconds();
      return res;
    }
  }
  WalkStats carried;
  std::mutex stats_mu;
  std::exception_ptr error;
  // The seed's expander is worker 0's (its seed LP is counted with the walk's).
  Expander first(net, dom, stable, tol, opt.audit_proofs, opt.solver ? opt.solver() : nullptr);
  {
    std::vector<FrontierItem> items = start(net, dom, first, seed, resume, regions, carried);
    frontier.push(items, 0);
  }
  control.regions.store(regions.count());
  if (limits.at_region_cap(regions.count())) limits.halt(StopReason::MaxRegions);

  Helpers helpers(threads);
  auto worker = [&](int t) {
    std::optional<Expander> own;
    Expander& expander =
        t == 0 ? first : own.emplace(net, dom, stable, tol, opt.audit_proofs, opt.solver ? opt.solver() : nullptr);
    WalkSink sink(regions, limits, control);
    try {
      std::vector<FrontierItem> batch, found;
      std::int64_t expanded = 0;
      const std::function<void()> poll = [&] { limits.keep_going(regions, false); };
      while (frontier.pop(batch, t, limits.stopped(), poll, kWaitPoll)) {
        size_t i = 0;
        for (; i < batch.size(); ++i) {
          if (!limits.keep_going(regions, (++expanded & 63) == 0)) break;
          if (!expander.expand(batch[i], sink, found)) break;
          if (threads > 1 && t == 0) helpers.start_if_due(limits, control, regions, frontier);
          if (threads > 1 && !found.empty() && frontier.hungry()) frontier.push(found, t);
        }
        frontier.put_back(batch, i, t);  // taken but not (fully) expanded: kept for a continued walk
        frontier.push(found, t);
        frontier.done();
      }
    } catch (const std::bad_alloc&) {
      limits.halt(StopReason::Memory);  // what was found so far is still returned
    } catch (...) {
      std::lock_guard<std::mutex> lock(stats_mu);
      if (!error) error = std::current_exception();
      limits.halt(StopReason::Cancelled);
    }
    std::lock_guard<std::mutex> lock(stats_mu);
    res.stats.add(expander.stats());
    res.stats.stable_neurons = expander.stats().stable_neurons;
  };

  helpers.bind(worker);
  worker(0);  // on the caller's thread
  helpers.join();
  if (error) std::rethrow_exception(error);

  res.stop = limits.reason();
  // Threads that found regions at once can pass the cap together, and drain
  // the frontier without one more find to halt them: the result, cut back
  // to the cap below, is then not the whole domain.
  if (res.stop == StopReason::Complete && opt.max_regions >= 0 && regions.count() > opt.max_regions)
    res.stop = StopReason::MaxRegions;
  res.words = net.pattern_words();
  res.dim = dom.dim;
  regions.sorted(opt.max_regions, res.patterns, res.points);
  if (!opt.store_points) res.points.clear();
  res.count = static_cast<std::int64_t>(res.patterns.size()) / std::max(1, res.words);
  res.stats.add(carried);
  res.stats.seconds = carried.seconds + limits.seconds();
  if (opt.keep_state && res.stop != StopReason::Complete) {
    WalkState s;
    regions.all(s.patterns, s.points);
    s.frontier = frontier.drain();
    for (FrontierItem& it : s.frontier) regions.take(it.pattern.data(), it.proofs);  // letters go with their regions
    s.stats = res.stats;
    res.state = encode_state(s, res.words, res.dim, net.hidden_neurons());  // the pruned network's, as walked
  }
  if (!net.pattern_map().identity()) to_full_patterns(net.pattern_map(), res);
  return res;
}

}  // namespace regionwalk
