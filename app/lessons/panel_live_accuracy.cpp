// Demo model panel: test accuracy and loss of the bundled MLP with per-layer
// weight specs (fake-quantized through core/quant) and optional activation
// quantization (static calibrated on training data, or dynamic per batch),
// recomputed whenever a control changes (a few ms at this size).
#include "app/lessons/lessons_impl.hpp"

#include "core/nn/evaluate.hpp"

#include <fmt/format.h>

#include <chrono>

namespace qs::app::lessons {

void draw_live_accuracy(LessonsImpl& L, const LessonInput& in, bool* open) {
    LiveState& s = L.live;
    if (!begin_lesson("Demo model: live accuracy", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("The bundled model is a small MLP trained by quantscope on the UCI handwritten digits (8x8 images, "
            "10 classes). Choose bits and granularity for each layer's weights and, optionally, quantize the "
            "activations too: the test accuracy and loss below are recomputed from scratch on the 360 test images "
            "after every change.");
    const DemoAssets& a = L.assets();
    if (!a.ok()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "demo model unavailable: %s", a.error.c_str());
        ImGui::End();
        return;
    }
    const nn::Model& m = *a.model;
    std::vector<const nn::ParamInfo*> weights;
    for (const auto& p : m.arch.params)
        if (p.is_weight && weights.size() < s.bits.size()) weights.push_back(&p);

    bool changed = false;
    if (ImGui::BeginTable("layers", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        for (const char* h : {"weight", "shape", "bits (0 = float)", "granularity", "SQNR / bits per weight"})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (size_t i = 0; i < weights.size(); ++i) {
            ImGui::PushID(int(i));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(weights[i]->name.c_str());
            ImGui::TableNextColumn();
            std::string shape;
            for (auto d : weights[i]->shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
            ImGui::TextUnformatted(shape.c_str());
            ImGui::TableNextColumn();
            ImGui::SetNextItemWidth(-1);
            changed |= ImGui::SliderInt("##bits", &s.bits[i], 0, 8);
            if (s.bits[i] == 1) s.bits[i] = 2;
            ImGui::TableNextColumn();
            const char* g[] = {"per-tensor", "per-channel", "per-group 16"};
            ImGui::SetNextItemWidth(-1);
            changed |= ImGui::Combo("##gran", &s.gran[i], g, 3);
            ImGui::TableNextColumn();
            if (s.result && i < s.result->weights.layers.size() && s.bits[i] > 0)
                ImGui::Text("%.1f dB / %.2f", s.result->weights.layers[i].sqnr_db,
                            s.result->weights.layers[i].bits_per_weight);
            else
                ImGui::TextDisabled("float");
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    if (ImGui::SmallButton("all 8-bit")) s.bits.fill(8), changed = true;
    ImGui::SameLine();
    if (ImGui::SmallButton("all 4-bit")) s.bits.fill(4), changed = true;
    ImGui::SameLine();
    if (ImGui::SmallButton("all 2-bit")) s.bits.fill(2), changed = true;
    ImGui::SameLine();
    if (ImGui::SmallButton("all float")) s.bits.fill(0), changed = true;
    if (changed) s.explorer.reset();  // a control here takes over from the explorer's spec
    if (in.explorer_spec) {
        ImGui::SameLine();
        if (ImGui::SmallButton("every layer: the explorer's spec")) s.explorer = in.explorer_spec, changed = true;
        help_marker("Quantizes every weight with the spec in the explorer's Spec panel; it follows that panel "
                    "until you move a slider here.");
    }
    if (s.explorer && in.explorer_spec && !(*s.explorer == *in.explorer_spec)) s.explorer = in.explorer_spec;
    if (s.explorer) ImGui::TextColored(ImVec4(0.5f, 0.8f, 1, 1), "every layer: %s", quant::to_text(*s.explorer).c_str());

    const char* act[] = {"off", "static, minmax", "static, percentile 99.99", "static, KL", "dynamic (per batch)"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 13);
    changed |= ImGui::Combo("activations", &s.act, act, 5);
    if (s.act > 0) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        changed |= ImGui::SliderInt("activation bits", &s.act_bits, 2, 8);
    }

    uint64_t key = mix_key(uint64_t(s.act) + 1, uint64_t(s.act_bits));
    if (s.explorer) key = mix_key(key, quant::hash_value(*s.explorer));
    for (size_t i = 0; i < weights.size(); ++i) key = mix_key(mix_key(key, uint64_t(s.bits[i])), uint64_t(s.gran[i]));
    if (changed || key != s.key || (!s.result && s.error.empty())) {
        s.key = key;
        const auto t0 = std::chrono::steady_clock::now();
        learn::LayerSpecs specs;
        for (size_t i = 0; i < weights.size(); ++i) {
            if (s.bits[i] <= 0) continue;
            quant::QuantSpec q;
            q.bits = s.bits[i];
            q.granularity = s.gran[i] == 0 ? quant::Granularity::PerTensor
                            : s.gran[i] == 1 ? quant::Granularity::PerChannel : quant::Granularity::PerGroup;
            q.group_size = 16;
            specs[weights[i]->name] = q;
        }
        if (s.explorer) specs = learn::uniform_specs(m.arch, *s.explorer);
        nn::ActQuant aq;
        s.error.clear();
        if (s.act == 4) {
            aq.mode = nn::ActQuantMode::Dynamic;
            aq.bits = s.act_bits;
        } else if (s.act > 0) {
            nn::CalibrationOptions co;
            co.method = s.act == 1 ? nn::ActCalibration::MinMax : s.act == 2 ? nn::ActCalibration::Percentile
                                                                             : nn::ActCalibration::KL;
            co.bits = s.act_bits;
            co.max_samples = 512;
            co.threads = 1;
            auto table = nn::calibrate_activations(m, a.data->train, co);
            if (table) {
                aq.mode = nn::ActQuantMode::Static;
                aq.bits = s.act_bits;
                aq.table = std::move(*table);
            } else {
                s.error = table.error().message;
            }
        }
        auto r = learn::live_accuracy(m, *a.data, specs, aq, 1);
        if (r)
            s.result = std::move(*r);
        else
            s.error = r.error().message;
        s.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    if (!s.error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
    if (s.result) {
        const auto& r = *s.result;
        section("Test split (360 images)");
        ImGui::PushFont(nullptr);
        ImGui::SetWindowFontScale(L.style.scale() * 1.5f);
        ImGui::Text("accuracy %.2f%%   loss %.4f", 100 * r.accuracy, r.loss);
        ImGui::SetWindowFontScale(L.style.scale());
        ImGui::PopFont();
        ImGui::Text("float: %.2f%% (loss %.4f)   change: %+.2f points", 100 * r.float_accuracy, r.float_loss,
                    100 * (r.accuracy - r.float_accuracy));
        ImGui::Text("weights: %.3f bits per weight on average, %s instead of %s", r.weights.avg_bits(),
                    fmt_bytes(r.weights.total_bits / 8).c_str(), fmt_bytes(4.0 * double(r.weights.total_weights)).c_str());
        ImGui::TextDisabled("recomputed in %.1f ms", s.ms);
    }
    try_this("drop fc1 alone to 2 bits, then fc3 alone: which layer hurts more? Set every layer to 3 bits "
             "per-tensor, then per-channel. Turn on 4-bit static minmax activations, then dynamic: "
             "which one keeps the accuracy?");
    ImGui::End();
}

}  // namespace qs::app::lessons
