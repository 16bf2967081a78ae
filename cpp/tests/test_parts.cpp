// Unit tests of the walk's parts, each alone: the frontier's order, frontier-item bytes, carried
// proofs, the visited set, the LP solver's degenerate and unbounded cases,
// coincident groups, 2D clipping, the Expander and walk states.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <vector>

#include "regionwalk/collect.hpp"
#include "regionwalk/expand.hpp"
#include "regionwalk/frontier.hpp"
#include "regionwalk/frontier_item.hpp"
#include "regionwalk/lp.hpp"
#include "regionwalk/lp_solver.hpp"
#include "regionwalk/planar_clip.hpp"
#include "regionwalk/reduce.hpp"
#include "regionwalk/region_rows.hpp"
#include "regionwalk/stability.hpp"
#include "regionwalk/visited_set.hpp"
#include "regionwalk/walk.hpp"
#include "regionwalk/walk_state.hpp"

#include "check.hpp"
#include "cycling_lp.inc"
#include "flat_edge_lp.inc"

using namespace regionwalk;


template <class F>
static bool throws_invalid(F f) {
  try {
    f();
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

// A net of three hidden layers (2, 2 and 1 neurons) for the frontier's levels.
static Network three_layers() {
  return Network({Layer{2, 2, {1, 0, 0, 1}, {0, 0}}, Layer{2, 2, {1, 0, 0, 1}, {0, 0}}, Layer{2, 1, {1, 1}, {0}},
                  Layer{1, 1, {1}, {0}}},
                 0.0);
}

// An item known by its first coordinate, reached across `crossed`.
static FrontierItem item(double id, int crossed) { return FrontierItem{Pattern(1, 0), {id, 0.0}, {}, crossed}; }

static std::vector<double> ids(const std::vector<FrontierItem>& items) {
  std::vector<double> out;
  for (const FrontierItem& it : items) out.push_back(it.point[0]);
  return out;
}

static void test_frontier_expands_entries_of_early_layers_first() {
  const Network net = three_layers();  // neurons 0-1: layer 0; 2-3: layer 1; 4: layer 2
  WalkControl control;
  Frontier frontier(control, net, 1);
  std::vector<FrontierItem> items;
  for (auto [id, crossed] : {std::pair{1.0, 4}, {2.0, 2}, {3.0, 0}, {4.0, 3}, {5.0, -1}, {6.0, 4}}) items.push_back(item(id, crossed));
  frontier.push(items, 0);
  CHECK(items.empty() && control.frontier.load() == 6);
  const std::atomic<bool> stop{false};
  const std::function<void()> poll = [] {};
  std::vector<double> order;
  std::vector<FrontierItem> batch;
  while (frontier.pop(batch, 0, stop, poll, std::chrono::milliseconds(1))) {
    const std::vector<double> got = ids(batch);
    order.insert(order.end(), got.begin(), got.end());
    frontier.done();
  }
  // Layer 0 (and several neurons, or none) first, then layer 1, then 2; each level in order of finding.
  CHECK((order == std::vector<double>{3, 5, 2, 4, 1, 6}));
  CHECK(control.frontier.load() == 0 && frontier.bytes() == 0);
}

// An item of pattern `bits` (neurons 0-4 of three_layers()).
static FrontierItem item_of(double id, Word bits, int crossed) { return FrontierItem{Pattern{bits}, {id, 0.0}, {}, crossed}; }

static void test_frontier_gives_each_cell_of_the_early_layers_one_worker() {
  const Network net = three_layers();  // cells of layers 0-1: bits 0-3; the last layer: bit 4
  WalkControl control;
  Frontier frontier(control, net, 2);
  frontier.share();  // the helper threads started
  int owned[2] = {0, 0};
  Word cell_of[2] = {0, 0};  // a cell of each worker
  for (Word cell = 0; cell < 16; ++cell) {
    const int o = frontier.owner(item_of(0, cell, 4), 0);
    // Whoever found it, whatever its last layer's bit.
    CHECK(frontier.owner(item_of(0, cell | 16, 4), 1) == o && frontier.owner(item_of(0, cell, 2), 1) == o);
    ++owned[o];
    cell_of[o] = cell;
  }
  CHECK(owned[0] > 0 && owned[1] > 0);
  // With one hidden layer, an item stays with the worker that found it.
  const Network one({Layer{2, 2, {1, 0, 0, 1}, {0, 0}}, Layer{2, 1, {1, 1}, {0}}}, 0.0);
  Frontier flat(control, one, 2);
  flat.share();
  CHECK(flat.owner(item_of(0, 1, 0), 0) == 0 && flat.owner(item_of(0, 1, 0), 1) == 1);

  // A worker takes its own items first, though another's wait at a lower level...
  std::vector<FrontierItem> found;
  for (double id : {1.0, 2.0, 3.0, 4.0}) found.push_back(item_of(id, cell_of[0], 2));
  found.push_back(item_of(10.0, cell_of[1], 4));
  frontier.push(found, 0);
  const std::atomic<bool> stop{false};
  const std::function<void()> poll = [] {};
  std::vector<FrontierItem> batch;
  CHECK(frontier.pop(batch, 1, stop, poll, std::chrono::milliseconds(1)) && ids(batch) == std::vector<double>{10});
  frontier.done();
  // ... and, with none left, another's, from the front, at most a fair share (a quarter of 4, at least 1).
  CHECK(frontier.pop(batch, 1, stop, poll, std::chrono::milliseconds(1)) && ids(batch) == std::vector<double>{1});
  // Items taken and not expanded go back; the saved frontier holds every item, lowest level first.
  frontier.put_back(batch, 0, 1);
  frontier.done();
  std::vector<FrontierItem> rest{item_of(7.0, cell_of[1], 0)};
  frontier.push(rest, 0);
  CHECK((ids(frontier.drain()) == std::vector<double>{7, 2, 3, 4, 1}));
  CHECK(control.frontier.load() == 0 && frontier.bytes() == 0);
}

// Before the helper threads start, a walk keeps one thread's order: every
// item is its finder's; share() then hands the waiting ones to their owners.
static void test_frontier_keeps_one_threads_order_until_shared() {
  const Network net = three_layers();
  WalkControl control;
  Frontier probe(control, net, 2);
  probe.share();
  Word cell_of[2] = {0, 0};
  for (Word cell = 0; cell < 16; ++cell) cell_of[probe.owner(item_of(0, cell, 4), 0)] = cell;
  const std::atomic<bool> stop{false};
  const std::function<void()> poll = [] {};
  for (bool shared : {false, true}) {
    Frontier frontier(control, net, 2);
    CHECK(frontier.owner(item_of(0, cell_of[1], 4), 0) == 0);
    std::vector<FrontierItem> found{item_of(1.0, cell_of[1], 2), item_of(2.0, cell_of[0], 2)};
    frontier.push(found, 0);
    if (shared) frontier.share();
    std::vector<FrontierItem> batch;
    // Worker 0 takes the first found, or, once shared, its own.
    CHECK(frontier.pop(batch, 0, stop, poll, std::chrono::milliseconds(1)) &&
          ids(batch) == std::vector<double>{shared ? 2.0 : 1.0});
    frontier.done();
    CHECK(frontier.drain().size() == 1);
  }
}

static void test_frontier_ends_when_empty_and_nobody_busy() {
  const Network net = three_layers();
  WalkControl control;
  Frontier frontier(control, net, 2);
  std::vector<FrontierItem> items{item(1.0, -1)};
  frontier.push(items, 0);
  const std::atomic<bool> stop{false};
  const std::function<void()> poll = [] {};
  std::vector<FrontierItem> batch;
  CHECK(frontier.pop(batch, 0, stop, poll, std::chrono::milliseconds(1)));
  std::atomic<int> taken{0};
  const auto work = [&](int t) {
    std::vector<FrontierItem> mine;
    while (frontier.pop(mine, t, stop, poll, std::chrono::milliseconds(1))) {
      taken += static_cast<int>(mine.size());
      frontier.done();
    }
  };
  // Worker 1 waits while worker 0 is busy, though the frontier is empty...
  std::thread other(work, 1);
  while (!frontier.hungry()) std::this_thread::yield();
  // ... until worker 0's find, which one of them takes; then both see the end.
  std::vector<FrontierItem> found{item(2.0, 3)};
  frontier.push(found, 0);
  frontier.done();
  work(0);
  other.join();
  CHECK(taken.load() == 1);
}

static void test_item_bytes_roundtrip_and_reject_damage() {
  FrontierItem item{{0x5ULL, 0x4ULL}, {0.25, -1.5, 3.0}, {}, 7};
  CarriedProofs proofs;
  proofs.add(3, {1, -2}, {0.5f, 0.25f}, -1.0f);
  CarriedProofs::Cells cells;
  Pattern flipped{0x80ULL, 0};  // neuron 7 flipped: the proof of 3 (rows 1, -2) goes along
  proofs.for_neighbour(flipped, std::vector<int>(128, 0), 7, cells);
  item.proofs = cells;
  Bytes b;
  encode_item(item, b);
  std::size_t at = 0;
  const FrontierItem back = decode_item(b.data(), b.size(), &at);
  CHECK(at == b.size());
  CHECK(back.pattern == item.pattern && back.point == item.point && back.proofs == item.proofs && back.crossed == 7);
  CHECK(!throws_invalid([&] { check_item(back, 2, 3, 70); }));
  CHECK(throws_invalid([&] { check_item(back, 2, 4, 70); }));   // another input dimension
  CHECK(throws_invalid([&] { check_item(back, 2, 3, 66); }));   // bit 66 set: past the last neuron
  CHECK(throws_invalid([&] { check_item(back, 2, 3, 7); }));    // crossed neuron 7 out of range
  for (std::size_t cut : {std::size_t{3}, std::size_t{16}, b.size() - 1}) {
    std::size_t off = 0;
    CHECK(throws_invalid([&] { decode_item(b.data(), cut, &off); }));
  }
}

static void test_proofs_follow_the_flip() {
  CarriedProofs proofs;
  proofs.add(2, {0, -1}, {1.0f, 2.0f}, 0.5f);  // rows: neuron 0 and a domain row
  proofs.add(5, {4}, {1.0f}, 0.5f);
  std::vector<int> layer_of = {0, 0, 0, 1, 1, 1};
  CarriedProofs::Cells out;
  // Across layer-0 neuron 1: the layer-0 proof holds unchanged, the layer-1
  // one goes along to be re-checked (its rows moved with neuron 1's form).
  proofs.for_neighbour(Pattern{1ULL << 1}, layer_of, 1, out);
  std::vector<int> at(6, -1);
  CarriedProofs::index(out, at);
  CHECK(at[2] >= 0 && CarriedProofs::same(out, static_cast<std::size_t>(at[2])));
  CHECK(at[5] >= 0 && !CarriedProofs::same(out, static_cast<std::size_t>(at[5])));
  proofs.for_neighbour(Pattern{1ULL << 2}, layer_of, 2, out);  // j's own hyperplane crossed: its proof stays
  std::fill(at.begin(), at.end(), -1);
  CarriedProofs::index(out, at);
  CHECK(at[2] < 0 && at[5] >= 0);
  CHECK(CarriedProofs::valid(out, 6) && !CarriedProofs::valid(out, 5));
}

// Inserts n random two-word patterns (the second word's bits within `high`),
// point i with the i-th; returns those that were new.
static std::vector<Pattern> insert_random(VisitedSet& set, unsigned seed, int n, Word high) {
  std::mt19937_64 rng(seed);
  std::vector<Pattern> seen;
  for (int i = 0; i < n; ++i) {
    Pattern p{rng(), rng() & high};
    const double x = i;
    if (set.insert(p.data(), &x)) seen.push_back(p);
  }
  return seen;
}

// Each pattern is found, and inserting it again is refused.
static bool holds_all(VisitedSet& set, const std::vector<Pattern>& seen) {
  bool all = true;
  for (const Pattern& p : seen) all = all && set.contains(p.data()) && !set.insert(p.data(), nullptr);
  return all;
}

// cell_bits > 0: shards picked by the patterns' first bits (as a walk's cells) hold the same set.
static void test_visited_set_grows_and_keeps_everything(int cell_bits) {
  VisitedSet set(2, 1, true, 4, cell_bits);
  const std::vector<Pattern> seen = insert_random(set, 1, 50000, 0xFF);
  CHECK(holds_all(set, seen));
  Pattern absent{0, 0x100};  // a bit no inserted pattern has
  CHECK(!set.contains(absent.data()));
  CHECK(set.bytes() >= static_cast<std::int64_t>(seen.size() * (2 * sizeof(Word) + sizeof(double))));
}

// A set filled on one shard and spread over many (as a walk does when its
// helper threads start) keeps every pattern with its point, finds each, and
// takes new ones; an empty set reshards too.
static void test_visited_set_reshards(int cell_bits) {
  VisitedSet set(2, 1, true, 1, cell_bits);
  const std::vector<Pattern> seen = insert_random(set, 5, 3000, 0xF);
  std::vector<Word> before, after;
  std::vector<double> points_before, points_after;
  set.collect(before, points_before);
  set.reshard(64);
  set.collect(after, points_after);
  auto pairs = [](const std::vector<Word>& w, const std::vector<double>& x) {
    std::vector<std::tuple<Word, Word, double>> out;
    for (size_t i = 0; i < x.size(); ++i) out.emplace_back(w[2 * i], w[2 * i + 1], x[i]);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(after.size() == 2 * seen.size() && pairs(before, points_before) == pairs(after, points_after));
  CHECK(holds_all(set, seen));
  const Pattern fresh{1, 0x10};  // a bit no earlier pattern has
  const double x = 7.0;
  CHECK(!set.contains(fresh.data()) && set.insert(fresh.data(), &x) && set.contains(fresh.data()));
  VisitedSet empty(1, 0, false, 1);
  empty.reshard(8);
  const Word w = 3;
  empty.prefetch_slot(&w);  // no table yet
  empty.prefetch_entry(&w);
  CHECK(!empty.contains(&w) && empty.insert(&w, nullptr) && empty.contains(&w));
}

// Threads inserting overlapping patterns while they look others up (as
// walkers do): each pattern is new to exactly one insert, a thread sees its
// own inserts at once, and the set ends with each pattern once, with the
// point of the insert that won.
static void test_visited_set_under_concurrent_inserts_and_lookups(int cell_bits) {
  constexpr int kThreads = 4, kEach = 30000;
  VisitedSet set(2, 1, true, 8, cell_bits);
  auto pattern = [](std::uint64_t i) { return Pattern{i * 0x9E3779B97F4A7C15ULL, i & 7}; };
  std::vector<std::vector<std::uint64_t>> won(kThreads);
  std::vector<char> own_seen(kThreads, 1);
  std::vector<std::thread> team;
  for (int t = 0; t < kThreads; ++t)
    team.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t));
      bool seen = true;
      for (int n = 0; n < kEach; ++n) {
        const std::uint64_t i = rng() % 60000;  // overlaps the other threads'
        const Pattern p = pattern(i);
        const double x = static_cast<double>(i);
        if (set.insert(p.data(), &x)) won[static_cast<std::size_t>(t)].push_back(i);
        seen = seen && set.contains(p.data());
        const Pattern q = pattern(rng() % 60000);
        set.prefetch_slot(q.data());  // hints read what inserts write: no race (TSan)
        set.prefetch_entry(q.data());
        set.contains(q.data());
      }
      own_seen[static_cast<std::size_t>(t)] = seen;
    });
  for (std::thread& th : team) th.join();
  CHECK(std::all_of(own_seen.begin(), own_seen.end(), [](char c) { return c != 0; }));
  std::vector<std::uint64_t> all;
  for (const auto& w : won) all.insert(all.end(), w.begin(), w.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());  // new to one insert only
  std::vector<Word> patterns;
  std::vector<double> points;
  set.collect(patterns, points);
  CHECK(patterns.size() == 2 * all.size() && points.size() == all.size());
  bool match = true;
  for (std::size_t e = 0; e < points.size(); ++e) {
    const Pattern p = pattern(static_cast<std::uint64_t>(points[e]));
    match = match && p[0] == patterns[2 * e] && p[1] == patterns[2 * e + 1];
  }
  CHECK(match);
}

