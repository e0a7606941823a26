// exllamav2 measurement.json: the reader on a file written per measure.py's layout
// (tests/fixtures/artifacts/make_measurement.py, which also brute-forces the
// expected optimal choices), the cost table and exact plan, the replayed
// exllamav2 optimizer against a brute force of its own objective, and bad input.
#include "core/plan/from_costs.hpp"
#include "core/sensitivity/exl2_measurement.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace qs::test {
namespace {

using sensitivity::Exl2Measurement;
using ojson = nlohmann::ordered_json;

Exl2Measurement load_small() {
    auto m = sensitivity::read_exl2_measurement(fixture("artifacts/measurement_small.json"));
    EXPECT_TRUE(m.ok()) << m.message();
    auto st = sensitivity::set_exl2_numel(*m, nullptr);
    EXPECT_TRUE(st.ok()) << st.message();
    return *m;
}

std::vector<size_t> exact_choice(const Exl2Measurement& m, double bpw, double* sum_err) {
    auto t = sensitivity::exl2_cost_table(m);
    plan::PlanRequest req;
    req.budget_bpw = bpw;
    auto out = plan::plan_from_costs(t, req);
    EXPECT_TRUE(out.ok()) << out.message();
    std::vector<size_t> c;
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const auto& label = out->problem.layers[i].candidates[out->exact.choice[i]].label;
        for (size_t k = 0; k < m.blocks[i].options.size(); ++k)
            if (m.blocks[i].options[k].label == label) c.push_back(k);
    }
    *sum_err = out->exact.cost;
    EXPECT_TRUE(out->exact.optimal);
    return c;
}

