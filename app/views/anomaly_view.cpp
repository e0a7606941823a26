// The Anomalies window and the model browser's badges (anomaly_view.hpp).
// States first (no model, never checked, failed), then the table; sorting is
// cached per (report, column, direction) so a large model sorts once.
#include "app/views/anomaly_view.hpp"

#include "core/util/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace qs::app {

namespace {

ImVec4 severity_colour(const Palette& pal, int sev) {
    if (sev == int(analysis::Severity::Error)) return pal.bad;
    if (sev == int(analysis::Severity::Warning)) return pal.warn;
    return pal.dim;
}

std::string kinds_text(const analysis::TensorReport& t) {
    std::string s;
    for (const auto& f : t.flags) {
        const std::string_view k = analysis::anomaly_kind_name(f.kind);
        if (s.find(k) != std::string::npos) continue;
        if (!s.empty()) s += ", ";
        s += k;
    }
    return s;
}

double sort_value(const analysis::TensorReport& t, int col) {
    switch (col) {
        case 4: return t.stats.excess_kurtosis;
        case 5: return t.stats.max_over_std;
        case 6: return double(t.stats.dead_channels);
        case 7: return t.stats.saturated_fraction;
        case 8: return t.stats.unused_codes_fraction;
        case 9: return double(t.stats.nan + t.stats.pos_inf + t.stats.neg_inf);
        default: return 0.0;
    }
}

const std::vector<size_t>& rows_for(const analysis::ModelReport& r, AnomalyUi& ui) {
    if (ui.cached_for == &r && ui.cached_col == ui.sort_col && ui.cached_desc == ui.desc &&
        ui.cached_clean == ui.show_clean)
        return ui.order;
    ui.order.clear();
    for (size_t i = 0; i < r.tensors.size(); ++i)
        if (ui.show_clean || !r.tensors[i].flags.empty()) ui.order.push_back(i);
    const int col = ui.sort_col;
    if (col == 1) {
        std::stable_sort(ui.order.begin(), ui.order.end(),
                         [&](size_t a, size_t b) { return r.tensors[a].name < r.tensors[b].name; });
    } else if (col == 2) {
        std::stable_sort(ui.order.begin(), ui.order.end(),
                         [&](size_t a, size_t b) { return r.tensors[a].flags.size() < r.tensors[b].flags.size(); });
    } else if (col >= 4) {
        std::stable_sort(ui.order.begin(), ui.order.end(), [&](size_t a, size_t b) {
            return sort_value(r.tensors[a], col) < sort_value(r.tensors[b], col);
        });
    }
    // Column 0 (severity) ascending = the report's own order, worst first.
    if (ui.desc) std::reverse(ui.order.begin(), ui.order.end());
    ui.cached_for = &r;
    ui.cached_col = col;
    ui.cached_desc = ui.desc;
    ui.cached_clean = ui.show_clean;
    return ui.order;
}

void flag_tooltip(const ViewInput& in, const analysis::TensorReport& t) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(t.name.c_str());
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
    for (const auto& f : t.flags) {
        ImGui::TextColored(severity_colour(in.pal, int(f.severity)), "%s %s",
                           std::string(analysis::severity_name(f.severity)).c_str(),
                           std::string(analysis::anomaly_kind_name(f.kind)).c_str());
        ImGui::SameLine();
        ImGui::TextWrapped("%s", f.message.c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

void draw_table(const ViewInput& in, const AnomalyState& as, AnomalyUi& ui, Intents& out) {
    const analysis::ModelReport& r = *as.report;
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                               ImGuiTableFlags_Sortable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                               ImGuiTableFlags_Hideable;
    if (!ImGui::BeginTable("anomalies", 10, tf)) return;
    const float em = ImGui::GetFontSize();
    ImGui::TableSetupScrollFreeze(2, 1);
    ImGui::TableSetupColumn("severity", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_DefaultSort, em * 4.5f);
    ImGui::TableSetupColumn("tensor", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_NoHide, em * 14.0f);
    ImGui::TableSetupColumn("flags", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 12.0f);
    ImGui::TableSetupColumn("worst flag", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_NoSort, em * 22.0f);
    ImGui::TableSetupColumn("kurtosis", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.5f);
    ImGui::TableSetupColumn("max/std", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.5f);
    ImGui::TableSetupColumn("dead ch", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.0f);
    ImGui::TableSetupColumn("clipped", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.5f);
    ImGui::TableSetupColumn("unused codes",
                            ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending, em * 5.5f);
    ImGui::TableSetupColumn("NaN/Inf", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.0f);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs(); ss && ss->SpecsDirty) {
        if (ss->SpecsCount > 0) {
            ui.sort_col = ss->Specs[0].ColumnIndex;
            ui.desc = ss->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        }
        ss->SpecsDirty = false;
    }
    ui.row_centres.clear();
    const auto& rows = rows_for(r, ui);
    ImGuiListClipper clip;
    clip.Begin(int(rows.size()));
    while (clip.Step()) {
        for (int k = clip.DisplayStart; k < clip.DisplayEnd; ++k) {
            const analysis::TensorReport& t = r.tensors[rows[size_t(k)]];
            const auto w = t.worst();
            const int sev = w ? int(*w) : -1;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(severity_colour(in.pal, sev), "%s",
                               w ? std::string(analysis::severity_name(*w)).c_str() : "clean");
            ImGui::TableNextColumn();
            const bool sel = in.s.selection.model == as.model && in.s.selection.tensor == int64_t(t.index);
            ImGui::PushID(int(t.index));
            if (ImGui::Selectable(t.name.c_str(), sel, ImGuiSelectableFlags_SpanAllColumns) && !sel)
                out.push_back(intent::SelectTensor{as.model, int64_t(t.index)});
            const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
            ui.row_centres.emplace_back(t.name, ImVec2(a.x + em * 2.0f, (a.y + b.y) * 0.5f));
            if (ImGui::IsItemHovered() && !t.flags.empty()) flag_tooltip(in, t);
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(kinds_text(t).c_str());
            ImGui::TableNextColumn();
            if (!t.flags.empty()) ImGui::TextUnformatted(t.flags.front().message.c_str());
            const auto& st = t.stats;
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", st.excess_kurtosis);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", st.max_over_std);
            ImGui::TableNextColumn();
            if (st.channels) ImGui::Text("%llu/%llu", (unsigned long long)st.dead_channels, (unsigned long long)st.channels);
            ImGui::TableNextColumn();
            if (st.quantized) ImGui::TextUnformatted(percent(st.saturated_fraction).c_str());
            ImGui::TableNextColumn();
            if (st.quantized) ImGui::TextUnformatted(percent(st.unused_codes_fraction).c_str());
            ImGui::TableNextColumn();
            if (const uint64_t nf = st.nan + st.pos_inf + st.neg_inf) ImGui::Text("%llu", (unsigned long long)nf);
        }
    }
    ImGui::EndTable();
}

}  // namespace

