// `quantscope-cli info`: the table, the JSON (docs/cli.md) and the exit codes.
#include "tests/support/bytes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace qs::test;
using ::testing::HasSubstr;

TEST(CliInfo, TableListsTensorsAndTotals) {
    auto r = run_cli({"info", fixture("safetensors/tiny.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("layer.0.weight"));
    EXPECT_THAT(r.out, HasSubstr("[3, 5]"));
    EXPECT_THAT(r.out, HasSubstr("By dtype:"));
    EXPECT_THAT(r.out, HasSubstr("note (string) = ünïcode métadata"));
}

TEST(CliInfo, JsonFollowsTheDocumentedSchema) {
    auto r = run_cli({"info", "--json", fixture("safetensors/sharded").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["quantscope_info"], 1);
    ASSERT_EQ(j["models"].size(), 1u);
    const auto& m = j["models"][0];
    EXPECT_EQ(m["format"], "safetensors");
    EXPECT_EQ(m["files"].size(), 2u);
    EXPECT_EQ(m["tensor_count"], 3);
    // 4*8 + 8 + 8*4 parameters, written by make_safetensors.py
    EXPECT_EQ(m["params"], 72);
    EXPECT_EQ(m["bytes"], 4 * 8 * 2 + 8 * 4 + 8 * 4 * 2);
    const auto& ts = m["tensors"];
    auto it = std::find_if(ts.begin(), ts.end(), [](const auto& t) { return t["name"] == "model.layers.0.mlp.up_proj.weight"; });
    ASSERT_NE(it, ts.end());
    EXPECT_EQ((*it)["shape"], nlohmann::json({4, 8}));
    EXPECT_EQ((*it)["dtype"], "F16");
    EXPECT_EQ((*it)["bytes"], 64);
    ASSERT_FALSE(m["by_kind"].empty());
    EXPECT_EQ(m["by_kind"][0]["key"].get<std::string>().find("model.layers.*."), 0u);
}

TEST(CliInfo, BadFileExitsTwoWithOneLine) {
    TempDir dir;
    const auto path = dir / "broken.safetensors";
    write_bytes(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8));
    auto r = run_cli({"info", path.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(path.string()));
    EXPECT_THAT(r.err, HasSubstr("tensor 'w'"));
}

TEST(CliInfo, MissingFileAndUsageErrors) {
    auto r = run_cli({"info", "/nonexistent/model.safetensors"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("no such file"));
    auto u = run_cli({"info"});
    EXPECT_EQ(u.exit_code, 1);
    auto n = run_cli({});
    EXPECT_EQ(n.exit_code, 1);
}
