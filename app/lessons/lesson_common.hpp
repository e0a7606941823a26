// Shared pieces of the Learn windows (app/lessons/): the lesson window frame
// (fixed first placement, presenter-mode font scale), the explanation and
// "try this" boxes, and small ImDrawList charts (lines with markers, bars,
// a number line, a histogram with level lines). Only ImGui; no app state.
#pragma once

#include <imgui.h>

#include <span>
#include <string>
#include <vector>

namespace qs::app::lessons {

struct Style {
    bool presenter = false;  // enlarged fonts and charts for a projector
    float scale() const { return presenter ? 1.6f : 1.0f; }
};

// Begin a lesson window at a fixed first position/size (ImGuiCond_FirstUseEver)
// and apply the presenter scale; draws the presenter-mode checkbox first.
// Always pair with ImGui::End().
bool begin_lesson(const char* title, bool* open, Style& st, ImVec2 pos, ImVec2 size);

void explain(const char* text);     // wrapped paragraph
void try_this(const char* text);    // highlighted prompt
void section(const char* title);    // separator with a label
void help_marker(const char* text); // "(?)" with a tooltip

struct Series {
    std::vector<double> x, y;
    ImU32 color = IM_COL32(80, 160, 255, 255);
    std::string label;
    bool markers = false;
};
struct Mark {
    double x = 0;
    ImU32 color = IM_COL32(255, 80, 80, 255);
    std::string label;
};
struct ChartOptions {
    bool log_y = false;
    bool y_from_zero = true;     // linear y axis starts at 0
    const char* x_label = nullptr;
    const char* y_label = nullptr;
};
// Lines (x ascending) with vertical marks; legend above. Height in pixels (scaled).
void line_chart(const char* id, float height, std::span<const Series> series, std::span<const Mark> marks,
                const ChartOptions& opts);
// One bar per value; `highlight` (>= 0) drawn in another colour; labels under some bars.
void bar_chart(const char* id, float height, std::span<const double> values, ImU32 color, int highlight = -1,
               bool log_y = false, const char* x_label = nullptr);
// Ticks at each value on a line over [lo, hi] (symlog when `symlog`), `marker` drawn on top.
void number_line(const char* id, float height, std::span<const double> values, double lo, double hi, bool symlog,
                 double marker, bool show_marker);
// Histogram of `data` (bins over [lo, hi]) with vertical lines at `levels`.
void histogram_with_levels(const char* id, float height, std::span<const float> data, double lo, double hi, int bins,
                           std::span<const float> levels, ImU32 level_color, std::span<const Mark> marks = {});

// Colours used across lessons.
inline constexpr ImU32 kBlue = IM_COL32(80, 160, 255, 255);
inline constexpr ImU32 kOrange = IM_COL32(255, 160, 60, 255);
inline constexpr ImU32 kGreen = IM_COL32(90, 200, 120, 255);
inline constexpr ImU32 kRed = IM_COL32(240, 80, 80, 255);
inline constexpr ImU32 kPurple = IM_COL32(180, 120, 255, 255);
inline constexpr ImU32 kGrey = IM_COL32(150, 150, 150, 255);

std::string fmt_bytes(double bytes);  // "14.0 GB"
std::string fmt_si(double v);         // 3 significant digits

}  // namespace qs::app::lessons
