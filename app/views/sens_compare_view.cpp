// Sensitivity methods side by side: controls, the comparison table and the
// per-method scatter plots; see sens_compare_view.hpp.
#include "app/views/sens_compare_view.hpp"

#include "core/nn/model.hpp"
#include "core/sensitivity/rank_stats.hpp"

#include <fmt/format.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

namespace qs::app {

namespace {

std::string rho_text(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:+.2f}", v); }

std::string value_text(double v) {
    if (std::isnan(v)) return "-";
    if (v == 0) return "0";
    return fmt::format("{:.3g}", v);
}

// Green for a proxy that ranks like the measurement, red for one that ranks against it.
ImVec4 rho_colour(const ViewInput& in, double rho) {
    if (std::isnan(rho)) return in.pal.dim;
    if (rho >= 0.8) return in.pal.good;
    if (rho >= 0.4) return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    if (rho >= 0.0) return in.pal.warn;
    return in.pal.bad;
}

void draw_controls(const ViewInput& in, const SensCompareState& st, SensCompareUi& ui, SensCompareIntents& cout) {
    const auto* om = in.s.find_model(in.s.shown_model);
    const io::ModelIndex* idx = om ? om->index.get() : nullptr;
    const bool running = st.status == JobStatus::Running;
    if (!ui.editing) ui.specs = st.specs;
    bool editing = false;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    if (ImGui::InputText("specs", &ui.specs)) cout.push_back(scmp::SetSpecs{ui.specs});
    editing |= ImGui::IsItemActive();
    help_tooltip("Comma-separated specs; every layer is quantized alone at each. More specs = more points for the "
                 "correlation (int4 = 4-bit per-channel).");
    ImGui::SameLine();
    int probes = st.max_probes, eig_it = st.eigen_iterations;
    bool eig = st.eigen, fisher = st.fisher;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    bool changed = ImGui::InputInt("probes", &probes, 0);
    editing |= ImGui::IsItemActive();
    help_tooltip("Hutchinson probes per layer at most (the trace stops earlier at 5% standard error).");
    ImGui::SameLine();
    changed |= ImGui::Checkbox("eigenvalue", &eig);
    ImGui::SameLine();
    ImGui::BeginDisabled(!eig);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4);
    changed |= ImGui::InputInt("iterations", &eig_it, 0);
    editing |= ImGui::IsItemActive();
    ImGui::EndDisabled();
    ImGui::SameLine();
    changed |= ImGui::Checkbox("Fisher", &fisher);
    if (changed) cout.push_back(scmp::SetOptions{probes, eig_it, eig, fisher});
    ui.editing = editing;

    if (running) {
        if (ImGui::Button("Cancel")) cout.push_back(scmp::Cancel{});
        ImGui::SameLine();
        const std::string text = fmt::format("{} {:.0f}%", st.phase, st.progress.fraction() * 100);
        ImGui::ProgressBar(float(st.progress.fraction()), ImVec2(-1, 0), text.c_str());
        return;
    }
    ImGui::BeginDisabled(!idx);
    if (ImGui::Button(st.computed ? "Run again" : "Run")) cout.push_back(scmp::Run{in.s.shown_model});
    ImGui::EndDisabled();
    help_tooltip("Demo models: Hessian, Fisher and imatrix from the training digits, then each layer quantized "
                 "alone and the test loss measured. Other models: the data-free methods only.");
    ImGui::SameLine();
    if (st.status == JobStatus::Failed || st.error == "cancelled") {
        ImGui::PushStyleColor(ImGuiCol_Text, st.status == JobStatus::Failed ? in.pal.bad : in.pal.warn);
        ImGui::TextWrapped("%s", st.error.c_str());
        ImGui::PopStyleColor();
    } else if (st.computed) {
        const auto& r = st.computed->result;
        ImGui::TextDisabled("%zu layers x %zu specs, %zu methods, %.2f s", r.tensors.size(), r.specs.size(),
                            r.methods.size(), st.computed->seconds);
    } else if (!idx) {
        ImGui::TextDisabled("Open a model first (File > Open); the demo models measure the real effect.");
    } else if (nn::is_nn_model(*idx)) {
        ImGui::TextDisabled("Run every sensitivity method and measure which one predicts the real loss increase.");
    } else {
        ImGui::TextDisabled("This model cannot be run: only the data-free methods, no measured effect.");
    }
}

void draw_table(const ViewInput& in, const sensitivity::CompareResult& r, float height) {
    const int cols = 2 + int(r.methods.size()) + (r.measured ? 2 : 0);
    const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                               ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("cmptable", cols, tf, ImVec2(0, height))) return;
    ImGui::TableSetupScrollFreeze(2, 1);
    ImGui::TableSetupColumn("tensor");
    ImGui::TableSetupColumn("spec");
    for (const auto& m : r.methods) ImGui::TableSetupColumn(m.label.c_str());
    if (r.measured) {
        ImGui::TableSetupColumn("MEASURED dL");
        ImGui::TableSetupColumn("acc drop");
    }
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int c = 0; c < cols; ++c) {
        ImGui::TableSetColumnIndex(c);
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        if (c >= 2 && c < 2 + int(r.methods.size()) && ImGui::IsItemHovered())
            ImGui::SetTooltip("%s%s", r.methods[size_t(c - 2)].formula.c_str(),
                              r.methods[size_t(c - 2)].error_scaled ? "" : "\n(raw: the same for every spec)");
    }
    for (const auto& row : r.rows) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(row.tensor.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(row.spec.c_str());
        for (size_t m = 0; m < row.values.size(); ++m) {
            ImGui::TableSetColumnIndex(int(2 + m));
            ImGui::TextUnformatted(value_text(row.values[m]).c_str());
        }
        if (r.measured) {
            ImGui::TableSetColumnIndex(int(2 + row.values.size()));
            ImGui::TextUnformatted(value_text(row.loss_increase).c_str());
            ImGui::TableSetColumnIndex(int(3 + row.values.size()));
            ImGui::Text("%.2f%%", 100.0 * row.accuracy_drop);
        }
    }
    if (r.measured) {
        auto corr_row = [&](const std::string& title, auto get) {
            ImGui::TableNextRow(0);
            ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, ImGui::GetColorU32(ImGuiCol_TableHeaderBg));
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(title.c_str());
            for (size_t m = 0; m < r.methods.size(); ++m) {
                ImGui::TableSetColumnIndex(int(2 + m));
                const double v = get(m);
                ImGui::TextColored(rho_colour(in, v), "%s", rho_text(v).c_str());
            }
        };
        corr_row("Spearman vs dL", [&](size_t m) { return r.pooled[m].spearman; });
        corr_row("Kendall tau-b vs dL", [&](size_t m) { return r.pooled[m].kendall; });
        corr_row("Spearman vs acc drop", [&](size_t m) { return r.pooled[m].spearman_accuracy; });
        if (r.specs.size() > 1)
            for (size_t s = 0; s < r.specs.size(); ++s)
                corr_row("Spearman @" + r.specs[s], [&](size_t m) { return r.per_spec[s][m].spearman; });
    }
    ImGui::EndTable();
}

