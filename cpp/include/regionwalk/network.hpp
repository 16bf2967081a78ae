// A ReLU / LeakyReLU network as a stack of dense affine layers, and its local
// affine forms under an activation pattern (DESIGN.md section 1).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regionwalk/pattern.hpp"
#include "regionwalk/pattern_map.hpp"

namespace regionwalk {

struct Layer {
  int in = 0;
  int out = 0;
  std::vector<double> weight;  // row-major, out x in
  std::vector<double> bias;    // out
};

// Affine forms z_j(x) = a_j . x + c_j of every hidden neuron on one region.
// Stored by input coordinate (column q holds every neuron's coefficient on
// x_q): each layer's forms are then axpys over whole columns, which vectorise.
//
// Zero neurons (DESIGN.md section 1): a form that vanishes (exactly, or
// cancelled to rounding) is constant on the region and bounds nothing; one
// whose constant vanishes too is identically zero there: inactive (bit 0),
// and it splits nothing. "Cancelled" is judged against the size of the terms
// that were summed, so rescaling a neuron never changes the verdict.
struct LocalForms {
  int dim = 0;                // input dimension d
  int neurons = 0;            // hidden neurons N
  std::vector<double> a;      // d x N: a[q * N + j] is neuron j's coefficient on x_q
  std::vector<double> c;      // N
  std::vector<double> norm;   // N: |a_j|_2
  std::vector<char> flat;     // N: a_j vanishes: z_j is constant on the region
  std::vector<int> zeros;     // neurons with z_j identically zero on the region, ascending
  std::vector<int> live;      // scratch: a layer's inputs with a nonzero slope
  std::vector<double> scratch;  // scratch: per neuron |a_j|_inf
  std::vector<double> part;     // scratch: a planned layer's forms, (d + 1) x its kept neurons
  // The first layer's forms are its weights: kept from the last call for the
  // network with this id (Network::id()), with their norms; 0: none kept.
  std::uint64_t first_layer_of = 0;
  double coef(int j, int q) const {
    return a[static_cast<std::size_t>(q) * static_cast<std::size_t>(neurons) + static_cast<std::size_t>(j)];
  }
  bool is_zero(int j) const { return std::binary_search(zeros.begin(), zeros.end(), j); }
};

// Which of the last hidden layer's forms a walk wants: the others' neurons
// are stable over its domain (no row) and feed no later layer. local_forms
// given a plan leaves their coefficients, constant, norm and flags 0; the
// kept ones come out the same to the bit.
struct FormsPlan {
  std::vector<int> keep;       // kept neurons, as indices in the last hidden layer, ascending
  std::vector<double> weight;  // their weights, transposed: (layer's in) x keep.size()
  std::vector<double> bias;    // keep.size()
  std::vector<char> skipped;   // per hidden neuron
  bool skips = false;          // some neuron is skipped
};

// The terms of the second hidden layer's forms that are the same on every
// region of a domain: those of first-layer neurons of fixed sign over it
// (their forms are their weights, their slopes fixed). A small ball keeps
// most of its first layer stable, and a region then sums only the terms of
// its other inputs. The forms are a different sum of the same terms, so
// they may differ from the unplanned ones in the last bit; a walk uses them
// for every region alike.
struct FixedInputs {
  std::vector<char> input;   // per first-layer neuron: its term is in a and c
  std::vector<Word> mask;    // pattern words: the fixed neurons' bits ...
  std::vector<Word> bits;    // ... and their values
  std::vector<double> a;     // d x n: a[q * n + i], the terms summed in input order
  std::vector<double> c;     // n: the second layer's biases and the terms' constants
  // n is the second layer's width, or (compact) the number of neurons its
  // plan keeps when it is the last hidden layer: they come out the same.
  bool compact = false;
  bool empty() const { return c.empty(); }
  // Does the pattern give the fixed neurons their fixed signs?
  bool holds_for(const Word* pattern) const {
    for (size_t w = 0; w < mask.size(); ++w)
      if ((pattern[w] & mask[w]) != bits[w]) return false;
    return true;
  }
  // These terms (of the whole second layer) for the rows a plan keeps, when
  // the second layer is its last: the same numbers, compact. They serve
  // local_forms() with that plan only. Otherwise a copy.
  FixedInputs kept_rows(const FormsPlan& plan, bool second_is_last) const;
};

class Network {
 public:
  // layers[0..K-2] are followed by the activation, layers[K-1] is the output.
  // Throws std::invalid_argument on inconsistent shapes or non-finite values.
  // `map`: where its patterns sit in a larger network's (a pruned network).
  Network(std::vector<Layer> layers, double alpha, PatternMap map = {});

