// Live accuracy, spec-driven QAT fake-quant and the mixed-precision study
// (model_lessons.hpp): glue between core/quant, core/nn, core/sensitivity and
// core/plan; no numerics of its own.
#include "core/learn/model_lessons.hpp"

#include "core/nn/evaluate.hpp"
#include "core/plan/planner.hpp"
#include "core/quant/quantize.hpp"
#include "core/sensitivity/hessian.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace qs::learn {

namespace {

quant::QuantOptions deq_options() {
    quant::QuantOptions o;
    o.hist_bins = 0;
    o.threads = 1;
    o.keep_dequantized = true;
    return o;
}

}  // namespace

Result<QuantizedWeights> quantize_weights(const nn::Model& model, const LayerSpecs& specs) {
    QuantizedWeights q;
    for (const auto& p : model.arch.params) {
        if (!p.is_weight) continue;
        LayerQuantInfo info;
        info.param = p.name;
        info.numel = p.size;
        q.total_weights += p.size;
        const auto it = specs.find(p.name);
        if (it == specs.end()) {
            q.total_bits += 32.0 * double(p.size);
            q.layers.push_back(info);
            continue;
        }
        const auto w = model.param(p);
        QS_TRY(quant::validate(it->second, p.shape));
        auto r = quant::quantize({w, p.shape, p.name}, it->second, deq_options());
        if (!r) return make_error("{}: {}", p.name, r.error().message);
        info.bits_per_weight = r->bits_per_weight;
        info.mse = r->mse;
        info.sqnr_db = r->sqnr_db;
        info.sum_sq_err = r->sum_sq_err;
        q.total_bits += r->bits_per_weight * double(p.size);
        q.overrides.values[p.name] = std::move(r->dequantized);
        q.layers.push_back(info);
    }
    return q;
}

Result<LiveAccuracy> live_accuracy(const nn::Model& model, const nn::DigitsSplit& data, const LayerSpecs& specs,
                                   const nn::ActQuant& act, int threads) {
    LiveAccuracy out;
    auto q = quantize_weights(model, specs);
    if (!q) return q.error();
    out.weights = std::move(*q);
    nn::EvalOptions fo;
    fo.threads = threads;
    auto f = nn::evaluate(model, data.test, fo);
    if (!f) return f.error();
    out.float_accuracy = f->accuracy;
    out.float_loss = f->loss;
    nn::EvalOptions eo;
    eo.threads = threads;
    eo.overrides = out.weights.overrides.view();
    eo.act = act;
    auto r = nn::evaluate(model, data.test, eo);
    if (!r) return r.error();
    out.accuracy = r->accuracy;
    out.loss = r->loss;
    return out;
}

nn::WeightFakeQuant spec_fake_quant(const nn::Arch& arch, const LayerSpecs& specs) {
    return [arch, specs](std::string_view param, std::span<const float> w, std::span<float> w_q) {
        const auto it = specs.find(param);
        const nn::ParamInfo* p = arch.find_param(param);
        if (it == specs.end() || !p) {
            std::copy(w.begin(), w.end(), w_q.begin());
            return;
        }
        auto r = quant::quantize({w, p->shape, param}, it->second, deq_options());
        if (!r || r->dequantized.size() != w_q.size()) {  // a spec validated up front never fails here
            std::copy(w.begin(), w.end(), w_q.begin());
            return;
        }
        std::copy(r->dequantized.begin(), r->dequantized.end(), w_q.begin());
    };
}

LayerSpecs uniform_specs(const nn::Arch& arch, const quant::QuantSpec& spec) {
    LayerSpecs s;
    for (const auto& p : arch.params)
        if (p.is_weight) s[p.name] = spec;
    return s;
}

namespace {

quant::QuantSpec int_spec(int bits) {
    quant::QuantSpec s;
    s.bits = bits;
    s.granularity = quant::Granularity::PerChannel;
    return s;
}

}  // namespace

