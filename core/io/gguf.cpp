// GGUF header parser. Every count, length, dimension, type id and offset is
// checked against limits and the bytes left in the file before it is used, in
// the order llama.cpp's gguf.cpp reads them; messages name the file, the key
// or tensor, and what is wrong. Written by hand: no Debian package reads GGUF.
//
// [SECTION] index: type tables and UTF-8 -> display text -> cursor and value
// parser -> GgufFile accessors -> parsing stages, in file order -> ModelIndex view.
#include "core/io/gguf.hpp"

#include "core/io/limits.hpp"
#include "core/util/checked.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace qs::io {
namespace fs = std::filesystem;

// ---- [SECTION] type tables and UTF-8 ------------------------------------------

namespace {

constexpr uint32_t kMaxGgufDims = 4;          // GGML_MAX_DIMS
constexpr uint64_t kDefaultAlignment = 32;    // GGUF_DEFAULT_ALIGNMENT
constexpr size_t kShownArrayElems = 16;       // array elements shown in metadata
constexpr size_t kShownStringBytes = 1024;    // string bytes shown in metadata
// Real files have tens of keys (arrays count once); each parsed key costs
// ~100 bytes of memory for >= 13 bytes of file, so cap the count too.
constexpr uint64_t kMaxKeys = 1'000'000;
constexpr size_t kMaxReserve = 4096;          // never reserve more up front than this

// ggml_type id -> DType. Ids 4, 5, 31-33 and 36-38 were removed from ggml;
// 40 (NVFP4) and 41 (Q1_0) are newer than this table.
struct GgmlTypeRow {
    uint32_t id;
    std::string_view name;
    std::optional<DType> dtype;
};
constexpr GgmlTypeRow kGgmlTypes[] = {
    {0, "F32", DType::F32},         {1, "F16", DType::F16},         {2, "Q4_0", DType::Q4_0},
    {3, "Q4_1", DType::Q4_1},       {6, "Q5_0", DType::Q5_0},       {7, "Q5_1", DType::Q5_1},
    {8, "Q8_0", DType::Q8_0},       {9, "Q8_1", DType::Q8_1},       {10, "Q2_K", DType::Q2_K},
    {11, "Q3_K", DType::Q3_K},      {12, "Q4_K", DType::Q4_K},      {13, "Q5_K", DType::Q5_K},
    {14, "Q6_K", DType::Q6_K},      {15, "Q8_K", DType::Q8_K},      {16, "IQ2_XXS", DType::IQ2_XXS},
    {17, "IQ2_XS", DType::IQ2_XS},  {18, "IQ3_XXS", DType::IQ3_XXS}, {19, "IQ1_S", DType::IQ1_S},
    {20, "IQ4_NL", DType::IQ4_NL},  {21, "IQ3_S", DType::IQ3_S},    {22, "IQ2_S", DType::IQ2_S},
    {23, "IQ4_XS", DType::IQ4_XS},  {24, "I8", DType::I8},          {25, "I16", DType::I16},
    {26, "I32", DType::I32},        {27, "I64", DType::I64},        {28, "F64", DType::F64},
    {29, "IQ1_M", DType::IQ1_M},    {30, "BF16", DType::BF16},      {34, "TQ1_0", DType::TQ1_0},
    {35, "TQ2_0", DType::TQ2_0},    {39, "MXFP4", DType::MXFP4},    {40, "NVFP4", std::nullopt},
    {41, "Q1_0", std::nullopt},
};

const GgmlTypeRow* ggml_type_row(uint32_t id) {
    for (const auto& r : kGgmlTypes)
        if (r.id == id) return &r;
    return nullptr;
}

// Size in bytes of a fixed-size value type; 0 for string/array.
uint64_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::Bool: return 1;
        case GgufType::U16: case GgufType::I16: return 2;
        case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
        case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
        case GgufType::String: case GgufType::Array: return 0;
    }
    return 0;
}