// A box keeps the first letter posted, drops later ones, and closes when
// taken: a region expanded takes no more mail. Letters never taken are freed
// with the box (ASan), and a box's state moves whole.
static void test_mailbox_keeps_one_letter_until_taken() {
  Mailbox box;
  Mailbox::Letter out;
  CHECK(box.open() && box.take(out) == 0 && out.empty() && !box.open());  // empty, taken: closed
  CHECK(box.post({1, 2, 3}) == 0);
  Mailbox full;
  CHECK(full.post({1, 2, 3}) > 0 && !full.open() && full.post({9}) == 0);
  CHECK(full.take(out) > 0 && (out == Mailbox::Letter{1, 2, 3}) && full.post({4}) == 0);
  Mailbox kept, moved;
  CHECK(kept.post({5, 6}) > 0);
  moved.move_from(kept);
  out.clear();
  CHECK(kept.take(out) == 0 && moved.take(out) > 0 && (out == Mailbox::Letter{5, 6}));
  Mailbox never;
  CHECK(never.post({7}) > 0);  // freed by its destructor
  Mailbox shut;
  shut.close();
  CHECK(!shut.open() && shut.post({8}) == 0);
}

// The visited set's mailboxes: one per pattern, found by its lookup, closed
// when inserted closed, counted in its bytes while they hold a letter, and
// carried through a reshard; a set without mail gives none.
static void test_visited_set_mailboxes() {
  VisitedSet set(1, 0, false, 1, 0, /*mail=*/true);
  const Word a = 1, b = 2, c = 3;
  Mailbox* box = nullptr;
  CHECK(!set.contains(&a, &box) && box == nullptr);
  CHECK(set.insert(&a, nullptr) && set.insert(&b, nullptr, /*closed=*/true));
  CHECK(set.contains(&a, &box) && box != nullptr && box->open());
  Mailbox* closed = nullptr;
  CHECK(set.contains(&b, &closed) && closed != nullptr && !closed->open());
  const std::int64_t empty = set.bytes();
  set.post(*box, Mailbox::Letter(100, 1));
  CHECK(set.bytes() >= empty + 200);
  for (Word w = 10; w < 200; ++w) set.insert(&w, nullptr);  // segments and tables grow
  set.reshard(8);
  const std::int64_t held = set.bytes();
  Mailbox::Letter out;
  set.take(&a, out);
  CHECK(out.size() == 100 && set.contains(&a, &box) && !box->open() && set.bytes() <= held - 200);
  set.take(&c, out);  // not there: nothing
  CHECK(out.size() == 100);
  VisitedSet plain(1, 0, false, 1);
  plain.insert(&a, nullptr);
  CHECK(plain.contains(&a, &box) && box == nullptr);
}

