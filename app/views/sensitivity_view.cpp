// The Sensitivity window; see sensitivity_view.hpp. Top: source, candidates,
// Compute/Cancel. Then the budget slider with the plan's totals, the per-layer
// bar chart (log sensitivity, error bars, chosen spec per bar), the Pareto plot
// and the measured-accuracy plot side by side, the per-layer table (pin a spec
// with the combo) and the export line.
#include "app/views/sensitivity_view.hpp"

#include "core/sensitivity/importance.hpp"
#include "core/util/units.hpp"

#include <fmt/format.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

namespace qs::app {

namespace {

constexpr SensSource kSources[] = {SensSource::Auto, SensSource::Demo, SensSource::Imatrix, SensSource::TracesJson,
                                   SensSource::DataFree};
constexpr exporter::ExportFormat kFormats[] = {exporter::ExportFormat::Json,      exporter::ExportFormat::Llama,
                                               exporter::ExportFormat::GptqModel, exporter::ExportFormat::Aimet,
                                               exporter::ExportFormat::Safetensors, exporter::ExportFormat::Csv,
                                               exporter::ExportFormat::ModelOpt,
                                               exporter::ExportFormat::CompressedTensors};
constexpr const char* kFormatExt[] = {"plan.json",       "tensor-types.txt",       "quantize_config.json",
                                      "encodings.json",  "model-quant.safetensors", "plan.csv",
                                      "hf_quant_config.json", "quantization_config.json"};
static_assert(std::size(kFormats) == std::size(kFormatExt));

sensitivity::Source core_source(SensSource s) {
    switch (s) {
        case SensSource::Demo: return sensitivity::Source::HessianTrace;
        case SensSource::Imatrix: return sensitivity::Source::Imatrix;
        case SensSource::TracesJson: return sensitivity::Source::TracesJson;
        default: return sensitivity::Source::DataFree;
    }
}

// One colour per candidate, from warm (fewest bits) to cool (most bits).
ImU32 label_color(size_t rank, size_t n, float alpha = 1.0f) {
    static const ImVec4 ramp[] = {{0.86f, 0.30f, 0.25f, 1}, {0.93f, 0.60f, 0.20f, 1}, {0.85f, 0.80f, 0.25f, 1},
                                  {0.40f, 0.75f, 0.35f, 1}, {0.25f, 0.70f, 0.75f, 1}, {0.35f, 0.50f, 0.90f, 1},
                                  {0.60f, 0.45f, 0.85f, 1}, {0.75f, 0.75f, 0.80f, 1}};
    // Few candidates spread over red, yellow, green, blue; more take the ramp in order.
    const size_t k = n <= 1   ? 3
                     : n <= 6 ? size_t(std::lround(double(rank) * 5.0 / double(n - 1)))
                              : std::min<size_t>(7, rank);
    ImVec4 c = ramp[std::min<size_t>(k, 7)];
    c.w = alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

// Candidate index -> rank by bits (as the first tensor stores it).
std::vector<size_t> ranks_by_bits(const sensitivity::CostTable& t) {
    const size_t n = t.candidates.size();
    std::vector<size_t> order(n), rank(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    if (!t.tensors.empty() && t.tensors[0].costs.size() == n)
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return t.tensors[0].costs[a].bits_per_weight < t.tensors[0].costs[b].bits_per_weight;
        });
    for (size_t r = 0; r < n; ++r) rank[order[r]] = r;
    return rank;
}

size_t label_index(const sensitivity::CostTable& t, const std::string& label) {
    for (size_t i = 0; i < t.candidates.size(); ++i)
        if (t.candidates[i].label == label) return i;
    return 0;
}

void draw_controls(const ViewInput& in, const SensState& ss, SensUi& ui, SensIntents& sout) {
    const OpenModel* m = in.s.find_model(in.s.shown_model);
    const io::ModelIndex* idx = m ? m->index.get() : nullptr;
    const bool running = ss.status == JobStatus::Running;
    // The boxes follow the state (scripts, recompute) unless the user is typing in them.
    if (!ui.editing) {
        ui.candidates = ss.candidates;
        ui.path = ss.source_path;
    }
    bool editing = false;
    ImGui::TextUnformatted("Model:");
    ImGui::SameLine();
    if (idx) ImGui::TextUnformatted(std::filesystem::path(idx->path).filename().string().c_str());
    else ImGui::TextDisabled("none open (File > Open)");

    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
    const SensSource resolved = ss.resolved_source(idx);
    const std::string preview = ss.source == SensSource::Auto
                                    ? std::string("automatic: ") + sens_source_label(resolved)
                                    : sens_source_label(ss.source);
    if (ImGui::BeginCombo("source", preview.c_str())) {
        for (SensSource s : kSources) {
            const bool demo_ok = s != SensSource::Demo || (idx && nn::is_nn_model(*idx));
            if (ImGui::Selectable(sens_source_label(s), ss.source == s, demo_ok ? 0 : ImGuiSelectableFlags_Disabled))
                sout.push_back(sens::SetSource{s, ui.path});
            if (s == SensSource::Demo && !demo_ok)
                help_tooltip("Needs a model quantscope can run (the bundled demo models).");
        }
        ImGui::EndCombo();
    }
    help_tooltip("Where the per-layer sensitivity comes from. Automatic: Hessian traces for models quantscope can "
                 "run, else the data-free proxy.");
    if (resolved == SensSource::Imatrix || resolved == SensSource::TracesJson) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
        if (ImGui::InputTextWithHint("##srcpath", resolved == SensSource::Imatrix ? "imatrix.gguf / imatrix.dat"
                                                                                   : "traces.json",
                                     &ui.path))
            sout.push_back(sens::SetSource{ss.source, ui.path});
        editing |= ImGui::IsItemActive();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize() * 10, ImGui::GetContentRegionAvail().x -
                                                                    ImGui::GetFontSize() * 12));
    if (ImGui::InputText("candidates", &ui.candidates)) sout.push_back(sens::SetCandidates{ui.candidates});
    editing |= ImGui::IsItemActive();
    ui.editing = editing;
    help_tooltip("Comma-separated specs (QuantSpec compact text, gN = group=N), e.g. "
                 "int2:g64,int3:g64,int4:g128,int8. The planner picks one per layer.");

