// Data-parallel loops on short-lived threads, for work split in fixed parts.
#pragma once
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

namespace regionwalk {

// Runs fn(t) for t = 0 .. threads - 1, each on its own thread (the caller's
// among them; where a thread cannot be started its part runs on the caller).
// The first exception of any part is rethrown once every part has ended.
template <class Fn>
void run_parallel(int threads, Fn&& fn) {
  if (threads <= 1) {
    fn(0);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto guarded = [&](int t) {
    try {
      fn(t);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads) - 1);
  for (int t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(guarded, t);
    } catch (...) {
      guarded(t);
    }
  }
  guarded(0);
  for (std::thread& th : pool) th.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

// Runs fn(c, t) for every chunk c = 0 .. chunks - 1 on `threads` threads
// (t: the thread, the caller's among them), each taking the next chunk as it
// finishes one: a step whose work per item is uneven, or a core that another
// process holds for a while, then costs no thread more than a chunk's wait.
// What a chunk writes must not depend on which thread runs it.
template <class Fn>
void run_chunks(int threads, std::size_t chunks, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  run_parallel(threads, [&](int t) {
    for (std::size_t c = next++; c < chunks; c = next++) fn(c, t);
  });
}

// Part t of `parts` of the items [0, n): [first, second).
inline std::pair<std::size_t, std::size_t> share(std::size_t n, int parts, int t) {
  const auto p = static_cast<std::size_t>(parts), i = static_cast<std::size_t>(t);
  return {n * i / p, n * (i + 1) / p};
}

}  // namespace regionwalk
