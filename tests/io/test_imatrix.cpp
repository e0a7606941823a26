// llama.cpp imatrix reader, both layouts, against fixtures and expected
// importances written by tests/fixtures/make_gguf.py (NumPy float32 division,
// as llama-quantize), plus malformed and truncated files.
#include "core/io/imatrix.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/gguf_bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <fstream>
#include <functional>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

nlohmann::json load_json(const std::filesystem::path& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
}

void expect_bits_eq(const std::vector<float>& got, const nlohmann::json& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t k = 0; k < got.size(); ++k)
        EXPECT_EQ(std::bit_cast<uint32_t>(got[k]), std::bit_cast<uint32_t>(want[k].get<float>()))
            << what << "[" << k << "]: got " << got[k] << ", NumPy " << want[k].get<float>();
}

void expect_matches(const std::string& file, const std::string& expected_json) {
    SCOPED_TRACE(file);
    auto im = io::open_imatrix(fixture("gguf/" + file));
    ASSERT_TRUE(im.ok()) << im.message();
    const auto want = load_json(fixture("gguf/" + expected_json));
    EXPECT_EQ(im->format, want["format"]);
    EXPECT_EQ(im->datasets, want["datasets"].get<std::vector<std::string>>());
    EXPECT_EQ(im->chunk_count, want["chunk_count"].get<int64_t>());
    EXPECT_EQ(im->chunk_size, want["chunk_size"].get<int64_t>());
    const auto& entries = want["entries"];
    ASSERT_EQ(im->entries.size(), entries.size());
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        SCOPED_TRACE(it.key());
        const io::ImatrixEntry* e = im->find(it.key());
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->n_per_row, it.value()["n_per_row"].get<int64_t>());
        EXPECT_EQ(e->n_mat, it.value()["n_mat"].get<int64_t>());
        EXPECT_EQ(e->counts, it.value()["counts"].get<std::vector<float>>());
        expect_bits_eq(e->importance, it.value()["importance"], "importance");
        if (it.value().contains("mean_activation")) expect_bits_eq(e->mean_activation, it.value()["mean_activation"], "mean");
        else EXPECT_TRUE(e->mean_activation.empty());
    }
    // Sorted by name, so find() can bisect.
    EXPECT_TRUE(std::is_sorted(im->entries.begin(), im->entries.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    EXPECT_EQ(im->find("no.such.weight"), nullptr);
}

}  // namespace

TEST(Imatrix, LegacyLayoutMatchesNumpy) { expect_matches("imatrix_legacy.dat", "imatrix_legacy.expected.json"); }
TEST(Imatrix, GgufLayoutMatchesNumpy) { expect_matches("imatrix.gguf", "imatrix.expected.json"); }

TEST(Imatrix, ExpertsAndUnusedMatrices) {
    auto im = io::open_imatrix(fixture("gguf/imatrix.gguf"));
    ASSERT_TRUE(im.ok()) << im.message();
    const io::ImatrixEntry* e = im->find("blk.0.ffn_up_exps.weight");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->n_mat, 3);
    EXPECT_EQ(e->n_per_row, 4);
    ASSERT_EQ(e->importance.size(), 12u);
    for (int i = 4; i < 8; ++i) EXPECT_EQ(e->importance[size_t(i)], 1.0f);  // expert 1 saw no tokens
    const io::ImatrixEntry* neg = im->find("blk.1.attn_output.weight");
    ASSERT_NE(neg, nullptr);
    for (float v : neg->importance) EXPECT_EQ(v, 1.0f);  // counts <= 0
    EXPECT_EQ(im->find("unrelated.tensor"), nullptr);
    EXPECT_EQ(im->find("unrelated"), nullptr);
}

// ---- malformed input ----------------------------------------------------------

