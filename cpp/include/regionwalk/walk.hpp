// The region walk (DESIGN.md section 2): breadth-first over the adjacency
// graph of the regions that meet the domain, each pattern visited once.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/pattern.hpp"

namespace regionwalk {

struct WalkOptions {
  double tol = 0.0;                 // absolute margin; <= 0 means 1e-9 * domain scale
  std::int64_t max_regions = -1;    // < 0: no limit
  double time_limit = -1.0;         // seconds; < 0: no limit
  int threads = 1;
  bool store_points = true;
  // Stop (StopReason::Memory) before the walk's own data (visited set and
  // frontier) grows past this many bytes; < 0: no limit.
  std::int64_t max_memory = -1;
  // Testing aid: every facet test settled by a carried proof is also solved
  // by its LP; disagreements are counted in WalkStats::proof_errors.
  bool audit_proofs = false;
};

// Shared with the caller while the walk runs: a cancel flag and live counts.
struct WalkControl {
  std::atomic<bool> cancel{false};
  std::atomic<std::int64_t> regions{0};
  std::atomic<std::int64_t> frontier{0};  // regions found but not yet expanded
  std::atomic<std::int64_t> bytes{0};     // the walk's own data, estimated
};

// Complete: the frontier ran dry. Memory: max_memory was reached or an
// allocation failed; what was found so far is returned.
enum class StopReason { Complete, MaxRegions, TimeLimit, Cancelled, Memory };

struct WalkStats {
  std::int64_t regions_expanded = 0;
  std::int64_t facet_tests = 0;
  std::int64_t facets_found = 0;     // facet tests that found a facet (crossed)
  std::int64_t skipped_visited = 0;  // neighbours already known: no LP needed
  std::int64_t inherited_proofs = 0;  // no facet, by an LP certificate from the region walked from
  std::int64_t rechecked_proofs = 0;  // ... whose rows changed, re-checked with this region's forms
  std::int64_t proof_errors = 0;      // audit_proofs only: carried proofs the LP contradicts
  std::int64_t lp_solves = 0;
  std::int64_t lp_iterations = 0;
  std::int64_t qp_solves = 0;
  std::int64_t undecided = 0;
  std::int64_t witness_failures = 0;  // a crossing whose point did not reproduce its pattern
  std::int64_t stable_neurons = 0;
  double seconds = 0.0;
};

struct WalkResult {
  int words = 0;
  int dim = 0;
  std::int64_t count = 0;
  std::vector<Word> patterns;   // count x words, sorted
  std::vector<double> points;   // count x dim when stored
  StopReason stop = StopReason::Complete;
  WalkStats stats;
  // Every step settled exactly: no facet test hit a solver limit and every
  // crossing landed in its region. Without it a count may be off.
  bool certified() const { return stats.undecided == 0 && stats.witness_failures == 0; }
};

// Walks from the region of `seed` (a point of the open domain). Throws
// std::invalid_argument for inconsistent inputs and std::runtime_error when no
// interior point can be found near the seed.
WalkResult walk(const Network& net, const Domain& domain, const double* seed,
                const WalkOptions& options, WalkControl& control);

}  // namespace regionwalk
