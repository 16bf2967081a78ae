#include "pybind11.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "regionwalk's private compiled core; use the regionwalk package instead.";
  regionwalk::bind::bind_network(m);
  regionwalk::bind::bind_walk(m);
  regionwalk::bind::bind_expand(m);
  regionwalk::bind::bind_solver(m);
}
