// Cost tables: candidate parsing, sharding, importance weighting and JSON, with
// costs checked against values worked out by hand (see the comments).
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/quant/spec.hpp"
#include "core/sensitivity/cost_table.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

namespace qs::sensitivity {
namespace {

quant::QuantSpec spec(const char* text) {
    auto s = quant::parse_spec_text(text);
    EXPECT_TRUE(s.ok()) << text;
    return *s;
}

TEST(Candidates, ShortGroupAliasAndClipCommas) {
    auto c = parse_candidates("int2:g64, int4:g128 ,int8,int4:clip=-1.5,2:tensor");
    ASSERT_TRUE(c.ok()) << c.message();
    ASSERT_EQ(c->size(), 4u);
    EXPECT_EQ((*c)[0].label, "int2:g64");
    EXPECT_EQ((*c)[0].spec, spec("int2:group=64"));
    EXPECT_EQ((*c)[1].spec, spec("int4:group=128"));
    EXPECT_EQ((*c)[2].spec, spec("int8"));
    EXPECT_EQ((*c)[3].label, "int4:clip=-1.5,2:tensor");
    EXPECT_EQ((*c)[3].spec, spec("int4:clip=-1.5,2:tensor"));
}

TEST(Candidates, Refusals) {
    EXPECT_FALSE(parse_candidates("").ok());
    EXPECT_FALSE(parse_candidates("int4,,int8").ok());
    auto dup = parse_candidates("int4,int4");
    ASSERT_FALSE(dup.ok());
    EXPECT_NE(dup.message().find("twice"), std::string::npos);
    auto bad = parse_candidates("int4,int99");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("int99"), std::string::npos);
}

TEST(Shard, Parse) {
    auto s = parse_shard("3/8");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->index, 2u);
    EXPECT_EQ(s->count, 8u);
    for (const char* bad : {"0/4", "5/4", "1/0", "x/4", "1-4", "1/", "/3", "1/4x"}) EXPECT_FALSE(parse_shard(bad).ok()) << bad;
}

// A model with tensors of sizes 1..12 x 8: shards cover each exactly once and balance.
TEST(Shard, PartitionIsExactAndBalanced) {
    io::ModelIndex m;
    std::vector<size_t> all;
    for (int i = 0; i < 12; ++i) {
        io::TensorInfo t;
        t.name = "t" + std::to_string(i);
        t.shape = {i + 1, 8};
        m.tensors.push_back(t);
        all.push_back(size_t(i));
    }
    for (uint32_t n : {1u, 2u, 3u, 5u, 12u, 20u}) {
        std::multiset<size_t> got;
        uint64_t max_load = 0;
        for (uint32_t i = 0; i < n; ++i) {
            auto mine = shard_tensors(m, all, {i, n});
            EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
            uint64_t load = 0;
            for (size_t t : mine) load += m.tensors[t].numel();
            max_load = std::max(max_load, load);
            got.insert(mine.begin(), mine.end());
        }
        EXPECT_EQ(got, std::multiset<size_t>(all.begin(), all.end())) << n;
        // 624 elements in all; largest-first keeps the busiest shard within one tensor of the mean.
        EXPECT_LE(double(max_load), 624.0 / n + 96.0) << n;
    }
}

class CostsOnTinyModel : public ::testing::Test {
protected:
    void SetUp() override {
        // w: [[1, -0.5], [0.25, 0]]; b: 1-D (kept); v: 64 values for a second tensor.
        const std::vector<float> w = {1.0f, -0.5f, 0.25f, 0.0f};
        const std::vector<float> b = {0.5f, 0.5f};
        std::vector<float> v(64);
        for (int i = 0; i < 64; ++i) v[i] = float(i - 32) / 8.0f;
        const std::vector<io::TensorToWrite> ts = {io::f32_tensor("w", {2, 2}, w), io::f32_tensor("b", {2}, b),
                                                   io::f32_tensor("v", {8, 8}, v)};
        path_ = dir_ / "m.safetensors";
        ASSERT_TRUE(io::write_safetensors(path_, ts).ok());
        auto m = io::open_model(path_);
        ASSERT_TRUE(m.ok()) << m.message();
        model_ = std::move(*m);
        auto c = parse_candidates("int2:tensor,int8:tensor");
        ASSERT_TRUE(c.ok());
        cands_ = *c;
    }
    test::TempDir dir_;
    std::filesystem::path path_;
    io::ModelIndex model_;
    std::vector<CandidateSpec> cands_;
};

// int2 symmetric restricted, per tensor, minmax: scale = 1, q = round_half_even(x) in [-1, 1]
// -> w^ = [1, 0, 0, 0] (-0.5 rounds to even 0), error^2 = 0.25 + 0.0625 = 0.3125; bpw = 2 + 32/4.
// int8: scale = 1/127; x/scale = 127, -63.5 -> -64, 31.75 -> 32, 0; error^2 = (0.5^2 + 0.25^2)/127^2.
TEST_F(CostsOnTinyModel, DataFreeCostsByHand) {
    const auto imp = Importance::data_free(4 + 64);
    auto t = compute_costs(model_, {0, 2}, {1}, cands_, imp, {});
    ASSERT_TRUE(t.ok()) << t.message();
    ASSERT_EQ(t->tensors.size(), 2u);
    const auto& w = t->tensors[0];
    EXPECT_EQ(w.name, "w");
    EXPECT_DOUBLE_EQ(w.sum_sq, 1.3125);
    EXPECT_NEAR(w.costs[0].sum_sq_err, 0.3125, 1e-12);
    EXPECT_DOUBLE_EQ(w.costs[0].bits_per_weight, 10.0);
    // data-free cost: relative error x parameter share
    EXPECT_NEAR(w.costs[0].cost, 0.3125 / 1.3125 * 4.0 / 68.0, 1e-12);
    EXPECT_NEAR(w.costs[1].sum_sq_err, 0.3125 / (127.0 * 127.0), 1e-9);
    ASSERT_EQ(t->kept.size(), 1u);
    EXPECT_EQ(t->kept[0].name, "b");
}

TEST_F(CostsOnTinyModel, TraceWeightedIsHawqV2) {
    TraceTable tr;
    tr.tensors["w"] = TensorTrace{8.0, 0.5, 4, 20, true, {}};  // Tr/n = 2
    tr.tensors["v"] = TensorTrace{64.0, 0.0, 0, 20, true, {}};  // Tr/n = 1
    auto t = compute_costs(model_, {0, 2}, {1}, cands_, Importance::from_traces(tr), {});
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_NEAR(t->tensors[0].costs[0].cost, 2.0 * 0.3125, 1e-12);
    EXPECT_DOUBLE_EQ(t->tensors[0].score, 2.0);
    EXPECT_DOUBLE_EQ(t->tensors[0].score_se, 0.125);
    EXPECT_NEAR(t->tensors[1].costs[1].cost, t->tensors[1].costs[1].sum_sq_err, 1e-15);

    tr.tensors.erase("v");
    auto missing = compute_costs(model_, {0, 2}, {1}, cands_, Importance::from_traces(tr), {});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("'v'"), std::string::npos);
    tr.tensors["v"] = TensorTrace{64.0, 0.0, 65, 20, true, {}};
    auto wrong_n = compute_costs(model_, {0, 2}, {1}, cands_, Importance::from_traces(tr), {});
    ASSERT_FALSE(wrong_n.ok());
    EXPECT_NE(wrong_n.message().find("65"), std::string::npos);
}

// imatrix weights per input column: w's errors are -0.5 at column 1 (importance 3) and
// 0.25 at column 0 (importance 1): cost = 3 * 0.25 + 1 * 0.0625 = 0.8125.
TEST_F(CostsOnTinyModel, ImatrixWeightsColumns) {
    io::Imatrix im;
    io::ImatrixEntry e;
    e.name = "w";
    e.n_per_row = 2;
    e.importance = {1.0f, 3.0f};
    im.entries.push_back(e);
    auto t = compute_costs(model_, {0, 2}, {1}, cands_, Importance::from_imatrix(im), {});
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_NEAR(t->tensors[0].costs[0].cost, 0.8125, 1e-12);
    EXPECT_DOUBLE_EQ(t->tensors[0].score, 2.0);
    // v is not in the imatrix: weighted by the median mean importance (2) and flagged
    EXPECT_NEAR(t->tensors[1].costs[0].cost, 2.0 * t->tensors[1].costs[0].sum_sq_err, 1e-9);
    EXPECT_FALSE(t->tensors[1].note.empty());
}

