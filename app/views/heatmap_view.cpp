// The Heatmap window: weights, |error| or code index of the selected tensor's
// 2-D view (rows = all but the last dim), coloured by a GLSL shader from float
// textures: viridis, or a diverging map for signed data. Wheel zooms to pixel
// level, drag pans, double-click fits. Zoomed out, each pixel shows its
// block's extreme from a min/max pyramid (outliers never vanish). With a
// pinned spec, A and B are side by side with one shared view.
#include "app/views/views.hpp"

#include "app/widgets/colorbar.hpp"
#include "app/widgets/plot.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

namespace {

struct Pane {
    const HeatmapBundle* bundle;
    const char* title;
    int slot;
};

// Fits the tensor into w x h pixels, centred.
void fit_view(HeatView& v, const Shape2D& s, float w, float h) {
    v.ppe = std::min(double(w) / double(std::max<int64_t>(1, s.cols)), double(h) / double(std::max<int64_t>(1, s.rows)));
    v.c0 = (double(s.cols) - double(w) / v.ppe) * 0.5;
    v.r0 = (double(s.rows) - double(h) / v.ppe) * 0.5;
}

void hover_readout(const HeatmapBundle& b, int level, int64_t r, int64_t c) {
    const int64_t cols = b.size.cols;
    const size_t i = size_t(r * cols + c);
    ImGui::BeginTooltip();
    ImGui::Text("row %lld, col %lld", (long long)r, (long long)c);
    const float x = b.tensor->data[i];
    ImGui::Text("value        %s", short_number(x).c_str());
    if (b.result && b.result->dequantized.size() == b.tensor->data.size()) {
        const float d = b.result->dequantized[i];
        ImGui::Text("quantized    %s", short_number(d).c_str());
        ImGui::Text("|error|      %s", short_number(std::fabs(x - d)).c_str());
    }
    if (b.result && b.result->codes.size() == b.tensor->data.size()) ImGui::Text("code         %d", b.result->codes[i]);
    if (level > 0) {
        const auto& l = b.pyramid->levels[size_t(level - 1)];
        const int64_t lr = r >> level, lc = c >> level;
        const size_t j = size_t(lr * l.cols + lc);
        ImGui::TextDisabled("this pixel shows a %dx%d block: min %s, max %s", 1 << level, 1 << level,
                            short_number(l.lo[j]).c_str(), short_number(l.hi[j]).c_str());
    }
    ImGui::EndTooltip();
}

}  // namespace

