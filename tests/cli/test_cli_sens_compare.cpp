// `sensitivity --compare` end to end: on the demo MLP (measured effect and a
// Spearman value per method in the JSON, the table's correlation rows), on a
// model quantscope cannot run (data-free methods only), and bad input.
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qs::test {
namespace {

using nlohmann::json;

std::string demo_mlp() { return (source_dir() / "assets" / "demo" / "mlp.safetensors").string(); }

TEST(CliSensCompare, DemoJsonAndTable) {
    auto r = run_cli({"sensitivity", demo_mlp(), "--compare", "--spec", "int2,int4", "--max-iter", "6",
                      "--no-eigen", "--json"},
                     120.0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["quantscope_sensitivity_compare"], 1);
    EXPECT_TRUE(j["measured"].get<bool>());
    EXPECT_EQ(j["rows"].size(), 6u);
    EXPECT_EQ(j["methods"].size(), 10u);  // 12 less the two eigenvalue methods
    for (const auto& m : j["methods"]) {
        EXPECT_TRUE(m["pooled"].contains("spearman")) << m["id"];
        EXPECT_EQ(m["pooled"]["n"], 6) << m["id"];
    }
    for (const auto& row : j["rows"]) EXPECT_TRUE(row.contains("loss_increase"));

    auto t = run_cli({"sensitivity", demo_mlp(), "--compare", "--spec", "int2,int4", "--max-iter", "6",
                      "--no-eigen", "--no-fisher"},
                     120.0);
    ASSERT_EQ(t.exit_code, 0) << t.err;
    EXPECT_NE(t.out.find("Spearman vs dL (6 pts)"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("Kendall tau-b vs dL"), std::string::npos);
    EXPECT_NE(t.out.find("MEASURED dL"), std::string::npos);
}

TEST(CliSensCompare, DataFreeOnAnyModel) {
    auto r = run_cli({"sensitivity", fixture("safetensors/tiny.safetensors").string(), "--compare", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_FALSE(j["measured"].get<bool>());
    ASSERT_EQ(j["methods"].size(), 3u);
    EXPECT_EQ(j["methods"][0]["id"], "mse");
    EXPECT_FALSE(j["methods"][0].contains("pooled"));
    EXPECT_GT(j["rows"].size(), 0u);
}

TEST(CliSensCompare, BadInput) {
    EXPECT_EQ(run_cli({"sensitivity", demo_mlp(), "--compare", "--spec", "int99"}).exit_code, 1);
    EXPECT_EQ(run_cli({"sensitivity", demo_mlp(), "--compare", "--demo"}).exit_code, 1);
    EXPECT_EQ(run_cli({"sensitivity", "/nonexistent.safetensors", "--compare"}).exit_code, 2);
}

}  // namespace
}  // namespace qs::test