// Threads posting to and taking from the same boxes (as walkers mail regions
// that others expand): each box gives at most one letter, whole, once.
static void test_mailboxes_under_concurrent_posts_and_takes() {
  constexpr int kThreads = 4, kBoxes = 2000;
  std::vector<Mailbox> boxes(kBoxes);
  std::vector<std::vector<Mailbox::Letter>> got(kThreads);
  std::vector<std::thread> team;
  for (int t = 0; t < kThreads; ++t)
    team.emplace_back([&, t] {
      for (int i = 0; i < kBoxes; ++i) {
        Mailbox& box = boxes[static_cast<std::size_t>((i * 7 + t * 13) % kBoxes)];
        if ((i + t) % 3 == 0) {
          Mailbox::Letter out;
          box.take(out);
          if (!out.empty()) got[static_cast<std::size_t>(t)].push_back(out);
        } else {
          box.post(Mailbox::Letter(4, static_cast<std::int16_t>(t)));
        }
      }
    });
  for (std::thread& th : team) th.join();
  std::size_t letters = 0;
  bool whole = true;
  for (const auto& g : got)
    for (const auto& l : g) {
      ++letters;
      whole = whole && l.size() == 4 && std::all_of(l.begin(), l.end(), [&](std::int16_t x) { return x == l[0]; });
    }
  CHECK(whole && letters <= static_cast<std::size_t>(kBoxes));
}

