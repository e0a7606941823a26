// `quantscope-cli info` on GGUF files (tests/fixtures/make_gguf.py), through
// open_model's magic-based dispatch: table, JSON and a refused file.
#include "tests/support/bytes.hpp"
#include "tests/support/gguf_bytes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace qs::test;
using ::testing::HasSubstr;

TEST(CliInfoGguf, TableShowsBlockTypesAndMetadata) {
    auto r = run_cli({"info", fixture("gguf/tiny_v3.gguf").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("(gguf, 1 file, 26 tensors"));
    EXPECT_THAT(r.out, HasSubstr("blk.1.q4_k.weight"));
    EXPECT_THAT(r.out, HasSubstr("[3, 256]"));
    EXPECT_THAT(r.out, HasSubstr("Q6_K"));
    EXPECT_THAT(r.out, HasSubstr("MXFP4"));
    EXPECT_THAT(r.out, HasSubstr("general.architecture (string) = llama"));
    EXPECT_THAT(r.out, HasSubstr("tokenizer.ggml.tokens (array<string>[20]) = [\"<unk>\", "));
    EXPECT_THAT(r.out, HasSubstr("test.bool_true (bool) = true"));
}

TEST(CliInfoGguf, JsonListsTensorsDtypesAndTypedMetadata) {
    auto r = run_cli({"info", "--json", fixture("gguf/tiny_v2.gguf").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["models"].size(), 1u);
    const auto& m = j["models"][0];
    EXPECT_EQ(m["format"], "gguf");
    EXPECT_EQ(m["tensor_count"], 3);
    EXPECT_EQ(m["params"], 12 + 96 + 256);
    EXPECT_EQ(m["bytes"], 48 + 3 * 18 + 210);
    const auto& ts = m["tensors"];
    auto q = std::find_if(ts.begin(), ts.end(), [](const auto& t) { return t["name"] == "output.weight"; });
    ASSERT_NE(q, ts.end());
    EXPECT_EQ((*q)["dtype"], "Q6_K");
    EXPECT_EQ((*q)["shape"], nlohmann::json({1, 256}));
    EXPECT_EQ((*q)["bytes"], 210);
    const auto& md = m["metadata"];
    auto v = std::find_if(md.begin(), md.end(), [](const auto& e) { return e["key"] == "GGUF.version"; });
    ASSERT_NE(v, md.end());
    EXPECT_EQ((*v)["value"], "2");
    auto bc = std::find_if(md.begin(), md.end(), [](const auto& e) { return e["key"] == "llama.block_count"; });
    ASSERT_NE(bc, md.end());
    EXPECT_EQ((*bc)["type"], "u32");
    EXPECT_EQ((*bc)["value"], "1");
}

TEST(CliInfoGguf, BigEndianFuggMagicIsRecognised) {
    auto r = run_cli({"info", fixture("gguf/tiny_be_fugg.gguf").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("GGUF.byte_order (string) = big-endian"));
}

TEST(CliInfoGguf, BadFileExitsTwoWithOneLine) {
    TempDir dir;
    const auto path = dir / "broken.gguf";
    write_bytes(path, GgufBytes(3, 1, 0).tensor("blk.0.w", {8}, 0, 0).pad().zeros(16).b);
    auto r = run_cli({"info", path.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(path.string() + ": tensor 'blk.0.w': data ends at byte 96, file has 80 bytes"));
}
