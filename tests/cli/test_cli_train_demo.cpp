// `quantscope-cli train-demo`: a short run writes a model the nn runtime loads.
#include "core/nn/model.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace qs;
using namespace qs::test;

TEST(CliTrainDemo, ShortRunWritesALoadableModel) {
    TempDir dir;
    const std::string out = (dir / "m.safetensors").string();
    auto r = run_cli({"train-demo", "--arch", "mlp", "--seed", "3", "--epochs", "1", "--out", out, "--json", "--quiet",
                      "--data", (source_dir() / "assets/digits/digits.csv.gz").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["steps"], 45);
    EXPECT_GT(j["test_accuracy"].get<double>(), 0.5);
    auto m = nn::load_model(out);
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->arch.num_params, nn::demo_mlp_arch().num_params);
}

TEST(CliTrainDemo, BadArgumentsAndMissingData) {
    EXPECT_EQ(run_cli({"train-demo", "--arch", "resnet"}).exit_code, 1);
    auto r = run_cli({"train-demo", "--data", "/nonexistent/digits.csv.gz", "--epochs", "1"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("/nonexistent/digits.csv.gz"), std::string::npos) << r.err;
}
