// Lesson 10: the memory/energy calculator's tables and formulas (energy.hpp).
#include "core/learn/energy.hpp"

#include <array>
#include <cmath>

namespace qs::learn {

std::span<const EnergyEntry> horowitz_energy_table() {
    static constexpr std::array<EnergyEntry, 11> table{{
        {"8b Add", 0.03},
        {"16b Add", 0.05},
        {"32b Add", 0.1},
        {"16b FP Add", 0.4},
        {"32b FP Add", 0.9},
        {"8b Mult", 0.2},
        {"32b Mult", 3.1},
        {"16b FP Mult", 1.1},
        {"32b FP Mult", 3.7},
        {"32b SRAM Read (8KB)", 5.0},
        {"32b DRAM Read", 640.0},
    }};
    return table;
}

std::string_view mac_format_name(MacFormat f) {
    switch (f) {
        case MacFormat::FP32: return "FP32";
        case MacFormat::FP16: return "FP16";
        case MacFormat::INT8: return "INT8";
    }
    return "?";
}

MacEnergy mac_energy(MacFormat f) {
    const auto t = horowitz_energy_table();
    auto pj = [&](std::string_view op) {
        for (const auto& e : t)
            if (e.operation == op) return e.picojoules;
        return 0.0;
    };
    MacEnergy m;
    double bits = 32;
    switch (f) {
        case MacFormat::FP32:
            m.mult_pj = pj("32b FP Mult");
            m.add_pj = pj("32b FP Add");
            break;
        case MacFormat::FP16:
            m.mult_pj = pj("16b FP Mult");
            m.add_pj = pj("16b FP Add");
            bits = 16;
            break;
        case MacFormat::INT8:
            m.mult_pj = pj("8b Mult");
            m.add_pj = pj("32b Add");  // int8 products are summed in an int32 accumulator
            bits = 8;
            break;
    }
    m.weight_dram_pj = pj("32b DRAM Read") * bits / 32.0;
    m.weight_sram_pj = pj("32b SRAM Read (8KB)") * bits / 32.0;
    return m;
}

std::span<const ModelPreset> model_presets() {
    // Parameter counts and attention shapes from the models' papers / configs.
    static constexpr std::array<ModelPreset, 6> presets{{
        {"GPT-3 175B", 175e9, 96, 96, 128},
        {"BLOOM 176B", 176e9, 70, 112, 128},
        {"Llama-2-70B", 70e9, 80, 8, 128},
        {"Llama-2-7B", 7e9, 32, 32, 128},
        {"Mistral 7B", 7.2e9, 32, 8, 128},
        {"demo MLP (digits)", 17226, 0, 0, 0},
    }};
    return presets;
}

double weight_bytes(double params, double bits_per_weight) { return params * bits_per_weight / 8.0; }

double kv_cache_bytes(int layers, int kv_heads, int head_dim, double context, double batch, double bytes_per_element) {
    return 2.0 * double(layers) * double(kv_heads) * double(head_dim) * context * batch * bytes_per_element;
}

double growth_after(double per_2y, double years) { return std::pow(per_2y, years / 2.0); }

double max_tokens_per_second(double bandwidth_bytes_per_s, double model_bytes) {
    return model_bytes > 0 ? bandwidth_bytes_per_s / model_bytes : 0.0;
}

double arithmetic_intensity(double bits_per_weight, double batch) {
    return bits_per_weight > 0 ? 2.0 * batch / (bits_per_weight / 8.0) : 0.0;
}

}  // namespace qs::learn
