// safetensors writer: files it writes are read back by the reader
// (core/io/safetensors.cpp, written independently), the header layout is
// checked byte by byte, and invalid requests are refused.
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

using namespace qs;
using namespace qs::test;

TEST(SafetensorsWriter, RoundTripsThroughTheReader) {
    TempDir dir;
    const std::vector<float> a = {1.5f, -2.0f, 0.0f, 3.25f, 1e-3f, -7.0f};
    const std::vector<float> b = {42.0f};
    const std::vector<int8_t> c = {-128, 0, 127, 5};
    const std::vector<io::TensorToWrite> ts = {
        io::f32_tensor("layer.weight", {2, 3}, a),
        io::f32_tensor("layer.bias", {1}, b),
        {"codes", io::DType::I8, {4}, {reinterpret_cast<const uint8_t*>(c.data()), c.size()}},
    };
    ASSERT_TRUE(io::write_safetensors(dir / "m.safetensors", ts, {{"k", "v"}, {"arch", "{\"x\": [1, 2]}"}}).ok());
    auto m = io::open_model(dir / "m.safetensors");
    ASSERT_TRUE(m.ok()) << m.message();
    ASSERT_EQ(m->tensors.size(), 3u);
    EXPECT_EQ(m->tensors[0].name, "layer.weight");  // file order is the order given
    EXPECT_EQ(m->tensors[0].shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(m->tensors[2].dtype, io::DType::I8);
    std::vector<float> got(6);
    ASSERT_TRUE(io::decode_tensor(*m, 0, got).ok());
    EXPECT_EQ(got, a);
    std::vector<float> codes(4);
    ASSERT_TRUE(io::decode_tensor(*m, 2, codes).ok());
    EXPECT_EQ(codes, (std::vector<float>{-128, 0, 127, 5}));
    ASSERT_EQ(m->metadata.size(), 2u);
    for (const auto& e : m->metadata) {
        if (e.key == "arch") {
            EXPECT_EQ(e.value, "{\"x\": [1, 2]}");
        }
    }
}

TEST(SafetensorsWriter, HeaderLayout) {
    const std::vector<float> a = {1.0f, 2.0f};
    const std::vector<io::TensorToWrite> ts = {io::f32_tensor("w", {2}, a)};
    auto bytes = io::serialize_safetensors(ts);
    ASSERT_TRUE(bytes.ok());
    uint64_t n = 0;
    std::memcpy(&n, bytes->data(), 8);
    EXPECT_EQ(n % 8, 0u);  // data starts 8-aligned
    EXPECT_EQ(bytes->size(), 8 + n + 8);
    const std::string header(bytes->begin() + 8, bytes->begin() + 8 + long(n));
    auto j = nlohmann::json::parse(header);
    EXPECT_EQ(j["w"]["dtype"], "F32");
    EXPECT_EQ(j["w"]["data_offsets"], nlohmann::json::array({0, 8}));
    EXPECT_FALSE(j.contains("__metadata__"));
    float back[2];
    std::memcpy(back, bytes->data() + 8 + n, 8);
    EXPECT_EQ(back[1], 2.0f);
}

TEST(SafetensorsWriter, RefusesInvalidTensors) {
    const std::vector<float> a = {1.0f, 2.0f, 3.0f};
    auto err = [](std::vector<io::TensorToWrite> ts) {
        auto r = io::serialize_safetensors(ts);
        return r.ok() ? std::string("(ok)") : r.message();
    };
    EXPECT_EQ(err({io::f32_tensor("w", {2}, a)}), "safetensors writer: tensor 'w': 12 bytes given, shape and dtype need 8");
    EXPECT_EQ(err({io::f32_tensor("w", {3}, a), io::f32_tensor("w", {3}, a)}), "safetensors writer: tensor 'w' appears twice");
    EXPECT_EQ(err({io::f32_tensor("", {3}, a)}), "safetensors writer: a tensor has an empty name");
    EXPECT_EQ(err({io::f32_tensor("__metadata__", {3}, a)}), "safetensors writer: '__metadata__' is not a valid tensor name");
    EXPECT_EQ(err({io::f32_tensor("w", {-3}, a)}), "safetensors writer: tensor 'w': invalid shape");
    EXPECT_NE(err({{"q", io::DType::Q4_0, {32}, {}}}).find("block type"), std::string::npos);
}

TEST(SafetensorsWriter, FailedWriteLeavesTheOldFile) {
    TempDir dir;
    const std::vector<float> a = {1.0f};
    ASSERT_TRUE(io::write_safetensors(dir / "m.safetensors", std::vector{io::f32_tensor("w", {1}, a)}).ok());
    const auto before = read_bytes(dir / "m.safetensors");
    EXPECT_FALSE(io::write_safetensors(dir / "m.safetensors", std::vector{io::f32_tensor("w", {2}, a)}).ok());
    EXPECT_EQ(read_bytes(dir / "m.safetensors"), before);
}

TEST(SafetensorsWriter, EmptyTensorTiedWithTheNextOffsetReadsBack) {
    // "z" (empty) and "b" both begin at byte 8; the header lists "b" first (keys sort),
    // and the reader must still see the buffer as contiguous (as the reference reader does).
    TempDir dir;
    const std::vector<float> a = {1.0f, 2.0f}, b = {3.0f};
    const std::vector<io::TensorToWrite> ts = {io::f32_tensor("a", {2}, a), io::f32_tensor("z", {0}, {}),
                                               io::f32_tensor("b", {1}, b)};
    ASSERT_TRUE(io::write_safetensors(dir / "e.safetensors", ts).ok());
    auto m = io::open_model(dir / "e.safetensors");
    ASSERT_TRUE(m.ok()) << m.message();
    std::vector<float> got(1);
    ASSERT_TRUE(io::decode_tensor(*m, size_t(m->find("b")), got).ok());
    EXPECT_EQ(got[0], 3.0f);
}

TEST(SafetensorsStreamWriter, WritesOneTensorAtATimeWithinDeclaredBounds) {
    TempDir dir;
    const std::vector<float> a = {1.0f, 2.0f, 3.0f}, big(1000, 0.5f);
    auto w = io::SafetensorsStreamWriter::create(
        dir / "s.safetensors",
        {{"a", io::DType::F32, {3}}, {"list", io::DType::F32, {1000}}, {"tail", io::DType::F32, {2, 1}}},
        {{"k", "v"}});
    ASSERT_TRUE(w.ok()) << w.message();
    ASSERT_TRUE(w->write_next(std::vector<int64_t>{3}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), 12)).ok());
    // Fewer elements than the bound (e.g. a data-dependent outlier list).
    ASSERT_TRUE(w->write_next(std::vector<int64_t>{7}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(big.data()), 28)).ok());
    EXPECT_FALSE(w->write_next(std::vector<int64_t>{3, 1}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), 12)).ok());
    EXPECT_FALSE(std::filesystem::exists(dir / "s.safetensors"));  // nothing at the target before finish()
    ASSERT_TRUE(w->write_next(std::vector<int64_t>{2, 1}, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), 8)).ok());
    ASSERT_TRUE(w->finish().ok());
    auto m = io::open_model(dir / "s.safetensors");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->tensors[1].shape, (std::vector<int64_t>{7}));
    std::vector<float> got(2);
    ASSERT_TRUE(io::decode_tensor(*m, 2, got).ok());
    EXPECT_EQ(got, (std::vector<float>{1.0f, 2.0f}));
    EXPECT_EQ(m->files[0]->size() % 8, 0u);  // 8 + header (padded to 8) + 12 + 28 + 8 bytes
}
