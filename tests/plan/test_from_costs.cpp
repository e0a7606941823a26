// Planning from a cost table: the chosen plan against brute force over every
// assignment, pins, ties (incl. the built-in q/k/v ties), uniform baselines, and
// the PlanDocument's totals.
#include "core/plan/from_costs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace qs::plan {
namespace {

using sensitivity::CandidateCost;
using sensitivity::CostTable;
using sensitivity::TensorCosts;

quant::QuantSpec spec(const char* text) { return *quant::parse_spec_text(text); }

// Candidates A (2 bpw), B (4 bpw), C (8 bpw); costs[layer][candidate]; 100 elements each.
CostTable table(const std::vector<std::string>& names, const std::vector<std::vector<double>>& costs) {
    CostTable t;
    t.model = "m";
    t.candidates = {{"A", spec("int2")}, {"B", spec("int4")}, {"C", spec("int8")}};
    const double bpw[] = {2, 4, 8};
    for (size_t i = 0; i < names.size(); ++i) {
        TensorCosts tc;
        tc.index = i * 2;  // leave gaps for kept tensors
        tc.name = names[i];
        tc.shape = {10, 10};
        tc.numel = 100;
        tc.dtype = "F32";
        for (size_t c = 0; c < 3; ++c) {
            CandidateCost cc;
            cc.bits_per_weight = bpw[c];
            cc.cost = costs[i][c];
            cc.sum_sq_err = costs[i][c];
            tc.costs.push_back(cc);
        }
        t.tensors.push_back(tc);
    }
    t.quantizable_total = names.size();
    t.kept.push_back({1, "norm", {10}, "F32"});
    return t;
}

// Minimum cost over all 3^n assignments within the budget, honouring pins/ties via `ok`.
double brute(const CostTable& t, double budget_bits, const std::function<bool(const std::vector<int>&)>& ok) {
    const size_t n = t.tensors.size();
    std::vector<int> a(n, 0);
    double best = INFINITY;
    for (;;) {
        double bits = 0, cost = 0;
        for (size_t i = 0; i < n; ++i) {
            bits += t.tensors[i].costs[a[i]].bits_per_weight * 100;
            cost += t.tensors[i].costs[a[i]].cost;
        }
        if (bits <= budget_bits + 1e-9 && ok(a)) best = std::min(best, cost);
        size_t k = 0;
        while (k < n && ++a[k] == 3) a[k++] = 0;
        if (k == n) break;
    }
    return best;
}

TEST(PlanFromCosts, OptimalAgainstBruteForce) {
    const auto t = table({"l0", "l1", "l2", "l3"}, {{10, 2, 0}, {1, 0.5, 0}, {5, 1, 0}, {3, 2.5, 0.1}});
    for (double bpw : {2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.5, 8.0}) {
        PlanRequest req;
        req.budget_bpw = bpw;
        auto out = plan_from_costs(t, req);
        ASSERT_TRUE(out.ok()) << out.message();
        const double want = brute(t, bpw * 400, [](const std::vector<int>&) { return true; });
        EXPECT_NEAR(out->doc.total_predicted_cost, want, 1e-12) << bpw;
        EXPECT_TRUE(out->doc.optimal);
        EXPECT_LE(out->doc.avg_bpw(), bpw + 1e-12);
        EXPECT_GE(out->greedy.cost, out->exact.cost - 1e-12);
    }
}

TEST(PlanFromCosts, DocumentRowsAndBaselines) {
    const auto t = table({"l0", "l1"}, {{10, 2, 0}, {1, 0.5, 0}});
    PlanRequest req;
    req.budget_bytes = 100;  // 800 bits: B + B (800) costs 2.5, A + C (1000) does not fit
    auto out = plan_from_costs(t, req);
    ASSERT_TRUE(out.ok()) << out.message();
    const auto& d = out->doc;
    ASSERT_EQ(d.tensors.size(), 3u);  // l0, norm (kept, index 1), l1
    EXPECT_EQ(d.tensors[0].name, "l0");
    EXPECT_EQ(d.tensors[0].label, "B");
    EXPECT_EQ(d.tensors[0].spec, spec("int4"));
    EXPECT_EQ(d.tensors[1].name, "norm");
    EXPECT_FALSE(d.tensors[1].quantized);
    EXPECT_EQ(d.tensors[2].label, "B");
    EXPECT_DOUBLE_EQ(d.total_predicted_cost, 2.5);
    EXPECT_EQ(d.quantized_params, 200u);
    EXPECT_DOUBLE_EQ(d.avg_bpw(), 4.0);
    EXPECT_EQ(d.candidates, (std::vector<std::string>{"A", "B", "C"}));
    ASSERT_EQ(out->uniform.size(), 3u);
    EXPECT_DOUBLE_EQ(out->uniform[0].cost, 11.0);
    EXPECT_DOUBLE_EQ(out->uniform[0].bits, 400.0);
    EXPECT_DOUBLE_EQ(out->uniform[2].bits, 1600.0);
}

TEST(PlanFromCosts, PinsForceAndReport) {
    const auto t = table({"l0", "l1", "l2"}, {{10, 2, 0}, {1, 0.5, 0}, {5, 1, 0}});
    PlanRequest req;
    req.budget_bpw = 4.0;
    req.pins = {{"^l0$", "C"}, {"nomatch", "A"}};
    auto out = plan_from_costs(t, req);
    ASSERT_TRUE(out.ok()) << out.message();
    EXPECT_EQ(out->doc.tensors[0].label, "C");
    EXPECT_TRUE(out->doc.tensors[0].pinned);
    const double want = brute(t, 1200, [](const std::vector<int>& a) { return a[0] == 2; });
    EXPECT_DOUBLE_EQ(out->doc.total_predicted_cost, want);  // l1, l2 must both go to A: 6
    EXPECT_DOUBLE_EQ(want, 6.0);
    ASSERT_EQ(out->notes.size(), 1u);
    EXPECT_NE(out->notes[0].find("nomatch"), std::string::npos);

    req.pins = {{"l0", "Z"}};
    EXPECT_FALSE(plan_from_costs(t, req).ok());
    req.pins = {{"(", "A"}};
    auto bad = plan_from_costs(t, req);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("regular expression"), std::string::npos);
}

