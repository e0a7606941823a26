// Every reader also opens bytes held in memory (MappedFile::from_bytes): the
// fuzz targets use this, and it must index and decode exactly as opening the
// file on disk does.
#include "core/io/decode.hpp"
#include "core/io/gguf.hpp"
#include "core/io/npy.hpp"
#include "core/io/onnx.hpp"
#include "core/io/open_model.hpp"
#include "core/io/pytorch.hpp"
#include "core/io/safetensors.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

namespace qs::test {
namespace {

using Opener = std::function<Result<io::ModelIndex>(io::FilePtr)>;

void expect_same(const std::string& rel, const Opener& open_bytes) {
    SCOPED_TRACE(rel);
    const auto path = fixture(rel);
    auto disk = io::open_model(path);
    ASSERT_TRUE(disk.ok()) << disk.message();
    auto mem = open_bytes(io::MappedFile::from_bytes(path.string(), read_bytes(path)));
    ASSERT_TRUE(mem.ok()) << mem.message();
    ASSERT_EQ(mem->tensors.size(), disk->tensors.size());
    for (size_t i = 0; i < disk->tensors.size(); ++i) {
        const auto& a = disk->tensors[i];
        const auto& b = mem->tensors[i];
        EXPECT_EQ(a.name, b.name);
        EXPECT_EQ(a.shape, b.shape);
        EXPECT_EQ(a.dtype, b.dtype);
        if (!io::dtype_info(a.dtype).decode) continue;
        auto da = io::decode_tensor_capped(*disk, i, 1 << 24);
        auto db = io::decode_tensor_capped(*mem, i, 1 << 24);
        ASSERT_TRUE(da.ok()) << da.message();
        ASSERT_TRUE(db.ok()) << db.message();
        ASSERT_EQ(da->size(), db->size()) << a.name;
        if (!da->empty()) EXPECT_EQ(0, std::memcmp(da->data(), db->data(), da->size() * sizeof(float))) << a.name;
    }
    EXPECT_EQ(mem->metadata.size(), disk->metadata.size());
}

TEST(InMemory, EveryReaderMatchesTheFileOnDisk) {
    expect_same("safetensors/tiny.safetensors", [](io::FilePtr f) { return io::open_safetensors(f); });
    expect_same("gguf/tiny_v3.gguf", [](io::FilePtr f) { return io::open_gguf(f); });
    expect_same("gguf/tiny_be_fugg.gguf", [](io::FilePtr f) { return io::open_gguf(f); });
    expect_same("npy/fortran_3d.npy", [](io::FilePtr f) { return io::open_npy(f); });
    expect_same("npy/compressed.npz", [](io::FilePtr f) { return io::open_npz(f); });
    expect_same("npy/stored.npz", [](io::FilePtr f) { return io::open_npz(f); });
    expect_same("pytorch/checkpoint.pt", [](io::FilePtr f) { return io::open_pytorch(f); });
    expect_same("pytorch/state_dict.pt", [](io::FilePtr f) { return io::open_pytorch(f); });
    expect_same("onnx/model.onnx", [](io::FilePtr f) { return io::open_onnx(f, fixture("onnx")); });
}

TEST(InMemory, OnnxExternalDataNeedsAFolder) {
    const auto path = fixture("onnx/model.onnx");
    auto m = io::open_onnx(io::MappedFile::from_bytes("model.onnx", read_bytes(path)), {});
    // model.onnx keeps one initializer in ext.bin; with no folder that is refused by name.
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.message().find("external data 'ext.bin' cannot be read from an in-memory model"), std::string::npos)
        << m.message();
}

TEST(InMemory, ShardedIndexWithAShardOpener) {
    const auto dir = fixture("safetensors/sharded");
    auto disk = io::open_model(dir / "model.safetensors.index.json");
    ASSERT_TRUE(disk.ok()) << disk.message();
    int opened = 0;
    auto mem = io::open_safetensors_sharded(
        io::MappedFile::from_bytes("model.safetensors.index.json", read_bytes(dir / "model.safetensors.index.json")),
        [&](const std::string& name) -> Result<io::FilePtr> {
            ++opened;
            return io::MappedFile::from_bytes(name, read_bytes(dir / name));
        });
    ASSERT_TRUE(mem.ok()) << mem.message();
    EXPECT_EQ(opened, 2);
    ASSERT_EQ(mem->tensors.size(), disk->tensors.size());
    for (size_t i = 0; i < disk->tensors.size(); ++i) EXPECT_EQ(mem->tensors[i].name, disk->tensors[i].name);
    auto missing = io::open_safetensors_sharded(
        io::MappedFile::from_bytes("model.safetensors.index.json", read_bytes(dir / "model.safetensors.index.json")),
        [](const std::string& name) -> Result<io::FilePtr> { return make_error("{}: no such file", name); });
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("model-00001-of-00002.safetensors: no such file"), std::string::npos)
        << missing.message();
}

}  // namespace
}  // namespace qs::test
