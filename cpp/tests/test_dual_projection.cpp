// Unit tests of the dual projection (Goldfarb-Idnani, identity Hessian):
// nearest points with known answers, empty polyhedra, an equality, opposite
// parallel rows, and random polyhedra against the primal projection
// (ActiveSetLp::project from a feasible point, an independent method).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "regionwalk/dual_projection.hpp"
#include "regionwalk/lp.hpp"

#include "check.hpp"

using namespace regionwalk;
using Status = DualProjection::Status;

namespace {

struct Rows {
  ActiveSetLp lp;
  std::vector<int> all;
  explicit Rows(int d) : lp(d) {}
  void add(std::vector<double> n, double h) {
    double s = 0.0;
    for (double v : n) s += v * v;
    for (double& v : n) v /= std::sqrt(s);  // unit normals, as the walk's rows
    all.push_back(lp.add_row(n.data(), h / std::sqrt(s)));
  }
};

double dist(const std::vector<double>& x, const std::vector<double>& c) {
  double s = 0.0;
  for (size_t q = 0; q < x.size(); ++q) s += (x[q] - c[q]) * (x[q] - c[q]);
  return std::sqrt(s);
}

void test_nearest_point_of_a_quadrant() {
  // x >= 1 and y >= 1 seen from the origin: (1, 1, 0) at sqrt 2.
  Rows r(3);
  r.add({-1, 0, 0}, -1);
  r.add({0, -1, 0}, -1);
  const std::vector<double> c{0, 0, 0};
  std::vector<double> x(3);
  DualProjection dp;
  CHECK(dp.solve(r.lp, 3, r.all, 0.0, nullptr, 0.0, c.data(), 2.0, 100, x.data()) == Status::Within);
  CHECK(std::abs(x[0] - 1) < 1e-14 && std::abs(x[1] - 1) < 1e-14 && std::abs(x[2]) < 1e-14);
  // Closer than sqrt 2 there is nothing: certified by both rows' multipliers.
  CHECK(dp.solve(r.lp, 3, r.all, 0.0, nullptr, 0.0, c.data(), 1.4, 100, x.data()) == Status::Beyond);
  CHECK(dp.proof_rows().size() == 2);
  // Shrinking the rows by 0.5 moves the point to (1.5, 1.5, 0).
  CHECK(dp.solve(r.lp, 3, r.all, 0.5, nullptr, 0.0, c.data(), 3.0, 100, x.data()) == Status::Within);
  CHECK(std::abs(x[0] - 1.5) < 1e-14 && std::abs(x[1] - 1.5) < 1e-14);
}

void test_equality_and_empty_polyhedra() {
  Rows r(3);
  r.add({1, 0, 0}, -1);  // x <= -1
  const std::vector<double> c{0, 0, 0}, z{0, 0, 1};
  std::vector<double> x(3);
  DualProjection dp;
  // On the plane z = 2: (-1, 0, 2) at sqrt 5.
  CHECK(dp.solve(r.lp, 3, r.all, 0.0, z.data(), 2.0, c.data(), 3.0, 100, x.data()) == Status::Within);
  CHECK(std::abs(x[0] + 1) < 1e-14 && std::abs(x[2] - 2) < 1e-14);
  CHECK(dp.solve(r.lp, 3, r.all, 0.0, z.data(), 2.0, c.data(), 2.2, 100, x.data()) == Status::Beyond);
  // x <= -1 and x >= 1: empty, proved by a ray of the dual whatever the reach.
  r.add({-1, 0, 0}, -1);
  CHECK(dp.solve(r.lp, 3, r.all, 0.0, nullptr, 0.0, c.data(), 100.0, 100, x.data()) == Status::Beyond);
  CHECK(dp.proof_rows().size() == 2);
}

void test_opposite_parallel_rows_make_a_slab() {
  // 0.3 <= x <= 0.3 + 1e-3: a thin slab is not empty; shrunk by more than half its width it is.
  Rows r(4);
  r.add({1, 0, 0, 0}, 0.301);
  r.add({-1, 0, 0, 0}, -0.3);
  r.add({0, 1, 0, 0}, 5.0);
  const std::vector<double> c{0, 0.1, 0, 0};
  std::vector<double> x(4);
  DualProjection dp;
  CHECK(dp.solve(r.lp, 4, r.all, 4e-4, nullptr, 0.0, c.data(), 1.0, 100, x.data()) == Status::Within);
  CHECK(std::abs(x[0] - 0.3004) < 1e-12);
  CHECK(dp.solve(r.lp, 4, r.all, 6e-4, nullptr, 0.0, c.data(), 1.0, 100, x.data()) == Status::Beyond);
}

void test_random_polyhedra_against_the_primal_projection() {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g(0.0, 1.0);
  int within = 0, beyond = 0, centred = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int d = 2 + trial % 9, m = 3 + trial % 40;
    // Rows through random points near the origin, all strict at `inside`.
    Rows r(d);
    std::vector<double> inside(static_cast<size_t>(d)), c(static_cast<size_t>(d));
    for (auto& v : inside) v = 0.3 * g(rng);
    for (auto& v : c) v = 1.5 * g(rng);
    for (int i = 0; i < m; ++i) {
      std::vector<double> n(static_cast<size_t>(d));
      double s = 0.0, at = 0.0;
      for (auto& v : n) {
        v = g(rng);
        s += v * v;
      }
      for (size_t q = 0; q < n.size(); ++q) at += n[q] * inside[q] / std::sqrt(s);
      r.add(n, (at + 0.05 + std::abs(g(rng))) * std::sqrt(s));
    }
    std::vector<double> primal(inside), x(static_cast<size_t>(d));
    // (The primal stops at once, TargetReached, where the centre is inside.)
    CHECK(r.lp.project(c.data(), primal.data(), {}, r.all, 0.0, 5000) != LpStatus::IterationLimit);
    const double truth = dist(primal, c);
    if (truth < 1e-9) {  // the centre is its own nearest point
      DualProjection dp;
      CHECK(dp.solve(r.lp, d, r.all, 0.0, nullptr, 0.0, c.data(), 1.0, 5000, x.data()) == Status::Within);
      CHECK(dist(x, c) == 0.0);
      ++centred;
      continue;
    }
    for (double reach : {0.9 * truth, 1.1 * truth}) {
      DualProjection dp;
      const Status st = dp.solve(r.lp, d, r.all, 0.0, nullptr, 0.0, c.data(), reach, 5000, x.data());
      if (reach < truth) {
        CHECK(st == Status::Beyond);
        beyond += st == Status::Beyond;
      } else {
        CHECK(st == Status::Within && std::abs(dist(x, c) - truth) < 1e-9 * (1 + truth));
        within += st == Status::Within;
      }
    }
  }
  CHECK(within + centred == 300 && beyond + centred == 300 && centred < 30);
}

