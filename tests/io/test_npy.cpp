// .npy / .npz readers against files written by NumPy (tests/fixtures/make_npy.py),
// plus hand-built malformed headers and archives.
#include "core/io/npy.hpp"
#include "core/io/summary.hpp"
#include "tests/io/reader_test_util.hpp"
#include "tests/io/zip_builder.hpp"
#include "tests/support/bytes.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;

namespace {

// An .npy file with this header dict text (padded as NumPy pads it) and data bytes.
Bytes npy_bytes(const std::string& dict, const Bytes& data, int version = 1) {
    const size_t prefix = version == 1 ? 10 : 12;
    std::string h = dict;
    while ((prefix + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(version), 0};
    if (version == 1) put_u16(b, uint16_t(h.size()));
    else put_u32(b, uint32_t(h.size()));
    put_str(b, h);
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Bytes f4_bytes(std::initializer_list<float> v) {
    Bytes b;
    for (float x : v) {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        put_u32(b, u);
    }
    return b;
}

const std::string kOkDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

}  // namespace

TEST(Npy, EveryFixtureMatchesNumpy) {
    const auto expected = load_json(fixture("npy/expected.json"))["npy"];
    ASSERT_GE(expected.size(), 20u);
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        SCOPED_TRACE(it.key());
        auto m = io::open_model(fixture("npy/" + it.key()));
        ASSERT_TRUE(m.ok()) << m.message();
        EXPECT_EQ(m->format, "npy");
        ASSERT_EQ(m->tensors.size(), 1u);
        const auto& t = m->tensors[0];
        EXPECT_EQ(t.name, std::filesystem::path(it.key()).stem().string());
        EXPECT_EQ(t.shape, it.value()["shape"].get<std::vector<int64_t>>());
        EXPECT_EQ(t.fortran_order, it.value()["fortran_order"].get<bool>());
        const std::string descr = it.value()["descr"];
        EXPECT_EQ(t.big_endian, descr[0] == '>');
        EXPECT_EQ(t.storage, io::Storage::Raw);
        EXPECT_EQ(t.offset + t.nbytes, m->files[0]->size());  // data runs to the end of the file
        bool version_ok = false;
        for (const auto& e : m->metadata)
            if (e.key == "npy_version") version_ok = e.value == it.value()["version"].get<std::string>();
        EXPECT_TRUE(version_ok);
        expect_values(decode_by_name(*m, t.name), it.value()["values"]);
    }
}

TEST(Npy, DtypesAreMappedFromDescr) {
    const std::pair<const char*, io::DType> cases[] = {
        {"f2", io::DType::F16}, {"f4", io::DType::F32}, {"f8", io::DType::F64},  {"i1", io::DType::I8},
        {"u1", io::DType::U8},  {"i2", io::DType::I16}, {"u2", io::DType::U16},  {"i4", io::DType::I32},
        {"u4", io::DType::U32}, {"i8", io::DType::I64}, {"u8", io::DType::U64},  {"bool", io::DType::BOOL},
        {"be_f8", io::DType::F64}, {"scalar", io::DType::F32}, {"v3", io::DType::I64}};
    for (const auto& [name, dt] : cases) {
        auto m = io::open_npy(fixture(std::string("npy/") + name + ".npy"));
        ASSERT_TRUE(m.ok()) << m.message();
        EXPECT_EQ(m->tensors[0].dtype, dt) << name;
    }
    auto s = io::open_npy(fixture("npy/scalar.npy"));
    EXPECT_TRUE(s->tensors[0].shape.empty());
    EXPECT_EQ(s->tensors[0].numel(), 1u);
    auto e = io::open_npy(fixture("npy/empty.npy"));
    EXPECT_EQ(e->tensors[0].numel(), 0u);
    EXPECT_EQ(e->tensors[0].nbytes, 0u);
}

TEST(Npz, StoredAndCompressedMatchNumpy) {
    const auto expected = load_json(fixture("npy/expected.json"))["npz"];
    for (const char* file : {"npy/stored.npz", "npy/compressed.npz"}) {
        SCOPED_TRACE(file);
        auto m = io::open_model(fixture(file));
        ASSERT_TRUE(m.ok()) << m.message();
        EXPECT_EQ(m->format, "npz");
        ASSERT_EQ(m->tensors.size(), expected.size());
        const bool compressed = std::string(file).find("compressed") != std::string::npos;
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            SCOPED_TRACE(it.key());
            const int64_t i = m->find(it.key());
            ASSERT_GE(i, 0);
            const auto& t = m->tensors[size_t(i)];
            EXPECT_EQ(t.shape, it.value()["shape"].get<std::vector<int64_t>>());
            EXPECT_EQ(t.storage, compressed ? io::Storage::Deflate : io::Storage::Raw);
            expect_values(decode_by_name(*m, it.key()), it.value()["values"]);
        }
        EXPECT_TRUE(m->tensors[size_t(m->find("big"))].big_endian);
        EXPECT_TRUE(m->tensors[size_t(m->find("fortran"))].fortran_order);
        EXPECT_GE(m->find("ρ.权重"), 0);  // a UTF-8 member name (zip flag bit 11)
        // stored bytes are the array bytes, not the compressed size
        EXPECT_EQ(io::stored_bytes(m->tensors[size_t(m->find("zeros"))]), 16u * 32u * 4u);
    }
}

