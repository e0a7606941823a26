// The ZIP central-directory reader (core/io/zip.hpp) on archives built field by
// field (tests/io/zip_builder.hpp) and on archives written by Python's zipfile
// (the .npz fixtures), including every way a directory can lie.
#include "core/io/zip.hpp"
#include "tests/io/zip_builder.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace qs;
using namespace qs::test;
using ::testing::HasSubstr;

namespace {

io::FilePtr as_file(const Bytes& b) { return io::MappedFile::from_bytes("test.zip", b); }

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST(Zip, ReadsStoredAndDeflatedMembers) {
    ZipBuilder z;
    z.add_stored("a/one.bin", text("hello, stored"));
    z.add_deflated("a/two.bin", text(std::string(5000, 'x') + "tail"));
    z.comment = "an archive comment";
    const Bytes bytes = z.build();
    auto f = as_file(bytes);
    auto zip = io::read_zip(*f);
    ASSERT_TRUE(zip.ok()) << zip.message();
    ASSERT_EQ(zip->members.size(), 2u);
    const io::ZipMember* one = zip->find("a/one.bin");
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(one->method, io::ZipMethod::Stored);
    EXPECT_EQ(std::string(bytes.begin() + ptrdiff_t(one->data_offset),
                          bytes.begin() + ptrdiff_t(one->data_offset + one->compressed_size)),
              "hello, stored");
    const io::ZipMember* two = zip->find("a/two.bin");
    ASSERT_NE(two, nullptr);
    EXPECT_EQ(two->method, io::ZipMethod::Deflated);
    EXPECT_EQ(two->uncompressed_size, 5004u);
    EXPECT_LT(two->compressed_size, 200u);
    auto all = io::zip_read_member(*f, *two, 1 << 20);
    ASSERT_TRUE(all.ok()) << all.message();
    EXPECT_EQ(all->size(), 5004u);
    EXPECT_EQ(all->back(), 'l');
    auto head = io::zip_read_prefix(*f, *two, 10);
    ASSERT_TRUE(head.ok()) << head.message();
    EXPECT_EQ(*head, text("xxxxxxxxxx"));
    EXPECT_EQ(zip->find("missing"), nullptr);
}

TEST(Zip, Zip64RecordsAndExtraFields) {
    ZipBuilder z;
    z.add_stored("x", text("0123456789")).zip64_central = true;
    z.add_deflated("y", text("abcabcabcabc")).zip64_central = true;
    z.zip64_eocd = true;
    auto f = as_file(z.build());
    auto zip = io::read_zip(*f);
    ASSERT_TRUE(zip.ok()) << zip.message();
    ASSERT_EQ(zip->members.size(), 2u);
    EXPECT_EQ(zip->members[0].uncompressed_size, 10u);
    EXPECT_EQ(zip->members[0].data_offset, 31u);
    auto y = io::zip_read_member(*f, zip->members[1], 100);
    ASSERT_TRUE(y.ok()) << y.message();
    EXPECT_EQ(*y, text("abcabcabcabc"));
}

TEST(Zip, NamesWithoutUtf8FlagAreCp437) {
    ZipBuilder z;
    z.add_stored("caf\x82", text("x"));  // 0x82 is e-acute in CP437
    auto zip = io::read_zip(*as_file(z.build()));
    ASSERT_TRUE(zip.ok()) << zip.message();
    EXPECT_EQ(zip->members[0].name, "café");
}

TEST(Zip, CrcMismatchAndSizeLimitAreRefused) {
    ZipBuilder z;
    z.add_stored("a", text("payload")).crc ^= 1;
    z.add_deflated("b", text(std::string(100, 'q')));
    auto f = as_file(z.build());
    auto zip = io::read_zip(*f);
    ASSERT_TRUE(zip.ok()) << zip.message();
    auto a = io::zip_read_member(*f, zip->members[0], 100);
    ASSERT_FALSE(a.ok());
    EXPECT_THAT(a.message(), HasSubstr("test.zip: member 'a': CRC-32 mismatch"));
    auto b = io::zip_read_member(*f, zip->members[1], 99);
    ASSERT_FALSE(b.ok());
    EXPECT_THAT(b.message(), HasSubstr("member 'b': 100 bytes exceeds the limit of 99"));
}

TEST(Zip, ReadsPythonWrittenArchives) {
    // np.savez writes Zip64 extra fields in local headers (force_zip64=True)
    for (const char* name : {"npy/stored.npz", "npy/compressed.npz"}) {
        auto f = io::MappedFile::open(fixture(name));
        ASSERT_TRUE(f.ok());
        auto zip = io::read_zip(**f);
        ASSERT_TRUE(zip.ok()) << zip.message();
        EXPECT_EQ(zip->members.size(), 8u);
        for (const auto& m : zip->members) {
            auto all = io::zip_read_member(**f, m, 1 << 20);  // also checks the CRC
            EXPECT_TRUE(all.ok()) << all.message();
        }
    }
    EXPECT_TRUE(io::zip_has_member_suffix(fixture("npy/stored.npz"), "weight.npy"));
    EXPECT_FALSE(io::zip_has_member_suffix(fixture("npy/stored.npz"), "data.pkl"));
    EXPECT_FALSE(io::zip_has_member_suffix(fixture("npy/f4.npy"), "npy"));
}

TEST(Zip, EveryPrefixAndFlippedByteIsSafe) {
    ZipBuilder z;
    z.add_stored("s", text("stored bytes"));
    z.add_deflated("d", text(std::string(300, 'z') + "end")).zip64_central = true;
    z.zip64_eocd = true;
    const Bytes full = z.build();
    for (size_t n = 0; n < full.size(); ++n) {
        auto f = as_file(Bytes(full.begin(), full.begin() + ptrdiff_t(n)));
        auto zip = io::read_zip(*f);
        EXPECT_FALSE(zip.ok()) << n;  // the directory is at the end: no prefix is a whole archive
    }
    for (size_t i = 0; i < full.size(); ++i) {
        for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
            Bytes b = full;
            b[i] ^= flip;
            auto f = as_file(b);
            auto zip = io::read_zip(*f);
            if (!zip) continue;
            for (const auto& m : zip->members) {
                (void)io::zip_read_prefix(*f, m, 64);
                (void)io::zip_read_member(*f, m, 1 << 16);
            }
        }
    }
}

