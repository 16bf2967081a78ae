// The region walk (DESIGN.md section 2): breadth-first over the adjacency
// graph of the regions that meet the domain, each pattern visited once. This
// is the schedule (frontier, threads, limits, cancellation, progress); the
// geometry is the Expander's (expand.hpp), the bookkeeping the
// RegionCollector's (collect.hpp).
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "regionwalk/cancellation.hpp"
#include "regionwalk/collect.hpp"
#include "regionwalk/domain.hpp"
#include "regionwalk/frontier_item.hpp"
#include "regionwalk/lp_solver.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/pattern.hpp"
#include "regionwalk/walk_stats.hpp"

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
  // A walk stopped by a limit returns its state (WalkResult::state) to be
  // continued later by walk(..., &state).
  bool keep_state = false;
  // Called once per new region (see RegionVisitor).
  RegionVisitor on_region;
  // The facet LPs' backend, one per thread (default: the dense active-set method).
  SolverFactory solver;
  // Boxes of 3 to 8 dimensions, with no limit but memory: the whole complex
  // (subdivide.hpp) where it answers, else the walk.
  bool subdivide = true;
};

// Shared with the caller while the walk runs: a cancel flag, the caller's
// poll (the walk runs on the calling thread, as one of its workers: see
// Cancellation) and live counts.
struct WalkControl : Cancellation {
  // Written as regions are found, away from the flag and poll that every step reads.
  alignas(64) std::atomic<std::int64_t> regions{0};
  std::atomic<std::int64_t> frontier{0};  // regions found but not yet expanded
  std::atomic<std::int64_t> bytes{0};     // the walk's own data, estimated
};

// Complete: the frontier ran dry. Memory: max_memory was reached or an
// allocation failed; what was found so far is returned.
enum class StopReason { Complete, MaxRegions, TimeLimit, Cancelled, Memory };


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
  Bytes state;  // with keep_state, when stopped by a limit: encode_state() of the walk
  std::string subdivision_refusal;  // why the box's complex handed the box to the walk ("" if it did not)
};

// Walks from the region of `seed` (a point of the open domain), or continues
// the walk saved in `resume` (then the seed is not used). Patterns, points
// and count cover every segment of a continued walk. Throws
// std::invalid_argument for inconsistent inputs or a state of another walk,
// and std::runtime_error when no interior point can be found near the seed.
WalkResult walk(const Network& net, const Domain& domain, const double* seed, const WalkOptions& options,
                WalkControl& control, const Bytes* resume = nullptr);

}  // namespace regionwalk
