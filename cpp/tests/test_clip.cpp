// Unit tests of the box clipping path (PolytopeClip) for d >= 3: its verdicts
// against the facet LP's on random regions, its vertices against a brute-force
// enumeration, and its refusals on degenerate regions.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "regionwalk/facet_lp.hpp"
#include "regionwalk/polytope_clip.hpp"
#include "regionwalk/region_rows.hpp"

#include "check.hpp"

using namespace regionwalk;

static Network one_layer(const std::vector<double>& w, const std::vector<double>& b, int d) {
  const int n = static_cast<int>(b.size());
  return Network({Layer{d, n, w, b}, Layer{n, 1, std::vector<double>(static_cast<std::size_t>(n), 1.0), {0.0}}}, 0.0);
}

static Network random_net(int d, int w1, int w2, std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Layer l1{d, w1, std::vector<double>(static_cast<std::size_t>(d * w1)), std::vector<double>(static_cast<std::size_t>(w1))};
  Layer l2{w1, w2, std::vector<double>(static_cast<std::size_t>(w1 * w2)), std::vector<double>(static_cast<std::size_t>(w2))};
  for (Layer* l : {&l1, &l2}) {
    for (double& x : l->weight) x = g(rng);
    for (double& x : l->bias) x = 0.5 * g(rng);
  }
  return Network({l1, l2, Layer{w2, 1, std::vector<double>(static_cast<std::size_t>(w2), 1.0), {0.0}}}, 0.0);
}

// The region's rows and a deep interior point (the facet LP's), from a pattern.
struct Region {
  RegionRows rows;
  LocalForms forms;
  std::vector<double> inside;
  double depth = 0.0;
  Region(const Network& net, const Domain& dom, const std::vector<signed char>& stable, const Pattern& p,
         const double* start, FacetLp& lp)
      : rows(dom, stable, 1e-9), inside(static_cast<std::size_t>(dom.dim)) {
    net.local_forms(p.data(), forms);
    rows.load(forms, p.data());
    depth = lp.interior_point(rows, start, inside.data());
  }
};

// Vertices by brute force: every d rows (neurons and box faces) whose system
// has one solution inside the region (all rows >= -eps).
static int brute_force_vertices(const RegionRows& rows, const Domain& dom) {
  const int d = dom.dim;
  std::vector<std::vector<double>> a;
  std::vector<double> c;
  for (int k : rows.neurons()) {
    std::vector<double> r(static_cast<std::size_t>(d));
    for (int q = 0; q < d; ++q) r[static_cast<std::size_t>(q)] = rows.sign(k) * rows.unit_a(k)[q];
    a.push_back(r);
    c.push_back(rows.sign(k) * rows.unit_c(k));
  }
  for (int q = 0; q < d; ++q)
    for (double s : {1.0, -1.0}) {
      std::vector<double> r(static_cast<std::size_t>(d), 0.0);
      r[static_cast<std::size_t>(q)] = s;  // s x_q + c >= 0
      a.push_back(r);
      c.push_back(s > 0 ? -dom.lo[static_cast<std::size_t>(q)] : dom.hi[static_cast<std::size_t>(q)]);
    }
  const int n = static_cast<int>(a.size());
  std::vector<int> pick(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) pick[static_cast<std::size_t>(i)] = i;
  std::vector<std::vector<double>> found;
  while (true) {
    // Solve the d x d system by Gaussian elimination with partial pivoting.
    std::vector<std::vector<double>> m(static_cast<std::size_t>(d), std::vector<double>(static_cast<std::size_t>(d + 1)));
    for (int i = 0; i < d; ++i) {
      for (int q = 0; q < d; ++q) m[i][q] = a[pick[i]][q];
      m[i][d] = -c[pick[i]];
    }
    bool singular = false;
    for (int col = 0; col < d && !singular; ++col) {
      int best = col;
      for (int r = col + 1; r < d; ++r)
        if (std::abs(m[r][col]) > std::abs(m[best][col])) best = r;
      if (std::abs(m[best][col]) < 1e-12) singular = true;
      std::swap(m[col], m[best]);
      for (int r = 0; r < d && !singular; ++r) {
        if (r == col) continue;
        const double f = m[r][col] / m[col][col];
        for (int q = col; q <= d; ++q) m[r][q] -= f * m[col][q];
      }
    }
    if (!singular) {
      std::vector<double> x(static_cast<std::size_t>(d));
      for (int q = 0; q < d; ++q) x[q] = m[q][d] / m[q][q];
      bool feasible = true;
      for (int k = 0; k < n && feasible; ++k) {
        double s = c[k];
        for (int q = 0; q < d; ++q) s += a[k][q] * x[q];
        feasible = s >= -1e-9;
      }
      bool dup = false;
      for (const auto& y : found) {
        double e = 0.0;
        for (int q = 0; q < d; ++q) e = std::max(e, std::abs(y[q] - x[q]));
        dup = dup || e < 1e-9;
      }
      if (feasible && !dup) found.push_back(x);
    }
    int i = d - 1;
    while (i >= 0 && pick[i] == n - d + i) --i;
    if (i < 0) break;
    ++pick[i];
    for (int k = i + 1; k < d; ++k) pick[k] = pick[k - 1] + 1;
  }
  return static_cast<int>(found.size());
}

