// GGUF reader and ggml block decoders against fixtures written by
// tests/fixtures/make_gguf.py (a from-the-spec Python writer with a NumPy
// dequantiser after gguf-py), plus malformed, truncated and mutated files.
#include "core/io/decode.hpp"
#include "core/io/gguf.hpp"
#include "core/io/open_model.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/gguf_bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <cstring>
#include <fstream>
#include <random>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::EndsWith;
using ::testing::Not;

namespace {

nlohmann::json load_json(const std::filesystem::path& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
}

std::vector<float> load_f32(const std::filesystem::path& p) {
    const Bytes b = read_bytes(p);
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), v.size() * 4);
    return v;
}

const io::MetaEntry* meta(const io::ModelIndex& m, const std::string& key) {
    for (const auto& e : m.metadata)
        if (e.key == key) return &e;
    return nullptr;
}

// Every tensor of `stem`.gguf decodes bit-exactly to the NumPy reference.
void expect_matches_numpy(const std::string& stem) {
    SCOPED_TRACE(stem);
    auto m = io::open_model(fixture("gguf/" + stem + ".gguf"));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->format, "gguf");
    const auto expected = load_json(fixture("gguf/" + stem + ".expected.json"));
    const auto values = load_f32(fixture("gguf/" + stem + ".expected.f32"));
    ASSERT_EQ(m->tensors.size(), expected.size());
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        SCOPED_TRACE(it.key());
        const int64_t idx = m->find(it.key());
        ASSERT_GE(idx, 0);
        const io::TensorInfo& t = m->tensors[size_t(idx)];
        EXPECT_EQ(t.shape, it.value()["shape"].get<std::vector<int64_t>>());
        EXPECT_EQ(io::dtype_name(t.dtype), it.value()["type"].get<std::string>());
        const size_t off = it.value()["offset"], count = it.value()["count"];
        ASSERT_EQ(t.numel(), count);
        ASSERT_LE(off + count, values.size());
        std::vector<float> got(count);
        auto st = io::decode_tensor(*m, size_t(idx), got);
        ASSERT_TRUE(st.ok()) << st.message();
        size_t mismatches = 0;
        for (size_t k = 0; k < count; ++k) {
            const float want = values[off + k];
            if (std::bit_cast<uint32_t>(got[k]) != std::bit_cast<uint32_t>(want) && ++mismatches <= 5)
                ADD_FAILURE() << "element " << k << ": got " << got[k] << ", NumPy " << want;
        }
        EXPECT_EQ(mismatches, 0u);
    }
}

}  // namespace

TEST(Gguf, EveryTypeDecodesBitExactlyV3) { expect_matches_numpy("tiny_v3"); }
TEST(Gguf, Version2) { expect_matches_numpy("tiny_v2"); }
TEST(Gguf, BigEndianWithSwappedNumbers) { expect_matches_numpy("tiny_be"); }
TEST(Gguf, BigEndianWithFuggMagic) { expect_matches_numpy("tiny_be_fugg"); }

TEST(Gguf, DecodersExistForTheSupportedTypes) {
    for (io::DType t : {io::DType::Q4_0, io::DType::Q4_1, io::DType::Q5_0, io::DType::Q5_1, io::DType::Q8_0,
                        io::DType::Q8_1, io::DType::Q2_K, io::DType::Q3_K, io::DType::Q4_K, io::DType::Q5_K,
                        io::DType::Q6_K, io::DType::MXFP4, io::DType::IQ4_NL, io::DType::IQ4_XS, io::DType::TQ1_0,
                        io::DType::TQ2_0})
        EXPECT_NE(io::dtype_info(t).decode, nullptr) << io::dtype_name(t);
    // bpw from the table: 8 * block bytes / block elements, as the struct comments say.
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::Q4_K), 4.5);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::Q6_K), 6.5625);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::Q3_K), 3.4375);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::Q2_K), 2.625);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::MXFP4), 4.25);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::IQ4_XS), 4.25);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::TQ1_0), 1.6875);
    EXPECT_DOUBLE_EQ(io::dtype_bpw(io::DType::TQ2_0), 2.0625);
}

