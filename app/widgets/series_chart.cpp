// The series chart widget; see series_chart.hpp.
#include "app/widgets/series_chart.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <vector>

namespace qs::app {

void series_chart(const char* id, const ChartSpec& spec, std::span<const ChartSeries> series, XRange& xr,
                  const Palette& pal) {
    uint64_t n = 0;
    double ylo = std::numeric_limits<double>::infinity(), yhi = -ylo;
    for (const auto& s : series) {
        if (!s.env || s.env->n == 0) continue;
        n = std::max(n, s.env->n);
        for (size_t b = 0; b < s.env->buckets(); ++b) {
            const float lo = s.env->lo[b], hi = s.env->hi[b];
            if (!std::isfinite(lo) || !std::isfinite(hi)) continue;
            if (spec.yscale == YScale::Log10) {
                if (hi > 0) yhi = std::max(yhi, double(hi));
                if (lo > 0) ylo = std::min(ylo, double(lo));
                else if (hi > 0) ylo = std::min(ylo, double(hi));
            } else {
                ylo = std::min(ylo, double(lo));
                yhi = std::max(yhi, double(hi));
            }
        }
    }
    if (!(yhi >= ylo)) ylo = 0, yhi = 1;
    PlotSpec ps;
    ps.size = spec.size;
    ps.data_lo = 0;
    ps.data_hi = double(std::max<uint64_t>(n, 1));
    if (spec.yscale == YScale::Log10) {
        ps.y_lo = ylo;
        ps.y_hi = yhi * 1.5;
        if (!(ps.y_hi > ps.y_lo)) ps.y_hi = ps.y_lo * 10;
    } else {
        ps.y_lo = std::min(0.0, ylo);
        ps.y_hi = yhi > ps.y_lo ? yhi + (yhi - ps.y_lo) * 0.06 : ps.y_lo + 1;
    }
    ps.yscale = spec.yscale;
    ps.x_label = spec.x_label;
    ps.integer_x = true;
    PlotFrame f = begin_plot(id, ps, xr, pal);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int w = std::max(1, int(std::ceil(f.rect.GetWidth())));
    const float base = spec.yscale == YScale::Log10 ? f.rect.Max.y : f.y_px(0.0);

    for (const auto& s : series) {
        if (!s.env || s.env->n == 0) continue;
        const Envelope& e = *s.env;
        std::vector<float> clo(size_t(w), std::numeric_limits<float>::quiet_NaN()), chi = clo;
        for (size_t b = 0; b < e.buckets(); ++b) {
            const double a = double(b * e.per_bucket), z = double(std::min<uint64_t>(e.n, (b + 1) * e.per_bucket));
            if (z < f.x0 || a > f.x1) continue;
            const float lo = e.lo[b], hi = e.hi[b];
            if (!std::isfinite(lo) || !std::isfinite(hi)) continue;
            const int c0 = std::max(0, int(std::floor(f.x_px(a) - f.rect.Min.x)));
            const int c1 = std::min(w - 1, std::max(c0, int(std::ceil(f.x_px(z) - f.rect.Min.x)) - 1));
            for (int c = c0; c <= c1; ++c) {
                float& l = clo[size_t(c)];
                float& h = chi[size_t(c)];
                l = std::isnan(l) ? lo : std::min(l, lo);
                h = std::isnan(h) ? hi : std::max(h, hi);
            }
        }
        std::vector<ImVec2> line;
        for (int c = 0; c < w; ++c) {
            if (std::isnan(chi[size_t(c)])) continue;
            const float x = f.rect.Min.x + float(c);
            const float yh = f.y_px(chi[size_t(c)]), yl = f.y_px(clo[size_t(c)]);
            if (spec.bars) {
                dl->AddRectFilled(ImVec2(x, std::min(yh, base)), ImVec2(x + 1, std::max(yh, base)), s.color);
            } else {
                if (yl - yh >= 1.0f) dl->AddLine(ImVec2(x + 0.5f, yh), ImVec2(x + 0.5f, yl), s.color & 0x80FFFFFF);
                line.push_back(ImVec2(x + 0.5f, yh));
            }
        }
        if (!spec.bars && line.size() >= 2) dl->AddPolyline(line.data(), int(line.size()), s.color, 0, 1.5f);
    }

    // Hover: the point (or bucket) under the mouse, for every series.
    if (f.hovered && n > 0) {
        const double mx = f.mouse_x;
        if (mx >= 0 && mx < double(n)) {
            const float px = ImGui::GetIO().MousePos.x;
            dl->AddLine(ImVec2(px, f.rect.Min.y), ImVec2(px, f.rect.Max.y), pal.hover_line);
            ImGui::BeginTooltip();
            for (const auto& s : series) {
                if (!s.env || s.env->n == 0 || mx >= double(s.env->n)) continue;
                const Envelope& e = *s.env;
                const size_t b = size_t(mx) / e.per_bucket;
                if (b >= e.buckets()) continue;
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color | 0xFF000000), "%s", s.label);
                ImGui::SameLine();
                if (e.per_bucket == 1) {
                    if (spec.sorted)
                        ImGui::Text("rank %zu: %s %llu = %s", b, spec.item, (unsigned long long)e.arg_hi[b],
                                    short_number(e.hi[b]).c_str());
                    else
                        ImGui::Text("%s %zu = %s", spec.item, b, short_number(e.hi[b]).c_str());
                } else {
                    const uint64_t a = b * e.per_bucket, z = std::min<uint64_t>(e.n, a + e.per_bucket) - 1;
                    ImGui::Text("%s %llu-%llu: max %s (%s %llu), min %s", spec.sorted ? "ranks" : (std::string(spec.item) + "s").c_str(),
                                (unsigned long long)a, (unsigned long long)z, short_number(e.hi[b]).c_str(), spec.item,
                                (unsigned long long)e.arg_hi[b], short_number(e.lo[b]).c_str());
                }
            }
            ImGui::EndTooltip();
        }
    }
    end_plot(f);
}

}  // namespace qs::app
