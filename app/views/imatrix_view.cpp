// The Importance window (see imatrix_view.hpp). Wide tensors are shown as the
// maximum per bucket of columns, so a single hot column is never averaged away.
#include "app/views/imatrix_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace qs::app {
namespace {

std::vector<float> bucket_max(const std::vector<float>& v, size_t buckets) {
    if (v.size() <= buckets) return v;
    std::vector<float> out(buckets, 0.0f);
    for (size_t i = 0; i < v.size(); ++i) {
        const size_t b = i * buckets / v.size();
        out[b] = std::max(out[b], v[i]);
    }
    return out;
}

}  // namespace

void draw_imatrix_view(const ViewInput& in, ImatrixPanel& p) {
    // Appended to the Model menu (ImGui merges menus of the same name), so the
    // shared main_menu.cpp needs no change.
    if (ImGui::BeginMainMenuBar()) {
        if (ImGui::BeginMenu("Model")) {
            ImGui::Separator();
            if (ImGui::MenuItem("Importance (imatrix)...", nullptr, p.open)) p.open = !p.open;
            ImGui::EndMenu();
        }
        ImGui::EndMainMenuBar();
    }
    if (!p.open) return;
    const ImVec2 disp = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(disp.x * 0.22f, disp.y * 0.12f), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(disp.x * 0.5f, disp.y * 0.55f), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("Importance (imatrix)", &p.open)) {
        ImGui::End();
        return;
    }
    // File
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%s", p.path_input.c_str());
    ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Load").x - ImGui::GetStyle().FramePadding.x * 4);
    if (ImGui::InputTextWithHint("##imxpath", "imatrix.gguf / imatrix.dat", buf, sizeof buf)) p.path_input = buf;
    ImGui::SameLine();
    ImGui::BeginDisabled(p.loading() || p.path_input.empty());
    if (ImGui::Button("Load")) p.load(p.path_input);
    ImGui::EndDisabled();
    if (p.loading()) ImGui::TextDisabled("Loading...");
    if (!p.load_error().empty()) ImGui::TextColored(in.pal.bad, "%s", p.load_error().c_str());
    const io::Imatrix* imx = p.imatrix();
    if (!imx) {
        ImGui::TextWrapped("Load a llama.cpp importance matrix (llama-imatrix output, GGUF or legacy .dat) to see "
                           "which input columns of a weight carry the most activation energy, and the error "
                           "weighted by it.");
        ImGui::End();
        return;
    }
    ImGui::TextDisabled("%s: %s, %zu tensors, %lld chunks", imx->path.c_str(), imx->format.c_str(), imx->entries.size(),
                        (long long)imx->chunk_count);
    ImGui::Separator();
    if (!require_tensor(in)) {
        ImGui::End();
        return;
    }
    const auto& st = p.stats();
    if (!p.error().empty()) ImGui::TextColored(in.pal.bad, "%s", p.error().c_str());
    if (!st) {
        ImGui::TextDisabled(p.computing() ? "Computing..." : "Nothing to show yet.");
        ImGui::End();
        return;
    }
    ImGui::Text("%s", st->tensor.c_str());
    if (p.computing()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(updating)");
    }
    if (!st->note.empty()) ImGui::TextDisabled("%s", st->note.c_str());
    if (st->columns.empty()) {
        ImGui::TextWrapped("This tensor is not in the imatrix (llama.cpp names, e.g. blk.0.attn_q.weight): no "
                           "per-column importance to show.");
        ImGui::End();
        return;
    }
    // Metrics: plain vs imatrix-weighted MSE of A and B.
    if (ImGui::BeginTable("imxmetrics", st->b ? 3 : 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("");
        ImGui::TableSetupColumn(("A: " + st->a->spec).c_str());
        if (st->b) ImGui::TableSetupColumn(("B: " + st->b->spec).c_str());
        ImGui::TableHeadersRow();
        auto row = [&](const char* label, double ImportanceStats::Metric::*f, const char* tip) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(label);
            help_tooltip(tip);
            ImGui::TableNextColumn();
            ImGui::Text("%.4e", (*st->a).*f);
            if (st->b) {
                ImGui::TableNextColumn();
                ImGui::Text("%.4e", (*st->b).*f);
            }
        };
        row("MSE", &ImportanceStats::Metric::mse, "mean (x - x^)^2 over all weights");
        row("imatrix-weighted MSE", &ImportanceStats::Metric::weighted_mse,
            "sum_ij w_j (x_ij - x^_ij)^2 / sum_ij w_j, w_j = the imatrix importance of input column j (what "
            "llama-quantize minimises and the planner's imatrix cost); equals the MSE for a flat imatrix");
        ImGui::EndTable();
    }
    ImGui::Text("%zu input columns%s; max/median importance %.1fx", st->columns.size(),
                st->n_mat > 1 ? " (mean over experts)" : "", st->col_median > 0 ? st->col_max / st->col_median : 0.0);
    // Bar chart, one bar per column (or per bucket of columns: the bucket's maximum).
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const size_t buckets = size_t(std::max(16.0f, avail.x / 2.0f));
    const auto bars = bucket_max(st->columns, buckets);
    ImGui::PlotHistogram("##imxbars", bars.data(), int(bars.size()), 0, "importance per input column", 0.0f,
                         float(st->col_max) * 1.05f, ImVec2(avail.x, std::max(80.0f, avail.y - 4.0f)));
    if (ImGui::IsItemHovered() && !bars.empty()) {
        const float fx = (ImGui::GetIO().MousePos.x - ImGui::GetItemRectMin().x) / ImGui::GetItemRectSize().x;
        const size_t b = std::min(bars.size() - 1, size_t(std::max(0.0f, fx) * float(bars.size())));
        const size_t lo = b * st->columns.size() / bars.size(), hi = (b + 1) * st->columns.size() / bars.size();
        ImGui::SetTooltip("columns %zu-%zu: max importance %.4g", lo, hi ? hi - 1 : 0, bars[b]);
    }
    ImGui::End();
}

}  // namespace qs::app
