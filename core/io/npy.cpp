#include "core/io/npy.hpp"

#include "core/io/le_bytes.hpp"
#include "core/io/limits.hpp"
#include "core/io/zip.hpp"
#include "core/util/checked.hpp"

#include <cstring>
#include <optional>

namespace qs::io {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr uint64_t kNpzHeaderPeek = 4096;  // inflated first to read a compressed member's header

// A strict parser for exactly the dict literals NumPy writes: string keys, and
// values that are strings, True/False or tuples of non-negative ints. Never eval.
class DictParser {
public:
    explicit DictParser(std::string_view s) : s_(s) {}

    struct Value {
        enum Kind { Str, Bool, Tuple, List, Other } kind = Other;
        std::string str;
        bool b = false;
        std::vector<int64_t> ints;
    };

    // Parses the whole text into (key, value) pairs, in order.
    Result<std::vector<std::pair<std::string, Value>>> parse() {
        std::vector<std::pair<std::string, Value>> out;
        ws();
        if (!eat('{')) return err("header does not start with '{'");
        for (;;) {
            ws();
            if (eat('}')) break;
            auto key = string_lit();
            if (!key) return key.error();
            ws();
            if (!eat(':')) return err("expected ':' after a key");
            ws();
            auto v = value();
            if (!v) return v.error();
            const bool list = v->kind == Value::List;
            out.emplace_back(std::move(*key), std::move(*v));
            if (list) return out;  // not parsed further; the caller refuses it by key
            ws();
            if (eat(',')) continue;
            if (eat('}')) break;
            return err("expected ',' or '}'");
        }
        ws();
        if (pos_ != s_.size()) return err("unexpected text after the dict");
        return out;
    }

private:
    std::string_view s_;
    size_t pos_ = 0;

    Error err(const std::string& what) const {
        return make_error("header dict is malformed at character {}: {}", pos_, what);
    }
    void ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool eat(char c) {
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool eat_word(std::string_view w) {
        if (s_.substr(pos_, w.size()) != w) return false;
        pos_ += w.size();
        return true;
    }

    Result<std::string> string_lit() {
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return err("expected a quoted string");
        const char q = s_[pos_++];
        std::string out;
        while (pos_ < s_.size() && s_[pos_] != q) {
            char c = s_[pos_++];
            if (c == '\n') break;
            if (c == '\\') {
                if (pos_ >= s_.size()) break;
                c = s_[pos_++];
                if (c != '\\' && c != '\'' && c != '"') return err("unsupported escape in a string");
            } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
                return err("non-ASCII or control character in a string");
            }
            out += c;
        }
        if (!eat(q)) return err("unterminated string");
        return out;
    }

    Result<int64_t> int_lit() {
        if (pos_ < s_.size() && s_[pos_] == '-') return err("negative dimension in shape");
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return err("expected an integer");
        int64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            const int64_t digit = s_[pos_++] - '0';
            if (v > (INT64_MAX - digit) / 10) return err("integer too large");
            v = v * 10 + digit;
        }
        eat('L');  // Python 2 longs, as NumPy's own reader tolerates
        return v;
    }

    Result<Value> value() {
        Value v;
        if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
            auto s = string_lit();
            if (!s) return s.error();
            v.kind = Value::Str;
            v.str = std::move(*s);
            return v;
        }
        if (eat_word("True")) {
            v.kind = Value::Bool;
            v.b = true;
            return v;
        }
        if (eat_word("False")) {
            v.kind = Value::Bool;
            return v;
        }
        if (pos_ < s_.size() && s_[pos_] == '[') {
            v.kind = Value::List;  // structured descr: refused by the caller with a clear message
            return v;
        }
        if (!eat('(')) return err("expected a string, True, False or a tuple");
        v.kind = Value::Tuple;
        ws();
        if (eat(')')) return v;
        for (;;) {
            auto i = int_lit();
            if (!i) return i.error();
            if (v.ints.size() >= size_t(limits::kMaxDims))
                return make_error("shape has more than {} dimensions", limits::kMaxDims);
            v.ints.push_back(*i);
            ws();
            if (eat(')')) {
                // "(3)" is an int in Python, not a tuple
                if (v.ints.size() == 1) return err("a one-element shape needs a trailing comma");
                return v;
            }
            if (!eat(',')) return err("expected ',' or ')' in a tuple");
            ws();
            if (eat(')')) return v;
        }
    }
};

