// The one header that includes pybind11, so every binding file sees the same casters.
#pragma once
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace regionwalk::bind {

template <class T>
using array_t = py::array_t<T, py::array::c_style | py::array::forcecast>;

inline std::vector<double> to_vector(const array_t<double>& a, const char* what, py::ssize_t size = -1) {
  if (a.ndim() != 1) throw std::invalid_argument(std::string(what) + " must be a 1-D array");
  if (size >= 0 && a.shape(0) != size)
    throw std::invalid_argument(std::string(what) + " must have length " + std::to_string(size) +
                                ", got " + std::to_string(a.shape(0)));
  return std::vector<double>(a.data(), a.data() + a.shape(0));
}

// An array of `shape` that takes over `values` (no copy: a walk's results
// run to hundreds of megabytes); the vector is freed with the array.
template <class T>
py::array_t<T> adopt_array(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  py::ssize_t size = 1;
  for (py::ssize_t n : shape) size *= n;
  if (static_cast<std::size_t>(size) != values.size())
    throw std::logic_error("adopt_array: the shape does not match the values");
  auto owner = std::make_unique<std::vector<T>>(std::move(values));
  T* data = owner->data();
  py::capsule free_it(owner.get(), [](void* p) { delete static_cast<std::vector<T>*>(p); });
  owner.release();  // the capsule owns it now
  return py::array_t<T>(std::move(shape), data, free_it);
}

template <class T>
py::array_t<T> adopt_array(std::vector<T>&& values, py::ssize_t rows, py::ssize_t cols) {
  return adopt_array(std::move(values), std::vector<py::ssize_t>{rows, cols});
}

template <class T>
py::array_t<T> adopt_array(std::vector<T>&& values) {
  const auto n = static_cast<py::ssize_t>(values.size());
  return adopt_array(std::move(values), std::vector<py::ssize_t>{n});
}

void bind_network(py::module_& m);
void bind_walk(py::module_& m);
void bind_expand(py::module_& m);
void bind_solver(py::module_& m);
}  // namespace regionwalk::bind

#include <memory>

#include "regionwalk/lp_solver.hpp"

namespace regionwalk::bind {
// A Python LP solver (see bind_solver.cpp) behind the core's solver seam.
std::shared_ptr<py::object> hold_solver(const py::object& solve);
SolverFactory solver_factory(const std::shared_ptr<py::object>& fn);

}  // namespace regionwalk::bind