// Floors (each row's slack at the centre less a guard) let the search for
// the most violated row pass over rows that cannot be violated yet: the
// answers are those without them, to the bit, in 70 and 130 dimensions,
// with and without an equality, shrunk or not. Floors that overstate the
// slacks by 0.2 change some answers: the floors are read, and they matter.
void test_floors_change_no_answer() {
  std::mt19937_64 rng(31);
  std::normal_distribution<double> g;
  int compared = 0, overstated_differs = 0;
  for (int d : {70, 130}) {
    for (int trial = 0; trial < 40; ++trial) {
      Rows r(d);
      std::vector<double> c(static_cast<size_t>(d)), n(static_cast<size_t>(d)), eq(static_cast<size_t>(d));
      for (double& v : c) v = 0.1 * g(rng);
      for (int i = 0; i < 3 * d; ++i) {
        for (double& v : n) v = g(rng);
        r.add(n, std::abs(g(rng)));  // the origin inside; slacks at c spread around 0.7
      }
      std::vector<double> floor, honest;
      for (int i : r.all) {
        double slack = r.lp.rhs(i);
        for (int q = 0; q < d; ++q) slack -= r.lp.row(i)[q] * c[static_cast<size_t>(q)];
        floor.push_back(slack - 1e-9 * (1.0 + std::abs(r.lp.rhs(i))));
        honest.push_back(slack);
      }
      for (double& v : eq) v = g(rng);
      double en = 0.0;
      for (double v : eq) en += v * v;
      for (double& v : eq) v /= std::sqrt(en);
      for (int variant = 0; variant < 4; ++variant) {
        const double shrink = variant % 2 == 0 ? 0.0 : 0.15;
        const double* e = variant < 2 ? nullptr : eq.data();
        const double reach = 0.4 + 0.1 * (trial % 5);
        std::vector<double> x0(static_cast<size_t>(d)), x1(static_cast<size_t>(d)), x2(static_cast<size_t>(d));
        DualProjection plain, floored, overstated;
        const Status s0 = plain.solve(r.lp, d, r.all, shrink, e, 0.05, c.data(), reach, 5000, x0.data());
        const Status s1 = floored.solve(r.lp, d, r.all, shrink, e, 0.05, c.data(), reach, 5000, x1.data(), floor.data());
        CHECK(s0 == s1 && x0 == x1 && plain.proof_rows() == floored.proof_rows() &&
              plain.last_iterations() == floored.last_iterations());
        std::vector<double> over(honest);
        for (double& v : over) v += 0.2;
        const Status s2 = overstated.solve(r.lp, d, r.all, shrink, e, 0.05, c.data(), reach, 5000, x2.data(), over.data());
        overstated_differs += (s2 != s0 || x2 != x0) ? 1 : 0;
        ++compared;
      }
    }
  }
  CHECK(compared == 320 && overstated_differs > 0);
  // A row violated once x has moved, though its slack at the centre exceeds
  // |x - c|: x0 <= -1 and -0.99 x0 + 0.141 x1 <= 1.4, both shrunk by 0.3.
  // From the centre x goes to x0 = -1.3 (|x - c| = 1.3), where the second
  // row's 1.287 exceeds its 1.1: its floor (1.4) is below |x - c| + shrink,
  // so it is scanned, and x moves on.
  constexpr int kDim = 130;  // floors at x0 (DualProjection's anchors) work from 128
  Rows r(kDim);
  std::vector<double> a(kDim, 0.0), b(kDim, 0.0);
  a[0] = 1.0;
  b[0] = -0.99;
  b[1] = std::sqrt(1.0 - 0.99 * 0.99);
  r.add(a, -1.0);
  r.add(b, 1.4);
  const std::vector<double> c(kDim, 0.0), floor{-1.0 - 1e-9, 1.4 - 1e-9};
  std::vector<double> x0(kDim), x1(kDim);
  DualProjection plain, floored;
  CHECK(plain.solve(r.lp, kDim, r.all, 0.3, nullptr, 0.0, c.data(), 5.0, 100, x0.data()) == Status::Within);
  CHECK(floored.solve(r.lp, kDim, r.all, 0.3, nullptr, 0.0, c.data(), 5.0, 100, x1.data(), floor.data()) ==
        Status::Within);
  CHECK(x0 == x1 && x1[1] < -1e-3);
  // The same rows seen from the hyperplane x2 = 1.2: the first scan is at
  // x0 = (0, 0, 1.2, ...), 1.2 from the centre, and reads the second row's
  // slack there, 1.4; x then moves 1.3 from x0, and the row (floor 1.4 at
  // x0, below 1.3 + shrink) is scanned again and added.
  std::vector<double> e(kDim, 0.0), x2(kDim), x3(kDim);
  e[2] = 1.0;
  DualProjection plain_eq, floored_eq;
  CHECK(plain_eq.solve(r.lp, kDim, r.all, 0.3, e.data(), 1.2, c.data(), 5.0, 100, x2.data()) == Status::Within);
  CHECK(floored_eq.solve(r.lp, kDim, r.all, 0.3, e.data(), 1.2, c.data(), 5.0, 100, x3.data(), floor.data()) ==
        Status::Within);
  CHECK(x2 == x3 && x3[1] < -1e-3 && std::abs(x3[2] - 1.2) < 1e-12);
}

}  // namespace

int main() {
  test_nearest_point_of_a_quadrant();
  test_equality_and_empty_polyhedra();
  test_opposite_parallel_rows_make_a_slab();
  test_random_polyhedra_against_the_primal_projection();
  test_floors_change_no_answer();
  if (failures == 0) std::puts("test_dual_projection: all passed");
  return failures == 0 ? 0 : 1;
}
