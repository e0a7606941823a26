// `quantscope-cli compare FILE --tensor NAME --spec A --spec B [--spec C...] [--json]`:
// the same tensor under several specs, side by side (one column per spec). The
// histograms of all specs share the tensor's bins, so they can be overlaid.
#include "cli/command.hpp"
#include "cli/quant_common.hpp"

#include "core/io/open_model.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/result_json.hpp"
#include "core/quant/spec_json.hpp"
#include "core/util/units.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>

namespace qs::cli {
namespace {

using nlohmann::json;

void print_side_by_side(const std::vector<quant::QuantResult>& rs) {
    size_t w = 14;
    for (const auto& r : rs) w = std::max(w, quant::to_text(r.spec).size());
    w = std::min<size_t>(w, 40);
    auto row = [&](const char* label, const std::function<std::string(const quant::QuantResult&)>& f) {
        fmt::print("  {:<18}", label);
        for (const auto& r : rs) fmt::print("  {:>{}}", f(r), w);
        fmt::print("\n");
    };
    row("spec", [](const auto& r) { return quant::to_text(r.spec); });
    row("bits per weight", [](const auto& r) { return fmt::format("{:.4f}", r.bits_per_weight); });
    row("bytes", [](const auto& r) { return human_bytes(r.bytes); });
    row("SQNR dB", [](const auto& r) { return fmt_db(r.sqnr_db); });
    row("MSE", [](const auto& r) { return fmt_sci(r.mse); });
    row("max |error|", [](const auto& r) { return fmt_sci(r.max_abs_err); });
    row("cosine", [](const auto& r) { return fmt::format("{:.8f}", r.cosine); });
    row("rel. Frobenius", [](const auto& r) { return fmt_sci(r.rel_fro_err); });
    row("clipped", [](const auto& r) { return fmt_pct(r.clipped_fraction); });
    row("codes used", [](const auto& r) { return fmt::format("{}/{}", r.codes_used, r.levels); });
    row("code entropy", [](const auto& r) { return fmt::format("{:.3f} bits", r.code_entropy_bits); });
    row("groups", [](const auto& r) { return fmt::format("{}", r.n_groups); });
    row("outliers kept", [](const auto& r) { return fmt::format("{}", r.outliers_kept); });
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
    struct Opts {
        std::string file;
        std::vector<std::string> tensors;
        std::vector<std::string> specs;
        bool json = false;
        int bins = 256;
        int threads = 0;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("compare", "One tensor under several specs, side by side");
    sub->add_option("FILE", o->file, "Model file (any format `info` reads)")->required();
    sub->add_option("--tensor,-t", o->tensors, "Tensor name, glob or re:REGEX; repeatable")->required();
    sub->add_option("--spec,-s", o->specs, "A spec (text, inline JSON or @file.json); give two or more")
        ->required();
    sub->add_flag("--json", o->json, "Print JSON (schema in docs/cli-quant.md)");
    sub->add_option("--bins", o->bins, "Histogram bins (default 256)")->check(CLI::Range(0, 65536));
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
    sub->callback([o, &exit_code] {
        std::vector<quant::QuantSpec> specs;
        for (const auto& s : o->specs) {
            auto p = quant::parse_spec(s);
            if (!p) {
                std::fprintf(stderr, "quantscope-cli compare: %s\n", p.message().c_str());
                exit_code = kUsage;
                return;
            }
            specs.push_back(*p);
        }
        if (specs.size() < 2) {
            std::fprintf(stderr, "quantscope-cli compare: give at least two --spec\n");
            exit_code = kUsage;
            return;
        }
        auto model = io::open_model(o->file);
        if (!model) {
            std::fprintf(stderr, "quantscope-cli: %s\n", model.message().c_str());
            exit_code = kBadInput;
            return;
        }
        auto sel = select_tensors(*model, o->tensors);
        if (!sel) {
            std::fprintf(stderr, "quantscope-cli compare: %s\n", sel.message().c_str());
            exit_code = kUsage;
            return;
        }
        json out = {{"quantscope_compare", 1}, {"file", o->file}, {"tensors", json::array()}};
        std::vector<float> buf;
        bool first = true;
        for (size_t idx : *sel) {
            const auto& info = model->tensors[idx];
            if (auto st = decode_into(*model, idx, buf); !st) {
                std::fprintf(stderr, "quantscope-cli: %s\n", st.message().c_str());
                exit_code = kBadInput;
                return;
            }
            const quant::TensorView view{std::span<const float>(buf.data(), info.numel()), info.shape, info.name};
            quant::QuantOptions qopts;
            qopts.hist_bins = o->bins;
            qopts.threads = o->threads;
            std::vector<quant::QuantResult> rs;
            for (const auto& s : specs) {
                auto r = quant::quantize(view, s, qopts);
                if (!r) {
                    std::fprintf(stderr, "quantscope-cli compare: %s\n", r.message().c_str());
                    exit_code = kUsage;
                    return;
                }
                rs.push_back(std::move(*r));
            }
            if (o->json) {
                json t = {{"tensor", info.name}, {"shape", info.shape}, {"results", json::array()}};
                for (const auto& r : rs) t["results"].push_back(quant::result_to_json(r));
                out["tensors"].push_back(std::move(t));
            } else {
                if (!first) fmt::print("\n");
                fmt::print("{}  {}  {}\n", info.name, io::shape_string(info.shape), io::dtype_name(info.dtype));
                print_side_by_side(rs);
            }
            first = false;
        }
        if (o->json) std::cout << out.dump(2) << "\n";
    });
}

}  // namespace qs::cli
