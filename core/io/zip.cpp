#include "core/io/zip.hpp"

#include "core/io/le_bytes.hpp"
#include "core/io/limits.hpp"
#include "core/util/checked.hpp"
#include "core/util/utf8.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace qs::io {
namespace {

constexpr uint32_t kSigEocd = 0x06054b50;
constexpr uint32_t kSigZip64Locator = 0x07064b50;
constexpr uint32_t kSigZip64Eocd = 0x06064b50;
constexpr uint32_t kSigCentral = 0x02014b50;
constexpr uint32_t kSigLocal = 0x04034b50;
constexpr uint64_t kEocdSize = 22, kLocatorSize = 20, kZip64EocdSize = 56, kCentralSize = 46, kLocalSize = 30;
constexpr uint64_t kMaxComment = 65535;
// Deflate emits at least 2 bits per 258-byte match, so no stream inflates by more
// than ~1032x; a member declaring more than this is lying (or a bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

constexpr uint16_t kFlagEncrypted = 1 << 0;
constexpr uint16_t kFlagStrongEncryption = 1 << 6;
constexpr uint16_t kFlagUtf8 = 1 << 11;
constexpr uint16_t kFlagMaskedHeaders = 1 << 13;

// Names without the UTF-8 flag are CP437 (APPNOTE appendix D); upper half to Unicode.
constexpr uint16_t kCp437High[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE,
    0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6,
    0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA,
    0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, 0x2514,
    0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C,
    0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320,
    0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

std::string cp437_to_utf8(std::string_view raw) {
    std::string out;
    for (unsigned char c : raw) {
        if (c < 0x80) out += char(c);
        else append_utf8(out, kCp437High[c - 0x80]);
    }
    return out;
}

struct Directory {
    uint64_t entries = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t end_records = 0;  // where the end records begin: the directory must end before
};

// Finds the EOCD (and the Zip64 records when present) and returns where the directory is.
Result<Directory> find_directory(const MappedFile& f) {
    const std::string& path = f.path();
    const uint8_t* d = f.data();
    const uint64_t size = f.size();
    if (size < kEocdSize) return make_error("{}: {} bytes is too short for a ZIP archive", path, size);
    const uint64_t lowest = size - kEocdSize > kMaxComment ? size - kEocdSize - kMaxComment : 0;
    uint64_t pos = size - kEocdSize;
    bool found = false;
    for (;; --pos) {
        if (load_u32le(d + pos) == kSigEocd && pos + kEocdSize + load_u16le(d + pos + 20) <= size) {
            found = true;
            break;
        }
        if (pos == lowest) break;
    }
    if (!found) return make_error("{}: no ZIP end-of-central-directory record (not a ZIP archive, or truncated)", path);

    const uint8_t* e = d + pos;
    Directory dir;
    const uint16_t disk = load_u16le(e + 4), cd_disk = load_u16le(e + 6);
    const uint16_t here16 = load_u16le(e + 8), total16 = load_u16le(e + 10);
    const uint32_t cd_size32 = load_u32le(e + 12), cd_off32 = load_u32le(e + 16);
    dir.entries = total16;
    dir.size = cd_size32;
    dir.offset = cd_off32;
    dir.end_records = pos;
    const bool saturated = here16 == 0xFFFF || total16 == 0xFFFF || cd_size32 == 0xFFFFFFFF || cd_off32 == 0xFFFFFFFF;
    const bool has_locator = pos >= kLocatorSize && load_u32le(d + pos - kLocatorSize) == kSigZip64Locator;
    if (!has_locator) {
        if (saturated) return make_error("{}: end-of-central-directory asks for Zip64 but has no Zip64 locator", path);
        if (disk != 0 || cd_disk != 0 || here16 != total16)
            return make_error("{}: multi-disk (spanned) ZIP archives are not supported", path);
        return dir;
    }

    const uint8_t* loc = d + pos - kLocatorSize;
    const uint64_t rec = load_u64le(loc + 8);
    const uint64_t locator_at = pos - kLocatorSize;
    if (load_u32le(loc + 4) != 0 || load_u32le(loc + 16) > 1)
        return make_error("{}: multi-disk (spanned) ZIP archives are not supported", path);
    if (rec > locator_at || locator_at - rec < kZip64EocdSize)
        return make_error("{}: Zip64 end-of-central-directory offset {} lies outside the archive", path, rec);
    const uint8_t* z = d + rec;
    if (load_u32le(z) != kSigZip64Eocd)
        return make_error("{}: no Zip64 end-of-central-directory record at byte {}", path, rec);
    const uint64_t here = load_u64le(z + 24);
    dir.entries = load_u64le(z + 32);
    dir.size = load_u64le(z + 40);
    dir.offset = load_u64le(z + 48);
    dir.end_records = rec;
    if (load_u32le(z + 16) != 0 || load_u32le(z + 20) != 0 || here != dir.entries)
        return make_error("{}: multi-disk (spanned) ZIP archives are not supported", path);
    return dir;
}

// Applies a Zip64 extra field (id 1) to the saturated fixed fields, in APPNOTE order.
Status apply_zip64_extra(std::span<const uint8_t> extra, uint32_t usize32, uint32_t csize32, uint32_t off32,
                         ZipMember& m, const std::string& what) {
    size_t p = 0;
    while (p + 4 <= extra.size()) {
        const uint16_t id = load_u16le(extra.data() + p), len = load_u16le(extra.data() + p + 2);
        p += 4;
        if (len > extra.size() - p) return make_error("{}: extra field runs past its header", what);
        if (id == 0x0001) {
            const uint8_t* x = extra.data() + p;
            size_t k = 0;
            auto take = [&](uint64_t& field) -> bool {
                if (k + 8 > len) return false;
                field = load_u64le(x + k);
                k += 8;
                return true;
            };
            if (usize32 == 0xFFFFFFFF && !take(m.uncompressed_size))
                return make_error("{}: Zip64 extra field lacks the uncompressed size", what);
            if (csize32 == 0xFFFFFFFF && !take(m.compressed_size))
                return make_error("{}: Zip64 extra field lacks the compressed size", what);
            if (off32 == 0xFFFFFFFF && !take(m.local_offset))
                return make_error("{}: Zip64 extra field lacks the local header offset", what);
        }
        p += len;
    }
    return {};
}

// Inflates the raw-deflate stream `in` into `out` (sized by the caller); returns the
// bytes produced and whether the stream ended.
Result<std::pair<uint64_t, bool>> inflate_into(std::span<const uint8_t> in, std::span<uint8_t> out,
                                               const std::string& what) {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return make_error("{}: zlib init failed", what);
    uint64_t in_off = 0, out_off = 0;
    int rc = Z_OK;
    for (;;) {
        const uInt in_n = uInt(std::min<uint64_t>(in.size() - in_off, 1u << 30));
        const uInt out_n = uInt(std::min<uint64_t>(out.size() - out_off, 1u << 30));
        z.next_in = const_cast<Bytef*>(in.data() + in_off);
        z.avail_in = in_n;
        z.next_out = out.data() + out_off;
        z.avail_out = out_n;
        rc = inflate(&z, Z_NO_FLUSH);
        in_off += in_n - z.avail_in;
        out_off += out_n - z.avail_out;
        if (rc != Z_OK) break;
        if (out_off == out.size()) break;
        if (z.avail_in == in_n && z.avail_out == out_n) break;  // no progress: input exhausted
    }
    const std::string msg = z.msg ? z.msg : "zlib error";
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return make_error("{}: compressed data is corrupt ({})", what, msg);
    return std::pair<uint64_t, bool>{out_off, rc == Z_STREAM_END};
}

}  // namespace

const ZipMember* ZipArchive::find(std::string_view name) const {
    auto it = by_name.find(std::string(name));
    return it == by_name.end() ? nullptr : &members[it->second];
}

Result<ZipArchive> read_zip(const MappedFile& f) {
    const std::string& path = f.path();
    auto dir_r = find_directory(f);
    if (!dir_r) return dir_r.error();
    const Directory dir = *dir_r;
    if (!range_fits(dir.offset, dir.size, dir.end_records))
        return make_error("{}: central directory [{}, +{}) runs past the end-of-directory record at byte {}", path,
                          dir.offset, dir.size, dir.end_records);
    if (dir.entries > limits::kMaxZipMembers)
        return make_error("{}: {} members exceeds the limit of {}", path, dir.entries, limits::kMaxZipMembers);
    if (dir.entries > dir.size / kCentralSize)
        return make_error("{}: central directory of {} bytes cannot hold {} members", path, dir.size, dir.entries);

    const uint8_t* d = f.data();
    const uint64_t cd_end = dir.offset + dir.size;
    ZipArchive zip;
    zip.members.reserve(size_t(dir.entries));
    uint64_t p = dir.offset;
    for (uint64_t i = 0; i < dir.entries; ++i) {
        if (cd_end - p < kCentralSize || load_u32le(d + p) != kSigCentral)
            return make_error("{}: central directory entry {} at byte {} is malformed", path, i, p);
        const uint8_t* c = d + p;
        const uint16_t flags = load_u16le(c + 8), method = load_u16le(c + 10);
        const uint32_t crc = load_u32le(c + 16), csize32 = load_u32le(c + 20), usize32 = load_u32le(c + 24);
        const uint16_t nlen = load_u16le(c + 28), xlen = load_u16le(c + 30), clen = load_u16le(c + 32);
        const uint16_t disk = load_u16le(c + 34);
        const uint32_t off32 = load_u32le(c + 42);
        const uint64_t var = uint64_t(nlen) + xlen + clen;
        if (var > cd_end - p - kCentralSize)
            return make_error("{}: central directory entry {} runs past the directory's end", path, i);
        const std::string raw(reinterpret_cast<const char*>(c + kCentralSize), nlen);
        ZipMember m;
        if (flags & kFlagUtf8) {
            if (!valid_utf8(raw)) return make_error("{}: member {} has a name that is not valid UTF-8", path, i);
            m.name = raw;
        } else {
            m.name = cp437_to_utf8(raw);
        }
        const std::string what = fmt::format("{}: member '{}'", path, m.name);
        if (nlen == 0) return make_error("{}: member {} has an empty name", path, i);
        if (flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagMaskedHeaders) || method == 99)
            return make_error("{} is encrypted; encrypted archives are not supported", what);
        if (method != 0 && method != 8)
            return make_error("{} uses compression method {} (only STORED and DEFLATED are supported)", what,
                              method);
        if (disk != 0 && disk != 0xFFFF) return make_error("{} lies on another disk of a spanned archive", what);
        m.method = ZipMethod(method);
        m.crc32 = crc;
        m.compressed_size = csize32;
        m.uncompressed_size = usize32;
        m.local_offset = off32;
        QS_TRY(apply_zip64_extra({c + kCentralSize + nlen, xlen}, usize32, csize32, off32, m, what));
        if (!zip.by_name.emplace(m.name, zip.members.size()).second)
            return make_error("{}: member name '{}' appears twice", path, m.name);

        // The local header gives where the data starts; the data must end before the directory.
        const uint64_t lo = m.local_offset;
        if (lo > dir.offset || dir.offset - lo < kLocalSize)
            return make_error("{}: local header at byte {} lies outside the archive's data area (ends at byte {})",
                              what, lo, dir.offset);
        const uint8_t* l = d + lo;
        if (load_u32le(l) != kSigLocal) return make_error("{}: no local header at byte {}", what, lo);
        const uint16_t lnlen = load_u16le(l + 26), lxlen = load_u16le(l + 28);
        const uint64_t data = lo + kLocalSize + lnlen + lxlen;
        if (data > dir.offset)
            return make_error("{}: local header at byte {} runs into the central directory", what, lo);
        if (lnlen != nlen || std::memcmp(l + kLocalSize, raw.data(), nlen) != 0)
            return make_error("{}: local header name differs from the central directory's", what);
        m.data_offset = data;
        if (m.compressed_size > dir.offset - data)
            return make_error("{}: data [{}, +{}) overlaps the central directory at byte {}", what, data,
                              m.compressed_size, dir.offset);
        if (m.method == ZipMethod::Stored && m.compressed_size != m.uncompressed_size)
            return make_error("{}: STORED member has compressed size {} but uncompressed size {}", what,
                              m.compressed_size, m.uncompressed_size);
        if (m.method == ZipMethod::Deflated &&
            m.uncompressed_size > m.compressed_size * kMaxDeflateRatio + 1024)
            return make_error("{}: declares {} bytes from {} compressed bytes, more than deflate can produce "
                              "(zip bomb?)",
                              what, m.uncompressed_size, m.compressed_size);
        zip.members.push_back(std::move(m));
        p += kCentralSize + var;
    }

