// Lesson 6, granularity: per-tensor vs per-channel vs per-group scales on a
// matrix with an outlier channel; error per channel and the bits-per-weight the
// scales cost (learn::compare_granularity).
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_granularity(LessonsImpl& L, const LessonInput& in, bool* open) {
    GranularityState& s = L.granularity;
    if (!begin_lesson("6. Granularity", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("One scale for a whole tensor must cover its largest value. If one output channel (a row of the "
            "weight matrix) is much larger than the others, the shared scale is set by it and the quiet channels "
            "are rounded to a handful of levels, often to zero. A scale per channel adapts to each row; a scale per "
            "group of g consecutive weights adapts even more locally. Every scale is stored (32 bits here), so the "
            "cost is 32 / (values per scale) extra bits per weight.");
    const int factor_before = int(s.outlier_factor * 100);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderFloat("outlier row x", &s.outlier_factor, 1.0f, 100.0f, "%.0f", ImGuiSliderFlags_Logarithmic);
    help_marker("For the synthetic 32 x 64 matrix: row 5 is multiplied by this factor.");
    if (int(s.outlier_factor * 100) != factor_before && s.src.choice == 0) s.src.key = 0;  // regenerate
    const float factor = s.outlier_factor;
    bool changed = data_source_combo(L, s.src, in, "32 x 64 weights, row 5 scaled", [factor](DataSource& d) {
        d.values = learn::outlier_channel_matrix(32, 64, 5, factor, 4);
        d.rows = 32;
        d.label = "synthetic";
    });
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    int gi = 0;
    for (int g = 8; g < s.group_size; g *= 2) ++gi;
    const char* groups[] = {"8", "16", "32", "64", "128"};
    if (ImGui::Combo("group size", &gi, groups, 5)) {
        s.group_size = 8 << gi;
        changed = true;
    }
    const int64_t rows = s.src.rows, cols = s.src.cols;
    const int group = int(std::min<int64_t>(s.group_size, std::max<int64_t>(cols, 1)));
    const uint64_t key = mix_key(mix_key(s.src.key, uint64_t(s.bits)), uint64_t(group));
    if (changed || key != s.key) {
        s.key = key;
        auto r = learn::compare_granularity(s.src.values, rows, cols, s.bits, group);
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
    ImGui::Text("%s: %lld x %lld", s.src.label.c_str(), (long long)rows, (long long)cols);
    if (ImGui::BeginTable("g", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame)) {
        for (const char* h : {"granularity", "scales", "MSE", "SQNR (dB)", "bits per weight (overhead)"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& r : s.rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.label.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%llu", (unsigned long long)r.groups);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", r.mse);
            ImGui::TableNextColumn();
            ImGui::Text("%.1f", r.sqnr_db);
            ImGui::TableNextColumn();
            ImGui::Text("%.3f (+%.3f)", r.bits_per_weight, r.overhead_bpw);
        }
        ImGui::EndTable();
    }
    section("Mean squared error per output channel (log scale)");
    const ImU32 colors[] = {kOrange, kGreen, kPurple};
    std::vector<Series> series;
    for (size_t i = 0; i < s.rows.size(); ++i) {
        Series se;
        se.label = s.rows[i].label;
        se.color = colors[i % 3];
        se.markers = rows <= 64;
        for (size_t c = 0; c < s.rows[i].channel_mse.size(); ++c) {
            se.x.push_back(double(c));
            se.y.push_back(s.rows[i].channel_mse[c]);
        }
        series.push_back(std::move(se));
    }
    ChartOptions co;
    co.log_y = true;
    co.x_label = "output channel (row)";
    line_chart("perchan", 230, series, {}, co);
    try_this("at 4 bits compare the per-tensor curve on the quiet rows with the per-channel one. Set the outlier "
             "factor to 1: per-tensor is nearly as good, and cheaper. Lower the group size to 8: the error keeps "
             "falling, but look at the overhead column (4 extra bits per weight at fp32 scales).");
    ImGui::End();
}

}  // namespace qs::app::lessons
