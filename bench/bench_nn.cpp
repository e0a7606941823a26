// The demo models' live-accuracy path: evaluating the whole test split (359
// images) as the GUI does on every spec change, with and without weight
// overrides and activation quantization, the integer-only int8 path, plus one Hessian-vector product over
// the training split (the unit of Hutchinson's trace). Run from the repository
// root (`make bench`) so assets/ is found.
#include "core/nn/digits.hpp"
#include "core/nn/evaluate.hpp"
#include "core/nn/int8_inference.hpp"
#include "core/nn/model.hpp"
#include "core/nn/net.hpp"

#include <benchmark/benchmark.h>

#include <optional>

namespace {

struct Demo {
    std::optional<qs::nn::DigitsSplit> split;
    std::optional<qs::nn::Model> mlp, cnn;
    Demo() {
        auto s = qs::nn::load_digits_split("assets/digits/digits.csv.gz");
        auto m = qs::nn::load_model(std::filesystem::path("assets/demo/mlp.safetensors"));
        auto c = qs::nn::load_model(std::filesystem::path("assets/demo/cnn.safetensors"));
        if (s && m && c) {
            split = std::move(*s);
            mlp = std::move(*m);
            cnn = std::move(*c);
        }
    }
};

const Demo& demo() {
    static const Demo d;
    return d;
}

const qs::nn::Model* model_for(benchmark::State& state) {
    if (!demo().split) {
        state.SkipWithError("assets/ not found: run from the repository root");
        return nullptr;
    }
    return state.range(0) == 0 ? &*demo().mlp : &*demo().cnn;
}

// range(0): 0 = MLP, 1 = CNN; range(1): threads
void BM_EvaluateTestSplit(benchmark::State& state) {
    const auto* model = model_for(state);
    if (!model) return;
    qs::nn::EvalOptions opts;
    opts.threads = int(state.range(1));
    for (auto _ : state) benchmark::DoNotOptimize(qs::nn::evaluate(*model, demo().split->test, opts));
    state.SetLabel(state.range(0) == 0 ? "mlp" : "cnn");
}

void BM_EvaluateWithOverridesAndStaticActQuant(benchmark::State& state) {
    const auto* model = model_for(state);
    if (!model) return;
    qs::nn::EvalOptions opts;
    opts.threads = int(state.range(1));
    std::vector<std::vector<float>> copies;
    for (const auto& p : model->arch.params)
        if (p.is_weight) copies.emplace_back(model->param(p).begin(), model->param(p).end());
    size_t i = 0;
    for (const auto& p : model->arch.params)
        if (p.is_weight) opts.overrides[p.name] = copies[i++];
    qs::nn::CalibrationOptions co;
    auto table = qs::nn::calibrate_activations(*model, demo().split->train, co);
    opts.act = {qs::nn::ActQuantMode::Static, 8, *table};
    for (auto _ : state) benchmark::DoNotOptimize(qs::nn::evaluate(*model, demo().split->test, opts));
    state.SetLabel(state.range(0) == 0 ? "mlp" : "cnn");
}

void BM_Int8TestSplit(benchmark::State& state) {
    const auto* model = model_for(state);
    if (!model) return;
    auto table = qs::nn::calibrate_activations(*model, demo().split->train);
    auto im = qs::nn::build_int8_model(*model, *table);
    qs::nn::Int8RunOptions ro;
    ro.threads = int(state.range(1));
    for (auto _ : state) benchmark::DoNotOptimize(qs::nn::run_int8(*im, demo().split->test, ro));
    state.SetLabel(state.range(0) == 0 ? "mlp" : "cnn");
}

void BM_HvpTrainSplit(benchmark::State& state) {
    const auto* model = model_for(state);
    if (!model) return;
    const auto theta = qs::nn::cast_params<double>(model->theta);
    std::vector<double> v(theta.size(), 1e-3), hv(theta.size());
    qs::nn::PassOptions po;
    po.threads = int(state.range(1));
    for (auto _ : state)
        benchmark::DoNotOptimize(qs::nn::hessian_vector_product<double>(
            model->arch, theta, qs::nn::Batch::of(demo().split->train), v, hv, po));
    state.SetLabel(state.range(0) == 0 ? "mlp" : "cnn");
}

}  // namespace

BENCHMARK(BM_EvaluateTestSplit)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateWithOverridesAndStaticActQuant)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Int8TestSplit)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HvpTrainSplit)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond);
