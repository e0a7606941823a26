// ZIP central-directory reader shared by the .npz and PyTorch readers: member
// names, methods, sizes and the byte offset of each member's data, so STORED
// members are memory-mapped in place and DEFLATED ones inflated on demand.
// Hand-written because libzip (the Debian choice) only streams members and never
// says where a member's bytes sit in the file, which is what mapping in place needs.
//
// Layout read here (APPNOTE.TXT 6.3; all integers little-endian):
//   1. end of central directory (EOCD), in the last 64 KiB + 22 bytes:
//        u32 0x06054b50 | u16 disk | u16 cd disk | u16 entries here | u16 entries
//        | u32 cd size | u32 cd offset | u16 comment length | comment
//   2. optional Zip64 EOCD locator, the 20 bytes just before the EOCD:
//        u32 0x07064b50 | u32 disk | u64 offset of the Zip64 EOCD record | u32 disks
//   3. Zip64 EOCD record at that offset (fields saturated to 0xFFFF.. in 1 live here):
//        u32 0x06064b50 | u64 record size | u16 made by | u16 needed | u32 disk
//        | u32 cd disk | u64 entries here | u64 entries | u64 cd size | u64 cd offset
//   4. central directory: one 46-byte header per member:
//        u32 0x02014b50 | u16 made by | u16 needed | u16 flags | u16 method | u16 time
//        | u16 date | u32 crc32 | u32 compressed | u32 uncompressed | u16 name len
//        | u16 extra len | u16 comment len | u16 disk | u16 int attr | u32 ext attr
//        | u32 local header offset | name | extra | comment
//      extra = (u16 id, u16 size, data)*; id 0x0001 (Zip64) holds, in this order,
//      those of u64 uncompressed, u64 compressed, u64 local offset, u32 disk whose
//      fixed field above is saturated.
//   5. local header, 30 bytes, then name, extra, then the member's data:
//        u32 0x04034b50 | u16 needed | u16 flags | u16 method | u16 time | u16 date
//        | u32 crc32 | u32 compressed | u32 uncompressed | u16 name len | u16 extra len
//      Sizes are taken from the central directory (local ones may be 0 or saturated).
#pragma once

#include "core/io/mapped_file.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qs::io {

enum class ZipMethod : uint16_t { Stored = 0, Deflated = 8 };

struct ZipMember {
    std::string name;               // UTF-8 (CP437 names are converted)
    ZipMethod method = ZipMethod::Stored;
    uint32_t crc32 = 0;
    uint64_t compressed_size = 0;   // bytes stored in the archive
    uint64_t uncompressed_size = 0; // bytes after inflation (== compressed for STORED)
    uint64_t local_offset = 0;      // local header
    uint64_t data_offset = 0;       // first byte of the stored data
};

struct ZipArchive {
    std::vector<ZipMember> members;                  // central-directory order
    std::unordered_map<std::string, size_t> by_name; // name -> index in members
    // The member with exactly this name, or nullptr.
    const ZipMember* find(std::string_view name) const;
};

// Reads and validates the central directory of `f`. Every offset, size and count is
// checked against the file: members must lie before the directory and must not
// overlap each other; encrypted members, methods other than STORED/DEFLATED,
// duplicate names and multi-disk archives are refused. Messages start with f.path().
Result<ZipArchive> read_zip(const MappedFile& f);

// The first min(want, uncompressed_size) bytes of a member: copied for STORED,
// inflated (and only that much) for DEFLATED.
Result<std::vector<uint8_t>> zip_read_prefix(const MappedFile& f, const ZipMember& m, uint64_t want);

// The whole member, refusing members larger than `max_bytes`; the CRC-32 is checked.
Result<std::vector<uint8_t>> zip_read_member(const MappedFile& f, const ZipMember& m, uint64_t max_bytes);

// True when the file is a readable ZIP archive with a member whose name ends with `suffix`.
bool zip_has_member_suffix(const std::filesystem::path& path, std::string_view suffix);

}  // namespace qs::io