// Random regions of random nets in each dimension of the path: a certified facet is a facet by
// the LP too (and its point lies on the hyperplane with the margin it claims);
// a row tight at no vertex is no facet by the LP; in d = 3 the vertex count
// equals a brute-force enumeration's.
static void test_verdicts_agree_with_the_facet_lp() {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unif(-1.0, 1.0);
  int runs = 0, refused = 0, certified = 0, lp_facets = 0, brute_checked = 0;
  for (int d = PolytopeClip::kMinDim; d <= PolytopeClip::kMaxDim; ++d) {
    const Domain box = Domain::box(std::vector<double>(static_cast<std::size_t>(d), -1.0),
                                   std::vector<double>(static_cast<std::size_t>(d), 1.0));
    for (int net_i = 0; net_i < (d == 6 ? 1 : 4); ++net_i) {
      // (in d = 6 the path takes only regions of many rows)
      const Network net = d == 6 ? random_net(d, 64, 56, rng) : random_net(d, 10, 8, rng);
      const std::vector<signed char> stable(static_cast<std::size_t>(net.hidden_neurons()), 0);
      PolytopeClip clip;
      for (int r = 0; r < 25; ++r) {
        FacetLp lp(box, 1e-9);  // fresh: it caches its rows by the RegionRows' generation
        std::vector<double> x(static_cast<std::size_t>(d));
        for (double& v : x) v = unif(rng);
        Region reg(net, box, stable, net.pattern_of(x.data()), x.data(), lp);
        if (reg.depth <= 1e-6) continue;
        ++runs;
        if (!clip.run(reg.rows, reg.inside.data())) {
          ++refused;
          continue;
        }
        if (d == 3 && brute_checked < 30) {
          ++brute_checked;
          CHECK(clip.vertices() == brute_force_vertices(reg.rows, box));
        }
        std::vector<int> group;
        for (int j : reg.rows.candidates()) {
          reg.rows.coincident(j, reg.rows.neurons(), group);
          std::vector<double> pt(static_cast<std::size_t>(d)), lp_pt(static_cast<std::size_t>(d));
          double m = 0.0, lp_m = 0.0;
          EdgeVerdict v = EdgeVerdict::NotAnEdge;
          for (int k : group) v = std::max(v, clip.edge(k, pt.data(), &m));
          const bool facet = lp.facet(reg.rows, j, group, reg.inside.data(), lp_pt.data(), &lp_m, nullptr);
          lp_facets += facet ? 1 : 0;
          if (v == EdgeVerdict::Certified) {
            ++certified;
            CHECK(facet);
            CHECK(m > 1e-9 && lp_m > 1e-9);
            CHECK(std::abs(reg.rows.distance(group[0], pt.data())) < 1e-9);
            for (int k : reg.rows.neurons())
              if (std::find(group.begin(), group.end(), k) == group.end()) CHECK(reg.rows.distance(k, pt.data()) >= m);
            CHECK(box.contains(pt.data(), 0.999 * m));
          }
          if (v == EdgeVerdict::NotAnEdge) CHECK(!facet);
        }
      }
    }
  }
  std::printf("clip vs LP: %d regions, %d refused, %d certified of %d LP facets\n", runs, refused, certified,
              lp_facets);
  CHECK(runs > 150 && refused * 10 < runs);  // the path answers for most regions
  CHECK(certified * 10 > lp_facets * 8);     // and certifies most facets
  CHECK(brute_checked == 30);
}

