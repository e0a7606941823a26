// Lesson 4, clipping vs rounding error: total MSE against the clip threshold,
// split into the part from clipped values and the part from rounding, with the
// minmax, percentile, MSE-search and KL calibrations marked (learn::clip_sweep).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

#include <cmath>

namespace qs::app::lessons {

void draw_clipping(LessonsImpl& L, const LessonInput& in, bool* open) {
    ClipState& s = L.clip;
    if (!begin_lesson("4. Clipping vs rounding error", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Choosing the clip range alpha trades two errors. Values beyond alpha are clamped: their error grows "
            "with how far out they lie (clipping error). Values inside are rounded to a step S = alpha / qmax: "
            "their error is about S^2 / 12 each, growing with alpha (rounding error). A few outliers make minmax "
            "choose a huge alpha and pay in rounding everywhere; clipping them costs little because they are few. "
            "Calibration methods are different guesses at the minimum of the sum.");
    bool changed = data_source_combo(L, s.src, in, "Laplace + 0.1% outliers, 20000 values", [](DataSource& d) {
        d.values = learn::heavy_tailed_sample(20000, 5, 0.001, 20.0);
        d.label = "Laplace with outliers";
    });
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderFloat("percentile", &s.percentile, 90.0f, 100.0f, "%.2f");
    const uint64_t key = mix_key(mix_key(s.src.key, uint64_t(s.bits)), float_bits(s.percentile));
    if (changed || key != s.key) {
        s.key = key;
        auto sw = learn::clip_sweep(s.src.values, s.bits, 120, s.percentile);
        if (sw) {
            s.sweep = std::move(*sw);
            s.error.clear();
        } else {
            s.sweep.reset();
            s.error = sw.error().message;
        }
    }
    if (!s.sweep) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        ImGui::End();
        return;
    }
    const auto& sw = *s.sweep;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
    ImGui::SliderFloat("your clip (fraction of max |x|)", &s.clip_frac, 0.01f, 1.0f, "%.3f");
    const learn::ClipPoint mine = learn::clip_split(s.src.values, s.bits, double(s.clip_frac) * sw.amax);
    ImGui::Text("your clip %.4g: total %.3g = clipping %.3g + rounding %.3g  (%.3f%% of values clipped)", mine.clip,
                mine.mse, mine.mse_clip, mine.mse_round, 100.0 * mine.clipped_fraction);

    Series total, clipe, roundv;
    total.label = "total MSE";
    total.color = IM_COL32(235, 235, 235, 255);
    clipe.label = "clipping part";
    clipe.color = kRed;
    roundv.label = "rounding part";
    roundv.color = kBlue;
    for (const auto& p : sw.points) {
        total.x.push_back(p.clip);
        total.y.push_back(p.mse);
        clipe.x.push_back(p.clip);
        clipe.y.push_back(p.mse_clip);
        roundv.x.push_back(p.clip);
        roundv.y.push_back(p.mse_round);
    }
    const ImU32 mark_colors[] = {kOrange, kPurple, kGreen, IM_COL32(80, 220, 220, 255)};
    std::vector<Mark> marks;
    for (size_t i = 0; i < sw.marks.size(); ++i) marks.push_back({sw.marks[i].clip, mark_colors[i % 4], sw.marks[i].name});
    marks.push_back({mine.clip, IM_COL32(255, 255, 0, 255), "yours"});
    const Series series[] = {total, clipe, roundv};
    ChartOptions co;
    co.log_y = true;
    co.x_label = "clip threshold alpha";
    line_chart("sweep", 210, series, marks, co);

    if (ImGui::BeginTable("marks", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"method", "alpha", "total MSE", "clipping", "rounding"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        auto row = [](const std::string& n, const learn::ClipPoint& p) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(n.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%.4g", p.clip);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", p.mse);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", p.mse_clip);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", p.mse_round);
        };
        for (const auto& m : sw.marks) row(m.name, m.at);
        row("best on the sweep", sw.best);
        ImGui::EndTable();
    }
    const double h = sw.amax;
    histogram_with_levels("hist", 90, s.src.values, -h, h, 160, {}, 0,
                          std::vector<Mark>{{-mine.clip, IM_COL32(255, 255, 0, 255), ""}, {mine.clip, IM_COL32(255, 255, 0, 255), ""}});
    ImGui::TextDisabled("histogram of the data; yellow lines: your clip range (the outliers are the lonely bars far out)");
    try_this("drag your clip from 1.0 down and watch the rounding part fall while the clipping part rises; find "
             "the valley. Then raise the bits to 8: the valley moves right (rounding is cheap, so clip less). Which "
             "calibration lands closest to the valley at 3 bits?");
    ImGui::End();
}

}  // namespace qs::app::lessons
