#include "pybind11.hpp"

#include <memory>

#include "regionwalk/expand.hpp"
#include "regionwalk/stability.hpp"

namespace regionwalk::bind {

namespace {

py::bytes to_bytes(const Bytes& b) {
  return py::bytes(reinterpret_cast<const char*>(b.data()), static_cast<py::ssize_t>(b.size()));
}

FrontierItem from_bytes(const py::bytes& b) {
  const std::string_view s = b;
  std::size_t at = 0;
  FrontierItem item = decode_item(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), &at);
  if (at != s.size()) throw std::invalid_argument("frontier item: trailing bytes");
  return item;
}

// An Expander with the tolerance resolved as the walk does.
std::unique_ptr<Expander> make_expander(const Network& net, const Domain& dom, double tol) {
  if (dom.dim != net.input_dim()) throw std::invalid_argument("domain dimension does not match the network");
  return std::make_unique<Expander>(net, dom, stable_signs(net, dom), tol > 0 ? tol : 1e-9 * dom.scale());
}

py::list expand(Expander& ex, const py::bytes& item_bytes) {
  const Network& net = ex.network();
  FrontierItem item = from_bytes(item_bytes);
  check_item(item, net.pattern_words(), net.input_dim(), net.hidden_neurons());
  std::vector<FrontierItem> out;
  {
    py::gil_scoped_release release;
    NeighbourSink every;  // no visited set: every neighbour comes back
    ex.expand(item, every, out);
  }
  py::list items;
  for (const FrontierItem& it : out) {
    Bytes b;
    encode_item(it, b);
    items.append(to_bytes(b));
  }
  return items;
}

}  // namespace

void bind_expand(py::module_& m) {
  // The Expander keeps references to its network and domain: keep_alive ties them to it.
  py::class_<Expander>(m, "Expander")
      .def(py::init(&make_expander), py::arg("network"), py::arg("domain"), py::arg("tol") = 0.0,
           py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def("seed", [](Expander& ex, const array_t<double>& seed) {
        const std::vector<double> x = to_vector(seed, "seed");
        Bytes b;
        encode_item(ex.seed(x.data()), b);
        return to_bytes(b);
      }, py::arg("seed"), "Frontier item (bytes) of the seed's region.")
      .def("expand", &expand, py::arg("item"), "Items (bytes) of the neighbours across the region's facets.")
      .def_property_readonly("stats", [](const Expander& ex) {
        py::dict d;
        const WalkStats s = ex.stats();
#define REGIONWALK_FIELD(name, meaning) d[#name] = s.name;
        REGIONWALK_WALK_COUNTERS(REGIONWALK_FIELD)
#undef REGIONWALK_FIELD
        return d;
      }, "Counters of the expansions so far.");
  m.def("item_pattern", [](const py::bytes& item) {
    const FrontierItem it = from_bytes(item);
    return py::bytes(reinterpret_cast<const char*>(it.pattern.data()),
                     static_cast<py::ssize_t>(it.pattern.size() * sizeof(Word)));
  }, py::arg("item"), "Packed pattern words of a frontier item, as bytes (a dedup key).");
  m.def("item_point", [](const py::bytes& item) {
    const FrontierItem it = from_bytes(item);
    array_t<double> out(static_cast<py::ssize_t>(it.point.size()));
    std::copy(it.point.begin(), it.point.end(), out.mutable_data());
    return out;
  }, py::arg("item"), "Witness point of a frontier item.");
}

}  // namespace regionwalk::bind