TEST(PlanFromCosts, CommonTiesGroupQkvPerLayer) {
    const std::vector<std::string> names = {
        "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight", "model.layers.1.self_attn.q_proj.weight",
        "model.layers.1.self_attn.k_proj.weight", "model.layers.0.mlp.down_proj.weight"};
    // Untied, q of layer 0 would take C and k/v A; tied, all three must agree.
    const auto t = table(names, {{50, 40, 0}, {0.1, 0, 0}, {0.1, 0, 0}, {1, 0.5, 0}, {1, 0.5, 0}, {1, 0.5, 0}});
    PlanRequest req;
    req.budget_bpw = 4.0;
    req.tie_common = true;
    auto out = plan_from_costs(t, req);
    ASSERT_TRUE(out.ok()) << out.message();
    ASSERT_EQ(out->groups.size(), 2u);
    EXPECT_EQ(out->groups[0], (std::vector<size_t>{0, 1, 2}));
    EXPECT_EQ(out->groups[1], (std::vector<size_t>{3, 4}));
    auto label_of = [&](const std::string& n) {
        for (const auto& r : out->doc.tensors)
            if (r.name == n) return r.label;
        return std::string();
    };
    EXPECT_EQ(label_of(names[0]), label_of(names[1]));
    EXPECT_EQ(label_of(names[0]), label_of(names[2]));
    EXPECT_EQ(label_of(names[3]), label_of(names[4]));
    const double want = brute(t, 2400, [](const std::vector<int>& a) {
        return a[0] == a[1] && a[1] == a[2] && a[3] == a[4];
    });
    EXPECT_DOUBLE_EQ(out->doc.total_predicted_cost, want);
}

TEST(PlanFromCosts, CustomTieByCapture) {
    const auto t = table({"a.1.x", "b.1.x", "a.2.x", "b.2.x"}, {{1, 0, 0}, {9, 9, 0}, {1, 0, 0}, {9, 9, 0}});
    PlanRequest req;
    req.budget_bpw = 5.0;
    req.ties = {R"(\.(\d)\.x$)"};
    auto out = plan_from_costs(t, req);
    ASSERT_TRUE(out.ok()) << out.message();
    EXPECT_EQ(out->groups.size(), 2u);
}

TEST(PlanFromCosts, FrontierPointsAreOptimalAtTheirSize) {
    const auto t = table({"l0", "l1", "l2"}, {{10, 2, 0}, {1, 0.5, 0}, {5, 1, 0}});
    auto f = frontier_from_costs(t, {});
    ASSERT_TRUE(f.ok()) << f.message();
    ASSERT_GE(f->points.size(), 3u);
    EXPECT_DOUBLE_EQ(f->points.front().bits, 600.0);   // all A
    EXPECT_DOUBLE_EQ(f->points.back().cost, 0.0);      // all C
    for (const auto& p : f->points)
        EXPECT_NEAR(p.cost, brute(t, p.bits, [](const std::vector<int>&) { return true; }), 1e-12) << p.bits;
}

TEST(PlanFromCosts, NeedsBudgetAndMergedTable) {
    auto t = table({"l0"}, {{1, 0, 0}});
    EXPECT_FALSE(plan_from_costs(t, {}).ok());
    t.shard = {0, 2};
    PlanRequest req;
    req.budget_bpw = 4;
    auto r = plan_from_costs(t, req);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("merge"), std::string::npos);
}

TEST(PlanFromCosts, InfeasibleCandidatesAreSkippedPerTensor) {
    auto t = table({"l0", "l1"}, {{10, 2, 0}, {1, 0.5, 0}});
    t.tensors[0].costs[1].feasible = false;
    PlanRequest req;
    // 800 bits; l0 cannot take B. l0 C + anything > 800, so l0 = A (10, 200 bits) and
    // l1 = B (0.5, 400 bits) beats l1 = A (1): 10.5.
    req.budget_bpw = 4.0;
    auto out = plan_from_costs(t, req);
    ASSERT_TRUE(out.ok()) << out.message();
    EXPECT_EQ(out->doc.tensors[0].label, "A");
    EXPECT_DOUBLE_EQ(out->doc.total_predicted_cost, 10.5);
    EXPECT_FALSE(out->uniform[1].feasible);
}

}  // namespace
}  // namespace qs::plan