struct DescrType {
    char kind;
    int size;
    DType dtype;
};
constexpr DescrType kDescrTypes[] = {
    {'f', 2, DType::F16}, {'f', 4, DType::F32}, {'f', 8, DType::F64}, {'i', 1, DType::I8},  {'i', 2, DType::I16},
    {'i', 4, DType::I32}, {'i', 8, DType::I64}, {'u', 1, DType::U8},  {'u', 2, DType::U16}, {'u', 4, DType::U32},
    {'u', 8, DType::U64}, {'b', 1, DType::BOOL},
};

Status parse_descr(const std::string& descr, NpyHeader& h) {
    std::string_view d = descr;
    char order = '=';
    if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
        order = d[0];
        d.remove_prefix(1);
    }
    if (!d.empty() && d[0] == 'O')
        return make_error("object arrays (descr '{}') hold pickled Python objects and are not supported", descr);
    if (d.size() == 2 || d.size() == 3) {
        const char kind = d[0];
        int size = 0;
        for (char c : d.substr(1)) size = (c >= '0' && c <= '9') ? size * 10 + (c - '0') : -1000;
        for (const DescrType& t : kDescrTypes) {
            if (t.kind == kind && t.size == size) {
                h.dtype = t.dtype;
                h.big_endian = order == '>' && size > 1;
                return {};
            }
        }
    }
    return make_error("unsupported dtype '{}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)", descr);
}

}  // namespace

Result<uint64_t> npy_header_size(std::span<const uint8_t> b) {
    if (b.size() < 10 || std::memcmp(b.data(), kMagic, 6) != 0) {
        if (b.size() >= 6 && std::memcmp(b.data(), kMagic, 6) != 0) return Error{"not an npy file (bad magic)"};
        return make_error("{} bytes is too short for an npy header", b.size());
    }
    const int major = b[6], minor = b[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0))
        return make_error("npy format version {}.{} is not supported (1.0, 2.0 and 3.0 are)", major, minor);
    uint64_t len, prefix;
    if (major == 1) {
        len = load_u16le(b.data() + 8);
        prefix = 10;
    } else {
        if (b.size() < 12) return make_error("{} bytes is too short for an npy header", b.size());
        len = load_u32le(b.data() + 8);
        prefix = 12;
    }
    if (len > limits::kMaxNpyHeader)
        return make_error("header length {} exceeds the limit of {} bytes", len, limits::kMaxNpyHeader);
    return prefix + len;
}

Result<NpyHeader> parse_npy_header(std::span<const uint8_t> b) {
    auto total = npy_header_size(b);
    if (!total) return total.error();
    if (*total > b.size())
        return make_error("header ends at byte {} but only {} bytes are present", *total, b.size());
    NpyHeader h;
    h.major = b[6];
    h.minor = b[7];
    h.data_offset = *total;
    const uint64_t prefix = h.major == 1 ? 10 : 12;
    const std::string_view text(reinterpret_cast<const char*>(b.data() + prefix), size_t(*total - prefix));

    auto entries = DictParser(text).parse();
    if (!entries) return entries.error();
    bool have_descr = false, have_fortran = false, have_shape = false;
    for (auto& [key, v] : *entries) {
        if (key == "descr") {
            if (have_descr) return Error{"header repeats 'descr'"};
            have_descr = true;
            if (v.kind == DictParser::Value::List)
                return Error{"structured dtypes (descr is a list of fields) are not supported"};
            if (v.kind != DictParser::Value::Str) return Error{"'descr' is not a string"};
            h.descr = v.str;
            QS_TRY(parse_descr(h.descr, h));
        } else if (key == "fortran_order") {
            if (have_fortran) return Error{"header repeats 'fortran_order'"};
            have_fortran = true;
            if (v.kind != DictParser::Value::Bool) return Error{"'fortran_order' is not True or False"};
            h.fortran_order = v.b;
        } else if (key == "shape") {
            if (have_shape) return Error{"header repeats 'shape'"};
            have_shape = true;
            if (v.kind != DictParser::Value::Tuple) return Error{"'shape' is not a tuple of integers"};
            h.shape = v.ints;
        } else {
            return make_error("header has an unexpected key '{}'", key);
        }
        if (v.kind == DictParser::Value::List && key != "descr") {
            return make_error("'{}' is a list", key);
        }
    }
    if (!have_descr || !have_fortran || !have_shape)
        return Error{"header lacks one of the keys 'descr', 'fortran_order', 'shape'"};
    auto numel = checked_numel(h.shape);
    auto nbytes = numel ? dtype_nbytes(h.dtype, *numel) : std::nullopt;
    if (!nbytes) return make_error("shape {} overflows", shape_string(h.shape));
    h.data_nbytes = *nbytes;
    return h;
}