    // Members must not share bytes (overlapping members are how the densest zip bombs work).
    std::vector<const ZipMember*> by_offset;
    for (const ZipMember& m : zip.members) by_offset.push_back(&m);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const ZipMember* a, const ZipMember* b) { return a->local_offset < b->local_offset; });
    for (size_t k = 1; k < by_offset.size(); ++k) {
        const ZipMember& a = *by_offset[k - 1];
        const ZipMember& b = *by_offset[k];
        if (b.local_offset < a.data_offset + a.compressed_size)
            return make_error("{}: members '{}' and '{}' overlap", path, a.name, b.name);
    }
    return zip;
}

Result<std::vector<uint8_t>> zip_read_prefix(const MappedFile& f, const ZipMember& m, uint64_t want) {
    const uint64_t n = std::min(want, m.uncompressed_size);
    const std::string what = fmt::format("{}: member '{}'", f.path(), m.name);
    if (!range_fits(m.data_offset, m.compressed_size, f.size()))
        return make_error("{}: data lies outside the file", what);
    auto in = f.slice(m.data_offset, m.compressed_size);
    if (m.method == ZipMethod::Stored || n == 0) return std::vector<uint8_t>(in.begin(), in.begin() + ptrdiff_t(n));
    std::vector<uint8_t> out(static_cast<size_t>(n));
    auto r = inflate_into(in, out, what);
    if (!r) return r.error();
    if (r->first != n)
        return make_error("{}: compressed data inflates to {} bytes, expected at least {}", what, r->first, n);
    return out;
}

