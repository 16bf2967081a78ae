// Unit tests of the core without Python: the LP solver, tent maps, Zaslavsky.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "regionwalk/lp.hpp"
#include "regionwalk/polytope_clip.hpp"
#include "regionwalk/walk.hpp"

#include "check.hpp"

using namespace regionwalk;


// A dense layer with weights and biases drawn from g (its draws in order:
// weights row by row, then biases).
static Layer gaussian_layer(std::mt19937_64& rng, std::normal_distribution<double>& g, int in, int out) {
  Layer l{in, out, std::vector<double>(static_cast<size_t>(in * out)), std::vector<double>(static_cast<size_t>(out))};
  for (double& x : l.weight) x = g(rng);
  for (double& x : l.bias) x = g(rng);
  return l;
}

static Network tent(int L) {
  std::vector<Layer> layers;
  layers.push_back({1, 2, {1.0, 1.0}, {0.0, -0.5}});
  for (int l = 1; l < L; ++l) layers.push_back({2, 2, {2.0, -4.0, 2.0, -4.0}, {0.0, -0.5}});
  layers.push_back({2, 1, {2.0, -4.0}, {0.0}});
  return Network(std::move(layers), 0.0);
}

// Two hidden layers of width w, standard normal weights and biases, one output.
static Network two_layers(unsigned seed, int d, int w) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  Layer l1{d, w, std::vector<double>(static_cast<size_t>(d * w)), std::vector<double>(static_cast<size_t>(w))};
  Layer l2{w, w, std::vector<double>(static_cast<size_t>(w * w)), std::vector<double>(static_cast<size_t>(w))};
  for (Layer* l : {&l1, &l2}) {
    for (double& x : l->weight) x = g(rng);
    for (double& x : l->bias) x = g(rng);
  }
  return Network({l1, l2, Layer{w, 1, std::vector<double>(static_cast<size_t>(w), 1.0), {0.0}}}, 0.0);
}

static void test_lp_square() {
  // max x + y s.t. x <= 1, y <= 2, x + y <= 2.5, from the origin.
  ActiveSetLp lp(2);
  const double r1[] = {1, 0}, r2[] = {0, 1}, r3[] = {1, 1};
  lp.add_row(r1, 1.0);
  lp.add_row(r2, 2.0);
  lp.add_row(r3, 2.5);
  double v[] = {0.0, 0.0};
  const double c[] = {1.0, 1.0};
  CHECK(lp.maximize(c, v, {}, {0, 1, 2}, INFINITY, 100) == LpStatus::Optimal);
  CHECK(std::abs(v[0] + v[1] - 2.5) < 1e-12);
  double x[] = {0.0, 0.0};
  const double p[] = {3.0, 3.0};
  CHECK(lp.project(p, x, {}, {0, 1, 2}, 0.0, 100) == LpStatus::Optimal);
  CHECK(std::abs(x[0] - 1.0) < 1e-12 && std::abs(x[1] - 1.5) < 1e-12);
}

static void test_tent_maps() {
  for (int L = 1; L <= 8; ++L) {
    Network net = tent(L);
    Domain dom = Domain::box({0.0}, {1.0});
    WalkOptions opt;
    WalkControl control;
    const double seed[] = {0.3};
    WalkResult r = walk(net, dom, seed, opt, control);
    CHECK(r.count == (std::int64_t{1} << L));
    CHECK(r.stop == StopReason::Complete);
  }
}

static void test_zaslavsky_and_threads() {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  const int d = 3, m = 9;
  Layer hidden{d, m, std::vector<double>(d * m), std::vector<double>(m)};
  for (double& w : hidden.weight) w = g(rng);
  for (double& b : hidden.bias) b = g(rng);
  Network net({hidden, Layer{m, 1, std::vector<double>(m, 1.0), {0.0}}}, 0.0);
  const double seed[] = {0.0, 0.0, 0.0};
  std::int64_t expected = 0, binom = 1;
  for (int j = 0; j <= d; ++j) {
    expected += binom;
    binom = binom * (m - j) / (j + 1);
  }
  for (int threads : {1, 2, 3}) {
    WalkOptions opt;
    opt.threads = threads;
    WalkControl control;
    WalkResult r = walk(net, Domain::whole(d), seed, opt, control);
    CHECK(r.count == expected);
  }
}