TEST(Npz, StoredMembersAreMappedInPlace) {
    auto m = io::open_npz(fixture("npy/stored.npz"));
    ASSERT_TRUE(m.ok()) << m.message();
    const Bytes file = read_bytes(fixture("npy/stored.npz"));
    const auto& t = m->tensors[size_t(m->find("weight"))];
    ASSERT_LE(t.offset + t.nbytes, file.size());
    std::vector<float> direct(t.numel());
    std::memcpy(direct.data(), file.data() + t.offset, t.nbytes);
    EXPECT_EQ(decode_by_name(*m, "weight"), direct);
}

TEST(Npz, PositionalArrays) {
    auto m = io::open_model(fixture("npy/positional.npz"));
    ASSERT_TRUE(m.ok()) << m.message();
    const auto expected = load_json(fixture("npy/expected.json"))["positional"];
    for (auto it = expected.begin(); it != expected.end(); ++it)
        expect_values(decode_by_name(*m, it.key()), it.value());
}

TEST(Npz, NonArrayMembersAreSkipped) {
    ZipBuilder z;
    z.add_stored("w.npy", npy_bytes(kOkDict, f4_bytes({1.5f, -2.0f})));
    z.add_stored("notes.txt", Bytes{'h', 'i'});
    z.add_stored("folder/", Bytes{});
    TempDir dir;
    write_bytes(dir / "a.npz", z.build());
    auto m = io::open_model(dir / "a.npz");
    ASSERT_TRUE(m.ok()) << m.message();
    ASSERT_EQ(m->tensors.size(), 1u);
    EXPECT_EQ(decode_by_name(*m, "w"), (std::vector<float>{1.5f, -2.0f}));
}

TEST(Npz, LargeCompressedHeaderIsInflatedInFull) {
    // A v2 header longer than the 4 KiB first read of a compressed member.
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + std::string(6000, ' ');
    ZipBuilder z;
    z.add_deflated("w.npy", npy_bytes(dict, f4_bytes({3.0f, 4.0f}), 2));
    TempDir dir;
    write_bytes(dir / "a.npz", z.build());
    auto m = io::open_model(dir / "a.npz");
    ASSERT_TRUE(m.ok()) << m.message();
    EXPECT_GT(m->tensors[0].inner_offset, 4096u);
    EXPECT_EQ(decode_by_name(*m, "w"), (std::vector<float>{3.0f, 4.0f}));
}

// ---- damaged files: every prefix, every flipped byte; never a crash ----

TEST(Npy, EveryPrefixFailsCleanlyOrOpens) {
    for (const char* name : {"npy/f4.npy", "npy/v3.npy", "npy/positional.npz", "npy/compressed.npz"}) {
        SCOPED_TRACE(name);
        const Bytes full = read_bytes(fixture(name));
        TempDir dir;
        const auto path = dir / std::filesystem::path(name).filename().string();
        int opened = 0;
        for (size_t n = 0; n < full.size(); ++n) {
            rewrite_bytes(path, Bytes(full.begin(), full.begin() + ptrdiff_t(n)));
            opened += open_and_decode_all(path);
        }
        // an .npy prefix holding the whole array opens (np.save appends nothing);
        // a zip prefix never does (the directory is at the end)
        if (std::string(name).ends_with(".npz")) {
            EXPECT_EQ(opened, 0);
        }
    }
}

