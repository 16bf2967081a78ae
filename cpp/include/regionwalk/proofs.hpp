// Carried proofs: LP duals showing that a neuron's hyperplane is no facet,
// passed from a region to the regions found across its facets (DESIGN.md
// section 2.6), and by mail to known neighbours not yet expanded (only those
// that hold unchanged; mailbox.hpp). A proof is stored as
//   (j, n, same, mu, r_1 .. r_n, lambda_1 .. lambda_n)
// in 16-bit cells (each float takes two): the facet LP of j was bounded by
// the rows r_i alone (neurons >= 0, domain rows < 0) with these multipliers.
// `same` says that j and every r_i kept their rows on the way (same sign, no
// earlier layer flipped): that same relaxation holds, so j is no facet there
// either. Otherwise, across a single neuron m, the multipliers are re-checked
// with the neighbour's forms (ProofCheck::dual_holds). The frontier holds
// many proofs: hence the small cells.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regionwalk/pattern.hpp"

namespace regionwalk {

class CarriedProofs {
 public:
  using Cell = std::int16_t;
  using Cells = std::vector<Cell>;
  static constexpr std::size_t kHead = 5;
  static constexpr int kMaxNeurons = INT16_MAX;  // larger nets carry no proofs
  // Proofs that grew past this many rows (one per re-check) are not passed on.
  static constexpr int kMaxRows = 24;

  void clear() { cells_.clear(); }
  bool empty() const { return cells_.empty(); }
  // A new proof for j; the caller guarantees that every row fits a cell.
  void add(int j, const std::vector<int>& rows, const std::vector<float>& lambdas, float mu);
  // Keeps a proof of `from` (at offset `at`) that held here, for this region's neighbours.
  void keep(const Cells& from, int at);
  // The proofs worth passing to a neighbour whose pattern differs in
  // `flipped` (layer_of: each neuron's layer; single: the one flipped neuron
  // or -1), with `same` set where they hold unchanged.
  void for_neighbour(const Pattern& flipped, const std::vector<int>& layer_of, int single, Cells& out) const;

  // Reading a proof list.
  static std::size_t next(const Cells& c, std::size_t i) { return i + kHead + 3 * static_cast<std::size_t>(c[i + 1]); }
  static int neuron(const Cells& c, std::size_t i) { return c[i]; }
  static bool same(const Cells& c, std::size_t i) { return c[i + 2] != 0; }
  static float mu(const Cells& c, std::size_t i);
  static void read(const Cells& c, std::size_t i, std::vector<int>& rows, std::vector<float>& lambdas);
  // Indexes a list by neuron (offset into it, -1: none); unindex resets.
  static void index(const Cells& c, std::vector<int>& at);
  static void unindex(const Cells& c, std::vector<int>& at);
  // Whether a list is well formed for a net of `neurons` (decoding untrusted bytes).
  static bool valid(const Cells& c, int neurons);

 private:
  void put(float f);
  Cells cells_;
};

}  // namespace regionwalk