// Two layers in a box: carried proofs (unchanged and re-checked) are in play,
// and the count must not depend on the threads; the audit re-solves every
// carried proof's LP. (In a dimension past the box's clipping path, where
// every facet test is an LP.)
static void test_box_threads_and_proofs() {
  const int d = PolytopeClip::kMaxDim + 1;
  const Network net = two_layers(9, d, 7);
  const std::vector<double> seed(d, 0.1);
  const Domain box = Domain::box(std::vector<double>(d, -1.0), std::vector<double>(d, 1.0));
  std::int64_t first = -1;
  for (int threads : {1, 2, 3}) {
    WalkOptions opt;
    opt.threads = threads;
    opt.audit_proofs = true;
    WalkControl control;
    WalkResult r = walk(net, box, seed.data(), opt, control);
    if (first < 0) first = r.count;
    CHECK(r.count == first && r.count > 100);
    CHECK(r.stats.rechecked_proofs > 0 && r.stats.proof_errors == 0);
  }
}

// Helpers join a walk once it has lasted a while with regions waiting: a
// small walk stays on the caller's thread, a long one spreads over more, and
// the regions are the same either way. (Which thread found each region is
// told by the visitor, called by the thread that inserts it.)
static void test_helpers_join_walks_with_work() {
  auto walk_on = [](const Network& net, const Domain& dom, const double* seed, int threads,
                    std::set<std::thread::id>& finders) {
    std::mutex mu;
    WalkOptions opt;
    opt.threads = threads;
    opt.subdivide = false;
    opt.on_region = [&](const Word*, const double*) {
      std::lock_guard<std::mutex> lock(mu);
      finders.insert(std::this_thread::get_id());
    };
    WalkControl control;
    return walk(net, dom, seed, opt, control).patterns;
  };
  const Network tiny = two_layers(3, 2, 2);
  const double seed2[] = {0.1, 0.2};
  std::set<std::thread::id> one, few;
  CHECK(walk_on(tiny, Domain::box({-1.0, -1.0}, {1.0, 1.0}), seed2, 3, few) ==
        walk_on(tiny, Domain::box({-1.0, -1.0}, {1.0, 1.0}), seed2, 1, one));
  CHECK(few.size() == 1 && few == one);  // the caller's thread alone
  const Network big = two_layers(5, 4, 14);  // thousands of regions: tens of milliseconds
  const double seed4[] = {0.1, 0.2, -0.1, 0.3};
  const Domain box = Domain::box(std::vector<double>(4, -1.0), std::vector<double>(4, 1.0));
  std::set<std::thread::id> alone, many;
  const std::vector<Word> serial = walk_on(big, box, seed4, 1, alone);
  CHECK(walk_on(big, box, seed4, 3, many) == serial && serial.size() > 2000);
  CHECK(alone.size() == 1 && many.size() >= 2);
}

// A plan's forms: the kept neurons' the same to the bit as without it, the
// skipped ones 0 and neither flat nor zero; a one-hidden-layer net skips none.
static void test_forms_plan() {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> g;
  const int d = 5, w1 = 6, w2 = 7, w3 = 9;
  auto layer = [&](int in, int out) { return gaussian_layer(rng, g, in, out); };
  for (double alpha : {0.0, 0.1}) {
    Network net({layer(d, w1), layer(w1, w2), layer(w2, w3), layer(w3, 1)}, alpha);
    const int N = net.hidden_neurons();
    std::vector<char> skip(static_cast<size_t>(N), 0);
    for (int k = 0; k < N; k += 2) skip[static_cast<size_t>(k)] = 1;  // every other neuron, all layers
    const FormsPlan plan = net.plan_forms(skip);
    size_t kept = 0;
    for (int k = w1 + w2; k < N; ++k) kept += skip[static_cast<size_t>(k)] == 0 ? 1 : 0;
    CHECK(plan.skips && plan.keep.size() == kept && kept > 0 && kept < static_cast<size_t>(w3));
    Pattern p(static_cast<size_t>(net.pattern_words()), 0);
    for (int k = 0; k < N; ++k)
      if (g(rng) > 0) set_bit(p.data(), k);
    LocalForms full, part;
    net.local_forms(p.data(), full);
    net.local_forms(p.data(), part, &plan);
    for (int k = 0; k < N; ++k) {
      const bool skipped = k >= w1 + w2 && skip[static_cast<size_t>(k)] != 0;
      CHECK(part.c[static_cast<size_t>(k)] == (skipped ? 0.0 : full.c[static_cast<size_t>(k)]));
      CHECK(part.norm[static_cast<size_t>(k)] == (skipped ? 0.0 : full.norm[static_cast<size_t>(k)]));
      CHECK(!skipped || (!part.flat[static_cast<size_t>(k)] && !part.is_zero(k)));
      for (int q = 0; q < d; ++q) CHECK(part.coef(k, q) == (skipped ? 0.0 : full.coef(k, q)));
    }
  }
  Network one({layer(d, w1), layer(w1, 1)}, 0.0);
  CHECK(!one.plan_forms(std::vector<char>(static_cast<size_t>(w1), 1)).skips);
}

