// Sensitivity methods compared: per-tensor proxies on a runnable model (with the
// measured effect of quantizing each tensor alone) or on any model (data-free),
// and their rank correlations. [SECTIONS] methods, correlate, demo, data-free, json.
#include "core/sensitivity/compare.hpp"

#include "core/nn/net.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/result_json.hpp"
#include "core/sensitivity/cost_table.hpp"
#include "core/sensitivity/demo.hpp"
#include "core/sensitivity/importance.hpp"
#include "core/sensitivity/nn_imatrix.hpp"
#include "core/sensitivity/rank_stats.hpp"

#include <cmath>
#include <limits>
#include <optional>

namespace qs::sensitivity {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

// [methods] ------------------------------------------------------------------

const std::vector<MethodDef>& method_defs() {
    static const std::vector<MethodDef> defs = {
        {"trace", "Tr(H)/n", "mean Hessian diagonal of the tensor, Hutchinson estimate (HAWQ-v2's sensitivity)", false, true},
        {"hawq", "Tr(H)/n*SSE", "HAWQ-v2 Omega = Tr(H)/n * ||Q(W)-W||^2", true, true},
        {"eig", "lambda_max", "top Hessian eigenvalue of the tensor's diagonal block, power iteration (HAWQ-v1)", false, true},
        {"eig_bound", "lambda*SSE", "lambda_max * ||Q(W)-W||^2, an upper bound of dW^T H dW", true, true},
        {"fisher", "Tr(F)/n", "mean empirical Fisher diagonal, mean of per-sample g_i^2", false, true},
        {"fisher_w", "sum F*dW^2", "sum_i F_ii (Q(W)-W)_i^2, Fisher-diagonal weighted error", true, true},
        {"imatrix", "mean imp", "mean over input columns of the imatrix (mean x_j^2 of the layer input)", false, true},
        {"imatrix_w", "sum imp*dW^2", "sum_ij imp_j (Q(W)-W)_ij^2, llama.cpp's imatrix-weighted error = E||dW x||^2 (diag.)", true, true},
        {"taylor", "g.dW+dW'HdW/2", "second-order Taylor of the training loss: g^T dW + 1/2 dW^T H dW (exact HVP)", true, true},
        {"mse", "MSE", "||Q(W)-W||^2 / n, plain weight mean squared error", true, false},
        {"sse", "SSE", "||Q(W)-W||^2, summed squared weight error", true, false},
        {"rel", "rel err", "||Q(W)-W||^2 / ||W||^2, relative squared error", true, false},
    };
    return defs;
}

const MethodDef* find_method(std::string_view id) {
    for (const auto& d : method_defs())
        if (d.id == id) return &d;
    return nullptr;
}

// [correlate] ----------------------------------------------------------------

namespace {
Correlation correlation_of(const std::vector<double>& v, const std::vector<double>& loss,
                           const std::vector<double>& acc) {
    std::vector<double> a, b, c;
    for (size_t i = 0; i < v.size(); ++i)
        if (std::isfinite(v[i]) && std::isfinite(loss[i])) {
            a.push_back(v[i]);
            b.push_back(loss[i]);
            c.push_back(acc[i]);
        }
    Correlation r;
    r.n = a.size();
    r.spearman = spearman_rho(a, b);
    r.kendall = kendall_tau_b(a, b);
    r.spearman_accuracy = spearman_rho(a, c);
    return r;
}
}  // namespace

void correlate(CompareResult& r) {
    r.pooled.clear();
    r.per_spec.assign(r.specs.size(), {});
    if (!r.measured) return;
    const size_t M = r.methods.size(), S = r.specs.size();
    for (size_t m = 0; m < M; ++m) {
        std::vector<double> v, loss, acc;
        for (const auto& row : r.rows) {
            v.push_back(row.values[m]);
            loss.push_back(row.loss_increase);
            acc.push_back(row.accuracy_drop);
        }
        r.pooled.push_back(correlation_of(v, loss, acc));
        for (size_t s = 0; s < S; ++s) {
            std::vector<double> vs, ls, as;
            for (size_t t = 0; t < r.tensors.size(); ++t) {
                vs.push_back(r.row(t, s).values[m]);
                ls.push_back(r.row(t, s).loss_increase);
                as.push_back(r.row(t, s).accuracy_drop);
            }
            r.per_spec[s].push_back(correlation_of(vs, ls, as));
        }
    }
}

// [demo] ---------------------------------------------------------------------

namespace {
void phase(const CompareOptions& o, std::string_view p) {
    if (o.on_phase) o.on_phase(p);
}

size_t method_index(const CompareResult& r, std::string_view id) {
    for (size_t i = 0; i < r.methods.size(); ++i)
        if (r.methods[i].id == id) return i;
    return size_t(-1);
}

void set(CompareRow& row, const CompareResult& r, std::string_view id, double v) {
    const size_t i = method_index(r, id);
    if (i != size_t(-1)) row.values[i] = v;
}
}  // namespace

Result<CompareResult> compare_demo(const nn::Model& model, const nn::DigitsSplit& data, const CompareOptions& opts,
                                   const Progress& progress) {
    if (opts.specs.empty()) return make_error("compare: no spec given");
    const nn::Arch& arch = model.arch;
    CompareResult r;
    r.measured = true;
    r.calibration_samples = data.train.n;
    r.test_samples = data.test.n;
    for (const auto& c : opts.specs) r.specs.push_back(c.label);
    for (const auto& d : method_defs()) {
        if (d.id.starts_with("eig") && !opts.eigen) continue;
        if (d.id.starts_with("fisher") && !opts.fisher) continue;
        r.methods.push_back(d);
    }
    std::vector<ParamBlock> blocks = nn_param_blocks(arch, /*weights_only=*/true);
    for (const auto& b : blocks) r.tensors.push_back(b.name);

    // Float baseline on the held-out set.
    phase(opts, "baseline");
    auto base = evaluate_quantized(model, data.test, {}, opts.threads);
    if (!base) return base.error();
    r.float_loss = base->loss;
    r.float_accuracy = base->accuracy;

    // Hessian: traces (and eigenvalues) of the training loss.
    phase(opts, "Hessian traces");
    const HvpFn hvp = nn_hvp(model, data.train, opts.threads);
    auto tr = hutchinson_trace(hvp, model.theta.size(), blocks, opts.trace, progress);
    if (!tr) return tr.error();
    if (tr->cancelled) return make_error("cancelled");
    r.hvp_calls += tr->hvp_calls;
    std::vector<double> eig(blocks.size(), kNaN);
    if (opts.eigen) {
        phase(opts, "top eigenvalues");
        for (size_t b = 0; b < blocks.size(); ++b) {
            auto ev = top_eigenvalue(hvp, model.theta.size(), &blocks[b], opts.eigen_opts, progress);
            if (!ev) return ev.error();
            if (ev->cancelled) return make_error("cancelled");
            r.hvp_calls += ev->iterations;
            eig[b] = ev->eigenvalue;
            if (!ev->converged) r.notes.push_back(fmt::format("{}: power iteration did not converge", blocks[b].name));
        }
    }
    for (const auto& bt : tr->blocks)
        if (!bt.converged)
            r.notes.push_back(fmt::format("{}: trace not converged after {} probes (+-{:.2g})", bt.name, bt.iterations,
                                          bt.std_error));

    std::vector<double> fisher;
    if (opts.fisher) {
        phase(opts, "Fisher (per-sample gradients)");
        FisherOptions fo = opts.fisher_opts;
        fo.threads = opts.threads;
        auto f = empirical_fisher_diagonal(model, data.train, fo, progress);
        if (!f) return f.error();
        fisher = std::move(*f);
    }

    phase(opts, "imatrix");
    auto im = nn_imatrix(model, data.train, progress);
    if (!im) return im.error();

    // Gradient of the training loss, for the Taylor term.
    std::vector<double> theta = nn::cast_params<double>(model.theta), grad(theta.size());
    nn::PassOptions po;
    po.threads = opts.threads;
    if (auto l = nn::loss_and_grad<double>(arch, theta, nn::Batch::of(data.train), grad, po); !l) return l.error();

    phase(opts, "quantize and measure");
    progress.set_total(uint64_t(blocks.size() * opts.specs.size()));
    std::vector<double> delta(theta.size(), 0.0), hd(theta.size());
    for (size_t b = 0; b < blocks.size(); ++b) {
        const ParamBlock& blk = blocks[b];
        const nn::ParamInfo* p = arch.find_param(blk.name);
        const io::ImatrixEntry* ie = im->find(blk.name);
        if (!p || !ie) return make_error("compare: internal: no parameter or imatrix entry for '{}'", blk.name);
        const std::span<const float> w = model.param(*p);
        double sum_sq = 0;
        for (float v : w) sum_sq += double(v) * double(v);
        double imp_mean = 0;
        for (float v : ie->importance) imp_mean += v;
        imp_mean /= double(ie->importance.size());
        double fisher_sum = 0;
        for (size_t i = 0; i < blk.size && !fisher.empty(); ++i) fisher_sum += fisher[blk.offset + i];
        for (size_t s = 0; s < opts.specs.size(); ++s) {
            if (!progress.update(uint64_t(b * opts.specs.size() + s))) return make_error("cancelled");
            const CandidateSpec& cand = opts.specs[s];
            quant::QuantOptions qo;
            qo.hist_bins = 0;
            qo.keep_dequantized = true;
            qo.threads = opts.threads;
            auto q = quant::quantize({w, p->shape, p->name}, cand.spec, qo);
            if (!q) return make_error("'{}' at {}: {}", blk.name, cand.label, q.error().message);
            const std::vector<float>& wq = q->dequantized;
            CompareRow row;
            row.tensor = blk.name;
            row.spec = cand.label;
            row.numel = blk.size;
            row.values.assign(r.methods.size(), kNaN);
            double sse = 0, fw = 0, iw = 0;
            const size_t cols = size_t(ie->n_per_row);
            for (size_t i = 0; i < blk.size; ++i) {
                const double d = double(wq[i]) - double(w[i]);
                sse += d * d;
                if (!fisher.empty()) fw += fisher[blk.offset + i] * d * d;
                iw += double(ie->importance[i % cols]) * d * d;
                delta[blk.offset + i] = d;
            }
            row.sse = sse;
            const double n = double(blk.size);
            const double trace = tr->blocks[b].trace;
            set(row, r, "trace", trace / n);
            set(row, r, "hawq", hawq_v2_cost(trace, blk.size, sse));
            set(row, r, "eig", eig[b]);
            set(row, r, "eig_bound", eig[b] * sse);
            if (!fisher.empty()) {
                set(row, r, "fisher", fisher_sum / n);
                set(row, r, "fisher_w", fw);
            }
            set(row, r, "imatrix", imp_mean);
            set(row, r, "imatrix_w", iw);
            set(row, r, "mse", sse / n);
            set(row, r, "sse", sse);
            set(row, r, "rel", sum_sq > 0 ? sse / sum_sq : kNaN);
            // Taylor: g.d + d.Hd/2 with d zero outside this block.
            if (auto st = hvp(delta, hd); !st) return st.error();
            ++r.hvp_calls;
            double gd = 0, dhd = 0;
            for (size_t i = 0; i < blk.size; ++i) {
                gd += grad[blk.offset + i] * delta[blk.offset + i];
                dhd += delta[blk.offset + i] * hd[blk.offset + i];
            }
            set(row, r, "taylor", gd + 0.5 * dhd);
            for (size_t i = 0; i < blk.size; ++i) delta[blk.offset + i] = 0.0;
            // Measured: this tensor alone quantized, held-out data.
            nn::EvalOptions eo;
            eo.threads = opts.threads;
            eo.overrides.emplace(blk.name, std::span<const float>(wq));
            auto ev = nn::evaluate(model, data.test, eo);
            if (!ev) return ev.error();
            row.loss_increase = ev->loss - r.float_loss;
            row.accuracy_drop = r.float_accuracy - ev->accuracy;
            r.rows.push_back(std::move(row));
        }
    }
    progress.update(uint64_t(blocks.size() * opts.specs.size()));
    correlate(r);
    return r;
}

// [data-free] ----------------------------------------------------------------

Result<CompareResult> compare_data_free(const io::ModelIndex& m, const std::vector<size_t>& tensors,
                                        const CompareOptions& opts, const io::Imatrix* imatrix,
                                        const Progress& progress) {
    if (opts.specs.empty()) return make_error("compare: no spec given");
    CompareResult r;
    r.model = m.path;
    for (const auto& c : opts.specs) r.specs.push_back(c.label);
    for (const auto& d : method_defs())
        if (!d.needs_data || (imatrix && d.id.starts_with("imatrix"))) r.methods.push_back(d);
    uint64_t total = 0;
    for (size_t i : tensors) total += m.tensors[i].numel();
    CostOptions co;
    co.threads = opts.threads;
    phase(opts, "quantize");
    const Importance df = Importance::data_free(total);
    auto plain = compute_costs(m, tensors, {}, opts.specs, df, {}, co, progress);
    if (!plain) return plain.error();
    std::optional<CostTable> weighted;
    if (imatrix) {
        phase(opts, "imatrix-weighted error");
        auto w = compute_costs(m, tensors, {}, opts.specs, Importance::from_imatrix(*imatrix), {}, co, progress);
        if (!w) return w.error();
        weighted = std::move(*w);
    }
    for (size_t t = 0; t < plain->tensors.size(); ++t) {
        const TensorCosts& tc = plain->tensors[t];
        r.tensors.push_back(tc.name);
        if (weighted && !weighted->tensors[t].note.empty())
            r.notes.push_back(fmt::format("{}: {}", tc.name, weighted->tensors[t].note));
        for (size_t s = 0; s < opts.specs.size(); ++s) {
            const CandidateCost& c = tc.costs[s];
            CompareRow row;
            row.tensor = tc.name;
            row.spec = opts.specs[s].label;
            row.numel = tc.numel;
            row.values.assign(r.methods.size(), kNaN);
            if (c.feasible) {
                const double sse = c.sum_sq_err, n = double(tc.numel);
                row.sse = sse;
                set(row, r, "mse", n > 0 ? sse / n : kNaN);
                set(row, r, "sse", sse);
                set(row, r, "rel", tc.sum_sq > 0 ? sse / tc.sum_sq : kNaN);
                if (weighted) {
                    set(row, r, "imatrix", weighted->tensors[t].score);
                    set(row, r, "imatrix_w", weighted->tensors[t].costs[s].cost);
                }
            } else if (s == 0 || tc.costs[s - 1].why != c.why) {
                r.notes.push_back(fmt::format("{} at {}: {}", tc.name, row.spec, c.why));
            }
            r.rows.push_back(std::move(row));
        }
    }
    correlate(r);
    return r;
}

// [json] ---------------------------------------------------------------------

namespace {
nlohmann::json corr_json(const Correlation& c) {
    return {{"spearman", quant::json_number(c.spearman)},
            {"kendall_tau_b", quant::json_number(c.kendall)},
            {"spearman_accuracy_drop", quant::json_number(c.spearman_accuracy)},
            {"n", c.n}};
}
}  // namespace

nlohmann::json compare_to_json(const CompareResult& r) {
    using nlohmann::json;
    json methods = json::array();
    for (size_t m = 0; m < r.methods.size(); ++m) {
        const auto& d = r.methods[m];
        json e = {{"id", d.id}, {"label", d.label}, {"formula", d.formula}, {"error_scaled", d.error_scaled}};
        if (r.measured) {
            e["pooled"] = corr_json(r.pooled[m]);
            json ps = json::object();
            for (size_t s = 0; s < r.specs.size(); ++s) ps[r.specs[s]] = corr_json(r.per_spec[s][m]);
            e["per_spec"] = std::move(ps);
        }
        methods.push_back(std::move(e));
    }
    json rows = json::array();
    for (const auto& row : r.rows) {
        json v = json::object();
        for (size_t m = 0; m < r.methods.size(); ++m) v[r.methods[m].id] = quant::json_number(row.values[m]);
        json e = {{"tensor", row.tensor}, {"spec", row.spec}, {"numel", row.numel},
                  {"sse", quant::json_number(row.sse)}, {"methods", std::move(v)}};
        if (r.measured) {
            e["loss_increase"] = quant::json_number(row.loss_increase);
            e["accuracy_drop"] = quant::json_number(row.accuracy_drop);
        }
        rows.push_back(std::move(e));
    }
    json j = {{"quantscope_sensitivity_compare", 1}, {"model", r.model}, {"measured", r.measured},
              {"specs", r.specs},  {"tensors", r.tensors}, {"methods", std::move(methods)},
              {"rows", std::move(rows)}, {"notes", r.notes}};
    if (r.measured) {
        j["float_test_loss"] = r.float_loss;
        j["float_test_accuracy"] = r.float_accuracy;
        j["calibration_samples"] = r.calibration_samples;
        j["test_samples"] = r.test_samples;
        j["hvp_calls"] = r.hvp_calls;
    }
    return j;
}

}  // namespace qs::sensitivity