static void test_lp_degenerate_vertex_and_unbounded() {
  // Many rows through the optimum (1, 1) of max x + y: Bland's rule must not cycle.
  ActiveSetLp lp(2);
  for (int k = 0; k < 24; ++k) {
    const double a = std::cos(0.05 * k), b = std::sin(0.05 * k) + 0.2;
    const double row[] = {a, b};
    lp.add_row(row, a + b);  // passes through (1, 1)
  }
  std::vector<int> rows(24);
  for (int k = 0; k < 24; ++k) rows[static_cast<std::size_t>(k)] = k;
  double v[] = {0.0, 0.0};
  const double c[] = {1.0, 1.0};
  const LpStatus st = lp.maximize(c, v, {}, rows, INFINITY, 200);
  CHECK(st == LpStatus::Optimal);
  CHECK(std::abs(v[0] - 1.0) < 1e-9 && std::abs(v[1] - 1.0) < 1e-9);
  // Only x <= 1: max y is unbounded.
  ActiveSetLp open(2);
  const double r[] = {1.0, 0.0};
  open.add_row(r, 1.0);
  double w[] = {0.0, 0.0};
  const double up[] = {0.0, 1.0};
  CHECK(open.maximize(up, w, {}, {0}, INFINITY, 100) == LpStatus::Unbounded);
}

