// Lesson 9, Hessian-aware mixed precision on the demo MLP: per-layer Hutchinson
// traces (background job), HAWQ-v2 costs, the exact planner's choice under a
// bits-per-weight budget, and its accuracy vs uniform bits at the same size.
#include "app/lessons/lessons_impl.hpp"

#include <fmt/format.h>

namespace qs::app::lessons {

void draw_mixed_precision(LessonsImpl& L, bool* open) {
    MixedState& s = L.mixed;
    if (!begin_lesson("9. Mixed precision (Hessian)", open, L.style, ImVec2(40, 40), ImVec2(940, 720))) {
        ImGui::End();
        return;
    }
    explain("Layers are not equally fragile. Where the loss surface is sharp (large second derivatives), a small "
            "weight change costs a lot of loss; where it is flat, the weights can be rounded hard. HAWQ measures "
            "sharpness by the trace of each layer's Hessian, estimated with Hutchinson's trick: E[z^T H z] = Tr(H) "
            "for random +-1 vectors z, one Hessian-vector product per sample. The predicted cost of quantizing "
            "layer i is Omega_i = Tr(H_i) / n_i * ||Q(W_i) - W_i||^2 (HAWQ-v2). A planner then picks one bit width "
            "per layer to minimise the total cost under a size budget (a multiple-choice knapsack).");
    const DemoAssets& a = L.assets();
    if (!a.ok()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "demo model unavailable: %s", a.error.c_str());
        ImGui::End();
        return;
    }
    if (auto r = s.job.take()) {
        if (*r) {
            if (!(*r)->cancelled) s.study = std::move(**r);
            s.error = (*r)->cancelled ? "cancelled" : "";
        } else {
            s.error = r->error().message;
        }
    }
    const bool running = s.job.running();
    if (!s.study && !running && s.error.empty()) {
        const nn::Model model = *a.model;
        const nn::DigitsSplit data = *a.data;
        learn::MixedPrecisionOptions o;
        o.budget_bpw = s.budget;
        o.max_iterations = 60;
        o.hessian_samples = 256;
        o.threads = 1;  // leave the other core to the frame loop
        s.job.start([model, data, o](const Progress& p) { return learn::mixed_precision_study(model, data, o, p); });
    }
    if (running) {
        ImGui::Text("estimating Hessian traces (Hutchinson, per layer) on 256 training samples...");
        ImGui::ProgressBar(float(s.job.fraction()), ImVec2(ImGui::GetFontSize() * 20, 0));
        if (ImGui::SmallButton("cancel")) s.job.cancel();
        ImGui::End();
        return;
    }
    if (!s.study) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
        if (ImGui::SmallButton("run again")) s.error.clear();
        ImGui::End();
        return;
    }
    auto& st = *s.study;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    ImGui::SliderFloat("budget (average bits per weight)", &s.budget, 2.0f, 8.5f, "%.2f");
    if (s.budget != s.last_budget && !ImGui::IsItemActive()) {
        s.last_budget = s.budget;
        const Status r = learn::replan(*a.model, *a.data, st, s.budget, 1);
        if (!r.ok()) s.error = r.error().message;
    }
    section(fmt::format("Per layer ({} Hessian-vector products)", st.hvp_calls).c_str());
    const int nc = int(st.candidate_bits.size());
    if (ImGui::BeginTable("layers", 5 + nc, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("layer");
        ImGui::TableSetupColumn("weights");
        ImGui::TableSetupColumn("Tr(H) +- s.e.");
        ImGui::TableSetupColumn("Tr(H)/n");
        for (int b : st.candidate_bits) ImGui::TableSetupColumn(fmt::format("Omega int{}", b).c_str());
        ImGui::TableSetupColumn("chosen");
        ImGui::TableHeadersRow();
        for (const auto& l : st.layers) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(l.param.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%llu", (unsigned long long)l.numel);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g +- %.2g", l.trace, l.trace_std_error);
            ImGui::TableNextColumn();
            ImGui::Text("%.3g", l.mean_diagonal);
            for (int c = 0; c < nc; ++c) {
                ImGui::TableNextColumn();
                if (c == l.chosen)
                    ImGui::TextColored(ImVec4(0.4f, 1, 0.5f, 1), "%.3g", l.cost[size_t(c)]);
                else
                    ImGui::Text("%.3g", l.cost[size_t(c)]);
            }
            ImGui::TableNextColumn();
            ImGui::Text("int%d", l.chosen >= 0 ? st.candidate_bits[size_t(l.chosen)] : 0);
        }
        ImGui::EndTable();
    }
    std::vector<double> traces;
    for (const auto& l : st.layers) traces.push_back(l.mean_diagonal);
    bar_chart("traces", 100, traces, kPurple, -1, false, "Tr(H)/n per layer (sharper = needs more bits)");
    section("The plan vs uniform bits at the same budget (test accuracy)");
    const double total_w = [&] {
        double n = 0;
        for (const auto& l : st.layers) n += double(l.numel);
        return n;
    }();
    ImGui::Text("float:                      %.2f%%", 100 * st.float_accuracy);
    ImGui::Text("Hessian-aware mixed plan:   %.2f%%   (%.3f bits per weight, predicted cost %.3g)", 100 * st.plan_accuracy,
                st.plan_bits / total_w, st.plan_cost);
    ImGui::Text("uniform int%d everywhere:    %.2f%%   (%.3f bits per weight)", st.uniform_bits,
                100 * st.uniform_accuracy, st.uniform_bits_total / total_w);
    if (!s.error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", s.error.c_str());
    try_this("set the budget to 3 bits per weight: uniform has to drop every layer to 2 bits, the plan keeps the "
             "sharpest layer at higher precision. Which layer does it protect, and is that the one with the "
             "largest Tr(H)/n?");
    ImGui::End();
}

}  // namespace qs::app::lessons
