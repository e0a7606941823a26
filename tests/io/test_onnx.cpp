// ONNX reader against models written by the onnx package (tests/fixtures/make_onnx.py),
// a real model shipped by an npm package (silero_vad_legacy.onnx, see PROVENANCE.md),
// and hand-assembled protobuf: rare-but-valid encodings and malformed ones.
#include "core/io/onnx.hpp"
#include "tests/io/reader_test_util.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

// Writes protobuf wire format by hand.
struct Pb {
    Bytes b;
    Pb& varint(uint64_t v) {
        do {
            uint8_t c = v & 0x7F;
            v >>= 7;
            if (v) c |= 0x80;
            b.push_back(c);
        } while (v);
        return *this;
    }
    Pb& tag(uint32_t field, int wire) { return varint((uint64_t(field) << 3) | uint64_t(wire)); }
    Pb& u(uint32_t field, uint64_t v) { return tag(field, 0).varint(v); }
    Pb& bytes(uint32_t field, const Bytes& v) {
        tag(field, 2).varint(v.size());
        b.insert(b.end(), v.begin(), v.end());
        return *this;
    }
    Pb& str(uint32_t field, const std::string& s) { return bytes(field, Bytes(s.begin(), s.end())); }
    Pb& msg(uint32_t field, const Pb& m) { return bytes(field, m.b); }
    Pb& f32(uint32_t field, float v) {
        uint32_t u32;
        std::memcpy(&u32, &v, 4);
        tag(field, 5);
        put_u32(b, u32);
        return *this;
    }
    Pb& raw(const Bytes& v) {
        b.insert(b.end(), v.begin(), v.end());
        return *this;
    }
};

Bytes floats(std::initializer_list<float> v) {
    Bytes b;
    for (float x : v) {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        put_u32(b, u);
    }
    return b;
}

// TensorProto fields
Pb tensor(const std::string& name, int data_type, std::initializer_list<uint64_t> dims) {
    Pb t;
    for (uint64_t d : dims) t.u(1, d);
    t.u(2, uint64_t(data_type));
    t.str(8, name);
    return t;
}

// ModelProto { ir_version 8, graph { initializer: each } }
Bytes model_of(std::initializer_list<Pb> initializers) {
    Pb g;
    g.str(2, "g");
    for (const Pb& t : initializers) g.msg(5, t);
    Pb m;
    m.u(1, 8).msg(7, g);
    return m.b;
}

Pb external(const std::string& location, const char* offset = nullptr, const char* length = nullptr) {
    Pb t = tensor("w", 1, {2});
    auto entry = [&](const std::string& k, const std::string& v) {
        Pb e;
        e.str(1, k).str(2, v);
        t.msg(13, e);
    };
    entry("location", location);
    if (offset) entry("offset", offset);
    if (length) entry("length", length);
    t.u(14, 1);
    return t;
}

std::map<std::string, std::string> meta_map(const io::ModelIndex& m) {
    std::map<std::string, std::string> out;
    for (const auto& e : m.metadata) out[e.key] = e.value;
    return out;
}

}  // namespace

TEST(Onnx, FixtureMatchesOnnxNumpyHelper) {
    auto m = io::open_model(fixture("onnx/model.onnx"));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->format, "onnx");
    const auto expected = load_json(fixture("onnx/expected.json"))["model"];
    EXPECT_EQ(m->tensors.size(), expected.size());
    size_t i = 0;
    for (auto it = expected.begin(); it != expected.end(); ++it, ++i) {
        SCOPED_TRACE(it.key());
        const int64_t idx = m->find(it.key());
        ASSERT_GE(idx, 0);
        EXPECT_EQ(m->tensors[size_t(idx)].shape, it.value()["shape"].get<std::vector<int64_t>>());
        expect_values(decode_by_name(*m, it.key()), it.value()["values"]);
    }
    auto meta = meta_map(*m);
    EXPECT_EQ(meta["producer_name"], "make_onnx.py");
    EXPECT_EQ(meta["producer_version"], "1.0");
    EXPECT_EQ(meta["ir_version"], "7");
    EXPECT_EQ(meta["doc_string"], "quantscope fixture");
    EXPECT_EQ(meta["opset_import"], "ai.onnx 13");
    EXPECT_EQ(meta["graph_name"], "tiny graph");
    EXPECT_EQ(meta["author"], "quantscope");
    EXPECT_EQ(meta["note"], "ünïcode");
    EXPECT_EQ(meta["skipped_tensors"], "words (STRING)");
}

