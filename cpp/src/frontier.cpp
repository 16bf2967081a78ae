#include "regionwalk/frontier.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace regionwalk {

int cell_bits(const Network& net) {
  const int layers = net.num_hidden_layers();
  return layers > 1 ? net.layer_offset(layers - 1) : 0;
}

Frontier::Frontier(WalkControl& control, const Network& net, int threads)
    : control_(control), net_(net), threads_(std::max(1, threads)),
      cell_bits_(cell_bits(net)),
      queues_(static_cast<std::size_t>(threads_),
              std::vector<Queue>(static_cast<std::size_t>(std::max(1, net.num_hidden_layers())))) {}

std::size_t Frontier::level(const FrontierItem& it) const {
  return it.crossed < 0 ? 0 : static_cast<std::size_t>(net_.layer_of(it.crossed));
}

// The worker of the item's cell of the layers before the last (their bits of
// its pattern, hashed); with one hidden layer, the worker that found it. (The
// visited set's shards are a multiple of the workers: a shard is one worker's.)
int Frontier::owner(const FrontierItem& it, int t) const {
  if (!shared_ || cell_bits_ == 0) return t;
  return static_cast<int>(hash_bits(it.pattern.data(), cell_bits_) % static_cast<std::uint64_t>(threads_));
}

void Frontier::push(std::vector<FrontierItem>& items, int t) {
  if (items.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (FrontierItem& it : items) {
    bytes_ += it.bytes();
    ++size_;
    queues_[static_cast<std::size_t>(owner(it, t))][level(it)].push_back(std::move(it));
  }
  items.clear();
  publish();
  cv_.notify_all();
}

bool Frontier::pop(std::vector<FrontierItem>& out, int t, const std::atomic<bool>& stop,
                   const std::function<void()>& poll, std::chrono::milliseconds every) {
  std::unique_lock<std::mutex> lock(mu_);
  ++waiting_;
  const auto ready = [&] { return stop.load() || size_ > 0 || busy_ == 0; };
  while (!cv_.wait_for(lock, every, ready)) {
    lock.unlock();
    poll();
    lock.lock();
  }
  --waiting_;
  if (stop.load() || size_ == 0) {
    cv_.notify_all();
    return false;
  }
  Queue& from = next_queue(t);
  const std::size_t fair = size_ / static_cast<std::size_t>(2 * threads_);
  const std::size_t take = std::clamp<std::size_t>(fair, 1, std::min<std::size_t>(8, from.size()));
  out.clear();
  for (std::size_t i = 0; i < take; ++i) {
    bytes_ -= from.front().bytes();
    out.push_back(std::move(from.front()));
    from.pop_front();
  }
  size_ -= take;
  publish();
  ++busy_;
  return true;
}

// Worker t's lowest non-empty level, else the lowest level any other worker has.
Frontier::Queue& Frontier::next_queue(int t) {
  for (Queue& q : queues_[static_cast<std::size_t>(t)])
    if (!q.empty()) return q;
  for (std::size_t l = 0; l < queues_.front().size(); ++l)
    for (std::vector<Queue>& theirs : queues_)
      if (!theirs[l].empty()) return theirs[l];
  throw std::logic_error("frontier: empty where its size says it is not");
}

void Frontier::share() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shared_ || threads_ == 1) return;
  shared_ = true;
  std::vector<std::vector<Queue>> waiting(queues_.size(), std::vector<Queue>(queues_.front().size()));
  waiting.swap(queues_);
  for (std::vector<Queue>& mine : waiting)
    for (std::size_t l = 0; l < mine.size(); ++l)
      for (FrontierItem& it : mine[l]) queues_[static_cast<std::size_t>(owner(it, 0))][l].push_back(std::move(it));
}

void Frontier::put_back(std::vector<FrontierItem>& items, std::size_t from, int t) {
  std::vector<FrontierItem> rest(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(from)),
                                 std::make_move_iterator(items.end()));
  push(rest, t);
}

void Frontier::done() {
  std::lock_guard<std::mutex> lock(mu_);
  --busy_;
  cv_.notify_all();
}

void Frontier::wake_all() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

std::vector<FrontierItem> Frontier::drain() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FrontierItem> out;
  out.reserve(size_);
  const std::size_t levels = queues_.front().size();
  for (std::size_t l = 0; l < levels; ++l)
    for (std::vector<Queue>& mine : queues_) {
      std::move(mine[l].begin(), mine[l].end(), std::back_inserter(out));
      mine[l].clear();
    }
  size_ = 0;
  bytes_ = 0;
  publish();
  return out;
}

void Frontier::publish() {
  control_.frontier.store(static_cast<std::int64_t>(size_), std::memory_order_relaxed);
  bytes_published_.store(bytes_, std::memory_order_relaxed);
}

}  // namespace regionwalk
