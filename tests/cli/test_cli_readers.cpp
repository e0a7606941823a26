// `quantscope-cli info` on each format of the npy/npz, PyTorch and ONNX readers:
// the table and the JSON name the tensors, and a refused file exits 2 with one line.
#include "tests/support/bytes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace qs::test;
using ::testing::HasSubstr;

namespace {

nlohmann::json info_json(const std::string& rel) {
    auto r = run_cli({"info", "--json", fixture(rel).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["models"].size(), 1u);
    return j["models"][0];
}

const nlohmann::json* tensor(const nlohmann::json& model, const std::string& name) {
    for (const auto& t : model["tensors"])
        if (t["name"] == name) return &t;
    return nullptr;
}

}  // namespace

TEST(CliReaders, NpyTable) {
    auto r = run_cli({"info", fixture("npy/fortran.npy").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("(npy, 1 file, 1 tensors"));
    EXPECT_THAT(r.out, HasSubstr("fortran"));
    EXPECT_THAT(r.out, HasSubstr("[3, 4]"));
    EXPECT_THAT(r.out, HasSubstr("npy_version (string) = 1.0"));
}

TEST(CliReaders, NpzJson) {
    const auto m = info_json("npy/compressed.npz");
    EXPECT_EQ(m["format"], "npz");
    EXPECT_EQ(m["tensor_count"], 8);
    const auto* t = tensor(m, "ρ.权重");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["dtype"], "I64");
    EXPECT_EQ((*t)["bytes"], 48);  // the array's bytes, not the compressed size
}

TEST(CliReaders, PyTorchTableAndJson) {
    auto r = run_cli({"info", fixture("pytorch/checkpoint.pt").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("model.w"));
    EXPECT_THAT(r.out, HasSubstr("epoch (int) = 7"));
    const auto m = info_json("pytorch/state_dict.pt");
    EXPECT_EQ(m["format"], "pytorch");
    const auto* t = tensor(m, "bf.weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["dtype"], "BF16");
    EXPECT_EQ((*t)["shape"], nlohmann::json({2, 2}));
}

TEST(CliReaders, OnnxJsonListsExternalAndDecodedFiles) {
    const auto m = info_json("onnx/model.onnx");
    EXPECT_EQ(m["format"], "onnx");
    ASSERT_EQ(m["files"].size(), 3u);  // the model, ext.bin, values decoded at open
    EXPECT_THAT(m["files"][1]["path"].get<std::string>(), HasSubstr("ext.bin"));
    const auto* t = tensor(m, "external.weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["file"], 1);
    EXPECT_EQ((*t)["offset"], 4096);
}

TEST(CliReaders, RefusedFilesExitTwoWithOneLine) {
    auto legacy = run_cli({"info", fixture("pytorch/legacy.pt").string()});
    EXPECT_EQ(legacy.exit_code, 2);
    EXPECT_EQ(std::count(legacy.err.begin(), legacy.err.end(), '\n'), 1) << legacy.err;
    EXPECT_THAT(legacy.err, HasSubstr("legacy (pre-1.6, non-zip) torch.save format is not supported"));
    TempDir dir;
    write_bytes(dir / "bad.onnx", Bytes{0x3A, 0x64, 1, 2});  // graph field, length 100, 2 bytes
    auto r = run_cli({"info", (dir / "bad.onnx").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("bad.onnx: malformed protobuf at byte 0: field 7: length 100 runs past the end"));
}
