// The walk's frontier: regions found and not yet expanded, shared by its
// worker threads (walk.hpp). Empty, with no worker busy, means done. Its size
// and bytes are published to the caller's WalkControl.
//
// Its order decides how many facet LPs the walk needs, because a region's
// carried proofs come from the region that found it (proofs.hpp): across a
// neuron of layer l only proofs within layers <= l hold as they are. (Its
// neighbours expanded before it add theirs by mail, mailbox.hpp.)
//  - Items wait by level, the layer of the neuron crossed to reach them
//    (several, or the seed: level 0), and the lowest level goes first. A
//    region found across an early layer's hyperplane enters a cell of the
//    early layers; expanded early, it finds that cell's regions from inside,
//    across later layers, with their proofs.
//  - Each worker has its own queues, and an item joins those of the worker
//    that owns its cell of the layers before the last (by a hash of those
//    bits of its pattern): one worker finds a cell's regions from inside, in
//    the order one thread would. A worker takes another's items only when its
//    own queues are empty. Threads taking turns at one queue expanded
//    neighbouring regions at once: both tested the facets to the same new
//    regions, and the order they left entered the cells twice to three times
//    as often, without proofs: two threads did 25-30% more facet tests than
//    one on a 784-32x2 ball, 5% more now (bench/RESULTS.md, stop 30).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "regionwalk/frontier_item.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/walk.hpp"

namespace regionwalk {

// A region's cell of the layers before the last is known by its pattern's
// first cell_bits(net) bits (hash_bits): its worker here, and its shard in the
// visited set (collect.hpp), which so stays mostly in that worker's cache.
int cell_bits(const Network& net);

class Frontier {
 public:
  // For the regions of `net`, walked by workers 0 .. threads - 1.
  Frontier(WalkControl& control, const Network& net, int threads);

  // Worker t's finds join their owners' queues (`items` is left empty).
  // Until share(), every item is its finder's: a walk over before its helper
  // threads start keeps one thread's order.
  void push(std::vector<FrontierItem>& items, int t);
  // The workers start: each waiting item moves to its owner's queues (in order).
  void share();
  // Blocks until items are available (true: `out` holds a few, and worker t
  // is busy until done()) or the walk is over (false). It takes a few at a
  // time so that threads meet at the lock less often, but never more than a
  // fair share of the frontier. While it waits, `poll()` runs every `every`
  // (the caller's thread must still look for Ctrl-C).
  bool pop(std::vector<FrontierItem>& out, int t, const std::atomic<bool>& stop, const std::function<void()>& poll,
           std::chrono::milliseconds every);
  // Items taken but not expanded (out[from..]) go back, for a walk to be continued.
  void put_back(std::vector<FrontierItem>& items, std::size_t from, int t);
  // Worker t is done with what it popped.
  void done();
  void wake_all();
  // Some thread waits for work: worth handing over regions found so far
  // rather than at the end of a batch.
  bool hungry() const { return waiting_.load(std::memory_order_relaxed) > 0; }
  std::int64_t bytes() const { return bytes_published_.load(std::memory_order_relaxed); }
  // After the walk: what is left, lowest levels first, worker 0's first.
  std::vector<FrontierItem> drain();
  // The worker whose queues an item found by worker t joins.
  int owner(const FrontierItem& it, int t) const;

 private:
  using Queue = std::deque<FrontierItem>;
  std::size_t level(const FrontierItem& it) const;
  Queue& next_queue(int t);  // under mu_, with size_ > 0
  void publish();            // under mu_

  WalkControl& control_;
  const Network& net_;
  int threads_;
  int cell_bits_;  // the neurons of the layers before the last
  bool shared_ = false;
  std::int64_t bytes_ = 0;
  std::atomic<std::int64_t> bytes_published_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<Queue>> queues_;  // per worker, per level
  std::size_t size_ = 0;
  int busy_ = 0;
  alignas(64) std::atomic<int> waiting_{0};  // read on every item: kept off the lines each push writes
};

}  // namespace regionwalk