TEST(Exl2Measurement, ReadsMeasurePyLayout) {
    auto m = load_small();
    ASSERT_EQ(m.blocks.size(), 4u);
    EXPECT_EQ(m.last_module_idx, 6);
    EXPECT_EQ(m.blocks[0].key, "model.layers.0.self_attn");
    EXPECT_EQ(m.blocks[1].key, "model.layers.0.mlp");
    EXPECT_EQ(m.blocks[2].key, "model.layers.1.self_attn");
    EXPECT_EQ(m.blocks[3].key, "model.layers.1.mlp");
    EXPECT_EQ(m.blocks[0].projections, (std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj"}));
    ASSERT_EQ(m.blocks[0].options.size(), 3u);
    EXPECT_DOUBLE_EQ(m.blocks[0].options[0].accuracy, 0.95);
    EXPECT_EQ(m.blocks[0].options[0].total_bits, 9000u);
    EXPECT_EQ(m.blocks[0].options[1].label.substr(0, 19), "q_proj 1:4b_128g s4");
    // Sizes estimated from the all-4-bit option: 4.03125 bpw.
    EXPECT_EQ(m.blocks[0].numel, 4096u);
    EXPECT_EQ(m.blocks[1].numel, 12288u);
    EXPECT_TRUE(m.blocks[0].numel_estimated);
}

TEST(Exl2Measurement, ExactPlanMatchesBruteForce) {
    auto m = load_small();
    double err = 0;
    // make_measurement.py: 4.0 bpw -> (1, 1, 2, 0), sum err 0.074; 3.0 bpw -> (1, 0, 1, 0), 0.16.
    EXPECT_EQ(exact_choice(m, 4.0, &err), (std::vector<size_t>{1, 1, 2, 0}));
    EXPECT_NEAR(err, 0.074, 1e-12);
    EXPECT_EQ(exact_choice(m, 3.0, &err), (std::vector<size_t>{1, 0, 1, 0}));
    EXPECT_NEAR(err, 0.16, 1e-12);
    // The cost table offers each block only its own options.
    auto t = sensitivity::exl2_cost_table(m);
    EXPECT_EQ(t.candidates.size(), 6u);  // 3 attention + 3 MLP settings
    int feasible = 0;
    for (const auto& c : t.tensors[0].costs) feasible += c.feasible;
    EXPECT_EQ(feasible, 3);
}

TEST(Exl2Measurement, AnnealFindsTheMinimumOfItsOwnObjective) {
    auto m = load_small();
    const uint64_t numel = 2 * (4096 + 12288);
    const uint64_t budget = uint64_t(double(numel) * 4.0);
    sensitivity::AnnealOptions o;
    o.samples = 6;
    o.iterations = 100;
    o.seed = 7;
    auto r = sensitivity::exl2_anneal(m, budget, o);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_LE(r->bits, budget);
    EXPECT_GE(r->best_norm, 1.5 - 0.075);
    EXPECT_LE(r->best_norm, 3.5 + 0.08);
    // Brute force: the smallest sum(err^p) within the budget at the norm it chose.
    double best = INFINITY;
    std::vector<size_t> arg;
    for (size_t a = 0; a < 3; ++a)
        for (size_t b = 0; b < 3; ++b)
            for (size_t c = 0; c < 3; ++c)
                for (size_t d = 0; d < 3; ++d) {
                    std::vector<size_t> ch{a, b, c, d};
                    uint64_t bits = 0;
                    double s = 0;
                    for (size_t i = 0; i < 4; ++i) {
                        bits += m.blocks[i].options[ch[i]].total_bits;
                        s += std::pow(m.blocks[i].options[ch[i]].error(), r->best_norm);
                    }
                    if (bits <= budget && s < best) best = s, arg = ch;
                }
    EXPECT_EQ(r->choice, arg);
    // Same seed, same answer.
    auto again = sensitivity::exl2_anneal(m, budget, o);
    EXPECT_EQ(again->choice, r->choice);
}

ojson option(double acc, double bits) {
    return {{"accuracy", acc},
            {"total_bits", bits},
            {"q_proj", {{"group_size", {{"4", 128}}}, {"bits", {4}}, {"bits_prop", {1}}, {"scale_bits", 4}}}};
}

TEST(Exl2Measurement, ParallelDecoderIsSplitIntoTwoBlocks) {
    ojson j = {{"measurement",
                {{"model.layers.0.parallel_decoder", {{"attn", {option(0.9, 4128)}}, {"mlp", {option(0.8, 8256)}}}}}}};
    auto m = sensitivity::parse_exl2_measurement(j, "m.json");
    ASSERT_TRUE(m.ok()) << m.message();
    ASSERT_EQ(m->blocks.size(), 2u);
    EXPECT_EQ(m->blocks[0].key, "model.layers.0.self_attn");
    EXPECT_EQ(m->blocks[1].key, "model.layers.0.mlp");
    EXPECT_EQ(m->blocks[1].sub, "mlp");
}

TEST(Exl2Measurement, RejectsBadInputWithClearMessages) {
    auto err = [](const ojson& j) {
        auto m = sensitivity::parse_exl2_measurement(j, "m.json");
        return m.ok() ? std::string("(accepted)") : m.message();
    };
    EXPECT_NE(err(ojson::array()).find("expected a JSON object"), std::string::npos);
    EXPECT_NE(err({{"measurement", {{"model.layers.0.self_attn", {option(1.5, 100)}}}}}).find("accuracy 1.5"),
              std::string::npos);
    EXPECT_NE(err({{"measurement", {{"model.layers.0.self_attn", {option(0.9, -1)}}}}}).find("total_bits"),
              std::string::npos);
    EXPECT_NE(err({{"measurement", {{"lm_head", {option(0.9, 1)}}}}}).find("'lm_head' is not a decoder block"),
              std::string::npos);
    EXPECT_NE(err({{"measurement", {{"model.layers.0.foo", {option(0.9, 1)}}}}}).find("unknown block kind 'foo'"),
              std::string::npos);
    ojson bad = option(0.9, 1);
    bad["q_proj"]["bits"] = {99};
    EXPECT_NE(err({{"measurement", {{"model.layers.0.self_attn", {bad}}}}}).find("q_proj.bits[0]"), std::string::npos);
    ojson many = ojson::array();
    for (size_t i = 0; i <= sensitivity::kMaxExl2Options; ++i) many.push_back(option(0.9, 1));
    EXPECT_NE(err({{"measurement", {{"model.layers.0.self_attn", many}}}}).find("options (more than"), std::string::npos);
    EXPECT_NE(err({{"measurement", {{"model.norm.norm", nullptr}}}}).find("no measured blocks"), std::string::npos);
}

TEST(Exl2Measurement, CliComparesBothPlans) {
    auto r = run_cli({"import-measurement", fixture("artifacts/measurement_small.json").string(), "--budget-bpw", "4.0",
                      "--anneal-samples", "4", "--anneal-iterations", "50", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["exact"]["choice"], nlohmann::json({1, 1, 2, 0}));
    EXPECT_NEAR(j["exact"]["sum_err"].get<double>(), 0.074, 1e-9);
    EXPECT_TRUE(j["exact"]["optimal"].get<bool>());
    EXPECT_LE(j["exllamav2"]["bpw"].get<double>(), 4.0);
    EXPECT_GE(j["exllamav2"]["sum_err"].get<double>(), 0.074 - 1e-9);  // the exact plan is optimal for sum(err)
    EXPECT_EQ(j["weights"], 32768);

    TempDir d;
    auto s = run_cli({"import-measurement", fixture("artifacts/measurement_small.json").string(), "--budget-bpw", "3",
                      "--no-anneal", "--out", (d / "strategy.json").string()});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_NE(s.out.find("quantscope exact"), std::string::npos);
    std::ifstream in(d / "strategy.json");
    auto strat = nlohmann::json::parse(in);
    EXPECT_EQ(strat["strategy"]["model.layers.0.mlp"]["total_bits"], 27000);  // option 0
    EXPECT_DOUBLE_EQ(strat["strategy"]["model.layers.1.self_attn"]["accuracy"].get<double>(), 0.97);

    auto tight = run_cli({"import-measurement", fixture("artifacts/measurement_small.json").string(), "--budget-bpw",
                          "1", "--no-anneal"});
    EXPECT_EQ(tight.exit_code, 1);
    EXPECT_NE(tight.err.find("below the smallest possible plan"), std::string::npos) << tight.err;

    std::ofstream(d / "bad.json") << R"({"measurement": {"model.layers.0.self_attn": [{"accuracy": 0.5}]}})";
    auto b = run_cli({"import-measurement", (d / "bad.json").string(), "--budget-bpw", "4"});
    EXPECT_EQ(b.exit_code, 2);
    EXPECT_NE(b.err.find("missing a numeric 'total_bits'"), std::string::npos) << b.err;
}

}  // namespace
}  // namespace qs::test
