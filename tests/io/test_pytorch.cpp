// PyTorch reader against archives written by torch.save (tests/fixtures/make_pytorch.py),
// plus hand-assembled pickles: the evil ones (code execution attempts, bombs) and
// the rare-but-valid ones (_rebuild_tensor_v3, _rebuild_from_type_v2).
#include "core/io/pytorch.hpp"
#include "tests/io/reader_test_util.hpp"
#include "tests/io/zip_builder.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;

namespace {

// Writes pickle opcodes by hand (protocol 2 forms, as torch.save emits them).
struct Pickle {
    Bytes b;
    Pickle() { op(0x80).byte(2); }
    Pickle& op(uint8_t o) { b.push_back(o); return *this; }
    Pickle& byte(uint8_t v) { b.push_back(v); return *this; }
    Pickle& global(const std::string& module, const std::string& name) {
        op('c');
        put_str(b, module + "\n" + name + "\n");
        return *this;
    }
    Pickle& str(const std::string& s) {
        op('X');
        put_u32(b, uint32_t(s.size()));
        put_str(b, s);
        return *this;
    }
    Pickle& integer(int32_t v) {
        op('J');
        put_u32(b, uint32_t(v));
        return *this;
    }
    Pickle& ints(std::initializer_list<int32_t> v) {
        op('(');
        for (int32_t x : v) integer(x);
        return op('t');
    }
    Pickle& mark() { return op('('); }
    Pickle& tuple() { return op('t'); }
    Pickle& reduce() { return op('R'); }
    Pickle& stop() { return op('.'); }
    // ('storage', torch.<type>, key, 'cpu', numel) BINPERSID
    Pickle& storage(const std::string& type, const std::string& key, int32_t numel) {
        mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).tuple();
        return op('Q');
    }
    // _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
    Pickle& tensor(const std::string& type, const std::string& key, int32_t numel, int32_t offset,
                   std::initializer_list<int32_t> size, std::initializer_list<int32_t> stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(type, key, numel).integer(offset).ints(size).ints(stride).op(0x89);
        global("collections", "OrderedDict").op(')').reduce();
        return tuple().reduce();
    }
};

Bytes f32_bytes(std::initializer_list<float> v) {
    Bytes b;
    for (float x : v) {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        put_u32(b, u);
    }
    return b;
}

// A torch.save-shaped archive: archive/data.pkl, archive/data/<key>..., archive/version.
Bytes torch_zip(const Bytes& pkl, const std::map<std::string, Bytes>& records = {{"0", f32_bytes({1, 2, 3, 4})}},
                const char* byteorder = nullptr) {
    ZipBuilder z;
    z.add_stored("archive/data.pkl", pkl);
    for (const auto& [k, v] : records) z.add_stored("archive/data/" + k, v);
    z.add_stored("archive/version", Bytes{'3', '\n'});
    if (byteorder) z.add_stored("archive/byteorder", Bytes(byteorder, byteorder + std::strlen(byteorder)));
    return z.build();
}

// {'w': <tensor>} around the given tensor-building opcodes.
Bytes dict_of(const std::function<void(Pickle&)>& value) {
    Pickle p;
    p.op('}').str("w");
    value(p);
    p.op('s').stop();
    return p.b;
}

std::string dtype_for(const std::string& torch_dtype) {
    static const std::map<std::string, std::string> m = {
        {"float32", "F32"}, {"float16", "F16"}, {"bfloat16", "BF16"}, {"float64", "F64"}, {"int64", "I64"},
        {"int32", "I32"},   {"int16", "I16"},   {"int8", "I8"},       {"uint8", "U8"},    {"bool", "BOOL"}};
    return m.at(torch_dtype);
}

void expect_matches_torch(const io::ModelIndex& m, const nlohmann::json& expected) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        SCOPED_TRACE(it.key());
        const int64_t i = m.find(it.key());
        ASSERT_GE(i, 0);
        const auto& t = m.tensors[size_t(i)];
        EXPECT_EQ(t.shape, it.value()["shape"].get<std::vector<int64_t>>());
        EXPECT_EQ(io::dtype_name(t.dtype), dtype_for(it.value()["dtype"]));
        EXPECT_EQ(t.strides.empty(), it.value()["contiguous"].get<bool>());
        expect_values(decode_by_name(m, it.key()), it.value()["values"]);
    }
}

}  // namespace