ImU32 spec_colour(const ViewInput& in, size_t s) {
    const ImU32 c[] = {in.pal.err, in.pal.b, in.pal.deq, in.pal.handle_hot, in.pal.orig_line};
    return c[s % (sizeof(c) / sizeof(c[0]))];
}

void draw_scatter(const ViewInput& in, const sensitivity::CompareResult& r, size_t m, SensCompareUi& ui, ImVec2 size) {
    const auto& def = r.methods[m];
    const size_t n = r.rows.size();
    std::vector<double> xs(n), ys(n);
    for (size_t i = 0; i < n; ++i) {
        xs[i] = r.rows[i].values[m];
        ys[i] = r.rows[i].loss_increase;
    }
    // Ranks (what Spearman correlates) or values; values spanning decades go on log10 x.
    bool logx = false;
    if (ui.ranks) {
        std::vector<double> fx, fy;
        for (size_t i = 0; i < n; ++i)
            if (std::isfinite(xs[i])) fx.push_back(xs[i]), fy.push_back(ys[i]);
        const auto rx = sensitivity::average_ranks(fx), ry = sensitivity::average_ranks(fy);
        for (size_t i = 0, k = 0; i < n; ++i)
            if (std::isfinite(xs[i])) xs[i] = rx[k], ys[i] = ry[k], ++k;
    } else {
        logx = std::all_of(xs.begin(), xs.end(), [](double v) { return !std::isfinite(v) || v > 0; });
        if (logx)
            for (double& v : xs) v = std::isfinite(v) ? std::log10(v) : v;
    }
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; ++i)
        if (std::isfinite(xs[i]) && std::isfinite(ys[i])) {
            xlo = std::min(xlo, xs[i]), xhi = std::max(xhi, xs[i]);
            ylo = std::min(ylo, ys[i]), yhi = std::max(yhi, ys[i]);
        }
    const double rho = r.pooled.empty() ? NAN : r.pooled[m].spearman;
    ImGui::TextColored(rho_colour(in, rho), "%s   rho = %s", def.label.c_str(), rho_text(rho).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", def.formula.c_str());
    if (!(xhi >= xlo)) {
        ImGui::TextDisabled("(no values)");
        return;
    }
    const double xpad = std::max(1e-12, (xhi - xlo) * 0.08 + (xhi == xlo ? 1 : 0));
    const double ypad = std::max(1e-12, (yhi - ylo) * 0.08 + (yhi == ylo ? 1e-6 : 0));
    PlotSpec ps;
    ps.size = size;
    ps.data_lo = xlo - xpad;
    ps.data_hi = xhi + xpad;
    ps.y_lo = ylo - ypad;
    ps.y_hi = yhi + ypad;
    ps.x_label = ui.ranks ? "x: rank of value, y: rank of dL" : logx ? "x: log10 value, y: dL" : "x: value, y: dL";
    const PlotFrame f = begin_plot(def.id.c_str(), ps, ui.plot_x[m], in.pal);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(f.rect.Min, f.rect.Max, true);
    const float rad = std::max(3.0f, ImGui::GetFontSize() * 0.25f);
    int hovered = -1;
    float best = rad * rad * 4;
    const ImVec2 mouse = ImGui::GetMousePos();
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
        const ImVec2 p(f.x_px(xs[i]), f.y_px(ys[i]));
        const size_t s = i % r.specs.size();  // rows are tensor-major
        dl->AddCircleFilled(p, rad, spec_colour(in, s));
        const float d2 = (p.x - mouse.x) * (p.x - mouse.x) + (p.y - mouse.y) * (p.y - mouse.y);
        if (f.hovered && d2 < best) best = d2, hovered = int(i);
    }
    dl->PopClipRect();
    end_plot(f);
    if (hovered >= 0) {
        const auto& row = r.rows[size_t(hovered)];
        ImGui::SetTooltip("%s @ %s\n%s = %s\nmeasured dL = %s, accuracy drop %.2f%%", row.tensor.c_str(),
                          row.spec.c_str(), def.label.c_str(), value_text(row.values[m]).c_str(),
                          value_text(row.loss_increase).c_str(), 100.0 * row.accuracy_drop);
    }
}

}  // namespace

