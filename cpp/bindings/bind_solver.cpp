#include "pybind11.hpp"

#include <memory>

#include "regionwalk/facet_lp.hpp"
#include "regionwalk/lp_solver.hpp"
#include "regionwalk/stability.hpp"

namespace regionwalk::bind {

namespace {

LpStatus status_of(const std::string& s) {
  if (s == "optimal") return LpStatus::Optimal;
  if (s == "unbounded") return LpStatus::Unbounded;
  if (s == "iteration_limit") return LpStatus::IterationLimit;
  throw std::invalid_argument("an LP solver returned an unknown status '" + s + "'");
}

// Calls solve(A, b, c, v, equality) -> (status, v, active, multipliers, iterations)
// with the GIL held. `fn` is shared by every thread's solver: copying the
// shared_ptr touches no Python reference count.
void call(const std::shared_ptr<py::object>& fn, const LpProblem& p, LpSolution& out) {
  py::gil_scoped_acquire gil;
  const auto m = static_cast<py::ssize_t>(p.b.size());
  const auto n = static_cast<py::ssize_t>(p.n);
  array_t<double> A({m, n}), b(m), c(n), v(n);
  array_t<bool> eq(m);
  std::copy(p.A.begin(), p.A.end(), A.mutable_data());
  std::copy(p.b.begin(), p.b.end(), b.mutable_data());
  std::copy(p.c.begin(), p.c.end(), c.mutable_data());
  std::copy(p.v.begin(), p.v.end(), v.mutable_data());
  for (py::ssize_t i = 0; i < m; ++i) eq.mutable_data()[i] = p.equality[static_cast<size_t>(i)] != 0;
  const py::tuple r = (*fn)(A, b, c, v, eq);
  out.status = status_of(r[0].cast<std::string>());
  const auto x = r[1].cast<array_t<double>>();
  out.v.assign(x.data(), x.data() + x.size());
  const auto act = r[2].cast<array_t<std::int64_t>>();
  for (py::ssize_t i = 0; i < act.size(); ++i) out.active.push_back(static_cast<int>(act.data()[i]));
  const auto mul = r[3].cast<array_t<double>>();
  out.multipliers.assign(mul.data(), mul.data() + mul.size());
  out.iterations = r[4].cast<int>();
  if (out.v.size() != p.v.size() || out.active.size() != out.multipliers.size())
    throw std::invalid_argument("an LP solver returned arrays of the wrong sizes");
}

}  // namespace

// Holds the Python solver; destroy it with the GIL held (in the binding).
std::shared_ptr<py::object> hold_solver(const py::object& solve) {
  if (solve.is_none()) return nullptr;
  if (!PyCallable_Check(solve.ptr())) throw std::invalid_argument("solver must be callable or None");
  return std::make_shared<py::object>(solve);
}

SolverFactory solver_factory(const std::shared_ptr<py::object>& fn) {
  if (!fn) return {};
  return [fn] {
    return std::make_unique<ExternalSolver>([fn](const LpProblem& p, LpSolution& s) { call(fn, p, s); });
  };
}

void bind_solver(py::module_& m) {
  m.def("facet_test", [](const Network& net, const Domain& dom, const array_t<bool>& pattern, int j, double tol,
                         const py::object& solver) -> py::tuple {
    if (pattern.ndim() != 1 || pattern.shape(0) != net.hidden_neurons())
      throw std::invalid_argument("pattern must be a bool vector of length hidden_neurons");
    if (j < 0 || j >= net.hidden_neurons()) throw std::invalid_argument("neuron index out of range");
    Pattern p(static_cast<size_t>(net.pattern_words()), 0);
    for (int k = 0; k < net.hidden_neurons(); ++k)
      if (pattern.data()[k]) set_bit(p.data(), k);
    const double t = tol > 0 ? tol : 1e-9 * dom.scale();
    const std::vector<signed char> stable = stable_signs(net, dom);
    const std::shared_ptr<py::object> held = hold_solver(solver);
    const SolverFactory make = solver_factory(held);
    LocalForms forms;
    net.local_forms(p.data(), forms);
    RegionRows rows(dom, stable, t);
    rows.load(forms, p.data());
    if (rows.row_of(j) < 0) return py::make_tuple(false, -INFINITY, py::none());
    FacetLp lp(dom, t, make ? make() : nullptr);
    std::vector<double> inside(static_cast<size_t>(dom.dim)), point(static_cast<size_t>(dom.dim));
    if (!(lp.interior_point(rows, dom.center.data(), inside.data()) > t)) return py::make_tuple(false, -INFINITY, py::none());
    std::vector<int> group;
    rows.coincident(j, rows.neurons(), group);
    double margin = 0.0;
    const bool facet = lp.facet(rows, j, group, inside.data(), point.data(), &margin, nullptr);
    array_t<double> x(static_cast<py::ssize_t>(point.size()));
    std::copy(point.begin(), point.end(), x.mutable_data());
    return py::make_tuple(facet, margin, x);
  }, py::arg("network"), py::arg("domain"), py::arg("pattern"), py::arg("neuron"), py::arg("tol") = 0.0,
     py::arg("solver") = py::none(),
     "One facet test on a pattern's region: (is a facet, certified margin, point on the facet).");
}

}  // namespace regionwalk::bind
