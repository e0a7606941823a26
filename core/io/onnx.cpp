#include "core/io/onnx.hpp"

#include "core/io/limits.hpp"
#include "core/io/protobuf.hpp"
#include "core/util/checked.hpp"
#include "core/util/utf8.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace qs::io {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxMetaValue = 500;   // characters of doc strings etc. kept for display
constexpr int kMaxSubgraphDepth = 32;
constexpr uint32_t kDecodedFile = UINT32_MAX;  // placeholder until the decoded buffer gets its index

// The typed TensorProto field that holds values when raw_data is absent.
enum class Typed : uint8_t { None, Float, Int32, Int64, Double, Uint64 };

struct OnnxType {
    int64_t id;
    std::string_view name;
    std::optional<DType> dtype;  // nullopt: a type quantscope skips
    Typed field;
};

constexpr OnnxType kTypes[] = {
    {1, "FLOAT", DType::F32, Typed::Float},
    {2, "UINT8", DType::U8, Typed::Int32},
    {3, "INT8", DType::I8, Typed::Int32},
    {4, "UINT16", DType::U16, Typed::Int32},
    {5, "INT16", DType::I16, Typed::Int32},
    {6, "INT32", DType::I32, Typed::Int32},
    {7, "INT64", DType::I64, Typed::Int64},
    {8, "STRING", std::nullopt, Typed::None},
    {9, "BOOL", DType::BOOL, Typed::Int32},
    {10, "FLOAT16", DType::F16, Typed::Int32},
    {11, "DOUBLE", DType::F64, Typed::Double},
    {12, "UINT32", DType::U32, Typed::Uint64},
    {13, "UINT64", DType::U64, Typed::Uint64},
    {14, "COMPLEX64", std::nullopt, Typed::None},
    {15, "COMPLEX128", std::nullopt, Typed::None},
    {16, "BFLOAT16", DType::BF16, Typed::Int32},
    {17, "FLOAT8E4M3FN", DType::F8_E4M3, Typed::Int32},
    {18, "FLOAT8E4M3FNUZ", DType::F8_E4M3FNUZ, Typed::Int32},
    {19, "FLOAT8E5M2", DType::F8_E5M2, Typed::Int32},
    {20, "FLOAT8E5M2FNUZ", DType::F8_E5M2FNUZ, Typed::Int32},
    {21, "UINT4", std::nullopt, Typed::None},
    {22, "INT4", std::nullopt, Typed::None},
    {23, "FLOAT4E2M1", std::nullopt, Typed::None},
    {24, "FLOAT8E8M0", DType::F8_E8M0, Typed::Int32},
    {25, "UINT2", std::nullopt, Typed::None},
    {26, "INT2", std::nullopt, Typed::None},
};

const OnnxType* onnx_type(int64_t id) {
    for (const OnnxType& t : kTypes)
        if (t.id == id) return &t;
    return nullptr;
}

// Field numbers of the typed value fields in TensorProto.
uint32_t typed_field_number(Typed t) {
    switch (t) {
        case Typed::Float: return 4;
        case Typed::Int32: return 5;
        case Typed::Int64: return 7;
        case Typed::Double: return 10;
        case Typed::Uint64: return 11;
        case Typed::None: break;
    }
    return 0;
}

// Counts of one typed field across its occurrences (packed or not).
struct TypedCount {
    uint64_t count = 0;
    uint32_t occurrences = 0;
    bool packed = false;               // the last occurrence was a LEN payload
    std::span<const uint8_t> payload;  // that payload
};

// A TensorProto after the first pass: everything but the values themselves.
struct TensorProtoView {
    std::span<const uint8_t> msg;
    std::string name;
    std::vector<int64_t> dims;
    int64_t data_type = 0;
    bool has_raw = false;
    std::span<const uint8_t> raw;
    bool segment = false;
    int64_t data_location = 0;
    std::vector<std::pair<std::string, std::string>> external;
    TypedCount typed[12];              // indexed by field number (4, 5, 7, 10, 11)
    uint64_t strings = 0;
};