void draw_sens_compare_view(const ViewInput& in, const SensCompareState& st, SensCompareUi& ui,
                            SensCompareIntents& cout, Intents& out) {
    ViewWindow w(in, ViewId::SensCompare, out);
    if (!w) return;
    draw_controls(in, st, ui, cout);
    if (!st.computed) return;
    const auto& r = st.computed->result;
    ImGui::Separator();
    if (r.measured)
        ImGui::TextDisabled("Measured on %lld held-out digits: float loss %.4f, accuracy %.2f%%. dL = test loss with "
                            "only that layer quantized - float loss.",
                            (long long)r.test_samples, r.float_loss, 100.0 * r.float_accuracy);
    if (!r.notes.empty()) {  // one line; the notes themselves in the tooltip
        ImGui::TextColored(in.pal.warn, "%zu note%s (hover): estimates stopped at their caps", r.notes.size(),
                           r.notes.size() == 1 ? "" : "s");
        if (ImGui::IsItemHovered()) {
            std::string all;
            for (const auto& n : r.notes) all += n + "\n";
            ImGui::SetTooltip("%s", all.c_str());
        }
    }
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const size_t extra = r.measured ? 3 + (r.specs.size() > 1 ? r.specs.size() : 0) : 0;
    const float table_h = std::min(ImGui::GetContentRegionAvail().y * 0.45f,
                                   line * float(r.rows.size() + extra + 2) + ImGui::GetStyle().ScrollbarSize);
    draw_table(in, r, table_h);
    if (!r.measured) {
        ImGui::TextDisabled("No measured effect for a model quantscope cannot run: no scatter plots.");
        return;
    }
    ImGui::Checkbox("scatter ranks", &ui.ranks);
    help_tooltip("Ranks: what Spearman's rho correlates (ties share the average rank). Off: the values "
                 "(log10 when all are positive).");
    ImGui::SameLine();
    for (size_t s = 0; s < r.specs.size(); ++s) {
        ImGui::SameLine();
        ImGui::GetWindowDrawList()->AddCircleFilled(
            ImVec2(ImGui::GetCursorScreenPos().x + 5, ImGui::GetCursorScreenPos().y + ImGui::GetTextLineHeight() / 2),
            4.0f, spec_colour(in, s));
        ImGui::Dummy(ImVec2(12, 1));
        ImGui::SameLine();
        ImGui::TextUnformatted(r.specs[s].c_str());
    }
    ui.plot_x.resize(r.methods.size());
    ImGui::BeginChild("plots", ImVec2(0, 0), false);
    const int per_row = std::max(1, int(ImGui::GetContentRegionAvail().x / (ImGui::GetFontSize() * 17)));
    const float sp = ImGui::GetStyle().ItemSpacing.x;
    const float pw = std::floor((ImGui::GetContentRegionAvail().x - sp * float(per_row - 1)) / float(per_row));
    const float ph = std::max(ImGui::GetFontSize() * 10, pw * 0.6f);
    for (size_t m = 0; m < r.methods.size(); ++m) {
        if (m % size_t(per_row) != 0) ImGui::SameLine();
        ImGui::PushID(int(m));
        ImGui::BeginChild("sc", ImVec2(pw, ph + line), false, ImGuiWindowFlags_NoScrollbar);
        draw_scatter(in, r, m, ui, ImVec2(0, 0));
        ImGui::EndChild();
        ImGui::PopID();
    }
    ImGui::EndChild();
}

}  // namespace qs::app