    {
        ImGui::PushStyleColor(ImGuiCol_Text, in.pal.dim);
        ImGui::TextWrapped("%s: %s", std::string(sensitivity::source_name(core_source(resolved))).c_str(),
                           std::string(sensitivity::source_trust(core_source(resolved))).c_str());
        ImGui::PopStyleColor();
    }

    if (running) {
        if (ImGui::Button("Cancel")) sout.push_back(sens::Cancel{});
        ImGui::SameLine();
        const std::string text = fmt::format("{} {:.0f}%", ss.phase, ss.progress.fraction() * 100);
        ImGui::ProgressBar(float(ss.progress.fraction()), ImVec2(-1, 0), text.c_str());
    } else {
        ImGui::BeginDisabled(!idx);
        if (ImGui::Button(ss.computed ? "Recompute" : "Compute")) sout.push_back(sens::Compute{in.s.shown_model});
        ImGui::EndDisabled();
        help_tooltip(resolved == SensSource::Demo
                         ? "Hutchinson traces of the training loss per layer, then every candidate on every layer."
                         : "Quantizes every layer under every candidate and weights the error by the source.");
        ImGui::SameLine();
        if (ss.status == JobStatus::Failed || (!ss.error.empty() && ss.error == "cancelled")) {
            ImGui::PushStyleColor(ImGuiCol_Text, ss.status == JobStatus::Failed ? in.pal.bad : in.pal.warn);
            ImGui::TextWrapped("%s", ss.error.c_str());
            ImGui::PopStyleColor();
        } else if (ss.computed) {
            const auto& t = ss.computed->table;
            ImGui::TextDisabled("%zu layers x %zu candidates, %s parameters, %.2f s", t.tensors.size(),
                                t.candidates.size(), human_count(ss.computed->quantized_params).c_str(),
                                ss.computed->seconds);
        } else {
            ImGui::TextDisabled("Compute the per-layer sensitivity and cost of every candidate.");
        }
    }
}

