// Function multi-versioning for the hot loops: on x86-64 Linux each function
// marked REGIONWALK_HOT is compiled twice, for AVX2 and for the baseline, and
// the loader picks one per machine (an ELF ifunc), so a wheel stays portable.
// Floating-point contraction is off (CMakeLists.txt): the wider vectors only
// change how many lanes run at once, never a rounding, so both versions give
// the same bits and the same counts.
#pragma once

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(REGIONWALK_NO_CLONES)
#define REGIONWALK_HOT __attribute__((target_clones("avx2", "default")))
#else
#define REGIONWALK_HOT
#endif

#include <cstddef>

namespace regionwalk {

// a.b over n entries in four partial sums: one vector, and no reassociation.
inline double dot4(const double* a, const double* b, std::size_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t q = 0;
  for (; q + 4 <= n; q += 4) {
    s0 += a[q] * b[q];
    s1 += a[q + 1] * b[q + 1];
    s2 += a[q + 2] * b[q + 2];
    s3 += a[q + 3] * b[q + 3];
  }
  for (; q < n; ++q) s0 += a[q] * b[q];
  return (s0 + s1) + (s2 + s3);
}

// a.b for long rows: sixteen partial sums, four independent vector chains
// (one chain waits on its adder's latency), folded pairwise; the tail, and
// rows under 64 entries (where it is no faster), as dot4. A fixed order of
// operations for each n, so every machine and clone gives the same bits.
// (Named sums: an array of them was vectorised across callers' loops, slowly.)
inline double wide_dot(const double* a, const double* b, std::size_t n) {
  if (n < 64) return dot4(a, b, n);
  double u0 = 0.0, u1 = 0.0, u2 = 0.0, u3 = 0.0, v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0;
  double w0 = 0.0, w1 = 0.0, w2 = 0.0, w3 = 0.0, x0 = 0.0, x1 = 0.0, x2 = 0.0, x3 = 0.0;
  std::size_t q = 0;
  for (; q + 16 <= n; q += 16) {
    const double* p = a + q;
    const double* r = b + q;
    u0 += p[0] * r[0];
    u1 += p[1] * r[1];
    u2 += p[2] * r[2];
    u3 += p[3] * r[3];
    v0 += p[4] * r[4];
    v1 += p[5] * r[5];
    v2 += p[6] * r[6];
    v3 += p[7] * r[7];
    w0 += p[8] * r[8];
    w1 += p[9] * r[9];
    w2 += p[10] * r[10];
    w3 += p[11] * r[11];
    x0 += p[12] * r[12];
    x1 += p[13] * r[13];
    x2 += p[14] * r[14];
    x3 += p[15] * r[15];
  }
  const double s0 = (u0 + v0) + (w0 + x0), s1 = (u1 + v1) + (w1 + x1);
  const double s2 = (u2 + v2) + (w2 + x2), s3 = (u3 + v3) + (w3 + x3);
  return ((s0 + s1) + (s2 + s3)) + dot4(a + q, b + q, n - q);
}

}  // namespace regionwalk