void draw_anomaly_view(const ViewInput& in, const AnomalyState& as, AnomalyUi& ui, AnomalyIntents& aout, Intents& out) {
    ViewWindow w(in, ViewId::Anomalies, out);
    if (!w) return;
    const OpenModel* shown = in.s.find_model(in.s.shown_model);
    if (!shown || !shown->index) {
        ImGui::TextDisabled("Open a model to check its tensors for anomalies.");
        return;
    }
    if (as.busy()) {
        if (ImGui::Button("Cancel")) aout.push_back(anomaly::Cancel{});
        ImGui::SameLine();
        ImGui::ProgressBar(float(as.progress.fraction()), ImVec2(ImGui::GetFontSize() * 14.0f, 0),
                           fmt::format("tensor {} of {}", uint64_t(as.progress.fraction() * double(shown->index->tensors.size()) + 0.5),
                                       shown->index->tensors.size())
                               .c_str());
    } else {
        if (ImGui::Button("Check model")) aout.push_back(anomaly::Compute{shown->id});
        help_tooltip("Decodes every floating-point tensor once (one at a time) and flags NaN/Inf, subnormals, "
                     "dead channels, heavy tails and, under the spec, saturation and unused codes. "
                     "Thresholds: docs/anomalies.md.");
    }
    ImGui::SameLine();
    bool use = as.use_spec;
    if (ImGui::Checkbox("under the current spec", &use)) aout.push_back(anomaly::SetUseSpec{use});
    help_tooltip("Saturation (values outside the clip range) and unused codes (levels of the grid no value maps "
                 "to) are measured under the spec of the Spec panel, taken when Check starts.");
    ImGui::SameLine();
    ImGui::TextDisabled("%s", quant::to_text(in.s.spec).c_str());
    ImGui::SameLine();
    ImGui::Checkbox("show clean", &ui.show_clean);

    if (as.status == JobStatus::Failed) {
        ImGui::TextColored(in.pal.bad, "%s", as.error.c_str());
        return;
    }
    if (!as.report) {
        if (as.busy()) ImGui::TextDisabled("Checking...");
        else if (!as.error.empty()) ImGui::TextDisabled("%s", as.error.c_str());
        else ImGui::TextDisabled("Not checked yet: press Check model.");
        return;
    }
    const analysis::ModelReport& r = *as.report;
    const OpenModel* om = in.s.find_model(as.model);
    ImGui::Text("%s%s: %zu checked, %zu skipped, %llu flagged", om ? om->path.c_str() : r.path.c_str(),
                as.busy() ? " (so far)" : "", r.tensors.size(), r.skipped.size(), (unsigned long long)r.flagged());
    ImGui::SameLine();
    ImGui::TextColored(in.pal.bad, "%llu errors", (unsigned long long)r.count(analysis::Severity::Error));
    ImGui::SameLine();
    ImGui::TextColored(in.pal.warn, "%llu warnings", (unsigned long long)r.count(analysis::Severity::Warning));
    ImGui::SameLine();
    ImGui::TextDisabled("%llu infos  spec %s", (unsigned long long)r.count(analysis::Severity::Info),
                        as.spec_text.empty() ? "none" : as.spec_text.c_str());
    if (r.flagged() == 0 && !ui.show_clean) {
        ImGui::TextColored(in.pal.good, "No anomalies found.");
        return;
    }
    draw_table(in, as, ui, out);
}

void draw_anomaly_badge(const ViewInput& in, ModelId m, int64_t t) {
    if (!in.anomalies) return;
    const int sev = in.anomalies->badge_of(m, t);
    if (sev < 0) return;
    // At the right end of the last item (the name cell), so the label keeps its place.
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    const float r = ImGui::GetFontSize() * 0.28f;
    const ImVec2 c(b.x - r * 2.0f, (a.y + b.y) * 0.5f);
    ImGui::GetWindowDrawList()->AddCircleFilled(c, r, ImGui::ColorConvertFloat4ToU32(severity_colour(in.pal, sev)));
}

void anomaly_tooltip_lines(const ViewInput& in, ModelId m, int64_t t) {
    if (!in.anomalies || in.anomalies->badge_of(m, t) < 0 || !in.anomalies->report) return;
    for (const auto& tr : in.anomalies->report->tensors) {
        if (int64_t(tr.index) != t) continue;
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
        for (const auto& f : tr.flags)
            ImGui::TextColored(severity_colour(in.pal, int(f.severity)), "%s: %s",
                               std::string(analysis::anomaly_kind_name(f.kind)).c_str(), f.message.c_str());
        ImGui::PopTextWrapPos();
        break;
    }
}

}  // namespace qs::app
