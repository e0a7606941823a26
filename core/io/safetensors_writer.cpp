// safetensors writer (see safetensors_writer.hpp). The header is built with
// nlohmann::ordered_json so tensors appear in the order they are stored.
#include "core/io/safetensors_writer.hpp"

#include "core/util/atomic_write.hpp"
#include "core/util/checked.hpp"

#include <nlohmann/json.hpp>

#include <bit>
#include <cstring>
#include <set>

namespace qs::io {

static_assert(std::endian::native == std::endian::little, "safetensors bytes are written as they lie in memory");

TensorToWrite f32_tensor(std::string name, std::vector<int64_t> shape, std::span<const float> data) {
    return {std::move(name), DType::F32, std::move(shape),
            {reinterpret_cast<const uint8_t*>(data.data()), data.size_bytes()}};
}

Result<std::vector<uint8_t>> serialize_safetensors(std::span<const TensorToWrite> tensors,
                                                   const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata) m[k] = v;
        header["__metadata__"] = std::move(m);
    }
    std::set<std::string> seen;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        if (t.name.empty()) return Error{"safetensors writer: a tensor has an empty name"};
        if (t.name == "__metadata__") return Error{"safetensors writer: '__metadata__' is not a valid tensor name"};
        if (!seen.insert(t.name).second) return make_error("safetensors writer: tensor '{}' appears twice", t.name);
        const DTypeInfo& info = dtype_info(t.dtype);
        if (info.block_elems != 1)
            return make_error("safetensors writer: tensor '{}': dtype {} is a block type", t.name, info.name);
        auto numel = checked_numel(t.shape);
        if (!numel) return make_error("safetensors writer: tensor '{}': invalid shape", t.name);
        auto nbytes = dtype_nbytes(t.dtype, *numel);
        if (!nbytes || *nbytes != t.bytes.size())
            return make_error("safetensors writer: tensor '{}': {} bytes given, shape and dtype need {}", t.name,
                              t.bytes.size(), nbytes ? std::to_string(*nbytes) : std::string("too many"));
        auto end = checked_add(offset, *nbytes);
        if (!end) return make_error("safetensors writer: tensor '{}': total size overflows", t.name);
        header[t.name] = {{"dtype", info.name}, {"shape", t.shape}, {"data_offsets", {offset, *end}}};
        offset = *end;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // as the reference writer: data starts 8-aligned
    std::vector<uint8_t> out;
    out.reserve(8 + text.size() + offset);
    const uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) out.push_back(uint8_t(n >> (8 * i)));
    out.insert(out.end(), text.begin(), text.end());
    for (const auto& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    return out;
}

Status write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                         const std::map<std::string, std::string>& metadata) {
    auto bytes = serialize_safetensors(tensors, metadata);
    if (!bytes) return make_error("{}: {}", path.string(), bytes.message());
    return write_file_atomic(path, std::span<const uint8_t>(*bytes));
}

std::string SafetensorsStreamWriter::header(const std::vector<std::vector<int64_t>>& shapes) const {
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    if (!metadata_.empty()) {
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata_) m[k] = v;
        h["__metadata__"] = std::move(m);
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < decls_.size(); ++i) {
        const uint64_t n = *dtype_nbytes(decls_[i].dtype, *checked_numel(shapes[i]));  // checked in create()
        h[decls_[i].name] = {{"dtype", dtype_name(decls_[i].dtype)}, {"shape", shapes[i]}, {"data_offsets", {offset, offset + n}}};
        offset += n;
    }
    return h.dump();
}

Result<SafetensorsStreamWriter> SafetensorsStreamWriter::create(const std::filesystem::path& path,
                                                                std::vector<TensorDecl> decls,
                                                                const std::map<std::string, std::string>& metadata) {
    const std::string p = path.string();
    std::set<std::string> seen;
    uint64_t total = 0;
    for (const auto& d : decls) {
        if (d.name.empty()) return make_error("{}: safetensors writer: a tensor has an empty name", p);
        if (d.name == "__metadata__")
            return make_error("{}: safetensors writer: '__metadata__' is not a valid tensor name", p);
        if (!seen.insert(d.name).second) return make_error("{}: safetensors writer: tensor '{}' appears twice", p, d.name);
        if (dtype_info(d.dtype).block_elems != 1)
            return make_error("{}: safetensors writer: tensor '{}': dtype {} is a block type", p, d.name, dtype_name(d.dtype));
        auto numel = checked_numel(d.max_shape);
        auto nbytes = numel ? dtype_nbytes(d.dtype, *numel) : std::nullopt;
        auto sum = nbytes ? checked_add(total, *nbytes) : std::nullopt;
        if (!sum || *sum > (uint64_t(1) << 48)) return make_error("{}: safetensors writer: tensor '{}': invalid or too large shape", p, d.name);
        total = *sum;
    }
    auto file = AtomicFile::create(path);
    if (!file) return file.error();
    SafetensorsStreamWriter w(std::move(*file));
    w.path_ = p;
    w.decls_ = std::move(decls);
    w.metadata_ = metadata;
    std::vector<std::vector<int64_t>> bounds;
    for (const auto& d : w.decls_) bounds.push_back(d.max_shape);
    const uint64_t n = w.header(bounds).size();
    w.reserved_ = n + (8 - n % 8) % 8;
    std::vector<uint8_t> head(8 + w.reserved_, ' ');
    for (int i = 0; i < 8; ++i) head[size_t(i)] = uint8_t(w.reserved_ >> (8 * i));
    QS_TRY(w.file_.append(head));
    return w;
}

Status SafetensorsStreamWriter::write_next(std::span<const int64_t> shape, std::span<const uint8_t> bytes) {
    if (shapes_.size() >= decls_.size()) return make_error("{}: safetensors writer: more tensors than declared", path_);
    const TensorDecl& d = decls_[shapes_.size()];
    bool fits = shape.size() == d.max_shape.size();
    for (size_t i = 0; fits && i < shape.size(); ++i) fits = shape[i] >= 0 && shape[i] <= d.max_shape[i];
    if (!fits) return make_error("{}: safetensors writer: tensor '{}': shape exceeds its declared bound", path_, d.name);
    const uint64_t need = *dtype_nbytes(d.dtype, *checked_numel(shape));
    if (need != bytes.size())
        return make_error("{}: safetensors writer: tensor '{}': {} bytes given, shape and dtype need {}", path_, d.name,
                          bytes.size(), need);
    QS_TRY(file_.append(bytes));
    shapes_.emplace_back(shape.begin(), shape.end());
    return {};
}

Status SafetensorsStreamWriter::finish() {
    if (shapes_.size() != decls_.size())
        return make_error("{}: safetensors writer: {} of {} declared tensors written", path_, shapes_.size(), decls_.size());
    std::string text = header(shapes_);
    if (text.size() > reserved_) return make_error("{}: safetensors writer: header outgrew its reservation", path_);
    text.append(reserved_ - text.size(), ' ');
    std::vector<uint8_t> head(8);
    for (int i = 0; i < 8; ++i) head[size_t(i)] = uint8_t(reserved_ >> (8 * i));
    head.insert(head.end(), text.begin(), text.end());
    QS_TRY(file_.write_at(0, head));
    return file_.commit();
}

}  // namespace qs::io
