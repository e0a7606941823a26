// The nn runtime's passes against independent references: PyTorch float64
// values (tests/fixtures/nn/make_nn_fixtures.py: logits, loss, gradients, HVPs,
// a full Hessian) and finite differences (gradients; HVPs as differences of
// exact gradients; a dense Hessian built column by column from HVPs).
#include "core/nn/model.hpp"
#include "core/nn/net.hpp"
#include "core/nn/rng.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace qs;
using namespace qs::nn;

namespace {

// Tolerances, float64 throughout.
constexpr double kTorchRel = 1e-10;  // vs PyTorch: same math, different summation order
constexpr double kFdGradRel = 1e-7;  // central differences, h = 1e-6: error ~h^2 f''' + eps/h
constexpr double kFdHvpRel = 1e-6;   // differences of exact gradients, h = 1e-5

nlohmann::json reference() {
    std::ifstream f(test::fixture("nn/reference.json"));
    return nlohmann::json::parse(f);
}

std::vector<double> vec(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

double norm_inf(const std::vector<double>& a) {
    double m = 0;
    for (double v : a) m = std::max(m, std::abs(v));
    return m;
}

// max_i |a_i - b_i| <= rel * max(1, max |b|)
void expect_close(const std::vector<double>& a, const std::vector<double>& b, double rel, const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    const double tol = rel * std::max(1.0, norm_inf(b));
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tol) << what << " [" << i << "]";
}

struct Case {
    Arch arch;
    std::vector<double> theta;
    std::vector<float> x;
    std::vector<int32_t> y;
    int64_t n;
    Batch batch() const { return {x, y, n}; }
};

Case load_case(const nlohmann::json& c) {
    auto arch = arch_from_json(c["arch"].dump());
    EXPECT_TRUE(arch.ok()) << (arch.ok() ? "" : arch.message());
    Case k{std::move(*arch), vec(c["theta"]), {}, c["y"].get<std::vector<int32_t>>(), c["n"].get<int64_t>()};
    for (double v : vec(c["x"])) k.x.push_back(float(v));
    return k;
}

// A random model over `arch` in double, with inputs and labels.
Case random_case(Arch arch, int64_t n, uint64_t seed) {
    Rng rng(seed);
    Case k{std::move(arch), {}, {}, {}, n};
    for (size_t i = 0; i < k.arch.num_params; ++i) k.theta.push_back(0.5 * rng.normal());
    for (int64_t i = 0; i < n * k.arch.input_size(); ++i) k.x.push_back(float(rng.uniform() * 4.0 - 1.0));
    for (int64_t i = 0; i < n; ++i) k.y.push_back(int32_t(rng.below(uint64_t(k.arch.num_classes))));
    return k;
}

double loss_at(const Case& k, const std::vector<double>& theta) {
    auto l = loss_and_grad<double>(k.arch, theta, k.batch(), {});
    return *l;
}

std::vector<double> grad_at(const Case& k, const std::vector<double>& theta) {
    std::vector<double> g(k.arch.num_params);
    EXPECT_TRUE(loss_and_grad<double>(k.arch, theta, k.batch(), g).ok());
    return g;
}

std::vector<double> hvp_at(const Case& k, const std::vector<double>& v) {
    std::vector<double> hv(k.arch.num_params);
    EXPECT_TRUE(hessian_vector_product<double>(k.arch, k.theta, k.batch(), v, hv).ok());
    return hv;
}

Arch mixed_arch() {
    // conv with stride and padding, GELU and ReLU, flatten, two dense layers
    return *build_arch({2, 6, 5}, 0.25f,
                       {LayerSpec::conv2d("c1", 2, 3, 3, 2, 1), LayerSpec::gelu(),
                        LayerSpec::conv2d("c2", 3, 4, 2, 1, 0), LayerSpec::relu(), LayerSpec::flatten(),
                        LayerSpec::dense("fc1", 16, 7), LayerSpec::gelu(), LayerSpec::dense("fc2", 7, 3)});
}

}  // namespace