namespace {

struct Tensor {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type;  // 0 F32, 1 F16
    std::vector<float> values;
};

// A GGUF imatrix: the standard four keys (unless `kvs` replaces them) and tensors.
Bytes imatrix_gguf(std::vector<Tensor> ts, std::function<void(GgufBytes&)> kvs = {}, uint64_t n_kv = 4) {
    GgufBytes g(3, ts.size(), n_kv);
    if (kvs) kvs(g);
    else g.kv_str("general.type", "imatrix").kv_strs("imatrix.datasets", {"d.txt"})
             .kv_u32("imatrix.chunk_count", 1).kv_u32("imatrix.chunk_size", 512);
    uint64_t off = 0;
    for (const Tensor& t : ts) {
        g.tensor(t.name, t.ne, t.type, off);
        off += (t.values.size() * (t.type == 1 ? 2 : 4) + 31) / 32 * 32;
    }
    g.pad();
    for (const Tensor& t : ts) {
        for (float v : t.values) t.type == 1 ? (void)g.u8(0).u8(0) : (void)g.f32(v);
        g.pad();
    }
    return g.b;
}

Bytes legacy(std::function<void(Bytes&)> body) {
    Bytes b;
    body(b);
    return b;
}

void put_i32(Bytes& b, int32_t v) { put_u32(b, uint32_t(v)); }

void put_entry(Bytes& b, std::string_view name, int32_t ncall, std::vector<float> v) {
    put_i32(b, int32_t(name.size()));
    put_str(b, name);
    put_i32(b, ncall);
    put_i32(b, int32_t(v.size()));
    for (float x : v) put_u32(b, std::bit_cast<uint32_t>(x));
}

struct BadCase {
    const char* label;
    const char* file;  // file name: decides nothing, the magic does
    Bytes bytes;
    const char* message;
};

std::vector<BadCase> bad_cases() {
    std::vector<BadCase> c;
    const Tensor s2{"w.in_sum2", {4}, 0, {1, 2, 3, 4}};
    const Tensor cn{"w.counts", {1}, 0, {2}};
    // legacy layout
    c.push_back({"legacy empty", "x.dat", {}, "too short for an imatrix"});
    c.push_back({"legacy no entries", "x.dat", legacy([](Bytes& b) { put_i32(b, 0); }), "entry count is 0"});
    c.push_back({"legacy absurd entry count", "x.dat", legacy([](Bytes& b) { put_i32(b, 1'000'000); put_zeros(b, 40); }),
                 "entry count 1000000 cannot fit in the 40 bytes left"});
    c.push_back({"legacy negative name length", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_i32(b, -5); put_zeros(b, 20); }),
                 "entry #0: name length -5 is not between 1 and"});
    c.push_back({"legacy absurd name length", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_i32(b, 1 << 30); put_zeros(b, 20); }),
                 "entry #0: name length 1073741824 is not between 1 and the 20 bytes left"});
    c.push_back({"legacy negative ncall", "x.dat", legacy([](Bytes& b) { put_i32(b, 1); put_entry(b, "w", -1, {1}); }),
                 "entry 'w': ncall is -1, must not be negative"});
    c.push_back({"legacy zero nval", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_entry(b, "w", 1, {}); put_zeros(b, 8); }),
                 "entry 'w': nval is 0, must be positive"});
    c.push_back({"legacy absurd nval", "x.dat",
                 legacy([](Bytes& b) {
                     put_i32(b, 1);
                     put_i32(b, 1);
                     put_str(b, "w");
                     put_i32(b, 1);
                     put_i32(b, 1'000'000'000);
                     put_zeros(b, 12);
                 }),
                 "entry 'w': 1000000000 values do not fit in the 12 bytes left"});
    c.push_back({"legacy truncated header", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 2); put_entry(b, "w", 1, {1, 2, 3, 4, 5, 6, 7, 8}); put_i32(b, 1); }),
                 "entry #1: name length 1 is not between 1 and the 0 bytes left"});
    c.push_back({"legacy stray bytes", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_entry(b, "w", 1, {1}); put_zeros(b, 2); }),
                 "2 stray bytes after the last entry"});
    c.push_back({"legacy dataset past end", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_entry(b, "w", 1, {1}); put_i32(b, 3); put_i32(b, 100); put_str(b, "ab"); }),
                 "trailer: dataset name length 100 does not fit in the 2 bytes left"});
    c.push_back({"legacy bytes after dataset", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 1); put_entry(b, "w", 1, {1}); put_i32(b, 3); put_i32(b, 2); put_str(b, "abcd"); }),
                 "2 unexpected bytes after the dataset name"});
    c.push_back({"legacy duplicate entries", "x.dat",
                 legacy([](Bytes& b) { put_i32(b, 2); put_entry(b, "w", 1, {1}); put_entry(b, "w", 1, {2}); }),
                 "entry 'w' appears twice"});
    // GGUF layout
    c.push_back({"gguf header error", "x.gguf", GgufBytes(3, 0, 1).kv_u32("general.alignment", 3).b,
                 "key 'general.alignment': 3 is not a power of two"});
    c.push_back({"gguf wrong general.type", "x.gguf",
                 imatrix_gguf({s2, cn}, [](GgufBytes& g) { g.kv_str("general.type", "model"); }, 1),
                 "key 'general.type' is 'model', not 'imatrix'"});
    c.push_back({"gguf missing chunk_count", "x.gguf",
                 imatrix_gguf({s2, cn}, [](GgufBytes& g) {
                     g.kv_strs("imatrix.datasets", {"d"}).kv_u32("imatrix.chunk_size", 512);
                 }, 2),
                 "missing key 'imatrix.chunk_count'"});
    c.push_back({"gguf chunk_count not u32", "x.gguf",
                 imatrix_gguf({s2, cn}, [](GgufBytes& g) {
                     g.kv_strs("imatrix.datasets", {"d"}).kv_u32("imatrix.chunk_size", 512);
                     g.str("imatrix.chunk_count").u32(5).u32(1);
                 }, 3),
                 "key 'imatrix.chunk_count' is not a u32"});
    c.push_back({"gguf datasets not strings", "x.gguf",
                 imatrix_gguf({s2, cn}, [](GgufBytes& g) {
                     g.kv_u32("imatrix.datasets", 1).kv_u32("imatrix.chunk_size", 512).kv_u32("imatrix.chunk_count", 1);
                 }, 3),
                 "key 'imatrix.datasets' is not an array of strings"});
    c.push_back({"gguf no sums", "x.gguf", imatrix_gguf({{"other", {2}, 0, {1, 2}}}), "no '<weight>.in_sum2' tensors"});
    c.push_back({"gguf sums without counts", "x.gguf", imatrix_gguf({s2}), "entry 'w': has .in_sum2 but no .counts"});
    c.push_back({"gguf counts without sums", "x.gguf", imatrix_gguf({cn}), "entry 'w': has .counts but no .in_sum2"});
    c.push_back({"gguf sums not f32", "x.gguf", imatrix_gguf({{"w.in_sum2", {4}, 1, {0, 0, 0, 0}}, cn}),
                 "tensor 'w.in_sum2': type is F16, imatrix data must be F32"});
    c.push_back({"gguf sums do not split", "x.gguf",
                 imatrix_gguf({{"w.in_sum2", {6}, 0, {1, 2, 3, 4, 5, 6}}, {"w.counts", {1, 4}, 0, {1, 1, 1, 1}}}),
                 "entry 'w': 6 sums do not split into 4 matrices"});
    c.push_back({"gguf in_sum size", "x.gguf", imatrix_gguf({s2, cn, {"w.in_sum", {3}, 0, {1, 2, 3}}}),
                 "entry 'w': .in_sum has 3 values, .in_sum2 has 4"});
    return c;
}

}  // namespace

