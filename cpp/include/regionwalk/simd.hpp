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