// Forms that start from the fixed terms of stable first-layer neurons: the
// same forms as summed from scratch, up to rounding, with and without a plan
// (kept neurons the same to the bit as without the plan); a pattern that
// gives a fixed neuron the other sign gets the forms summed from scratch.
static void test_forms_from_fixed_inputs() {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> g;
  const int d = 5, w1 = 70, w2 = 7, w3 = 9;  // 70: the fixed bits span two pattern words
  auto layer = [&](int in, int out) { return gaussian_layer(rng, g, in, out); };
  for (double alpha : {0.0, 0.1}) {
    for (int depth : {2, 3}) {
      std::vector<Layer> layers{layer(d, w1), layer(w1, w2)};
      if (depth == 3) layers.push_back(layer(w2, w3));
      layers.push_back(layer(depth == 3 ? w3 : w2, 1));
      const Network net(layers, alpha);
      const int N = net.hidden_neurons();
      std::vector<signed char> stable(static_cast<size_t>(N), 0);
      for (int k = 0; k < w1; k += 3) stable[static_cast<size_t>(k)] = g(rng) > 0 ? 1 : -1;
      stable[static_cast<size_t>(w1 + 1)] = 1;  // a later layer's stable neuron adds no fixed term
      const FixedInputs fixed = net.fixed_inputs(stable);
      CHECK(!fixed.empty() && fixed.input[0] == 1 && fixed.input[1] == 0);
      std::vector<char> skip(static_cast<size_t>(N), 0);
      skip[static_cast<size_t>(N - 1)] = 1;
      const FormsPlan plan = net.plan_forms(skip);
      const FixedInputs kept_rows = fixed.kept_rows(plan, depth == 2);  // compact where layer 2 is the last
      CHECK(kept_rows.compact == (depth == 2));
      for (int round = 0; round < 8; ++round) {
        Pattern p(static_cast<size_t>(net.pattern_words()), 0);
        for (int k = 0; k < N; ++k) {
          const signed char s = k < w1 ? stable[static_cast<size_t>(k)] : 0;
          if (s > 0 || (s == 0 && g(rng) > 0)) set_bit(p.data(), k);
        }
        const bool agrees = round < 6;
        if (!agrees) p[0] ^= Word{1} << 3;  // neuron 3 is fixed: give it the other sign
        CHECK(fixed.holds_for(p.data()) == agrees);
        LocalForms scratch, from_fixed, planned, compact, unplanned;
        net.local_forms(p.data(), scratch);
        net.local_forms(p.data(), from_fixed, nullptr, &fixed);
        net.local_forms(p.data(), planned, &plan, &fixed);
        net.local_forms(p.data(), compact, &plan, &kept_rows);
        CHECK(compact.a == planned.a && compact.c == planned.c && compact.norm == planned.norm);
        net.local_forms(p.data(), unplanned, nullptr, &kept_rows);  // compact terms serve their plan only
        CHECK(unplanned.a == (depth == 2 ? scratch.a : from_fixed.a));
        for (int k = 0; k < N; ++k) {
          const auto kk = static_cast<size_t>(k);
          const double size = 1.0 + std::abs(scratch.c[kk]) + scratch.norm[kk];
          CHECK(std::abs(from_fixed.c[kk] - scratch.c[kk]) <= 1e-12 * size);
          CHECK(std::abs(from_fixed.norm[kk] - scratch.norm[kk]) <= 1e-12 * size);
          for (int q = 0; q < d; ++q) {
            CHECK(std::abs(from_fixed.coef(k, q) - scratch.coef(k, q)) <= 1e-12 * size);
            if (!agrees) CHECK(from_fixed.coef(k, q) == scratch.coef(k, q));
            if (skip[kk] == 0) CHECK(planned.coef(k, q) == from_fixed.coef(k, q));
          }
          if (skip[kk] == 0) CHECK(planned.c[kk] == from_fixed.c[kk]);
        }
        CHECK(from_fixed.zeros == scratch.zeros);
      }
    }
  }
  const Network one({layer(d, w1), layer(w1, 1)}, 0.0);
  CHECK(one.fixed_inputs(std::vector<signed char>(static_cast<size_t>(w1), 1)).empty());
  const Network two({layer(d, 4), layer(4, 3), layer(3, 1)}, 0.0);
  std::vector<signed char> later_only(7, 0);
  later_only[5] = 1;
  CHECK(two.fixed_inputs(later_only).empty());
}

