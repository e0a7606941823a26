// Lesson 8, outliers: dense-and-sparse (keep the largest fraction in full
// precision) as the fraction varies, and the LLM.int8() column decomposition
// (learn::outlier_sweep, learn::llm_int8_decomposition).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_outliers(LessonsImpl& L, const LessonInput& in, bool* open) {
    OutlierState& s = L.outliers;
    if (!begin_lesson("8. Outliers", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Large language models have a few weights and activation features that are far larger than the rest. "
            "They stretch the quantization range, so everything else is rounded coarsely. Two remedies: "
            "dense-and-sparse (SqueezeLLM) keeps the largest x% of values exactly, as (index, value) pairs, and "
            "quantizes the rest densely; LLM.int8() finds the feature columns that contain any value above a "
            "threshold (6.0 in the paper), computes them in FP16 and the rest in int8. A tiny fraction of outliers "
            "buys a large drop in error, for a small cost in bits.");
    bool changed = data_source_combo(L, s.src, in, "64 x 128 Laplace + 0.2% outliers", [](DataSource& d) {
        d.values = learn::heavy_tailed_sample(64 * 128, 4, 0.002, 60.0);
        d.rows = 64;
        d.label = "synthetic";
    });
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    changed |= ImGui::SliderFloat("LLM.int8() threshold", &s.threshold, 0.1f, 50.0f, "%.2f", ImGuiSliderFlags_Logarithmic);
    const uint64_t key = mix_key(mix_key(s.src.key, uint64_t(s.bits)), float_bits(s.threshold));
    if (changed || key != s.key) {
        s.key = key;
        const double fr[] = {0.0, 0.0001, 0.0003, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05};
        auto p = learn::outlier_sweep(s.src.values, s.src.rows, s.src.cols, s.bits, fr);
        auto d = learn::llm_int8_decomposition(s.src.values, s.src.rows, s.src.cols, s.threshold);
        if (p && d) {
            s.points = std::move(*p);
            s.int8 = *d;
            s.error.clear();
        } else {
            s.points.clear();
            s.error = p ? d.error().message : p.error().message;
        }
    }
    if (s.points.empty()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        ImGui::End();
        return;
    }
    section(fmt::format("Dense-and-sparse, int{} per channel: error and size vs the fraction kept", s.bits).c_str());
    Series mse, bpw;
    mse.label = "MSE (log)";
    mse.color = kRed;
    mse.markers = true;
    bpw.label = "bits per weight";
    bpw.color = kBlue;
    bpw.markers = true;
    for (const auto& p : s.points) {
        mse.x.push_back(100.0 * p.fraction);
        mse.y.push_back(p.mse);
        bpw.x.push_back(100.0 * p.fraction);
        bpw.y.push_back(p.bits_per_weight);
    }
    ChartOptions co;
    co.log_y = true;
    co.x_label = "% of values kept in full precision";
    const Series s1[] = {mse};
    line_chart("mse", 150, s1, {}, co);
    ChartOptions co2;
    co2.x_label = "% of values kept in full precision";
    co2.y_from_zero = false;
    const Series s2[] = {bpw};
    line_chart("bpw", 110, s2, {}, co2);
    if (ImGui::BeginTable("pts", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"kept", "values", "MSE", "bits per weight"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& p : s.points) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%.2f%%", 100 * p.fraction);
            ImGui::TableNextColumn();
            ImGui::Text("%llu", (unsigned long long)p.kept);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", p.mse);
            ImGui::TableNextColumn();
            ImGui::Text("%.3f", p.bits_per_weight);
        }
        ImGui::EndTable();
    }
    if (s.int8) {
        section("LLM.int8(): outlier feature columns in FP16, the rest int8 per row");
        ImGui::Text("threshold %.2f: %lld of %lld columns kept in FP16", s.int8->threshold,
                    (long long)s.int8->outlier_columns, (long long)s.src.cols);
        ImGui::Text("MSE %.3g vs plain int8 %.3g (%.1fx lower), %.2f bits per weight", s.int8->mse,
                    s.int8->mse_plain_int8, s.int8->mse_plain_int8 / std::max(s.int8->mse, 1e-300),
                    s.int8->bits_per_weight);
    }
    try_this("find the smallest fraction where the MSE curve flattens; how many bits per weight did it cost? "
             "Lower the LLM.int8() threshold until half the columns become FP16: the error keeps falling, but the "
             "memory saving is gone.");
    ImGui::End();
}

}  // namespace qs::app::lessons