void draw_budget(const ViewInput& in, const SensState& ss, SensIntents& sout) {
    const auto& doc = ss.plan->doc;
    float b = float(ss.budget_bpw);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
    if (ImGui::SliderFloat("budget (bits/weight)", &b, float(ss.min_bpw), float(ss.max_bpw), "%.3f"))
        sout.push_back(sens::SetBudget{double(b)});
    help_tooltip("Average bits per weight over the planned layers, scales included. The plan is re-solved "
                 "exactly on every move.");
    ImGui::SameLine();
    ImGui::Text("plan %.3f bpw, %s, predicted cost %s (%s)", doc.avg_bpw(),
                human_bytes(uint64_t(std::ceil(doc.quantized_bits / 8))).c_str(),
                short_number(doc.total_predicted_cost).c_str(), doc.optimal ? "optimal" : "best found");
    const double params = double(doc.quantized_params);
    ImGui::TextDisabled("greedy baseline: %.3f bpw, cost %s", params ? ss.plan->greedy.bits / params : 0.0,
                        short_number(ss.plan->greedy.cost).c_str());
    if (ss.plan_accuracy.value) {
        ImGui::SameLine();
        ImGui::Text("  measured test accuracy of this plan: %.2f%%", 100 * ss.plan_accuracy.value->accuracy);
        if (ss.accuracy.value && ss.accuracy.value->float_acc) {
            ImGui::SameLine();
            ImGui::TextDisabled("(float %.2f%%)", 100 * *ss.accuracy.value->float_acc);
        }
    }
    if (!ss.pins.empty()) {
        ImGui::SameLine();
        if (ImGui::SmallButton(fmt::format("clear {} pin{}", ss.pins.size(), ss.pins.size() == 1 ? "" : "s").c_str()))
            sout.push_back(sens::ClearPins{});
    }
    for (const auto& n : ss.plan->notes) ImGui::TextColored(in.pal.warn, "note: %s", n.c_str());
}