std::string text(std::span<const uint8_t> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Strict decimal for external data offset/length.
std::optional<uint64_t> parse_decimal(const std::string& s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        auto m = checked_mul(v, 10);
        auto a = m ? checked_add(*m, uint64_t(c - '0')) : std::nullopt;
        if (!a) return std::nullopt;
        v = *a;
    }
    return v;
}

class OnnxReader {
public:
    OnnxReader(const fs::path& dir, FilePtr file) : dir_(dir), file_(std::move(file)), p_(file_->path()) {
        m_.path = p_;
        m_.format = "onnx";
        m_.files.push_back(file_);
    }

    Result<ModelIndex> read() {
        QS_TRY(read_model(file_->bytes()));
        if (!decoded_.empty()) {
            const uint32_t id = uint32_t(m_.files.size());
            m_.files.push_back(MappedFile::from_bytes(p_ + " (values decoded at open)", std::move(decoded_)));
            for (TensorInfo& t : m_.tensors)
                if (t.file == kDecodedFile) t.file = id;
        }
        if (!skipped_.empty()) {
            std::string list;
            for (size_t i = 0; i < skipped_.size() && i < 20; ++i) list += (i ? ", " : "") + skipped_[i];
            if (skipped_.size() > 20) list += fmt::format(", ... ({} in all)", skipped_.size());
            m_.metadata.push_back({"skipped_tensors", "string", list});
        }
        return std::move(m_);
    }

private:
    fs::path dir_;  // where external data lives; empty = none allowed
    FilePtr file_;
    std::string p_;
    ModelIndex m_;
    std::vector<uint8_t> decoded_;              // values that were not stored as plain bytes
    std::map<std::string, uint32_t> external_;  // canonical path -> file index
    std::set<std::string> names_;
    std::vector<std::string> skipped_;
    std::vector<std::string> opsets_;

    Error pb_error(const Error& e) const { return make_error("{}: {}", p_, e.message); }

    void meta(const std::string& key, const std::string& type, std::string value) {
        value = sanitize_utf8(value);
        if (value.size() > kMaxMetaValue) value = value.substr(0, kMaxMetaValue) + "...";
        m_.metadata.push_back({key, type, std::move(value)});
    }