class ImatrixMalformed : public ::testing::TestWithParam<int> {};

TEST_P(ImatrixMalformed, ClearMessage) {
    const BadCase bc = bad_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    const auto path = dir / bc.file;
    write_bytes(path, bc.bytes);
    auto im = io::open_imatrix(path);
    ASSERT_FALSE(im.ok());
    EXPECT_THAT(im.message(), StartsWith(path.string() + ": "));
    EXPECT_THAT(im.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, ImatrixMalformed, ::testing::Range(0, int(bad_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });

TEST(Imatrix, MinimalGgufIsAccepted) {
    TempDir dir;
    write_bytes(dir / "ok.gguf", imatrix_gguf({{"w.in_sum2", {4}, 0, {2, 4, 6, 8}}, {"w.counts", {1}, 0, {2}}}));
    auto im = io::open_imatrix(dir / "ok.gguf");
    ASSERT_TRUE(im.ok()) << im.message();
    ASSERT_EQ(im->entries.size(), 1u);
    EXPECT_EQ(im->entries[0].importance, (std::vector<float>{1, 2, 3, 4}));
    EXPECT_EQ(im->datasets, (std::vector<std::string>{"d.txt"}));
}

TEST(Imatrix, MissingFile) {
    auto im = io::open_imatrix("/nonexistent/imatrix.gguf");
    ASSERT_FALSE(im.ok());
    EXPECT_THAT(im.message(), HasSubstr("no such file"));
}

// Every prefix: the GGUF form always fails; the legacy form may stop after any
// whole entry (the trailer is optional) but never crashes or misreads.
TEST(Imatrix, EveryPrefixFailsCleanlyOrIsAWholeEntryList) {
    for (const char* name : {"imatrix.gguf", "imatrix_legacy.dat"}) {
        const Bytes full = read_bytes(fixture(std::string("gguf/") + name));
        const bool is_gguf = std::string(name).ends_with(".gguf");
        int accepted = 0;
        for (size_t n = 0; n < full.size(); ++n) {
            auto im = io::open_imatrix(io::MappedFile::from_bytes("prefix", Bytes(full.begin(), full.begin() + long(n))));
            if (im.ok()) {
                ASSERT_FALSE(is_gguf) << "GGUF prefix of " << n << " bytes accepted";
                EXPECT_EQ(im->entries.size(), 3u) << n;  // only complete files of entries
                ++accepted;
            } else {
                ASSERT_THAT(im.message(), StartsWith("prefix: ")) << n;
            }
        }
        // Legacy: after the last entry, and after last_chunk.
        EXPECT_EQ(accepted, is_gguf ? 0 : 2);
    }
}
