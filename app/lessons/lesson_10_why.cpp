// Lesson 10, why quantize: a memory/VRAM calculator (parameters x format, KV
// cache optional), the Horowitz ISSCC 2014 energy table with energy per MAC by
// format, and the memory-wall argument (compute vs bandwidth growth; decode speed
// bounded by bandwidth / model bytes).
#include "app/lessons/lessons_impl.hpp"

#include "core/learn/energy.hpp"

#include <fmt/format.h>

#include <cmath>

namespace qs::app::lessons {

void draw_why_quantize(LessonsImpl& L, bool* open) {
    WhyState& s = L.why;
    if (!begin_lesson("10. Why quantize: memory and energy", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("A model's weights must sit in memory and be read for every token it generates. At 16 bits a "
            "7-billion-parameter model needs 14 GB just for weights; at 4 bits, 3.5 GB. Reading is also what "
            "costs energy: fetching 32 bits from DRAM costs hundreds of times more than an 8-bit multiply. And "
            "compute has grown much faster than memory bandwidth (the memory wall), so generation speed is set by "
            "how many bytes must be moved, not by arithmetic. Fewer bits per weight attack all three.");

    section("Memory calculator");
    const auto presets = learn::model_presets();
    s.preset = std::clamp(s.preset, 0, int(presets.size()) - 1);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo("model", presets[size_t(s.preset)].name.data())) {
        for (int i = 0; i < int(presets.size()); ++i)
            if (ImGui::Selectable(presets[size_t(i)].name.data(), i == s.preset)) {
                s.preset = i;
                s.params_billion = presets[size_t(i)].params / 1e9;
            }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::InputDouble("billion parameters", &s.params_billion, 0, 0, "%.6g");
    s.params_billion = std::max(s.params_billion, 0.0);
    const double params = s.params_billion * 1e9;
    struct F {
        const char* name;
        double bpw;
    };
    const F formats[] = {{"FP32", 32}, {"FP16 / BF16", 16}, {"INT8 / FP8", 8}, {"INT4 (group 128, fp16 scales)", 4.125},
                         {"NF4 (group 64, fp32 scales)", 4.5}, {"INT3 (group 128)", 3.125}, {"INT2 (group 128)", 2.125}};
    if (ImGui::BeginTable("mem", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"format", "bits per weight", "weights"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& f : formats) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(f.name);
            ImGui::TableNextColumn();
            ImGui::Text("%.3f", f.bpw);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(fmt_bytes(learn::weight_bytes(params, f.bpw)).c_str());
        }
        ImGui::EndTable();
    }
    const auto& pr = presets[size_t(s.preset)];
    if (pr.layers > 0) {
        ImGui::Checkbox("add the KV cache", &s.kv);
        if (s.kv) {
            ImGui::SameLine();
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
            ImGui::InputInt("context", &s.context, 512, 4096);
            ImGui::SameLine();
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
            ImGui::InputInt("batch", &s.batch);
            s.context = std::clamp(s.context, 1, 1 << 20);
            s.batch = std::clamp(s.batch, 1, 4096);
            const double kv16 = learn::kv_cache_bytes(pr.layers, pr.kv_heads, pr.head_dim, s.context, s.batch, 2);
            ImGui::Text("KV cache = 2 x %d layers x %d KV heads x %d dims x %d tokens x %d x 2 bytes = %s (FP16), %s (8-bit)",
                        pr.layers, pr.kv_heads, pr.head_dim, s.context, s.batch, fmt_bytes(kv16).c_str(),
                        fmt_bytes(kv16 / 2).c_str());
        }
    }

    section("Energy per operation, 45 nm (Horowitz, ISSCC 2014)");
    const auto table = learn::horowitz_energy_table();
    std::vector<double> pj;
    for (const auto& e : table) pj.push_back(e.picojoules);
    if (ImGui::BeginTable("energy", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame)) {
        for (size_t i = 0; i < table.size(); ++i) {
            ImGui::TableNextColumn();
            ImGui::Text("%s: %g pJ", table[i].operation.data(), table[i].picojoules);
        }
        ImGui::EndTable();
    }
    bar_chart("pj", 70, pj, kOrange, 10, true, "pJ per operation (log scale), the red bar is a 32-bit DRAM read");
    if (ImGui::BeginTable("mac", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"one multiply-accumulate", "arithmetic (pJ)", "+ weight from SRAM", "+ weight from DRAM"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (auto f : {learn::MacFormat::FP32, learn::MacFormat::FP16, learn::MacFormat::INT8}) {
            const auto m = learn::mac_energy(f);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(learn::mac_format_name(f).data());
            ImGui::TableNextColumn();
            ImGui::Text("%.2f", m.mult_pj + m.add_pj);
            ImGui::TableNextColumn();
            ImGui::Text("%.2f", m.total_sram_pj());
            ImGui::TableNextColumn();
            ImGui::Text("%.1f", m.total_dram_pj());
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("INT8 accumulates in 32 bits; weight fetch energy is 5 or 640 pJ per 32 bits, pro rata.");
    ImGui::TextDisabled("Source: %s", learn::kHorowitzSource.data());

    section("The memory wall");
    const learn::MemoryWall w;
    ImGui::Text("Over %d years: peak compute x%.0f (3.0x / 2 yrs), DRAM bandwidth x%.0f (1.6x / 2 yrs), interconnect x%.0f",
                w.years, learn::growth_after(w.compute_growth_per_2y, w.years),
                learn::growth_after(w.dram_bw_growth_per_2y, w.years),
                learn::growth_after(w.interconnect_growth_per_2y, w.years));
    Series c, b;
    c.label = "peak compute";
    c.color = kRed;
    b.label = "DRAM bandwidth";
    b.color = kBlue;
    for (int y = 0; y <= w.years; ++y) {
        c.x.push_back(y);
        c.y.push_back(learn::growth_after(w.compute_growth_per_2y, y));
        b.x.push_back(y);
        b.y.push_back(learn::growth_after(w.dram_bw_growth_per_2y, y));
    }
    const Series series[] = {c, b};
    ChartOptions co;
    co.log_y = true;
    co.x_label = "years";
    line_chart("wall", 120, series, {}, co);
    ImGui::TextDisabled("Growth rates from A. Gholami et al., \"AI and Memory Wall\", IEEE Micro 2024.");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderFloat("memory bandwidth (TB/s)", &s.bandwidth_tbs, 0.05f, 8.0f, "%.2f", ImGuiSliderFlags_Logarithmic);
    ImGui::Text("Generating one token at batch 1 reads every weight once, so tokens/s <= bandwidth / weight bytes:");
    for (const auto& f : {formats[1], formats[2], formats[3]}) {
        const double bytes = learn::weight_bytes(params, f.bpw);
        ImGui::BulletText("%s: %s -> at most %.1f tokens/s  (%.1f FLOP per byte of weights)", f.name,
                          fmt_bytes(bytes).c_str(), learn::max_tokens_per_second(s.bandwidth_tbs * 1e12, bytes),
                          learn::arithmetic_intensity(f.bpw));
    }
    try_this("pick Llama-2-70B: will it fit on one 80 GB GPU in FP16? In INT4? Then turn on the KV cache with a "
             "32k context. Compare the DRAM column of the energy table with the arithmetic column: which part "
             "does quantizing the weights shrink the most?");
    ImGui::End();
}

}  // namespace qs::app::lessons
