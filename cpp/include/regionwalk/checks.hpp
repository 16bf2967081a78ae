// Input checks shared by the core's constructors.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace regionwalk {

// inf and NaN are the doubles whose exponent bits are all set: an or over
// the entries, with no branch per entry (so it vectorises).
inline bool all_finite(const std::vector<double>& v) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ULL;
  std::uint64_t bad = 0;
  for (double x : v) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    bad |= static_cast<std::uint64_t>((bits & kExponent) == kExponent);
  }
  return bad == 0;
}

inline void require_finite(const std::vector<double>& v, const std::string& what) {
  if (!all_finite(v)) throw std::invalid_argument(what + " contains NaN or inf");
}

}  // namespace regionwalk