TEST(PyTorch, StateDictMatchesTorch) {
    auto m = io::open_model(fixture("pytorch/state_dict.pt"));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->format, "pytorch");
    const auto expected = load_json(fixture("pytorch/expected.json"));
    EXPECT_EQ(m->tensors.size(), expected["state_dict"].size());
    expect_matches_torch(*m, expected["state_dict"]);
    EXPECT_GE(m->find("ρ.权重"), 0);
    EXPECT_GE(m->find("extra.param"), 0);  // an nn.Parameter (_rebuild_parameter)
}

TEST(PyTorch, ViewsShareStoragesInPlace) {
    auto m = io::open_pytorch(fixture("pytorch/state_dict.pt"));
    ASSERT_TRUE(m.ok()) << m.message();
    auto get = [&](const char* n) { return m->tensors[size_t(m->find(n))]; };
    EXPECT_EQ(get("emb.weight").offset, get("head.weight").offset);  // tied weights
    EXPECT_EQ(get("second_half").offset - get("first_half").offset, 4u * 4u);
    EXPECT_EQ(get("transposed").strides, (std::vector<int64_t>{1, 4}));
    EXPECT_EQ(get("transposed").nbytes, 12u * 4u);
    EXPECT_EQ(get("window").strides, (std::vector<int64_t>{5, 1}));
    EXPECT_EQ(get("window").nbytes, (5u + 3u + 1u) * 4u);  // from the first element to the last
    EXPECT_EQ(get("expanded").strides, (std::vector<int64_t>{0, 1}));
    EXPECT_TRUE(get("fc1.weight").strides.empty());
    EXPECT_TRUE(get("bn.num_batches_tracked").shape.empty());

    // A contiguous tensor's bytes are the file's bytes at its offset.
    const Bytes file = read_bytes(fixture("pytorch/state_dict.pt"));
    const auto& w = get("fc1.weight");
    std::vector<float> direct(w.numel());
    ASSERT_LE(w.offset + w.nbytes, file.size());
    std::memcpy(direct.data(), file.data() + w.offset, w.nbytes);
    EXPECT_EQ(decode_by_name(*m, "fc1.weight"), direct);
    EXPECT_EQ(w.offset % 64, 0u);  // torch aligns records to 64 bytes
}

TEST(PyTorch, CheckpointNestsAndKeepsScalarsAsMetadata) {
    auto m = io::open_model(fixture("pytorch/checkpoint.pt"));
    ASSERT_TRUE(m.ok()) << m.message();
    const auto expected = load_json(fixture("pytorch/expected.json"));
    EXPECT_EQ(m->tensors.size(), expected["checkpoint"].size());
    expect_matches_torch(*m, expected["checkpoint"]);
    std::map<std::string, std::string> meta;
    for (const auto& e : m->metadata) meta[e.key] = e.value;
    for (auto it = expected["checkpoint_meta"].begin(); it != expected["checkpoint_meta"].end(); ++it)
        EXPECT_EQ(meta[it.key()], it.value().get<std::string>()) << it.key();
    EXPECT_EQ(meta["archive"], "archive");
    EXPECT_EQ(meta["byteorder"], "little");
    EXPECT_EQ(meta["pickle_protocol"], "2");
}

TEST(PyTorch, SingleTensorIsNamedAfterTheFile) {
    auto m = io::open_model(fixture("pytorch/tensor.pt"));
    ASSERT_TRUE(m.ok()) << m.message();
    expect_matches_torch(*m, load_json(fixture("pytorch/expected.json"))["tensor"]);
}

TEST(PyTorch, BigEndianArchive) {
    auto m = io::open_model(fixture("pytorch/big_endian.pt"));
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_TRUE(m->tensors[size_t(m->find("w"))].big_endian);
    expect_matches_torch(*m, load_json(fixture("pytorch/expected.json"))["big_endian"]);
}

TEST(PyTorch, LegacyFormatIsRefusedClearly) {
    auto m = io::open_model(fixture("pytorch/legacy.pt"));
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr("legacy.pt: legacy (pre-1.6, non-zip) torch.save format is not supported"));
}

TEST(PyTorch, RebuildTensorV3WithFloat8) {
    // torch >= 2.1 writes dtypes without a typed storage class this way.
    Pickle p;
    p.op('}').str("f8").global("torch._utils", "_rebuild_tensor_v3").mark();
    p.storage("UntypedStorage", "0", 4).integer(0).ints({2, 2}).ints({2, 1}).op(0x89);
    p.global("collections", "OrderedDict").op(')').reduce().global("torch", "float8_e4m3fn").tuple().reduce();
    p.op('s').stop();
    TempDir dir;
    write_bytes(dir / "m.pt", torch_zip(p.b, {{"0", Bytes{0x38, 0xB8, 0x7E, 0x01}}}));
    auto m = io::open_model(dir / "m.pt");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(m->tensors[0].dtype, io::DType::F8_E4M3);
    // E4M3FN by hand: 0x38 = 1.0, 0xB8 = -1.0, 0x7E = 448, 0x01 = 2^-9
    EXPECT_EQ(decode_by_name(*m, "f8"), (std::vector<float>{1.0f, -1.0f, 448.0f, 0.001953125f}));
}