// A facet LP whose optimum (margin 0) 25 rows meet. Before p was projected
// twice (test_lp_keeps_its_rows_along_a_long_flat_edge) the active-set method
// stepped between them until its iteration limit; the loosened solve is the
// walk's fallback for any LP that still does. Loosened, it ends, and the
// multipliers bound the margin with the rows as they were: at 0, where the
// walk needs "no facet" proven. The rows' right-hand sides come back as they were.
static void test_lp_loosened_settles_a_cycling_vertex() {
  ActiveSetLp lp(kCyclingVars);
  for (const auto& row : kCyclingLp) lp.add_row(row, row[kCyclingVars]);
  std::vector<int> listed;
  for (int r = 1; r < kCyclingRows; ++r) listed.push_back(r);
  std::vector<double> c(kCyclingVars, 0.0), v(kCyclingStart, kCyclingStart + kCyclingVars);
  c.back() = 1.0;
  DenseSolver solver;
  const LpStatus plain = solver.maximize(lp, c.data(), v.data(), {0}, listed, INFINITY, kCyclingMaxIterations, true);
  CHECK(plain != LpStatus::Optimal || std::abs(v.back()) < 1e-12);  // proves nothing, or the optimum
  std::copy(kCyclingStart, kCyclingStart + kCyclingVars, v.begin());
  double bound = INFINITY;
  const LpStatus st = maximize_loosened(solver, lp, c.data(), v.data(), {0}, listed, 1e-12, kCyclingMaxIterations,
                                        true, &bound);
  CHECK(st == LpStatus::Optimal);
  CHECK(std::abs(bound) < 1e-12);  // the true optimum is 0: an upper bound no looser than rounding
  bool restored = true;
  for (int r = 0; r < kCyclingRows; ++r) restored = restored && lp.rhs(r) == kCyclingLp[r][kCyclingVars];
  CHECK(restored);
}