TEST(Importance, ImatrixMatricesAndMismatch) {
    io::Imatrix im;
    io::ImatrixEntry e;
    e.name = "experts";
    e.n_per_row = 2;
    e.n_mat = 2;
    e.importance = {1, 2, 10, 20};  // matrix 0: columns 1, 2; matrix 1: 10, 20
    im.entries.push_back(e);
    const auto imp = Importance::from_imatrix(im);
    const std::vector<int64_t> shape = {2, 1, 2};
    auto w = imp.weight_for("experts", shape, 4, 0.0);
    ASSERT_TRUE(w.ok()) << w.message();
    const std::vector<float> x = {1, 1, 1, 1}, xq = {0, 0, 0, 0};
    EXPECT_DOUBLE_EQ(weighted_sq_error(*w, x, xq), 33.0);
    const std::vector<int64_t> bad = {2, 3};
    EXPECT_FALSE(imp.weight_for("experts", bad, 6, 0.0).ok());
}

TEST_F(CostsOnTinyModel, InfeasibleCandidateIsRecordedNotFatal) {
    auto c = parse_candidates("int4:channel=3,int8:tensor");
    ASSERT_TRUE(c.ok());
    auto t = compute_costs(model_, {0}, {}, *c, Importance::data_free(4), {});
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_FALSE(t->tensors[0].costs[0].feasible);
    EXPECT_FALSE(t->tensors[0].costs[0].why.empty());
    EXPECT_TRUE(t->tensors[0].costs[1].feasible);
}

TEST_F(CostsOnTinyModel, ShardsMergeToTheFullTableAndJsonRoundTrips) {
    const auto imp = Importance::data_free(68);
    auto full = compute_costs(model_, {0, 2}, {1}, cands_, imp, {});
    ASSERT_TRUE(full.ok());
    std::vector<CostTable> parts;
    for (uint32_t i : {1u, 0u}) {  // out of order on purpose
        auto p = compute_costs(model_, {0, 2}, {1}, cands_, imp, {i, 2});
        ASSERT_TRUE(p.ok());
        EXPECT_EQ(p->tensors.size(), 1u);
        const auto path = dir_ / ("part" + std::to_string(i) + ".json");
        ASSERT_TRUE(write_cost_table(*p, path).ok());
        auto back = read_cost_table(path);
        ASSERT_TRUE(back.ok()) << back.message();
        parts.push_back(std::move(*back));
    }
    auto merged = merge_cost_tables(parts);
    ASSERT_TRUE(merged.ok()) << merged.message();
    EXPECT_EQ(cost_table_to_json(*merged), cost_table_to_json(*full));

    auto one = merge_cost_tables({parts[0]});
    ASSERT_FALSE(one.ok());
    EXPECT_NE(one.message().find("missing shard(s) 1 of 2"), std::string::npos) << one.message();
    auto twice = merge_cost_tables({parts[0], parts[0]});
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.message().find("twice"), std::string::npos);
    auto other = parts[0];
    other.fingerprint = "0";
    EXPECT_FALSE(merge_cost_tables({parts[1], other}).ok());
}

TEST(CostTableJson, MalformedIsRefusedWithTheField) {
    using nlohmann::json;
    EXPECT_FALSE(cost_table_from_json(json::object(), "x").ok());
    EXPECT_FALSE(cost_table_from_json(json{{"quantscope_costs", 2}}, "x").ok());
    json j = json::parse(R"({"quantscope_costs":1,"model":"m","fingerprint":"f","source":"data-free",
        "quantizable_total":1,"shard":{"index":1,"count":1},
        "candidates":[{"label":"int8","spec":"int8"}],
        "tensors":[{"index":0,"name":"w","shape":[2],"dtype":"F32","numel":2,"sum_sq":1,"score":0,
                    "costs":[{"bpw":-1,"sum_sq_err":0,"cost":0}]}]})");
    auto r = cost_table_from_json(j, "x.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("tensor 'w'"), std::string::npos) << r.message();
    j["tensors"][0]["costs"][0]["bpw"] = 8.5;
    EXPECT_TRUE(cost_table_from_json(j, "x.json").ok());
    j["tensors"][0]["costs"].push_back(j["tensors"][0]["costs"][0]);
    EXPECT_FALSE(cost_table_from_json(j, "x.json").ok());
    j["tensors"][0]["costs"].erase(1);
    j["shard"]["index"] = 3;
    EXPECT_FALSE(cost_table_from_json(j, "x.json").ok());
}

}  // namespace
}  // namespace qs::sensitivity