TEST(PyTorch, RebuildFromTypeV2AndParameters) {
    Pickle p;
    p.op('}').str("p").global("torch._tensor", "_rebuild_from_type_v2").mark();
    p.global("torch._utils", "_rebuild_tensor_v2").global("torch.nn.parameter", "Parameter").mark();
    p.storage("FloatStorage", "0", 4).integer(1).ints({3}).ints({1}).op(0x88);
    p.global("collections", "OrderedDict").op(')').reduce().tuple();
    p.op('}').tuple().reduce().op('s');
    p.str("q").global("torch._utils", "_rebuild_parameter").mark();
    p.tensor("FloatStorage", "0", 4, 0, {2}, {2}).op(0x88).global("collections", "OrderedDict").op(')').reduce();
    p.tuple().reduce().op('s').stop();
    TempDir dir;
    write_bytes(dir / "m.pt", torch_zip(p.b));
    auto m = io::open_model(dir / "m.pt");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_EQ(decode_by_name(*m, "p"), (std::vector<float>{2, 3, 4}));
    EXPECT_EQ(decode_by_name(*m, "q"), (std::vector<float>{1, 3}));
}

TEST(PyTorch, CyclesAndSharedContainersAreListedOnce) {
    Pickle p;
    p.op('}').op('q').byte(0);          // d = {}, memo 0
    p.str("self").op('h').byte(0).op('s');  // d['self'] = d
    p.str("list").op(']').op('q').byte(1).op('h').byte(1).op('a').op('s');  // l = []; l.append(l)
    p.str("w").tensor("FloatStorage", "0", 4, 0, {4}, {1}).op('s').stop();
    TempDir dir;
    write_bytes(dir / "m.pt", torch_zip(p.b));
    auto m = io::open_model(dir / "m.pt");
    ASSERT_TRUE(m.ok()) << m.message();
    ASSERT_EQ(m->tensors.size(), 1u);
    EXPECT_EQ(m->tensors[0].name, "w");
}

TEST(PyTorch, EveryPrefixAndFlippedByteIsSafe) {
    const Bytes full = read_bytes(fixture("pytorch/tensor.pt"));
    TempDir dir;
    const auto path = dir / "x.pt";
    for (size_t n = 0; n < full.size(); ++n) {
        rewrite_bytes(path, Bytes(full.begin(), full.begin() + ptrdiff_t(n)));
        EXPECT_FALSE(open_and_decode_all(path)) << n;
    }
    const Bytes ck = read_bytes(fixture("pytorch/checkpoint.pt"));
    for (size_t i = 0; i < ck.size(); ++i) {
        Bytes b = ck;
        b[i] ^= 0x5A;
        rewrite_bytes(path, b);
        open_and_decode_all(path);
    }
}

// ---- evil and broken archives: each refused with a clear message ----

struct BadTorch {
    const char* label;
    Bytes bytes;
    const char* message;
};

