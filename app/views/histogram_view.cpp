// The Histogram window: original and dequantized histograms overlaid (A, and
// B when pinned), linear or log y, the quantization grid as lines, the clip
// range as two draggable handles (a drag sets a manual clip and re-quantizes
// live), the clipped mass in red, x zoom/pan, and a read-out under the mouse.
#include "app/views/views.hpp"

#include "app/widgets/clip_handle.hpp"
#include "app/widgets/histogram_plot.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

void draw_histogram_view(const ViewInput& in, HistogramUi& ui, Intents& out) {
    ViewWindow w(in, ViewId::Histogram, out);
    if (!w) return;
    ui.has_frame = false;
    if (!require_tensor(in)) return;
    const Analysis* a = result_or_status(in, in.s.a, "the quantization");
    if (!a) return;
    const quant::QuantResult& r = *a->result;
    const quant::QuantResult* b = (in.s.pinned && in.s.b.value) ? in.s.b.value->result.get() : nullptr;

    // ---- toolbar
    bool log_y = ui.yscale != YScale::Linear;
    if (ImGui::Checkbox("log y", &log_y)) ui.yscale = log_y ? YScale::Log1p : YScale::Linear;
    ImGui::SameLine();
    ImGui::Checkbox("grid", &ui.show_grid);
    help_tooltip("the dequantized levels (of the first group when there are several)");
    ImGui::SameLine();
    ImGui::Checkbox("original", &ui.show_orig);
    ImGui::SameLine();
    ImGui::Checkbox("dequantized", &ui.show_deq);
    if (b) {
        ImGui::SameLine();
        ImGui::Checkbox("B", &ui.show_b);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.5f);
    if (ImGui::BeginCombo("bins", std::to_string(in.s.settings.hist_bins).c_str())) {
        for (int n : {64, 128, 256, 512, 1024, 2048})
            if (ImGui::Selectable(std::to_string(n).c_str(), n == in.s.settings.hist_bins))
                out.push_back(intent::SetHistBins{n});
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("fit")) ui.x.zoomed = false;
    help_tooltip("reset the zoom (or double-click the plot); wheel zooms, drag pans");
    ImGui::SameLine();
    if (ImGui::SmallButton("CSV")) in.dialog->ask(DialogPurpose::CsvHistogram);
    help_tooltip("save the bins behind this plot as CSV");

    // ---- summary line
    const bool manual = in.s.spec.clip_lo.has_value() && in.s.spec.clip_hi.has_value();
    // Several groups each have their own range: the handles show the widest (their union);
    // dragging one sets a single manual range for all groups.
    const bool per_group = r.n_groups > 1 && !manual;
    double union_lo = r.clip_lo, union_hi = r.clip_hi;
    if (per_group && !r.group_clip_lo.empty() && !r.group_clip_hi.empty()) {
        union_lo = *std::min_element(r.group_clip_lo.begin(), r.group_clip_lo.end());
        union_hi = *std::max_element(r.group_clip_hi.begin(), r.group_clip_hi.end());
    }
    ImGui::TextDisabled("SQNR %.2f dB   clipped %s   %llu/%llu levels used%s%s", r.sqnr_db,
                        percent(r.clipped_fraction).c_str(), (unsigned long long)r.codes_used,
                        (unsigned long long)r.levels, manual ? "   manual clip" : "",
                        in.s.a.status == JobStatus::Running ? "   (updating)" : "");

    // ---- the plot
    double lo = r.hist_orig.lo, hi = r.hist_orig.hi;
    // Handles show what the user set (or the calibrated range); shading and the clipped mass
    // show what the quantizer actually used (a symmetric scheme may widen a manual range).
    double clip_lo = manual ? *in.s.spec.clip_lo : union_lo, clip_hi = manual ? *in.s.spec.clip_hi : union_hi;
    const double eff_lo = per_group ? union_lo : r.clip_lo, eff_hi = per_group ? union_hi : r.clip_hi;
    lo = std::min({lo, clip_lo, r.hist_deq.lo});
    hi = std::max({hi, clip_hi, r.hist_deq.hi});
    const double pad = (hi - lo) * 0.02;
    uint64_t ymax = std::max<uint64_t>(1, max_count(r.hist_orig));
    if (ui.yscale != YScale::Linear) {
        ymax = std::max(ymax, max_count(r.hist_deq));
        if (b) ymax = std::max(ymax, max_count(b->hist_deq));
    }
    PlotSpec ps;
    ps.data_lo = lo - pad;
    ps.data_hi = hi + pad;
    ps.y_lo = 0;
    ps.y_hi = ui.yscale == YScale::Linear ? double(ymax) * 1.08 : double(ymax) * 1.5;
    ps.yscale = ui.yscale;
    ps.x_label = "value";
    PlotFrame f = begin_plot("hist", ps, ui.x, in.pal);

    plot_outside(f, eff_lo, eff_hi, in.pal.clip_shade);
    bool grid_drawn = true;
    if (ui.show_grid) grid_drawn = plot_vlines(f, r.grid, in.pal.qgrid, 3.0f);
    if (ui.show_orig) {
        BarStyle s;
        s.fill = in.pal.orig_fill;
        s.clip_fill = in.pal.clip_mass;
        s.clip_lo = eff_lo;
        s.clip_hi = eff_hi;
        plot_histogram(f, r.hist_orig, s);
    }
    if (ui.show_deq) {
        // Outline only: at high bit widths it traces the original; at low ones it shows the spikes.
        BarStyle s;
        s.line = in.pal.deq;
        s.line_thickness = 1.75f;
        plot_histogram(f, r.hist_deq, s);
    }
    if (b && ui.show_b) {
        BarStyle s;
        s.line = in.pal.b;
        s.line_thickness = 2.0f;
        plot_histogram(f, b->hist_deq, s);
    }

    // Clip handles: a drag sets the manual clip (one undo step per drag).
    const double eps = (hi - lo) * 1e-4 + 1e-12;
    double new_lo = clip_lo, new_hi = clip_hi;
    HandleEvents ev_lo, ev_hi;
    const double ext_lo = lo - (hi - lo), ext_hi = hi + (hi - lo);
    const bool moved_lo = clip_handle("##clip_lo", &new_lo, f, "lo", in.pal.handle, in.pal.handle_hot, ext_lo,
                                      clip_hi - eps, &ev_lo);
    const bool moved_hi = clip_handle("##clip_hi", &new_hi, f, "hi", in.pal.handle, in.pal.handle_hot, clip_lo + eps,
                                      ext_hi, &ev_hi);
    if (ev_lo.activated || ev_hi.activated) {
        ui.gesture = (uint64_t(2) << 62) | ++ui.gestures;
        // Freeze the x axis while dragging: the data range includes the clip, and a moving
        // axis under the mouse would make the handle run away.
        if (!ui.x.zoomed) {
            ui.x = {f.x0, f.x1, true};
            ui.x_locked_by_drag = true;
        }
    } else if (ui.x_locked_by_drag && !ev_lo.active && !ev_hi.active) {
        ui.x.zoomed = false;
        ui.x_locked_by_drag = false;
    }
    if (moved_lo || moved_hi) out.push_back(intent::SetClip{new_lo, new_hi, ui.gesture});
    if (ev_lo.hovered || ev_hi.hovered) {
        ImGui::BeginTooltip();
        ImGui::Text("clip range [%s, %s]%s", short_number(clip_lo).c_str(), short_number(clip_hi).c_str(),
                    per_group ? " (widest of the groups' ranges)" : "");
        if (per_group)
            ImGui::TextDisabled("each of the %llu groups has its own range; a drag sets one range for all",
                                (unsigned long long)r.n_groups);
        ImGui::TextDisabled("drag to set a manual clip; values outside saturate at qmin/qmax");
        ImGui::TextDisabled("now %s of the values are clipped", percent(r.clipped_fraction).c_str());
        ImGui::EndTooltip();
    }

    // Read-out under the mouse.
    if (f.hovered && !ev_lo.hovered && !ev_hi.hovered && !ev_lo.active && !ev_hi.active) {
        const float px = ImGui::GetIO().MousePos.x;
        ImGui::GetWindowDrawList()->AddLine(ImVec2(px, f.rect.Min.y), ImVec2(px, f.rect.Max.y), in.pal.hover_line);
        ImGui::BeginTooltip();
        ImGui::Text("x = %s", short_number(f.mouse_x).c_str());
        const double n = double(std::max<uint64_t>(1, r.numel));
        if (auto i = bin_at(r.hist_orig, f.mouse_x)) {
            const double bw = r.hist_orig.bin_width();
            ImGui::TextDisabled("bin [%s, %s)", short_number(r.hist_orig.lo + double(*i) * bw).c_str(),
                                short_number(r.hist_orig.lo + double(*i + 1) * bw).c_str());
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(in.pal.orig_line), "original     %llu (%s)",
                               (unsigned long long)r.hist_orig.counts[*i], percent(double(r.hist_orig.counts[*i]) / n).c_str());
        }
        if (auto i = bin_at(r.hist_deq, f.mouse_x))
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(in.pal.deq), "dequantized  %llu (%s)",
                               (unsigned long long)r.hist_deq.counts[*i], percent(double(r.hist_deq.counts[*i]) / n).c_str());
        if (b)
            if (auto i = bin_at(b->hist_deq, f.mouse_x))
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(in.pal.b), "B            %llu",
                                   (unsigned long long)b->hist_deq.counts[*i]);
        if (f.mouse_x < eff_lo || f.mouse_x > eff_hi) ImGui::TextColored(in.pal.bad, "outside the clip range");
        ImGui::EndTooltip();
    }
    end_plot(f);

    // Legend and notes under the plot area.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float lh = ImGui::GetTextLineHeight();
    float x = f.rect.Min.x + 6, y = f.rect.Min.y + lh * 1.4f;
    auto legend = [&](ImU32 c, const std::string& text) {
        dl->AddRectFilled(ImVec2(x, y + lh * 0.25f), ImVec2(x + lh * 0.8f, y + lh * 0.75f), c | 0xFF000000);
        dl->AddText(ImVec2(x + lh, y), in.pal.tick_text, text.c_str());
        y += lh * 1.1f;
    };
    if (ui.show_orig) legend(in.pal.orig_fill, "original");
    if (ui.show_deq) legend(in.pal.deq, "dequantized (A)");
    if (b && ui.show_b) legend(in.pal.b, "dequantized (B)");
    legend(in.pal.clip_mass, "clipped mass " + percent(r.clipped_fraction));
    if (ui.show_grid && !grid_drawn)
        dl->AddText(ImVec2(x, y), in.pal.tick_text, fmt::format("grid: {} levels, too dense to draw", r.grid.size()).c_str());
    else if (ui.show_grid && r.n_groups > 1)
        dl->AddText(ImVec2(x, y), in.pal.tick_text, fmt::format("grid of group 0 (of {})", r.n_groups).c_str());

    ui.has_frame = true;
    ui.frame = f;
    ui.handle_lo = clip_lo;
    ui.handle_hi = clip_hi;
}

}  // namespace qs::app
