// Unit tests of the box's complex (BoxSubdivision): Zaslavsky's count for one
// layer whose vertices all lie in the box, the walk's patterns on deeper nets,
// the same output for any number of threads, and refusals on degenerate nets.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "regionwalk/subdivide.hpp"
#include "regionwalk/uninit.hpp"
#include "regionwalk/walk.hpp"

#include "check.hpp"

using namespace regionwalk;

static Network random_net(const std::vector<int>& widths, std::mt19937_64& rng, double bias = 0.5) {
  std::normal_distribution<double> g;
  std::vector<Layer> layers;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    Layer L{widths[l], widths[l + 1], std::vector<double>(static_cast<std::size_t>(widths[l] * widths[l + 1])),
            std::vector<double>(static_cast<std::size_t>(widths[l + 1]))};
    for (double& x : L.weight) x = g(rng) / std::sqrt(widths[l]);
    for (double& x : L.bias) x = bias * g(rng);
    layers.push_back(L);
  }
  return Network(layers, 0.0);
}

// `threads` > 1: every step on that many threads, however small the complex.
static bool subdivide(const Network& net, const Domain& box, int threads, std::vector<Word>& pats,
                      std::vector<double>& pts) {
  Cancellation cancel;
  BoxSubdivision sub(net, box, 1e-9, threads, threads > 1 ? 1 : BoxSubdivision::kPerThread);
  return sub.run(pats, pts, cancel, std::int64_t{1} << 32);
}

static long choose(int n, int k) {
  long c = 1;
  for (int i = 0; i < k; ++i) c = c * (n - i) / (i + 1);
  return c;
}

static void zaslavsky_in_a_big_box() {
  std::mt19937_64 rng(1);
  for (int d = 3; d <= 5; ++d) {
    const int m = 9;
    const Network net = random_net({d, m, 1}, rng, 0.3);
    const Domain box = Domain::box(std::vector<double>(static_cast<std::size_t>(d), -1e3),
                                   std::vector<double>(static_cast<std::size_t>(d), 1e3));
    std::vector<Word> pats;
    std::vector<double> pts;
    CHECK(subdivide(net, box, 1, pats, pts));
    long want = 0;
    for (int i = 0; i <= d; ++i) want += choose(m, i);
    CHECK(static_cast<long>(pats.size()) == want);
  }
}

static void walk_patterns_and_threads() {
  std::mt19937_64 rng(2);
  for (const std::vector<int>& widths : {std::vector<int>{3, 8, 8, 8, 1}, {6, 10, 10, 1}, {8, 8, 6, 1}}) {
    const Network net = random_net(widths, rng);
    const auto d = static_cast<std::size_t>(widths[0]);
    const Domain box = Domain::box(std::vector<double>(d, -1.0), std::vector<double>(d, 1.0));
    std::vector<Word> one, many;
    std::vector<double> p1, p3;
    CHECK(subdivide(net, box, 1, one, p1));
    CHECK(subdivide(net, box, 3, many, p3));
    CHECK(one == many && p1 == p3);
    WalkOptions opt;
    opt.subdivide = false;
    WalkControl control;
    const std::vector<double> seed(d, 0.0);
    const WalkResult res = walk(net, box, seed.data(), opt, control);
    CHECK(res.certified() && res.patterns == one);
    // every witness point has its region's pattern
    const auto w = static_cast<std::size_t>(net.pattern_words());
    for (std::size_t i = 0; i * w < one.size(); ++i)
      CHECK(net.pattern_of(&p1[i * d]) == Pattern(one.begin() + static_cast<long>(i * w),
                                                  one.begin() + static_cast<long>((i + 1) * w)));
  }
}

// Every step's split of its items (chunks taken in turn, blocks of 64
// vertices for the neighbours' sign differences) leaves the complex as one
// thread makes it, on nets of every dimension and of up to three layers.
static void any_thread_count_gives_the_same_complex() {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> dim(3, 8), width(2, 12), depth(1, 3);
  for (int trial = 0; trial < 24; ++trial) {
    std::vector<int> widths{dim(rng)};
    for (int l = depth(rng); l > 0; --l) widths.push_back(width(rng));
    widths.push_back(1);
    const Network net = random_net(widths, rng);
    const auto d = static_cast<std::size_t>(widths[0]);
    const Domain box = Domain::box(std::vector<double>(d, -1.0), std::vector<double>(d, 1.5));
    std::vector<Word> one;
    std::vector<double> p1;
    const bool answered = subdivide(net, box, 1, one, p1);
    for (int threads : {2, 3, 5}) {
      std::vector<Word> many;
      std::vector<double> pm;
      CHECK(subdivide(net, box, threads, many, pm) == answered);
      CHECK(!answered || (one == many && p1 == pm));
    }
  }
}

// The complex's arrays keep what they hold as they grow from the heap into
// mapped blocks and as a mapped block is moved to a larger one.
static void grow_buffers_keep_their_values() {
  GrowBuffer<std::int64_t> buf;
  std::size_t n = 0;
  for (std::size_t want : {std::size_t{10}, std::size_t{1000}, std::size_t{600000}, std::size_t{3000000},
                           std::size_t{9000000}}) {
    buf.resize(want);
    for (; n < want; ++n) buf[n] = static_cast<std::int64_t>(n * 7 + 1);
  }
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) same = same && buf[i] == static_cast<std::int64_t>(i * 7 + 1);
  CHECK(same && buf.size() == n && buf.capacity() >= n);
  GrowBuffer<std::int64_t> moved(std::move(buf));
  CHECK(moved.size() == n && moved[n - 1] == static_cast<std::int64_t>((n - 1) * 7 + 1) && buf.size() == 0);
  moved.release();
  CHECK(moved.size() == 0 && moved.capacity() == 0);
}

static void degenerate_nets_are_refused() {
  std::mt19937_64 rng(3);
  Network bias_free = random_net({3, 6, 1}, rng, 0.0);  // six planes through the box's centre
  const Domain box = Domain::box({-1, -1, -1}, {1, 1, 1});
  std::vector<Word> pats;
  std::vector<double> pts;
  Cancellation cancel;
  BoxSubdivision sub(bias_free, box, 1e-9);
  CHECK(!sub.run(pats, pts, cancel, std::int64_t{1} << 32));
  CHECK(!sub.why().empty());
  Cancellation cancelled;
  cancelled.cancel = true;
  const Network net = random_net({4, 8, 8, 1}, rng);
  const Domain box4 = Domain::box({-1, -1, -1, -1}, {1, 1, 1, 1});
  BoxSubdivision stopped(net, box4, 1e-9);
  CHECK(!stopped.run(pats, pts, cancelled, std::int64_t{1} << 32) && stopped.why() == "cancelled");
}

int main() {
  zaslavsky_in_a_big_box();
  walk_patterns_and_threads();
  any_thread_count_gives_the_same_complex();
  grow_buffers_keep_their_values();
  degenerate_nets_are_refused();
  if (failures == 0) std::printf("test_subdivide: all passed\n");
  return failures == 0 ? 0 : 1;
}
