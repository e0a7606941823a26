// Sensitivity methods compared: rank statistics against hand-computed values and
// scipy.stats (tests/fixtures/sensitivity/make_compare.py), the nn imatrix against
// a NumPy reference, the empirical Fisher against the closed-form gradient of a
// softmax regression, the measured-effect harness on a tiny hand-built net whose
// quantized weights and losses are worked out here, and the demo MLP end to end.
#include "core/io/open_model.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/sensitivity/compare.hpp"
#include "core/sensitivity/fisher.hpp"
#include "core/sensitivity/nn_imatrix.hpp"
#include "core/sensitivity/rank_stats.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace qs::sensitivity {
namespace {

using nlohmann::json;

json read_json(const std::string& rel) {
    const auto b = test::read_bytes(test::fixture(rel));
    return json::parse(std::string(b.begin(), b.end()));
}

TEST(SensCompareRank, HandComputedWithTies) {
    // x ranks [1, 2.5, 2.5, 4]; y ranks [1, 3, 2, 4]: centred dot 4.5, norms^2 4.5 and 5.
    const std::vector<double> x = {1, 2, 2, 3}, y = {1, 3, 2, 4};
    const auto rx = average_ranks(x);
    EXPECT_EQ(rx, (std::vector<double>{1, 2.5, 2.5, 4}));
    EXPECT_NEAR(spearman_rho(x, y), 3.0 / std::sqrt(10.0), 1e-15);
    // 5 concordant, 0 discordant, 1 pair tied in x, none in y: 5 / sqrt((6-1)(6-0)).
    EXPECT_NEAR(kendall_tau_b(x, y), 5.0 / std::sqrt(30.0), 1e-15);
    EXPECT_NEAR(spearman_rho(y, x), spearman_rho(x, y), 1e-15);
    // Perfectly reversed, and undefined cases.
    const std::vector<double> a = {3, 2, 1};
    const std::vector<double> b = {1, 2, 3};
    EXPECT_DOUBLE_EQ(spearman_rho(a, b), -1.0);
    EXPECT_DOUBLE_EQ(kendall_tau_b(a, b), -1.0);
    const std::vector<double> c = {5, 5, 5};
    EXPECT_TRUE(std::isnan(spearman_rho(c, b)));
    EXPECT_TRUE(std::isnan(kendall_tau_b(c, b)));
    EXPECT_TRUE(std::isnan(spearman_rho(std::vector<double>{1}, std::vector<double>{2})));
}

TEST(SensCompareRank, MatchesScipy) {
    const json j = read_json("sensitivity/rank_stats.json");
    ASSERT_GE(j["cases"].size(), 4u);
    for (const auto& c : j["cases"]) {
        const auto x = c["x"].get<std::vector<double>>(), y = c["y"].get<std::vector<double>>();
        SCOPED_TRACE(c["name"].get<std::string>());
        EXPECT_EQ(average_ranks(x), c["ranks_x"].get<std::vector<double>>());
        EXPECT_NEAR(spearman_rho(x, y), c["spearman"].get<double>(), 1e-12);
        EXPECT_NEAR(kendall_tau_b(x, y), c["kendall_tau_b"].get<double>(), 1e-12);
    }
}

TEST(SensCompareImatrix, MatchesNumpyOnConvAndDense) {
    const json j = read_json("sensitivity/imatrix_ref.json");
    using nn::LayerSpec;
    auto arch = nn::build_arch({1, 4, 4}, j["input_scale"].get<float>(),
                               {LayerSpec::conv2d("conv1", 1, 2, 3, 1, 1), LayerSpec::relu(),
                                LayerSpec::conv2d("conv2", 2, 3, 3, 2, 1), LayerSpec::relu(), LayerSpec::flatten(),
                                LayerSpec::dense("fc", 12, 3)});
    ASSERT_TRUE(arch.ok()) << arch.message();
    nn::Model m{*arch, j["theta"].get<std::vector<float>>()};
    ASSERT_EQ(m.theta.size(), arch->num_params);
    nn::Dataset d;
    for (const auto& row : j["x"])
        for (double v : row) d.x.push_back(float(v));
    d.y = j["y"].get<std::vector<int32_t>>();
    d.n = int64_t(d.y.size());
    d.features = 16;
    d.num_classes = 3;
    auto im = nn_imatrix(m, d);
    ASSERT_TRUE(im.ok()) << im.message();
    ASSERT_EQ(im->entries.size(), 3u);
    for (const auto& [name, ref] : j["imatrix"].items()) {
        const io::ImatrixEntry* e = im->find(name);
        ASSERT_NE(e, nullptr) << name;
        const auto want = ref["importance"].get<std::vector<double>>();
        ASSERT_EQ(e->importance.size(), want.size()) << name;
        EXPECT_EQ(e->n_per_row, int64_t(want.size()));
        EXPECT_EQ(e->counts.at(0), ref["count"].get<float>()) << name;
        for (size_t i = 0; i < want.size(); ++i)
            EXPECT_NEAR(e->importance[i], want[i], 1e-5 * std::max(1.0, std::abs(want[i]))) << name << " col " << i;
    }
}

// Softmax regression 2 -> 2 (no hidden layer): dL/dW[o][i] = (p_o - [y == o]) * s * x_i.
TEST(SensCompareFisher, PerSampleMatchesClosedForm) {
    auto arch = nn::build_arch({2}, 0.5f, {nn::LayerSpec::dense("fc", 2, 2)});
    ASSERT_TRUE(arch.ok());
    nn::Model m{*arch, {0.3f, -0.2f, 0.1f, 0.4f, 0.05f, -0.05f}};
    nn::Dataset d;
    d.x = {1, 2, -1, 3, 2, 0};
    d.y = {0, 1, 1};
    d.n = 3;
    d.features = 2;
    d.num_classes = 2;
    std::vector<double> want(6, 0.0);
    for (int s = 0; s < 3; ++s) {
        const double x0 = 0.5 * d.x[size_t(2 * s)], x1 = 0.5 * d.x[size_t(2 * s + 1)];
        const double z0 = 0.3 * x0 - 0.2 * x1 + 0.05, z1 = 0.1 * x0 + 0.4 * x1 - 0.05;
        const double p0 = 1 / (1 + std::exp(z1 - z0)), p1 = 1 - p0;
        const double g0 = p0 - (d.y[size_t(s)] == 0), g1 = p1 - (d.y[size_t(s)] == 1);
        const double g[6] = {g0 * x0, g0 * x1, g1 * x0, g1 * x1, g0, g1};
        for (int i = 0; i < 6; ++i) want[size_t(i)] += g[i] * g[i] / 3;
    }
    for (int threads : {1, 2}) {
        FisherOptions o;
        o.threads = threads;
        auto f = empirical_fisher_diagonal(m, d, o);
        ASSERT_TRUE(f.ok()) << f.message();
        for (size_t i = 0; i < 6; ++i) EXPECT_NEAR((*f)[i], want[i], 1e-6) << i;
    }
    FisherOptions bad;
    bad.samples_per_gradient = 0;
    EXPECT_FALSE(empirical_fisher_diagonal(m, d, bad).ok());
}

// Two linear layers. fc1 = I is exact in int2 (levels {-1,0,1} * absmax per row), so
// quantizing it alone changes nothing; fc2 = [[2,.5],[.6,2]] becomes [[2,0],[0,2]].
// Sample (1, .95) label 1 is right in float (z1 - z0 = 1.5*.95 - 1.4 = .025) and
// wrong once fc2 is quantized (2*.95 - 2 = -.1): accuracy drops from 1 to 2/3.
TEST(SensCompareMeasured, TinyNetKnownAnswer) {
    auto arch = nn::build_arch({2}, 1.0f, {nn::LayerSpec::dense("fc1", 2, 2), nn::LayerSpec::dense("fc2", 2, 2)});
    ASSERT_TRUE(arch.ok());
    nn::Model m{*arch, {1, 0, 0, 1, 0, 0, 2, 0.5f, 0.6f, 2, 0, 0}};
    nn::DigitsSplit data;
    nn::Dataset& t = data.test;
    t.x = {1, 0.95f, 2, 1, 0, 1};
    t.y = {1, 0, 1};
    t.n = 3;
    t.features = 2;
    t.num_classes = 2;
    data.train = t;
    auto loss_of = [&](double a, double b, double c, double e) {  // W2 = [[a,b],[c,e]]
        double L = 0;
        for (int s = 0; s < 3; ++s) {
            const double x0 = t.x[size_t(2 * s)], x1 = t.x[size_t(2 * s + 1)];
            const double z[2] = {a * x0 + b * x1, c * x0 + e * x1};
            L += std::log(std::exp(z[0]) + std::exp(z[1])) - z[t.y[size_t(s)]];
        }
        return L / 3;
    };
    const double base = loss_of(2, 0.5f, 0.6f, 2);
    CompareOptions o;
    auto cand = parse_candidates("int2");
    ASSERT_TRUE(cand.ok());
    o.specs = *cand;
    o.trace.max_iterations = 20;
    o.eigen_opts.max_iterations = 20;
    o.threads = 1;
    auto r = compare_demo(m, data, o);
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->rows.size(), 2u);
    EXPECT_NEAR(r->float_loss, base, 1e-6);
    EXPECT_NEAR(r->float_accuracy, 1.0, 1e-12);  // (2,1) label 0: z = (4.5, 3.2); (0,1) label 1: z = (.5, 2)
    const CompareRow& fc1 = r->row(0, 0);
    const CompareRow& fc2 = r->row(1, 0);
    EXPECT_EQ(fc1.tensor, "fc1.weight");
    EXPECT_EQ(fc1.sse, 0.0);
    EXPECT_NEAR(fc1.loss_increase, 0.0, 1e-7);
    EXPECT_EQ(fc1.accuracy_drop, 0.0);
    EXPECT_NEAR(fc2.sse, 0.25 + 0.36, 1e-6);
    EXPECT_NEAR(fc2.loss_increase, loss_of(2, 0, 0, 2) - base, 1e-6);
    EXPECT_NEAR(fc2.accuracy_drop, 1.0 / 3.0, 1e-12);
    // Quantized fc2 = 2I widens the margins of the other two samples ((4,2), (0,2)):
    // the mean loss FALLS although accuracy drops, so the larger weight error ranks
    // against the loss (rho = -1 over the two rows) but with the accuracy drop.
    EXPECT_LT(fc2.loss_increase, 0.0);
    // Every error-scaled method is 0 for the exact layer; Taylor is exact-quadratic
    // only to second order, but has the sign of the measured change here.
    for (size_t k = 0; k < r->methods.size(); ++k)
        if (r->methods[k].error_scaled) {
            EXPECT_EQ(fc1.values[k], 0.0) << r->methods[k].id;
        }
    ASSERT_EQ(r->pooled.size(), r->methods.size());
    for (size_t k = 0; k < r->methods.size(); ++k)
        if (r->methods[k].id == "sse") {
            EXPECT_DOUBLE_EQ(r->pooled[k].spearman, -1.0);
        }
}