TEST(NnNet, MatchesPyTorchLogitsLossGradientsAndHvp) {
    const auto ref = reference();
    for (const auto& c : ref["cases"]) {
        const std::string name = c["name"];
        SCOPED_TRACE(name);
        Case k = load_case(c);
        // The fixture's inputs are float32 values (stored in float64): exact here.
        const auto x64 = vec(c["x"]);
        for (size_t i = 0; i < x64.size(); ++i) ASSERT_EQ(double(k.x[i]), x64[i]);

        std::vector<double> logits(size_t(k.n * k.arch.num_classes));
        ASSERT_TRUE(compute_logits<double>(k.arch, k.theta, k.batch(), logits).ok());
        expect_close(logits, vec(c["logits"]), kTorchRel, "logits");

        std::vector<double> g(k.arch.num_params), gx(k.x.size());
        auto loss = loss_and_grad<double>(k.arch, k.theta, k.batch(), g, {}, gx);
        ASSERT_TRUE(loss.ok()) << loss.message();
        EXPECT_NEAR(*loss, c["loss"].get<double>(), kTorchRel);
        expect_close(g, vec(c["grad"]), kTorchRel, "grad");
        expect_close(gx, vec(c["grad_input"]), kTorchRel, "grad_input");
        for (size_t j = 0; j < c["v"].size(); ++j)
            expect_close(hvp_at(k, vec(c["v"][j])), vec(c["hv"][j]), kTorchRel, "hv");
    }
}

TEST(NnNet, DenseHessianColumnByColumnMatchesPyTorch) {
    const auto ref = reference();
    const auto& c = ref["cases"][0];
    ASSERT_TRUE(c.contains("hessian"));
    Case k = load_case(c);
    const size_t P = k.arch.num_params;
    const auto H_ref = vec(c["hessian"]);
    ASSERT_EQ(H_ref.size(), P * P);
    std::vector<double> e(P, 0.0), H(P * P);
    for (size_t j = 0; j < P; ++j) {
        e.assign(P, 0.0);
        e[j] = 1.0;
        const auto col = hvp_at(k, e);
        for (size_t i = 0; i < P; ++i) H[i * P + j] = col[i];
    }
    expect_close(H, H_ref, kTorchRel, "hessian");
    for (size_t i = 0; i < P; ++i)
        for (size_t j = 0; j < i; ++j) EXPECT_NEAR(H[i * P + j], H[j * P + i], 1e-13) << i << "," << j;
}

TEST(NnNet, GradientMatchesFiniteDifferences) {
    for (uint64_t seed : {1u, 2u, 3u}) {
        Case k = random_case(mixed_arch(), 5, seed);
        const auto g = grad_at(k, k.theta);
        const double h = 1e-6;
        std::vector<double> fd(k.theta.size());
        for (size_t i = 0; i < k.theta.size(); ++i) {
            auto tp = k.theta, tm = k.theta;
            tp[i] += h;
            tm[i] -= h;
            fd[i] = (loss_at(k, tp) - loss_at(k, tm)) / (2 * h);
        }
        expect_close(g, fd, kFdGradRel, "grad seed " + std::to_string(seed));
    }
}

TEST(NnNet, InputGradientMatchesFiniteDifferences) {
    Case k = random_case(mixed_arch(), 3, 7);
    std::vector<double> g(k.arch.num_params), gx(k.x.size());
    ASSERT_TRUE(loss_and_grad<double>(k.arch, k.theta, k.batch(), g, {}, gx).ok());
    // Raw inputs are float32: step by a power of two so x +- h is exact.
    const float h = 1.0f / 1024;
    for (size_t i = 0; i < k.x.size(); i += 7) {
        Case p = k, m = k;
        p.x[i] += h;
        m.x[i] -= h;
        const double fd = (loss_at(p, p.theta) - loss_at(m, m.theta)) / (2.0 * h);
        EXPECT_NEAR(gx[i], fd, 1e-5 * std::max(1.0, std::abs(fd))) << i;
    }
}

TEST(NnNet, HvpMatchesFiniteDifferencesOfGradients) {
    for (uint64_t seed : {11u, 12u}) {
        Case k = random_case(mixed_arch(), 6, seed);
        Rng rng(seed + 100);
        std::vector<double> v(k.arch.num_params);
        for (auto& e : v) e = rng.normal();
        const auto hv = hvp_at(k, v);
        std::vector<double> fd(v.size());
        ASSERT_TRUE(hessian_vector_product_fd(k.arch, k.theta, k.batch(), v, fd).ok());
        expect_close(hv, fd, kFdHvpRel, "hvp seed " + std::to_string(seed));
    }
}