TEST(Onnx, WhereTheBytesLive) {
    auto m = io::open_onnx(fixture("onnx/model.onnx"));
    ASSERT_TRUE(m.ok()) << m.message();
    auto get = [&](const char* n) { return m->tensors[size_t(m->find(n))]; };
    EXPECT_EQ(get("fc.weight").file, 0u);  // raw_data: in place
    EXPECT_EQ(get("fc.bias").file, 0u);    // packed float_data: in place
    EXPECT_EQ(get("fc.weight").dtype, io::DType::F32);
    EXPECT_EQ(get("half").dtype, io::DType::F16);
    EXPECT_EQ(get("bf16").dtype, io::DType::BF16);
    EXPECT_EQ(get("steps").dtype, io::DType::I64);
    EXPECT_EQ(get("u32").dtype, io::DType::U32);
    EXPECT_EQ(get("flags").dtype, io::DType::BOOL);
    const auto& half = get("half");  // int32_data varints: decoded at open into an owned buffer
    ASSERT_LT(half.file, m->files.size());
    EXPECT_THAT(m->files[half.file]->path(), HasSubstr("values decoded at open"));
    const auto& ext = get("external.weight");
    EXPECT_EQ(fs::path(m->files[ext.file]->path()).filename(), "ext.bin");
    EXPECT_EQ(ext.offset, 4096u);
    EXPECT_EQ(ext.nbytes, 32u);
    EXPECT_GE(m->find("ρ.权重"), 0);
    EXPECT_GE(m->find("const_out"), 0);  // a Constant node, named by its output
    EXPECT_GE(m->find("else_out"), 0);   // ... inside an If's else branch
    EXPECT_GE(m->find("then.w"), 0);     // an initializer inside the then branch
}

TEST(Onnx, RealModelFromNpmPackage) {
    // silero_vad_legacy.onnx from @ricky0123/vad-web 0.0.31 (MIT, Silero Team): 259 tensors,
    // most of them inside If subgraphs.
    auto m = io::open_model(fixture("onnx/silero_vad_legacy.onnx"));
    ASSERT_TRUE(m.ok()) << m.message();
    const auto rows = load_json(fixture("onnx/expected.json"))["silero_vad_legacy"]["tensors"];
    ASSERT_EQ(m->tensors.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const auto& t = m->tensors[i];
        SCOPED_TRACE(row["name"].get<std::string>());
        EXPECT_EQ(t.name, row["name"].get<std::string>());
        EXPECT_EQ(t.shape, row["shape"].get<std::vector<int64_t>>());
        std::vector<float> v(t.numel());
        auto st = io::decode_tensor(*m, i, v);
        ASSERT_TRUE(st.ok()) << st.message();
        const auto& head = row["head"];
        const auto& tail = row["tail"];
        for (size_t k = 0; k < head.size(); ++k) EXPECT_EQ(v[k], expected_float(head[k]));
        for (size_t k = 0; k < tail.size(); ++k) EXPECT_EQ(v[v.size() - tail.size() + k], expected_float(tail[k]));
        long double sum = 0;
        for (float x : v) sum += x;
        const double want = row["sum"];
        EXPECT_NEAR(double(sum), want, 1e-9 * std::max(1.0, std::fabs(want)));
    }
    auto meta = meta_map(*m);
    EXPECT_EQ(meta["producer_name"], "pytorch");
    EXPECT_THAT(meta["opset_import"], HasSubstr("ai.onnx 16"));
}