TEST(Npz, EveryFlippedByteFailsCleanlyOrOpens) {
    const Bytes full = read_bytes(fixture("npy/compressed.npz"));
    TempDir dir;
    const auto path = dir / "x.npz";
    for (size_t i = 0; i < full.size(); ++i) {
        Bytes b = full;
        b[i] ^= 0xA5;
        rewrite_bytes(path, b);
        open_and_decode_all(path);
    }
}

// ---- malformed input: each gives a clear message naming the file (and tensor) ----

struct BadNpy {
    const char* label;
    Bytes bytes;
    const char* message;
    const char* ext = ".npy";
};

static Bytes npz_of(const Bytes& member, bool deflate = false) {
    ZipBuilder z;
    if (deflate) z.add_deflated("w.npy", member);
    else z.add_stored("w.npy", member);
    return z.build();
}

static std::vector<BadNpy> bad_npy_cases() {
    const Bytes two = f4_bytes({1, 2});
    auto dict = [](const std::string& d, const std::string& fo, const std::string& s) {
        return "{'descr': " + d + ", 'fortran_order': " + fo + ", 'shape': " + s + ", }";
    };
    std::vector<BadNpy> c;
    c.push_back({"empty file", Bytes{}, "too short for an npy header"});
    c.push_back({"only magic", Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1}, "too short for an npy header"});
    {
        Bytes b = npy_bytes(kOkDict, two);
        b[6] = 4;
        c.push_back({"version 4", b, "npy format version 4.0 is not supported"});
    }
    {
        Bytes b = npy_bytes(kOkDict, two);
        b[8] = 0xFF;
        b[9] = 0xFF;
        c.push_back({"header past end", b, "header ends at byte 65545 but only 136 bytes"});
    }
    {
        Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0};
        put_u32(b, 0x80000000u);
        put_str(b, kOkDict);
        c.push_back({"header too long", b, "header length 2147483648 exceeds the limit"});
    }
    c.push_back({"shape bigger than data", npy_bytes(dict("'<f4'", "False", "(3, 4)"), two),
                 "shape [3, 4] of '<f4' needs 48 bytes of data but the file has 8 after the header"});
    c.push_back({"shape product overflows", npy_bytes(dict("'<f4'", "False", "(4294967296, 4294967296, 16)"), two),
                 "shape [4294967296, 4294967296, 16] overflows"});
    c.push_back({"bytes overflow", npy_bytes(dict("'<f8'", "False", "(4611686018427387904,)"), two),
                 "overflows"});
    c.push_back({"dimension too large", npy_bytes(dict("'<f4'", "False", "(99999999999999999999,)"), two),
                 "integer too large"});
    c.push_back({"negative dimension", npy_bytes(dict("'<f4'", "False", "(-2,)"), two), "negative dimension"});
    c.push_back({"rank 9", npy_bytes(dict("'<f4'", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), two),
                 "more than 8 dimensions"});
    c.push_back({"object dtype", npy_bytes(dict("'|O'", "False", "(2,)"), two),
                 "object arrays (descr '|O') hold pickled Python objects"});
    c.push_back({"structured dtype",
                 npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", two),
                 "structured dtypes"});
    c.push_back({"complex dtype", npy_bytes(dict("'<c8'", "False", "(1,)"), two), "unsupported dtype '<c8'"});
    c.push_back({"unicode dtype", npy_bytes(dict("'<U2'", "False", "(1,)"), two), "unsupported dtype '<U2'"});
    c.push_back({"datetime dtype", npy_bytes(dict("'<M8[ns]'", "False", "(1,)"), two), "unsupported dtype '<M8[ns]'"});
    c.push_back({"float16 misnamed", npy_bytes(dict("'<f3'", "False", "(1,)"), two), "unsupported dtype '<f3'"});
    c.push_back({"missing key", npy_bytes("{'descr': '<f4', 'shape': (2,), }", two), "lacks one of the keys"});
    c.push_back({"extra key", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}", two),
                 "unexpected key 'x'"});
    c.push_back({"repeated key",
                 npy_bytes("{'shape': (2,), 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", two),
                 "repeats 'shape'"});
    c.push_back({"int is not a tuple", npy_bytes(dict("'<f4'", "False", "(2)"), two), "trailing comma"});
    c.push_back({"shape as list", npy_bytes(dict("'<f4'", "False", "[2]"), two), "'shape' is not a tuple"});
    c.push_back({"fortran not bool", npy_bytes(dict("'<f4'", "0", "(2,)"), two), "expected a string, True, False"});
    c.push_back({"descr not string", npy_bytes(dict("True", "False", "(2,)"), two), "'descr' is not a string"});
    c.push_back({"code, not a literal",
                 npy_bytes(dict("__import__('os').system('true')", "False", "(2,)"), two), "expected a string"});
    c.push_back({"text after dict", npy_bytes(kOkDict + " x", two), "unexpected text after the dict"});
    c.push_back({"not a dict", npy_bytes("('<f4', False, (2,))", two), "does not start with '{'"});
    c.push_back({"unterminated string", npy_bytes("{'descr': '<f4", two), "unterminated string"});
    c.push_back({"escape", npy_bytes("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,)}", two),
                 "unsupported escape"});
    c.push_back({"non-ascii", npy_bytes("{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': (2,)}", two),
                 "non-ASCII"});
    // .npz
    c.push_back({"npz header shape bigger than member", npz_of(npy_bytes(dict("'<f4'", "False", "(3,)"), two)),
                 "tensor 'w': member holds 136 bytes but its header declares 140 (128 of header, shape [3] of '<f4' = "
                 "12 of data)",
                 ".npz"});
    c.push_back({"npz member with extra bytes", npz_of(npy_bytes(kOkDict, f4_bytes({1, 2, 3}))),
                 "tensor 'w': member holds 140 bytes but its header declares 136", ".npz"});
    c.push_back({"npz compressed header shape bigger",
                 npz_of(npy_bytes(dict("'<f4'", "False", "(1000000,)"), two), true),
                 "tensor 'w': member holds 136 bytes but its header declares 4000128", ".npz"});
    c.push_back({"npz bad member header", npz_of(npy_bytes(dict("'|O'", "False", "(2,)"), two)),
                 "tensor 'w': object arrays", ".npz"});
    {
        ZipBuilder z;
        ZipEntry& e = z.add_deflated("w.npy", npy_bytes(kOkDict, two));
        e.cd_usize = 1ull << 40;
        e.zip64_central = true;
        c.push_back({"zip bomb size", z.build(), "more than deflate can produce (zip bomb?)", ".npz"});
    }
    {
        ZipBuilder z;
        z.add_deflated("w.npy", npy_bytes(kOkDict, two)).cd_usize = 200;
        c.push_back({"deflated size lies", z.build(),
                     "member 'w.npy': compressed data inflates to 136 bytes, expected at least 200", ".npz"});
    }
    {
        ZipBuilder z;
        ZipEntry& e = z.add_deflated("w.npy", npy_bytes(kOkDict, two));
        e.stored.resize(e.stored.size() / 3);  // truncated deflate stream, sizes still say 72
        e.csize = e.stored.size();
        c.push_back({"truncated deflate stream", z.build(), "member 'w.npy': compressed data inflates to", ".npz"});
    }
    c.push_back({"not a zip", Bytes{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                 "no ZIP end-of-central-directory record", ".npz"});
    return c;
}

class NpyMalformed : public ::testing::TestWithParam<int> {};

TEST_P(NpyMalformed, ClearMessage) {
    const BadNpy bc = bad_npy_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    TempDir dir;
    const auto path = dir / (std::string("bad") + bc.ext);
    write_bytes(path, bc.bytes);
    auto m = io::open_model(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.message(), HasSubstr(path.string()));
    EXPECT_THAT(m.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, NpyMalformed, ::testing::Range(0, int(bad_npy_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_npy_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });
