// Counters of a walk, defined once: the struct, its merging and the binding's
// dict (and the typed stub, checked by a test) all follow this list.
#pragma once
#include <cstdint>

namespace regionwalk {

// X(name, meaning)
#define REGIONWALK_WALK_COUNTERS(X)                                                                  \
  X(regions_expanded, "regions whose facets were all looked at")                                     \
  X(facet_tests, "facet tests that needed geometry (clipping or an LP)")                              \
  X(facets_found, "facet tests that found a facet (crossed)")                                        \
  X(skipped_visited, "neighbours already known: no LP needed")                                       \
  X(inherited_proofs, "no facet, by a proof carried unchanged from the region walked from, or mailed") \
  X(rechecked_proofs, "no facet, by a carried proof re-checked with this region's forms")            \
  X(proof_errors, "audit mode only: carried proofs the LP contradicts")                              \
  X(lp_solves, "LP solves")                                                                          \
  X(lp_iterations, "LP and QP iterations")                                                           \
  X(qp_solves, "ball projection QP solves")                                                          \
  X(undecided, "facet tests that hit a solver limit: the walk is then not certified")               \
  X(witness_failures, "crossings that failed to land in a region: the walk is then not certified")  \
  X(stable_neurons, "neurons of fixed sign over the whole domain")                                  \
  X(subdivision_vertices, "vertices of the complex, where the box's complex answered instead of a walk") \
  X(subdivision_refusals, "complexes given up for the walk (degenerate, too large or interrupted)")

struct WalkStats {
#define REGIONWALK_DECLARE(name, meaning) std::int64_t name = 0;
  REGIONWALK_WALK_COUNTERS(REGIONWALK_DECLARE)
#undef REGIONWALK_DECLARE
  double seconds = 0.0;

  void add(const WalkStats& o) {
#define REGIONWALK_ADD(name, meaning) name += o.name;
    REGIONWALK_WALK_COUNTERS(REGIONWALK_ADD)
#undef REGIONWALK_ADD
  }
};

}  // namespace regionwalk