Result<std::vector<uint8_t>> zip_read_member(const MappedFile& f, const ZipMember& m, uint64_t max_bytes) {
    const std::string what = fmt::format("{}: member '{}'", f.path(), m.name);
    if (m.uncompressed_size > max_bytes)
        return make_error("{}: {} bytes exceeds the limit of {}", what, m.uncompressed_size, max_bytes);
    std::vector<uint8_t> out;
    if (m.method == ZipMethod::Stored) {
        auto r = zip_read_prefix(f, m, m.uncompressed_size);
        if (!r) return r.error();
        out = std::move(*r);
    } else {
        if (!range_fits(m.data_offset, m.compressed_size, f.size()))
            return make_error("{}: data lies outside the file", what);
        out.resize(size_t(m.uncompressed_size) + 1);  // one spare byte reveals a stream longer than declared
        auto r = inflate_into(f.slice(m.data_offset, m.compressed_size), out, what);
        if (!r) return r.error();
        if (r->first != m.uncompressed_size || !r->second)
            return make_error("{}: compressed data inflates to {} bytes, the directory says {}", what,
                              r->first > m.uncompressed_size ? "more than that" : std::to_string(r->first),
                              m.uncompressed_size);
        out.pop_back();
    }
    const uint32_t crc = uint32_t(::crc32_z(0, out.data(), out.size()));
    if (crc != m.crc32) return make_error("{}: CRC-32 mismatch (data is corrupt)", what);
    return out;
}

bool zip_has_member_suffix(const std::filesystem::path& path, std::string_view suffix) {
    auto f = MappedFile::open(path);
    if (!f) return false;
    auto zip = read_zip(**f);
    if (!zip) return false;
    for (const ZipMember& m : zip->members)
        if (std::string_view(m.name).ends_with(suffix)) return true;
    return false;
}

}  // namespace qs::io
