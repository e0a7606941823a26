// The model browser's tree: tensor names split at '.' and '/' into groups
// (model > layers > 12 > mlp > up_proj.weight), single-child chains merged,
// children sorted by a column (names in natural order: 2 before 10), and a
// filter that keeps groups with a matching tensor. GL-free, unit-tested.
#pragma once

#include "core/io/model_index.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

struct TreeNode {
    std::string label;               // shown text: one or more name components
    std::string prefix;              // full name up to and including this node
    int64_t tensor = -1;             // leaf: tensor index; group: -1
    std::vector<uint32_t> children;  // node indices
    uint64_t count = 0;              // tensors below (1 for a leaf)
    uint64_t params = 0;             // elements below
    uint64_t bytes = 0;              // stored bytes below
    uint64_t first = 0;              // smallest tensor index below (file order)
};

struct TensorTree {
    std::vector<TreeNode> nodes;     // nodes[0] is the root (label "")
    bool leaf(uint32_t i) const { return nodes[i].tensor >= 0; }
};

enum class TreeSort : uint8_t { Name, File, Shape, DType, Params, Size };

TensorTree build_tensor_tree(const io::ModelIndex& model);
void sort_tree(TensorTree& tree, const io::ModelIndex& model, TreeSort key, bool descending);

// visible[i]: node i is a matching leaf or a group with one below it. An empty
// filter shows everything. Case-insensitive substring match on the full name;
// several words separated by spaces must all match.
std::vector<uint8_t> filter_tree(const TensorTree& tree, const io::ModelIndex& model, std::string_view filter);

// Natural order: "layers.2" < "layers.10".
bool natural_less(std::string_view a, std::string_view b);

}  // namespace qs::app
