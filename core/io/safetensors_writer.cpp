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

}  // namespace qs::io