// An LP whose optimum lies along a long edge on which the objective barely
// grows: the step along it is 1.7 long, the projected gradient 4e-9. A
// direction carrying the rounding of c (1e-16) tilted an active row by
// 1.4e-7 there, and the facet test reported a point outside its region.
// Every listed row holds at the optimum, to rounding.
static void test_lp_keeps_its_rows_along_a_long_flat_edge() {
  ActiveSetLp lp(kFlatVars);
  for (const auto& row : kFlatLp) lp.add_row(row, row[kFlatVars]);
  std::vector<int> listed;
  for (int r = 0; r < kFlatRows; ++r)
    if (r != kFlatEquality && r != kFlatTwin) listed.push_back(r);
  std::vector<double> c(kFlatVars, 0.0), v(kFlatStart, kFlatStart + kFlatVars);
  c.back() = 1.0;
  CHECK(lp.maximize(c.data(), v.data(), {kFlatEquality}, listed, INFINITY, 1000, true) == LpStatus::Optimal);
  double worst = -INFINITY;
  for (int r : listed) {
    double excess = -kFlatLp[r][kFlatVars];
    for (int q = 0; q < kFlatVars; ++q) excess += kFlatLp[r][q] * v[static_cast<std::size_t>(q)];
    worst = std::max(worst, excess);
  }
  CHECK(worst < 1e-12);
}

static Network two_layer(const std::vector<double>& w1, const std::vector<double>& b1, int d) {
  const int n = static_cast<int>(b1.size());
  return Network({Layer{d, n, w1, b1}, Layer{n, 1, std::vector<double>(static_cast<std::size_t>(n), 1.0), {0.0}}}, 0.0);
}

static void test_coincident_groups() {
  // Neurons 0 and 1 are one hyperplane (1 scaled by 3), 2 is parallel but apart, 3 crosses.
  Network net = two_layer({1, 1, 3, 3, 1, 1, 1, -1}, {0.2, 0.6, -0.5, 0.0}, 2);
  const Domain box = Domain::box({-1, -1}, {1, 1});
  const std::vector<signed char> stable(4, 0);
  RegionRows rows(box, stable, 1e-9);
  LocalForms f;
  const Pattern p{0b0011};
  net.local_forms(p.data(), f);
  rows.load(f, p.data());
  std::vector<int> group;
  rows.coincident(0, rows.neurons(), group);
  CHECK(group.size() == 2 && group[0] == 0 && group[1] == 1);
  rows.coincident(2, rows.neurons(), group);
  CHECK(group.size() == 1);
}

static void test_planar_clip_of_a_square_cut_twice() {
  // x > 0 and y > 0 inside the box (-1, 1)^2: the region x > 0, y > 0 is a
  // square with two edges on the lines, two on the box.
  Network net = two_layer({1, 0, 0, 1}, {0, 0}, 2);
  const Domain box = Domain::box({-1, -1}, {1, 1});
  const std::vector<signed char> stable(2, 0);
  RegionRows rows(box, stable, 1e-9);
  LocalForms f;
  const Pattern p{0b11};
  net.local_forms(p.data(), f);
  rows.load(f, p.data());
  PlanarClip clip;
  const double inside[] = {0.5, 0.5};
  CHECK(clip.run(rows, inside));
  CHECK(clip.edge_neurons().size() == 2);
  double point[2], margin = 0.0;
  CHECK(clip.edge(0, point, &margin) == EdgeVerdict::Certified);
  CHECK(std::abs(point[0]) < 1e-15 && std::abs(point[1] - 0.5) < 1e-12 && std::abs(margin - 0.5) < 1e-12);
  const Domain whole = Domain::whole(2);
  RegionRows rows_whole(whole, stable, 1e-9);
  rows_whole.load(f, p.data());
  CHECK(!clip.run(rows_whole, inside));  // no polygon in the whole space
}

static void test_expander_and_state() {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  Layer l1{3, 6, std::vector<double>(18), std::vector<double>(6)}, l2{6, 5, std::vector<double>(30), std::vector<double>(5)};
  for (Layer* l : {&l1, &l2}) {
    for (double& x : l->weight) x = g(rng);
    for (double& x : l->bias) x = 0.5 * g(rng);
  }
  Network net({l1, l2, Layer{5, 1, std::vector<double>(5, 1.0), {0.0}}}, 0.0);
  const Domain box = Domain::box({-1, -1, -1}, {1, 1, 1});
  const double seed[] = {0.1, 0.1, 0.1};
  WalkOptions opt;
  WalkControl control;
  const WalkResult whole = walk(net, box, seed, opt, control);
  // The Expander alone, with a set of its own.
  Expander ex(net, box, stable_signs(net, box), 1e-9);
  RegionCollector found(net.pattern_words(), 3, false);
  std::vector<FrontierItem> todo{ex.seed(seed)}, out;
  found.add(todo[0].pattern.data(), nullptr);
  NeighbourSink any;
  while (!todo.empty()) {
    FrontierItem it = std::move(todo.back());
    todo.pop_back();
    out.clear();
    CHECK(ex.expand(it, any, out));
    for (FrontierItem& nb : out)
      if (found.add(nb.pattern.data(), nullptr)) todo.push_back(std::move(nb));
  }
  std::vector<Word> pats;
  std::vector<double> pts;
  found.sorted(-1, pats, pts);
  CHECK(pats == whole.patterns);
  // A walk stopped at 10 regions and continued from its state.
  opt.max_regions = 10;
  opt.keep_state = true;
  const WalkResult part = walk(net, box, seed, opt, control);
  CHECK(part.count == 10 && !part.state.empty());
  const WalkState s = decode_state(part.state, net, 3);
  CHECK(static_cast<std::int64_t>(s.patterns.size()) >= 10 && !s.frontier.empty());
  opt.max_regions = -1;
  WalkControl again;
  const WalkResult rest = walk(net, box, seed, opt, again, &part.state);
  CHECK(rest.stop == StopReason::Complete && rest.patterns == whole.patterns && rest.state.empty());
}

