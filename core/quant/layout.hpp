// Which group (one set of quantization parameters) each element of a tensor
// belongs to, for every granularity. Pure index arithmetic on the shape; the
// reference and the fused path both use it, and tests check it by hand.
//
//   per-tensor   one group
//   per-channel  shape viewed as (outer, C, inner) around `axis`; group = channel.
//                Rank-0 and rank-1 tensors have a single channel (a bias vector is
//                quantized with one scale, not one scale per element).
//   per-group    shape viewed as (rows, cols) with cols = last dimension; each row is
//                cut into ceil(cols / G) groups of G, the last one possibly shorter.
//   per-block    the same (rows, cols) view cut into br x bc tiles, partial at the edges.
#pragma once

#include "core/quant/spec.hpp"

#include <cstdint>
#include <span>

namespace qs::quant {

struct Layout {
    Granularity kind = Granularity::PerTensor;  // effective (rank <= 1 per-channel -> per-tensor)
    uint64_t numel = 0;
    uint64_t n_groups = 0;
    // per-channel view
    uint64_t outer = 1, channels = 1, inner = 1;
    // per-group / per-block view
    uint64_t rows = 1, cols = 1;
    uint64_t group = 1, groups_per_row = 1;      // per-group
    uint64_t block_rows = 1, block_cols = 1;     // per-block
    uint64_t blocks_per_row = 1;

    uint64_t group_of(uint64_t flat) const;
    uint64_t group_numel(uint64_t g) const;  // elements in group g
};

// `spec` must have passed validate(spec, shape).
Layout make_layout(std::span<const int64_t> shape, const QuantSpec& spec);

}  // namespace qs::quant
