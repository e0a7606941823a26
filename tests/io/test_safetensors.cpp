// safetensors reader against fixtures written by tests/fixtures/make_safetensors.py
// (a from-the-spec Python writer with NumPy values), plus malformed files.
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;

namespace {

nlohmann::json load_json(const std::filesystem::path& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
}

std::vector<float> decode(const io::ModelIndex& m, const std::string& name) {
    const int64_t i = m.find(name);
    EXPECT_GE(i, 0) << name;
    if (i < 0) return {};
    std::vector<float> out(m.tensors[size_t(i)].numel());
    auto st = io::decode_tensor(m, size_t(i), out);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.message());
    return out;
}

float expected_value(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "nan") return NAN;
        if (s == "inf") return INFINITY;
        if (s == "-inf") return -INFINITY;
    }
    return v.get<float>();
}

}  // namespace

TEST(Safetensors, OpensEveryDtypeAndMatchesNumpy) {
    auto m = io::open_model(fixture("safetensors/tiny.safetensors"));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->format, "safetensors");
    const auto expected = load_json(fixture("safetensors/tiny.expected.json"));
    ASSERT_EQ(m->tensors.size(), expected.size());
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        SCOPED_TRACE(it.key());
        const int64_t idx = m->find(it.key());
        ASSERT_GE(idx, 0);
        EXPECT_EQ(m->tensors[size_t(idx)].shape, it.value()["shape"].get<std::vector<int64_t>>());
        const auto got = decode(*m, it.key());
        const auto& want = it.value()["values"];
        ASSERT_EQ(got.size(), want.size());
        for (size_t k = 0; k < got.size(); ++k) {
            const float w = expected_value(want[k]);
            if (std::isnan(w)) EXPECT_TRUE(std::isnan(got[k])) << k;
            else EXPECT_EQ(got[k], w) << "element " << k;  // exact: every dtype widens exactly to f32
        }
    }
}

TEST(Safetensors, EdgeCasesAndMetadata) {
    auto m = io::open_safetensors(fixture("safetensors/tiny.safetensors"));
    ASSERT_TRUE(m.ok()) << m.message();
    const auto& t = m->tensors[size_t(m->find("scalar"))];
    EXPECT_TRUE(t.shape.empty());
    EXPECT_EQ(t.numel(), 1u);
    EXPECT_EQ(m->tensors[size_t(m->find("empty"))].numel(), 0u);
    EXPECT_GE(m->find("ρ.权重"), 0);
    bool found = false;
    for (const auto& e : m->metadata)
        if (e.key == "note") {
            EXPECT_EQ(e.value, "ünïcode métadata");
            found = true;
        }
    EXPECT_TRUE(found);
}

TEST(Safetensors, ShardedByIndexAndByFolder) {
    const auto expected = load_json(fixture("safetensors/sharded.expected.json"));
    for (const char* p : {"safetensors/sharded/model.safetensors.index.json", "safetensors/sharded"}) {
        SCOPED_TRACE(p);
        auto m = io::open_model(fixture(p));
        ASSERT_TRUE(m.ok()) << m.message();
        EXPECT_EQ(m->files.size(), 2u);
        ASSERT_EQ(m->tensors.size(), 3u);
        for (auto it = expected.begin(); it != expected.end(); ++it)
            EXPECT_EQ(decode(*m, it.key()), it.value().get<std::vector<float>>()) << it.key();
    }
}

// ---- malformed input: each gives a clear message naming the file (and tensor) ----

struct BadCase {
    const char* label;
    Bytes bytes;
    const char* message;  // substring the error must contain
};

class SafetensorsMalformed : public ::testing::TestWithParam<int> {};

static std::vector<BadCase> bad_cases() {
    const std::string ok_entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    std::vector<BadCase> c;
    c.push_back({"too short", Bytes{1, 2, 3}, "too short"});
    {
        Bytes b;
        put_u64(b, 1000);
        put_str(b, "{}");
        c.push_back({"header past end", b, "runs past the end"});
    }
    {
        Bytes b;
        put_u64(b, 200'000'000);
        put_str(b, "{}");
        c.push_back({"header too large", b, "exceeds the limit"});
    }
    c.push_back({"not json", safetensors_bytes("{nope", 0), "not valid JSON"});
    c.push_back({"not an object start", safetensors_bytes("[1,2]", 0), "does not start with"});
    c.push_back({"offsets past end", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
                 "tensor 'w': data ends at byte 16"});
    c.push_back({"size mismatch", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                 "tensor 'w': shape [3] of F32 needs 12 bytes"});
    c.push_back({"shape overflow",
                 safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
                 "tensor 'w': shape [4294967296, 4294967296] overflows"});
    c.push_back({"negative dim", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
                 "tensor 'w': shape entry -2"});
    c.push_back({"bad dtype", safetensors_bytes(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", 8),
                 "tensor 'w': unsupported dtype 'F33'"});
    c.push_back({"gap",
                 safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12),
                 "tensor 'b': data begins at buffer offset 8, expected 4 (leaves a gap)"});
    c.push_back({"overlap",
                 safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                 "overlaps the previous tensor"});
    c.push_back({"duplicate key", safetensors_bytes("{" + ok_entry + "," + ok_entry + "}", 8), "duplicate key 'w'"});
    c.push_back({"deep nesting", safetensors_bytes(R"({"w":{"dtype":[[[[[[1]]]]]]}})", 0), "nesting deeper"});
    c.push_back({"trailing bytes", safetensors_bytes("{" + ok_entry + "}", 12), "the file has"});
    c.push_back({"truncated data", safetensors_bytes("{" + ok_entry + "}", 5), "tensor 'w': data ends at byte 8"});
    c.push_back({"rank too large",
                 safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4),
                 "rank 9 exceeds"});
    c.push_back({"end before begin", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
                 "end before they begin"});
    c.push_back({"missing dtype", safetensors_bytes(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8),
                 "tensor 'w': missing string 'dtype'"});
    return c;
}

TEST_P(SafetensorsMalformed, ClearMessage) {
    const BadCase bc = bad_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    const auto path = dir / "bad.safetensors";
    write_bytes(path, bc.bytes);
    auto m = io::open_model(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr(path.string()));
    EXPECT_THAT(m.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, SafetensorsMalformed, ::testing::Range(0, int(bad_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });

TEST(Safetensors, ShardOutsideFolderIsRefused) {
    TempDir dir;
    std::ofstream(dir / "model.safetensors.index.json")
        << R"({"weight_map":{"w":"../../etc/passwd"}})";
    auto m = io::open_model(dir / "model.safetensors.index.json");
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr("tensor 'w': shard '../../etc/passwd' is not a plain relative file name"));
}

TEST(Safetensors, IndexNamesMissingTensor) {
    TempDir dir;
    const auto src = fixture("safetensors/sharded");
    for (const auto& e : std::filesystem::directory_iterator(src))
        std::filesystem::copy_file(e.path(), dir / e.path().filename().string());
    std::ofstream(dir / "model.safetensors.index.json")
        << R"({"weight_map":{"ghost.weight":"model-00001-of-00002.safetensors"}})";
    auto m = io::open_model(dir / "model.safetensors.index.json");
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr("tensor 'ghost.weight': listed in the index but missing"));
}
