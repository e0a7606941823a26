// Lesson window frame, text boxes and the small charts (lesson_common.hpp).
#include "app/lessons/lesson_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace qs::app::lessons {

bool begin_lesson(const char* title, bool* open, Style& st, ImVec2 pos, ImVec2 size) {
    ImGui::SetNextWindowPos(pos, ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(size, ImGuiCond_FirstUseEver);
    const bool shown = ImGui::Begin(title, open, ImGuiWindowFlags_NoCollapse);
    ImGui::SetWindowFontScale(st.scale());
    if (shown) {
        ImGui::Checkbox("presenter mode (large text)", &st.presenter);
        ImGui::SetWindowFontScale(st.scale());
    }
    return shown;
}

void explain(const char* text) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
}

void try_this(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.85f, 0.35f, 1.0f));
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted("Try this:");
    ImGui::SameLine();
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

void section(const char* title) {
    ImGui::Spacing();
    ImGui::TextDisabled("%s", title);
    ImGui::Separator();
}

void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

namespace {

struct Frame {
    ImVec2 p0, p1;  // data area
    double x0, x1, y0, y1;
    bool log_y;
    float px(double x) const { return p0.x + float((x - x0) / (x1 - x0 == 0 ? 1 : x1 - x0)) * (p1.x - p0.x); }
    float py(double y) const {
        double t = log_y ? std::log10(std::max(y, 1e-300)) : y;
        t = (t - y0) / (y1 - y0 == 0 ? 1 : y1 - y0);
        t = std::clamp(t, 0.0, 1.0);
        return p1.y - float(t) * (p1.y - p0.y);
    }
};

// Reserve the chart's rectangle, draw background, axes and y labels.
Frame begin_frame(const char* id, float height, double x0, double x1, double y0, double y1, bool log_y,
                  const char* x_label, const char* y_label) {
    const float fs = ImGui::GetFontSize();
    const float w = std::max(100.0f, ImGui::GetContentRegionAvail().x);
    const float h = height * (fs / 13.0f);
    ImGui::PushID(id);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(w, h));
    ImGui::PopID();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float left = fs * 4.0f, bottom = fs * (x_label ? 2.4f : 1.4f);
    Frame f{ImVec2(o.x + left, o.y + fs * 0.5f), ImVec2(o.x + w - fs * 0.5f, o.y + h - bottom), x0, x1, y0, y1, log_y};
    if (log_y) {
        f.y0 = std::log10(std::max(y0, 1e-300));
        f.y1 = std::log10(std::max(y1, 1e-300));
    }
    if (f.y1 <= f.y0) f.y1 = f.y0 + 1;
    dl->AddRectFilled(f.p0, f.p1, IM_COL32(30, 32, 38, 255));
    dl->AddRect(f.p0, f.p1, IM_COL32(90, 90, 100, 255));
    const ImU32 tc = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const int ny = std::clamp(int((f.p1.y - f.p0.y) / (fs * 1.6f)), 1, 4);  // y labels that fit
    for (int i = 0; i <= ny; ++i) {
        const double t = f.y0 + (f.y1 - f.y0) * i / double(ny);
        const double v = log_y ? std::pow(10.0, t) : t;
        const float y = f.p1.y - float(i) / float(ny) * (f.p1.y - f.p0.y);
        dl->AddLine(ImVec2(f.p0.x, y), ImVec2(f.p1.x, y), IM_COL32(60, 60, 70, 255));
        const std::string s = fmt_si(v);
        dl->AddText(ImVec2(o.x, y - fs * 0.5f), tc, s.c_str());
    }
    for (int i = 0; i <= 4; ++i) {  // x labels
        const double v = x0 + (x1 - x0) * i / 4.0;
        const float x = f.px(v);
        const std::string s = fmt_si(v);
        const float tw = ImGui::CalcTextSize(s.c_str()).x;
        dl->AddText(ImVec2(std::clamp(x - tw / 2, f.p0.x, f.p1.x - tw), f.p1.y + 2), tc, s.c_str());
    }
    if (x_label) {
        const float tw = ImGui::CalcTextSize(x_label).x;
        dl->AddText(ImVec2((f.p0.x + f.p1.x - tw) / 2, f.p1.y + fs * 1.1f), tc, x_label);
    }
    if (y_label) dl->AddText(ImVec2(f.p0.x + 4, f.p0.y + 2), tc, y_label);
    return f;
}

}  // namespace

