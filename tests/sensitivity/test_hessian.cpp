// Hutchinson traces and power iteration: against exact values of a dense
// Hessian (PyTorch + NumPy, tests/fixtures/nn/make_nn_fixtures.py, and our own
// column-by-column Hessian), a diagonal operator where the estimator is exact,
// and on the demo MLP.
#include "core/nn/net.hpp"
#include "core/sensitivity/hessian.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace qs;
using namespace qs::sensitivity;

namespace {

struct Tiny {
    nn::Model model;
    nn::Dataset data;
    nlohmann::json ref;
};

// The fixture's smallest model (31 parameters, 5 samples), as a Model and Dataset.
Tiny tiny() {
    std::ifstream f(test::fixture("nn/reference.json"));
    auto j = nlohmann::json::parse(f);
    const auto& c = j["cases"][0];
    Tiny t;
    t.ref = c;
    t.model.arch = *nn::arch_from_json(c["arch"].dump());
    for (double v : c["theta"].get<std::vector<double>>()) t.model.theta.push_back(float(v));
    t.data.n = c["n"].get<int64_t>();
    t.data.features = t.model.arch.input_size();
    t.data.num_classes = t.model.arch.num_classes;
    for (double v : c["x"].get<std::vector<double>>()) t.data.x.push_back(float(v));
    t.data.y = c["y"].get<std::vector<int32_t>>();
    return t;
}

// The fixture's parameters are float64; the Model holds float32. Use an HVP at the
// exact float64 parameters so the comparison with PyTorch's Hessian is tight.
HvpFn exact_hvp(const Tiny& t) {
    auto theta = std::make_shared<std::vector<double>>(t.ref["theta"].get<std::vector<double>>());
    auto arch = std::make_shared<nn::Arch>(t.model.arch);
    auto data = std::make_shared<nn::Dataset>(t.data);
    return [=](std::span<const double> v, std::span<double> hv) -> Status {
        auto r = nn::hessian_vector_product<double>(*arch, *theta, nn::Batch::of(*data), v, hv);
        if (!r) return r.error();
        return {};
    };
}

}  // namespace

TEST(SensitivityHessian, HutchinsonMatchesExactTracesOfADenseHessian) {
    const Tiny t = tiny();
    const HvpFn hvp = exact_hvp(t);
    const size_t P = t.model.arch.num_params;
    const auto blocks = nn_param_blocks(t.model.arch);
    // Exact per-block traces from our own Hessian columns agree with NumPy's.
    std::vector<double> e(P), col(P), diag(P);
    for (size_t j = 0; j < P; ++j) {
        std::fill(e.begin(), e.end(), 0.0);
        e[j] = 1;
        ASSERT_TRUE(hvp(e, col).ok());
        diag[j] = col[j];
    }
    for (size_t b = 0; b < blocks.size(); ++b) {
        double tr = 0;
        for (size_t i = blocks[b].offset; i < blocks[b].offset + blocks[b].size; ++i) tr += diag[i];
        EXPECT_NEAR(tr, t.ref["hessian_blocks"][b]["trace"].get<double>(), 1e-12);
    }
    for (bool per_block : {false, true}) {
        SCOPED_TRACE(per_block ? "per-block probes" : "joint probes");
        TraceOptions opts;
        opts.rel_tol = 0.03;
        opts.max_iterations = per_block ? 20000 : 5000;
        opts.per_block_probes = per_block;
        opts.seed = 42;
        auto r = hutchinson_trace(hvp, P, blocks, opts);
        ASSERT_TRUE(r.ok()) << r.message();
        // Joint probes carry the cross-block terms as variance: here fc2.weight stays
        // above 3% after 20,000 probes, while per-block probes converge in a few hundred.
        if (per_block) {
            EXPECT_TRUE(r->converged);
        }
        for (size_t b = 0; b < blocks.size(); ++b) {
            const auto& bt = r->blocks[b];
            const double exact = t.ref["hessian_blocks"][b]["trace"].get<double>();
            EXPECT_EQ(bt.name, blocks[b].name);
            std::printf("[ info ] %s: %s %.5f +- %.5f after %d probes, exact %.5f\n", per_block ? "per-block" : "joint",
                        bt.name.c_str(), bt.trace, bt.std_error, bt.iterations, exact);
            if (bt.converged) {
                EXPECT_LE(bt.std_error, 0.03 * std::abs(bt.trace));
            }
            // Within 4 standard errors of the exact value (the estimator is unbiased).
            EXPECT_NEAR(bt.trace, exact, 4 * bt.std_error + 1e-12) << bt.name << " after " << bt.iterations;
        }
    }
}