// ---- lying directories: each refused with a clear message ----

struct BadZip {
    const char* label;
    Bytes bytes;
    const char* message;
};

static std::vector<BadZip> bad_zip_cases() {
    std::vector<BadZip> c;
    auto two = [] {
        ZipBuilder z;
        z.add_stored("a.bin", Bytes(40, 1));
        z.add_stored("b.bin", Bytes(40, 2));
        return z;
    };
    c.push_back({"too short", Bytes{'P', 'K'}, "too short for a ZIP archive"});
    c.push_back({"no end record", Bytes(100, 0), "no ZIP end-of-central-directory record"});
    {
        ZipBuilder z = two();
        z.entries[0].flags = 1;
        c.push_back({"encrypted", z.build(), "member 'a.bin' is encrypted"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].method = 12;
        c.push_back({"bzip2", z.build(), "member 'b.bin' uses compression method 12"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].cd_csize = z.entries[1].cd_usize = 4000;
        c.push_back({"size past directory", z.build(),
                     "member 'b.bin': data [110, +4000) overlaps the central directory at byte 150"});
    }
    {
        ZipBuilder z = two();
        z.entries[0].cd_csize = z.entries[0].cd_usize = 60;
        c.push_back({"members overlap", z.build(), "members 'a.bin' and 'b.bin' overlap"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].cd_offset = 1u << 30;
        c.push_back({"offset past end", z.build(), "member 'b.bin': local header at byte 1073741824 lies outside"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].cd_offset = 0;
        c.push_back({"offset to another member", z.build(), "member 'b.bin': local header name differs"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].cd_offset = 10;
        c.push_back({"offset to no header", z.build(), "member 'b.bin': no local header at byte 10"});
    }
    {
        ZipBuilder z = two();
        z.entries[1].name = "a.bin";
        c.push_back({"duplicate names", z.build(), "member name 'a.bin' appears twice"});
    }
    {
        ZipBuilder z = two();
        z.eocd_entries = 60000;
        c.push_back({"absurd count", z.build(), "central directory of 102 bytes cannot hold 60000 members"});
    }
    {
        ZipBuilder z = two();
        z.eocd_entries = 3;
        c.push_back({"count one too many", z.build(), "cannot hold 3 members"});
    }
    {
        ZipBuilder z = two();
        z.eocd_cd_offset = 500;
        c.push_back({"directory past end", z.build(),
                     "central directory [500, +102) runs past the end-of-directory record at byte 252"});
    }
    {
        ZipBuilder z = two();
        z.eocd_cd_offset = 10;
        c.push_back({"directory offset wrong", z.build(), "central directory entry 0 at byte 10 is malformed"});
    }
    {
        ZipBuilder z = two();
        z.entries[0].flags = 1 << 11;
        z.entries[0].name = "bad\xff";
        c.push_back({"invalid utf8 name", z.build(), "member 0 has a name that is not valid UTF-8"});
    }
    {
        ZipBuilder z = two();
        z.entries[0].cd_csize = 30;  // STORED with sizes that differ
        c.push_back(
            {"stored sizes differ", z.build(), "STORED member has compressed size 30 but uncompressed size 40"});
    }
    {
        Bytes b = two().build();
        b[b.size() - 22 + 8] = 0xFF;  // entries on this disk = 0xFFFF, no Zip64 locator
        b[b.size() - 22 + 9] = 0xFF;
        c.push_back({"zip64 without locator", b, "asks for Zip64 but has no Zip64 locator"});
    }
    {
        Bytes b = two().build();
        b[b.size() - 22 + 4] = 1;  // disk number
        c.push_back({"multi-disk", b, "multi-disk (spanned) ZIP archives are not supported"});
    }
    {
        ZipBuilder z = two();
        z.zip64_eocd = true;
        Bytes b = z.build();
        const size_t locator = b.size() - 22 - 20;
        b[locator + 8] = 0xF0;  // Zip64 record offset far away
        b[locator + 14] = 0x7F;
        c.push_back({"zip64 record offset past end", b, "Zip64 end-of-central-directory offset"});
    }
    {
        ZipBuilder z = two();
        z.entries[0].zip64_central = true;
        Bytes b = z.build();
        // shrink the Zip64 extra field's declared size so the offset is missing
        const Bytes needle = {0x01, 0x00, 24, 0x00};
        auto it = std::search(b.begin(), b.end(), needle.begin(), needle.end());
        (*(it + 2)) = 8;
        c.push_back({"zip64 extra too short", b, "Zip64 extra field lacks the compressed size"});
    }
    return c;
}

class ZipMalformed : public ::testing::TestWithParam<int> {};

TEST_P(ZipMalformed, ClearMessage) {
    const BadZip bc = bad_zip_cases()[size_t(GetParam())];
    SCOPED_TRACE(bc.label);
    auto zip = io::read_zip(*as_file(bc.bytes));
    ASSERT_FALSE(zip.ok());
    EXPECT_THAT(zip.message(), HasSubstr("test.zip: "));
    EXPECT_THAT(zip.message(), HasSubstr(bc.message));
}

INSTANTIATE_TEST_SUITE_P(Cases, ZipMalformed, ::testing::Range(0, int(bad_zip_cases().size())),
                         [](const auto& info) {
                             std::string s = bad_zip_cases()[size_t(info.param)].label;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });
