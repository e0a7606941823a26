// `quantscope-cli quant FILE --tensor NAME|GLOB|re:REGEX... | --all --spec SPEC [--json]`:
// quantize tensors of a model under one spec and print the QuantResult (without
// buffers) as a table, a detailed listing for a single tensor, or the JSON of
// docs/cli-quant.md; with several tensors a model total follows.
#include "cli/command.hpp"
#include "cli/quant_common.hpp"

#include "core/io/open_model.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/result_json.hpp"
#include "core/quant/spec_json.hpp"
#include "core/quant/workspace.hpp"
#include "core/util/units.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sys/resource.h>

namespace qs::cli {
namespace {

using nlohmann::json;

// The process's peak resident set so far (what `--all` keeps flat), 0 when unknown.
uint64_t peak_rss_bytes() {
    struct rusage ru {};
    return ::getrusage(RUSAGE_SELF, &ru) == 0 ? uint64_t(ru.ru_maxrss) * 1024 : 0;  // Linux: KiB
}

// Pooled over tensors: SQNR from summed sum x^2 and sum e^2, bits from summed bits.
struct Total {
    uint64_t tensors = 0, params = 0, bytes_in = 0, bytes_out = 0;
    double sum_sq = 0, sum_sq_err = 0, bits = 0, max_err = 0;
    uint64_t finite = 0;
    void add(const quant::QuantResult& r, uint64_t stored_bytes) {
        ++tensors;
        params += r.numel;
        bytes_in += stored_bytes;
        bytes_out += r.bytes;
        sum_sq += r.sum_sq;
        sum_sq_err += r.sum_sq_err;
        bits += r.bits_per_weight * double(r.numel);
        max_err = std::max(max_err, r.max_abs_err);
        finite += r.numel - r.nonfinite;
    }
    double sqnr_db() const {
        if (sum_sq_err == 0) return INFINITY;
        return sum_sq == 0 ? -INFINITY : 10 * std::log10(sum_sq / sum_sq_err);
    }
    double bpw() const { return params ? bits / double(params) : 0.0; }
    double mse() const { return finite ? sum_sq_err / double(finite) : 0.0; }
    json to_json(double seconds) const {
        return {{"tensors", tensors},          {"params", params},
                {"bytes_in", bytes_in},        {"bytes", bytes_out},
                {"bits_per_weight", bpw()},    {"mse", quant::json_number(mse())},
                {"sqnr_db", quant::json_number(sqnr_db())}, {"max_abs_err", quant::json_number(max_err)},
                {"seconds", seconds},          {"tensors_per_second", seconds > 0 ? double(tensors) / seconds : 0.0},
                {"params_per_second", seconds > 0 ? double(params) / seconds : 0.0},
                {"peak_rss_bytes", peak_rss_bytes()}};
    }
};

void print_detail(const quant::QuantResult& r, const io::TensorInfo& info) {
    fmt::print("{}  {}  {}  ->  {}\n", r.tensor, io::shape_string(r.shape), io::dtype_name(info.dtype),
               quant::to_text(r.spec));
    fmt::print("  groups            {}\n", r.n_groups);
    fmt::print("  bits per weight   {:.4f}  ({})\n", r.bits_per_weight, human_bytes(r.bytes));
    fmt::print("  MSE               {}\n", fmt_sci(r.mse));
    fmt::print("  SQNR              {} dB\n", fmt_db(r.sqnr_db));
    fmt::print("  max |error|       {}\n", fmt_sci(r.max_abs_err));
    fmt::print("  cosine            {:.8f}\n", r.cosine);
    fmt::print("  rel. Frobenius    {}\n", fmt_sci(r.rel_fro_err));
    fmt::print("  clipped           {}\n", fmt_pct(r.clipped_fraction));
    fmt::print("  codes used        {} / {}  (entropy {:.3f} bits)\n", r.codes_used, r.levels, r.code_entropy_bits);
    if (r.outliers_kept) fmt::print("  outliers kept     {}\n", r.outliers_kept);
    if (r.nonfinite) fmt::print("  NaN/Inf           {} (passed through)\n", r.nonfinite);
    if (!r.group_scale.empty())
        fmt::print("  first group       scale {}  zero point {}  clip [{}, {}]\n", fmt_sci(r.group_scale[0]),
                   r.group_zero_point[0], fmt_sci(r.clip_lo), fmt_sci(r.clip_hi));
}

void print_row_header(size_t w) {
    fmt::print("  {:<{}}  {:<18}  {:>7}  {:>8}  {:>10}  {:>10}  {:>10}  {:>8}  {:>11}\n", "name", w, "shape", "bpw",
               "SQNR dB", "MSE", "max err", "cosine", "clipped", "codes");
}

void print_row(const quant::QuantResult& r, size_t w) {
    std::string name = r.tensor.size() > w ? "..." + r.tensor.substr(r.tensor.size() - (w - 3)) : r.tensor;
    fmt::print("  {:<{}}  {:<18}  {:>7.3f}  {:>8}  {:>10}  {:>10}  {:>10.6f}  {:>8}  {:>11}\n", name, w,
               io::shape_string(r.shape), r.bits_per_weight, fmt_db(r.sqnr_db), fmt_sci(r.mse),
               fmt_sci(r.max_abs_err), r.cosine, fmt_pct(r.clipped_fraction),
               fmt::format("{}/{}", r.codes_used, r.levels));
}

}  // namespace

void add_quant_command(CLI::App& app, int& exit_code) {
    struct Opts {
        std::string file;
        std::vector<std::string> tensors;
        bool all = false;
        std::string spec;
        bool json = false;
        bool groups = false;
        int bins = 256;
        int threads = 0;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("quant", "Quantize tensors under a spec and report error, size and histograms");
    sub->add_option("FILE", o->file, "Model file (any format `info` reads)")->required();
    sub->add_option("--tensor,-t", o->tensors, "Tensor name, glob (e.g. '*.mlp.*') or re:REGEX; repeatable");
    sub->add_flag("--all", o->all, "Every floating-point tensor, with a model total");
    sub->add_option("--spec,-s", o->spec, "Compact text (int4:group=128), inline JSON, or @file.json")->required();
    sub->add_flag("--json", o->json, "Print JSON (schema in docs/cli-quant.md)");
    sub->add_flag("--groups", o->groups, "With --json: include per-group scale/zero point/MSE/clip arrays");
    sub->add_option("--bins", o->bins, "Histogram bins (default 256)")->check(CLI::Range(0, 65536));
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
    sub->callback([o, &exit_code] {
        if (o->all == !o->tensors.empty()) {
            std::fprintf(stderr, "quantscope-cli quant: give --tensor NAME... or --all (one of them)\n");
            exit_code = kUsage;
            return;
        }
        auto spec = quant::parse_spec(o->spec);
        if (!spec) {
            std::fprintf(stderr, "quantscope-cli quant: %s\n", spec.message().c_str());
            exit_code = kUsage;
            return;
        }
        auto model = io::open_model(o->file);
        if (!model) {
            std::fprintf(stderr, "quantscope-cli: %s\n", model.message().c_str());
            exit_code = kBadInput;
            return;
        }
        std::vector<size_t> skipped;
        std::vector<size_t> picked;
        if (o->all) {
            picked = float_tensors(*model, &skipped);
        } else {
            auto sel = select_tensors(*model, o->tensors);
            if (!sel) {
                std::fprintf(stderr, "quantscope-cli quant: %s\n", sel.message().c_str());
                exit_code = kUsage;
                return;
            }
            picked = std::move(*sel);
        }

        quant::QuantOptions qopts;
        qopts.hist_bins = o->bins;
        qopts.threads = o->threads;
        quant::Workspace workspace;  // scratch pages reused from one tensor to the next
        qopts.workspace = &workspace;
        const bool table = o->all || picked.size() > 1;
        json out = {{"quantscope_quant", 1},
                    {"file", o->file},
                    {"spec", quant::to_text(*spec)},
                    {"spec_json", quant::spec_to_json(*spec)},
                    {"tensors", json::array()},
                    {"skipped", json::array()}};
        for (size_t i : skipped) out["skipped"].push_back(model->tensors[i].name);
        size_t width = 24;
        for (size_t i : picked) width = std::max(width, model->tensors[i].name.size());
        width = std::min<size_t>(width, 56);
        if (!o->json && table) {
            fmt::print("{}  ->  {}\n\n", o->file, quant::to_text(*spec));
            print_row_header(width);
        }

        std::vector<float> buf;
        Total total;
        ProgressBar bar(picked.size());
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t k = 0; k < picked.size(); ++k) {
            const auto& info = model->tensors[picked[k]];
            bar.update(k, info.name);
            if (auto st = decode_into(*model, picked[k], buf); !st) {
                std::fprintf(stderr, "\nquantscope-cli: %s\n", st.message().c_str());
                exit_code = kBadInput;
                return;
            }
            const quant::TensorView view{std::span<const float>(buf.data(), info.numel()), info.shape, info.name};
            auto r = quant::quantize(view, *spec, qopts);
            if (!r) {
                std::fprintf(stderr, "\nquantscope-cli quant: %s\n", r.message().c_str());
                exit_code = kUsage;  // a spec that does not fit this tensor (e.g. the axis)
                return;
            }
            total.add(*r, io::dtype_nbytes(info.dtype, info.numel()).value_or(0));
            if (o->json) {
                quant::ResultJsonOptions ro;
                ro.groups = o->groups;
                out["tensors"].push_back(quant::result_to_json(*r, ro));
            } else if (table) {
                print_row(*r, width);
            } else {
                print_detail(*r, info);
            }
        }
        bar.update(picked.size(), "");
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (o->json) {
            out["total"] = total.to_json(seconds);
            std::cout << out.dump(2) << "\n";
            return;
        }
        if (table) {
            fmt::print("\n  total: {} tensors, {} params, {:.3f} bits/weight, {} (was {}), pooled SQNR {} dB, "
                       "MSE {}\n",
                       total.tensors, human_count(total.params), total.bpw(), human_bytes(total.bytes_out),
                       human_bytes(total.bytes_in), fmt_db(total.sqnr_db()), fmt_sci(total.mse()));
            fmt::print("  time:  {:.2f} s ({:.1f} tensors/s, {} params/s), peak resident memory {}\n", seconds,
                       seconds > 0 ? total.tensors / seconds : 0.0,
                       human_count(uint64_t(seconds > 0 ? double(total.params) / seconds : 0.0)),
                       human_bytes(peak_rss_bytes()));
            if (!skipped.empty()) fmt::print("  skipped {} non-float tensor(s)\n", skipped.size());
        }
    });
}

}  // namespace qs::cli