bool valid_type(uint32_t t) { return t <= uint32_t(GgufType::F64); }

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n;
        uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
        else return false;
        if (s.size() - i - 1 < n) return false;
        for (size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

// ---- [SECTION] display text -----------------------------------------------------

// Display text for a string value: control characters escaped, invalid UTF-8
// bytes replaced by U+FFFD, cut after `max_bytes` with the full length noted.
std::string display_string(std::string_view s, size_t max_bytes) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        if (out.size() >= max_bytes) {
            out += fmt::format("… ({} bytes)", s.size());
            return out;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c == '\n') out += "\\n";
            else if (c == '\t') out += "\\t";
            else if (c == '\r') out += "\\r";
            else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
            else out += char(c);
            ++i;
            continue;
        }
        // Length of this multi-byte sequence, if it is a valid one.
        size_t n = 0;
        for (size_t len = 2; len <= 4 && n == 0; ++len)
            if (i + len <= s.size() && valid_utf8(s.substr(i, len))) n = len;
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

// ---- [SECTION] cursor and value parser ---------------------------------------

// Little helpers over the mapped bytes; `swap` for big-endian files.
class Cursor {
public:
    Cursor(const MappedFile& f, bool swap) : f_(f), swap_(swap) {}
    uint64_t pos() const { return pos_; }
    void seek(uint64_t p) { pos_ = p; }
    uint64_t left() const { return f_.size() - pos_; }
    uint64_t size() const { return f_.size(); }
    const std::string& path() const { return f_.path(); }

    template <class T>
    bool read(T& v) {
        v = T{};
        if (left() < sizeof(T)) return false;
        std::memcpy(&v, f_.data() + pos_, sizeof(T));
        if (swap_) {
            if constexpr (sizeof(T) == 2) v = std::bit_cast<T>(__builtin_bswap16(std::bit_cast<uint16_t>(v)));
            else if constexpr (sizeof(T) == 4) v = std::bit_cast<T>(__builtin_bswap32(std::bit_cast<uint32_t>(v)));
            else if constexpr (sizeof(T) == 8) v = std::bit_cast<T>(__builtin_bswap64(std::bit_cast<uint64_t>(v)));
        }
        pos_ += sizeof(T);
        return true;
    }
    std::string_view bytes(uint64_t n) {  // caller checked n <= left()
        std::string_view s(reinterpret_cast<const char*>(f_.data() + pos_), size_t(n));
        pos_ += n;
        return s;
    }

private:
    const MappedFile& f_;
    bool swap_;
    uint64_t pos_ = 0;
};

class Parser {
public:
    Parser(const MappedFile& f, bool swap) : cur(f, swap) {}

    Status truncated(std::string_view ctx, std::string_view what) const {
        return make_error("{}: {}: file ends at byte {} while reading {}", cur.path(), ctx, cur.size(), what);
    }
    template <class T>
    Status read(T& v, std::string_view ctx, std::string_view what) {
        if (!cur.read(v)) return truncated(ctx, what);
        return {};
    }

    // A GGUF string: u64 length, then that many bytes.
    Status read_string(std::string& out, std::string_view ctx, std::string_view what, uint64_t max_len) {
        uint64_t len;
        QS_TRY(read(len, ctx, fmt::format("the length of {}", what)));
        if (len > max_len)
            return make_error("{}: {}: {} is {} bytes long, over the limit of {}", cur.path(), ctx, what, len, max_len);
        if (len > cur.left())
            return make_error("{}: {}: {} is {} bytes long but only {} bytes are left in the file", cur.path(), ctx,
                              what, len, cur.left());
        out.assign(cur.bytes(len));
        return {};
    }

    Status skip_string(std::string_view ctx, std::string_view what) {
        uint64_t len;
        QS_TRY(read(len, ctx, fmt::format("the length of {}", what)));
        if (len > cur.left())
            return make_error("{}: {}: {} is {} bytes long but only {} bytes are left in the file", cur.path(), ctx,
                              what, len, cur.left());
        cur.seek(cur.pos() + len);
        return {};
    }

