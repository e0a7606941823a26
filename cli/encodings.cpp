// `quantscope-cli encodings MODEL FILE.encodings [--spec S] [--tensor P] [--channels N] [--json]`:
// applies an AIMET encodings file (0.6.1 or 1.0.0) to the model's weights and
// prints each tensor's error under those exact scales/offsets; with --spec, the
// same tensor under a quantscope spec beside it (A/B), and with --channels the
// worst channels of each.
#include "cli/command.hpp"
#include "cli/quant_common.hpp"

#include "core/io/aimet_encodings.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/aimet_apply.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/spec_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>
#include <optional>
#include <set>

namespace qs::cli {
namespace {

using nlohmann::ordered_json;

struct Opts {
    std::string model;
    std::string encodings;
    std::string spec;
    std::vector<std::string> tensors;
    int channels = 0;
    bool json = false;
    int threads = 0;
};

std::string enc_text(const io::AimetEncoding& e) {
    if (e.kind == io::AimetKind::Float) return fmt::format("float{}", e.bitwidth);
    if (e.kind == io::AimetKind::Unsupported) return e.why;
    std::string s = fmt::format("int{} {} {}", e.bitwidth, e.symmetric ? "sym" : "asym", io::aimet_kind_name(e.kind));
    if (e.kind == io::AimetKind::PerBlock) s += fmt::format(" b{}", e.block_size);
    return s;
}

// Per axis-0 channel MSE of x vs x^ (finite x only).
std::vector<double> channel_mse(std::span<const float> x, std::span<const float> xh, uint64_t channels) {
    std::vector<double> out(channels ? channels : 1, 0.0);
    const uint64_t inner = channels ? x.size() / channels : x.size();
    for (size_t c = 0; c < out.size(); ++c) {
        double s = 0;
        uint64_t n = 0;
        for (uint64_t i = c * inner; i < (c + 1) * inner && i < x.size(); ++i) {
            if (!std::isfinite(x[i])) continue;
            const double d = double(x[i]) - double(xh[i]);
            s += d * d;
            ++n;
        }
        out[c] = n ? s / double(n) : 0.0;
    }
    return out;
}

int run(const Opts& o) {
    std::optional<quant::QuantSpec> spec;
    if (!o.spec.empty()) {
        auto p = quant::parse_spec(o.spec);
        if (!p) {
            std::cerr << "error: " << p.message() << "\n";
            return kUsage;
        }
        spec = *p;
    }
    auto enc = io::read_aimet_encodings(o.encodings);
    if (!enc) {
        std::cerr << "error: " << enc.message() << "\n";
        return kBadInput;
    }
    auto model = io::open_model(o.model);
    if (!model) {
        std::cerr << "error: " << model.message() << "\n";
        return kBadInput;
    }
    std::set<size_t> wanted;
    if (!o.tensors.empty()) {
        auto sel = select_tensors(*model, o.tensors);
        if (!sel) {
            std::cerr << "error: " << sel.message() << "\n";
            return kUsage;
        }
        wanted.insert(sel->begin(), sel->end());
    }
    ordered_json out;
    out["quantscope_encodings"] = 1;
    out["model"] = o.model;
    out["encodings"] = o.encodings;
    out["version"] = enc->version;
    if (spec) out["spec"] = quant::to_text(*spec);
    out["tensors"] = ordered_json::array();
    std::vector<std::string> missing, failed;
    if (!o.json) {
        fmt::print("{}: AIMET encodings {}, {} parameter encodings, {} activation encodings (not applied)\n",
                   o.encodings, enc->version, enc->params.size(), enc->activation_count);
        fmt::print("\n  {:<40} {:<24} {:>7} {:>8} {:>10} {:>8}", "tensor", "encoding", "bpw", "SQNR dB", "MSE",
                   "clipped");
        if (spec) fmt::print("  | {:>7} {:>8} {:>10} {:>7}", "bpw", "SQNR dB", "MSE", "dSQNR");
        fmt::print("\n");
        if (spec) fmt::print("  {:<40} {:<24} {:>36}    quantscope {}\n", "", "", "", quant::to_text(*spec));
    }
    std::vector<float> buf, deq;
    double enc_err = 0, enc_sq = 0, spec_err = 0, spec_sq = 0;
    for (const auto& e : enc->params) {
        const int64_t idx = model->find(e.name);
        if (idx < 0) {
            missing.push_back(e.name);
            continue;
        }
        if (!wanted.empty() && !wanted.count(size_t(idx))) continue;
        const auto& info = model->tensors[size_t(idx)];
        if (auto st = decode_into(*model, size_t(idx), buf); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kBadInput;
        }
        const quant::TensorView view{std::span<const float>(buf.data(), info.numel()), info.shape, info.name};
        auto er = quant::apply_aimet_encoding(e, view, o.channels > 0 ? &deq : nullptr);
        if (!er) {
            failed.push_back(er.message());
            continue;
        }
        std::optional<quant::QuantResult> qr;
        if (spec) {
            quant::QuantOptions qo;
            qo.hist_bins = 0;
            qo.threads = o.threads;
            qo.keep_dequantized = o.channels > 0;
            auto r = quant::quantize(view, *spec, qo);
            if (!r) {
                failed.push_back(fmt::format("tensor '{}': {}", info.name, r.message()));
            } else {
                qr = std::move(*r);
                spec_err += qr->sum_sq_err;
                spec_sq += qr->sum_sq;
            }
        }
        enc_err += er->sum_sq_err;
        enc_sq += er->sum_sq;
        std::vector<double> spec_ch;
        if (qr && o.channels > 0) spec_ch = channel_mse(view.data, qr->dequantized, er->channel_mse.size());
        std::vector<size_t> worst(er->channel_mse.size());
        std::iota(worst.begin(), worst.end(), size_t(0));
        std::stable_sort(worst.begin(), worst.end(),
                         [&](size_t a, size_t b) { return er->channel_mse[a] > er->channel_mse[b]; });
        worst.resize(std::min<size_t>(worst.size(), size_t(std::max(o.channels, 0))));
        if (o.json) {
            ordered_json t;
            t["tensor"] = info.name;
            t["shape"] = info.shape;
            t["encoding"] = {{"kind", io::aimet_kind_name(e.kind)}, {"bitwidth", e.bitwidth}, {"symmetric", e.symmetric},
                             {"scales", e.scale.size()}};
            auto num = [](double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); };
            t["aimet"] = {{"bits_per_weight", er->bits_per_weight}, {"mse", er->mse}, {"sqnr_db", num(er->sqnr_db)},
                          {"max_abs_err", er->max_abs_err}, {"clipped_fraction", er->clipped_fraction}};
            if (qr)
                t["spec"] = {{"bits_per_weight", qr->bits_per_weight}, {"mse", qr->mse}, {"sqnr_db", num(qr->sqnr_db)},
                             {"max_abs_err", qr->max_abs_err}, {"clipped_fraction", qr->clipped_fraction}};
            if (o.channels > 0) {
                t["worst_channels"] = ordered_json::array();
                for (size_t c : worst) {
                    ordered_json w = {{"channel", c}, {"aimet_mse", er->channel_mse[c]}};
                    if (!spec_ch.empty()) w["spec_mse"] = spec_ch[c];
                    t["worst_channels"].push_back(std::move(w));
                }
            }
            out["tensors"].push_back(std::move(t));
            continue;
        }
        std::string name = info.name.size() > 40 ? "…" + info.name.substr(info.name.size() - 39) : info.name;
        fmt::print("  {:<40} {:<24} {:>7.3f} {:>8} {:>10} {:>8}", name, enc_text(e), er->bits_per_weight,
                   fmt_db(er->sqnr_db), fmt_sci(er->mse), fmt_pct(er->clipped_fraction));
        if (qr)
            fmt::print("  | {:>7.3f} {:>8} {:>10} {:>+7.2f}", qr->bits_per_weight, fmt_db(qr->sqnr_db), fmt_sci(qr->mse),
                       qr->sqnr_db - er->sqnr_db);
        fmt::print("\n");
        for (size_t c : worst)
            fmt::print("      channel {:<6} MSE {}{}\n", c, fmt_sci(er->channel_mse[c]),
                       spec_ch.empty() ? "" : fmt::format("   quantscope {}", fmt_sci(spec_ch[c])));
    }
    auto pooled = [](double sq, double err) {
        return err > 0 ? 10.0 * std::log10(sq / err) : std::numeric_limits<double>::infinity();
    };
    if (o.json) {
        out["missing"] = missing;
        out["failed"] = failed;
        auto num = [](double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); };
        out["pooled_sqnr_db"] = {{"aimet", num(pooled(enc_sq, enc_err))}};
        if (spec) out["pooled_sqnr_db"]["spec"] = num(pooled(spec_sq, spec_err));
        std::cout << out.dump(2) << "\n";
    } else {
        fmt::print("\n  pooled SQNR: AIMET {} dB", fmt_db(pooled(enc_sq, enc_err)));
        if (spec) fmt::print(", quantscope {} dB", fmt_db(pooled(spec_sq, spec_err)));
        fmt::print("\n");
        if (!missing.empty())
            fmt::print("  {} encodings name no tensor of {} (first: '{}'; AIMET uses ONNX initializer names)\n",
                       missing.size(), o.model, missing.front());
        for (const auto& f : failed) fmt::print("  not applied: {}\n", f);
    }
    return failed.empty() ? kOk : kBadInput;
}

}  // namespace

void add_encodings_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<Opts>();
    auto* sub = app.add_subcommand("encodings",
                                   "Apply an AIMET encodings file to the weights; error per tensor, A/B with a spec");
    sub->add_option("MODEL", o->model, "Model file (any format `info` reads)")->required();
    sub->add_option("ENCODINGS", o->encodings, "AIMET .encodings JSON (0.6.1 or 1.0.0)")->required();
    sub->add_option("--spec,-s", o->spec, "A quantscope spec to compare with, e.g. int4:sym:group=128");
    sub->add_option("--tensor,-t", o->tensors, "Only these tensors (name, glob or re:REGEX; repeatable)");
    sub->add_option("--channels", o->channels, "Also list the N channels with the largest AIMET error")
        ->check(CLI::Range(0, 1 << 20));
    sub->add_flag("--json", o->json, "Print JSON");
    sub->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
    sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace qs::cli
