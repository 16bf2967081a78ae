#include "regionwalk/proofs.hpp"

#include <climits>
#include <cmath>
#include <cstring>

namespace regionwalk {

namespace {
float value(const CarriedProofs::Cell* c) {
  float f;
  std::memcpy(&f, c, sizeof f);
  return f;
}
}  // namespace

void CarriedProofs::put(float f) {
  Cell c[2];
  std::memcpy(c, &f, sizeof f);
  cells_.push_back(c[0]);
  cells_.push_back(c[1]);
}

void CarriedProofs::add(int j, const std::vector<int>& rows, const std::vector<float>& lambdas, float mu) {
  cells_.push_back(static_cast<Cell>(j));
  cells_.push_back(static_cast<Cell>(rows.size()));
  cells_.push_back(0);
  put(mu);
  for (int r : rows) cells_.push_back(static_cast<Cell>(r));
  for (float l : lambdas) put(l);
}

void CarriedProofs::keep(const Cells& from, int at) {
  const auto i = static_cast<std::size_t>(at);
  cells_.insert(cells_.end(), from.begin() + static_cast<long>(i), from.begin() + static_cast<long>(next(from, i)));
}

float CarriedProofs::mu(const Cells& c, std::size_t i) { return value(&c[i + 3]); }

void CarriedProofs::read(const Cells& c, std::size_t i, std::vector<int>& rows, std::vector<float>& lambdas) {
  const auto n = static_cast<std::size_t>(c[i + 1]);
  rows.assign(c.begin() + static_cast<long>(i + kHead), c.begin() + static_cast<long>(i + kHead + n));
  lambdas.resize(n);
  for (std::size_t r = 0; r < n; ++r) lambdas[r] = value(&c[i + kHead + n + 2 * r]);
}

void CarriedProofs::index(const Cells& c, std::vector<int>& at) {
  for (std::size_t i = 0; i < c.size(); i = next(c, i)) at[static_cast<std::size_t>(c[i])] = static_cast<int>(i);
}

void CarriedProofs::unindex(const Cells& c, std::vector<int>& at) {
  for (std::size_t i = 0; i < c.size(); i = next(c, i)) at[static_cast<std::size_t>(c[i])] = -1;
}

bool CarriedProofs::valid(const Cells& c, int neurons) {
  for (std::size_t i = 0; i < c.size();) {
    if (c.size() - i < kHead) return false;
    if (c[i] < 0 || c[i] >= neurons || c[i + 1] < 0) return false;
    const std::size_t end = next(c, i);
    if (end > c.size()) return false;
    for (std::size_t r = i + kHead; r < i + kHead + static_cast<std::size_t>(c[i + 1]); ++r)
      if (c[r] >= neurons) return false;
    i = end;
  }
  return true;
}

void CarriedProofs::for_neighbour(const Pattern& flipped, const std::vector<int>& layer_of, int single,
                                  Cells& out) const {
  // Across one neuron m, proofs not mentioning m go along for the dual
  // re-check (a proof holding m's row goes without it: the re-check bounds
  // that part over the domain); across several (coincident hyperplanes, zero
  // neurons turning on) only the unchanged ones.
  out.clear();
  int low = INT_MAX;  // lowest layer with a flipped bit (neurons are numbered layer by layer)
  for (std::size_t w = 0; w < flipped.size(); ++w)
    if (flipped[w] != 0) {
      low = layer_of[w * 64 + static_cast<std::size_t>(__builtin_ctzll(flipped[w]))];
      break;
    }
  for (std::size_t i = 0; i < cells_.size(); i = next(cells_, i)) {
    const int j = cells_[i];
    const auto n = static_cast<std::size_t>(cells_[i + 1]);
    if (get_bit(flipped.data(), j)) continue;  // j's own hyperplane was crossed: a facet
    bool same = layer_of[static_cast<std::size_t>(j)] <= low;
    int drop = -1, flips = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const int k = cells_[i + kHead + r];
      if (k < 0) continue;  // a domain row: always there
      if (get_bit(flipped.data(), k)) {
        ++flips;
        drop = static_cast<int>(r);
      }
      same = same && layer_of[static_cast<std::size_t>(k)] <= low;
    }
    if (flips > 0) same = false;
    if (flips > 1 || (!same && (single < 0 || n >= static_cast<std::size_t>(kMaxRows)))) continue;
    if (!same && std::isnan(value(&cells_[i + 3]))) continue;  // a ball's bound: re-checks need an LP dual
    const std::size_t at = out.size();
    out.insert(out.end(), cells_.begin() + static_cast<long>(i), cells_.begin() + static_cast<long>(next(cells_, i)));
    out[at + 2] = same ? 1 : 0;
    if (drop >= 0) {
      const auto dr = static_cast<std::size_t>(drop);
      const auto lam = static_cast<long>(at + kHead + n + 2 * dr);
      out.erase(out.begin() + lam, out.begin() + lam + 2);
      out.erase(out.begin() + static_cast<long>(at + kHead + dr));
      out[at + 1] = static_cast<Cell>(n - 1);
    }
  }
}

}  // namespace regionwalk