TEST(Gguf, MetadataIsShownWithTypes) {
    auto m = io::open_gguf(fixture("gguf/tiny_v3.gguf"));
    ASSERT_TRUE(m.ok()) << m.message();
    struct Want {
        const char* key;
        const char* type;
        const char* value;
    };
    const Want wants[] = {
        {"GGUF.version", "u32", "3"},
        {"GGUF.tensor_count", "u64", "26"},
        {"general.architecture", "string", "llama"},
        {"general.name", "string", "tiny ünïcode\\nmodel"},
        {"general.alignment", "u32", "64"},
        {"test.u8", "u8", "200"},
        {"test.i8", "i8", "-100"},
        {"test.u16", "u16", "60000"},
        {"test.i16", "i16", "-30000"},
        {"test.i32", "i32", "-2000000000"},
        {"test.u64", "u64", "9223372036854775813"},
        {"test.i64", "i64", "-4611686018427387904"},
        {"test.f32", "f32", "0.1"},
        {"test.f64", "f64", "-2.5e-300"},
        {"test.bool_true", "bool", "true"},
        {"test.bool_false", "bool", "false"},
        {"test.int_array", "array<i32>[5]", "[1, -2, 3, -4, 5]"},
        {"test.empty_array", "array<u8>[0]", "[]"},
        {"test.bool_array", "array<bool>[3]", "[true, false, true]"},
        {"test.f32_array", "array<f32>[2]", "[0.5, -1.25]"},
    };
    for (const Want& w : wants) {
        SCOPED_TRACE(w.key);
        const io::MetaEntry* e = meta(*m, w.key);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->type, w.type);
        EXPECT_EQ(e->value, w.value);
    }
    // Long arrays: the first 16 elements, then the count.
    const io::MetaEntry* tok = meta(*m, "tokenizer.ggml.tokens");
    ASSERT_NE(tok, nullptr);
    EXPECT_EQ(tok->type, "array<string>[20]");
    EXPECT_THAT(tok->value, StartsWith(R"(["<unk>", "<s>", "</s>", "tok0", )"));
    EXPECT_THAT(tok->value, EndsWith(R"("tok12", … (20 items)])"));
    EXPECT_THAT(tok->value, Not(HasSubstr("tok13")));
}

TEST(Gguf, AlignmentAndDataSection) {
    auto g3 = io::read_gguf(fixture("gguf/tiny_v3.gguf"));
    ASSERT_TRUE(g3.ok()) << g3.message();
    EXPECT_EQ(g3->version, 3u);
    EXPECT_FALSE(g3->big_endian);
    EXPECT_EQ(g3->alignment, 64u);
    EXPECT_EQ(g3->data_start % 64, 0u);
    for (const auto& t : g3->tensors) EXPECT_EQ((t.offset - g3->data_start) % 64, 0u) << t.name;
    // 26 tensors of which the last ends the file exactly (the writer pads between, not after).
    EXPECT_EQ(g3->tensors.back().offset + g3->tensors.back().nbytes, g3->file->size());
    EXPECT_EQ(g3->tensors[size_t(0)].offset, g3->data_start);

    auto g2 = io::read_gguf(fixture("gguf/tiny_v2.gguf"));
    ASSERT_TRUE(g2.ok()) << g2.message();
    EXPECT_EQ(g2->version, 2u);
    EXPECT_EQ(g2->alignment, 32u);
    EXPECT_EQ(g2->data_start % 32, 0u);
    const auto& q = g2->tensors[1];
    EXPECT_EQ(q.name, "blk.0.attn_q.weight");
    EXPECT_EQ(q.shape, (std::vector<int64_t>{3, 32}));  // ne = [32, 3], reversed
    EXPECT_EQ(q.nbytes, 3u * 18u);
}