// A dense layer with weights N(0, 1 / in) and biases N(0, bias^2).
static Layer random_layer(std::mt19937_64& rng, std::normal_distribution<double>& g, int in, int out,
                          double bias) {
  Layer l{in, out, std::vector<double>(static_cast<std::size_t>(in * out)), std::vector<double>(static_cast<std::size_t>(out))};
  for (double& x : l.weight) x = g(rng) / std::sqrt(in);
  for (double& x : l.bias) x = bias * g(rng);
  return l;
}

// A sink as the walk's: a visited set with mailboxes (or without), counting letters taken.
class MailSink : public NeighbourSink {
 public:
  explicit MailSink(RegionCollector& regions) : regions_(regions) {}
  bool known(const Word* p, Mailbox** box) override { return regions_.contains(p, box); }
  Verdict found(const Word* p, const double* x) override { return regions_.add(p, x) ? Verdict::New : Verdict::Known; }
  void mail(Mailbox& box, const CarriedProofs::Cells& proofs) override { regions_.post(box, proofs); }
  void take_mail(const Word* p, CarriedProofs::Cells& out) override {
    const std::size_t had = out.size();
    regions_.take(p, out);
    letters += out.size() > had ? 1 : 0;
  }
  int letters = 0;

 private:
  RegionCollector& regions_;
};

// Mail carries a region's proofs to known neighbours not yet expanded: on a
// two-layer net, in a ball and in a box (LPs), the walk finds the same
// regions with fewer facet tests, and the audit's LP confirms every proof
// that settled a test, mailed ones included.
static void test_mail_spares_facet_tests_and_its_proofs_hold() {
  std::mt19937_64 rng(29);
  std::normal_distribution<double> g;
  auto layer = [&](int in, int out) { return random_layer(rng, g, in, out, 0.3); };
  const Network net({layer(6, 12), layer(12, 12), layer(12, 1)}, 0.0);
  const std::vector<double> centre(6, 0.05);
  for (const Domain& dom : {Domain::ball(centre, 1.0), Domain::box(std::vector<double>(6, -0.6), std::vector<double>(6, 0.7))}) {
    WalkOptions opt;
    opt.subdivide = false;
    WalkControl control;
    const WalkResult whole = walk(net, dom, centre.data(), opt, control);
    std::int64_t tests[2] = {0, 0};
    for (bool mail : {false, true}) {
      Expander ex(net, dom, stable_signs(net, dom), 1e-9 * dom.scale(), /*audit_proofs=*/true);
      RegionCollector regions(net.pattern_words(), 6, false, {}, 1, 0, mail);
      MailSink sink(regions);
      std::vector<FrontierItem> todo{ex.seed(centre.data())};
      regions.add(todo[0].pattern.data(), nullptr);
      while (!todo.empty()) {  // first in, first out: neighbours wait while others expand
        FrontierItem it = std::move(todo.front());
        todo.erase(todo.begin());
        CHECK(ex.expand(it, sink, todo));
      }
      std::vector<Word> pats;
      std::vector<double> pts;
      regions.sorted(-1, pats, pts);
      CHECK(pats == whole.patterns && whole.count > 100);
      CHECK(ex.stats().proof_errors == 0 && ex.stats().undecided == 0);
      CHECK((sink.letters > 0) == mail);
      tests[mail ? 1 : 0] = ex.stats().facet_tests;
    }
    CHECK(tests[1] < tests[0]);
  }
}