TEST(Onnx, UnpackedAndMixedEncodings) {
    Pb unpacked = tensor("unpacked", 1, {});
    unpacked.b.clear();
    unpacked.u(1, 3).u(2, 1).f32(4, 1.5f).f32(4, -2.0f).f32(4, 0.25f).str(8, "unpacked");  // dims, floats one by one
    Pb mixed = tensor("mixed", 7, {4});
    Pb packed_part;
    packed_part.varint(5).varint(uint64_t(-7));  // int64 -7 as a 10-byte varint
    mixed.u(7, 1).bytes(7, packed_part.b).u(7, 9);  // unpacked, packed pair, unpacked: order kept
    Pb f8 = tensor("f8", 17, {4});  // FLOAT8E4M3FN in int32_data
    Pb f8vals;
    for (uint64_t v : {0x38u, 0xB8u, 0x7Eu, 0x01u}) f8vals.varint(v);
    f8.bytes(5, f8vals.b);
    Pb e5 = tensor("e5m2", 19, {2});  // FLOAT8E5M2 in raw_data: 0x3C = 1.0, 0xC0 = -2.0
    e5.bytes(9, Bytes{0x3C, 0xC0});
    Pb group = tensor("with_group", 1, {1});
    group.tag(99, 3).u(1, 5).tag(98, 3).tag(98, 4).tag(99, 4);  // an unknown (nested) group: skipped
    group.bytes(9, floats({42.0f}));
    TempDir dir;
    write_bytes(dir / "m.onnx", model_of({unpacked, mixed, f8, e5, group}));
    auto m = io::open_model(dir / "m.onnx");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(decode_by_name(*m, "unpacked"), (std::vector<float>{1.5f, -2.0f, 0.25f}));
    EXPECT_EQ(decode_by_name(*m, "mixed"), (std::vector<float>{1, 5, -7, 9}));
    EXPECT_EQ(decode_by_name(*m, "f8"), (std::vector<float>{1.0f, -1.0f, 448.0f, 0.001953125f}));
    EXPECT_EQ(decode_by_name(*m, "e5m2"), (std::vector<float>{1.0f, -2.0f}));
    EXPECT_EQ(decode_by_name(*m, "with_group"), (std::vector<float>{42.0f}));
}

TEST(Onnx, EveryPrefixAndFlippedByteIsSafe) {
    const Bytes full = read_bytes(fixture("onnx/model.onnx"));
    TempDir dir;
    fs::copy_file(fixture("onnx/ext.bin"), dir / "ext.bin");
    const auto path = dir / "m.onnx";
    for (size_t n = 0; n < full.size(); ++n) {
        rewrite_bytes(path, Bytes(full.begin(), full.begin() + ptrdiff_t(n)));
        open_and_decode_all(path);
    }
    for (size_t i = 0; i < full.size(); ++i) {
        for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80)}) {
            Bytes b = full;
            b[i] ^= flip;
            rewrite_bytes(path, b);
            open_and_decode_all(path);
        }
    }
}

// ---- malformed models: each refused with a clear message ----

struct BadOnnx {
    const char* label;
    Bytes bytes;
    const char* message;
    std::function<void(const TempDir&)> setup = {};
};

