// What a long computation (the walk, the box's complex) shares with whoever
// started it: a cancel flag that any thread may set, and the caller's poll.
//
// The caller's thread does its part of the work instead of waiting on a
// helper (a small walk would pay more for starting a thread than for its
// regions), so it cannot look for Ctrl-C between the work's steps itself:
// cancelled() does that for it, running the poll on the owning thread at
// most once every `interval` seconds.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>

namespace regionwalk {

class Cancellation {
 public:
  // Any thread may set it; the work stops at its next check.
  std::atomic<bool> cancel{false};

  // `poll` runs on the thread that calls own(), from cancelled(), at most
  // once every `interval` seconds (it may set `cancel`).
  void set_poll(std::function<void()> poll, double interval) {
    poll_ = std::move(poll);
    set_interval(interval);
  }
  // From the next poll on (the poll may call it: a poll that had to wait
  // can space the next ones out).
  void set_interval(double interval) {
    interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
  }
  double interval() const { return std::chrono::duration<double>(interval_).count(); }
  // The calling thread becomes the one that polls; the first poll is due
  // one interval from now.
  void own() {
    owner_ = std::this_thread::get_id();
    due_ = Clock::now() + interval_;
  }
  // True once cancelled. On the owning thread, runs the poll first where due.
  bool cancelled() {
    if (poll_ && std::this_thread::get_id() == owner_) {
      const Clock::time_point now = Clock::now();
      if (now >= due_) {
        poll_();
        due_ = Clock::now() + interval_;
      }
    }
    return cancel.load(std::memory_order_relaxed);
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::function<void()> poll_;
  Clock::duration interval_{};
  std::thread::id owner_;
  Clock::time_point due_{};
};

}  // namespace regionwalk
