#include <optional>

#include "pybind11.hpp"

#include "regionwalk/domain.hpp"
#include "regionwalk/network.hpp"
#include "regionwalk/reduce.hpp"
#include "regionwalk/stability.hpp"

namespace regionwalk::bind {

namespace {

Network make_network(const std::vector<array_t<double>>& weights, const std::vector<array_t<double>>& biases,
                     double alpha) {
  if (weights.size() != biases.size())
    throw std::invalid_argument("need one bias vector per weight matrix");
  std::vector<Layer> layers;
  for (size_t l = 0; l < weights.size(); ++l) {
    const auto& W = weights[l];
    if (W.ndim() != 2) throw std::invalid_argument("weight " + std::to_string(l) + " must be a 2-D array");
    Layer L;
    L.out = static_cast<int>(W.shape(0));
    L.in = static_cast<int>(W.shape(1));
    L.weight.assign(W.data(), W.data() + W.size());
    L.bias = to_vector(biases[l], ("bias " + std::to_string(l)).c_str(), W.shape(0));
    layers.push_back(std::move(L));
  }
  py::gil_scoped_release release;  // the checks and transposes need no Python
  return Network(std::move(layers), alpha);
}

py::array_t<bool> unpack(const Pattern& p, int bits) {
  py::array_t<bool> out(bits);
  auto o = out.mutable_unchecked<1>();
  for (int j = 0; j < bits; ++j) o(j) = get_bit(p.data(), j);
  return out;
}

}  // namespace

void bind_network(py::module_& m) {
  py::class_<Network>(m, "Network")
      .def(py::init(&make_network), py::arg("weights"), py::arg("biases"), py::arg("alpha") = 0.0)
      .def_property_readonly("input_dim", &Network::input_dim)
      .def_property_readonly("hidden_neurons", &Network::hidden_neurons)
      .def("pattern_of", [](const Network& n, const array_t<double>& x) {
        auto v = to_vector(x, "x", n.input_dim());
        return unpack(n.pattern_of(v.data()), n.hidden_neurons());
      }, "Activation pattern of one point.")
      .def("with_first_bias", [](const Network& n, const array_t<double>& bias) {
        auto b = to_vector(bias, "bias", n.layers().front().out);
        py::gil_scoped_release release;  // copying megabytes needs no Python
        return n.with_first_bias(std::move(b));
      }, py::arg("bias"),
         "This network with its first layer's bias replaced; its weights' derived data copied, not derived again.")
      .def("local_forms", [](const Network& n, const array_t<bool>& pattern) {
        if (pattern.ndim() != 1 || pattern.shape(0) != n.hidden_neurons())
          throw std::invalid_argument("pattern must be a bool vector of length hidden_neurons");
        Pattern p(static_cast<size_t>(n.pattern_words()), 0);
        for (int j = 0; j < n.hidden_neurons(); ++j)
          if (pattern.data()[j]) set_bit(p.data(), j);
        LocalForms f;
        n.local_forms(p.data(), f);
        array_t<double> A({f.neurons, f.dim});
        double* out = A.mutable_data();
        for (int j = 0; j < f.neurons; ++j)
          for (int q = 0; q < f.dim; ++q) out[j * f.dim + q] = f.coef(j, q);
        array_t<double> c(f.neurons);
        std::copy(f.c.begin(), f.c.end(), c.mutable_data());
        return py::make_tuple(A, c);
      }, "Local affine forms (A, c) of every hidden neuron on a pattern's region.")
      .def("stable_signs", [](const Network& n, const Domain& d) {
        if (d.dim != n.input_dim()) throw std::invalid_argument("domain dimension does not match the network");
        auto s = stable_signs(n, d);
        py::array_t<signed char> out(static_cast<py::ssize_t>(s.size()));
        std::copy(s.begin(), s.end(), out.mutable_data());
        return out;
      }, "+1/-1 for neurons of fixed sign over the domain, 0 otherwise.")
      .def("interval_bounds", [](const Network& n, const Domain& d) {
        if (d.dim != n.input_dim()) throw std::invalid_argument("domain dimension does not match the network");
        auto b = interval_bounds(n, d);
        return py::make_tuple(py::array_t<double>(static_cast<py::ssize_t>(b.lower.size()), b.lower.data()),
                              py::array_t<double>(static_cast<py::ssize_t>(b.upper.size()), b.upper.data()));
      }, "Sound interval bounds of every pre-activation over the domain.");

  m.def("row_space", [](const array_t<double>& w) {
    if (w.ndim() != 2) throw std::invalid_argument("w must be a 2-D array");
    int r = 0;
    const auto rows = static_cast<int>(w.shape(0)), d = static_cast<int>(w.shape(1));
    const std::vector<double> b = row_space(std::vector<double>(w.data(), w.data() + w.size()), rows, d, &r);
    array_t<double> out({static_cast<py::ssize_t>(d), static_cast<py::ssize_t>(r)});
    std::copy(b.begin(), b.end(), out.mutable_data());
    return out;
  }, py::arg("w"), "Orthonormal basis (d, r) of the row space of w (Householder QR with column pivoting).");
  m.def("row_weight", [](const Network& net, const array_t<double>& basis) {
    const Layer& first = net.layers().front();
    if (basis.ndim() != 2 || basis.shape(0) != first.in)
      throw std::invalid_argument("basis must have shape (d, r), from row_space of the first layer");
    const auto r = static_cast<int>(basis.shape(1));
    std::vector<double> w = row_weight(first, basis.data(), r);
    return adopt_array(std::move(w), first.out, r);
  }, py::arg("network"), py::arg("basis"), "The first layer's weights times basis (n_1, r), as reduce computes them.");
  m.def("reduce", [](const Network& net, const Domain& dom, const std::optional<array_t<double>>& known,
                     const std::optional<array_t<double>>& known_weight, bool restrict) {
    if (dom.dim != net.input_dim()) throw std::invalid_argument("domain dimension does not match the network");
    KnownRowSpace given;
    if (known) {
      if (known->ndim() != 2 || known->shape(0) != dom.dim || known->shape(1) > dom.dim)
        throw std::invalid_argument("basis must have shape (d, r) with r <= d, from row_space of the first layer");
      given.basis = known->data();
      given.rank = static_cast<int>(known->shape(1));
    }
    if (known_weight) {
      const int rows = net.layers().front().out;
      if (!known || known_weight->ndim() != 2 || known_weight->shape(0) != rows || known_weight->shape(1) != given.rank)
        throw std::invalid_argument("weight must have shape (n_1, r), from row_weight of the basis given");
      given.weight = known_weight->data();
    }
    std::optional<Reduction> reduced;
    std::optional<Restriction> sub;
    {
      py::gil_scoped_release release;  // (the arrays given stay alive: the caller holds them)
      reduced.emplace(reduce(net, dom, known ? &given : nullptr));
      if (restrict) sub = restrict_ball(reduced->net, reduced->domain);
    }
    Reduction& red = *reduced;
    const auto d = static_cast<py::ssize_t>(red.origin.size());
    py::object scale = py::none(), basis = py::none(), span = py::none();
    if (!red.scale.empty()) scale = adopt_array(std::move(red.scale));
    if (red.rank > 0) basis = known ? py::object(*known) : py::object(adopt_array(std::move(red.basis), d, red.rank));
    py::object origin = adopt_array(std::move(red.origin));
    if (!sub) return py::make_tuple(std::move(red.net), std::move(red.domain), origin, scale, basis, red.shrink, span);
    span = adopt_array(std::move(sub->span), red.domain.dim, sub->domain.dim);
    return py::make_tuple(std::move(sub->net), std::move(sub->domain), origin, scale, basis, red.shrink, span);
  }, py::arg("network"), py::arg("domain"), py::arg("basis") = py::none(), py::arg("weight") = py::none(),
     py::arg("restrict") = false,
     "The walk's coordinates: (network, domain, origin, scale or None, basis or None, shrink, span or None); "
     "x = origin + scale*u (a box) or origin + basis @ y (a ball or the whole space, in the first layer's row "
     "space). `basis`: row_space(first layer's weights), and `weight`: row_weight(network, basis), when known "
     "already. With `restrict`, a ball is then restricted as restrict_ball does (y = centre + span @ z).");

  m.def("restrict_ball", [](const Network& net, const Domain& dom) -> py::object {
    if (dom.dim != net.input_dim()) throw std::invalid_argument("domain dimension does not match the network");
    std::optional<Restriction> r;
    {
      py::gil_scoped_release release;  // other threads' walks go on meanwhile (local_counts)
      r = restrict_ball(net, dom);
    }
    if (!r) return py::none();
    const auto s = static_cast<py::ssize_t>(r->domain.dim);
    py::object span = adopt_array(std::move(r->span), dom.dim, s);
    return py::make_tuple(std::move(r->net), std::move(r->domain), span);
  }, py::arg("network"), py::arg("domain"),
     "A ball's walk in the span S of its unstable neurons' fixed forms: (network, domain, span (d, s)) with "
     "y = centre + span @ z, or None where the domain is not a ball or S is not smaller.");

  m.def("full_patterns", [](const Network& net, const py::array_t<Word, py::array::c_style | py::array::forcecast>& packed) {
    const PatternMap& map = net.pattern_map();
    const auto n = static_cast<std::size_t>(packed.ndim() == 2 ? packed.shape(0) : 0);
    if (packed.ndim() != 2 || packed.shape(1) != net.pattern_words())
      throw std::invalid_argument("packed must have shape (n, " + std::to_string(net.pattern_words()) + ")");
    std::vector<Word> own(packed.data(), packed.data() + packed.size()), full;
    std::vector<std::size_t> order;
    if (map.identity()) {
      order.resize(n);
      for (std::size_t i = 0; i < n; ++i) order[i] = i;
      full = std::move(own);
    } else {
      map.expand_sorted(own, net.pattern_words(), n, full, order);
    }
    const auto words = map.identity() ? net.pattern_words() : map.words();
    std::vector<std::int64_t> at(order.begin(), order.end());
    return py::make_tuple(adopt_array(std::move(full), static_cast<py::ssize_t>(n), words), adopt_array(std::move(at)));
  }, py::arg("network"), py::arg("packed"),
     "A pruned network's packed patterns (n, its words) as its full network's, sorted: (patterns, order), "
     "order[i] the input row of the i-th (the identity where the network is not pruned).");

  py::class_<Domain>(m, "Domain")
      .def_static("box", [](const array_t<double>& lo, const array_t<double>& hi) {
        return Domain::box(to_vector(lo, "lo"), to_vector(hi, "hi"));
      })
      .def_static("ball", [](const array_t<double>& c, double r) { return Domain::ball(to_vector(c, "center"), r); })
      .def_static("whole", &Domain::whole)
      .def_readonly("dim", &Domain::dim)
      .def_property_readonly("scale", &Domain::scale);
}

}  // namespace regionwalk::bind