void draw_bars(const ViewInput& in, const SensState& ss, SensUi& ui, Intents& out, ImVec2 size) {
    const auto& t = ss.computed->table;
    const auto& doc = ss.plan->doc;
    const std::vector<size_t> rank = ranks_by_bits(t);
    const size_t n = t.tensors.size();
    double lo = INFINITY, hi = 0;
    for (const auto& tc : t.tensors) {
        if (tc.score > 0) {
            lo = std::min(lo, std::max(tc.score - tc.score_se, tc.score * 0.1));
            hi = std::max(hi, tc.score + tc.score_se);
        }
    }
    if (!(hi > 0)) {
        lo = 1e-3;
        hi = 1;
    }
    PlotSpec ps;
    ps.size = size;
    ps.data_lo = -0.5;
    ps.data_hi = double(n) - 0.5;
    ps.y_lo = lo / 2;
    ps.y_hi = hi * 3;
    ps.yscale = YScale::Log10;
    ps.integer_x = true;
    ps.x_label = "layers in model order: sensitivity (log scale, +- 1 s.e.); colour and label: the plan's spec";
    const PlotFrame f = begin_plot("sensbars", ps, ui.bars_x, in.pal);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.rect.Min, f.rect.Max, true);
    ui.bar_centres.clear();
    const float slot = float(f.rect.GetWidth() / (f.x1 - f.x0));
    const float bw = std::max(1.0f, slot * 0.7f);
    const ModelId model = ss.computed->model;
    int hovered = -1;
    // doc.tensors is in model order and includes kept tensors: map by name.
    std::vector<const exporter::PlannedTensor*> planned(n, nullptr);
    for (size_t i = 0, j = 0; i < n && j < doc.tensors.size(); ++j)
        if (doc.tensors[j].name == t.tensors[i].name) planned[i++] = &doc.tensors[j];
    for (size_t i = 0; i < n; ++i) {
        const auto& tc = t.tensors[i];
        const float cx = f.x_px(double(i));
        const size_t li = planned[i] ? label_index(t, planned[i]->label) : 0;
        const bool sel = in.s.selection.model == model && in.s.selection.tensor == int64_t(tc.index);
        const float y = f.y_px(std::max(tc.score, 1e-300));
        dl->AddRectFilled(ImVec2(cx - bw / 2, y), ImVec2(cx + bw / 2, f.rect.Max.y),
                          label_color(rank[li], t.candidates.size(), sel ? 1.0f : 0.8f));
        if (sel) dl->AddRect(ImVec2(cx - bw / 2 - 1, y - 1), ImVec2(cx + bw / 2 + 1, f.rect.Max.y), in.pal.hover_line, 0, 0, 2);
        if (tc.score_se > 0) {
            const float y0 = f.y_px(std::max(tc.score - tc.score_se, tc.score * 1e-3));
            const float y1 = f.y_px(tc.score + tc.score_se);
            const float cap = std::min(bw * 0.3f, 6.0f);
            dl->AddLine(ImVec2(cx, y0), ImVec2(cx, y1), in.pal.axis, 1.5f);
            dl->AddLine(ImVec2(cx - cap, y0), ImVec2(cx + cap, y0), in.pal.axis, 1.5f);
            dl->AddLine(ImVec2(cx - cap, y1), ImVec2(cx + cap, y1), in.pal.axis, 1.5f);
        }
        if (planned[i]) {
            std::string lab = planned[i]->label + (planned[i]->pinned ? " *" : "");
            const ImVec2 ts = ImGui::CalcTextSize(lab.c_str());
            if (ts.x < slot - 2) {
                const float ty = std::max(f.rect.Min.y + 1, std::min(y, f.y_px(tc.score + tc.score_se)) - ts.y - 2);
                dl->AddText(ImVec2(cx - ts.x / 2, ty), in.pal.tick_text, lab.c_str());
            }
        }
        {
            // The tensor's name at the foot of its bar, when it fits.
            const ImVec2 ns = ImGui::CalcTextSize(tc.name.c_str());
            if (ns.x < slot - 4)
                dl->AddText(ImVec2(cx - ns.x / 2, f.rect.Max.y - ns.y - 2), in.pal.tick_text, tc.name.c_str());
        }
        ui.bar_centres.push_back({tc.name, ImVec2(cx, (y + f.rect.Max.y) / 2)});
        if (f.hovered && std::fabs(ImGui::GetIO().MousePos.x - cx) <= slot / 2) hovered = int(i);
    }
    dl->PopClipRect();
    end_plot(f);
    if (hovered >= 0) {
        const auto& tc = t.tensors[size_t(hovered)];
        const auto* p = planned[size_t(hovered)];
        ImGui::SetTooltip("%s  %s\nsensitivity %s +- %s%s\nplan: %s, %.3f bpw, predicted cost %s%s\nclick to open it in "
                          "the explorer",
                          tc.name.c_str(), io::shape_string(tc.shape).c_str(), short_number(tc.score).c_str(),
                          short_number(tc.score_se).c_str(), tc.note.empty() ? "" : ("\n" + tc.note).c_str(),
                          p ? p->label.c_str() : "?", p ? p->bits_per_weight : 0.0,
                          p ? short_number(p->predicted_cost).c_str() : "?", p && p->pinned ? " (pinned)" : "");
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            out.push_back(intent::ShowModel{model});
            out.push_back(intent::SelectTensor{model, int64_t(tc.index)});
        }
    }
}

void marker(ImDrawList* dl, ImVec2 p, ImU32 c, int kind, float r) {
    if (kind == 0) dl->AddCircleFilled(p, r, c);
    else if (kind == 1) dl->AddRectFilled(ImVec2(p.x - r, p.y - r), ImVec2(p.x + r, p.y + r), c);
    else {
        dl->AddCircle(p, r * 1.8f, c, 0, 2.5f);
        dl->AddCircleFilled(p, r * 0.8f, c);
    }
}

