// libFuzzer target: QuantSpec as JSON ({"scheme": "int", "bits": 4, ...} or a
// JSON string in the compact form). A spec that parses must survive
// spec_to_json and back unchanged. ("@file" specs are not fuzzed: they read files.)
#include "core/quant/spec.hpp"
#include "core/quant/spec_json.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return 0;
    auto s = qs::quant::spec_from_json(j);
    if (!s) return 0;
    if (!qs::quant::validate(*s)) return 0;
    auto again = qs::quant::spec_from_json(qs::quant::spec_to_json(*s));
    if (!again || !(*again == *s)) __builtin_trap();
    return 0;
}
