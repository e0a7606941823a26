// The Spec window: every QuantSpec field as a control, each with a tooltip
// giving the formula in play and the live numbers of the current result
// (scale, zero point, clip range, levels used). Presets, undo/redo and A/B
// pinning sit at the top. Edits become SetSpec intents; a drag is one undo step.
#include "app/views/views.hpp"

#include "app/state/spec_fields.hpp"
#include "app/widgets/plot.hpp"

#include <algorithm>
#include <imgui_stdlib.h>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

namespace {

using quant::QuantSpec;

// Live numbers of the current result, for tooltips ("now: ...").
struct Live {
    const quant::QuantResult* r = nullptr;
    std::string scale0() const { return r && !r->group_scale.empty() ? short_number(r->group_scale[0]) : "?"; }
    std::string zp0() const { return r && !r->group_zero_point.empty() ? short_number(r->group_zero_point[0]) : "?"; }
    std::string clip() const {
        return r ? fmt::format("[{}, {}]", short_number(r->clip_lo), short_number(r->clip_hi)) : "?";
    }
    std::string scale_range() const {
        if (!r || r->group_scale.empty()) return "?";
        const auto [lo, hi] = std::minmax_element(r->group_scale.begin(), r->group_scale.end());
        return fmt::format("[{}, {}]", short_number(*lo), short_number(*hi));
    }
};

// Names are core's (quant::scheme_name etc.), the spellings of the compact text.
template <class E, size_t N>
bool enum_combo(const char* label, E* v, const E (&values)[N], std::string_view (*name)(E)) {
    bool changed = false;
    if (ImGui::BeginCombo(label, std::string(name(*v)).c_str())) {
        for (E e : values) {
            const bool sel = e == *v;
            if (ImGui::Selectable(std::string(name(e)).c_str(), sel) && !sel) {
                *v = e;
                changed = true;
            }
            if (sel) ImGui::SetItemDefaultFocus();
        }
        ImGui::EndCombo();
    }
    return changed;
}

std::pair<int64_t, int64_t> int_range(const QuantSpec& s) {
    if (!s.is_signed) return {0, (int64_t(1) << s.bits) - 1};
    const int64_t qmax = (int64_t(1) << (s.bits - 1)) - 1;
    return {(s.symmetric && s.restricted) ? -qmax : -qmax - 1, qmax};
}

// Switching scheme starts from core's defaults for it (bits, granularity, scale
// dtype, element format), keeping what the user chose that still applies.
QuantSpec switch_scheme(const QuantSpec& old, quant::Scheme to) {
    std::string head;
    switch (to) {
        case quant::Scheme::Int: head = fmt::format("int{}", std::clamp(old.bits, 2, 16)); break;
        case quant::Scheme::Fp: head = "fp8_e4m3"; break;
        case quant::Scheme::NF4: head = "nf4"; break;
        case quant::Scheme::MX: head = "mxfp4"; break;
        case quant::Scheme::KMeans: head = fmt::format("kmeans{}", std::clamp(old.bits, 1, 8)); break;
        case quant::Scheme::Log2: head = fmt::format("log2_{}", std::clamp(old.bits, 2, 8)); break;
        case quant::Scheme::Binary: head = "binary"; break;
        case quant::Scheme::Ternary: head = "ternary"; break;
    }
    auto d = quant::scheme_defaults(head);
    if (!d) return old;
    QuantSpec s = *d;
    s.calibration = old.calibration;
    s.calib_param = old.calib_param;
    s.rounding = old.rounding;
    s.seed = old.seed;
    s.outliers = old.outliers;
    s.outlier_param = old.outlier_param;
    return s;
}

// MX elements fix the element width and minifloat layout: take them from core.
QuantSpec switch_mx_element(const QuantSpec& old, quant::MxElement e) {
    auto d = quant::scheme_defaults("mx" + std::string(quant::mx_element_name(e)));
    if (!d) return old;
    QuantSpec s = old;
    s.mx_element = e;
    s.bits = d->bits;
    s.exp_bits = d->exp_bits;
    s.man_bits = d->man_bits;
    s.exp_bias = d->exp_bias;
    s.fp_specials = d->fp_specials;
    return s;
}

}  // namespace