    Status read_scalar(GgufType t, GgufValue& v, std::string_view ctx) {
        const std::string_view what = "the value";
        switch (t) {
            case GgufType::U8: { uint8_t x; QS_TRY(read(x, ctx, what)); v.u = x; v.i = x; v.f = x; break; }
            case GgufType::I8: { int8_t x; QS_TRY(read(x, ctx, what)); v.i = x; v.u = uint64_t(x); v.f = x; break; }
            case GgufType::U16: { uint16_t x; QS_TRY(read(x, ctx, what)); v.u = x; v.i = x; v.f = x; break; }
            case GgufType::I16: { int16_t x; QS_TRY(read(x, ctx, what)); v.i = x; v.u = uint64_t(x); v.f = x; break; }
            case GgufType::U32: { uint32_t x; QS_TRY(read(x, ctx, what)); v.u = x; v.i = x; v.f = x; break; }
            case GgufType::I32: { int32_t x; QS_TRY(read(x, ctx, what)); v.i = x; v.u = uint64_t(x); v.f = x; break; }
            case GgufType::U64: { uint64_t x; QS_TRY(read(x, ctx, what)); v.u = x; v.i = int64_t(x); v.f = double(x); break; }
            case GgufType::I64: { int64_t x; QS_TRY(read(x, ctx, what)); v.i = x; v.u = uint64_t(x); v.f = double(x); break; }
            case GgufType::F32: { float x; QS_TRY(read(x, ctx, what)); v.f = x; break; }
            case GgufType::F64: { double x; QS_TRY(read(x, ctx, what)); v.f = x; break; }
            case GgufType::Bool: {
                uint8_t x;
                QS_TRY(read(x, ctx, what));
                if (x > 1)
                    return make_error("{}: {}: bool value is {}, must be 0 or 1", cur.path(), ctx, x);
                v.u = x;
                v.i = x;
                break;
            }
            case GgufType::String: case GgufType::Array: break;  // not scalars
        }
        return {};
    }

    Status read_array(GgufValue& v, std::string_view ctx) {
        uint32_t et;
        QS_TRY(read(et, ctx, "the array element type"));
        if (!valid_type(et)) return make_error("{}: {}: unknown array element type {}", cur.path(), ctx, et);
        v.elem_type = GgufType(et);
        if (v.elem_type == GgufType::Array)
            return make_error("{}: {}: nested arrays are not supported (llama.cpp refuses them too)", cur.path(), ctx);
        QS_TRY(read(v.count, ctx, "the array length"));
        v.offset = cur.pos();
        if (v.elem_type == GgufType::String) {
            // Each element is at least its 8-byte length: bound the count before walking.
            if (v.count > cur.left() / 8)
                return make_error("{}: {}: array of {} strings cannot fit in the {} bytes left in the file",
                                  cur.path(), ctx, v.count, cur.left());
            for (uint64_t k = 0; k < v.count; ++k) QS_TRY(skip_string(ctx, fmt::format("string element {}", k)));
            return {};
        }
        const uint64_t es = scalar_size(v.elem_type);
        const auto total = checked_mul(v.count, es);
        if (!total || *total > cur.left())
            return make_error("{}: {}: array of {} {} values needs {} bytes but only {} are left in the file",
                              cur.path(), ctx, v.count, gguf_type_name(v.elem_type),
                              total ? fmt::format("{}", *total) : std::string("more than 2^64"), cur.left());
        if (v.elem_type == GgufType::Bool) {
            const std::string_view b = cur.bytes(v.count);
            for (uint64_t k = 0; k < v.count; ++k)
                if (static_cast<unsigned char>(b[k]) > 1)
                    return make_error("{}: {}: bool element {} is {}, must be 0 or 1", cur.path(), ctx, k,
                                      static_cast<unsigned char>(b[k]));
        } else {
            cur.seek(cur.pos() + *total);
        }
        return {};
    }