void line_chart(const char* id, float height, std::span<const Series> series, std::span<const Mark> marks,
                const ChartOptions& opts) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const auto& s : series)
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.y[i]) || (opts.log_y && s.y[i] <= 0)) continue;
            x0 = std::min(x0, s.x[i]);
            x1 = std::max(x1, s.x[i]);
            y0 = std::min(y0, s.y[i]);
            y1 = std::max(y1, s.y[i]);
        }
    for (const auto& m : marks) {
        x0 = std::min(x0, m.x);
        x1 = std::max(x1, m.x);
    }
    if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (!opts.log_y && opts.y_from_zero) y0 = std::min(y0, 0.0);
    if (y1 <= y0) y1 = y0 + (opts.log_y ? y0 * 10 : 1);
    if (!opts.log_y) y1 += (y1 - y0) * 0.05;
    // Legend.
    bool first = true;
    for (const auto& s : series) {
        if (s.label.empty()) continue;
        if (!first) ImGui::SameLine();
        first = false;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "- %s", s.label.c_str());
    }
    for (const auto& m : marks) {
        if (m.label.empty()) continue;
        if (!first) ImGui::SameLine();
        first = false;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(m.color), "| %s", m.label.c_str());
    }
    const Frame f = begin_frame(id, height, x0, x1, y0, y1, opts.log_y, opts.x_label, opts.y_label);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.p0, f.p1, true);
    for (const auto& m : marks)
        dl->AddLine(ImVec2(f.px(m.x), f.p0.y), ImVec2(f.px(m.x), f.p1.y), m.color, 1.5f);
    for (const auto& s : series) {
        std::vector<ImVec2> pts;
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.y[i]) || (opts.log_y && s.y[i] <= 0)) continue;
            pts.emplace_back(f.px(s.x[i]), f.py(s.y[i]));
        }
        if (pts.size() >= 2) dl->AddPolyline(pts.data(), int(pts.size()), s.color, 0, 2.0f);
        if (s.markers || pts.size() == 1)
            for (const auto& p : pts) dl->AddCircleFilled(p, 3.0f, s.color);
    }
    dl->PopClipRect();
}

void bar_chart(const char* id, float height, std::span<const double> values, ImU32 color, int highlight, bool log_y,
               const char* x_label) {
    double y0 = 0, y1 = 0, ymin_pos = INFINITY;
    for (double v : values) {
        y1 = std::max(y1, v);
        if (v > 0) ymin_pos = std::min(ymin_pos, v);
    }
    if (log_y) y0 = std::isfinite(ymin_pos) ? ymin_pos / 2 : 1e-12;
    if (y1 <= y0) y1 = y0 + 1;
    const Frame f = begin_frame(id, height, 0, double(values.size()), y0, y1 * 1.05, log_y, x_label, nullptr);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (size_t i = 0; i < values.size(); ++i) {
        const float xa = f.px(double(i)) + 1, xb = std::max(xa + 1, f.px(double(i + 1)) - 1);
        const double v = log_y ? std::max(values[i], y0) : values[i];
        dl->AddRectFilled(ImVec2(xa, f.py(v)), ImVec2(xb, f.p1.y), int(i) == highlight ? kRed : color);
    }
}

