// The expand step of the walk (DESIGN.md section 2.8): one region in, its
// neighbours out. For each hyperplane that may bound the region inside the
// domain it settles "facet or not" (a carried proof, the 2D polygon, or an
// LP), crosses each facet with a forward pass, and hands the neighbour's
// pattern and witness point to a NeighbourSink. Nothing here knows of threads,
// a frontier or a visited set: an Expander alone, with the default sink,
// expands any region (a distributed walk ships FrontierItems as bytes).
#pragma once
#include <vector>

#include <memory>

#include "regionwalk/domain.hpp"
#include "regionwalk/facet_lp.hpp"
#include "regionwalk/frontier_item.hpp"
#include "regionwalk/lp_solver.hpp"
#include "regionwalk/mailbox.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/planar_clip.hpp"
#include "regionwalk/polytope_clip.hpp"
#include "regionwalk/region_rows.hpp"
#include "regionwalk/walk_stats.hpp"

namespace regionwalk {

// What an expansion asks of its caller. The defaults know no region and never stop.
class NeighbourSink {
 public:
  enum class Verdict { New, Known, Stop };
  virtual ~NeighbourSink() = default;
  // Is this pattern found already? Then a facet towards it needs no LP.
  // `*box`: its mailbox, where the walk keeps them (else nullptr).
  virtual bool known(const Word* /*pattern*/, Mailbox** box) {
    *box = nullptr;
    return false;
  }
  // Are lookups worth a prefetch (known() reads memory past the caches)?
  virtual bool prefetching() { return false; }
  // A hint: known(pattern) may follow soon. Called for a set of patterns in
  // stage 0, then for the same in stage 1 (a lookup's memory in two steps).
  virtual void prefetch(const Word* /*pattern*/, int /*stage*/) {}
  // A neighbour: New keeps it, Known drops it, Stop ends the expansion.
  virtual Verdict found(const Word* /*pattern*/, const double* /*point*/) { return Verdict::New; }
  // Polled between facet tests: false ends the expansion.
  virtual bool keep_going() { return true; }
  // Mail (mailbox.hpp): proofs that hold unchanged in a known region, into its box.
  virtual void mail(Mailbox& /*box*/, const CarriedProofs::Cells& /*proofs*/) {}
  // A region about to be expanded: its mail, appended to `out` (its box closes).
  virtual void take_mail(const Word* /*pattern*/, CarriedProofs::Cells& /*out*/) {}
};

struct CrossingScratch;

class Expander {
 public:
  // `stable`: the neuron signs fixed over the domain (stable_signs());
  // `solver`: the facet LPs' backend (default: the dense active-set method).
  Expander(const Network& net, const Domain& dom, std::vector<signed char> stable, double tol,
           bool audit_proofs = false, std::unique_ptr<LpSolver> solver = nullptr);

  // The item of the region holding `seed` (nudged off boundaries when its own
  // region is thinner than tol). Throws std::runtime_error when none is found.
  FrontierItem seed(const double* seed);
  // Appends to `out` the region's neighbours that the sink kept, each with the
  // proofs that hold for it. False when the sink stopped the expansion: the
  // region then has to be expanded again for the walk to be complete.
  bool expand(const FrontierItem& region, NeighbourSink& sink, std::vector<FrontierItem>& out);

  // Whether its proofs fit their 16-bit cells (neurons and domain rows):
  // else no proofs are carried, nor mailed.
  static bool carries_proofs(const Network& net, const Domain& dom);
  // Whether mail pays: proofs are carried, and facet tests are LPs. Where
  // clipping settles them (polygons in the plane, polytopes in boxes of
  // d = 3..5) there is hardly a proof to mail, and the mailboxes cost 2-8 %.
  static bool mails(const Network& net, const Domain& dom);

  // Counters so far, the geometry's included.
  WalkStats stats() const;
  const std::vector<signed char>& stable() const { return stable_; }
  const Network& network() const { return net_; }
  const Domain& domain() const { return dom_; }

 private:
  // Which clipping answered for the region (none: every candidate goes to the LPs).
  enum class Clip { None, Planar, Polytope };
  // The candidate facets: where clipped, the rows carrying an edge (facet) of
  // the polygon (polytope); elsewhere every hyperplane meeting the domain.
  const std::vector<int>& candidates(Clip clip);
  // Where j's coincident rows are to be found (near the clipped region).
  const std::vector<int>& nearby(Clip clip) const;
  // Settles whether the hyperplane of `j` (with its coincident group) is a
  // facet; on a facet, writes the point on it and its margin.
  bool is_facet(const FrontierItem& region, int j, Clip clip, double* facet_point, double* margin);
  // Steps across j's facet from facet_point_ into the neighbour (nb_, point_).
  enum class Crossing { Crossed, NoFacet, Failed };
  Crossing cross(const FrontierItem& region, int j, double margin, CrossingScratch& cs);
  // A carried proof that j is no facet here (kept for the neighbours): the
  // item's own, or one mailed to it.
  bool proof_settles(const FrontierItem& region, int j);
  // A proof from proof_ (for j), kept for the neighbours and the mail.
  void add_proof(int j);
  // The known neighbour nb_ (its box) may take this region's proofs at the end.
  void note_known(Mailbox* box);
  // Proofs for the known neighbours met on the way whose boxes are still open.
  void send_mail(const FrontierItem& region, NeighbourSink& sink);
  void prefetch_neighbours(const FrontierItem& region, const std::vector<int>& candidates, NeighbourSink& sink);
  void pass_proofs(const FrontierItem& region, std::vector<FrontierItem>& out, std::size_t first);
  // The region's forms into forms_ (the first region's also make plan_).
  void region_forms(const Word* pattern);
  // Distance of x to the loaded region's rows and (a ball) the domain's boundary.
  double margin_at(const double* x) const;
  // A seed this far inside its region and the ball, relative to the ball's
  // radius, is its witness as it is.
  static constexpr double kRoomySeed = 1e-3;

  const Network& net_;
  const Domain& dom_;
  std::vector<signed char> stable_;
  double tol_;
  bool audit_;
  bool carry_;  // proofs fit their 16-bit cells (neurons and domain rows)
  std::vector<int> layer_of_;
  RegionRows rows_;
  FacetLp lp_;
  PlanarClip clip_;
  PolytopeClip poly_;
  LocalForms forms_;
  FormsPlan plan_;  // the regions' forms skip the last layer's stable neurons
  FixedInputs fixed_;  // the second layer's terms from first-layer neurons stable over the domain
  bool planned_ = false;
  WalkStats local_;
  // Scratch, per region.
  std::vector<int> group_, handled_list_, proof_at_, mail_at_, held_rows_;
  std::vector<char> handled_;
  std::vector<float> held_lambdas_;
  std::vector<double> alpha_;
  NoFacetProof proof_;
  CarriedProofs proofs_;
  // Those of proofs_ found by this region's own facet tests: the mail. The
  // proofs it inherited came from its finder, and mostly reached the
  // neighbours by the same way (a quarter of the memory for 80-90% of the
  // facet tests all proofs spare; bench/RESULTS.md, stop 32).
  CarriedProofs fresh_;
  CarriedProofs::Cells passed_, mail_;
  Pattern nb_, flipped_;
  std::vector<Word> known_;  // the patterns of known neighbours that have mailboxes, one after another
  std::vector<Mailbox*> boxes_;  // their boxes
  std::vector<double> point_, facet_point_, normal_, z_, forward_;
  LocalForms nb_forms_;
};

}  // namespace regionwalk