void draw_pareto(const ViewInput& in, const SensState& ss, SensUi& ui, ImVec2 size) {
    const auto& t = ss.computed->table;
    const double params = double(ss.computed->quantized_params);
    const auto& pts = ss.frontier->points;
    const std::vector<size_t> rank = ranks_by_bits(t);
    double xlo = ss.min_bpw, xhi = ss.max_bpw, ylo = INFINITY, yhi = 0;
    for (const auto& p : pts)
        if (p.cost > 0) ylo = std::min(ylo, p.cost), yhi = std::max(yhi, p.cost);
    for (const auto& u : ss.plan->uniform)
        if (u.feasible) {
            xlo = std::min(xlo, u.bits / params);
            xhi = std::max(xhi, u.bits / params);
            if (u.cost > 0) ylo = std::min(ylo, u.cost), yhi = std::max(yhi, u.cost);
        }
    if (!(yhi > 0)) ylo = 1e-6, yhi = 1;
    const double floor_cost = ylo / 2;  // zero-cost points sit on the floor of the log axis
    PlotSpec ps;
    ps.size = size;
    const double pad = (xhi - xlo) * 0.06 + 0.05;
    ps.data_lo = xlo - pad;
    ps.data_hi = xhi + pad;
    ps.y_lo = floor_cost;
    ps.y_hi = yhi * 3;
    ps.yscale = YScale::Log10;
    ps.x_label = "model size (bits/weight)";
    ImGui::TextUnformatted("Predicted cost vs size");
    ImGui::SameLine();
    ImGui::TextDisabled("line: frontier, ring: plan, squares: uniform");
    const PlotFrame f = begin_plot("pareto", ps, ui.pareto_x, in.pal);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.rect.Min, f.rect.Max, true);
    const ImU32 line = in.pal.deq;
    auto P = [&](double bits, double cost) { return ImVec2(f.x_px(bits / params), f.y_px(std::max(cost, floor_cost))); };
    const float bx = f.x_px(ss.budget_bpw);
    dl->AddLine(ImVec2(bx, f.rect.Min.y), ImVec2(bx, f.rect.Max.y), in.pal.handle, 1.0f);
    for (size_t k = 1; k < pts.size(); ++k) dl->AddLine(P(pts[k - 1].bits, pts[k - 1].cost), P(pts[k].bits, pts[k].cost), line, 2.0f);
    for (const auto& p : pts) marker(dl, P(p.bits, p.cost), line, 0, 2.5f);
    for (size_t u = 0; u < ss.plan->uniform.size(); ++u) {
        const auto& b = ss.plan->uniform[u];
        if (!b.feasible) continue;
        const ImVec2 q = P(b.bits, b.cost);
        marker(dl, q, label_color(rank[u], t.candidates.size()), 1, 4.5f);
        dl->AddText(ImVec2(q.x + 7, q.y - ImGui::GetTextLineHeight()), in.pal.tick_text, b.label.c_str());
    }
    const auto& doc = ss.plan->doc;
    marker(dl, P(doc.quantized_bits, doc.total_predicted_cost), in.pal.handle_hot, 2, 4.0f);
    dl->PopClipRect();
    end_plot(f);
    if (f.hovered && !pts.empty()) {
        const plan::FrontierPoint* best = &pts[0];
        for (const auto& p : pts)
            if (std::fabs(p.bits / params - f.mouse_x) < std::fabs(best->bits / params - f.mouse_x)) best = &p;
        ImGui::SetTooltip("frontier point: %.3f bpw, predicted cost %s\nthis plan: %.3f bpw, cost %s\nmove the budget "
                          "slider to move along the frontier",
                          best->bits / params, short_number(best->cost).c_str(), doc.avg_bpw(),
                          short_number(doc.total_predicted_cost).c_str());
    }
}

