// The Whole model window: the current spec over every weight tensor of the
// model, on the worker (progress, cancel), as a sortable, colour-coded table
// (SQNR bands) and a bar chart; clicking a row selects that tensor.
#include "app/views/views.hpp"

#include "app/state/spec_fields.hpp"
#include "app/widgets/plot.hpp"
#include "core/util/units.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace qs::app {

namespace {

ImVec4 sqnr_color(const Palette& pal, double db) {
    if (db >= 30) return pal.good;
    if (db >= 18) return pal.warn;
    return pal.bad;
}

const std::vector<size_t>& sorted_rows(SweepUi& ui, const SweepTable& t) {
    if (ui.cached_for == &t && ui.cached_col == ui.sort_col && ui.cached_desc == ui.desc && ui.order.size() == t.rows.size())
        return ui.order;
    ui.order.resize(t.rows.size());
    std::iota(ui.order.begin(), ui.order.end(), size_t(0));
    auto key = [&](const SweepRow& r) -> double {
        switch (ui.sort_col) {
            case 2: return double(r.numel);
            case 3: return r.ok ? r.sqnr_db : -1e300;
            case 4: return r.ok ? r.mse : 1e300;
            case 5: return r.bits_per_weight;
            case 6: return double(r.bytes);
            case 7: return r.clipped_fraction;
            default: return double(r.index);
        }
    };
    std::stable_sort(ui.order.begin(), ui.order.end(), [&](size_t a, size_t b) {
        const double ka = key(t.rows[a]), kb = key(t.rows[b]);
        return ui.desc ? ka > kb : ka < kb;
    });
    ui.cached_for = &t;
    ui.cached_col = ui.sort_col;
    ui.cached_desc = ui.desc;
    return ui.order;
}

}  // namespace

