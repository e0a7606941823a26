// The --compare mode of `sensitivity`: runs core/sensitivity/compare on a demo
// model (measured effect, correlations) or data-free on any model, and prints a
// table (tensor x spec rows, one column per method) or JSON.
#include "cli/sensitivity_compare.hpp"

#include "cli/command.hpp"
#include "cli/quant_common.hpp"

#include "core/io/open_model.hpp"
#include "core/sensitivity/compare.hpp"

#include <fmt/core.h>

#include <cmath>
#include <iostream>
#include <unistd.h>

namespace qs::cli {
namespace {

std::string fmt_rho(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:+.3f}", v); }

void print_table(const sensitivity::CompareResult& r) {
    size_t w = 6;
    for (const auto& t : r.tensors) w = std::max(w, t.size());
    size_t sw = 4;
    for (const auto& s : r.specs) sw = std::max(sw, s.size());
    // The correlation rows' titles sit under the tensor and spec columns.
    size_t title = 24;
    for (const auto& s : r.specs) title = std::max(title, s.size() + 20);
    w = std::max(w, title - std::min(title, sw + 2));
    const size_t lead = w + sw + 4;
    constexpr int kCol = 13;
    fmt::print("  {:<{}}  {:<{}}", "tensor", w, "spec", sw);
    for (const auto& m : r.methods) fmt::print("  {:>{}}", m.label, kCol);
    if (r.measured) fmt::print("  {:>{}}  {:>{}}", "MEASURED dL", kCol, "acc drop", 9);
    fmt::print("\n");
    for (const auto& row : r.rows) {
        fmt::print("  {:<{}}  {:<{}}", row.tensor, w, row.spec, sw);
        for (double v : row.values) fmt::print("  {:>{}}", std::isnan(v) ? std::string("-") : fmt_sci(v), kCol);
        if (r.measured)
            fmt::print("  {:>{}}  {:>8.2f}%", fmt_sci(row.loss_increase), kCol, 100.0 * row.accuracy_drop);
        fmt::print("\n");
    }
    if (!r.measured) return;
    auto corr_row = [&](const std::string& title, auto get) {
        fmt::print("  {:<{}}", title, lead - 2);
        for (size_t m = 0; m < r.methods.size(); ++m) fmt::print("  {:>{}}", fmt_rho(get(m)), kCol);
        fmt::print("\n");
    };
    fmt::print("\n");
    corr_row(fmt::format("Spearman vs dL ({} pts)", r.rows.size()), [&](size_t m) { return r.pooled[m].spearman; });
    corr_row("Kendall tau-b vs dL", [&](size_t m) { return r.pooled[m].kendall; });
    corr_row("Spearman vs acc drop", [&](size_t m) { return r.pooled[m].spearman_accuracy; });
    if (r.specs.size() > 1)
        for (size_t s = 0; s < r.specs.size(); ++s)
            corr_row(fmt::format("Spearman @{} ({} pts)", r.specs[s], r.tensors.size()),
                     [&](size_t m) { return r.per_spec[s][m].spearman; });
}

}  // namespace

int run_sensitivity_compare(const CompareArgs& a) {
    auto m = io::open_model(a.file);
    if (!m) {
        std::cerr << "error: " << m.message() << "\n";
        return kBadInput;
    }
    auto specs = sensitivity::parse_candidates(a.specs.empty() ? "int2,int3,int4" : a.specs);
    if (!specs) {
        std::cerr << "error: " << specs.message() << "\n";
        return kUsage;
    }
    sensitivity::CompareOptions o;
    o.specs = *specs;
    o.trace.seed = a.source.seed;
    o.trace.rel_tol = a.source.tol;
    o.trace.max_iterations = a.source.max_iter;
    o.eigen = !a.no_eigen;
    o.eigen_opts.seed = a.source.seed;
    o.fisher = !a.no_fisher;
    o.threads = a.source.threads;
    const bool tty = !a.json && isatty(STDERR_FILENO);
    if (tty) o.on_phase = [](std::string_view p) { fmt::print(stderr, "  {}...\n", p); };

    Result<sensitivity::CompareResult> r = make_error("unset");
    if (nn::is_nn_model(*m)) {
        if (!a.source.imatrix.empty()) {
            std::cerr << "error: --imatrix is for models quantscope cannot run; a demo model's imatrix is computed "
                         "from its calibration data\n";
            return kUsage;
        }
        auto model = nn::load_model(*m);
        if (!model) {
            std::cerr << "error: " << model.message() << "\n";
            return kBadInput;
        }
        auto csv = nn::find_digits_near(m->path);
        if (!csv) {
            std::cerr << "error: " << csv.message() << "\n";
            return kBadInput;
        }
        auto split = nn::load_digits_split(*csv);
        if (!split) {
            std::cerr << "error: " << split.message() << "\n";
            return kBadInput;
        }
        r = sensitivity::compare_demo(*model, *split, o);
        if (r) r->model = a.file;
    } else {
        std::vector<size_t> kept;
        auto plannable = plannable_tensors(*m, a.select, &kept);
        if (!plannable) {
            std::cerr << "error: " << plannable.message() << "\n";
            return kUsage;
        }
        std::unique_ptr<io::Imatrix> im;
        if (!a.source.imatrix.empty()) {
            auto f = io::open_imatrix(a.source.imatrix);
            if (!f) {
                std::cerr << "error: " << f.message() << "\n";
                return kBadInput;
            }
            im = std::make_unique<io::Imatrix>(std::move(*f));
        }
        r = sensitivity::compare_data_free(*m, *plannable, o, im.get());
        if (r) r->model = a.file;
    }
    if (!r) {
        std::cerr << "error: " << r.message() << "\n";
        return kFailure;
    }
    if (a.json) {
        std::cout << sensitivity::compare_to_json(*r).dump(2) << "\n";
        return kOk;
    }
    fmt::print("{}  sensitivity methods compared ({})\n", a.file,
               r->measured ? fmt::format("measured on {} held-out digits; float loss {:.4f}, accuracy {:.2f}%",
                                         r->test_samples, r->float_loss, 100.0 * r->float_accuracy)
                           : "data-free: no measured effect, no correlations");
    fmt::print("\n");
    print_table(*r);
    fmt::print("\n  methods:\n");
    for (const auto& d : r->methods) fmt::print("    {:<14} {}\n", d.label, d.formula);
    if (r->measured)
        fmt::print("  dL = test loss with only that tensor quantized - float test loss (nats). Hessian, Fisher and\n"
                   "  imatrix come from the {} training digits; {} Hessian-vector products.\n",
                   r->calibration_samples, r->hvp_calls);
    for (const auto& n : r->notes) fmt::print("  note: {}\n", n);
    return kOk;
}

}  // namespace qs::cli
