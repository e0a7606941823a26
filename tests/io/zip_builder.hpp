// A tiny ZIP writer for tests: builds valid archives (STORED or DEFLATED via zlib,
// optional Zip64 records) whose central-directory fields can then be made to lie,
// so the readers' refusals can be checked one field at a time.
#pragma once

#include "tests/support/bytes.hpp"

#include <zlib.h>

#include <optional>
#include <string>
#include <vector>

namespace qs::test {

inline void put_u16(Bytes& b, uint16_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}

inline Bytes raw_deflate(const Bytes& in) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&z, uLong(in.size())) + 16);
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = uInt(in.size());
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

struct ZipEntry {
    std::string name;
    Bytes stored;             // the bytes as stored (compressed for DEFLATED)
    uint16_t method = 0;
    uint16_t flags = 0;
    uint32_t crc = 0;
    uint64_t csize = 0, usize = 0;
    // Central-directory lies, applied after the archive layout is fixed.
    std::optional<uint64_t> cd_offset, cd_csize, cd_usize;
    bool zip64_central = false;  // saturate sizes/offset and put them in a Zip64 extra field
};

struct ZipBuilder {
    std::vector<ZipEntry> entries;
    bool zip64_eocd = false;                  // write Zip64 EOCD record + locator
    std::optional<uint64_t> eocd_entries;     // lie about the member count
    std::optional<uint32_t> eocd_cd_offset;   // lie about where the directory is
    std::string comment;

    ZipEntry& add_stored(const std::string& name, const Bytes& data) {
        ZipEntry e;
        e.name = name;
        e.stored = data;
        e.crc = uint32_t(crc32(0, data.data(), uInt(data.size())));
        e.csize = e.usize = data.size();
        entries.push_back(e);
        return entries.back();
    }
    ZipEntry& add_deflated(const std::string& name, const Bytes& data) {
        ZipEntry e;
        e.name = name;
        e.method = 8;
        e.stored = raw_deflate(data);
        e.crc = uint32_t(crc32(0, data.data(), uInt(data.size())));
        e.csize = e.stored.size();
        e.usize = data.size();
        entries.push_back(e);
        return entries.back();
    }

    Bytes build() const {
        Bytes b;
        std::vector<uint64_t> offsets;
        for (const ZipEntry& e : entries) {
            offsets.push_back(b.size());
            put_u32(b, 0x04034b50);
            put_u16(b, 20);
            put_u16(b, e.flags);
            put_u16(b, e.method);
            put_u16(b, 0);
            put_u16(b, 0x21);
            put_u32(b, e.crc);
            put_u32(b, uint32_t(e.csize));
            put_u32(b, uint32_t(e.usize));
            put_u16(b, uint16_t(e.name.size()));
            put_u16(b, 0);
            put_str(b, e.name);
            b.insert(b.end(), e.stored.begin(), e.stored.end());
        }
        const uint64_t cd_start = b.size();
        for (size_t i = 0; i < entries.size(); ++i) {
            const ZipEntry& e = entries[i];
            const uint64_t off = e.cd_offset.value_or(offsets[i]);
            const uint64_t cs = e.cd_csize.value_or(e.csize), us = e.cd_usize.value_or(e.usize);
            put_u32(b, 0x02014b50);
            put_u16(b, 0x031e);
            put_u16(b, e.zip64_central ? 45 : 20);
            put_u16(b, e.flags);
            put_u16(b, e.method);
            put_u16(b, 0);
            put_u16(b, 0x21);
            put_u32(b, e.crc);
            put_u32(b, e.zip64_central ? 0xFFFFFFFF : uint32_t(cs));
            put_u32(b, e.zip64_central ? 0xFFFFFFFF : uint32_t(us));
            put_u16(b, uint16_t(e.name.size()));
            put_u16(b, e.zip64_central ? 28 : 0);
            put_u16(b, 0);
            put_u16(b, 0);
            put_u16(b, 0);
            put_u32(b, 0);
            put_u32(b, e.zip64_central ? 0xFFFFFFFF : uint32_t(off));
            put_str(b, e.name);
            if (e.zip64_central) {
                put_u16(b, 1);
                put_u16(b, 24);
                put_u64(b, us);
                put_u64(b, cs);
                put_u64(b, off);
            }
        }
        const uint64_t cd_size = b.size() - cd_start;
        const uint64_t n = eocd_entries.value_or(entries.size());
        if (zip64_eocd) {
            const uint64_t rec = b.size();
            put_u32(b, 0x06064b50);
            put_u64(b, 44);
            put_u16(b, 45);
            put_u16(b, 45);
            put_u32(b, 0);
            put_u32(b, 0);
            put_u64(b, n);
            put_u64(b, n);
            put_u64(b, cd_size);
            put_u64(b, cd_start);
            put_u32(b, 0x07064b50);
            put_u32(b, 0);
            put_u64(b, rec);
            put_u32(b, 1);
        }
        put_u32(b, 0x06054b50);
        put_u16(b, 0);
        put_u16(b, 0);
        put_u16(b, zip64_eocd ? 0xFFFF : uint16_t(n));
        put_u16(b, zip64_eocd ? 0xFFFF : uint16_t(n));
        put_u32(b, zip64_eocd ? 0xFFFFFFFF : uint32_t(cd_size));
        put_u32(b, zip64_eocd ? 0xFFFFFFFF : eocd_cd_offset.value_or(uint32_t(cd_start)));
        put_u16(b, uint16_t(comment.size()));
        put_str(b, comment);
        return b;
    }
};

}  // namespace qs::test
