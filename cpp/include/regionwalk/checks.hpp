// Input checks shared by the core's constructors.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace regionwalk {

inline void require_finite(const std::vector<double>& v, const std::string& what) {
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument(what + " contains NaN or inf");
}

}  // namespace regionwalk
