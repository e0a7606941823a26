// `quantscope-cli check`: text and JSON (docs/anomalies.md), the exit codes
// (0 clean, 4 when flags of --fail-on severity were found), --tensor,
// --thresholds, and that it runs on every format we read.
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace qs::test;
using ::testing::HasSubstr;

namespace {
std::string anomaly_fixture() { return fixture("anomaly/anomaly.safetensors").string(); }
}  // namespace

TEST(CliCheck, NanAndInfExitWithFour) {
    auto r = run_cli({"check", anomaly_fixture()});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_THAT(r.out, HasSubstr("5 tensors checked, 1 skipped, 4 flagged: 3 errors"));
    EXPECT_THAT(r.out, HasSubstr("nonfinite"));
    EXPECT_THAT(r.out, HasSubstr("1 NaN, 1 +Inf, 0 -Inf"));
    EXPECT_THAT(r.out, HasSubstr("skipped ids: I64 is not a floating-point dtype"));
    // Worst first: an error tensor is listed before the info-only one.
    EXPECT_LT(r.out.find("error    nan_inf.f32"), r.out.find("info     denorm_only.f32"));
}

TEST(CliCheck, JsonMatchesNumpyCounts) {
    auto r = run_cli({"check", "--json", anomaly_fixture()});
    ASSERT_EQ(r.exit_code, 4) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::ifstream f(fixture("anomaly/anomaly.expected.json"));
    const auto expected = nlohmann::json::parse(f);
    EXPECT_EQ(j["format"], "safetensors");
    EXPECT_EQ(j["spec"], "int8");
    EXPECT_EQ(j["summary"]["tensors_checked"], 5);
    EXPECT_EQ(j["summary"]["tensors_skipped"], 1);
    EXPECT_EQ(j["summary"]["errors"], 3);
    EXPECT_EQ(j["thresholds"]["excess_kurtosis"], 10.0);
    ASSERT_EQ(j["tensors"].size(), 5u);
    for (const auto& t : j["tensors"]) {
        SCOPED_TRACE(t["name"].get<std::string>());
        const auto& e = expected.at(t["name"].get<std::string>());
        for (const char* k : {"nan", "pos_inf", "neg_inf", "denormals"}) EXPECT_EQ(t["stats"][k], e[k]) << k;
    }
    EXPECT_EQ(j["tensors"][0]["severity"], "error");
    EXPECT_EQ(j["tensors"][4]["name"], "clean.weight");
    EXPECT_EQ(j["tensors"][4]["severity"], "clean");
    EXPECT_TRUE(j["tensors"][4]["flags"].empty());
    const auto& flag = j["tensors"][0]["flags"][0];
    EXPECT_EQ(flag["kind"], "nonfinite");
    EXPECT_EQ(flag["severity"], "error");
    EXPECT_TRUE(flag.contains("value") && flag.contains("threshold") && flag.contains("channels") &&
                flag.contains("channel_count") && flag.contains("message"));
}

TEST(CliCheck, CleanTensorExitsZeroAndFailOnTightens) {
    auto r = run_cli({"check", anomaly_fixture(), "--tensor", "clean.weight"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 tensors checked, 0 skipped, 0 flagged"));
    // Only infos (subnormals): clean by default, flagged with --fail-on info.
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "-t", "denorm_only.f32"}).exit_code, 0);
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "-t", "denorm_only.f32", "--fail-on", "info"}).exit_code, 4);
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "--fail-on", "never"}).exit_code, 0);
}

TEST(CliCheck, ThresholdsOverrideAndBadInput) {
    // A kurtosis threshold below a Gaussian's sampling noise flags the clean tensor.
    auto r = run_cli({"check", "--json", anomaly_fixture(), "-t", "clean.weight", "--thresholds",
                      R"({"excess_kurtosis": -1e-9, "max_over_std": 1})"});
    EXPECT_EQ(r.exit_code, 1);  // negative thresholds are refused
    EXPECT_THAT(r.err, HasSubstr(">= 0"));
    r = run_cli({"check", "--json", anomaly_fixture(), "-t", "clean.weight", "--thresholds", R"({"max_over_std": 1})",
                 "--fail-on", "warning"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tensors"][0]["flags"][0]["kind"], "heavy_tails");
    EXPECT_EQ(j["thresholds"]["max_over_std"], 1.0);
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "--thresholds", R"({"nope": 1})"}).exit_code, 1);
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "--spec", "int99"}).exit_code, 1);
    EXPECT_EQ(run_cli({"check", anomaly_fixture(), "-t", "no.such.tensor"}).exit_code, 1);
    EXPECT_EQ(run_cli({"check", fixture("anomaly/make_anomaly.py").string()}).exit_code, 2);
}

TEST(CliCheck, RunsOnEveryFormat) {
    for (const char* f : {"safetensors/tiny.safetensors", "safetensors/sharded", "gguf/tiny_v3.gguf", "npy/f4.npy",
                          "npy/compressed.npz", "onnx/model.onnx", "pytorch/state_dict.pt"}) {
        SCOPED_TRACE(f);
        auto r = run_cli({"check", "--json", fixture(f).string()});
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.exit_code << " " << r.err;
        auto j = nlohmann::json::parse(r.out, nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << r.out.substr(0, 200);
        EXPECT_GE(j["summary"]["tensors_checked"].get<int>() + j["summary"]["tensors_skipped"].get<int>(), 1);
    }
    auto r = run_cli({"check", "--spec", "none", fixture("gguf/tiny_v3.gguf").string()});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.err;
    EXPECT_THAT(r.out, HasSubstr("spec none"));
}