void draw_spec_panel(const ViewInput& in, SpecUi& ui, Intents& out) {
    ViewWindow w(in, ViewId::Spec, out);
    if (!w) return;
    const AppState& st = in.s;
    QuantSpec s = st.spec;
    uint64_t gesture = 0;
    bool changed = false;
    // A drag (slider, drag box) is one undo step: same gesture id while the item stays active.
    auto track = [&] {
        if (ImGui::IsItemActivated()) ui.gesture = (uint64_t(1) << 62) | ++ui.gestures;
        if (ImGui::IsItemActive()) gesture = ui.gesture;
    };
    Live live{st.a.value ? st.a.value->result.get() : nullptr};
    const float label_w = ImGui::GetFontSize() * 7.5f;
    ImGui::PushItemWidth(-label_w);

    // ---- presets, history, A/B
    const Preset* match = nullptr;
    for (const auto& p : presets())
        if (p.spec == s) match = &p;
    if (ImGui::BeginCombo("preset", match ? match->name : "(custom)")) {
        for (const auto& p : presets()) {
            if (ImGui::Selectable(p.name, &p == match)) out.push_back(intent::ApplyPreset{p.name});
            help_tooltip(p.summary);
        }
        ImGui::EndCombo();
    }
    help_tooltip("Common schemes. Picking one replaces the whole spec (undo with Ctrl+Z).");
    ImGui::BeginDisabled(!st.history.can_undo());
    if (ImGui::Button("Undo")) out.push_back(intent::Undo{});
    ImGui::EndDisabled();
    help_tooltip("Ctrl+Z");
    ImGui::SameLine();
    ImGui::BeginDisabled(!st.history.can_redo());
    if (ImGui::Button("Redo")) out.push_back(intent::Redo{});
    ImGui::EndDisabled();
    help_tooltip("Ctrl+Shift+Z or Ctrl+Y");
    ImGui::SameLine();
    if (!st.pinned) {
        if (ImGui::Button("Pin as B")) out.push_back(intent::PinCurrent{});
        help_tooltip("Keep this spec as B; then change the spec and compare A (current) with B in every view. Ctrl+P");
    } else {
        if (ImGui::Button("Swap A/B")) out.push_back(intent::SwapPinned{});
        ImGui::SameLine();
        if (ImGui::Button("Unpin")) out.push_back(intent::Unpin{});
    }
    // The spec as core's compact text (the CLI's --spec): shown, and editable.
    if (!ui.text_active) ui.text = describe_spec(s);
    if (ImGui::InputText("spec text", &ui.text, ImGuiInputTextFlags_EnterReturnsTrue)) {
        auto parsed = quant::parse_spec_text(ui.text);
        if (parsed) {
            ui.text_error.clear();
            if (*parsed != s) s = *parsed, changed = true;
        } else {
            ui.text_error = parsed.error().message;
        }
    }
    ui.text_active = ImGui::IsItemActive();
    help_tooltip("The spec in the compact form quantscope-cli --spec takes, e.g. int4:asym:group=64:calib=mse\n"
                 "(docs/quantspec.md). Edit and press Enter.");
    if (!ui.text_error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, in.pal.bad);
        ImGui::TextWrapped("%s", ui.text_error.c_str());
        ImGui::PopStyleColor();
    }
    if (st.pinned) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(in.pal.b), "B: %s", describe_spec(*st.pinned).c_str());
    ImGui::Separator();

    // ---- scheme and element format
    quant::Scheme scheme = s.scheme;
    if (enum_combo("scheme", &scheme, kAllSchemes, quant::scheme_name)) {
        changed = true;
        s = switch_scheme(s, scheme);
    }
    help_tooltip("int: x^ = scale * (q - zero_point), q integer in [qmin, qmax]\n"
                 "fp: minifloat elements (sign, exponent, mantissa) times a scale\n"
                 "nf4: 16 NormalFloat levels (quantiles of N(0,1)) times the group absmax\n"
                 "mx: OCP microscaling, shared power-of-two (E8M0) scale per 32 elements\n"
                 "kmeans: 2^bits centroids from 1-D k-means\n"
                 "log2: sign * scale * 2^-k\n"
                 "binary: sign(x) * mean|x|;  ternary: {-a, 0, +a}");

    switch (s.scheme) {
        case quant::Scheme::Int:
        case quant::Scheme::KMeans:
        case quant::Scheme::Log2: {
            const int max_bits = s.scheme == quant::Scheme::Int ? 16 : 8;
            changed |= ImGui::SliderInt("bits", &s.bits, 1, max_bits, "%d", ImGuiSliderFlags_AlwaysClamp);
            track();
            const auto [qmin, qmax] = int_range(s);
            help_tooltip(fmt::format("levels = 2^bits = {}\nint: q in [qmin, qmax] = [{}, {}]\n"
                                     "now: {} of {} levels used, code entropy {:.2f} bits/weight",
                                     uint64_t(1) << s.bits, qmin, qmax, live.r ? live.r->codes_used : 0,
                                     live.r ? live.r->levels : 0, live.r ? live.r->code_entropy_bits : 0.0)
                             .c_str());
            break;
        }
        case quant::Scheme::Fp: {
            changed |= ImGui::SliderInt("exponent bits", &s.exp_bits, 1, 8);
            track();
            help_tooltip("x^ = scale * (-1)^s * 2^(e - bias) * (1 + m / 2^man_bits)  (normal numbers)\n"
                         "more exponent bits: wider range, coarser steps");
            changed |= ImGui::SliderInt("mantissa bits", &s.man_bits, 0, 10);
            track();
            help_tooltip("steps between powers of two: 2^man_bits");
            changed |= ImGui::SliderInt("exponent bias", &s.exp_bias, 0, 127);
            track();
            help_tooltip("E4M3: 7, E5M2: 15 (IEEE style: 2^(exp_bits-1) - 1)");
            changed |= enum_combo("specials", &s.fp_specials, kAllFpSpecials, quant::fp_specials_name);
            help_tooltip("ieee: all-ones exponent = Inf/NaN (E5M2)\nfn: only S.1111.111 is NaN, no Inf (OCP E4M3)\n"
                         "none: every code is finite (FP6, FP4)");
            changed |= ImGui::Checkbox("unscaled (direct cast)", &s.fp_unscaled);
            help_tooltip("scale = 1: the tensor is cast to the format as is (values beyond its range saturate)");
            s.bits = 1 + s.exp_bits + s.man_bits;
            ImGui::TextDisabled("%d bits per element", s.bits);
            break;
        }
        case quant::Scheme::MX: {
            quant::MxElement el = s.mx_element;
            if (enum_combo("element", &el, kAllMxElements, quant::mx_element_name)) {
                changed = true;
                s = switch_mx_element(s, el);
            }
            help_tooltip("x^ = 2^E * element, one 8-bit power-of-two scale E per block of 32\n"
                         "bits/weight = element bits + 8/32");
            break;
        }
        case quant::Scheme::NF4: ImGui::TextDisabled("4 bits: 16 NormalFloat levels"); break;
        case quant::Scheme::Binary: ImGui::TextDisabled("1 bit: x^ = sign(x) * mean|x|"); break;
        case quant::Scheme::Ternary: ImGui::TextDisabled("{-a, 0, +a}, threshold 0.7 * mean|x|"); break;
    }

    if (s.scheme == quant::Scheme::Int) {
        changed |= ImGui::Checkbox("signed", &s.is_signed);
        help_tooltip(fmt::format("signed: q in [-2^(b-1), 2^(b-1)-1]; unsigned: q in [0, 2^b - 1]\nnow: {} codes",
                                 live.r ? live.r->levels : 0)
                         .c_str());
        ImGui::SameLine();
        changed |= ImGui::Checkbox("symmetric", &s.symmetric);
        help_tooltip(fmt::format("symmetric: zero_point = 0, scale = max|x| / qmax\n"
                                 "asymmetric: scale = (max - min) / (qmax - qmin), zero_point = round(qmin - min / scale)\n"
                                 "now (group 0): scale = {}, zero point = {}",
                                 live.scale0(), live.zp0())
                         .c_str());
        ImGui::BeginDisabled(!(s.is_signed && s.symmetric));
        changed |= ImGui::Checkbox("restricted range", &s.restricted);
        ImGui::EndDisabled();
        help_tooltip("restricted: q in [-(2^(b-1)-1), 2^(b-1)-1], so the grid is symmetric around 0 (one level unused)\n"
                     "full: q in [-2^(b-1), 2^(b-1)-1] (ggml Q4_0 uses the full range)");
    }
    ImGui::Separator();

    // ---- granularity
    changed |= enum_combo("granularity", &s.granularity, kAllGranularities, quant::granularity_name);
    help_tooltip(fmt::format("how many (scale, zero point) pairs the tensor gets:\n"
                             "per-tensor: one; per-channel: one per slice along the axis;\n"
                             "per-group: one per group_size inputs of each row; per-block: one per tile\n"
                             "now: {} groups, scales in {}",
                             live.r ? live.r->n_groups : 0, live.scale_range())
                     .c_str());
    if (s.granularity == quant::Granularity::PerChannel) {
        changed |= ImGui::InputInt("axis", &s.axis);
        s.axis = std::clamp(s.axis, 0, 7);
        help_tooltip("0 = output channels of a weight matrix (rows)");
    } else if (s.granularity == quant::Granularity::PerGroup) {
        if (ImGui::BeginCombo("group size", std::to_string(s.group_size).c_str())) {
            for (int g : {16, 32, 64, 128, 256, 512, 1024})
                if (ImGui::Selectable(std::to_string(g).c_str(), g == s.group_size)) s.group_size = g, changed = true;
            ImGui::EndCombo();
        }
        help_tooltip(fmt::format("one scale per {} consecutive inputs along the last axis\n"
                                 "scale overhead: {} bits / {} = {:.3f} bits per weight",
                                 s.group_size, s.scale_dtype == quant::ScaleDType::F32 ? 32 : s.scale_dtype == quant::ScaleDType::E8M0 ? 8 : 16,
                                 s.group_size,
                                 double(s.scale_dtype == quant::ScaleDType::F32 ? 32 : s.scale_dtype == quant::ScaleDType::E8M0 ? 8 : 16) /
                                     std::max(1, s.group_size))
                         .c_str());
    } else if (s.granularity == quant::Granularity::PerBlock) {
        changed |= ImGui::SliderInt("block rows", &s.block_rows, 1, 256);
        track();
        changed |= ImGui::SliderInt("block cols", &s.block_cols, 1, 256);
        track();
    }
    ImGui::Separator();

    // ---- calibration and clipping
    const bool manual = s.clip_lo.has_value() || s.clip_hi.has_value();
    ImGui::BeginDisabled(manual);
    changed |= enum_combo("calibration", &s.calibration, kAllCalibrations, quant::calibration_name);
    ImGui::EndDisabled();
    help_tooltip(fmt::format("how the clip range [lo, hi] is chosen before computing the scale:\n"
                             "minmax: [min x, max x]\npercentile: the p-th percentile of |x| (sym) or of x\n"
                             "mse: the c minimising E[(x - Q_c(x))^2]\nkl: TensorRT entropy: min KL(P || Q) over thresholds\n"
                             "aciq: analytic clip for a Laplace/Gaussian fit\n"
                             "now (group 0): clip {}, {} of values clipped",
                             live.clip(), live.r ? percent(live.r->clipped_fraction) : "?")
                     .c_str());
    if (!manual && s.calibration == quant::Calibration::Percentile) {
        float p = float(s.calib_param);
        if (ImGui::SliderFloat("percentile", &p, 90.0f, 100.0f, "%.3f")) s.calib_param = p, changed = true;
        track();
        help_tooltip("clip at this percentile of |x|: higher keeps more outliers, lower gives finer steps");
    } else if (!manual && s.calibration == quant::Calibration::KL) {
        int bins = int(s.calib_param);
        if (ImGui::SliderInt("KL bins", &bins, 128, 8192)) s.calib_param = bins, changed = true;
        track();
    }
    bool man = manual;
    if (ImGui::Checkbox("manual clip", &man)) {
        changed = true;
        if (man) {
            s.clip_lo = live.r ? live.r->clip_lo : -1.0;
            s.clip_hi = live.r ? live.r->clip_hi : 1.0;
            if (!(*s.clip_lo < *s.clip_hi)) s.clip_hi = *s.clip_lo + 1.0;
        } else {
            s.clip_lo.reset();
            s.clip_hi.reset();
        }
    }
    help_tooltip("values outside [lo, hi] saturate at qmin / qmax; drag the red handles in the Histogram window.\n"
                 "A manual range overrides the calibration.");
    if (man && s.clip_lo && s.clip_hi) {
        double lo = *s.clip_lo, hi = *s.clip_hi;
        const float speed = float(std::max(1e-6, (hi - lo) * 0.002));
        ImGui::PushItemWidth((ImGui::CalcItemWidth() - ImGui::GetStyle().ItemSpacing.x) * 0.5f);
        if (ImGui::DragScalar("##clo", ImGuiDataType_Double, &lo, speed, nullptr, &hi, "%.5g")) changed = true;
        track();
        ImGui::SameLine();
        if (ImGui::DragScalar("clip lo, hi", ImGuiDataType_Double, &hi, speed, &lo, nullptr, "%.5g")) changed = true;
        track();
        ImGui::PopItemWidth();
        if (lo < hi) s.clip_lo = lo, s.clip_hi = hi;
    }
    ImGui::Separator();

    // ---- rounding, outliers, scale storage
    changed |= enum_combo("rounding", &s.rounding, kAllRoundings, quant::rounding_name);
    help_tooltip("nearest: q = round(x / scale), ties to even (torch, numpy)\naway: ties away from zero\n"
                 "floor / ceil: biased, for comparison\nstochastic: q = floor(x / scale + u), u ~ U[0,1): unbiased on average");
    if (s.rounding == quant::Rounding::Stochastic) {
        int seed = int(s.seed);
        if (ImGui::InputInt("seed", &seed)) s.seed = uint64_t(std::max(0, seed)), changed = true;
    }
    changed |= enum_combo("outliers", &s.outliers, kAllOutlierModes, quant::outlier_mode_name);
    help_tooltip(fmt::format("keep some values in full precision (a sparse side matrix):\n"
                             "top: the largest |x| fraction p (SqueezeLLM dense-and-sparse)\n"
                             "threshold: every |x| > t (LLM.int8())\nnow: {} kept",
                             live.r ? live.r->outliers_kept : 0)
                     .c_str());
    if (s.outliers == quant::OutlierMode::TopFraction) {
        float p = float(s.outlier_param * 100.0);
        if (ImGui::SliderFloat("fraction %", &p, 0.0f, 5.0f, "%.3f%%")) s.outlier_param = p / 100.0, changed = true;
        track();
    } else if (s.outliers == quant::OutlierMode::Threshold) {
        float t = float(s.outlier_param);
        if (ImGui::DragFloat("|x| threshold", &t, 0.001f, 0.0f, 1e6f, "%.4g")) s.outlier_param = t, changed = true;
        track();
    }
    changed |= enum_combo("scale dtype", &s.scale_dtype, kAllScaleDTypes, quant::scale_dtype_name);
    help_tooltip(fmt::format("how each group's scale is stored: fp32 (32 bits), fp16/bf16 (16), e8m0 (8, powers of two)\n"
                             "now: {:.3f} bits per weight in total",
                             live.r ? live.r->bits_per_weight : 0.0)
                     .c_str());
    if (s.scheme == quant::Scheme::KMeans) {
        changed |= ImGui::SliderInt("k-means iterations", &s.kmeans_iters, 1, 100);
        track();
    }
    ImGui::PopItemWidth();

    if (changed && s != st.spec) out.push_back(intent::SetSpec{s, gesture});

    // ---- the state of the computation for this spec
    ImGui::Separator();
    if (st.a.status == JobStatus::Failed) {
        ImGui::PushStyleColor(ImGuiCol_Text, in.pal.bad);
        ImGui::TextWrapped("%s", st.a.error.c_str());
        ImGui::PopStyleColor();
    } else if (st.a.status == JobStatus::Running) {
        ImGui::TextDisabled("quantizing...");
    } else if (live.r) {
        ImGui::TextDisabled("%.2f bits/weight, SQNR %.2f dB (%.1f ms)", live.r->bits_per_weight, live.r->sqnr_db,
                            st.a.value->quantize_ms);
    }
}

}  // namespace qs::app
