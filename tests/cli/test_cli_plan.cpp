// `sensitivity`, `plan` and `merge` end to end on the bundled demo MLP: the plan
// file parses back and respects the budget, the sharded path gives the same plan
// as the one-shot path, and bad input gets the documented exit codes.
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace qs::test {
namespace {

using nlohmann::json;

std::string demo_mlp() { return (source_dir() / "assets" / "demo" / "mlp.safetensors").string(); }

json read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

const char* kCands = "int2:channel,int4:channel,int8:channel";

TEST(CliSensitivity, DemoTracesJsonAndTracesFile) {
    TempDir d;
    auto r = run_cli({"sensitivity", demo_mlp(), "--demo", "--max-iter", "12", "--json", "--out",
                      (d / "traces.json").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["source"], "hessian-trace");
    ASSERT_EQ(j["tensors"].size(), 3u);  // fc1, fc2, fc3 weights; biases kept
    EXPECT_EQ(j["kept"], 3);
    for (const auto& t : j["tensors"]) {
        EXPECT_GT(t["trace"].get<double>(), 0.0);
        EXPECT_GE(t["trace_std_error"].get<double>(), 0.0);
        EXPECT_LE(t["iterations"].get<int>(), 12);
    }
    // ranked by predicted cost, most sensitive first
    EXPECT_GE(j["tensors"][0]["cost"].get<double>(), j["tensors"][1]["cost"].get<double>());
    // the traces file drives the same ranking through --traces
    auto r2 = run_cli({"sensitivity", demo_mlp(), "--traces", (d / "traces.json").string(), "--json"});
    ASSERT_EQ(r2.exit_code, 0) << r2.err;
    const json j2 = json::parse(r2.out);
    EXPECT_EQ(j2["source"], "traces-json");
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(j2["tensors"][i]["name"], j["tensors"][i]["name"]);
}

TEST(CliPlan, DataFreePlanFileRespectsBudget) {
    TempDir d;
    auto r = run_cli({"plan", demo_mlp(), "-c", kCands, "--budget-bpw", "4.5", "--out", (d / "plan.json").string(),
                      "--frontier", (d / "frontier.csv").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("uniform baselines"), std::string::npos) << r.out;
    const json p = read_json(d / "plan.json");
    EXPECT_EQ(p["quantscope_plan"], 1);
    std::set<std::string> labels;
    int quantized = 0, kept = 0;
    for (const auto& t : p["tensors"]) {
        if (t["quantized"].get<bool>()) {
            ++quantized;
            labels.insert(t["label"].get<std::string>());
        } else {
            ++kept;
        }
    }
    EXPECT_EQ(quantized, 3);
    EXPECT_EQ(kept, 3);
    for (const auto& l : labels) EXPECT_NE(std::string(kCands).find(l), std::string::npos) << l;
    std::ifstream f(d / "frontier.csv");
    std::string header;
    std::getline(f, header);
    EXPECT_EQ(header, "point,bits,bpw,predicted_cost");
}

TEST(CliPlan, ShardedEqualsOneShot) {
    TempDir d;
    auto one = run_cli({"plan", demo_mlp(), "-c", kCands, "--budget-bpw", "5", "--json"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::vector<std::string> merge = {"merge"};
    for (int i = 1; i <= 3; ++i) {
        const auto part = (d / ("part" + std::to_string(i) + ".json")).string();
        auto r = run_cli({"plan", demo_mlp(), "-c", kCands, "--shard", std::to_string(i) + "/3", "--out", part});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        merge.push_back(part);
    }
    auto missing = run_cli({"merge", merge[1], merge[2], "--budget-bpw", "5"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("missing shard(s) 3 of 3"), std::string::npos) << missing.err;
    merge.insert(merge.end(), {"--budget-bpw", "5", "--json"});
    auto merged = run_cli(merge);
    ASSERT_EQ(merged.exit_code, 0) << merged.err;
    const json a = json::parse(one.out)["plan"], b = json::parse(merged.out)["plan"];
    ASSERT_EQ(a["tensors"].size(), b["tensors"].size());
    for (size_t i = 0; i < a["tensors"].size(); ++i) {
        EXPECT_EQ(a["tensors"][i]["name"], b["tensors"][i]["name"]);
        EXPECT_EQ(a["tensors"][i]["label"], b["tensors"][i]["label"]);
    }
}

TEST(CliPlan, DemoPlanReportsMeasuredAccuracy) {
    auto r = run_cli({"plan", demo_mlp(), "--demo", "--max-iter", "12", "-c", kCands, "--budget-bpw", "4", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    const double plan_acc = j["measured_accuracy"]["plan"], float_acc = j["measured_accuracy"]["float"];
    EXPECT_GT(float_acc, 0.95);
    EXPECT_GT(plan_acc, 0.5);
    EXPECT_LE(j["plan"]["totals"]["avg_bpw"].get<double>(), 4.0 + 1e-9) << j["plan"]["totals"].dump();
    EXPECT_EQ(j["uniform"].size(), 3u);
}

TEST(CliPlan, Refusals) {
    TempDir d;
    auto no_budget = run_cli({"plan", demo_mlp(), "-c", kCands});
    EXPECT_EQ(no_budget.exit_code, 1);
    EXPECT_NE(no_budget.err.find("budget"), std::string::npos);
    auto bad_cand = run_cli({"plan", demo_mlp(), "-c", "int4,int77", "--budget-bpw", "4"});
    EXPECT_EQ(bad_cand.exit_code, 1);
    EXPECT_NE(bad_cand.err.find("int77"), std::string::npos);
    auto bad_pin = run_cli({"plan", demo_mlp(), "-c", kCands, "--budget-bpw", "4", "--pin", "fc1=int3"});
    EXPECT_EQ(bad_pin.exit_code, 1);
    auto tight = run_cli({"plan", demo_mlp(), "-c", kCands, "--budget-bpw", "1"});
    EXPECT_EQ(tight.exit_code, 1);
    auto no_demo = run_cli({"plan", (source_dir() / "tests/fixtures/safetensors/tiny.safetensors").string(), "-c",
                            kCands, "--budget-bpw", "4", "--demo"});
    EXPECT_EQ(no_demo.exit_code, 2);
    std::ofstream(d / "junk.json") << "{\"quantscope_costs\": 7}";
    auto junk = run_cli({"merge", (d / "junk.json").string(), "--budget-bpw", "4"});
    EXPECT_EQ(junk.exit_code, 2);
    EXPECT_NE(junk.err.find("version"), std::string::npos);
}

}  // namespace
}  // namespace qs::test
