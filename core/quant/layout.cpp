// Group index arithmetic for every granularity (see layout.hpp).
#include "core/quant/layout.hpp"

#include <algorithm>

namespace qs::quant {

Layout make_layout(std::span<const int64_t> shape, const QuantSpec& spec) {
    Layout L;
    L.numel = 1;
    for (int64_t d : shape) L.numel *= uint64_t(d);
    const uint64_t last = shape.empty() ? 1 : uint64_t(shape.back());
    L.cols = last;
    L.rows = last == 0 ? 0 : L.numel / last;

    L.kind = spec.granularity;
    if (L.kind == Granularity::PerChannel && shape.size() <= 1) L.kind = Granularity::PerTensor;

    switch (L.kind) {
        case Granularity::PerTensor: L.n_groups = L.numel ? 1 : 0; break;
        case Granularity::PerChannel: {
            const int rank = int(shape.size());
            const int axis = spec.axis < 0 ? spec.axis + rank : spec.axis;
            L.outer = 1;
            L.inner = 1;
            for (int i = 0; i < axis; ++i) L.outer *= uint64_t(shape[i]);
            for (int i = axis + 1; i < rank; ++i) L.inner *= uint64_t(shape[i]);
            L.channels = uint64_t(shape[axis]);
            L.n_groups = L.numel ? L.channels : 0;
            break;
        }
        case Granularity::PerGroup:
            L.group = uint64_t(spec.group_size);
            L.groups_per_row = (L.cols + L.group - 1) / L.group;
            L.n_groups = L.numel ? L.rows * L.groups_per_row : 0;
            break;
        case Granularity::PerBlock:
            L.block_rows = uint64_t(spec.block_rows);
            L.block_cols = uint64_t(spec.block_cols);
            L.blocks_per_row = (L.cols + L.block_cols - 1) / L.block_cols;
            L.n_groups = L.numel ? ((L.rows + L.block_rows - 1) / L.block_rows) * L.blocks_per_row : 0;
            break;
    }
    return L;
}

uint64_t Layout::group_of(uint64_t flat) const {
    switch (kind) {
        case Granularity::PerTensor: return 0;
        case Granularity::PerChannel: return (flat / inner) % channels;
        case Granularity::PerGroup: return (flat / cols) * groups_per_row + (flat % cols) / group;
        case Granularity::PerBlock: {
            const uint64_t r = flat / cols, c = flat % cols;
            return (r / block_rows) * blocks_per_row + c / block_cols;
        }
    }
    return 0;
}

uint64_t Layout::group_numel(uint64_t g) const {
    switch (kind) {
        case Granularity::PerTensor: return numel;
        case Granularity::PerChannel: return outer * inner;
        case Granularity::PerGroup: {
            const uint64_t j = g % groups_per_row;
            return std::min(group, cols - j * group);
        }
        case Granularity::PerBlock: {
            const uint64_t br = g / blocks_per_row, bc = g % blocks_per_row;
            const uint64_t h = std::min(block_rows, rows - br * block_rows);
            const uint64_t w = std::min(block_cols, cols - bc * block_cols);
            return h * w;
        }
    }
    return 0;
}

}  // namespace qs::quant