    Cursor cur;
};

// ---- [SECTION] display of values ------------------------------------------------

// Reads the elements [0, n) of an array as display strings.
std::vector<std::string> array_display(const MappedFile& f, bool swap, const GgufValue& v, size_t n) {
    std::vector<std::string> out;
    Cursor c(f, swap);
    c.seek(v.offset);
    for (size_t k = 0; k < n && k < v.count; ++k) {
        switch (v.elem_type) {
            case GgufType::String: {
                uint64_t len;
                c.read(len);
                out.push_back(fmt::format("\"{}\"", display_string(c.bytes(len), 64)));
                continue;
            }
            case GgufType::U8: { uint8_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::I8: { int8_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::U16: { uint16_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::I16: { int16_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::U32: { uint32_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::I32: { int32_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::U64: { uint64_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::I64: { int64_t x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::F32: { float x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::F64: { double x; c.read(x); out.push_back(fmt::format("{}", x)); continue; }
            case GgufType::Bool: { uint8_t x; c.read(x); out.push_back(x ? "true" : "false"); continue; }
            case GgufType::Array: break;
        }
    }
    return out;
}

std::string value_display(const GgufFile& g, const GgufValue& v) {
    switch (v.type) {
        case GgufType::U8: case GgufType::U16: case GgufType::U32: case GgufType::U64: return fmt::format("{}", v.u);
        case GgufType::I8: case GgufType::I16: case GgufType::I32: case GgufType::I64: return fmt::format("{}", v.i);
        case GgufType::F32: return fmt::format("{}", float(v.f));
        case GgufType::F64: return fmt::format("{}", v.f);
        case GgufType::Bool: return v.u ? "true" : "false";
        case GgufType::String: return display_string(v.str, kShownStringBytes);
        case GgufType::Array: {
            auto elems = array_display(*g.file, g.big_endian, v, kShownArrayElems);
            std::string s = "[" + fmt::format("{}", fmt::join(elems, ", "));
            if (v.count > elems.size()) s += fmt::format(", … ({} items)", v.count);
            return s + "]";
        }
    }
    return {};
}

std::string value_type_display(const GgufValue& v) {
    if (v.type == GgufType::Array) return fmt::format("array<{}>[{}]", gguf_type_name(v.elem_type), v.count);
    return std::string(gguf_type_name(v.type));
}

}  // namespace

// ---- [SECTION] GgufFile accessors -------------------------------------------------

std::string_view gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::U8: return "u8";
        case GgufType::I8: return "i8";
        case GgufType::U16: return "u16";
        case GgufType::I16: return "i16";
        case GgufType::U32: return "u32";
        case GgufType::I32: return "i32";
        case GgufType::F32: return "f32";
        case GgufType::Bool: return "bool";
        case GgufType::String: return "string";
        case GgufType::Array: return "array";
        case GgufType::U64: return "u64";
        case GgufType::I64: return "i64";
        case GgufType::F64: return "f64";
    }
    return "?";
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& e : kv)
        if (e.key == key) return &e.value;
    return nullptr;
}

std::vector<std::string> GgufFile::string_array(const GgufValue& v) const {
    std::vector<std::string> out;
    if (v.type != GgufType::Array || v.elem_type != GgufType::String) return out;
    Cursor c(*file, big_endian);
    c.seek(v.offset);
    out.reserve(std::min<size_t>(size_t(v.count), kMaxReserve));
    for (uint64_t k = 0; k < v.count; ++k) {
        uint64_t len = 0;
        c.read(len);
        out.emplace_back(c.bytes(len));
    }
    return out;
}

Result<GgufFile> read_gguf(const fs::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    return read_gguf(*mapped);
}

// ---- [SECTION] parsing stages, in file order --------------------------------

namespace {

// Magic, byte order and version. gguf-py writes big-endian files with the
// magic byte-swapped ("FUGG"); older writers kept "GGUF" and only swapped the
// numbers, which shows as a version whose low 16 bits are zero.
Status read_magic_and_version(const MappedFile& f, GgufFile& g) {
    const std::string& p = f.path();
    if (f.size() < 8) return make_error("{}: file is {} bytes, too short for a GGUF header", p, f.size());
    const bool magic_le = std::memcmp(f.data(), "GGUF", 4) == 0;
    const bool magic_be = std::memcmp(f.data(), "FUGG", 4) == 0;
    if (!magic_le && !magic_be)
        return make_error("{}: not a GGUF file (magic is {})", p,
                          display_string({reinterpret_cast<const char*>(f.data()), 4}, 16));
    uint32_t version;
    std::memcpy(&version, f.data() + 4, 4);
    g.big_endian = magic_be || (version & 0xFFFF) == 0;
    if (g.big_endian) version = __builtin_bswap32(version);
    g.version = version;
    if (version == 1)
        return make_error("{}: GGUF version 1 is not supported (it predates 64-bit counts); "
                          "re-convert the model with a current llama.cpp", p);
    if (version != 2 && version != 3)
        return make_error("{}: GGUF version {} is not supported (this reader handles versions 2 and 3)", p, version);
    return {};
}

Status read_kvs(Parser& r, uint64_t kv_count, GgufFile& g) {
    const std::string& p = r.cur.path();
    // Smallest key/value: 8-byte key length, empty key, u32 type, 1-byte value.
    if (kv_count > r.cur.left() / 13)
        return make_error("{}: header: kv_count {} cannot fit in the {} bytes left in the file", p, kv_count,
                          r.cur.left());
    if (kv_count > kMaxKeys) return make_error("{}: header: kv_count {} exceeds the limit of {}", p, kv_count, kMaxKeys);

    std::unordered_set<std::string> keys;
    g.kv.reserve(std::min<size_t>(size_t(kv_count), kMaxReserve));
    for (uint64_t k = 0; k < kv_count; ++k) {
        GgufKV e;
        const std::string idx = fmt::format("key #{}", k);
        QS_TRY(r.read_string(e.key, idx, "the key", limits::kMaxNameBytes));
        if (!valid_utf8(e.key)) return make_error("{}: {}: key is not valid UTF-8", p, idx);
        const std::string ctx = fmt::format("key '{}'", e.key);
        if (!keys.insert(e.key).second) return make_error("{}: {}: duplicate key", p, ctx);
        uint32_t t;
        QS_TRY(r.read(t, ctx, "the value type"));
        if (!valid_type(t)) return make_error("{}: {}: unknown value type {}", p, ctx, t);
        e.value.type = GgufType(t);
        e.value.offset = r.cur.pos();
        if (e.value.type == GgufType::String) QS_TRY(r.read_string(e.value.str, ctx, "the string value", UINT64_MAX));
        else if (e.value.type == GgufType::Array) QS_TRY(r.read_array(e.value, ctx));
        else QS_TRY(r.read_scalar(e.value.type, e.value, ctx));
        g.kv.push_back(std::move(e));
    }

    // Alignment: a non-zero power of two (as llama.cpp and gguf-py), stored as u32.
    g.alignment = kDefaultAlignment;
    if (const GgufValue* a = g.find("general.alignment")) {
        if (a->type != GgufType::U32)
            return make_error("{}: key 'general.alignment': type is {}, expected u32", p, value_type_display(*a));
        if (a->u == 0 || (a->u & (a->u - 1)) != 0)
            return make_error("{}: key 'general.alignment': {} is not a power of two", p, a->u);
        g.alignment = a->u;
    }
    return {};
}

// What the tensor infos say beyond TensorInfo, checked once alignment and
// the data section start are known.
struct RawInfo {
    uint64_t ne0 = 1;
    uint64_t offset = 0;  // relative to the data section
};

Status read_tensor_infos(Parser& r, uint64_t tensor_count, GgufFile& g, std::vector<RawInfo>& raw) {
    const std::string& p = r.cur.path();
    // Smallest tensor info: 8-byte name length, empty name, u32 n_dims, u32 type, u64 offset.
    if (tensor_count > r.cur.left() / 24)
        return make_error("{}: header: tensor_count {} cannot fit in the {} bytes left in the file", p, tensor_count,
                          r.cur.left());
    if (tensor_count > limits::kMaxTensors)
        return make_error("{}: header: tensor_count {} exceeds the limit of {}", p, tensor_count, limits::kMaxTensors);

    raw.reserve(std::min<size_t>(size_t(tensor_count), kMaxReserve));
    g.tensors.reserve(std::min<size_t>(size_t(tensor_count), kMaxReserve));
    std::unordered_set<std::string> names;
    for (uint64_t k = 0; k < tensor_count; ++k) {
        TensorInfo t;
        RawInfo ri;
        const std::string idx = fmt::format("tensor #{}", k);
        QS_TRY(r.read_string(t.name, idx, "the name", limits::kMaxNameBytes));
        if (!valid_utf8(t.name)) return make_error("{}: {}: name is not valid UTF-8", p, idx);
        const std::string ctx = fmt::format("tensor '{}'", t.name);
        if (!names.insert(t.name).second) return make_error("{}: {}: duplicate tensor name", p, ctx);
        uint32_t n_dims;
        QS_TRY(r.read(n_dims, ctx, "n_dims"));
        if (n_dims > kMaxGgufDims)
            return make_error("{}: {}: n_dims is {}, more than ggml's maximum of {}", p, ctx, n_dims, kMaxGgufDims);
        std::vector<int64_t> ne(n_dims);
        for (uint32_t j = 0; j < n_dims; ++j) {
            uint64_t d;
            QS_TRY(r.read(d, ctx, fmt::format("dimension {}", j)));
            if (d > uint64_t(std::numeric_limits<int64_t>::max()))
                return make_error("{}: {}: dimension {} is {}, larger than 2^63 - 1", p, ctx, j, d);
            ne[j] = int64_t(d);
        }
        uint32_t type_id;
        QS_TRY(r.read(type_id, ctx, "the ggml type"));
        QS_TRY(r.read(ri.offset, ctx, "the data offset"));
        const GgmlTypeRow* type = ggml_type_row(type_id);
        if (!type) return make_error("{}: {}: unknown ggml type {}", p, ctx, type_id);
        if (!type->dtype) return make_error("{}: {}: ggml type {} ({}) is not supported", p, ctx, type_id, type->name);
        t.dtype = *type->dtype;
        t.shape.assign(ne.rbegin(), ne.rend());  // ggml lists ne0 (the row) first
        ri.ne0 = n_dims > 0 ? uint64_t(ne[0]) : 1;
        const auto numel = checked_numel(t.shape);
        if (!numel || *numel > uint64_t(std::numeric_limits<int64_t>::max()))
            return make_error("{}: {}: shape {} overflows", p, ctx, shape_string(t.shape));
        t.big_endian = g.big_endian;
        g.tensors.push_back(std::move(t));
        raw.push_back(ri);
    }
    return {};
}

// Data section start, then each tensor's byte range: block-aligned rows,
// aligned offset, inside the file, and no two tensors sharing bytes.
Status place_tensors(uint64_t infos_end, const std::vector<RawInfo>& raw, GgufFile& g) {
    const MappedFile& f = *g.file;
    const std::string& p = f.path();
    const auto data_start = checked_add(infos_end, g.alignment - 1);
    if (!data_start) return make_error("{}: data section start overflows", p);
    g.data_start = *data_start / g.alignment * g.alignment;

    for (size_t k = 0; k < g.tensors.size(); ++k) {
        TensorInfo& t = g.tensors[k];
        const RawInfo& ri = raw[k];
        const DTypeInfo& di = dtype_info(t.dtype);
        if (ri.ne0 % di.block_elems != 0)
            return make_error("{}: tensor '{}': row length (ne0) {} is not a multiple of the {} block size {}", p,
                              t.name, ri.ne0, di.name, di.block_elems);
        const auto nbytes = dtype_nbytes(t.dtype, t.numel());
        if (!nbytes) return make_error("{}: tensor '{}': shape {} overflows", p, t.name, shape_string(t.shape));
        if (ri.offset % g.alignment != 0)
            return make_error("{}: tensor '{}': data offset {} is not a multiple of the alignment {}", p, t.name,
                              ri.offset, g.alignment);
        const auto begin = checked_add(g.data_start, ri.offset);
        const auto end = begin ? checked_add(*begin, *nbytes) : std::nullopt;
        if (!end || *end > f.size())
            return make_error("{}: tensor '{}': data ends at byte {}, file has {} bytes", p, t.name,
                              end ? fmt::format("{}", *end) : std::string("past 2^64"), f.size());
        t.offset = *begin;
        t.nbytes = *nbytes;
    }

    // llama.cpp requires the tensors back to back; we only refuse shared bytes.
    std::vector<size_t> order(g.tensors.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::erase_if(order, [&](size_t k) { return g.tensors[k].nbytes == 0; });
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return g.tensors[a].offset < g.tensors[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
        const TensorInfo& prev = g.tensors[order[k - 1]];
        const TensorInfo& cur = g.tensors[order[k]];
        if (cur.offset < prev.offset + prev.nbytes)
            return make_error("{}: tensor '{}': data at offset {} overlaps tensor '{}'", p, cur.name,
                              cur.offset - g.data_start, prev.name);
    }
    return {};
}

}  // namespace

Result<GgufFile> read_gguf(FilePtr file) {
    GgufFile g;
    g.file = std::move(file);
    const MappedFile& f = *g.file;
    QS_TRY(read_magic_and_version(f, g));

    Parser r(f, g.big_endian);
    r.cur.seek(8);
    uint64_t tensor_count, kv_count;
    QS_TRY(r.read(tensor_count, "header", "tensor_count"));
    QS_TRY(r.read(kv_count, "header", "kv_count"));
    QS_TRY(read_kvs(r, kv_count, g));
    std::vector<RawInfo> raw;
    QS_TRY(read_tensor_infos(r, tensor_count, g, raw));
    QS_TRY(place_tensors(r.cur.pos(), raw, g));
    return g;
}

// ---- [SECTION] ModelIndex view -------------------------------------------------

ModelIndex gguf_model_index(const GgufFile& g, const std::string& path) {
    ModelIndex m;
    m.path = path;
    m.format = "gguf";
    m.files.push_back(g.file);
    m.tensors = g.tensors;
    m.metadata.push_back({"GGUF.version", "u32", fmt::format("{}", g.version)});
    if (g.big_endian) m.metadata.push_back({"GGUF.byte_order", "string", "big-endian"});
    m.metadata.push_back({"GGUF.tensor_count", "u64", fmt::format("{}", g.tensors.size())});
    m.metadata.push_back({"GGUF.kv_count", "u64", fmt::format("{}", g.kv.size())});
    for (const auto& e : g.kv) m.metadata.push_back({e.key, value_type_display(e.value), value_display(g, e.value)});
    return m;
}

Result<ModelIndex> open_gguf(const fs::path& path) {
    auto g = read_gguf(path);
    if (!g) return g.error();
    return gguf_model_index(*g, path.string());
}

Result<ModelIndex> open_gguf(FilePtr file) {
    const std::string path = file->path();
    auto g = read_gguf(std::move(file));
    if (!g) return g.error();
    return gguf_model_index(*g, path);
}

}  // namespace qs::io
