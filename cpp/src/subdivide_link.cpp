// The cut's own edges (subdivide.hpp). New vertex x lies on the 2-faces
// through its edge: one per constraint c of the edge dropped, on each side of
// c that is in the box. A 2-face's key (its sign vector: the tight set less c,
// and x's signs with c's set to the side) is met by exactly the two vertices
// where the cut crosses the face's boundary; they are joined.
#include <algorithm>

#include "regionwalk/parallel.hpp"
#include "regionwalk/subdivide.hpp"

namespace regionwalk {

namespace {


std::uint64_t mix(std::uint64_t h, Word w) {
  std::uint64_t z = h ^ (w + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t BoxSubdivision::face_hash(const FaceRecord& r) const {
  const auto W = static_cast<std::size_t>(words_), x = static_cast<std::size_t>(r.vertex);
  const auto at = static_cast<std::size_t>(r.drop >> 6);
  const Word bit = Word{1} << (r.drop & 63);
  std::uint64_t h = 0x2545F4914F6CDD1DULL;
  for (std::size_t i = 0; i < W; ++i) {
    const Word p = pos_[x * W + i];
    h = mix(h, i != at ? p : (r.side ? p | bit : p & ~bit));
  }
  for (std::size_t i = 0; i < W; ++i) h = mix(h, tight_[x * W + i] & (i != at ? ~Word{0} : ~bit));
  return h;
}

bool BoxSubdivision::same_face(const FaceRecord& a, const FaceRecord& b) const {
  const auto W = static_cast<std::size_t>(words_);
  auto word = [&](const FaceRecord& r, std::size_t i, bool tight) {
    const auto x = static_cast<std::size_t>(r.vertex);
    const Word bit = i == static_cast<std::size_t>(r.drop >> 6) ? Word{1} << (r.drop & 63) : 0;
    if (tight) return tight_[x * W + i] & ~bit;
    const Word p = pos_[x * W + i];
    return r.side ? p | bit : p & ~bit;
  };
  for (std::size_t i = 0; i < W; ++i)
    if (word(a, i, false) != word(b, i, false) || word(a, i, true) != word(b, i, true)) return false;
  return true;
}

// Chunk c of the new vertices' 2-faces (one per tight constraint but k, its
// last, and side of it in the box), hashed, into thread t's buckets by the
// hash's top bits.
void BoxSubdivision::face_records(std::size_t chunks, std::size_t c, int t) {
  const auto d = static_cast<std::size_t>(d_);
  std::vector<FaceRecord>* mine = &buckets_[static_cast<std::size_t>(t) * kBuckets];
  const auto [i0, i1] = share(fresh_.size(), static_cast<int>(chunks), static_cast<int>(c));
  for (std::size_t i = i0; i < i1; ++i) {
    const int x = fresh_[i];
    for (std::size_t r = 0; r + 1 < d; ++r) {
      const int c = tlist_[static_cast<std::size_t>(x) * d + r];
      for (int side = c < n_ ? 0 : 1; side <= 1; ++side) {
        FaceRecord rec{0, x, c, side, static_cast<int>(2 * r) + side};
        rec.hash = face_hash(rec);
        mine[rec.hash >> 56].push_back(rec);
      }
    }
  }
}

// The records of one bucket: equal keys come in pairs, whose vertices are
// joined (each in the slot of its record). An open-addressing table of the
// bucket's records by hash finds each one's partner (a sort took 3.3 times
// as long); a key met once, or three times, refuses.
bool BoxSubdivision::pair_bucket(const FaceRecord* recs, std::size_t n, PairScratch& scratch) {
  std::size_t size = 16;
  while (size < 2 * n) size *= 2;
  const std::size_t mask = size - 1;
  scratch.table.assign(size, -1);
  scratch.paired.assign(n, 0);
  const auto S = 2 * static_cast<std::size_t>(d_);
  std::size_t open = 0;  // records still waiting for their partner
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = recs[i].hash;
    std::size_t at = static_cast<std::size_t>(h) & mask;  // the top bits chose the bucket
    while (scratch.table[at] >= 0 && recs[static_cast<std::size_t>(scratch.table[at])].hash != h) at = (at + 1) & mask;
    if (scratch.table[at] < 0) {
      scratch.table[at] = static_cast<std::int32_t>(i);
      ++open;
      continue;
    }
    const auto j = static_cast<std::size_t>(scratch.table[at]);
    if (scratch.paired[j] || recs[i].vertex == recs[j].vertex || !same_face(recs[i], recs[j])) return false;
    scratch.paired[j] = 1;
    --open;
    nbr_[static_cast<std::size_t>(recs[i].vertex) * S + static_cast<std::size_t>(recs[i].slot)] = recs[j].vertex;
    nbr_[static_cast<std::size_t>(recs[j].vertex) * S + static_cast<std::size_t>(recs[j].slot)] = recs[i].vertex;
  }
  return open == 0;
}

bool BoxSubdivision::link(int k) {
  const int T = team(fresh_.size() * 8);
  buckets_.resize(static_cast<std::size_t>(T) * kBuckets);
  for (std::vector<FaceRecord>& b : buckets_) b.clear();
  // Chunks taken in turn (a vertex has one or two 2-faces per tight
  // constraint): which thread's buckets a record lands in changes no pair.
  const std::size_t C = chunks(T);
  run_chunks(T, C, [&](std::size_t c, int t) { face_records(C, c, t); });
  // Bucket b gathers every thread's part of it, in thread order; threads
  // pair contiguous runs of buckets (each slot is written by its own record).
  std::vector<char> ok(static_cast<std::size_t>(T), 1);
  run_parallel(T, [&](int t) {
    std::vector<FaceRecord> bucket;
    PairScratch scratch;
    const auto [b0, b1] = share(kBuckets, T, t);
    for (std::size_t b = b0; b < b1 && ok[static_cast<std::size_t>(t)]; ++b) {
      bucket.clear();
      for (std::size_t from = 0; from < static_cast<std::size_t>(T); ++from) {
        const std::vector<FaceRecord>& part = buckets_[from * kBuckets + b];
        bucket.insert(bucket.end(), part.begin(), part.end());
      }
      ok[static_cast<std::size_t>(t)] = pair_bucket(bucket.data(), bucket.size(), scratch);
    }
  });
  if (std::find(ok.begin(), ok.end(), 0) != ok.end())
    return refuse("a 2-face cut by neuron " + std::to_string(k) + " is not crossed exactly twice");
  return true;
}

}  // namespace regionwalk