TEST(NnNet, DenseHessianFromHvpIsSymmetricAndMatchesFiniteDifferences) {
    auto arch = *build_arch({1, 4, 4}, 0.5f,
                            {LayerSpec::conv2d("c", 1, 2, 3, 2, 1), LayerSpec::gelu(), LayerSpec::flatten(),
                             LayerSpec::dense("fc", 8, 3)});
    Case k = random_case(arch, 4, 5);
    const size_t P = k.arch.num_params;
    std::vector<double> H(P * P), Hfd(P * P), e(P);
    const double h = 1e-5;
    for (size_t j = 0; j < P; ++j) {
        e.assign(P, 0.0);
        e[j] = 1.0;
        const auto col = hvp_at(k, e);
        auto tp = k.theta, tm = k.theta;
        tp[j] += h;
        tm[j] -= h;
        const auto gp = grad_at(k, tp), gm = grad_at(k, tm);
        for (size_t i = 0; i < P; ++i) {
            H[i * P + j] = col[i];
            Hfd[i * P + j] = (gp[i] - gm[i]) / (2 * h);
        }
    }
    expect_close(H, Hfd, kFdHvpRel, "dense hessian");
    for (size_t i = 0; i < P; ++i)
        for (size_t j = 0; j < i; ++j) EXPECT_NEAR(H[i * P + j], H[j * P + i], 1e-13);
}

TEST(NnNet, HvpAlsoReturnsTheGradientAndLoss) {
    Case k = random_case(mixed_arch(), 4, 21);
    std::vector<double> v(k.arch.num_params, 0.25), hv(v.size()), g(v.size());
    auto loss = hessian_vector_product<double>(k.arch, k.theta, k.batch(), v, hv, {}, g);
    ASSERT_TRUE(loss.ok());
    EXPECT_DOUBLE_EQ(*loss, loss_at(k, k.theta));
    expect_close(g, grad_at(k, k.theta), 1e-15, "grad from hvp");
}

TEST(NnNet, ResultsDoNotDependOnThreadCount) {
    Case k = random_case(mixed_arch(), 37, 31);
    std::vector<float> theta(k.theta.begin(), k.theta.end());
    std::vector<float> g1(theta.size()), g2(theta.size());
    PassOptions one{1, 5}, two{2, 5};
    auto l1 = loss_and_grad<float>(k.arch, theta, k.batch(), g1, one);
    auto l2 = loss_and_grad<float>(k.arch, theta, k.batch(), g2, two);
    ASSERT_TRUE(l1.ok() && l2.ok());
    EXPECT_EQ(*l1, *l2);
    EXPECT_EQ(g1, g2);
}

TEST(NnNet, FloatAgreesWithDouble) {
    Case k = random_case(mixed_arch(), 9, 41);
    std::vector<float> theta(k.theta.begin(), k.theta.end());
    std::vector<double> theta_d(theta.begin(), theta.end());
    std::vector<float> gf(theta.size());
    std::vector<double> gd(theta.size());
    auto lf = loss_and_grad<float>(k.arch, theta, k.batch(), gf);
    auto ld = loss_and_grad<double>(k.arch, theta_d, k.batch(), gd);
    ASSERT_TRUE(lf.ok() && ld.ok());
    EXPECT_NEAR(*lf, *ld, 1e-5 * std::max(1.0, *ld));
    std::vector<double> gfd(gf.begin(), gf.end());
    expect_close(gfd, gd, 1e-5, "float vs double grad");
}

TEST(NnNet, RejectsBadBatches) {
    Case k = random_case(mixed_arch(), 2, 1);
    std::vector<double> g(k.arch.num_params);
    Batch b = k.batch();
    b.n = 3;
    EXPECT_FALSE(loss_and_grad<double>(k.arch, k.theta, b, g).ok());
    k.y[1] = 3;
    auto r = loss_and_grad<double>(k.arch, k.theta, k.batch(), g);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("label 3"), std::string::npos) << r.message();
}