Status replan(const nn::Model& model, const nn::DigitsSplit& data, MixedPrecisionStudy& st, double budget_bpw,
              int threads) {
    uint64_t total = 0;
    plan::Problem prob;
    for (const auto& l : st.layers) {
        total += l.numel;
        plan::Layer pl;
        pl.name = l.param;
        for (size_t c = 0; c < st.candidate_bits.size(); ++c)
            pl.candidates.push_back({fmt::format("int{}", st.candidate_bits[c]), l.bits[c], l.cost[c]});
        prob.layers.push_back(std::move(pl));
    }
    st.budget_bits = budget_bpw * double(total);
    prob.budget_bits = st.budget_bits;
    auto plan = plan::solve_exact(prob);
    if (!plan) return plan.error();
    st.plan_bits = plan->bits;
    st.plan_cost = plan->cost;
    LayerSpecs specs;
    for (size_t i = 0; i < st.layers.size(); ++i) {
        st.layers[i].chosen = int(plan->choice[i]);
        specs[st.layers[i].param] = int_spec(st.candidate_bits[plan->choice[i]]);
    }
    auto acc = live_accuracy(model, data, specs, {}, threads);
    if (!acc) return acc.error();
    st.plan_accuracy = acc->accuracy;
    st.plan_loss = acc->loss;
    st.float_accuracy = acc->float_accuracy;
    // Uniform: the most bits every layer can have within the same budget.
    int best = -1;
    double best_bits = 0;
    for (size_t c = 0; c < st.candidate_bits.size(); ++c) {
        double b = 0;
        for (const auto& l : st.layers) b += l.bits[c];
        if (b <= st.budget_bits && (best < 0 || st.candidate_bits[c] > st.candidate_bits[size_t(best)])) {
            best = int(c);
            best_bits = b;
        }
    }
    if (best < 0) {  // nothing fits: the smallest candidate
        best = int(std::min_element(st.candidate_bits.begin(), st.candidate_bits.end()) - st.candidate_bits.begin());
        best_bits = 0;
        for (const auto& l : st.layers) best_bits += l.bits[size_t(best)];
    }
    st.uniform_bits = st.candidate_bits[size_t(best)];
    st.uniform_bits_total = best_bits;
    auto u = live_accuracy(model, data, uniform_specs(model.arch, int_spec(st.uniform_bits)), {}, threads);
    if (!u) return u.error();
    st.uniform_accuracy = u->accuracy;
    st.uniform_loss = u->loss;
    return {};
}

Result<MixedPrecisionStudy> mixed_precision_study(const nn::Model& model, const nn::DigitsSplit& data,
                                                  const MixedPrecisionOptions& opts, const Progress& progress) {
    if (opts.candidate_bits.empty()) return make_error("no candidate bit widths");
    MixedPrecisionStudy st;
    st.candidate_bits = opts.candidate_bits;
    const int64_t n = std::min<int64_t>(data.train.n, std::max(opts.hessian_samples, 1));
    const nn::Dataset sub = data.train.slice(0, n);
    const auto hvp = sensitivity::nn_hvp(model, sub, opts.threads);
    const auto blocks = sensitivity::nn_param_blocks(model.arch, true);
    sensitivity::TraceOptions to;
    to.seed = opts.seed;
    to.max_iterations = opts.max_iterations;
    to.rel_tol = opts.rel_tol;
    auto tr = sensitivity::hutchinson_trace(hvp, model.theta.size(), blocks, to, progress);
    if (!tr) return tr.error();
    st.hvp_calls = tr->hvp_calls;
    st.cancelled = tr->cancelled;
    if (st.cancelled) return st;
    for (const auto& b : tr->blocks) {
        const nn::ParamInfo* p = model.arch.find_param(b.name);
        if (!p) return make_error("internal: no parameter {}", b.name);
        LayerSensitivity l;
        l.param = b.name;
        l.numel = b.size;
        l.trace = b.trace;
        l.trace_std_error = b.std_error;
        l.mean_diagonal = b.mean_diagonal();
        const auto w = model.param(*p);
        for (int bits : opts.candidate_bits) {
            quant::QuantOptions o;
            o.hist_bins = 0;
            o.threads = 1;
            auto r = quant::quantize({w, p->shape, p->name}, int_spec(bits), o);
            if (!r) return r.error();
            l.sq_error.push_back(r->sum_sq_err);
            l.cost.push_back(sensitivity::hawq_v2_cost(std::max(b.trace, 0.0), b.size, r->sum_sq_err));
            l.bits.push_back(r->bits_per_weight * double(p->size));
        }
        st.layers.push_back(std::move(l));
    }
    QS_TRY(replan(model, data, st, opts.budget_bpw, opts.threads));
    return st;
}

}  // namespace qs::learn
