// Lesson 2, scale and zero point step by step: an editable short vector goes
// through range -> scale -> zero point -> divide -> round -> clamp -> dequantize
// with every intermediate number shown (learn::trace_quantization).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_scale_zero(LessonsImpl& L, bool* open) {
    ScaleState& s = L.scale;
    if (!begin_lesson("2. Scale and zero point", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Uniform quantization maps a real range onto 2^b integer codes with two numbers. The scale S is the "
            "real-valued width of one step; the zero point Z is the code that stands for the real value 0. "
            "Quantize: q = clamp(round(x / S) + Z, qmin, qmax). Dequantize: x^ = S (q - Z). Symmetric quantization "
            "fixes Z = 0 and uses the largest magnitude; asymmetric uses the actual [min, max], so a lopsided "
            "range wastes no codes, at the price of carrying Z through every product.");

    section("Input vector (edit any value)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt("elements", &s.n, 2, int(s.x.size()));
    for (int i = 0; i < s.n; ++i) {
        ImGui::PushID(i);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.2f);
        ImGui::DragFloat("##x", &s.x[size_t(i)], 0.01f, -100.0f, 100.0f, "%.3f");
        ImGui::PopID();
        if (i + 1 < s.n) ImGui::SameLine();
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt("bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::Checkbox("symmetric (Z = 0)", &s.symmetric);
    ImGui::SameLine();
    const char* modes[] = {"nearest (half to even)", "floor", "ceil"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11);
    ImGui::Combo("rounding", &s.rounding, modes, 3);
    ImGui::Checkbox("manual clip range", &s.manual_clip);
    if (s.manual_clip) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
        ImGui::DragFloatRange2("[alpha, beta]", &s.clip_lo, &s.clip_hi, 0.01f, -100.0f, 100.0f, "%.2f");
    }

    quant::QuantSpec spec;
    spec.bits = s.bits;
    spec.symmetric = s.symmetric;
    spec.granularity = quant::Granularity::PerTensor;
    spec.rounding = s.rounding == 1 ? quant::Rounding::Floor : s.rounding == 2 ? quant::Rounding::Ceil
                                                                                 : quant::Rounding::NearestEven;
    if (s.manual_clip && s.clip_hi > s.clip_lo) {
        spec.clip_lo = s.clip_lo;
        spec.clip_hi = s.clip_hi;
    }
    const auto t = learn::trace_quantization(std::span<const float>(s.x.data(), size_t(s.n)), spec);
    if (!t) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", t.error().message.c_str());
        ImGui::End();
        return;
    }

    section("1. range  2. scale  3. zero point");
    for (const auto& line : t->formulas) ImGui::BulletText("%s", line.c_str());
    ImGui::Text("codes: qmin = %d, qmax = %d (%d levels)", t->qmin, t->qmax, t->qmax - t->qmin + 1);

    section("4. divide  5. round  6. add Z  7. clamp  8. dequantize");
    if (ImGui::BeginTable("trace", 8, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"x", "x / S", "round", "+ Z", "q = clamp", "x^ = S(q - Z)", "error x^ - x", ""})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& r : t->rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", r.x);
            ImGui::TableNextColumn();
            ImGui::Text("%.4f", r.scaled);
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", r.rounded);
            ImGui::TableNextColumn();
            ImGui::Text("%.0f", r.shifted);
            ImGui::TableNextColumn();
            if (r.clamped)
                ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%d", r.q);
            else
                ImGui::Text("%d", r.q);
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", r.dequantized);
            ImGui::TableNextColumn();
            ImGui::Text("%+.3g", r.error);
            ImGui::TableNextColumn();
            if (r.clamped) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "clipped");
        }
        ImGui::EndTable();
    }
    ImGui::Text("mean squared error %.4g   (rounding alone would give about S^2/12 = %.4g)", t->mse,
                double(t->scale) * double(t->scale) / 12.0);

    section("The grid (vertical lines) and the input values (bars)");
    std::vector<float> grid;
    for (int q = t->qmin; q <= t->qmax; ++q) grid.push_back((float(q) - t->zero_point) * t->scale);
    float lo = std::min(grid.front(), *std::min_element(s.x.begin(), s.x.begin() + s.n));
    float hi = std::max(grid.back(), *std::max_element(s.x.begin(), s.x.begin() + s.n));
    const float pad = 0.05f * (hi - lo + 1e-6f);
    histogram_with_levels("grid", 110, std::span<const float>(s.x.data(), size_t(s.n)), lo - pad, hi + pad, 200, grid,
                          IM_COL32(255, 200, 80, 120), std::vector<Mark>{{0.0, kGrey, ""}});
    try_this("make the vector all positive (like a ReLU output) and toggle symmetric: count the codes below zero "
             "that are never used. Then drag one value to 20: the scale grows and every other value loses "
             "resolution. Tick 'manual clip' to cut it back and watch the clamp column turn red.");
    ImGui::End();
}

}  // namespace qs::app::lessons