TEST(SensCompareCorrelate, PooledAndPerSpec) {
    CompareResult r;
    r.measured = true;
    r.tensors = {"a", "b", "c"};
    r.specs = {"s1", "s2"};
    r.methods = {*find_method("sse")};
    // tensor-major rows: (a,s1) (a,s2) (b,s1) (b,s2) (c,s1) (c,s2)
    const double v[6] = {1, 2, 2, 4, 3, 3}, loss[6] = {0.1, 0.3, 0.2, 0.35, 0.4, 0.5};
    for (int i = 0; i < 6; ++i) {
        CompareRow row;
        row.values = {v[i]};
        row.loss_increase = loss[i];
        row.accuracy_drop = -loss[i];
        r.rows.push_back(row);
    }
    correlate(r);
    const std::vector<double> vv(v, v + 6), ll(loss, loss + 6);
    EXPECT_DOUBLE_EQ(r.pooled[0].spearman, spearman_rho(vv, ll));
    EXPECT_DOUBLE_EQ(r.pooled[0].spearman_accuracy, -r.pooled[0].spearman);
    EXPECT_EQ(r.pooled[0].n, 6u);
    EXPECT_DOUBLE_EQ(r.per_spec[0][0].spearman, 1.0);   // s1: v 1,2,3 vs .1,.2,.4
    EXPECT_DOUBLE_EQ(r.per_spec[1][0].spearman, 0.5);   // s2: ranks 1,3,2 vs 1,2,3: 1 - 6*2/(3*8)
}

