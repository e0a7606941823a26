// Loading the quantization fixtures (tests/fixtures/quant/*.json, written by
// make_quant_fixtures.py from torch/NumPy/sklearn) and small helpers shared by
// the quant tests.
#pragma once

#include "core/quant/quantize.hpp"
#include "tests/support/test_paths.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace qs::test {

inline nlohmann::json quant_fixture(const std::string& name) {
    std::ifstream f(fixture("quant/" + name));
    return nlohmann::json::parse(f);
}

inline std::vector<float> floats(const nlohmann::json& a) {
    std::vector<float> v;
    for (const auto& x : a) v.push_back(float(x.get<double>()));
    return v;
}

// A tensor plus its view (the view points into this object: don't copy it around).
struct OwnedTensor {
    std::vector<float> data;
    std::vector<int64_t> shape;
    std::string name = "t";
    quant::TensorView view() const { return {data, shape, name}; }
};

}  // namespace qs::test