TEST(Gguf, BigEndianMetadataAndTypedAccess) {
    for (const char* stem : {"tiny_be", "tiny_be_fugg"}) {
        SCOPED_TRACE(stem);
        auto g = io::read_gguf(fixture(std::string("gguf/") + stem + ".gguf"));
        ASSERT_TRUE(g.ok()) << g.message();
        EXPECT_TRUE(g->big_endian);
        ASSERT_NE(g->find("test.u32"), nullptr);
        EXPECT_EQ(g->find("test.u32")->u, 123456u);
        EXPECT_EQ(g->find("test.f32")->f, 1.5);
        EXPECT_EQ(g->string_array(*g->find("tokenizer.ggml.tokens")), (std::vector<std::string>{"a", "bc"}));
        const auto m = io::gguf_model_index(*g, "x");
        EXPECT_EQ(meta(m, "test.i16_array")->value, "[1, -2, 300]");
        EXPECT_EQ(meta(m, "GGUF.byte_order")->value, "big-endian");
    }
}

// ---- malformed input ----------------------------------------------------------

namespace {

using G = GgufBytes;

struct BadCase {
    const char* label;
    Bytes bytes;
    const char* message;
};

std::vector<BadCase> bad_cases() {
    std::vector<BadCase> c;
    c.push_back({"too short", Bytes{'G', 'G', 'U'}, "too short for a GGUF header"});
    c.push_back({"bad magic", G(3, 0, 0, "GGUX").b, "not a GGUF file"});
    c.push_back({"version 1", G(1).b, "GGUF version 1 is not supported"});
    c.push_back({"version 4", G(4).b, "GGUF version 4 is not supported"});
    c.push_back({"version 0", G(0x00050000).b, "GGUF version 1280 is not supported"});  // low bits 0: read as swapped
    {
        Bytes h = G().b;
        h.resize(12);
        c.push_back({"header truncated", h, "header: file ends at byte 12 while reading tensor_count"});
    }
    c.push_back({"absurd tensor_count", G(3, 1'000'000'000'000ull, 0).zeros(64).b,
                 "tensor_count 1000000000000 cannot fit"});
    c.push_back({"absurd kv_count", G(3, 0, 1'000'000'000'000ull).zeros(64).b, "kv_count 1000000000000 cannot fit"});
    c.push_back({"absurd key length", G(3, 0, 1).u64(1'000'000'000).zeros(16).b,
                 "key #0: the key is 1000000000 bytes long, over the limit"});
    c.push_back({"absurd string length", G(3, 0, 1).str("k").u32(8).u64(1'000'000'000).zeros(16).b,
                 "key 'k': the string value is 1000000000 bytes long but only 16 bytes are left"});
    c.push_back({"absurd array length", G(3, 0, 1).str("k").u32(9).u32(5).u64(1'000'000'000'000ull).zeros(16).b,
                 "key 'k': array of 1000000000000 i32 values needs 4000000000000 bytes but only 16 are left"});
    c.push_back({"array length overflows", G(3, 0, 1).str("k").u32(9).u32(10).u64(1ull << 62).zeros(16).b,
                 "needs more than 2^64 bytes"});
    c.push_back({"absurd string array", G(3, 0, 1).str("k").u32(9).u32(8).u64(1'000'000'000ull).zeros(16).b,
                 "key 'k': array of 1000000000 strings cannot fit"});
    c.push_back({"string element past end", G(3, 0, 1).str("k").u32(9).u32(8).u64(2).str("a").u64(100).b,
                 "key 'k': string element 1 is 100 bytes long but only 0 bytes are left"});
    c.push_back({"nested array", G(3, 0, 1).str("k").u32(9).u32(9).u64(1).zeros(16).b, "key 'k': nested arrays"});
    c.push_back({"unknown value type", G(3, 0, 1).str("k").u32(13).zeros(8).b, "key 'k': unknown value type 13"});
    c.push_back({"unknown element type", G(3, 0, 1).str("k").u32(9).u32(77).u64(0).b, "unknown array element type 77"});
    c.push_back({"duplicate key", G(3, 0, 2).kv_u32("a", 1).kv_u32("a", 2).b, "key 'a': duplicate key"});
    c.push_back({"bool value 2", G(3, 0, 1).str("flag").u32(7).u8(2).b, "key 'flag': bool value is 2, must be 0 or 1"});
    c.push_back({"bool array element 5", G(3, 0, 1).str("flags").u32(9).u32(7).u64(3).u8(1).u8(5).u8(0).b,
                 "key 'flags': bool element 1 is 5"});
    c.push_back({"value truncated", G(3, 0, 1).str("k").u32(10).u32(1).b, "key 'k': file ends at byte"});
    c.push_back({"alignment 0", G(3, 0, 1).kv_u32("general.alignment", 0).b,
                 "key 'general.alignment': 0 is not a power of two"});
    c.push_back({"alignment 48", G(3, 0, 1).kv_u32("general.alignment", 48).b, "48 is not a power of two"});
    c.push_back({"alignment u64", G(3, 0, 1).str("general.alignment").u32(10).u64(32).b, "type is u64, expected u32"});
    c.push_back({"n_dims 5", G(3, 1, 0).tensor("w", {1, 1, 1, 1, 1}, 0, 0).pad().zeros(4).b,
                 "tensor 'w': n_dims is 5, more than ggml's maximum of 4"});
    c.push_back({"unknown ggml type", G(3, 1, 0).tensor("w", {4}, 99, 0).pad().zeros(16).b,
                 "tensor 'w': unknown ggml type 99"});
    c.push_back({"removed ggml type", G(3, 1, 0).tensor("w", {32}, 4, 0).pad().zeros(32).b, "unknown ggml type 4"});
    c.push_back({"newer ggml type", G(3, 1, 0).tensor("w", {64}, 40, 0).pad().zeros(64).b,
                 "tensor 'w': ggml type 40 (NVFP4) is not supported"});
    c.push_back({"offset not aligned", G(3, 1, 0).tensor("w", {4}, 0, 4).pad().zeros(32).b,
                 "tensor 'w': data offset 4 is not a multiple of the alignment 32"});
    // header 24 + info 39 = 63 bytes, data at 64; 8 floats need bytes 64..96
    c.push_back({"data past EOF", G(3, 1, 0).tensor("blk.0.w", {8}, 0, 0).pad().zeros(16).b,
                 "tensor 'blk.0.w': data ends at byte 96, file has 80 bytes"});
    c.push_back({"ne0 not a block multiple", G(3, 1, 0).tensor("w", {16, 2}, 2, 0).pad().zeros(64).b,
                 "tensor 'w': row length (ne0) 16 is not a multiple of the Q4_0 block size 32"});
    c.push_back({"ne0 not a k-block multiple", G(3, 1, 0).tensor("w", {128}, 12, 0).pad().zeros(256).b,
                 "row length (ne0) 128 is not a multiple of the Q4_K block size 256"});
    c.push_back({"dims overflow", G(3, 1, 0).tensor("w", {1ull << 32, 1ull << 32, 1ull << 32}, 0, 0).pad().b,
                 "tensor 'w': shape [4294967296, 4294967296, 4294967296] overflows"});
    c.push_back({"numel too large", G(3, 1, 0).tensor("w", {1ull << 31, 1ull << 31, 2}, 0, 0).pad().b,
                 "tensor 'w': shape [2, 2147483648, 2147483648] overflows"});
    c.push_back({"bytes overflow", G(3, 1, 0).tensor("w", {1ull << 31, 1ull << 31}, 0, 0).pad().b,
                 "tensor 'w': shape [2147483648, 2147483648] overflows"});
    c.push_back({"dim too large", G(3, 1, 0).tensor("w", {1ull << 63}, 0, 0).pad().b,
                 "tensor 'w': dimension 0 is 9223372036854775808, larger than 2^63 - 1"});
    c.push_back({"duplicate tensor names", G(3, 2, 0).tensor("w", {4}, 0, 0).tensor("w", {4}, 0, 32).pad().zeros(64).b,
                 "tensor 'w': duplicate tensor name"});
    c.push_back({"overlapping tensors", G(3, 2, 0).tensor("a", {16}, 0, 0).tensor("b", {4}, 0, 32).pad().zeros(64).b,
                 "tensor 'b': data at offset 32 overlaps tensor 'a'"});
    c.push_back({"tensor name not utf-8", G(3, 1, 0).tensor("w\xff", {4}, 0, 0).pad().zeros(16).b,
                 "tensor #0: name is not valid UTF-8"});
    c.push_back({"tensor info truncated", G(3, 2, 0).tensor("a", {4}, 0, 0).str("w").u32(2).u64(4).b,
                 "tensor 'w': file ends at byte 78 while reading dimension 1"});
    return c;
}

}  // namespace

class GgufMalformed : public ::testing::TestWithParam<int> {};

TEST_P(GgufMalformed, ClearMessage) {
    const BadCase bc = bad_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    const auto path = dir / "bad.gguf";
    write_bytes(path, bc.bytes);
    auto m = io::open_model(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr(path.string() + ": "));
    EXPECT_THAT(m.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, GgufMalformed, ::testing::Range(0, int(bad_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });

TEST(Gguf, EveryPrefixFailsCleanly) {
    for (const char* stem : {"tiny_v2", "tiny_be"}) {
        const Bytes full = read_bytes(fixture(std::string("gguf/") + stem + ".gguf"));
        ASSERT_FALSE(full.empty());
        for (size_t n = 0; n < full.size(); ++n) {
            auto f = io::MappedFile::from_bytes("prefix.gguf", Bytes(full.begin(), full.begin() + long(n)));
            auto g = io::read_gguf(f);
            ASSERT_FALSE(g.ok()) << stem << " prefix of " << n << " bytes was accepted";
            ASSERT_THAT(g.message(), StartsWith("prefix.gguf: ")) << n;
        }
        auto whole = io::read_gguf(io::MappedFile::from_bytes("whole.gguf", full));
        EXPECT_TRUE(whole.ok()) << whole.message();
    }
}

// Random byte changes in the header: each file opens or fails with a message,
// and whatever opens decodes without touching bytes outside the file (ASan).
TEST(Gguf, MutatedHeadersNeverCrash) {
    const Bytes full = read_bytes(fixture("gguf/tiny_v3.gguf"));
    auto base = io::read_gguf(io::MappedFile::from_bytes("x", full));
    ASSERT_TRUE(base.ok());
    const size_t header = size_t(base->data_start);
    std::mt19937 rng(7);
    int opened = 0;
    for (int iter = 0; iter < 1500; ++iter) {
        Bytes b = full;
        const int flips = 1 + int(rng() % 3);
        for (int k = 0; k < flips; ++k) {
            const size_t at = rng() % header;
            const uint8_t vals[] = {0x00, 0xFF, 0x7F, 0x80, 0x01, uint8_t(rng())};
            b[at] = vals[rng() % 6];
        }
        auto g = io::read_gguf(io::MappedFile::from_bytes("mut.gguf", b));
        if (!g.ok()) {
            ASSERT_THAT(g.message(), StartsWith("mut.gguf: "));
            continue;
        }
        ++opened;
        const io::ModelIndex m = io::gguf_model_index(*g, "mut.gguf");
        for (size_t t = 0; t < m.tensors.size(); ++t) {
            if (m.tensors[t].numel() > 100000) continue;
            std::vector<float> out(m.tensors[t].numel());
            (void)io::decode_tensor(m, t, out);
        }
    }
    EXPECT_GT(opened, 0);  // some changes (in values, names) leave a valid file
}

TEST(Gguf, UndecodableTypeIsIndexedButRefusedAtDecode) {
    G g(3, 1, 0);
    g.tensor("iq", {256}, 16, 0).pad().zeros(66);  // IQ2_XXS: 66 bytes per 256
    TempDir dir;
    write_bytes(dir / "iq.gguf", g.b);
    auto m = io::open_model(dir / "iq.gguf");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(io::dtype_name(m->tensors[0].dtype), "IQ2_XXS");
    std::vector<float> out(256);
    auto st = io::decode_tensor(*m, 0, out);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.message(), HasSubstr("tensor 'iq': decoding IQ2_XXS is not supported"));
}