TEST(SensitivityHessian, ExactOnADiagonalOperatorAndSeeded) {
    // For a diagonal H, z^T H z = sum H_ii for every Rademacher z: zero variance.
    const size_t n = 50;
    HvpFn diag = [](std::span<const double> v, std::span<double> hv) -> Status {
        for (size_t i = 0; i < v.size(); ++i) hv[i] = double(i + 1) * v[i];
        return {};
    };
    const std::vector<ParamBlock> blocks = {{"a", 0, 10}, {"b", 10, 40}};
    auto r = hutchinson_trace(diag, n, blocks);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->converged);
    EXPECT_DOUBLE_EQ(r->blocks[0].trace, 55.0);
    EXPECT_DOUBLE_EQ(r->blocks[1].trace, 1275.0 - 55.0);
    EXPECT_EQ(r->blocks[0].std_error, 0.0);
    EXPECT_EQ(r->blocks[0].iterations, 10);  // stops at min_iterations
    EXPECT_DOUBLE_EQ(r->blocks[1].mean_diagonal(), 1220.0 / 40);
    // Power iteration finds the largest eigenvalue, 50, and its eigenvector e_50.
    EigenOptions eo;
    eo.max_iterations = 2000;
    eo.rel_tol = 1e-12;
    auto ev = top_eigenvalue(diag, n, nullptr, eo);
    ASSERT_TRUE(ev.ok());
    EXPECT_NEAR(ev->eigenvalue, 50.0, 1e-6);
    EXPECT_NEAR(std::abs(ev->eigenvector[49]), 1.0, 1e-3);
    auto evb = top_eigenvalue(diag, n, &blocks[0], eo);
    EXPECT_NEAR(evb->eigenvalue, 10.0, 1e-6);
    EXPECT_EQ(evb->eigenvector.size(), 10u);
}

TEST(SensitivityHessian, PowerIterationMatchesNumPyEigenvalues) {
    const Tiny t = tiny();
    const HvpFn hvp = exact_hvp(t);
    const size_t P = t.model.arch.num_params;
    EigenOptions eo;
    eo.max_iterations = 5000;
    eo.rel_tol = 1e-12;
    auto r = top_eigenvalue(hvp, P, nullptr, eo);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->converged);
    EXPECT_NEAR(r->eigenvalue, t.ref["hessian_top_eigenvalue"].get<double>(), 1e-8);
    const auto blocks = nn_param_blocks(t.model.arch);
    for (size_t b = 0; b < blocks.size(); ++b) {
        auto rb = top_eigenvalue(hvp, P, &blocks[b], eo);
        ASSERT_TRUE(rb.ok());
        EXPECT_NEAR(rb->eigenvalue, t.ref["hessian_blocks"][b]["top_eigenvalue"].get<double>(), 1e-6) << blocks[b].name;
    }
}

TEST(SensitivityHessian, ReproducibleCancellableAndChecked) {
    const Tiny t = tiny();
    const HvpFn hvp = exact_hvp(t);
    const size_t P = t.model.arch.num_params;
    const auto blocks = nn_param_blocks(t.model.arch);
    TraceOptions o;
    o.max_iterations = 20;
    o.rel_tol = 0;
    o.per_block_probes = false;
    auto a = hutchinson_trace(hvp, P, blocks, o), b = hutchinson_trace(hvp, P, blocks, o);
    o.seed = 2;
    auto c = hutchinson_trace(hvp, P, blocks, o);
    EXPECT_EQ(a->blocks[0].trace, b->blocks[0].trace);
    EXPECT_NE(a->blocks[0].trace, c->blocks[0].trace);
    EXPECT_EQ(a->hvp_calls, 20);
    // Cancelled from outside after a few HVPs.
    Progress p = Progress::make();
    int calls = 0;
    HvpFn counting = [&](std::span<const double> v, std::span<double> hv) -> Status {
        if (++calls == 3) p.cancel();
        return hvp(v, hv);
    };
    auto r = hutchinson_trace(counting, P, blocks, o, p);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->cancelled);
    EXPECT_EQ(r->hvp_calls, 3);
    EXPECT_EQ(r->blocks[0].iterations, 3);
    // Errors from the operator and bad blocks come back as errors.
    HvpFn failing = [](std::span<const double>, std::span<double>) -> Status { return Error{"boom"}; };
    EXPECT_EQ(hutchinson_trace(failing, P, blocks).message(), "boom");
    const std::vector<ParamBlock> bad = {{"x", 30, 5}};
    EXPECT_EQ(hutchinson_trace(hvp, P, bad).message(), "block 'x' [30, 35) lies outside the 31 parameters");
    EXPECT_NEAR(hawq_v2_cost(6.0, 3, 0.5), 1.0, 1e-15);
}

TEST(SensitivityHessian, PerLayerTracesOfTheDemoMlp) {
    auto model = nn::load_model(test::source_dir() / "assets/demo/mlp.safetensors");
    auto split = nn::load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    ASSERT_TRUE(model.ok() && split.ok());
    const HvpFn hvp = nn_hvp(*model, split->train.slice(0, 64));
    TraceOptions o;
    o.rel_tol = 0.2;
    o.max_iterations = 40;
    auto r = hutchinson_trace(hvp, model->arch.num_params, nn_param_blocks(model->arch, true), o);
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->blocks.size(), 3u);
    for (const auto& b : r->blocks) {
        std::printf("[ info ] %s: Tr(H) = %.4g +- %.2g (%d probes), Tr/n = %.3g\n", b.name.c_str(), b.trace, b.std_error,
                    b.iterations, b.mean_diagonal());
        EXPECT_GT(b.trace, 0.0);  // near a minimum of the loss
    }
}
