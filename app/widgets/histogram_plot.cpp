// Histogram bars merged per pixel column; see histogram_plot.hpp.
#include "app/widgets/histogram_plot.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qs::app {

uint64_t max_count(const quant::Histogram& h) {
    uint64_t m = 0;
    for (uint64_t c : h.counts) m = std::max(m, c);
    return m;
}

std::optional<size_t> bin_at(const quant::Histogram& h, double x) {
    if (h.counts.empty() || !(h.hi > h.lo) || x < h.lo || x > h.hi) return std::nullopt;
    return std::min(h.counts.size() - 1, size_t((x - h.lo) / h.bin_width()));
}

void plot_histogram(const PlotFrame& f, const quant::Histogram& h, const BarStyle& s) {
    if (h.counts.empty() || !(h.hi > h.lo)) return;
    const int w = std::max(1, int(std::ceil(f.rect.GetWidth())));
    // Per pixel column: the highest count among the bins touching it, and whether that bin is clipped.
    std::vector<double> col(size_t(w), -1.0);
    std::vector<uint8_t> clipped(size_t(w), 0);
    const double bw = h.bin_width();
    for (size_t i = 0; i < h.counts.size(); ++i) {
        const double a = h.lo + double(i) * bw, b = a + bw;
        if (b < f.x0 || a > f.x1) continue;
        const float pa = f.x_px(a) - f.rect.Min.x, pb = f.x_px(b) - f.rect.Min.x;
        int c0 = std::max(0, int(std::floor(pa))), c1 = std::min(w - 1, int(std::ceil(pb)) - 1);
        if (c1 < c0) c1 = c0;
        const double mid = 0.5 * (a + b);
        const bool is_clipped = mid < s.clip_lo || mid > s.clip_hi;
        const double v = double(h.counts[i]);
        for (int c = c0; c <= c1 && c < w; ++c) {
            if (v > col[size_t(c)]) {
                col[size_t(c)] = v;
                clipped[size_t(c)] = is_clipped;
            }
        }
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float base = f.rect.Max.y;
    // Runs of equal height and colour become one rectangle.
    int c = 0;
    std::vector<ImVec2> top;
    while (c < w) {
        if (col[size_t(c)] <= 0) {
            if (col[size_t(c)] == 0) {
                top.push_back(ImVec2(f.rect.Min.x + float(c), base));
                top.push_back(ImVec2(f.rect.Min.x + float(c + 1), base));
            }
            ++c;
            continue;
        }
        int e = c + 1;
        while (e < w && col[size_t(e)] == col[size_t(c)] && clipped[size_t(e)] == clipped[size_t(c)]) ++e;
        const float y = f.y_px(col[size_t(c)]);
        const ImU32 fill = clipped[size_t(c)] && s.clip_fill ? s.clip_fill : s.fill;
        if (fill) dl->AddRectFilled(ImVec2(f.rect.Min.x + float(c), y), ImVec2(f.rect.Min.x + float(e), base), fill);
        top.push_back(ImVec2(f.rect.Min.x + float(c), y));
        top.push_back(ImVec2(f.rect.Min.x + float(e), y));
        c = e;
    }
    if (s.line && top.size() >= 2) dl->AddPolyline(top.data(), int(top.size()), s.line, 0, s.line_thickness);
}

bool plot_vlines(const PlotFrame& f, std::span<const float> xs, ImU32 color, float min_gap_px) {
    size_t visible = 0;
    float prev = -1e30f, min_gap = 1e30f;
    for (float x : xs) {
        if (x < f.x0 || x > f.x1) continue;
        const float p = f.x_px(x);
        if (visible++) min_gap = std::min(min_gap, std::fabs(p - prev));
        prev = p;
    }
    if (visible > 1 && min_gap < min_gap_px) return false;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (float x : xs) {
        if (x < f.x0 || x > f.x1) continue;
        const float p = std::round(f.x_px(x)) + 0.5f;
        dl->AddLine(ImVec2(p, f.rect.Min.y), ImVec2(p, f.rect.Max.y), color);
    }
    return true;
}

void plot_outside(const PlotFrame& f, double lo, double hi, ImU32 color) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    if (lo > f.x0) dl->AddRectFilled(f.rect.Min, ImVec2(std::min(f.x_px(lo), f.rect.Max.x), f.rect.Max.y), color);
    if (hi < f.x1) dl->AddRectFilled(ImVec2(std::max(f.x_px(hi), f.rect.Min.x), f.rect.Min.y), f.rect.Max, color);
}

}  // namespace qs::app
