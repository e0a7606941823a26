// The model browser's tree: grouping by name prefix, merged single-child
// chains, natural and column sorts, filtering. Expected trees written by hand.
#include "app/state/tensor_tree.hpp"

#include <gtest/gtest.h>

namespace qs::app {
namespace {

io::ModelIndex model_of(std::vector<std::pair<std::string, std::vector<int64_t>>> specs) {
    io::ModelIndex m;
    m.path = "synthetic";
    for (auto& [name, shape] : specs) {
        io::TensorInfo t;
        t.name = name;
        t.shape = shape;
        t.dtype = io::DType::F32;
        t.nbytes = t.numel() * 4;
        m.tensors.push_back(t);
    }
    return m;
}

// "label(children...)" rendering of the sorted tree, for compact expectations.
std::string render(const TensorTree& t, uint32_t i = 0) {
    std::string o = t.nodes[i].label;
    if (!t.leaf(i)) {
        o += "(";
        for (size_t k = 0; k < t.nodes[i].children.size(); ++k)
            o += (k ? " " : "") + render(t, t.nodes[i].children[k]);
        o += ")";
    }
    return o;
}

TEST(TensorTree, GroupsByPrefixAndMergesChains) {
    auto m = model_of({{"model.layers.10.mlp.w", {4, 4}},
                       {"model.layers.2.mlp.w", {4, 4}},
                       {"model.layers.2.attn.q", {2, 4}},
                       {"model.norm.weight", {4}},
                       {"lm_head.weight", {8, 4}}});
    auto t = build_tensor_tree(m);
    sort_tree(t, m, TreeSort::Name, false);
    // layers.10 has a single child "mlp" with a single leaf "w": merged into "10.mlp.w";
    // "norm" holds one leaf: "norm.weight"; "lm_head" likewise.
    EXPECT_EQ(render(t), "(lm_head.weight model(layers(2(attn.q mlp.w) 10.mlp.w) norm.weight))");
    const TreeNode& root = t.nodes[0];
    EXPECT_EQ(root.count, 5u);
    EXPECT_EQ(root.params, 16u + 16 + 8 + 4 + 32);
}

TEST(TensorTree, SortsByColumnsAndFileOrder) {
    auto m = model_of({{"b.x", {10}}, {"a.x", {1000}}, {"c.x", {100}}});
    auto t = build_tensor_tree(m);
    sort_tree(t, m, TreeSort::Params, true);
    EXPECT_EQ(render(t), "(a.x c.x b.x)");
    sort_tree(t, m, TreeSort::File, false);
    EXPECT_EQ(render(t), "(b.x a.x c.x)");
    sort_tree(t, m, TreeSort::Size, false);
    EXPECT_EQ(render(t), "(b.x c.x a.x)");
}

TEST(TensorTree, FilterKeepsGroupsWithMatches) {
    auto m = model_of({{"blk.0.attn_q.weight", {2, 2}}, {"blk.0.ffn_up.weight", {2, 2}}, {"blk.1.attn_q.weight", {2, 2}},
                       {"output.weight", {2, 2}}});
    auto t = build_tensor_tree(m);
    auto vis = filter_tree(t, m, "ATTN_Q");
    int leaves = 0;
    for (size_t i = 0; i < t.nodes.size(); ++i)
        if (t.leaf(uint32_t(i)) && vis[i]) ++leaves;
    EXPECT_EQ(leaves, 2);
    EXPECT_TRUE(vis[0]);
    // Words must all match.
    vis = filter_tree(t, m, "blk.1 attn");
    leaves = 0;
    for (size_t i = 0; i < t.nodes.size(); ++i)
        if (t.leaf(uint32_t(i)) && vis[i]) ++leaves;
    EXPECT_EQ(leaves, 1);
    vis = filter_tree(t, m, "nothing-matches");
    EXPECT_FALSE(vis[0]);
    vis = filter_tree(t, m, "  ");
    EXPECT_TRUE(std::all_of(vis.begin(), vis.end(), [](uint8_t v) { return v; }));
}

TEST(TensorTree, NaturalOrder) {
    EXPECT_TRUE(natural_less("layers.2", "layers.10"));
    EXPECT_FALSE(natural_less("layers.10", "layers.2"));
    EXPECT_TRUE(natural_less("a", "b"));
    EXPECT_TRUE(natural_less("x1", "x01"));
    EXPECT_FALSE(natural_less("same", "same"));
    EXPECT_TRUE(natural_less("abc", "abcd"));
}

TEST(TensorTree, EmptyAndOddNames) {
    auto m = model_of({});
    auto t = build_tensor_tree(m);
    EXPECT_EQ(t.nodes.size(), 1u);
    auto m2 = model_of({{"", {1}}, {"..", {1}}, {"/a//b/", {1}}});
    auto t2 = build_tensor_tree(m2);
    EXPECT_EQ(t2.nodes[0].count, 3u);
}

}  // namespace
}  // namespace qs::app