void number_line(const char* id, float height, std::span<const double> values, double lo, double hi, bool symlog,
                 double marker, bool show_marker) {
    const float fs = ImGui::GetFontSize();
    const float w = std::max(100.0f, ImGui::GetContentRegionAvail().x);
    const float h = height * (fs / 13.0f);
    ImGui::PushID(id);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(w, h));
    ImGui::PopID();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // symlog: sign(v) log10(1 + |v| / t), t = smallest positive value, so subnormals stay visible.
    double t = INFINITY;
    for (double v : values)
        if (v > 0) t = std::min(t, v);
    if (!std::isfinite(t)) t = 1;
    auto tr = [&](double v) { return symlog ? std::copysign(std::log10(1.0 + std::fabs(v) / t), v) : v; };
    const double a = tr(lo), b = tr(hi);
    const float x0 = o.x + fs, x1 = o.x + w - fs, ym = o.y + h * 0.45f;
    auto px = [&](double v) { return x0 + float((tr(v) - a) / (b - a == 0 ? 1 : b - a)) * (x1 - x0); };
    dl->AddLine(ImVec2(x0, ym), ImVec2(x1, ym), kGrey, 1.0f);
    for (double v : values) {
        if (v < lo || v > hi) continue;
        const float x = px(v);
        dl->AddLine(ImVec2(x, ym - h * 0.25f), ImVec2(x, ym + h * 0.25f), kBlue, 1.0f);
    }
    if (show_marker && marker >= lo && marker <= hi) {
        const float x = px(marker);
        dl->AddTriangleFilled(ImVec2(x, ym - h * 0.3f), ImVec2(x - 5, ym - h * 0.45f), ImVec2(x + 5, ym - h * 0.45f), kRed);
    }
    const ImU32 tc = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const std::string sl = fmt_si(lo), sh = fmt_si(hi);
    dl->AddText(ImVec2(x0, ym + h * 0.28f), tc, sl.c_str());
    dl->AddText(ImVec2(x1 - ImGui::CalcTextSize(sh.c_str()).x, ym + h * 0.28f), tc, sh.c_str());
    if (lo < 0 && hi > 0) {
        dl->AddText(ImVec2(px(0.0) - 3, ym + h * 0.28f), tc, "0");
    }
}

void histogram_with_levels(const char* id, float height, std::span<const float> data, double lo, double hi, int bins,
                           std::span<const float> levels, ImU32 level_color, std::span<const Mark> marks) {
    bins = std::max(bins, 1);
    if (!(hi > lo)) hi = lo + 1;
    std::vector<double> counts(size_t(bins), 0.0);
    for (float v : data) {
        const double t = (double(v) - lo) / (hi - lo) * bins;
        if (t < 0 || t > bins) continue;
        counts[std::min(size_t(t), size_t(bins - 1))] += 1;
    }
    double cmax = 1;
    for (double c : counts) cmax = std::max(cmax, c);
    const Frame f = begin_frame(id, height, lo, hi, 0, cmax * 1.05, false, nullptr, "count");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.p0, f.p1, true);
    for (int i = 0; i < bins; ++i) {
        const float xa = f.px(lo + (hi - lo) * i / bins), xb = f.px(lo + (hi - lo) * (i + 1) / bins);
        dl->AddRectFilled(ImVec2(xa, f.py(counts[size_t(i)])), ImVec2(std::max(xb - 1, xa + 1), f.p1.y),
                          IM_COL32(80, 160, 255, 170));
    }
    for (float l : levels) dl->AddLine(ImVec2(f.px(l), f.p0.y), ImVec2(f.px(l), f.p1.y), level_color, 1.0f);
    for (const auto& m : marks) dl->AddLine(ImVec2(f.px(m.x), f.p0.y), ImVec2(f.px(m.x), f.p1.y), m.color, 2.0f);
    dl->PopClipRect();
}

std::string fmt_bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (b >= 1000 && u < 5) {
        b /= 1000;
        ++u;
    }
    return fmt::format("{:.{}f} {}", b, u == 0 ? 0 : 1, units[u]);
}

std::string fmt_si(double v) {
    if (v == 0) return "0";
    const double a = std::fabs(v);
    if (a >= 1e5 || a < 1e-3) return fmt::format("{:.2e}", v);
    return fmt::format("{:.3g}", v);
}

}  // namespace qs::app::lessons
