// Grouped totals of a ModelIndex, shared by `quantscope-cli info` and the
// GUI's model browser: per dtype, and per tensor "kind" (the name with layer
// numbers replaced by '*', so all layers' q_proj weights add up together).
#pragma once

#include "core/io/model_index.hpp"

#include <string>
#include <vector>

namespace qs::io {

struct GroupTotal {
    std::string key;
    uint64_t tensors = 0;
    uint64_t params = 0;
    uint64_t bytes = 0;
};

// "model.layers.12.mlp.up_proj.weight" -> "model.layers.*.mlp.up_proj.weight"
std::string tensor_kind(std::string_view name);

std::vector<GroupTotal> totals_by_dtype(const ModelIndex& m);
std::vector<GroupTotal> totals_by_kind(const ModelIndex& m);

// Stored bytes of one tensor (inflated size for compressed members).
uint64_t stored_bytes(const TensorInfo& t);

}  // namespace qs::io