void draw_heatmap_view(const ViewInput& in, HeatmapUi& ui, HeatmapRenderer* gpu, Intents& out) {
    ViewWindow w(in, ViewId::Heatmap, out);
    if (!w) return;
    // ---- toolbar
    const HeatmapKind kinds[] = {HeatmapKind::Weights, HeatmapKind::AbsError, HeatmapKind::Codes};
    for (HeatmapKind k : kinds) {
        if (k != HeatmapKind::Weights) ImGui::SameLine();
        if (ImGui::RadioButton(heatmap_kind_name(k), in.s.heatmap_kind == k) && in.s.heatmap_kind != k)
            out.push_back(intent::SetHeatmapKind{k});
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("fit")) ui.view.fit = true;
    help_tooltip("wheel: zoom (to single elements), drag: pan, double-click: fit");
    ImGui::SameLine();
    if (ImGui::SmallButton("options")) ImGui::OpenPopup("heat options");
    if (ImGui::BeginPopup("heat options")) {
        const char* cmaps[] = {"auto", "viridis", "diverging"};
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
        ImGui::Combo("colour map", &ui.cmap, cmaps, 3);
        help_tooltip("auto: diverging (blue-grey-red, centred on 0) for signed data, viridis otherwise");
        ImGui::Checkbox("robust colour range", &ui.robust);
        help_tooltip("colour range from the 0.1% and 99.9% quantiles, so a few outliers do not wash out the rest\n"
                     "(they saturate at the ends of the map); off: the full min..max range");
        ImGui::Checkbox("block extremes", &ui.extreme);
        help_tooltip("zoomed out, a pixel covers a block: show its value furthest from 0 (extreme) or its maximum");
        ImGui::EndPopup();
    }
    if (!gpu) {
        ImGui::TextColored(in.pal.bad, "Heatmaps are unavailable: %s", ui.gl_error.c_str());
        return;
    }
    if (!require_tensor(in)) return;
    const HeatmapBundle* a = result_or_status(in, in.s.heat_a, "the heatmap");
    if (!a) return;
    const HeatmapBundle* b = (in.s.pinned && in.s.heat_b.value) ? in.s.heat_b.value.get() : nullptr;
    const Pyramid& pa = *a->pyramid;

    // ---- colour range shared by the panes (codes of two specs are not comparable:
    // each pane then uses its own range, so a 3-bit map is not washed out by an 8-bit one)
    const bool own_ranges = a->kind == HeatmapKind::Codes;
    float vmin = ui.robust ? pa.robust_lo : pa.vmin, vmax = ui.robust ? pa.robust_hi : pa.vmax;
    if (b && b->pyramid && !own_ranges) {
        vmin = std::min(vmin, ui.robust ? b->pyramid->robust_lo : b->pyramid->vmin);
        vmax = std::max(vmax, ui.robust ? b->pyramid->robust_hi : b->pyramid->vmax);
    }
    if (!(vmax > vmin)) vmin = pa.vmin, vmax = pa.vmax;
    bool diverging = a->kind != HeatmapKind::AbsError && vmin < 0 && vmax > 0;
    if (ui.cmap == 1) diverging = false;
    if (ui.cmap == 2) diverging = true;
    if (a->kind == HeatmapKind::AbsError) vmin = 0;
    float b_vmin = vmin, b_vmax = vmax;
    bool b_diverging = diverging;
    if (own_ranges && b && b->pyramid) {
        const Pyramid& pb = *b->pyramid;
        b_vmin = ui.robust ? pb.robust_lo : pb.vmin;
        b_vmax = ui.robust ? pb.robust_hi : pb.vmax;
        if (!(b_vmax > b_vmin)) b_vmin = pb.vmin, b_vmax = pb.vmax;
        b_diverging = ui.cmap == 2 || (ui.cmap == 0 && b_vmin < 0 && b_vmax > 0);
    }

    const float lh = ImGui::GetTextLineHeight();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float bar_h = lh * 1.2f;
    const float gap = b ? ImGui::GetStyle().ItemSpacing.x : 0;
    const float pane_w = std::floor((avail.x - gap) / (b ? 2.0f : 1.0f));
    const float info_h = ImGui::GetTextLineHeightWithSpacing();
    const float pane_h = std::floor(std::max(20.0f, avail.y - info_h - bar_h - ImGui::GetStyle().ItemSpacing.y * 2));
    if (pane_w < 8 || pane_h < 8) return;
    if (ui.view.fit) fit_view(ui.view, a->size, pane_w, pane_h);

    const double epp = 1.0 / ui.view.ppe;  // elements per pixel
    const int level = pick_level(pa, epp, gpu->max_texture_size());
    const int wanted = pick_level(pa, epp, 1 << 30);
    if (level < 0) {
        ImGui::TextColored(in.pal.bad, "This tensor (%lld x %lld) is too large for GL_MAX_TEXTURE_SIZE %d.",
                           (long long)a->size.rows, (long long)a->size.cols, gpu->max_texture_size());
        return;
    }
    ImGui::TextDisabled("%s  %lld x %lld  zoom %.3gx  %s%s", heatmap_kind_name(a->kind), (long long)a->size.rows,
                        (long long)a->size.cols, ui.view.ppe,
                        level == 0 ? "every element"
                                   : fmt::format("{0}x{0} blocks, {1}", 1 << level, ui.extreme ? "extremes" : "maxima").c_str(),
                        in.s.heat_a.status == JobStatus::Running ? "  (updating)" : "");
    if (level > wanted) {
        ImGui::SameLine();
        ImGui::TextColored(in.pal.warn, "(texture limit %d: zoom stops at %dx%d blocks)", gpu->max_texture_size(),
                           1 << level, 1 << level);
    }

    const Pane panes[] = {{a, "A", 0}, {b, "B", 1}};
    for (int p = 0; p < (b ? 2 : 1); ++p) {
        const Pane& pane = panes[p];
        if (p) ImGui::SameLine(0, gap);
        const ImVec2 pos = ImGui::GetCursorScreenPos();
        HeatmapDraw d;
        d.pyramid = &pane.bundle->pyramid;
        d.level = std::min(level, int(pane.bundle->pyramid->levels.size()));
        d.c0 = ui.view.c0;
        d.r0 = ui.view.r0;
        d.c1 = ui.view.c0 + double(pane_w) / ui.view.ppe;
        d.r1 = ui.view.r0 + double(pane_h) / ui.view.ppe;
        d.cmap = diverging ? Colormap::Diverging : Colormap::Viridis;
        d.diverging = diverging;
        d.mode = ui.extreme ? 1 : 0;
        d.vmin = vmin;
        d.vmax = vmax;
        if (own_ranges && p == 1) {
            d.vmin = b_vmin;
            d.vmax = b_vmax;
            d.diverging = b_diverging;
            d.cmap = b_diverging ? Colormap::Diverging : Colormap::Viridis;
        }
        d.center = 0;
        d.background = in.pal.heat_bg;
        d.nan_color = in.pal.heat_nan;
        std::string err;
        ImTextureID tex = gpu->draw(pane.slot, d, int(pane_w), int(pane_h), err);
        if (!tex) {
            ImGui::BeginChild(pane.title, ImVec2(pane_w, pane_h));
            ImGui::TextColored(in.pal.bad, "%s", err.empty() ? "cannot draw this heatmap" : err.c_str());
            ImGui::EndChild();
            continue;
        }
        ImGui::Image(tex, ImVec2(pane_w, pane_h), ImVec2(0, 1), ImVec2(1, 0));
        if (b) ImGui::GetWindowDrawList()->AddText(ImVec2(pos.x + 4, pos.y + 2), IM_COL32(255, 255, 255, 220), pane.title);
        // Interaction on the image: the view is shared by both panes.
        ImGui::SetCursorScreenPos(pos);
        ImGui::PushID(p);
        ImGui::InvisibleButton("##heat", ImVec2(pane_w, pane_h));
        ImGui::PopID();
        const ImGuiIO& io = ImGui::GetIO();
        if (ImGui::IsItemHovered()) {
            const double mc = ui.view.c0 + double(io.MousePos.x - pos.x) / ui.view.ppe;
            const double mr = ui.view.r0 + double(io.MousePos.y - pos.y) / ui.view.ppe;
            if (io.MouseWheel != 0) {
                const double fit_ppe = std::min(double(pane_w) / double(a->size.cols), double(pane_h) / double(a->size.rows));
                const double np = std::clamp(ui.view.ppe * std::pow(1.25, double(io.MouseWheel)), fit_ppe * 0.5, 64.0);
                ui.view.c0 = mc - double(io.MousePos.x - pos.x) / np;
                ui.view.r0 = mr - double(io.MousePos.y - pos.y) / np;
                ui.view.ppe = np;
                ui.view.fit = false;
            }
            if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) ui.view.fit = true;
            const int64_t r = int64_t(std::floor(mr)), c = int64_t(std::floor(mc));
            if (r >= 0 && c >= 0 && r < a->size.rows && c < a->size.cols && !ImGui::IsItemActive())
                hover_readout(*pane.bundle, d.level, r, c);
        }
        if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
            ui.view.c0 -= double(io.MouseDelta.x) / ui.view.ppe;
            ui.view.r0 -= double(io.MouseDelta.y) / ui.view.ppe;
            ui.view.fit = false;
        }
    }
    if (own_ranges && b) {  // one bar per pane: each has its own code range
        colorbar(ImVec2(pane_w, bar_h), diverging ? Colormap::Diverging : Colormap::Viridis, vmin, vmax, diverging, 0.0,
                 in.pal);
        ImGui::SameLine(0, gap);
        colorbar(ImVec2(pane_w, bar_h), b_diverging ? Colormap::Diverging : Colormap::Viridis, b_vmin, b_vmax,
                 b_diverging, 0.0, in.pal);
    } else {
        colorbar(ImVec2(avail.x, bar_h), diverging ? Colormap::Diverging : Colormap::Viridis, vmin, vmax, diverging, 0.0,
                 in.pal);
    }
}

}  // namespace qs::app
