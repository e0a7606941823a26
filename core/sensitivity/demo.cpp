// Demo-model sensitivity: traces from exact HVPs, and measured accuracy under a plan.
#include "core/sensitivity/demo.hpp"

#include "core/quant/quantize.hpp"

#include <vector>

namespace qs::sensitivity {

Result<TraceTable> demo_traces(const nn::Model& model, const nn::Dataset& data, const DemoTraceOptions& opts,
                               const Progress& progress) {
    const HvpFn hvp = nn_hvp(model, data, opts.threads);
    const std::vector<ParamBlock> blocks = nn_param_blocks(model.arch, /*weights_only=*/true);
    auto tr = hutchinson_trace(hvp, model.theta.size(), blocks, opts.trace, progress);
    if (!tr) return tr.error();
    if (tr->cancelled) return make_error("cancelled");
    TraceTable t;
    t.method = "hutchinson";
    for (size_t b = 0; b < blocks.size(); ++b) {
        const BlockTrace& bt = tr->blocks[b];
        TensorTrace e;
        e.trace = bt.trace;
        e.std_error = bt.std_error;
        e.numel = bt.size;
        e.iterations = bt.iterations;
        e.converged = bt.converged;
        if (opts.top_eigenvalue) {
            auto ev = top_eigenvalue(hvp, model.theta.size(), &blocks[b], opts.eigen, progress);
            if (!ev) return ev.error();
            if (ev->cancelled) return make_error("cancelled");
            e.top_eigenvalue = ev->eigenvalue;
        }
        t.tensors.emplace(bt.name, e);
    }
    return t;
}

Result<nn::EvalResult> evaluate_quantized(const nn::Model& model, const nn::Dataset& data,
                                          const std::map<std::string, quant::QuantSpec>& specs, int threads) {
    std::map<std::string, std::vector<float>> replaced;
    for (const auto& [name, spec] : specs) {
        const nn::ParamInfo* p = nullptr;
        for (const auto& q : model.arch.params)
            if (q.name == name) p = &q;
        if (!p) return make_error("the model has no parameter '{}'", name);
        quant::QuantOptions qo;
        qo.hist_bins = 0;
        qo.keep_dequantized = true;
        qo.threads = threads;
        auto r = quant::quantize({model.param(*p), p->shape, p->name}, spec, qo);
        if (!r) return make_error("parameter '{}': {}", name, r.error().message);
        replaced.emplace(name, std::move(r->dequantized));
    }
    nn::EvalOptions eo;
    eo.threads = threads;
    for (const auto& [name, values] : replaced) eo.overrides.emplace(name, std::span<const float>(values));
    return nn::evaluate(model, data, eo);
}

}  // namespace qs::sensitivity
