// The Metrics window: the QuantResult's numbers for the current spec (A),
// their change since the previous spec, and B with A - B when pinned; plus
// size of the tensor and of the whole model at this bits-per-weight.
#include "app/views/views.hpp"

#include "app/widgets/plot.hpp"
#include "core/io/summary.hpp"
#include "core/util/units.hpp"

#include <cmath>
#include <fmt/format.h>

namespace qs::app {

namespace {

enum class Better : uint8_t { Higher, Lower, Neither };

struct Row {
    const char* name;
    const char* help;
    double a, prev, b;
    Better better;
    bool integer = false;
};

void delta_cell(const ViewInput& in, double d, Better better, bool integer) {
    if (!std::isfinite(d) || d == 0) {
        ImGui::TextDisabled(d == 0 ? "=" : "");
        return;
    }
    const bool good = better == Better::Neither ? true : (better == Better::Higher) == (d > 0);
    const ImVec4 c = better == Better::Neither ? in.pal.dim : good ? in.pal.good : in.pal.bad;
    ImGui::TextColored(c, "%s%s", d > 0 ? "+" : "", integer ? fmt::format("{:.0f}", d).c_str() : short_number(d).c_str());
}

}  // namespace

void draw_metrics_view(const ViewInput& in, Intents& out) {
    ViewWindow w(in, ViewId::Metrics, out);
    if (!w) return;
    if (!require_tensor(in)) return;
    const Analysis* a = result_or_status(in, in.s.a, "the metrics");
    if (!a) return;
    const quant::QuantResult& r = *a->result;
    const quant::QuantResult* p = in.s.previous ? in.s.previous->result.get() : nullptr;
    const quant::QuantResult* b = (in.s.pinned && in.s.b.value) ? in.s.b.value->result.get() : nullptr;
    const io::TensorInfo* info = in.s.selected_info();
    const OpenModel* m = in.s.find_model(in.s.selection.model);
    const double nan = std::nan("");
    auto pv = [&](auto f) { return p ? double(f(*p)) : nan; };
    auto bv = [&](auto f) { return b ? double(f(*b)) : nan; };
    using R = const quant::QuantResult&;
    const double model_params = m && m->index ? double(m->index->total_params()) : 0.0;
    std::vector<Row> rows = {
        {"SQNR (dB)", "10 log10(sum x^2 / sum (x - x^)^2): signal over quantization noise", r.sqnr_db,
         pv([](R x) { return x.sqnr_db; }), bv([](R x) { return x.sqnr_db; }), Better::Higher},
        {"MSE", "mean (x - x^)^2", r.mse, pv([](R x) { return x.mse; }), bv([](R x) { return x.mse; }), Better::Lower},
        {"RMSE", "sqrt(MSE)", std::sqrt(r.mse), pv([](R x) { return std::sqrt(x.mse); }),
         bv([](R x) { return std::sqrt(x.mse); }), Better::Lower},
        {"max |error|", "max |x - x^|", r.max_abs_err, pv([](R x) { return x.max_abs_err; }),
         bv([](R x) { return x.max_abs_err; }), Better::Lower},
        {"cosine", "<x, x^> / (|x| |x^|)", r.cosine, pv([](R x) { return x.cosine; }), bv([](R x) { return x.cosine; }),
         Better::Higher},
        {"rel. Frob. err", "|x - x^|_F / |x|_F", r.rel_fro_err, pv([](R x) { return x.rel_fro_err; }),
         bv([](R x) { return x.rel_fro_err; }), Better::Lower},
        {"bits / weight", "codes + scales + zero points + codebooks + outliers, per element", r.bits_per_weight,
         pv([](R x) { return x.bits_per_weight; }), bv([](R x) { return x.bits_per_weight; }), Better::Lower},
        {"levels used", "distinct codes that occur / levels available", double(r.codes_used),
         pv([](R x) { return x.codes_used; }), bv([](R x) { return x.codes_used; }), Better::Neither, true},
        {"entropy (bits)", "entropy of the code histogram: what an entropy coder would need per weight",
         r.code_entropy_bits, pv([](R x) { return x.code_entropy_bits; }), bv([](R x) { return x.code_entropy_bits; }),
         Better::Neither},
        {"clipped", "fraction of values outside the clip range (saturated)", r.clipped_fraction * 100,
         pv([](R x) { return x.clipped_fraction * 100; }), bv([](R x) { return x.clipped_fraction * 100; }), Better::Lower},
        {"outliers kept", "values stored in full precision", double(r.outliers_kept), pv([](R x) { return x.outliers_kept; }),
         bv([](R x) { return x.outliers_kept; }), Better::Neither, true},
        {"groups", "(scale, zero point) pairs", double(r.n_groups), pv([](R x) { return x.n_groups; }),
         bv([](R x) { return x.n_groups; }), Better::Neither, true},
    };
    // Columns fit their contents (numbers are never cut); a narrow window scrolls sideways,
    // with the metric names frozen on the left.
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit |
                               ImGuiTableFlags_ScrollX;
    const int cols = b ? 5 : 3;
    const ImGuiStyle& style = ImGui::GetStyle();
    const float row_h = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
    const float table_h = row_h * float(std::size(rows) + 1) + style.ScrollbarSize + 2;
    if (ImGui::BeginTable("metrics", cols, tf, ImVec2(0, table_h))) {
        ImGui::TableSetupScrollFreeze(1, 0);
        ImGui::TableSetupColumn("metric");
        ImGui::TableSetupColumn("A");
        ImGui::TableSetupColumn("vs prev");
        if (b) {
            ImGui::TableSetupColumn("B");
            ImGui::TableSetupColumn("A - B");
        }
        ImGui::TableHeadersRow();
        for (const Row& row : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.name);
            help_tooltip(row.help);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.integer ? fmt::format("{:.0f}", row.a).c_str() : short_number(row.a).c_str());
            ImGui::TableNextColumn();
            delta_cell(in, row.a - row.prev, row.better, row.integer);
            if (b) {
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(row.integer ? fmt::format("{:.0f}", row.b).c_str() : short_number(row.b).c_str());
                ImGui::TableNextColumn();
                delta_cell(in, row.a - row.b, row.better, row.integer);
            }
        }
        ImGui::EndTable();
    }
    // Sizes: this tensor, and the whole model if every tensor used this bits/weight.
    ImGui::Spacing();
    const uint64_t stored = info ? io::stored_bytes(*info) : 0;
    ImGui::Text("tensor: %s -> %s (%.1fx)", human_bytes(stored).c_str(), human_bytes(r.bytes).c_str(),
                r.bytes ? double(stored) / double(r.bytes) : 0.0);
    help_tooltip("stored size in the file -> quantized size at this spec");
    if (m && m->index) {
        const uint64_t model_q = uint64_t(std::ceil(r.bits_per_weight * model_params / 8.0));
        ImGui::Text("model at %.2f bpw: %s -> %s", r.bits_per_weight, human_bytes(m->index->total_bytes()).c_str(),
                    human_bytes(model_q).c_str());
        help_tooltip("if every tensor were quantized at this tensor's bits per weight; the whole-model sweep gives the exact figure");
    }
    if (ImGui::SmallButton("CSV")) in.dialog->ask(DialogPurpose::CsvMetrics);
    help_tooltip("save this table as CSV");
}

}  // namespace qs::app