static std::vector<BadTorch> bad_torch_cases() {
    std::vector<BadTorch> c;
    auto evil = [&](const char* label, const Bytes& pkl, const char* msg) {
        c.push_back({label, torch_zip(pkl), msg});
    };
    auto exec_call = [](const char* module, const char* name) {
        Pickle p;
        p.global(module, name).mark().str("echo pwned").tuple().reduce().stop();
        return p.b;
    };
    evil("os system", exec_call("os", "system"),
         "bad.pt: data.pkl: refusing global 'os system': only tensors and dicts can be loaded");
    evil("posix system", exec_call("posix", "system"), "refusing global 'posix system'");
    evil("builtins eval", exec_call("builtins", "eval"), "refusing global 'builtins eval'");
    evil("builtins getattr", exec_call("builtins", "getattr"), "refusing global 'builtins getattr'");
    evil("subprocess", exec_call("subprocess", "Popen"), "refusing global 'subprocess Popen'");
    evil("torch lookalike", exec_call("torch", "load"), "refusing global 'torch load'");
    {
        Pickle p;
        p.str("os").str("system").op(0x93).str("id").op(0x85).reduce().stop();
        evil("stack global os system", p.b, "refusing global 'os system'");
    }
    {
        Pickle p;
        p.mark().str("os").str("system").op('i').stop();
        evil("INST opcode", p.b, "refusing opcode INST (0x69)");
    }
    {
        Pickle p;
        p.op(0x82).byte(1).stop();
        evil("EXT1 opcode", p.b, "refusing opcode EXT1");
    }
    {
        Pickle p;
        p.op(0xFF).stop();
        evil("unknown opcode", p.b, "unknown pickle opcode 0xff (at byte 2)");
    }
    {
        Pickle p;
        p.global("torch", "FloatStorage").mark().integer(10).tuple().reduce().stop();
        evil("reduce of storage class", p.b, "REDUCE of 'torch FloatStorage' is not allowed");
    }
    {
        Pickle p;
        p.global("torch", "float32").op(')').reduce().stop();
        evil("reduce of dtype", p.b, "REDUCE of 'torch float32' is not allowed");
    }
    {
        Pickle p;
        p.str("not callable").op(')').reduce().stop();
        evil("reduce of a string", p.b, "REDUCE on something that is not an allowed callable");
    }
    {
        Pickle p;
        p.mark().str("evil").str("x").tuple().op('Q').stop();
        evil("persid not storage", p.b, "BINPERSID of something other than a ('storage', ...) tuple");
    }
    {
        Pickle p;
        p.integer(5).op('Q').stop();
        evil("persid of an int", p.b, "BINPERSID of something other than a ('storage', ...) tuple");
    }
    {
        Pickle p;
        p.mark().str("storage").str("FloatStorage").str("0").str("cpu").integer(4).tuple().op('Q').stop();
        evil("persid with string type", p.b, "names a type that is not a torch storage type");
    }
    {
        Pickle p;
        for (int i = 0; i < 2000; ++i) p.mark();
        p.stop();
        evil("deep MARK nesting", p.b, "MARK nesting deeper than 1000 levels");
    }
    {
        Pickle p;
        p.op(0x8a).byte(9);
        for (int i = 0; i < 9; ++i) p.byte(0xFF);
        p.stop();
        evil("huge LONG1", p.b, "LONG1 of 9 bytes is too large");
    }
    {
        Pickle p;
        p.op(0x8b);
        put_u32(p.b, 0x7FFFFFFF);
        p.stop();
        evil("huge LONG4", p.b, "LONG4 of 2147483647 bytes is too large");
    }
    {
        Pickle p;
        p.op('X');
        put_u32(p.b, 0xFFFFFFF0u);
        p.stop();
        evil("string length past end", p.b, "pickle ends inside an opcode's argument (4294967280 bytes needed");
    }
    {
        Pickle p;
        p.str("\xff\xfe").stop();
        evil("invalid utf8", p.b, "string is not valid UTF-8");
    }
    {
        Pickle p;
        p.op('N');
        evil("no STOP", p.b, "pickle ends without STOP");
    }
    {
        Pickle p;
        p.reduce().stop();
        evil("stack underflow", p.b, "stack underflow");
    }
    {
        Pickle p;
        p.op('h').byte(5).stop();
        evil("memo get of nothing", p.b, "memo key 5 was never stored");
    }
    {
        Pickle p;
        p.op(']').op('}').op('b').stop();
        evil("BUILD on a list", p.b, "BUILD on something other than a dict or a tensor");
    }
    {
        Pickle p;
        p.global("torch", "Tensor").op(')').op(0x81).stop();
        evil("NEWOBJ of Tensor", p.b, "NEWOBJ of 'torch Tensor' is not allowed");
    }
    {
        Pickle p;
        p.op('N').op('N').op('N').op('s').stop();
        evil("SETITEM on None", p.b, "SETITEM on something that is not a dict");
    }
    {
        Pickle p;
        p.b[1] = 6;
        p.op('N').stop();
        evil("protocol 6", p.b, "pickle protocol 6 is not supported");
    }
    {
        Pickle p;
        p.global("torch._utils", "_rebuild_qtensor").stop();
        evil("quantized tensor", p.b,
             "refusing global 'torch._utils _rebuild_qtensor': quantized tensors are not supported");
    }
    {
        Pickle p;
        p.global("torch", "ComplexFloatStorage").stop();
        evil("complex storage", p.b, "complex tensors are not supported");
    }
    {
        Pickle p;
        p.op('N');
        for (int i = 0; i < 100; ++i) p.op(0x85);
        p.stop();
        evil("deeply nested tuples", p.b, "containers nested deeper than 64 levels");
    }
    evil("storage key with a path",
         dict_of([](Pickle& p) { p.tensor("FloatStorage", "../../etc/passwd", 4, 0, {4}, {1}); }),
         "storage key '../../etc/passwd' is not a plain record name");
    evil("view past storage", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 2, {3}, {1}); }),
         "bad.pt: tensor 'w': view (offset 2, size [3], stride [1]) reaches past the end of storage '0' (4 elements)");
    evil("strided view past storage", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 0, {2, 2}, {1, 3}); }),
         "tensor 'w': view (offset 0, size [2, 2], stride [1, 3]) reaches past the end");
    evil("storage larger than record", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 100, 0, {4}, {1}); }),
         "tensor 'w': storage '0' needs 400 bytes but record 'archive/data/0' holds 16");
    evil("record missing", dict_of([](Pickle& p) { p.tensor("FloatStorage", "7", 4, 0, {4}, {1}); }),
         "tensor 'w': storage record 'archive/data/7' is missing");
    evil("negative stride", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 3, {4}, {-1}); }),
         "tensor 'w': negative stride [-1]");
    evil("negative size", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 0, {-4}, {1}); }),
         "tensor size holds a negative value -4");
    evil("size product overflows", dict_of([](Pickle& p) {
             p.tensor("FloatStorage", "0", 4, 0, {65536, 65536, 65536, 65536, 2}, {0, 0, 0, 0, 0});
         }),
         "tensor 'w': size [65536, 65536, 65536, 65536, 2] overflows");
    evil("stride reach overflows",
         dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 0, {65536, 3}, {2147483647, 2147483647}); }),
         "reaches past the end");
    evil("rank 9", dict_of([](Pickle& p) {
             p.tensor("FloatStorage", "0", 4, 0, {1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1});
         }),
         "tensor size has 9 entries, more than the limit of 8");
    evil("size and stride ranks differ", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 0, {2, 2}, {1}); }),
         "tensor size has 2 dimensions but stride has 1");
    evil("storage numel overflows", dict_of([](Pickle& p) {
             p.global("torch._utils", "_rebuild_tensor_v2").mark();
             p.mark().str("storage").global("torch", "DoubleStorage").str("0").str("cpu");
             p.op(0x8a).byte(8);
             put_u64(p.b, 0x4000000000000000ull);
             p.tuple().op('Q').integer(0).ints({1}).ints({1}).op(0x89).op('N').tuple().reduce();
         }),
         "storage '0' of 4611686018427387904 elements overflows");
    {
        ZipBuilder z;
        z.add_stored("archive/data.pkl", dict_of([](Pickle& p) { p.tensor("FloatStorage", "0", 4, 0, {4}, {1}); }));
        z.add_deflated("archive/data/0", f32_bytes({1, 2, 3, 4}));
        c.push_back({"compressed record", z.build(), "storage record 'archive/data/0' is compressed"});
    }
    c.push_back({"bad byteorder", torch_zip(dict_of([](Pickle& p) { p.op('N'); }), {}, "middle"),
                 "byteorder record says 'middle'"});
    {
        ZipBuilder z;
        z.add_stored("archive/weights.npy", Bytes{1, 2, 3});
        c.push_back({"no data.pkl", z.build(), "not a torch.save archive (no 'archive/data.pkl')"});
    }
    {
        ZipBuilder z;
        z.add_stored("data.pkl", Bytes{0x80, 2, 'N', '.'});
        c.push_back({"no folder", z.build(), "members are not under one folder"});
    }
    {
        ZipBuilder z;
        z.add_stored("archive/data.pkl", Bytes{0x80, 2, 'N', '.'}).crc ^= 0xFFFF;
        c.push_back({"pickle crc", z.build(), "member 'archive/data.pkl': CRC-32 mismatch"});
    }
    c.push_back({"not a zip", Bytes{'P', 'K', 3, 4, 1, 2, 3}, "7 bytes is too short for a ZIP archive"});
    return c;
}

class PyTorchMalformed : public ::testing::TestWithParam<int> {};

TEST_P(PyTorchMalformed, ClearMessage) {
    const BadTorch bc = bad_torch_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    const auto path = dir / "bad.pt";
    write_bytes(path, bc.bytes);
    auto m = io::open_model(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr(path.string()));
    EXPECT_THAT(m.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, PyTorchMalformed, ::testing::Range(0, int(bad_torch_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_torch_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });
