#include "core/io/model_index.hpp"

#include "core/io/summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qs::io {

uint64_t TensorInfo::numel() const {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);  // validated by the reader
    return n;
}

uint64_t ModelIndex::total_params() const {
    uint64_t n = 0;
    for (const auto& t : tensors) n += t.numel();
    return n;
}

uint64_t ModelIndex::total_bytes() const {
    uint64_t n = 0;
    for (const auto& t : tensors) n += stored_bytes(t);
    return n;
}

int64_t ModelIndex::find(std::string_view name) const {
    for (size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == name) return int64_t(i);
    return -1;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

}  // namespace qs::io