void draw_accuracy(const ViewInput& in, const SensState& ss, SensUi& ui, ImVec2 size) {
    ImGui::TextUnformatted("Measured test accuracy");
    ImGui::SameLine();
    if (!ss.computed->demo_model) {
        ImGui::NewLine();
        ImGui::TextWrapped("Measured accuracy needs a model quantscope can run (the bundled demo models); for this "
                           "model only the predicted cost is available.");
        return;
    }
    const SensAccuracy* a = ss.accuracy.value.get();
    if (!a) {
        if (ss.accuracy.status == JobStatus::Failed) ImGui::TextColored(in.pal.bad, "%s", ss.accuracy.error.c_str());
        else {
            const std::string text = fmt::format("measuring {:.0f}%", ss.accuracy.progress.fraction() * 100);
            ImGui::ProgressBar(float(ss.accuracy.progress.fraction()), ImVec2(-1, 0), text.c_str());
        }
        return;
    }
    ImGui::TextDisabled("%zu frontier points; dashed: float", a->frontier.size());
    const auto& t = ss.computed->table;
    const double params = double(ss.computed->quantized_params);
    const std::vector<size_t> rank = ranks_by_bits(t);
    double xlo = ss.min_bpw, xhi = ss.max_bpw, ylo = 1.0, yhi = 0.0;
    auto span = [&](double acc) { ylo = std::min(ylo, acc), yhi = std::max(yhi, acc); };
    for (const auto& p : a->frontier) span(p.accuracy);
    for (size_t u = 0; u < a->uniform.size() && u < ss.plan->uniform.size(); ++u)
        if (a->uniform[u]) {
            span(*a->uniform[u]);
            xlo = std::min(xlo, ss.plan->uniform[u].bits / params);
            xhi = std::max(xhi, ss.plan->uniform[u].bits / params);
        }
    if (a->float_acc) span(*a->float_acc);
    if (ss.plan_accuracy.value) span(ss.plan_accuracy.value->accuracy);
    PlotSpec ps;
    ps.size = size;
    const double pad = (xhi - xlo) * 0.06 + 0.05;
    ps.data_lo = xlo - pad;
    ps.data_hi = xhi + pad;
    ps.y_lo = std::max(0.0, ylo * 100 - 3);
    ps.y_hi = std::min(100.0, yhi * 100 + 2);
    ps.x_label = "model size (bits/weight)";
    const PlotFrame f = begin_plot("accuracy", ps, ui.acc_x, in.pal);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.rect.Min, f.rect.Max, true);
    auto P = [&](double bpw, double acc) { return ImVec2(f.x_px(bpw), f.y_px(acc * 100)); };
    if (a->float_acc) {
        const float y = f.y_px(*a->float_acc * 100);
        for (float x = f.rect.Min.x; x < f.rect.Max.x; x += 10)
            dl->AddLine(ImVec2(x, y), ImVec2(std::min(x + 5, f.rect.Max.x), y), in.pal.axis, 1.5f);
    }
    const float bx = f.x_px(ss.budget_bpw);
    dl->AddLine(ImVec2(bx, f.rect.Min.y), ImVec2(bx, f.rect.Max.y), in.pal.handle, 1.0f);
    for (size_t k = 1; k < a->frontier.size(); ++k)
        dl->AddLine(P(a->frontier[k - 1].bpw, a->frontier[k - 1].accuracy), P(a->frontier[k].bpw, a->frontier[k].accuracy),
                    in.pal.b, 2.0f);
    for (const auto& p : a->frontier) marker(dl, P(p.bpw, p.accuracy), in.pal.b, 0, 3.0f);
    for (size_t u = 0; u < a->uniform.size() && u < ss.plan->uniform.size(); ++u) {
        if (!a->uniform[u]) continue;
        const ImVec2 q = P(ss.plan->uniform[u].bits / params, *a->uniform[u]);
        marker(dl, q, label_color(rank[u], t.candidates.size()), 1, 4.5f);
        dl->AddText(ImVec2(q.x + 7, q.y + 2), in.pal.tick_text, t.candidates[u].label.c_str());
    }
    if (ss.plan_accuracy.value)
        marker(dl, P(ss.plan->doc.avg_bpw(), ss.plan_accuracy.value->accuracy), in.pal.handle_hot, 2, 4.0f);
    dl->PopClipRect();
    end_plot(f);
    if (f.hovered && !a->frontier.empty()) {
        const SensAccuracy::Point* best = &a->frontier[0];
        for (const auto& p : a->frontier)
            if (std::fabs(p.bpw - f.mouse_x) < std::fabs(best->bpw - f.mouse_x)) best = &p;
        ImGui::SetTooltip("frontier point at %.3f bpw\nmeasured %.2f%%, predicted cost %s", best->bpw, 100 * best->accuracy,
                          short_number(best->cost).c_str());
    }
}

