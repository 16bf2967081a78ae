// The solver seam (DESIGN.md section 2.7). The facet LPs keep their rows in
// an ActiveSetLp (dense, padded) and ask an LpSolver to maximise over some of
// them. DenseSolver is the active-set method of lp.hpp, the hot path;
// ExternalSolver hands the same problem, as plain arrays, to a function (the
// binding plugs HiGHS in there), so that backends can be compared on the
// walk's own LPs.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "regionwalk/lp.hpp"

namespace regionwalk {

class LpSolver {
 public:
  virtual ~LpSolver() = default;
  // Maximise c.v over the rows of `rows` listed in `listed` (A v <= b) from the
  // feasible point v (updated in place); rows in `equalities` stay tight.
  // `lift_last`: every listed row has the same positive coefficient on the
  // last variable (a margin), so any point is feasible once it is low enough.
  virtual LpStatus maximize(ActiveSetLp& rows, const double* c, double* v, const std::vector<int>& equalities,
                            const std::vector<int>& listed, double target, int max_iterations, bool lift_last) = 0;
  // After Optimal: the rows that certify the optimum and their multipliers
  // (c = sum multiplier * row, multipliers of inequalities >= 0).
  virtual const std::vector<int>& active_rows() const = 0;
  virtual const std::vector<double>& multipliers() const = 0;
  virtual int last_iterations() const = 0;
};

class DenseSolver final : public LpSolver {
 public:
  LpStatus maximize(ActiveSetLp& rows, const double* c, double* v, const std::vector<int>& equalities,
                    const std::vector<int>& listed, double target, int max_iterations, bool lift_last) override {
    last_ = &rows;
    return rows.maximize(c, v, equalities, listed, target, max_iterations, lift_last);
  }
  const std::vector<int>& active_rows() const override { return last_->active_rows(); }
  const std::vector<double>& multipliers() const override { return last_->multipliers(); }
  int last_iterations() const override { return last_->last_iterations(); }

 private:
  const ActiveSetLp* last_ = nullptr;
};

// Maximises c.v as `solver` does, over the listed rows loosened by tiny
// distinct amounts (at most `loosen`; their right-hand sides are restored
// after). Where many rows meet at one vertex (a bias-free net's apex), the
// active-set method can cycle on rounding-size steps until its iteration
// limit; loosened, the vertex splits and the solve ends. On Optimal, *bound
// is what the multipliers prove with the rows as they were: c.v <= *bound at
// every feasible point of the unloosened problem (a listed subset of rows
// only relaxes it further). Any other status proves nothing.
LpStatus maximize_loosened(LpSolver& solver, ActiveSetLp& rows, const double* c, double* v,
                           const std::vector<int>& equalities, const std::vector<int>& listed, double loosen,
                           int max_iterations, bool lift_last, double* bound);

// A maximisation problem as plain arrays: maximise c.v subject to
// A v <= b (rows of A row-major, n columns), the rows flagged in `equality`
// held as A v = b; v holds a feasible start.
struct LpProblem {
  int n = 0;
  std::vector<double> A, b, c, v;
  std::vector<char> equality;
};
struct LpSolution {
  LpStatus status = LpStatus::IterationLimit;
  std::vector<double> v;
  std::vector<int> active;           // indices into the problem's rows
  std::vector<double> multipliers;   // of the active rows
  int iterations = 0;
};
using LpFunction = std::function<void(const LpProblem&, LpSolution&)>;

class ExternalSolver final : public LpSolver {
 public:
  explicit ExternalSolver(LpFunction solve) : solve_(std::move(solve)) {}
  LpStatus maximize(ActiveSetLp& rows, const double* c, double* v, const std::vector<int>& equalities,
                    const std::vector<int>& listed, double target, int max_iterations, bool lift_last) override;
  const std::vector<int>& active_rows() const override { return active_; }
  const std::vector<double>& multipliers() const override { return multipliers_; }
  int last_iterations() const override { return iterations_; }

 private:
  LpFunction solve_;
  LpProblem problem_;
  LpSolution solution_;
  std::vector<int> active_;
  std::vector<double> multipliers_;
  int iterations_ = 0;
};

// Makes one solver per walker thread.
using SolverFactory = std::function<std::unique_ptr<LpSolver>()>;

}  // namespace regionwalk
