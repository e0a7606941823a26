// The Error window: the histogram of x - x^ (A, and B when pinned), and the
// per-channel / per-group error, scale or zero point as a bar or line chart,
// in order or sorted, hover naming the channel.
#include "app/views/views.hpp"

#include "app/widgets/histogram_plot.hpp"
#include "app/widgets/series_chart.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace qs::app {

void draw_error_view(const ViewInput& in, ErrorUi& ui, Intents& out) {
    ViewWindow w(in, ViewId::Error, out);
    if (!w) return;
    if (!require_tensor(in)) return;
    const Analysis* a = result_or_status(in, in.s.a, "the quantization");
    if (!a) return;
    const quant::QuantResult& r = *a->result;
    const Analysis* b = (in.s.pinned && in.s.b.value) ? in.s.b.value.get() : nullptr;
    const float avail = ImGui::GetContentRegionAvail().y;
    const float line = ImGui::GetFrameHeightWithSpacing();

    // ---- error histogram
    ImGui::Checkbox("log y##err", &ui.err_log);
    ImGui::SameLine();
    ImGui::TextDisabled("x - x^: MSE %s, max |err| %s", short_number(r.mse).c_str(), short_number(r.max_abs_err).c_str());
    double lo = r.hist_err.lo, hi = r.hist_err.hi;
    uint64_t ymax = std::max<uint64_t>(1, max_count(r.hist_err));
    if (b) {
        lo = std::min(lo, b->result->hist_err.lo);
        hi = std::max(hi, b->result->hist_err.hi);
        ymax = std::max(ymax, max_count(b->result->hist_err));
    }
    PlotSpec ps;
    ps.size = ImVec2(0, std::max(80.0f, avail * 0.42f - line));
    ps.data_lo = lo;
    ps.data_hi = hi;
    ps.y_hi = ui.err_log ? double(ymax) * 1.5 : double(ymax) * 1.08;
    ps.yscale = ui.err_log ? YScale::Log1p : YScale::Linear;
    ps.x_label = "x - x^";
    PlotFrame f = begin_plot("errhist", ps, ui.hist_x, in.pal);
    BarStyle s;
    s.fill = in.pal.err_fill;
    s.line = in.pal.err;
    plot_histogram(f, r.hist_err, s);
    if (b) {
        BarStyle sb;
        sb.line = in.pal.b;
        sb.line_thickness = 2.0f;
        plot_histogram(f, b->result->hist_err, sb);
    }
    if (f.hovered) {
        ImGui::BeginTooltip();
        ImGui::Text("error = %s", short_number(f.mouse_x).c_str());
        if (auto i = bin_at(r.hist_err, f.mouse_x)) ImGui::Text("A: %llu values", (unsigned long long)r.hist_err.counts[*i]);
        if (b)
            if (auto i = bin_at(b->result->hist_err, f.mouse_x))
                ImGui::Text("B: %llu values", (unsigned long long)b->result->hist_err.counts[*i]);
        ImGui::EndTooltip();
    }
    end_plot(f);

    // ---- per-group chart
    const char* names[] = {"error (MSE)", "scale", "zero point"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::Combo("##series", &ui.series, names, 3);
    ImGui::SameLine();
    ImGui::Checkbox("sorted", &ui.sorted);
    help_tooltip("largest first; the read-out still names the channel");
    ImGui::SameLine();
    if (ImGui::SmallButton("options")) ImGui::OpenPopup("chart options");
    if (ImGui::BeginPopup("chart options")) {
        ImGui::Checkbox("bars (off: line with min/max whiskers)", &ui.bars);
        ImGui::Checkbox("log y", &ui.log_y);
        if (ImGui::Button("save as CSV...")) {
            in.dialog->ask(DialogPurpose::CsvGroups);
            ImGui::CloseCurrentPopup();
        }
        help_tooltip("per-group scale, zero point, MSE and clip range");
        ImGui::EndPopup();
    }
    if (r.n_groups == 0) {
        ImGui::TextDisabled("This result has no per-group data.");
        return;
    }
    if (r.n_groups == 1) {
        // Wrapped: the window is often narrow.
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("One group for the whole tensor: scale %s, zero point %s, MSE %s. "
                           "Per-channel or per-group granularity gives a chart here.",
                           r.group_scale.empty() ? "?" : short_number(r.group_scale[0]).c_str(),
                           r.group_zero_point.empty() ? "?" : short_number(r.group_zero_point[0]).c_str(),
                           short_number(r.mse).c_str());
        ImGui::PopStyleColor();
        return;
    }
    const char* item = r.spec.granularity == quant::Granularity::PerChannel ? "channel"
                       : r.spec.granularity == quant::Granularity::PerTensor ? "tensor"
                                                                             : "group";
    auto pick = [&](const Analysis& x) -> const Envelope* {
        const SeriesPair& p = ui.series == 0 ? x.group_mse : ui.series == 1 ? x.group_scale : x.group_zero_point;
        return ui.sorted ? &p.sorted : &p.in_order;
    };
    std::vector<ChartSeries> series{{pick(*a), in.pal.err, "A"}};
    if (b) series.push_back({pick(*b), in.pal.b, "B"});
    ChartSpec cs;
    cs.size = ImVec2(0, 0);
    cs.bars = ui.bars;
    cs.yscale = ui.log_y ? YScale::Log10 : YScale::Linear;
    cs.sorted = ui.sorted;
    cs.item = item;
    const std::string xl = ui.sorted ? fmt::format("rank (of {} {}s)", r.n_groups, item) : fmt::format("{} ({})", item, r.n_groups);
    cs.x_label = xl.c_str();
    series_chart("groups", cs, series, ui.chart_x, in.pal);
}

}  // namespace qs::app
