#include "pybind11.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "regionwalk/walk.hpp"

namespace regionwalk::bind {

namespace {

const char* reason_name(StopReason r) {
  switch (r) {
    case StopReason::Complete: return "complete";
    case StopReason::MaxRegions: return "max_regions";
    case StopReason::TimeLimit: return "time_limit";
    case StopReason::Cancelled: return "interrupted";
    case StopReason::Memory: return "memory";
  }
  return "unknown";
}

using Progress = std::function<void(std::int64_t, double, std::int64_t)>;

constexpr double kPoll = 0.02, kSlowestPoll = 0.2;  // seconds between polls for Ctrl-C and progress

// Ctrl-C (a KeyboardInterrupt raised by Python's signal handler, or by the
// progress callback) stops the walk and is swallowed: the partial result goes
// back marked "interrupted". Any other exception is raised again.
bool swallow_keyboard_interrupt() {
  if (!PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) return false;
  PyErr_Clear();
  return true;
}

// Runs the walk on this thread with the GIL released; between regions (and
// steps of the box's complex) the walk hands back every 20 ms to poll: with
// the GIL held briefly, Ctrl-C is looked for and progress reported. Where
// the GIL is slow to come (another Python thread is busy), the polls space
// out, up to 0.2 s apart, so that waiting for it costs the walk little.
// Returns whether the walk was interrupted (a Python error may then be pending).
bool run_polling(const Network& net, const Domain& dom, const std::vector<double>& seed, const WalkOptions& opt,
                 const Bytes* resume, const std::optional<Progress>& progress, double progress_interval,
                 WalkControl& control, WalkResult& res) {
  bool interrupted = false;
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  control.set_poll([&] {
    const auto asked = std::chrono::steady_clock::now();
    py::gil_scoped_acquire acquire;
    if (std::chrono::steady_clock::now() - asked > std::chrono::milliseconds(1))
      control.set_interval(std::min(2.0 * control.interval(), kSlowestPoll));
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted = true;
      control.cancel = true;  // the walk stops within one region's work
    }
    const auto now = std::chrono::steady_clock::now();
    if (!interrupted && progress && std::chrono::duration<double>(now - last_report).count() >= progress_interval) {
      last_report = now;
      try {
        (*progress)(control.regions.load(), std::chrono::duration<double>(now - start).count(),
                    control.frontier.load());
      } catch (py::error_already_set& e) {
        e.restore();  // re-raised after the walk has stopped
        interrupted = true;
        control.cancel = true;
      }
    }
  }, kPoll);
  py::gil_scoped_release release;
  res = walk(net, dom, seed.data(), opt, control, resume);
  return interrupted;
}

py::dict stats_dict(const WalkStats& s) {
  py::dict stats;
#define REGIONWALK_FIELD(name, meaning) stats[#name] = s.name;
  REGIONWALK_WALK_COUNTERS(REGIONWALK_FIELD)
#undef REGIONWALK_FIELD
  stats["seconds"] = s.seconds;
  return stats;
}

py::dict result_dict(WalkResult& res, bool store_points, const WalkControl& control) {
  const auto n = static_cast<py::ssize_t>(res.count);
  py::dict out;
  out["count"] = res.count;
  out["patterns"] = adopt_array(std::move(res.patterns), n, res.words);
  if (store_points) {
    out["points"] = adopt_array(std::move(res.points), n, res.dim);
  } else {
    out["points"] = py::none();
  }
  out["stop"] = reason_name(res.stop);
  out["certified"] = res.certified();
  out["bytes"] = control.bytes.load();
  out["stats"] = stats_dict(res.stats);
  if (res.subdivision_refusal.empty())
    out["subdivision_refusal"] = py::none();
  else
    out["subdivision_refusal"] = res.subdivision_refusal;
  if (res.state.empty())
    out["state"] = py::none();
  else
    out["state"] = py::bytes(reinterpret_cast<const char*>(res.state.data()), static_cast<py::ssize_t>(res.state.size()));
  return out;
}

py::dict run_walk(const Network& net, const Domain& dom, const array_t<double>& seed_arr, double tol,
                  std::int64_t max_regions, double time_limit, int threads, bool store_points,
                  const std::optional<Progress>& progress, double progress_interval, bool audit_proofs,
                  std::int64_t max_memory, const std::optional<py::bytes>& state, bool keep_state,
                  const py::object& solver, bool subdivide) {
  const std::vector<double> seed = to_vector(seed_arr, "seed", net.input_dim());
  const std::shared_ptr<py::object> held = hold_solver(solver);  // outlives the walk's threads
  WalkOptions opt;
  opt.solver = solver_factory(held);
  opt.tol = tol;
  opt.max_regions = max_regions;
  opt.time_limit = time_limit;
  opt.threads = threads;
  opt.store_points = store_points;
  opt.audit_proofs = audit_proofs;
  opt.max_memory = max_memory;
  opt.keep_state = keep_state;
  opt.subdivide = subdivide;
  std::optional<Bytes> resume;
  if (state) {
    const std::string_view s = *state;
    resume.emplace(s.begin(), s.end());
  }
  WalkControl control;
  WalkResult res;
  const bool interrupted = run_polling(net, dom, seed, opt, resume ? &*resume : nullptr, progress,
                                       progress_interval, control, res);
  if (interrupted && !swallow_keyboard_interrupt()) throw py::error_already_set();
  if (interrupted) res.stop = StopReason::Cancelled;
  return result_dict(res, store_points, control);
}

}  // namespace

void bind_walk(py::module_& m) {
  m.def("walk", &run_walk, py::arg("network"), py::arg("domain"), py::arg("seed"), py::arg("tol") = 0.0,
        py::arg("max_regions") = -1, py::arg("time_limit") = -1.0, py::arg("threads") = 1,
        py::arg("store_points") = true, py::arg("progress") = py::none(), py::arg("progress_interval") = 0.5,
        py::arg("audit_proofs") = false, py::arg("max_memory") = -1, py::arg("state") = py::none(),
        py::arg("keep_state") = false, py::arg("solver") = py::none(), py::arg("subdivide") = true, "Walk the regions that meet the domain; returns a dict of arrays.");
  m.def("walk_stats_fields", [] {
    py::dict d;
#define REGIONWALK_MEANING(name, meaning) d[#name] = meaning;
    REGIONWALK_WALK_COUNTERS(REGIONWALK_MEANING)
#undef REGIONWALK_MEANING
    d["seconds"] = "wall time of the walk";
    return d;
  }, "The walk's counters and what each means.");
}

}  // namespace regionwalk::bind
