// libFuzzer target: QuantSpec compact text ("int4:sym:group=128:calib=mse").
// Besides not crashing, a spec that parses must survive to_text and back unchanged
// and pass validate(): the GUI, CLI and plan files all rely on that round trip.
#include "core/quant/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto s = qs::quant::parse_spec_text(text);
    if (!s) return 0;
    if (!qs::quant::validate(*s)) return 0;
    auto again = qs::quant::parse_spec_text(qs::quant::to_text(*s));
    if (!again || !(*again == *s)) __builtin_trap();
    return 0;
}