static std::vector<BadOnnx> bad_onnx_cases() {
    std::vector<BadOnnx> c;
    auto one = [](const Pb& t) { return model_of({t}); };
    {
        Bytes b(11, 0xFF);
        b.push_back(0);
        c.push_back({"varint too long", b, "malformed protobuf at byte 0: varint longer than 10 bytes"});
    }
    {
        Bytes b(9, 0xFF);
        b.push_back(0x02);
        c.push_back({"varint overflows", b, "varint overflows 64 bits"});
    }
    {
        Pb p;
        p.tag(1, 0).raw(Bytes{0x80, 0x80});
        c.push_back({"varint past end", p.b, "field 1: varint runs past the end"});
    }
    {
        Pb p;
        p.tag(7, 2).varint(1000).raw(Bytes{1, 2, 3});
        c.push_back({"LEN past end", p.b, "field 7: length 1000 runs past the end of its message (3 bytes left)"});
    }
    {
        Pb g;
        g.tag(5, 2).varint(50).raw(Bytes{1});
        Pb m;
        m.msg(7, g);
        c.push_back(
            {"LEN past end of inner message", m.b, "malformed protobuf at byte 2: field 5: length 50 runs past"});
    }
    {
        Pb p;
        p.tag(3, 5).raw(Bytes{1, 2});
        c.push_back({"fixed32 past end", p.b, "field 3: 4-byte value runs past the end"});
    }
    {
        Pb p;
        p.tag(3, 7);
        c.push_back({"wire type 7", p.b, "field 3: invalid wire type 7"});
    }
    {
        Pb p;
        p.tag(0, 0).varint(1);
        c.push_back({"field number 0", p.b, "invalid field number 0"});
    }
    {
        Pb p;
        p.tag(9, 4);
        c.push_back({"end group without start", p.b, "end of group 9 without a start"});
    }
    {
        Pb p;
        p.tag(9, 3).u(1, 1);
        c.push_back({"group never ends", p.b, "group 9 never ends"});
    }
    {
        Pb p;
        for (int i = 0; i < 100; ++i) p.tag(9, 3);
        c.push_back({"groups nested too deep", p.b, "groups nested deeper than 64"});
    }
    {
        Pb p;
        p.u(1, 8).str(2, "x");
        c.push_back({"no graph", p.b, "no graph found (not an ONNX model?)"});
    }
    c.push_back({"empty file", Bytes{}, "no graph found"});
    {
        Pb t = tensor("w", 1, {2, 2});
        t.bytes(9, floats({1, 2}));
        c.push_back(
            {"raw_data too short", one(t), "tensor 'w': dims [2, 2] of FLOAT need 16 bytes but raw_data holds 8"});
    }
    {
        Pb t = tensor("w", 1, {4});
        t.bytes(4, floats({1, 2}));
        c.push_back(
            {"float_data too short", one(t), "tensor 'w': dims [4] of FLOAT need 4 values but field 4 holds 2"});
    }
    c.push_back({"no data", one(tensor("w", 1, {4})),
                 "tensor 'w': dims [4] of FLOAT need 4 values but the tensor holds no data"});
    {
        Pb t = tensor("w", 1, {});
        t.b.clear();
        t.u(1, uint64_t(-3)).u(2, 1).str(8, "w");
        c.push_back({"negative dim", one(t), "tensor 'w': negative dimension in dims [-3]"});
    }
    c.push_back({"dims overflow", one(tensor("w", 1, {1ull << 40, 1ull << 40})),
                 "tensor 'w': dims [1099511627776, 1099511627776] overflow"});
    c.push_back({"rank 9", one(tensor("w", 1, {1, 1, 1, 1, 1, 1, 1, 1, 1})), "rank exceeds the limit of 8"});
    c.push_back({"unknown data type", one(tensor("w", 99, {1})), "tensor 'w': unknown data_type 99"});
    c.push_back({"undefined data type", one(tensor("w", 0, {1})), "tensor 'w': unknown data_type 0"});
    {
        Pb t = tensor("w", 1, {1});
        Pb seg;
        seg.u(1, 0).u(2, 1);
        t.msg(3, seg).bytes(9, floats({1}));
        c.push_back({"segment", one(t), "tensor 'w': segmented tensors (TensorProto.segment) are not supported"});
    }
    {
        Pb t = tensor("w", 1, {1});
        t.bytes(4, Bytes{1, 2, 3, 4, 5});
        c.push_back({"packed floats ragged", one(t), "packed field 4 of 5 bytes is not a multiple of 4"});
    }
    {
        Pb t = tensor("w", 7, {1});
        t.bytes(7, Bytes{0x80});
        c.push_back({"packed varint cut", one(t), "tensor 'w': field 7: packed varints end inside a varint"});
    }
    {
        Pb t = tensor("w", 7, {1});
        t.tag(7, 5).raw(Bytes{1, 2, 3, 4});
        c.push_back({"typed field wrong wire", one(t), "tensor 'w': field 7 has wire type 5"});
    }
    c.push_back({"name not utf8", one(tensor("bad\xff", 1, {0})), "a tensor name is not valid UTF-8"});
    {
        Pb inner;
        inner.str(2, "deep");
        for (int i = 0; i < 40; ++i) {
            Pb attr;
            attr.str(1, "then_branch").msg(6, inner);
            Pb node;
            node.str(4, "If").msg(5, attr);
            Pb g;
            g.msg(1, node);
            inner = g;
        }
        Pb m;
        m.msg(7, inner);
        c.push_back({"subgraphs too deep", m.b, "subgraphs nested deeper than 32 levels"});
    }
    // external data: every escape the onnx checker refuses
    c.push_back({"external absolute", one(external("/etc/passwd")),
                 "tensor 'w': external data location '/etc/passwd' is an absolute path"});
    c.push_back(
        {"external dotdot", one(external("../secret.bin")), "external data location '../secret.bin' contains '..'"});
    c.push_back({"external inner dotdot", one(external("sub/../../secret.bin")), "contains '..'"});
    c.push_back({"external empty", one(external("")), "external data location is empty"});
    {
        Pb t = tensor("w", 1, {2});
        t.u(14, 1);
        c.push_back({"external no location", one(t), "tensor 'w': external data has no 'location'"});
    }
    c.push_back({"external missing", one(external("nothere.bin")), "external data file 'nothere.bin' does not exist"});
    c.push_back({"external symlink", one(external("link.bin")), "external data location 'link.bin' is a symbolic link",
                 [](const TempDir& d) {
                     write_bytes(d / "real.bin", floats({1, 2}));
                     fs::create_symlink(d / "real.bin", d / "link.bin");
                 }});
    c.push_back({"external via symlinked folder", one(external("linkdir/w.bin")),
                 "external data location 'linkdir/w.bin' resolves outside the model's folder",
                 [](const TempDir& d) {
                     fs::create_directory(d / "outside");
                     fs::create_directory(d / "model");
                     write_bytes(d / "outside" / "w.bin", floats({1, 2}));
                     fs::create_directory_symlink(d / "outside", d / "model" / "linkdir");
                 }});
    c.push_back({"external folder", one(external("adir")), "external data location 'adir' is not a regular file",
                 [](const TempDir& d) { fs::create_directory(d / "adir"); }});
    c.push_back({"external hard link", one(external("h.bin")), "external data file 'h.bin' has more than one hard link",
                 [](const TempDir& d) {
                     write_bytes(d / "h0.bin", floats({1, 2}));
                     fs::create_hard_link(d / "h0.bin", d / "h.bin");
                 }});
    auto ext8 = [](const TempDir& d) { write_bytes(d / "w.bin", floats({1, 2})); };
    c.push_back({"external offset past end", one(external("w.bin", "100")),
                 "external data offset 100 lies past the end of 'w.bin' (8 bytes)", ext8});
    c.push_back({"external range past end", one(external("w.bin", "4", "8")),
                 "external data [4, +8) lies outside 'w.bin' (8 bytes)", ext8});
    c.push_back({"external length wrong", one(external("w.bin", "0", "4")),
                 "dims [2] need 8 bytes but external data length is 4", ext8});
    c.push_back({"external offset not a number", one(external("w.bin", "0x10")),
                 "external data offset '0x10' is not a decimal number", ext8});
    c.push_back({"external offset overflows", one(external("w.bin", "99999999999999999999999")),
                 "is not a decimal number", ext8});
    {
        Pb t = external("w.bin");
        t.bytes(9, floats({1, 2}));
        c.push_back({"raw and external", one(t), "tensor 'w': has both raw_data and external data", ext8});
    }
    return c;
}

class OnnxMalformed : public ::testing::TestWithParam<int> {};

TEST_P(OnnxMalformed, ClearMessage) {
    const BadOnnx bc = bad_onnx_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    if (bc.setup) bc.setup(dir);
    // the symlinked-folder case puts the model one level down
    const auto path = fs::exists(dir / "model") ? dir / "model" / "bad.onnx" : dir / "bad.onnx";
    write_bytes(path, bc.bytes);
    auto m = io::open_model(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr(path.string()));
    EXPECT_THAT(m.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, OnnxMalformed, ::testing::Range(0, int(bad_onnx_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_onnx_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });
