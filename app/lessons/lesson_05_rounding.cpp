// Lesson 5, rounding modes: nearest, floor, ceil and stochastic on the same
// tensor; bias (mean error) and variance, with stochastic rounding repeated over
// many seeded draws (learn::rounding_stats).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

#include <cmath>

namespace qs::app::lessons {

void draw_rounding(LessonsImpl& L, const LessonInput& in, bool* open) {
    RoundingState& s = L.rounding;
    if (!begin_lesson("5. Rounding modes", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("After dividing by the scale, a value lies between two codes. Nearest picks the closer one: error at "
            "most half a step, no bias on average. Floor and ceil always go the same way: every value moves in one "
            "direction, so errors add up instead of cancelling (a bias of about half a step), which hurts sums and "
            "dot products. Stochastic rounding goes up with probability equal to the distance from the lower code: "
            "it is unbiased for every single value (on average over draws), but each draw is noisier than nearest. "
            "That is why it helps low-precision training, where many tiny updates must not all be rounded away.");
    bool changed = data_source_combo(L, s.src, in, "N(0,1), 3000 values", [](DataSource& d) {
        d.values = learn::normal_sample(3000, 8);
        d.label = "N(0,1)";
    });
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    changed |= ImGui::SliderInt("stochastic draws", &s.draws, 1, 200);
    const uint64_t key = mix_key(mix_key(s.src.key, uint64_t(s.bits)), uint64_t(s.draws));
    if (changed || key != s.key) {
        s.key = key;
        auto r = learn::rounding_stats(s.src.values, s.bits, s.draws, 1);
        if (r) {
            s.rows = std::move(*r);
            s.error.clear();
        } else {
            s.rows.clear();
            s.error = r.error().message;
        }
    }
    if (s.rows.size() != 4) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        ImGui::End();
        return;
    }
    const char* names[] = {"nearest (half to even)", "floor", "ceil", "stochastic"};
    if (ImGui::BeginTable("rows", 6, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"mode", "bias (mean error)", "MSE", "std over draws", "|E[x^] - x| (RMS)", "sum of errors"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < 4; ++i) {
            const auto& r = s.rows[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(names[i]);
            ImGui::TableNextColumn();
            ImGui::Text("%+.3g", r.bias);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", r.mse);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", r.draw_std);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", r.expected_rmse);
            ImGui::TableNextColumn();
            ImGui::Text("%+.3g", r.sum_error);
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("sum of errors: what a dot product with an all-ones vector accumulates (one draw)");

    section("Bias per mode");
    std::vector<double> bias;
    for (const auto& r : s.rows) bias.push_back(std::fabs(r.bias));
    bar_chart("bias", 80, bias, kBlue, 3, false, "|bias|: nearest, floor, ceil, stochastic (red)");

    section("Stochastic rounding: the bias of each draw and its running mean");
    const auto& st = s.rows[3];
    Series each, running;
    each.label = "bias of draw k";
    each.color = kOrange;
    each.markers = true;
    running.label = "mean over draws 1..k";
    running.color = kGreen;
    double acc = 0;
    for (size_t k = 0; k < st.draw_bias.size(); ++k) {
        acc += st.draw_bias[k];
        each.x.push_back(double(k + 1));
        each.y.push_back(st.draw_bias[k]);
        running.x.push_back(double(k + 1));
        running.y.push_back(acc / double(k + 1));
    }
    const Series series[] = {each, running};
    ChartOptions co;
    co.y_from_zero = false;
    co.x_label = "draw";
    line_chart("draws", 150, series, {}, co);
    try_this("compare the 'sum of errors' of floor and nearest: floor's grows with the tensor size, nearest's "
             "stays small. Raise the draws: the running mean of stochastic rounding's bias shrinks toward zero, "
             "while its MSE stays about twice nearest's.");
    ImGui::End();
}

}  // namespace qs::app::lessons
