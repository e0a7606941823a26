// Lesson 1, number formats: click the bits of a float/int/fixed-point code and
// watch sign, exponent and mantissa combine; the format's landmarks; every value
// of a small format on a number line; a typed number rounded into every format.
#include "app/lessons/lessons_impl.hpp"

#include "core/learn/number_formats.hpp"

#include <fmt/format.h>

#include <cmath>

namespace qs::app::lessons {

namespace {

using learn::FormatKind;
using learn::NumberFormat;

std::string num(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == 0) return std::signbit(v) ? "-0" : "0";
    return fmt::format("{:.9g}", v);
}

ImU32 bit_color(const NumberFormat& f, int i) {  // i = bit index, MSB = bits - 1
    if (f.kind == FormatKind::TwosComplement || f.kind == FormatKind::Fixed)
        return i == f.bits - 1 ? kRed : (f.kind == FormatKind::Fixed && i < f.frac_bits ? kPurple : kBlue);
    if (i == f.bits - 1) return kRed;
    if (f.kind == FormatKind::SignMagnitude) return kBlue;
    return i >= f.man_bits ? kGreen : kBlue;
}

}  // namespace

void draw_formats(LessonsImpl& L, bool* open) {
    FormatsState& s = L.formats;
    if (!begin_lesson("1. Number formats", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("A format is a rule that turns a fixed number of bits into a number. Integers and fixed point spread "
            "their values evenly; floating point spends some bits on an exponent, so values are dense near zero and "
            "sparse far away: the gap between neighbours grows with the magnitude (relative precision stays about "
            "the same). Fewer exponent bits mean less range; fewer mantissa bits mean coarser steps.");

    std::vector<NumberFormat> formats = learn::number_formats();
    formats.back() = learn::fixed_point(s.fixed_bits, s.fixed_frac);
    s.format = std::clamp(s.format, 0, int(formats.size()) - 1);
    const NumberFormat& f = formats[size_t(s.format)];
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::BeginCombo("format", f.name.c_str())) {
        for (int i = 0; i < int(formats.size()); ++i)
            if (ImGui::Selectable(formats[size_t(i)].name.c_str(), i == s.format)) {
                s.format = i;
                s.code = learn::encode(formats[size_t(i)], 1.0).code;
            }
        ImGui::EndCombo();
    }
    if (f.kind == FormatKind::Fixed) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::SliderInt("bits##fx", &s.fixed_bits, 4, 16);
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::SliderInt("fraction bits", &s.fixed_frac, 0, s.fixed_bits - 1);
        s.fixed_frac = std::clamp(s.fixed_frac, 0, s.fixed_bits - 1);
    }
    ImGui::TextDisabled("%s", f.note.c_str());
    s.code &= f.bits >= 32 ? 0xFFFFFFFFu : (1u << f.bits) - 1u;

    // ---- the bits, clickable -----------------------------------------------------
    section("Click a bit to flip it");
    const float bw = std::min(ImGui::GetFontSize() * 1.7f, (ImGui::GetContentRegionAvail().x - 40) / float(f.bits));
    for (int i = f.bits - 1; i >= 0; --i) {
        const bool on = (s.code >> i) & 1u;
        const ImU32 c = bit_color(f, i);
        ImVec4 col = ImGui::ColorConvertU32ToFloat4(c);
        if (!on) col = ImVec4(col.x * 0.35f, col.y * 0.35f, col.z * 0.35f, 1.0f);
        ImGui::PushStyleColor(ImGuiCol_Button, col);
        ImGui::PushID(i);
        if (ImGui::Button(on ? "1" : "0", ImVec2(bw, bw * 1.2f))) s.code ^= 1u << i;
        ImGui::PopID();
        ImGui::PopStyleColor();
        if (i > 0) ImGui::SameLine(0, (f.kind == FormatKind::Float && (i == f.bits - 1 || i == f.man_bits)) ? 8.0f : 2.0f);
    }
    if (f.kind == FormatKind::Float)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kRed), "sign");
    else
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kRed), "%s", f.kind == FormatKind::SignMagnitude ? "sign" : "-2^(n-1) place");
    ImGui::SameLine();
    if (f.kind == FormatKind::Float) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kGreen), "exponent (%d bits, bias %d)", f.exp_bits, f.bias);
        ImGui::SameLine();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kBlue), "mantissa (%d bits)", f.man_bits);
    } else if (f.kind == FormatKind::Fixed) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kBlue), "integer part");
        ImGui::SameLine();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kPurple), "fraction (%d bits)", f.frac_bits);
    } else {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kBlue), "magnitude bits");
    }
    const learn::Decoded d = learn::decode(f, s.code);
    ImGui::Text("code 0x%0*X = %s", (f.bits + 3) / 4, s.code, learn::bit_string(f, s.code).c_str());
    ImGui::Text("value: %s   (%s)", num(d.value).c_str(), std::string(learn::value_class_name(d.cls)).c_str());
    ImGui::TextWrapped("%s", d.formula.c_str());
    if (ImGui::SmallButton("+1 code")) s.code = (s.code + 1) & ((f.bits >= 32) ? 0xFFFFFFFFu : (1u << f.bits) - 1u);
    ImGui::SameLine();
    if (ImGui::SmallButton("-1 code")) s.code = (s.code - 1) & ((f.bits >= 32) ? 0xFFFFFFFFu : (1u << f.bits) - 1u);
    ImGui::SameLine();
    if (ImGui::SmallButton("largest")) s.code = learn::encode(f, learn::format_stats(f).max_finite).code;
    ImGui::SameLine();
    if (ImGui::SmallButton("smallest subnormal")) s.code = learn::encode(f, learn::format_stats(f).min_subnormal).code;
    ImGui::SameLine();
    if (ImGui::SmallButton("1.0")) s.code = learn::encode(f, 1.0).code;

    // ---- landmarks ------------------------------------------------------------------
    section("Landmarks");
    const learn::FormatStats st = learn::format_stats(f);
    if (ImGui::BeginTable("landmarks", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
        auto cell = [](const char* k, const std::string& v) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", k);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(v.c_str());
        };
        cell("largest finite", num(st.max_finite));
        cell("most negative", num(st.min_finite));
        cell(f.kind == FormatKind::Float ? "smallest normal" : "step", num(st.min_normal));
        cell("smallest subnormal", f.kind == FormatKind::Float ? num(st.min_subnormal) : "-");
        cell("spacing above 1 (epsilon)", num(st.epsilon));
        cell("decimal digits", fmt::format("{:.1f}", st.decimal_digits));
        cell("dynamic range", fmt::format("{:.0f} dB", st.dynamic_range_db));
        cell("codes / distinct values", fmt::format("{} / {}", st.codes, st.distinct_values));
        cell("infinities", st.has_inf ? "yes (2 codes)" : "none");
        cell("NaN codes", fmt::format("{}", st.nan_codes));
        ImGui::EndTable();
    }

    // ---- number line ------------------------------------------------------------------
    if (f.bits <= 8) {
        section("Every representable value");
        ImGui::Checkbox("log-like axis (symlog)", &s.symlog);
        help_marker("sign(v) * log10(1 + |v| / smallest positive value): tiny subnormals and the largest values "
                    "are visible together. Untick to see the real spacing.");
        const auto vals = learn::all_values(f);
        number_line("nl", 60, vals, st.min_finite, st.max_finite, s.symlog, d.value, std::isfinite(d.value));
        ImGui::TextDisabled("%zu distinct values; the red marker is the code above", vals.size());
    } else {
        ImGui::TextDisabled("(the number line is drawn for formats of 8 bits or fewer: this one has %llu codes)",
                            (unsigned long long)st.codes);
    }

    // ---- a typed number in every format ----------------------------------------------
    section("Type a number: how every format stores it (round to nearest even)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::InputDouble("x", &s.typed, 0, 0, "%.10g")) {
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("use for the bits above")) s.code = learn::encode(f, s.typed).code;
    if (ImGui::BeginTable("typed", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("format");
        ImGui::TableSetupColumn("stored value");
        ImGui::TableSetupColumn("error");
        ImGui::TableSetupColumn("bits");
        ImGui::TableSetupColumn("note");
        ImGui::TableHeadersRow();
        for (const auto& g : formats) {
            const auto e = learn::encode(g, s.typed);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(g.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(num(e.value).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(std::isfinite(e.error) ? fmt::format("{:.3g}", e.error).c_str() : "-");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(learn::bit_string(g, e.code).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(e.overflow ? (std::isinf(e.value) ? "overflow -> Inf" : "saturated at max")
                                   : e.underflow ? "underflow -> 0" : "");
        }
        ImGui::EndTable();
    }
    try_this("type 0.1 and compare FP16 with BF16 (precision), then 70000 (range: FP16 overflows, BF16 does not). "
             "In FP8 E4M3 click the bits up to the largest value: where is infinity? Flip the exponent bits of FP16 "
             "to all zeros and watch the values become subnormal.");
    ImGui::End();
}

}  // namespace qs::app::lessons
