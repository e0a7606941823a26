// Lesson 7, non-uniform grids: k-means codebook vs uniform at the same bits,
// log2 and NF4 levels over the weight histogram, and the Deep Compression
// storage formula evaluated on the tensor (learn::compare_grids).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_nonuniform(LessonsImpl& L, const LessonInput& in, bool* open) {
    NonUniformState& s = L.nonuniform;
    if (!begin_lesson("7. Non-uniform grids", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Weights are bell-shaped: most are near zero, few are large. A uniform grid spends as many levels on "
            "the empty tails as on the crowded middle. A codebook places its K = 2^b levels where the data is: "
            "1-D k-means (Lloyd's algorithm) minimises the squared error directly (Deep Compression, Han et al. "
            "2016). NF4 (QLoRA) uses fixed levels at normal-distribution quantiles; log2 levels are powers of two, "
            "so multiplying by one is a shift. The catch: codebook values are arbitrary reals, so the arithmetic "
            "must look them up and run in higher precision; only storage shrinks.");
    bool changed = data_source_combo(L, s.src, in, "N(0,1), 8192 values", [](DataSource& d) {
        d.values = learn::normal_sample(8192, 12);
        d.label = "N(0,1)";
    });
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 1, 6);
    const uint64_t key = mix_key(s.src.key, uint64_t(s.bits));
    if (changed || key != s.key) {
        s.key = key;
        auto r = learn::compare_grids(s.src.values, s.bits);
        if (r) {
            s.rows = std::move(*r);
            s.error.clear();
        } else {
            s.rows.clear();
            s.error = r.error().message;
        }
    }
    if (s.rows.empty()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        ImGui::End();
        return;
    }
    if (ImGui::BeginTable("grids", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"grid (click to draw)", "MSE", "SQNR (dB)", "bits per weight"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (int i = 0; i < int(s.rows.size()); ++i) {
            const auto& r = s.rows[size_t(i)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (ImGui::Selectable(r.label.c_str(), s.shown == i, ImGuiSelectableFlags_SpanAllColumns)) s.shown = i;
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", r.mse);
            ImGui::TableNextColumn();
            ImGui::Text("%.2f", r.sqnr_db);
            ImGui::TableNextColumn();
            ImGui::Text("%.3f", r.bits_per_weight);
        }
        ImGui::EndTable();
    }
    s.shown = std::clamp(s.shown, 0, int(s.rows.size()) - 1);
    const auto& shown = s.rows[size_t(s.shown)];
    const auto mm = quant::calib_minmax(s.src.values);
    section(fmt::format("levels of '{}' over the histogram", shown.label).c_str());
    histogram_with_levels("levels", 160, s.src.values, mm.lo, mm.hi, 120, shown.levels, IM_COL32(255, 200, 80, 220));
    std::vector<double> lv(shown.levels.begin(), shown.levels.end());
    number_line("lvline", 40, lv, mm.lo, mm.hi, false, 0, false);

    section("Deep Compression storage: (log2 K) N + 32 K bits");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderInt("K (codebook entries)", &s.k_for_formula, 2, 256, "%d", ImGuiSliderFlags_Logarithmic);
    const auto d = learn::deep_compression_size(s.src.values.size(), uint64_t(s.k_for_formula));
    ImGui::Text("N = %llu weights, K = %llu: indices %.0f bits + codebook %.0f bits = %.0f bits (%.1f bytes)",
                (unsigned long long)d.n, (unsigned long long)d.k, d.index_bits, d.codebook_bits, d.total_bits,
                d.total_bits / 8);
    ImGui::Text("fp32: %.0f bits -> %.2fx smaller, %.3f bits per weight", d.fp32_bits, d.ratio, d.bits_per_weight);
    const auto ex = learn::deep_compression_size(16, 4);
    ImGui::TextDisabled("the paper's 4x4 example: 2 x 16 + 32 x 4 = %.0f bits = %.0f B instead of 64 B (%.1fx)",
                        ex.total_bits, ex.total_bits / 8, ex.ratio);
    try_this("at 3 bits compare k-means with uniform int3: how much lower is the MSE? Click each grid and look "
             "where its levels sit. Set K to 256 with a small tensor (a demo layer): when does the codebook itself "
             "stop being negligible?");
    ImGui::End();
}

}  // namespace qs::app::lessons
