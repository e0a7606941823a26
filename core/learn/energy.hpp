// Lesson 10 (why quantize): memory and energy arithmetic.
//   - weight memory = parameters x bits per weight / 8, plus an optional KV cache
//     2 x layers x kv_heads x head_dim x context x batch x bytes per element
//   - energy per operation at 45 nm from M. Horowitz, "Computing's energy problem
//     (and what we can do about it)", ISSCC 2014, p. 10-14 (rough figures)
//   - the memory wall: peak compute vs DRAM bandwidth growth (Gholami et al.,
//     "AI and Memory Wall", IEEE Micro 2024), and the decode-time bound
//     tokens/s <= bandwidth / weight bytes at batch 1.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace qs::learn {

inline constexpr std::string_view kHorowitzSource =
    "M. Horowitz, \"Computing's Energy Problem (and what we can do about it)\", "
    "IEEE ISSCC 2014, Digest of Technical Papers, pp. 10-14 (45 nm, 0.9 V)";

struct EnergyEntry {
    std::string_view operation;  // "8b Add", "32b DRAM Read"
    double picojoules = 0;
};
// The table as published: 8b/16b/32b integer add, 16b/32b FP add, 8b/32b integer
// mult, 16b/32b FP mult, 32b SRAM read (8 KB), 32b DRAM read.
std::span<const EnergyEntry> horowitz_energy_table();

enum class MacFormat : uint8_t { FP32, FP16, INT8 };
std::string_view mac_format_name(MacFormat f);
struct MacEnergy {
    double mult_pj = 0, add_pj = 0;  // one multiply, one accumulate (INT8 accumulates in 32 bits)
    double weight_dram_pj = 0;       // fetching one weight from DRAM (640 pJ per 32 bits, pro rata)
    double weight_sram_pj = 0;       // the same from an 8 KB SRAM (5 pJ per 32 bits, pro rata)
    double total_dram_pj() const { return mult_pj + add_pj + weight_dram_pj; }
    double total_sram_pj() const { return mult_pj + add_pj + weight_sram_pj; }
};
MacEnergy mac_energy(MacFormat f);

struct ModelPreset {
    std::string_view name;
    double params = 0;      // parameters
    int layers = 0;         // transformer layers (0: no KV cache)
    int kv_heads = 0;
    int head_dim = 0;
};
std::span<const ModelPreset> model_presets();  // GPT-3 175B, BLOOM 176B, Llama-2-70B, Llama-2-7B, Mistral 7B, demo MLP

double weight_bytes(double params, double bits_per_weight);
double kv_cache_bytes(int layers, int kv_heads, int head_dim, double context, double batch, double bytes_per_element);

struct MemoryWall {
    double compute_growth_per_2y = 3.0;    // peak server FLOPS
    double dram_bw_growth_per_2y = 1.6;    // DRAM bandwidth
    double interconnect_growth_per_2y = 1.4;
    int years = 20;
};
// Growth factor after `years` at `per_2y` per two years.
double growth_after(double per_2y, double years);

// Decode at batch 1 reads every weight once per token: tokens/s <= bandwidth / bytes.
double max_tokens_per_second(double bandwidth_bytes_per_s, double model_bytes);
// FLOPs per byte of weights at batch 1 (2 FLOPs per weight per token).
double arithmetic_intensity(double bits_per_weight, double batch = 1.0);

}  // namespace qs::learn
