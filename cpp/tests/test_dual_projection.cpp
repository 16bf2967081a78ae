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

}  // namespace

int main() {
  test_nearest_point_of_a_quadrant();
  test_equality_and_empty_polyhedra();
  test_opposite_parallel_rows_make_a_slab();
  test_random_polyhedra_against_the_primal_projection();
  if (failures == 0) std::puts("test_dual_projection: all passed");
  return failures == 0 ? 0 : 1;
}