// An Expander's answer for a region does not depend on the region it saw
// first (its forms then make the plan): in a small ball, where many
// first-layer neurons are stable and the forms start from their fixed terms,
// a region expanded first and one expanded after the seed give the same
// neighbours, points and proofs to the bit.
static void test_expansions_do_not_depend_on_the_first_region() {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> g;
  auto layer = [&](int in, int out) { return random_layer(rng, g, in, out, 0.5); };
  const Network net({layer(6, 24), layer(24, 12), layer(12, 1)}, 0.0);
  const Domain ball = Domain::ball(std::vector<double>(6, 0.1), 0.3);
  const std::vector<signed char> stable = stable_signs(net, ball);
  CHECK(!net.fixed_inputs(stable).empty());
  auto bytes = [](const std::vector<FrontierItem>& items) {
    std::vector<Bytes> out(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) encode_item(items[i], out[i]);
    return out;
  };
  Expander seeded(net, ball, stable, 1e-10);
  NeighbourSink any;
  std::vector<FrontierItem> first, later, alone;
  CHECK(seeded.expand(seeded.seed(std::vector<double>(6, 0.1).data()), any, first));
  CHECK(first.size() >= 2);
  for (const FrontierItem& region : first) {
    Expander fresh(net, ball, stable, 1e-10);
    later.clear();
    alone.clear();
    CHECK(seeded.expand(region, any, later));
    CHECK(fresh.expand(region, any, alone));
    CHECK(bytes(later) == bytes(alone));
  }
}

// A small ball of a net with many inputs is walked in the span of its
// unstable neurons' fixed forms: fewer dimensions, orthonormal columns, and
// the walk of the restriction has the patterns of the walk in the row space.
static void test_a_ball_restricted_to_its_unstable_span() {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> g;
  const int d = 40, w = 16;
  auto layer = [&](int in, int out) { return random_layer(rng, g, in, out, 0.5); };
  for (double alpha : {0.0, 0.2}) {
    const Network net({layer(d, w), layer(w, w), layer(w, w), layer(w, 1)}, alpha);
    std::vector<double> c(d);
    for (double& x : c) x = 0.3 * g(rng);
    int cut_and_split = 0;  // radii where the restriction cut dimensions and the ball holds several regions
    for (double radius : {0.05, 0.1, 0.15, 0.2, 0.3}) {
      const Reduction red = reduce(net, Domain::ball(c, radius));
      const std::optional<Restriction> r = restrict_ball(red.net, red.domain);
      if (!r) continue;
      CHECK(r->domain.dim < red.domain.dim && r->net.input_dim() == r->domain.dim);
      const auto rd = static_cast<std::size_t>(red.domain.dim), s = static_cast<std::size_t>(r->domain.dim);
      for (std::size_t a = 0; a < s; ++a)
        for (std::size_t b = 0; b < s; ++b) {
          double dot = 0.0;
          for (std::size_t q = 0; q < rd; ++q) dot += r->span[q * s + a] * r->span[q * s + b];
          CHECK(std::abs(dot - (a == b ? 1.0 : 0.0)) < 1e-13);
        }
      WalkControl one, other;
      const WalkResult whole = walk(red.net, red.domain, std::vector<double>(rd, 0.0).data(), WalkOptions{}, one);
      const WalkResult cut = walk(r->net, r->domain, std::vector<double>(s, 0.0).data(), WalkOptions{}, other);
      CHECK(whole.certified() && cut.certified() && cut.patterns == whole.patterns);
      cut_and_split += whole.count > 3 ? 1 : 0;
    }
    CHECK(cut_and_split > 0);
  }
  const Network net({layer(4, 6), layer(6, 1)}, 0.0);
  CHECK(!restrict_ball(net, Domain::box(std::vector<double>(4, -1.0), std::vector<double>(4, 1.0))).has_value());
  CHECK(!restrict_ball(net, Domain::whole(4)).has_value());
}

int main() {
  test_frontier_expands_entries_of_early_layers_first();
  test_frontier_gives_each_cell_of_the_early_layers_one_worker();
  test_frontier_keeps_one_threads_order_until_shared();
  test_frontier_ends_when_empty_and_nobody_busy();
  test_expansions_do_not_depend_on_the_first_region();
  test_a_ball_restricted_to_its_unstable_span();
  test_item_bytes_roundtrip_and_reject_damage();
  test_proofs_follow_the_flip();
  for (int cell_bits : {0, 3, 66}) {
    test_visited_set_grows_and_keeps_everything(cell_bits);
    test_visited_set_reshards(cell_bits);
    test_visited_set_under_concurrent_inserts_and_lookups(cell_bits);
  }
  test_mailbox_keeps_one_letter_until_taken();
  test_visited_set_mailboxes();
  test_mailboxes_under_concurrent_posts_and_takes();
  test_lp_degenerate_vertex_and_unbounded();
  test_lp_loosened_settles_a_cycling_vertex();
  test_lp_keeps_its_rows_along_a_long_flat_edge();
  test_coincident_groups();
  test_planar_clip_of_a_square_cut_twice();
  test_expander_and_state();
  test_mail_spares_facet_tests_and_its_proofs_hold();
  if (failures == 0) std::printf("test_parts: all checks passed\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