void draw_table(const ViewInput& in, const SensState& ss, SensIntents& sout, Intents& out, float height) {
    const auto& t = ss.computed->table;
    const auto& doc = ss.plan->doc;
    const ModelId model = ss.computed->model;
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                               ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("senstable", 7, tf, ImVec2(0, height))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("tensor", 0, 2.6f);
    ImGui::TableSetupColumn("shape", 0, 1.0f);
    ImGui::TableSetupColumn("params", 0, 0.8f);
    ImGui::TableSetupColumn("sensitivity", 0, 1.4f);
    ImGui::TableSetupColumn("spec (pin)", 0, 1.6f);
    ImGui::TableSetupColumn("bpw", 0, 0.6f);
    ImGui::TableSetupColumn("cost", 0, 0.9f);
    ImGui::TableHeadersRow();
    size_t j = 0;
    for (size_t i = 0; i < t.tensors.size(); ++i) {
        const auto& tc = t.tensors[i];
        while (j < doc.tensors.size() && doc.tensors[j].name != tc.name) ++j;
        const exporter::PlannedTensor* p = j < doc.tensors.size() ? &doc.tensors[j] : nullptr;
        ImGui::TableNextRow();
        ImGui::PushID(int(i));
        ImGui::TableNextColumn();
        const bool sel = in.s.selection.model == model && in.s.selection.tensor == int64_t(tc.index);
        if (ImGui::Selectable(tc.name.c_str(), sel) && !sel) {
            out.push_back(intent::ShowModel{model});
            out.push_back(intent::SelectTensor{model, int64_t(tc.index)});
        }
        help_tooltip("Open this tensor in the explorer.");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(io::shape_string(tc.shape).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(human_count(tc.numel).c_str());
        ImGui::TableNextColumn();
        if (tc.score_se > 0) ImGui::Text("%s +- %s", short_number(tc.score).c_str(), short_number(tc.score_se).c_str());
        else ImGui::TextUnformatted(short_number(tc.score).c_str());
        if (!tc.note.empty()) help_tooltip(tc.note.c_str());
        ImGui::TableNextColumn();
        auto pin = ss.pins.find(tc.name);
        const std::string preview = pin != ss.pins.end() ? pin->second + " (pinned)" : (p ? p->label : std::string("?"));
        ImGui::SetNextItemWidth(-1);
        if (ImGui::BeginCombo("##pin", preview.c_str())) {
            if (ImGui::Selectable("planner's choice (unpinned)", pin == ss.pins.end()))
                sout.push_back(sens::Pin{tc.name, ""});
            for (size_t c = 0; c < t.candidates.size(); ++c) {
                const bool ok = c < tc.costs.size() && tc.costs[c].feasible;
                const std::string item = ok ? fmt::format("{}  ({:.3f} bpw, cost {})", t.candidates[c].label,
                                                          tc.costs[c].bits_per_weight, short_number(tc.costs[c].cost))
                                            : t.candidates[c].label + "  (does not fit)";
                if (ImGui::Selectable(item.c_str(), pin != ss.pins.end() && pin->second == t.candidates[c].label,
                                      ok ? 0 : ImGuiSelectableFlags_Disabled))
                    sout.push_back(sens::Pin{tc.name, t.candidates[c].label});
            }
            ImGui::EndCombo();
        }
        ImGui::TableNextColumn();
        if (p) ImGui::Text("%.3f", p->bits_per_weight);
        ImGui::TableNextColumn();
        if (p) ImGui::TextUnformatted(short_number(p->predicted_cost).c_str());
        ImGui::PopID();
    }
    ImGui::EndTable();
}

void draw_export(const ViewInput& in, const SensState& ss, SensUi& ui, SensIntents& sout) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    const int prev = ui.format;
    if (ImGui::BeginCombo("##fmt", std::string(exporter::export_format_name(kFormats[ui.format])).c_str())) {
        for (int k = 0; k < int(std::size(kFormats)); ++k)
            if (ImGui::Selectable(std::string(exporter::export_format_name(kFormats[k])).c_str(), k == ui.format))
                ui.format = k;
        ImGui::EndCombo();
    }
    help_tooltip("json: quantscope plan; llama: llama-quantize --tensor-type file (.sh: command line); gptqmodel: "
                 "dynamic overrides (.py: Python dict); aimet: encodings; safetensors: fake-quantized weights; csv: "
                 "this table; modelopt: hf_quant_config.json (MIXED_PRECISION); compressed-tensors: "
                 "quantization_config with config_groups (vLLM). Check a pattern file with quantscope-cli lint-plan.");
    if (prev != ui.format) {
        // Follow the format's usual file name unless the user typed a directory part.
        const std::filesystem::path p(ui.export_path);
        ui.export_path = (p.parent_path() / kFormatExt[ui.format]).string();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 22);
    ImGui::InputText("##expath", &ui.export_path);
    ImGui::SameLine();
    ImGui::BeginDisabled(!ss.plan || ss.export_status == JobStatus::Running);
    if (ImGui::Button("Export plan")) sout.push_back(sens::Export{kFormats[ui.format], ui.export_path});
    ImGui::EndDisabled();
    if (!ss.export_message.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(ss.export_status == JobStatus::Failed ? in.pal.bad : in.pal.good, "%s",
                           ss.export_message.c_str());
    }
    const auto& ws = ss.export_warnings;
    for (size_t k = 0; k < ws.size() && k < 2; ++k) ImGui::TextColored(in.pal.warn, "warning: %s", ws[k].c_str());
    if (ws.size() > 2) {
        ImGui::TextColored(in.pal.warn, "... and %zu more warnings", ws.size() - 2);
        if (ImGui::IsItemHovered()) {
            std::string all;
            for (const auto& w : ws) all += w + "\n";
            ImGui::SetTooltip("%s", all.c_str());
        }
    }
}

}  // namespace