// Forms kept in one LocalForms from call to call (the first layer's are
// reused for the same network) are those of a fresh one, to the bit, from
// network to network, pattern to pattern, with and without a plan.
static void test_forms_reused() {
  std::mt19937_64 rng(6);
  std::normal_distribution<double> g;
  auto layer = [&](int in, int out) { return gaussian_layer(rng, g, in, out); };
  const Network a({layer(4, 6), layer(6, 5), layer(5, 1)}, 0.0);
  const Network b({layer(4, 6), layer(6, 5), layer(5, 1)}, 0.2);  // same shapes, other weights
  std::vector<char> skip(11, 0);
  skip[7] = skip[9] = 1;
  const FormsPlan plan = a.plan_forms(skip);
  LocalForms kept;
  for (int round = 0; round < 12; ++round) {
    const Network& net = round % 3 == 2 ? b : a;
    const FormsPlan* with = round % 2 == 0 && &net == &a ? &plan : nullptr;
    Pattern p(static_cast<size_t>(net.pattern_words()), 0);
    for (int k = 0; k < net.hidden_neurons(); ++k)
      if (g(rng) > 0) set_bit(p.data(), k);
    LocalForms fresh;
    net.local_forms(p.data(), kept, with);
    net.local_forms(p.data(), fresh, with);
    CHECK(kept.a == fresh.a && kept.c == fresh.c && kept.norm == fresh.norm && kept.flat == fresh.flat &&
          kept.zeros == fresh.zeros);
  }
  const Network copy = a;  // the same weights: the same id
  CHECK(copy.id() == a.id() && a.id() != b.id());
}

// The walk runs on the caller's thread (worker 0 of any number): the
// caller's poll runs there, between regions and while it waits for work,
// never on another thread; a poll that cancels stops the walk with what it
// found. The same for the box's complex.
static void test_caller_poll_cancels() {
  const int d = PolytopeClip::kMaxDim + 1, w = 12;
  const Network net = two_layers(11, d, w);
  const std::vector<double> seed(d, 0.0);
  const Domain box = Domain::box(std::vector<double>(d, -1.0), std::vector<double>(d, 1.0));
  for (int threads : {1, 3}) {
    WalkOptions opt;
    opt.threads = threads;
    opt.subdivide = false;
    WalkControl control;
    const std::thread::id caller = std::this_thread::get_id();
    int polls = 0;
    bool elsewhere = false;
    control.set_poll([&] {
      elsewhere = elsewhere || std::this_thread::get_id() != caller;
      if (++polls == 3) control.cancel = true;
    }, 0.0);
    WalkResult r = walk(net, box, seed.data(), opt, control);
    CHECK(!elsewhere && polls >= 3);
    CHECK(r.stop == StopReason::Cancelled && r.count > 0);
  }
  // The complex (a box of 3 to 8 inputs) polls between its cuts.
  const Domain box4 = Domain::box(std::vector<double>(4, -1.0), std::vector<double>(4, 1.0));
  const Network small = two_layers(12, 4, w);
  WalkControl control;
  int polls = 0;
  control.set_poll([&] { control.cancel = ++polls == 2; }, 0.0);
  const std::vector<double> seed4(4, 0.0);
  WalkResult r = walk(small, box4, seed4.data(), WalkOptions{}, control);
  CHECK(r.stop == StopReason::Cancelled && r.stats.subdivision_refusals == 1 && polls == 2);
}

int main() {
  test_caller_poll_cancels();
  test_forms_plan();
  test_forms_reused();
  test_forms_from_fixed_inputs();
  test_lp_square();
  test_tent_maps();
  test_zaslavsky_and_threads();
  test_box_threads_and_proofs();
  test_helpers_join_walks_with_work();
  if (failures == 0) std::printf("test_core: all checks passed\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
