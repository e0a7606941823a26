#include "core/io/pytorch.hpp"

#include "core/io/limits.hpp"
#include "core/io/pickle.hpp"
#include "core/io/zip.hpp"
#include "core/util/checked.hpp"

#include <cstring>
#include <unordered_map>

namespace qs::io {
namespace {

using pickle::Kind;

constexpr size_t kMaxMetaEntries = 1000;  // non-tensor leaves shown as metadata
constexpr size_t kMaxMetaValue = 200;     // characters

struct Record {
    uint64_t offset = 0;
    uint64_t size = 0;
};

// Walks the unpickled object graph, naming tensors by their dotted key path.
class Flattener {
public:
    Flattener(const pickle::Unpickled& u, std::string root_name, std::string what)
        : u_(u), root_name_(std::move(root_name)), what_(std::move(what)), expanded_(u.values.size(), 0) {}

    std::vector<std::pair<std::string, uint32_t>> tensors;  // name -> index into u.tensors, in order
    std::vector<MetaEntry> meta;

    Status walk(uint32_t v, const std::string& name, int depth) {
        const pickle::Value& val = u_.values[v];
        switch (val.kind) {
            case Kind::Tensor: return add_tensor(name.empty() ? root_name_ : name, uint32_t(val.i));
            case Kind::Dict:
            case Kind::List:
            case Kind::Tuple: {
                if (expanded_[v]) return {};  // shared or cyclic: each container is listed once
                expanded_[v] = 1;
                if (depth >= limits::kMaxNesting)
                    return make_error("{}: containers nested deeper than {} levels", what_, limits::kMaxNesting);
                if (val.kind == Kind::Dict) {
                    for (size_t k = 0; k + 1 < val.items.size(); k += 2) {
                        const pickle::Value& key = u_.values[val.items[k]];
                        std::string ks;
                        if (key.kind == Kind::Str) ks = key.s;
                        else if (key.kind == Kind::Int) ks = std::to_string(key.i);
                        else continue;  // tuple keys etc.: no sensible tensor name
                        QS_TRY(walk(val.items[k + 1], join(name, ks), depth + 1));
                    }
                } else {
                    for (size_t k = 0; k < val.items.size(); ++k)
                        QS_TRY(walk(val.items[k], join(name, std::to_string(k)), depth + 1));
                }
                return {};
            }
            case Kind::Int: return add_meta(name, "int", std::to_string(val.i));
            case Kind::Float: return add_meta(name, "float", fmt::format("{}", val.f));
            case Kind::Bool: return add_meta(name, "bool", val.b ? "true" : "false");
            case Kind::Str: return add_meta(name, "string", val.s);
            case Kind::None:
            case Kind::Bytes:
            case Kind::Global:
            case Kind::Storage: return {};
        }
        return {};
    }

private:
    const pickle::Unpickled& u_;
    std::string root_name_, what_;
    std::vector<char> expanded_;
    std::unordered_map<std::string, size_t> position_;

    static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