Result<ModelIndex> open_npy(const std::filesystem::path& path) {
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    return open_npy(*f);
}

Result<ModelIndex> open_npy(FilePtr f) {
    const MappedFile& file = *f;
    const std::filesystem::path path = file.path();
    const std::string p = file.path();
    auto h = parse_npy_header(file.bytes());
    if (!h) return make_error("{}: {}", p, h.message());
    const uint64_t avail = file.size() - h->data_offset;
    // Trailing bytes are allowed (np.save may append several arrays to one file); missing ones are not.
    if (h->data_nbytes > avail)
        return make_error("{}: shape {} of '{}' needs {} bytes of data but the file has {} after the header", p,
                          shape_string(h->shape), h->descr, h->data_nbytes, avail);
    ModelIndex m;
    m.path = path.string();
    m.format = "npy";
    m.files.push_back(f);
    TensorInfo t;
    t.name = path.stem().string();
    t.shape = h->shape;
    t.dtype = h->dtype;
    t.offset = h->data_offset;
    t.nbytes = h->data_nbytes;
    t.big_endian = h->big_endian;
    t.fortran_order = h->fortran_order;
    m.tensors.push_back(std::move(t));
    m.metadata.push_back({"npy_version", "string", fmt::format("{}.{}", h->major, h->minor)});
    m.metadata.push_back({"descr", "string", h->descr});
    return m;
}

Result<ModelIndex> open_npz(const std::filesystem::path& path) {
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    return open_npz(*f);
}

Result<ModelIndex> open_npz(FilePtr f) {
    const MappedFile& file = *f;
    const std::string p = file.path();
    auto zip = read_zip(file);
    if (!zip) return zip.error();

    ModelIndex m;
    m.path = p;
    m.format = "npz";
    m.files.push_back(f);
    uint64_t skipped = 0;
    for (const ZipMember& z : zip->members) {
        if (!std::string_view(z.name).ends_with(".npy")) {
            ++skipped;  // folders and non-array files: np.load ignores them too for arrays
            continue;
        }
        const std::string key = z.name.substr(0, z.name.size() - 4);
        if (key.size() > limits::kMaxNameBytes) return make_error("{}: member name is too long", p);
        auto bad = [&](const std::string& what) { return make_error("{}: tensor '{}': {}", p, key, what); };

        // The header: in place for STORED; for DEFLATED inflate only its first bytes.
        std::vector<uint8_t> head;
        std::span<const uint8_t> bytes;
        if (z.method == ZipMethod::Stored) {
            bytes = file.slice(z.data_offset, z.compressed_size);
        } else {
            auto r = zip_read_prefix(file, z, kNpzHeaderPeek);
            if (!r) return r.error();
            head = std::move(*r);
            auto total = npy_header_size(head);
            if (total && *total > head.size() && *total <= z.uncompressed_size) {
                r = zip_read_prefix(file, z, *total);
                if (!r) return r.error();
                head = std::move(*r);
            }
            bytes = head;
        }
        auto h = parse_npy_header(bytes);
        if (!h) return bad(h.message());
        // Zip-bomb guard: the declared size must be exactly what the header says the array needs.
        const uint64_t need = h->data_offset + h->data_nbytes;
        if (z.uncompressed_size != need)
            return bad(fmt::format("member holds {} bytes but its header declares {} ({} of header, shape {} of "
                                   "'{}' = {} of data)",
                                   z.uncompressed_size, need, h->data_offset, shape_string(h->shape), h->descr,
                                   h->data_nbytes));
        TensorInfo t;
        t.name = key;
        t.shape = h->shape;
        t.dtype = h->dtype;
        t.big_endian = h->big_endian;
        t.fortran_order = h->fortran_order;
        if (z.method == ZipMethod::Stored) {
            t.offset = z.data_offset + h->data_offset;
            t.nbytes = h->data_nbytes;
        } else {
            t.storage = Storage::Deflate;
            t.offset = z.data_offset;
            t.nbytes = z.compressed_size;
            t.raw_nbytes = z.uncompressed_size;
            t.inner_offset = h->data_offset;
        }
        m.tensors.push_back(std::move(t));
    }
    if (skipped) m.metadata.push_back({"skipped_members", "u64", std::to_string(skipped)});
    return m;
}

}  // namespace qs::io
