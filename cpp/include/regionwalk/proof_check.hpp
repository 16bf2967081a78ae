// Checks of carried proofs (proofs.hpp) on the region they were passed to:
// is each row still there, and, where rows moved across one flipped neuron,
// does the proof still bound the facet LP (DESIGN.md section 2.6).
#pragma once
#include <vector>

#include "regionwalk/facet_lp.hpp"
#include "regionwalk/region_rows.hpp"

namespace regionwalk {

// Whether a proof's rows are all present here and outside j's coincident group
// (then, with every row unchanged, the same relaxation bounds j's LP).
bool proof_rows_present(const RegionRows& rows, const std::vector<int>& group, const int* proof_rows, int n);

// A proof from a neighbour across neuron m's hyperplane, whose rows may have
// changed (later-layer forms move by multiples of m's form). Sums the rows
// with their multipliers using this region's forms, adds m's row (m's sign
// here) to cancel the change, and bounds the sum over the domain's box: if
// that bounds j's facet LP at <= tol, j is no facet here, and `out` holds the
// proof valid here (m appended when used). Never in the whole space, where no
// box bounds the sum.
bool proof_rechecks(const RegionRows& rows, int j, const int* proof_rows, const float* lambdas, int n, float mu,
                    int m, NoFacetProof& out, std::vector<double>& scratch);

}  // namespace regionwalk