    Status add_tensor(const std::string& name, uint32_t t) {
        if (name.size() > limits::kMaxNameBytes) return make_error("{}: a tensor name is too long", what_);
        auto it = position_.find(name);
        if (it != position_.end()) {
            tensors[it->second].second = t;  // a repeated key: the later value wins, as in Python
            return {};
        }
        if (tensors.size() >= limits::kMaxTensors) return make_error("{}: too many tensors", what_);
        position_.emplace(name, tensors.size());
        tensors.emplace_back(name, t);
        return {};
    }
    Status add_meta(const std::string& name, const char* type, std::string value) {
        if (meta.size() >= kMaxMetaEntries) return {};
        if (value.size() > kMaxMetaValue) value = value.substr(0, kMaxMetaValue) + "...";
        meta.push_back({name.empty() ? "value" : name, type, std::move(value)});
        return {};
    }
};

bool is_contiguous(const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    int64_t expect = 1;
    for (size_t k = size.size(); k-- > 0;) {
        if (size[k] == 1) continue;  // any stride is fine for a dimension of one
        if (stride[k] != expect) return false;
        expect *= size[k];
    }
    return true;
}

std::string ints_string(const std::vector<int64_t>& v) { return shape_string(v); }

}  // namespace

Result<ModelIndex> open_pytorch(const std::filesystem::path& path) {
    auto f = MappedFile::open(path);
    if (!f) return f.error();
    return open_pytorch(*f);
}

Result<ModelIndex> open_pytorch(FilePtr f) {
    const MappedFile& file = *f;
    const std::filesystem::path path = file.path();
    const std::string p = file.path();
    const uint8_t* d = file.data();
    if (file.size() >= 2 && d[0] == 0x80 && d[1] <= 5)
        return make_error("{}: legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a "
                          "current PyTorch (torch.save(torch.load(f), f))",
                          p);
    if (file.size() < 4 || std::memcmp(d, "PK", 2) != 0)
        return make_error("{}: not a torch.save archive (not a ZIP file)", p);
    auto zip = read_zip(file);
    if (!zip) return zip.error();
    if (zip->members.empty()) return make_error("{}: archive is empty", p);
    const std::string& first = zip->members[0].name;
    const size_t slash = first.find('/');
    if (slash == std::string::npos || slash == 0)
        return make_error("{}: not a torch.save archive (members are not under one folder)", p);
    const std::string prefix = first.substr(0, slash + 1);

    const ZipMember* pkl = zip->find(prefix + "data.pkl");
    if (!pkl) return make_error("{}: not a torch.save archive (no '{}data.pkl')", p, prefix);
    bool big_endian = false;
    std::string byteorder = "little";
    if (const ZipMember* bo = zip->find(prefix + "byteorder")) {
        auto r = zip_read_member(file, *bo, 16);
        if (!r) return r.error();
        byteorder.assign(r->begin(), r->end());
        if (byteorder != "little" && byteorder != "big")
            return make_error("{}: byteorder record says '{}', expected 'little' or 'big'", p, byteorder);
        big_endian = byteorder == "big";
    }
    std::string version;
    for (const char* name : {"version", ".data/version"})
        if (const ZipMember* v = zip->find(prefix + name)) {
            auto r = zip_read_member(file, *v, 64);
            if (!r) return r.error();
            version.assign(r->begin(), r->end());
            while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
        }

    auto pkl_bytes = zip_read_member(file, *pkl, limits::kMaxPickleBytes);
    if (!pkl_bytes) return pkl_bytes.error();
    const std::string what = p + ": data.pkl";
    auto u = pickle::load_torch_pickle(*pkl_bytes, what);
    if (!u) return u.error();

    Flattener flat(*u, path.stem().string(), what);
    QS_TRY(flat.walk(u->root, "", 0));

    ModelIndex m;
    m.path = path.string();
    m.format = "pytorch";
    m.files.push_back(f);
    m.metadata.push_back({"archive", "string", prefix.substr(0, prefix.size() - 1)});
    if (!version.empty()) m.metadata.push_back({"version", "string", version});
    m.metadata.push_back({"byteorder", "string", byteorder});
    m.metadata.push_back({"pickle_protocol", "int", std::to_string(u->protocol)});
    for (auto& e : flat.meta) m.metadata.push_back(std::move(e));

    std::vector<std::optional<Record>> records(u->storages.size());
    for (const auto& entry : flat.tensors) {
        const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
        const auto& ti = entry.second;
        const pickle::TensorRef& t = u->tensors[ti];
        const pickle::StorageRef& s = u->storages[t.storage];
        auto bad = [&](const std::string& msg) { return make_error("{}: tensor '{}': {}", p, name, msg); };

        // The storage's record: STORED, at least as large as the storage says.
        if (!records[t.storage]) {
            const std::string rec_name = prefix + "data/" + s.key;
            const ZipMember* rec = zip->find(rec_name);
            if (!rec) return bad(fmt::format("storage record '{}' is missing", rec_name));
            if (rec->method != ZipMethod::Stored)
                return bad(fmt::format("storage record '{}' is compressed (torch.save stores records uncompressed)",
                                       rec_name));
            auto need = dtype_nbytes(s.dtype, s.numel);
            if (!need) return bad(fmt::format("storage '{}' of {} elements overflows", s.key, s.numel));
            if (*need > rec->uncompressed_size)
                return bad(fmt::format("storage '{}' needs {} bytes but record '{}' holds {}", s.key, *need, rec_name,
                                       rec->uncompressed_size));
            records[t.storage] = Record{rec->data_offset, *need};
        }
        const Record rec = *records[t.storage];

        const DTypeInfo& di = dtype_info(t.dtype);
        const uint64_t item = di.block_bytes;
        if (di.block_elems != 1) return bad("block-quantised dtypes cannot be torch tensors");
        if (s.dtype != t.dtype && s.dtype != DType::U8)
            return bad(fmt::format("dtype {} differs from its storage's {}", di.name, dtype_name(s.dtype)));
        const uint64_t storage_elems = rec.size / item;
        auto numel = checked_numel(t.size);
        if (!numel) return bad(fmt::format("size {} overflows", ints_string(t.size)));

        TensorInfo ti_out;
        ti_out.name = name;
        ti_out.shape = t.size;
        ti_out.dtype = t.dtype;
        ti_out.big_endian = big_endian && item > 1;
        const uint64_t first_elem = uint64_t(t.offset);
        if (*numel == 0) {
            ti_out.offset = rec.offset;
            ti_out.nbytes = 0;
        } else {
            uint64_t reach = 0;  // element offset of the view's last element, from its first
            for (size_t k = 0; k < t.size.size(); ++k) {
                if (t.stride[k] < 0) return bad(fmt::format("negative stride {}", ints_string(t.stride)));
                auto r = checked_mul(uint64_t(t.size[k] - 1), uint64_t(t.stride[k]));
                auto sum = r ? checked_add(reach, *r) : std::nullopt;
                if (!sum) return bad(fmt::format("strides {} overflow", ints_string(t.stride)));
                reach = *sum;
            }
            auto last = checked_add(first_elem, reach);
            if (!last || *last >= storage_elems)
                return bad(fmt::format("view (offset {}, size {}, stride {}) reaches past the end of storage '{}' "
                                       "({} elements)",
                                       t.offset, ints_string(t.size), ints_string(t.stride), s.key, storage_elems));
            ti_out.offset = rec.offset + first_elem * item;
            if (is_contiguous(t.size, t.stride)) {
                ti_out.nbytes = *numel * item;
            } else {
                ti_out.nbytes = (reach + 1) * item;
                ti_out.strides = t.stride;
            }
        }
        m.tensors.push_back(std::move(ti_out));
    }
    return m;
}

}  // namespace qs::io