// The demo MLP end to end, with small probe counts: every method on every row,
// the measured effect consistent with nn::evaluate, more bits = smaller weight
// error, and the data-free path over the same file giving the same SSE.
TEST(SensCompareDemo, MlpEndToEndAndDataFreeAgree) {
    const auto path = test::source_dir() / "assets" / "demo" / "mlp.safetensors";
    auto model = nn::load_model(path);
    ASSERT_TRUE(model.ok()) << model.message();
    auto digits = nn::find_digits_near(path);
    ASSERT_TRUE(digits.ok());
    auto split = nn::load_digits_split(*digits);
    ASSERT_TRUE(split.ok());
    nn::DigitsSplit small = *split;
    small.train = split->train.slice(0, 200);
    CompareOptions o;
    o.specs = *parse_candidates("int2,int4");
    o.trace.max_iterations = 6;
    o.trace.min_iterations = 3;
    o.eigen_opts.max_iterations = 6;
    auto r = compare_demo(*model, small, o);
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->tensors.size(), 3u);
    ASSERT_EQ(r->rows.size(), 6u);
    EXPECT_EQ(r->methods.size(), method_defs().size());
    EXPECT_GT(r->float_accuracy, 0.95);
    for (size_t t = 0; t < 3; ++t) {
        const CompareRow& lo = r->row(t, 0);
        const CompareRow& hi = r->row(t, 1);
        EXPECT_GT(lo.sse, hi.sse) << lo.tensor;
        EXPECT_GT(lo.loss_increase, hi.loss_increase) << lo.tensor;  // int2 hurts more than int4
        for (double v : lo.values) EXPECT_TRUE(std::isfinite(v)) << lo.tensor;
    }
    // Raw methods do not depend on the spec.
    for (size_t m = 0; m < r->methods.size(); ++m)
        if (!r->methods[m].error_scaled) {
            EXPECT_EQ(r->row(0, 0).values[m], r->row(0, 1).values[m]) << r->methods[m].id;
        }
    auto idx = io::open_model(path);
    ASSERT_TRUE(idx.ok());
    std::vector<size_t> weights;
    for (size_t i = 0; i < idx->tensors.size(); ++i)
        if (idx->tensors[i].shape.size() >= 2) weights.push_back(i);
    auto df = compare_data_free(*idx, weights, o);
    ASSERT_TRUE(df.ok()) << df.message();
    EXPECT_FALSE(df->measured);
    ASSERT_EQ(df->rows.size(), 6u);
    EXPECT_EQ(df->methods.size(), 3u);  // mse, sse, rel
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(df->rows[i].tensor, r->rows[i].tensor);
        EXPECT_NEAR(df->rows[i].sse, r->rows[i].sse, 1e-6 * r->rows[i].sse);  // float vs double sums
    }
    const json j = compare_to_json(*r);
    EXPECT_EQ(j["quantscope_sensitivity_compare"], 1);
    EXPECT_EQ(j["rows"].size(), 6u);
    EXPECT_TRUE(j["methods"][0].contains("pooled"));
}

}  // namespace
}  // namespace qs::sensitivity