  // This network with its first layer replaced (of the same width): the
  // later layers are copied with what was derived from them.
  Network with_first_layer(Layer first) const;
  // This network with the first layer's bias replaced (same width, finite):
  // everything derived from the weights is copied, not derived again (balls
  // around many centres of one network differ in that bias alone).
  Network with_first_bias(std::vector<double> bias) const;

  int input_dim() const { return layers_.front().in; }
  int hidden_neurons() const { return hidden_; }
  int pattern_words() const { return words_for(hidden_); }
  int num_hidden_layers() const { return static_cast<int>(layers_.size()) - 1; }
  const std::vector<Layer>& layers() const { return layers_; }
  // First global neuron index of hidden layer l (l = 0 .. num_hidden_layers()).
  int layer_offset(int l) const { return offsets_[static_cast<size_t>(l)]; }
  double alpha() const { return alpha_; }
  // The full network's patterns of this one's (identity() unless pruned).
  const PatternMap& pattern_map() const { return map_; }
  // Distinct for networks built apart (copies share it: same weights).
  std::uint64_t id() const { return id_; }

  // Pattern of a point, by a forward pass in double precision.
  Pattern pattern_of(const double* x) const;
  // Pre-activations of every hidden neuron at x (N values). A sum that
  // cancels to rounding (below forward_cancel(fan-in) of its terms' sizes) is
  // exactly 0: a zero neuron then reads 0 wherever it is evaluated, never a
  // stray sign.
  std::vector<double> preactivations(const double* x) const;
  // The same into z (N values), with no allocation once `scratch` has grown.
  void preactivations(const double* x, double* z, std::vector<double>& scratch) const;

  // A local form counts as cancelled below this fraction of the summed terms'
  // sizes (forms are judged once per region: generous).
  static constexpr double kCancel = 1e-11;
  // A forward pass's sum of `fan_in` terms (and a bias) counts as cancelled
  // below this fraction of its terms' sizes: a few times the rounding error
  // of such a sum, far below the walk's margins (a looser rule zeroed real
  // pre-activations of witnesses in 784-input balls).
  static double forward_cancel(int fan_in) { return 16.0 * std::sqrt(fan_in + 1.0) * 2.220446049250313e-16; }
  // Local affine forms of all hidden neurons on the region of `pattern`,
  // with their norms and the neurons whose forms vanish (see LocalForms).
  // With `fixed` (from fixed_inputs()) the second layer starts from its
  // fixed terms on patterns that agree with them.
  void local_forms(const Word* pattern, LocalForms& out, const FormsPlan* plan = nullptr,
                   const FixedInputs* fixed = nullptr) const;
  // The fixed terms given the neurons' signs fixed over a domain (one entry
  // per hidden neuron, as stable_signs()); empty when there are none.
  FixedInputs fixed_inputs(const std::vector<signed char>& stable) const;
  // The plan skipping the last hidden layer's neurons marked in `skip` (one
  // entry per hidden neuron; marks in earlier layers are ignored). With one
  // hidden layer nothing is skipped: its forms are its weights.
  FormsPlan plan_forms(const std::vector<char>& skip) const;
  // Hidden layer of each neuron.
  int layer_of(int neuron) const;

 private:
  Network() = default;  // for with_first_layer only
  // Checks layer l and derives its transposed weights and row sums.
  void derive(size_t l);
  void find_vanishing(const Word* pattern, LocalForms& out, const FormsPlan* plan) const;
  // Adds layer l's forms from layer l - 1's (in `out`) to the n_out rows of
  // the columns at a + q * stride (q < d) and c, which hold their biases
  // (or their fixed terms: `skip` marks the inputs these hold already).
  void layer_forms(int l, const Word* pattern, LocalForms& out, const double* wt, size_t n_out, double* a,
                   size_t stride, double* c, const char* skip = nullptr) const;

  std::vector<Layer> layers_;
  std::vector<std::vector<double>> transposed_;  // per layer, in x out: column k of W is contiguous
  std::vector<std::vector<double>> abs_row_sums_;  // per layer, out: sum_k |W_ik|
  // Sets to 0 the pre-activations out[i] of layer l that cancel at input h.
  void zero_cancelled(int l, const std::vector<double>& h, double* out) const;
  std::vector<int> offsets_;
  int hidden_ = 0;
  double alpha_ = 0.0;
  std::uint64_t id_ = 0;
  PatternMap map_;
};

}  // namespace regionwalk
