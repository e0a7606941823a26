// `quantscope-cli quant` and `compare`: tensor selection (name, glob, regex,
// --all), the table and JSON (docs/cli-quant.md), exit codes, and that the
// numbers printed are torch's (a fixture tensor written into a safetensors file).
#include "tests/quant/quant_fixtures.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

using namespace qs::test;
using ::testing::HasSubstr;

namespace {

const std::string kTiny = fixture("safetensors/tiny.safetensors").string();

// A safetensors file with F32 tensors {name: (shape, values)}.
void write_f32_safetensors(const std::filesystem::path& path,
                           const std::vector<std::tuple<std::string, std::vector<int64_t>, std::vector<float>>>& ts) {
    nlohmann::json h = nlohmann::json::object();
    size_t off = 0;
    for (const auto& [name, shape, v] : ts) {
        h[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {off, off + v.size() * 4}}};
        off += v.size() * 4;
    }
    const std::string header = h.dump();
    Bytes b;
    put_u64(b, header.size());
    put_str(b, header);
    for (const auto& [name, shape, v] : ts) {
        const size_t at = b.size();
        b.resize(at + v.size() * 4);
        std::memcpy(b.data() + at, v.data(), v.size() * 4);
    }
    write_bytes(path, b);
}

}  // namespace

TEST(CliQuant, SingleTensorDetail) {
    auto r = run_cli({"quant", kTiny, "--tensor", "layer.0.weight", "--spec", "int4:group=4"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("layer.0.weight"));
    EXPECT_THAT(r.out, HasSubstr("SQNR"));
    EXPECT_THAT(r.out, HasSubstr("bits per weight"));
    EXPECT_THAT(r.out, HasSubstr("int4:group=4"));
}

TEST(CliQuant, AllPrintsATableAndAModelTotal) {
    auto r = run_cli({"quant", kTiny, "--all", "--spec", "int8:tensor"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("layer.1.bf16"));
    EXPECT_THAT(r.out, HasSubstr("total: 9 tensors"));
    EXPECT_THAT(r.out, HasSubstr("tensors/s"));
    EXPECT_THAT(r.out, HasSubstr("skipped"));
    EXPECT_TRUE(r.err.empty()) << r.err;  // no progress bar when stderr is not a terminal
}

TEST(CliQuant, JsonMatchesTorchFixture) {
    // The 4-bit per-channel case of int_torch.json, written as a model file.
    const auto fx = quant_fixture("int_torch.json");
    const nlohmann::json* c = nullptr;
    for (const auto& x : fx["cases"])
        if (x["spec"] == "int4:channel" && x["shape"] == nlohmann::json({6, 9})) c = &x;
    ASSERT_NE(c, nullptr);
    TempDir dir;
    const auto path = dir / "m.safetensors";
    write_f32_safetensors(path, {{"w", {6, 9}, floats((*c)["x"])}, {"b", {3}, {0.1f, -0.2f, 0.3f}}});
    auto r = run_cli({"quant", path.string(), "-t", "w", "--spec", "int4", "--json", "--groups", "--bins", "16"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["quantscope_quant"], 1);
    EXPECT_EQ(j["spec"], "int4");
    ASSERT_EQ(j["tensors"].size(), 1u);
    const auto& t = j["tensors"][0];
    EXPECT_EQ(t["tensor"], "w");
    EXPECT_EQ(t["numel"], 54);
    // the fast path's stated bound on sums (docs/quantspec.md section 5): relative 1e-5
    EXPECT_NEAR(t["mse"].get<double>(), (*c)["mse"].get<double>(), 1e-5 * (*c)["mse"].get<double>());
    EXPECT_NEAR(t["sqnr_db"].get<double>(), (*c)["sqnr_db"].get<double>(), 1e-4);
    EXPECT_EQ(t["n_groups"], 6);
    EXPECT_EQ(t["groups"]["scale"].size(), 6u);
    for (size_t g = 0; g < 6; ++g) EXPECT_EQ(t["groups"]["scale"][g].get<float>(), (*c)["scales"][g].get<float>());
    EXPECT_EQ(t["hist_orig"]["counts"].size(), 16u);
    EXPECT_EQ(t["hist_deq"]["lo"], t["hist_orig"]["lo"]);
    EXPECT_DOUBLE_EQ(t["bits_per_weight"].get<double>(), 4.0 + 32.0 / 9);
    EXPECT_EQ(j["total"]["tensors"], 1);
}

TEST(CliQuant, GlobRegexAndErrors) {
    auto g = run_cli({"quant", kTiny, "-t", "layer.*.weight", "--spec", "int8", "--json"});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    auto j = nlohmann::json::parse(g.out);
    ASSERT_EQ(j["tensors"].size(), 2u);
    EXPECT_EQ(j["tensors"][0]["tensor"], "layer.0.weight");
    EXPECT_EQ(j["tensors"][1]["tensor"], "layer.1.weight");
    auto re = run_cli({"quant", kTiny, "-t", "re:fp8\\.e[45]m[23]", "--spec", "fp8_e4m3:tensor", "--json"});
    ASSERT_EQ(re.exit_code, 0) << re.err;
    EXPECT_EQ(nlohmann::json::parse(re.out)["tensors"].size(), 2u);

    auto none = run_cli({"quant", kTiny, "-t", "nope*", "--spec", "int8"});
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_THAT(none.err, HasSubstr("no tensor matches 'nope*'"));
    auto bad_spec = run_cli({"quant", kTiny, "-t", "layer.0.weight", "--spec", "int4:gruop=2"});
    EXPECT_EQ(bad_spec.exit_code, 1);
    EXPECT_THAT(bad_spec.err, HasSubstr("gruop=2"));
    auto neither = run_cli({"quant", kTiny, "--spec", "int8"});
    EXPECT_EQ(neither.exit_code, 1);
    auto axis = run_cli({"quant", kTiny, "-t", "layer.0.weight", "--spec", "int8:channel=3"});
    EXPECT_EQ(axis.exit_code, 1);
    EXPECT_THAT(axis.err, HasSubstr("axis 3"));
}

TEST(CliQuant, BadFileExitsTwoWithOneLine) {
    TempDir dir;
    const auto path = dir / "broken.safetensors";
    write_bytes(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8));
    auto r = run_cli({"quant", path.string(), "--all", "--spec", "int4"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(path.string()));
    auto m = run_cli({"compare", "/nonexistent.safetensors", "-t", "w", "--spec", "int4", "--spec", "int8"});
    EXPECT_EQ(m.exit_code, 2);
}

TEST(CliCompare, SideBySideAndJson) {
    auto r = run_cli({"compare", kTiny, "-t", "layer.0.weight", "--spec", "int4", "--spec", "nf4:group=5",
                      "--spec", R"({"scheme":"fp","exp_bits":2,"man_bits":1})"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("nf4:group=5"));
    EXPECT_THAT(r.out, HasSubstr("fp4_e2m1"));
    EXPECT_THAT(r.out, HasSubstr("SQNR dB"));
    auto j = run_cli({"compare", kTiny, "-t", "layer.0.weight", "--spec", "int4", "--spec", "int8", "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    auto o = nlohmann::json::parse(j.out);
    ASSERT_EQ(o["tensors"].size(), 1u);
    const auto& res = o["tensors"][0]["results"];
    ASSERT_EQ(res.size(), 2u);
    EXPECT_GT(res[1]["sqnr_db"].get<double>(), res[0]["sqnr_db"].get<double>());
    EXPECT_EQ(res[0]["hist_orig"], res[1]["hist_orig"]);  // shared bins
    auto one = run_cli({"compare", kTiny, "-t", "layer.0.weight", "--spec", "int4"});
    EXPECT_EQ(one.exit_code, 1);
}
