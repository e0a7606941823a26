// Lesson 3, symmetric vs asymmetric on a skewed distribution (post-ReLU by
// default): both grids over the histogram, levels used and wasted, errors.
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

namespace {

void show_usage(const char* title, const learn::LevelUsage& u, std::span<const float> data, double lo, double hi,
                ImU32 color) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(color), "%s", title);
    ImGui::Text("scale %.4g, zero point %.0f, range [%.3g, %.3g]", u.scale, u.zero_point, u.clip_lo, u.clip_hi);
    ImGui::Text("levels %llu, used %llu, wasted (outside the data) %llu = %.0f%%", (unsigned long long)u.levels,
                (unsigned long long)u.used, (unsigned long long)u.unreachable,
                100.0 * double(u.unreachable) / double(std::max<uint64_t>(u.levels, 1)));
    ImGui::Text("MSE %.3g   SQNR %.1f dB", u.mse, u.sqnr_db);
    const bool draw_levels = u.grid.size() <= 64;
    histogram_with_levels(title, 110, data, lo, hi, 120, draw_levels ? std::span<const float>(u.grid) : std::span<const float>(),
                          color);
    std::vector<double> counts(u.code_hist.begin(), u.code_hist.end());
    bar_chart((std::string(title) + "codes").c_str(), 70, counts, color, -1, true, "code (qmin .. qmax): uses per code");
}

}  // namespace

void draw_sym_asym(LessonsImpl& L, const LessonInput& in, bool* open) {
    SymAsymState& s = L.symasym;
    if (!begin_lesson("3. Symmetric vs asymmetric", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Symmetric quantization centres the grid on zero: half the codes are for negative numbers. After a "
            "ReLU every value is >= 0, so those codes are never used and the positive side gets half the "
            "resolution it could have. Asymmetric quantization places the grid on the actual [min, max] with a zero "
            "point, so every code lands on data. The price: in y = W x with x = S_x (q_x - Z_x), the term "
            "S_w S_x Z_x sum(q_w) must be added, and a nonzero weight zero point adds a term that depends on the "
            "input at run time. That is why weights are usually symmetric and activations asymmetric.");
    bool changed = data_source_combo(L, s.src, in, "ReLU(N(0,1)), 4000 values",
                                     [](DataSource& d) {
                                         d.values = learn::relu_normal_sample(4000, 3);
                                         d.label = "ReLU(N(0,1))";
                                     });
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    changed |= ImGui::SliderInt("bits", &s.bits, 2, 8);
    const uint64_t key = mix_key(s.src.key, uint64_t(s.bits));
    if (changed || key != s.key) {
        s.key = key;
        s.error.clear();
        quant::QuantSpec sym;
        sym.bits = s.bits;
        quant::QuantSpec asym = sym;
        asym.symmetric = false;
        auto a = learn::level_usage(s.src.values, sym);
        auto b = learn::level_usage(s.src.values, asym);
        if (a && b) {
            s.sym = std::move(*a);
            s.asym = std::move(*b);
        } else {
            s.error = a ? b.error().message : a.error().message;
        }
    }
    if (!s.error.empty() || !s.sym || !s.asym) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        ImGui::End();
        return;
    }
    const auto mm = quant::calib_minmax(s.src.values);
    const double lo = std::min({mm.lo, double(s.sym->grid.front()), double(s.asym->grid.front())});
    const double hi = std::max({mm.hi, double(s.sym->grid.back()), double(s.asym->grid.back())});
    show_usage("symmetric (Z = 0, range +-max|x|)", *s.sym, s.src.values, lo, hi, kOrange);
    show_usage("asymmetric (zero point, range [min, max])", *s.asym, s.src.values, lo, hi, kGreen);
    ImGui::Text("asymmetric / symmetric MSE: %.2f", s.asym->mse / std::max(s.sym->mse, 1e-300));
    try_this("at 4 bits count the wasted levels of the symmetric grid. Switch the data to a demo weight (roughly "
             "symmetric around zero): the difference almost disappears. Lower the bits to 2: which grid still has a "
             "code for zero?");
    ImGui::End();
}

}  // namespace qs::app::lessons