    // ---- ModelProto ----
    Status read_model(std::span<const uint8_t> bytes) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        bool graph = false;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            const bool len = f.wire == pb::Wire::Len;
            switch (f.number) {
                case 1:
                    if (f.wire == pb::Wire::Varint) meta("ir_version", "int", std::to_string(int64_t(f.value)));
                    break;
                case 2: if (len) meta("producer_name", "string", text(f.bytes)); break;
                case 3: if (len) meta("producer_version", "string", text(f.bytes)); break;
                case 4: if (len) meta("domain", "string", text(f.bytes)); break;
                case 5:
                    if (f.wire == pb::Wire::Varint) meta("model_version", "int", std::to_string(int64_t(f.value)));
                    break;
                case 6: if (len) meta("doc_string", "string", text(f.bytes)); break;
                case 7:
                    if (!len) return make_error("{}: ModelProto.graph is not a message", p_);
                    graph = true;
                    QS_TRY(read_graph(f.bytes, 0));
                    break;
                case 8: if (len) QS_TRY(read_opset(f.bytes)); break;
                case 14: if (len) QS_TRY(read_prop(f.bytes)); break;
                default: break;
            }
        }
        if (!graph) return make_error("{}: no graph found (not an ONNX model?)", p_);
        if (!opsets_.empty()) {
            std::string s;
            for (size_t i = 0; i < opsets_.size(); ++i) s += (i ? ", " : "") + opsets_[i];
            meta("opset_import", "string", s);
        }
        return {};
    }

    Status read_opset(std::span<const uint8_t> bytes) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::string domain = "ai.onnx";
        int64_t version = 0;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.number == 1 && f.wire == pb::Wire::Len && !f.bytes.empty()) domain = text(f.bytes);
            if (f.number == 2 && f.wire == pb::Wire::Varint) version = int64_t(f.value);
        }
        if (opsets_.size() < 64) opsets_.push_back(fmt::format("{} {}", domain, version));
        return {};
    }

    Status read_prop(std::span<const uint8_t> bytes) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::string key, value;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.wire != pb::Wire::Len) continue;
            if (f.number == 1) key = text(f.bytes);
            if (f.number == 2) value = text(f.bytes);
        }
        if (m_.metadata.size() < 1000) meta(sanitize_utf8(key), "string", value);
        return {};
    }

    // ---- GraphProto, NodeProto, AttributeProto ----
    Status read_graph(std::span<const uint8_t> bytes, int depth) {
        if (depth > kMaxSubgraphDepth)
            return make_error("{}: subgraphs nested deeper than {} levels", p_, kMaxSubgraphDepth);
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.wire != pb::Wire::Len) continue;
            if (f.number == 2 && depth == 0) meta("graph_name", "string", text(f.bytes));
            if (f.number == 5) QS_TRY(add_tensor(f.bytes, ""));
            if (f.number == 1) QS_TRY(read_node(f.bytes, depth));
            if (f.number == 15) QS_TRY(skip_sparse(f.bytes));
        }
        return {};
    }

    Status skip_sparse(std::span<const uint8_t> bytes) {
        // SparseTensorProto: values 1 (a TensorProto whose name is the sparse tensor's)
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::string name = "?";
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.number == 1 && f.wire == pb::Wire::Len) {
                auto t = parse_tensor(f.bytes, "");
                if (!t) return t.error();
                name = t->name;
            }
        }
        skipped_.push_back(sanitize_utf8(name) + " (sparse)");
        return {};
    }

    Status read_node(std::span<const uint8_t> bytes, int depth) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::string op_type, domain, output0;
        bool have_output = false;
        std::vector<std::span<const uint8_t>> attributes;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.wire != pb::Wire::Len) continue;
            if (f.number == 2 && !have_output) {
                output0 = text(f.bytes);
                have_output = true;
            }
            if (f.number == 4) op_type = text(f.bytes);
            if (f.number == 7) domain = text(f.bytes);
            if (f.number == 5) attributes.push_back(f.bytes);
        }
        const bool constant = op_type == "Constant" && (domain.empty() || domain == "ai.onnx");
        for (auto a : attributes) QS_TRY(read_attribute(a, constant, output0, depth));
        return {};
    }

    Status read_attribute(std::span<const uint8_t> bytes, bool constant, const std::string& output0, int depth) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::string name;
        std::optional<std::span<const uint8_t>> tensor;
        bool sparse = false;
        std::vector<std::span<const uint8_t>> graphs;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.wire != pb::Wire::Len) continue;
            if (f.number == 1) name = text(f.bytes);
            if (f.number == 5) tensor = f.bytes;
            if (f.number == 22) sparse = true;
            if (f.number == 6 || f.number == 11) graphs.push_back(f.bytes);
        }
        if (constant && name == "value" && tensor) QS_TRY(add_tensor(*tensor, output0));
        if (constant && name == "sparse_value" && sparse) skipped_.push_back(sanitize_utf8(output0) + " (sparse)");
        for (auto g : graphs) QS_TRY(read_graph(g, depth + 1));
        return {};
    }

    // ---- TensorProto ----
    Result<TensorProtoView> parse_tensor(std::span<const uint8_t> bytes, const std::string& fallback_name) {
        TensorProtoView t;
        t.msg = bytes;
        t.name = fallback_name;
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        auto where = [&] { return t.name.empty() ? std::string("a tensor") : "tensor '" + t.name + "'"; };
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            const bool len = f.wire == pb::Wire::Len;
            switch (f.number) {
                case 1:  // dims
                    if (f.wire == pb::Wire::Varint) {
                        t.dims.push_back(int64_t(f.value));
                    } else if (len) {
                        size_t pos = 0;
                        while (pos < f.bytes.size()) {
                            auto v = pb::read_varint(f.bytes, pos);
                            if (!v) return make_error("{}: {}: dims: {}", p_, where(), v.message());
                            t.dims.push_back(int64_t(*v));
                            if (t.dims.size() > size_t(limits::kMaxDims)) break;
                        }
                    }
                    if (t.dims.size() > size_t(limits::kMaxDims))
                        return make_error("{}: {}: rank exceeds the limit of {}", p_, where(), limits::kMaxDims);
                    break;
                case 2:
                    if (f.wire == pb::Wire::Varint) t.data_type = int64_t(f.value);
                    break;
                case 3: t.segment = true; break;
                case 8:  // a Constant's tensor is named by the node's output, others by their own name
                    if (len && fallback_name.empty()) t.name = text(f.bytes);
                    break;
                case 9:
                    if (len) {
                        t.has_raw = true;
                        t.raw = f.bytes;
                    }
                    break;
                case 6: ++t.strings; break;
                case 13:
                    if (len) {
                        auto kv = parse_entry(f.bytes);
                        if (!kv) return kv.error();
                        if (t.external.size() < 64) t.external.push_back(std::move(*kv));
                    }
                    break;
                case 14:
                    if (f.wire == pb::Wire::Varint) t.data_location = int64_t(f.value);
                    break;
                case 4:
                case 5:
                case 7:
                case 10:
                case 11: QS_TRY(count_typed(f, t.typed[f.number], where())); break;
                default: break;
            }
        }
        if (!valid_utf8(t.name)) return make_error("{}: a tensor name is not valid UTF-8", p_);
        if (t.name.size() > limits::kMaxNameBytes) return make_error("{}: a tensor name is too long", p_);
        return t;
    }

    Result<std::pair<std::string, std::string>> parse_entry(std::span<const uint8_t> bytes) {
        pb::Reader r(bytes, file_->data());
        pb::Field f;
        std::pair<std::string, std::string> kv;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.wire != pb::Wire::Len) continue;
            if (f.number == 1) kv.first = text(f.bytes);
            if (f.number == 2) kv.second = text(f.bytes);
        }
        return kv;
    }

    Status count_typed(const pb::Field& f, TypedCount& c, const std::string& where) {
        const bool fixed4 = f.number == 4, fixed8 = f.number == 10;
        uint64_t n = 0;
        if (f.wire == pb::Wire::Len) {
            if (fixed4 || fixed8) {
                const uint64_t w = fixed4 ? 4 : 8;
                if (f.bytes.size() % w)
                    return make_error("{}: {}: packed field {} of {} bytes is not a multiple of {}", p_, where,
                                      f.number, f.bytes.size(), w);
                n = f.bytes.size() / w;
            } else {
                auto k = pb::count_packed_varints(f.bytes);
                if (!k) return make_error("{}: {}: field {}: {}", p_, where, f.number, k.message());
                n = *k;
            }
            c.packed = true;
            c.payload = f.bytes;
        } else {
            const pb::Wire want = fixed4 ? pb::Wire::I32 : fixed8 ? pb::Wire::I64 : pb::Wire::Varint;
            if (f.wire != want)
                return make_error("{}: {}: field {} has wire type {}", p_, where, f.number, int(f.wire));
            n = 1;
            c.packed = false;
        }
        c.count += n;
        ++c.occurrences;
        return {};
    }

    std::string unique_name(const std::string& name) {
        if (names_.insert(name).second) return name;
        for (int k = 2;; ++k) {
            std::string alt = fmt::format("{}#{}", name, k);
            if (names_.insert(alt).second) return alt;
        }
    }

    Status add_tensor(std::span<const uint8_t> bytes, const std::string& constant_name) {
        auto parsed = parse_tensor(bytes, constant_name);
        if (!parsed) return parsed.error();
        TensorProtoView& t = *parsed;
        if (t.name.empty()) t.name = fmt::format("initializer_{}", m_.tensors.size());
        auto bad = [&](const std::string& what) { return make_error("{}: tensor '{}': {}", p_, t.name, what); };
        if (m_.tensors.size() >= limits::kMaxTensors) return make_error("{}: too many tensors", p_);
        if (t.segment) return bad("segmented tensors (TensorProto.segment) are not supported");
        const OnnxType* ty = onnx_type(t.data_type);
        if (!ty) return bad(fmt::format("unknown data_type {}", t.data_type));
        if (!ty->dtype) {
            skipped_.push_back(fmt::format("{} ({})", t.name, ty->name));
            return {};
        }
        for (int64_t d : t.dims)
            if (d < 0) return bad(fmt::format("negative dimension in dims {}", shape_string(t.dims)));
        auto numel = checked_numel(t.dims);
        auto nbytes = numel ? dtype_nbytes(*ty->dtype, *numel) : std::nullopt;
        if (!nbytes) return bad(fmt::format("dims {} overflow", shape_string(t.dims)));

        TensorInfo ti;
        ti.name = unique_name(t.name);
        ti.shape = t.dims;
        ti.dtype = *ty->dtype;
        const uint64_t item = dtype_info(ti.dtype).block_bytes;
        const std::string shape_desc = fmt::format("dims {} of {}", shape_string(t.dims), ty->name);

        if (t.data_location == 1) {
            if (t.has_raw) return bad("has both raw_data and external data");
            QS_TRY(place_external(t, *nbytes, ti));
        } else if (t.has_raw) {
            if (t.raw.size() != *nbytes)
                return bad(fmt::format("{} need {} bytes but raw_data holds {}", shape_desc, *nbytes, t.raw.size()));
            ti.offset = uint64_t(t.raw.data() - file_->data());
            ti.nbytes = *nbytes;
        } else {
            const uint32_t field = typed_field_number(ty->field);
            const TypedCount& c = t.typed[field];
            if (c.count != *numel) {
                if (c.count == 0 && *numel > 0)
                    return bad(fmt::format("{} need {} values but the tensor holds no data", shape_desc, *numel));
                return bad(fmt::format("{} need {} values but field {} holds {}", shape_desc, *numel, field, c.count));
            }
            const bool fixed = ty->field == Typed::Float || ty->field == Typed::Double;
            if (*numel == 0) {
                ti.offset = 0;
                ti.nbytes = 0;
            } else if (fixed && c.occurrences == 1 && c.packed) {
                // packed little-endian floats/doubles are exactly the raw bytes: map in place
                ti.offset = uint64_t(c.payload.data() - file_->data());
                ti.nbytes = *nbytes;
            } else {
                QS_TRY(decode_typed(t, field, item, *nbytes, ti));
            }
        }
        m_.tensors.push_back(std::move(ti));
        return {};
    }

    // Second pass over the TensorProto: the chosen field's values, `item` bytes each, into decoded_.
    Status decode_typed(const TensorProtoView& t, uint32_t field, uint64_t item, uint64_t nbytes, TensorInfo& ti) {
        while (decoded_.size() % 8) decoded_.push_back(0);
        const uint64_t start = decoded_.size();
        decoded_.reserve(size_t(start + nbytes));
        auto put = [&](uint64_t v) {
            for (uint64_t k = 0; k < item; ++k) decoded_.push_back(uint8_t(v >> (8 * k)));
        };
        pb::Reader r(t.msg, file_->data());
        pb::Field f;
        for (;;) {
            auto more = r.next(f);
            if (!more) return pb_error(more.error());
            if (!*more) break;
            if (f.number != field) continue;
            if (f.wire != pb::Wire::Len) {
                put(f.value);
                continue;
            }
            if (field == 4 || field == 10) {
                const size_t w = field == 4 ? 4 : 8;
                for (size_t k = 0; k + w <= f.bytes.size(); k += w) {
                    uint64_t v = 0;
                    for (size_t j = 0; j < w; ++j) v |= uint64_t(f.bytes[k + j]) << (8 * j);
                    put(v);
                }
            } else {
                size_t pos = 0;
                while (pos < f.bytes.size()) {
                    auto v = pb::read_varint(f.bytes, pos);
                    if (!v) return make_error("{}: tensor '{}': {}", p_, t.name, v.message());
                    put(*v);
                }
            }
        }
        if (decoded_.size() - start != nbytes)
            return make_error("{}: tensor '{}': decoded {} bytes, expected {}", p_, t.name, decoded_.size() - start,
                              nbytes);
        ti.file = kDecodedFile;
        ti.offset = start;
        ti.nbytes = nbytes;
        return {};
    }

    // External data: location/offset/length, checked like onnx.checker's resolve_external_data_location.
    Status place_external(const TensorProtoView& t, uint64_t nbytes, TensorInfo& ti) {
        auto bad = [&](const std::string& what) { return make_error("{}: tensor '{}': {}", p_, t.name, what); };
        std::optional<std::string> location;
        uint64_t offset = 0;
        std::optional<uint64_t> length;
        for (const auto& [k, v] : t.external) {
            if (k == "location") location = v;
            if (k == "offset" || k == "length") {
                auto n = parse_decimal(v);
                if (!n) return bad(fmt::format("external data {} '{}' is not a decimal number", k, sanitize_utf8(v)));
                if (k == "offset") offset = *n;
                else length = *n;
            }
        }
        if (!location) return bad("external data has no 'location'");
        const std::string loc = sanitize_utf8(*location);
        if (location->empty()) return bad("external data location is empty");
        if (location->find('\0') != std::string::npos) return bad("external data location contains a NUL byte");
        const fs::path rel(*location);
        if (rel.is_absolute() || rel.has_root_directory() || rel.has_root_name())
            return bad(fmt::format("external data location '{}' is an absolute path", loc));
        for (const auto& part : rel)
            if (part == "..") return bad(fmt::format("external data location '{}' contains '..'", loc));
        if (dir_.empty()) return bad(fmt::format("external data '{}' cannot be read from an in-memory model", loc));
        const fs::path full = dir_ / rel;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0)
            return bad(fmt::format("external data file '{}' does not exist beside the model", loc));
        if (S_ISLNK(st.st_mode)) return bad(fmt::format("external data location '{}' is a symbolic link", loc));
        if (!S_ISREG(st.st_mode)) return bad(fmt::format("external data location '{}' is not a regular file", loc));
        if (st.st_nlink > 1) return bad(fmt::format("external data file '{}' has more than one hard link", loc));
        std::error_code ec;
        const fs::path canon_dir = fs::canonical(dir_, ec);
        const fs::path canon = ec ? fs::path() : fs::canonical(full, ec);
        if (ec) return bad(fmt::format("external data location '{}' cannot be resolved: {}", loc, ec.message()));
        auto [a, b] = std::mismatch(canon_dir.begin(), canon_dir.end(), canon.begin(), canon.end());
        if (a != canon_dir.end() || b == canon.end())
            return bad(fmt::format("external data location '{}' resolves outside the model's folder", loc));

        uint32_t id;
        auto it = external_.find(canon.string());
        if (it != external_.end()) {
            id = it->second;
        } else {
            auto f = MappedFile::open(full);
            if (!f) return f.error();
            id = uint32_t(m_.files.size());
            m_.files.push_back(*f);
            external_.emplace(canon.string(), id);
        }
        const uint64_t size = m_.files[id]->size();
        if (offset > size)
            return bad(fmt::format("external data offset {} lies past the end of '{}' ({} bytes)", offset, loc, size));
        const uint64_t len = length.value_or(size - offset);
        if (!range_fits(offset, len, size))
            return bad(fmt::format("external data [{}, +{}) lies outside '{}' ({} bytes)", offset, len, loc, size));
        if (len != nbytes)
            return bad(fmt::format("dims {} need {} bytes but external data length is {}", shape_string(t.dims),
                                   nbytes, len));
        ti.file = id;
        ti.offset = offset;
        ti.nbytes = nbytes;
        return {};
    }
};

}  // namespace

Result<ModelIndex> open_onnx(const fs::path& path) {
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    fs::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    return OnnxReader(dir, *f).read();
}

Result<ModelIndex> open_onnx(FilePtr file, const fs::path& dir) { return OnnxReader(dir, std::move(file)).read(); }

}  // namespace qs::io