void draw_sensitivity_view(const ViewInput& in, const SensState& ss, SensUi& ui, SensIntents& sout, Intents& out) {
    ViewWindow w(in, ViewId::Sensitivity, out);
    if (!w) return;
    draw_controls(in, ss, ui, sout);
    if (!ss.computed) return;
    if (!ss.plan || !ss.frontier) {
        ImGui::TextColored(in.pal.bad, "Cannot plan: %s", ss.plan_error.empty() ? "no frontier" : ss.plan_error.c_str());
        return;
    }
    ImGui::Separator();
    draw_budget(in, ss, sout);
    const float line = ImGui::GetFrameHeightWithSpacing();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float bars_h = std::max(120.0f, avail.y * 0.30f);
    const float plots_h = std::max(140.0f, avail.y * 0.34f);
    draw_bars(in, ss, ui, out, ImVec2(avail.x, bars_h));
    const float half = std::floor((avail.x - ImGui::GetStyle().ItemSpacing.x) * 0.5f);
    ImGui::BeginGroup();
    ImGui::PushID("p");
    ImGui::BeginChild("paretoc", ImVec2(half, plots_h), false, ImGuiWindowFlags_NoScrollbar);
    draw_pareto(in, ss, ui, ImVec2(0, 0));
    ImGui::EndChild();
    ImGui::PopID();
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginChild("accc", ImVec2(0, plots_h), false, ImGuiWindowFlags_NoScrollbar);
    draw_accuracy(in, ss, ui, ImVec2(0, 0));
    ImGui::EndChild();
    const float table_h = std::max(line * 3, ImGui::GetContentRegionAvail().y -
                                                 line * (1.2f + float(std::min<size_t>(3, ss.export_warnings.size()))));
    draw_table(in, ss, sout, out, table_h);
    draw_export(in, ss, ui, sout);
}

}  // namespace qs::app