void draw_sweep_view(const ViewInput& in, SweepUi& ui, Intents& out) {
    ViewWindow w(in, ViewId::Sweep, out);
    if (!w) return;
    const auto& sw = in.s.sweep;
    const bool running = sw.status == JobStatus::Running;
    if (running) {
        if (ImGui::Button("Cancel")) out.push_back(intent::CancelSweep{});
    } else {
        if (ImGui::Button("Run")) out.push_back(intent::StartSweep{ui.weights_only});
        help_tooltip("quantize every tensor with the current spec, in the background");
    }
    ImGui::SameLine();
    ImGui::Checkbox("weights only", &ui.weights_only);
    help_tooltip("only floating-point tensors of rank 2 or more (skips biases and norms)");
    ImGui::SameLine();
    if (ImGui::SmallButton("CSV")) in.dialog->ask(DialogPurpose::CsvSweep);
    if (running) {
        ImGui::SameLine();
        const double f = sw.progress.fraction();
        ImGui::ProgressBar(float(f), ImVec2(-1, 0), fmt::format("{:.0f}%", f * 100).c_str());
    }
    if (sw.status == JobStatus::Failed) ImGui::TextColored(sw.error == "cancelled" ? in.pal.warn : in.pal.bad, "%s", sw.error.c_str());
    if (!sw.value) {
        if (sw.status == JobStatus::Empty)
            ImGui::TextWrapped("Run the current spec over every tensor of the model to see where it hurts.");
        return;
    }
    const SweepTable& t = *sw.value;
    ImGui::TextDisabled("%s: %zu/%zu tensors, %s -> %s, %.3f bits/weight", describe_spec(t.spec).c_str(), t.rows.size(),
                        t.planned, human_bytes(t.stored_bytes).c_str(), human_bytes(t.bytes).c_str(), t.mean_bpw());
    if (t.spec != in.s.spec) {
        ImGui::SameLine();
        ImGui::TextColored(in.pal.warn, "(the spec has changed since: Run again)");
    }
    const ModelId model = in.s.sweep_model;
    const auto& order = sorted_rows(ui, t);

    // Bar chart of the table's metric in the table's order; click selects.
    const float chart_h = std::max(60.0f, ImGui::GetContentRegionAvail().y * 0.3f);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float cw = ImGui::GetContentRegionAvail().x;
    ImGui::InvisibleButton("##chart", ImVec2(cw, chart_h));
    const bool hovered = ImGui::IsItemHovered(), clicked = ImGui::IsItemClicked();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, ImVec2(p0.x + cw, p0.y + chart_h), in.pal.plot_bg);
    double vmax = 1e-12;
    for (const auto& r : t.rows)
        if (r.ok && std::isfinite(r.sqnr_db)) vmax = std::max(vmax, r.sqnr_db);
    const float bw = order.empty() ? 0 : cw / float(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
        const SweepRow& r = t.rows[order[k]];
        if (!r.ok) continue;
        const double v = std::isfinite(r.sqnr_db) ? r.sqnr_db : vmax;
        const float h = float(std::clamp(v / vmax, 0.0, 1.0)) * (chart_h - 4);
        const ImVec4 c = sqnr_color(in.pal, v);
        const bool sel = in.s.selection.model == model && in.s.selection.tensor == int64_t(r.index);
        dl->AddRectFilled(ImVec2(p0.x + float(k) * bw, p0.y + chart_h - h),
                          ImVec2(p0.x + float(k + 1) * bw - (bw > 3 ? 1 : 0), p0.y + chart_h),
                          ImGui::ColorConvertFloat4ToU32(ImVec4(c.x, c.y, c.z, sel ? 1.0f : 0.75f)));
    }
    if (hovered && bw > 0) {
        const size_t k = std::min(order.size() - 1, size_t((ImGui::GetIO().MousePos.x - p0.x) / bw));
        const SweepRow& r = t.rows[order[k]];
        ImGui::SetTooltip("%s\nSQNR %.2f dB, %.3f bpw\nclick to open", r.name.c_str(), r.sqnr_db, r.bits_per_weight);
        if (clicked) out.push_back(intent::SelectTensor{model, int64_t(r.index)});
    }
    dl->AddText(ImVec2(p0.x + 4, p0.y + 2), in.pal.tick_text, fmt::format("SQNR (dB), max {:.1f}", vmax).c_str());

    // Columns fit their contents (names and numbers are never cut); a narrow window
    // scrolls sideways with the tensor names frozen on the left.
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                               ImGuiTableFlags_Sortable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                               ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("sweep", 8, tf)) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("tensor", ImGuiTableColumnFlags_DefaultSort);
    ImGui::TableSetupColumn("shape", ImGuiTableColumnFlags_NoSort);
    ImGui::TableSetupColumn("params", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("SQNR dB", 0);
    ImGui::TableSetupColumn("MSE", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("bpw", 0);
    ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableSetupColumn("clipped", ImGuiTableColumnFlags_PreferSortDescending);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs(); ss && ss->SpecsDirty) {
        if (ss->SpecsCount > 0) {
            ui.sort_col = ss->Specs[0].ColumnIndex;
            ui.desc = ss->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        }
        ss->SpecsDirty = false;
    }
    ImGuiListClipper clip;
    clip.Begin(int(order.size()));
    while (clip.Step()) {
        for (int k = clip.DisplayStart; k < clip.DisplayEnd; ++k) {
            const SweepRow& r = t.rows[order[size_t(k)]];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const bool sel = in.s.selection.model == model && in.s.selection.tensor == int64_t(r.index);
            ImGui::PushID(k);
            if (ImGui::Selectable(r.name.c_str(), sel, ImGuiSelectableFlags_SpanAllColumns) && !sel)
                out.push_back(intent::SelectTensor{model, int64_t(r.index)});
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(io::shape_string(r.shape).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_count(r.numel).c_str());
            ImGui::TableNextColumn();
            if (!r.ok) {
                ImGui::TextColored(in.pal.bad, "error");
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", r.error.c_str());
                continue;
            }
            ImGui::TextColored(sqnr_color(in.pal, r.sqnr_db), "%.2f", r.sqnr_db);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(short_number(r.mse).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%.3f", r.bits_per_weight);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_bytes(r.bytes).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(percent(r.clipped_fraction).c_str());
        }
    }
    ImGui::EndTable();
}

}  // namespace qs::app