// A cone apex inside the box with four facets through it (a pyramid): more
// than d constraints tight at a vertex, refused. So is a duplicated neuron
// bounding the region, a hyperplane through a box corner, and the whole
// space, a ball, d = 2 and d past kMaxDim.
static void test_degenerate_regions_are_refused() {
  const Domain box3 = Domain::box({-1, -1, -1}, {1, 1, 1});
  const std::vector<signed char> stable4(4, 0), stable3(3, 0), stable1(1, 0);
  PolytopeClip clip;
  LocalForms f;
  {
    // x + 2.3z > 0, -x + 2.1z > 0, y + 2.2z > 0, -y + 1.9z > 0: apex at 0.
    Network net = one_layer({1, 0, 2.3, -1, 0, 2.1, 0, 1, 2.2, 0, -1, 1.9}, {0, 0, 0, 0}, 3);
    const Pattern p{0b1111};
    net.local_forms(p.data(), f);
    RegionRows rows(box3, stable4, 1e-9);
    rows.load(f, p.data());
    const double inside[] = {0.0, 0.0, 0.5};
    CHECK(!clip.run(rows, inside));
    // Three of them: a simple apex, answered.
    Network three = one_layer({1, 0, 2.3, -1, 0, 2.1, 0, 1, 2.2}, {0, 0, 0}, 3);
    const Pattern q{0b111};
    three.local_forms(q.data(), f);
    RegionRows rows3(box3, stable3, 1e-9);
    rows3.load(f, q.data());
    CHECK(clip.run(rows3, inside));
    CHECK(clip.facet_neurons().size() == 3);
  }
  {
    // x > 0.1 twice (the second scaled by 2), y > 0.2, z > 0.3.
    Network net = one_layer({1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1}, {-0.1, -0.2, -0.2, -0.3}, 3);
    const Pattern p{0b1111};
    net.local_forms(p.data(), f);
    RegionRows rows(box3, stable4, 1e-9);
    rows.load(f, p.data());
    const double inside[] = {0.5, 0.5, 0.5};
    CHECK(!clip.run(rows, inside));
  }
  {
    // x + y + z < 3 touches the box at its corner (1, 1, 1) only.
    Network net = one_layer({1, 1, 1}, {-3}, 3);
    const Pattern p{0};
    net.local_forms(p.data(), f);
    RegionRows rows(box3, stable1, 1e-9);
    rows.load(f, p.data());
    const double inside[] = {0.0, 0.0, 0.0};
    CHECK(!clip.run(rows, inside));
    // Moved off the corner by 1e-6, it cuts the corner off: one vertex
    // removed, three added.
    Network off = one_layer({1, 1, 1}, {-3 + 1e-6}, 3);
    off.local_forms(p.data(), f);
    rows.load(f, p.data());
    CHECK(clip.run(rows, inside));
    CHECK(clip.vertices() == 8 - 1 + 3 && clip.facet_neurons().size() == 1);
    // A small triangle: its centroid is 1e-6 / 3 from the box's faces.
    double pt[3], m = 0.0;
    CHECK(clip.edge(0, pt, &m) == EdgeVerdict::Certified && std::abs(m - 1e-6 / 3) < 1e-12);
  }
  {
    Network net = one_layer({1, 0, 0}, {0.0}, 3);
    const Pattern p{1};
    net.local_forms(p.data(), f);
    const double inside[] = {0.5, 0.0, 0.0};
    for (const Domain& dom : {Domain::whole(3), Domain::ball({0, 0, 0}, 1.0)}) {
      RegionRows rows(dom, stable1, 1e-9);
      rows.load(f, p.data());
      CHECK(!clip.run(rows, inside));
    }
  }
  {
    const int d = PolytopeClip::kMaxDim + 1;
    std::vector<double> w(static_cast<std::size_t>(d), 0.0);
    w[0] = 1.0;
    Network net = one_layer(w, {0.0}, d);
    const Pattern p{1};
    net.local_forms(p.data(), f);
    const Domain box = Domain::box(std::vector<double>(static_cast<std::size_t>(d), -1.0),
                                   std::vector<double>(static_cast<std::size_t>(d), 1.0));
    RegionRows rows(box, stable1, 1e-9);
    rows.load(f, p.data());
    std::vector<double> inside(static_cast<std::size_t>(d), 0.0);
    inside[0] = 0.5;
    CHECK(!clip.run(rows, inside.data()));
  }
}

int main() {
  test_verdicts_agree_with_the_facet_lp();
  test_degenerate_regions_are_refused();
  if (failures == 0) std::printf("test_clip: all checks passed\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
