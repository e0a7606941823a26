// The planner against brute force on random instances, a hand-solved example,
// groups, pins, and the frontier's properties.
#include "core/plan/planner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qs::plan;
using ::testing::HasSubstr;

namespace {

// Exhaustive search: the oracle. Respects groups (same label) and pins.
double brute_force(const Problem& p, std::vector<size_t>* best_choice = nullptr) {
    const size_t n = p.layers.size();
    std::vector<size_t> c(n, 0);
    double best = INFINITY;
    while (true) {
        bool ok = true;
        double bits = 0, cost = 0;
        for (size_t i = 0; i < n && ok; ++i) {
            const Candidate& cand = p.layers[i].candidates[c[i]];
            if (p.layers[i].pin && cand.label != *p.layers[i].pin) ok = false;
            bits += cand.bits;
            cost += cand.cost;
        }
        for (const auto& g : p.groups)
            for (size_t k = 1; k < g.size() && ok; ++k)
                ok = p.layers[g[k]].candidates[c[g[k]]].label == p.layers[g[0]].candidates[c[g[0]]].label;
        if (ok && bits <= p.budget_bits && cost < best) {
            best = cost;
            if (best_choice) *best_choice = c;
        }
        size_t i = 0;
        while (i < n && ++c[i] == p.layers[i].candidates.size()) c[i++] = 0;
        if (i == n) break;
    }
    return best;
}

Problem random_problem(std::mt19937_64& rng, size_t n, size_t m) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::uniform_int_distribution<int> params(1, 64);
    const std::vector<double> bpw = {2.0, 3.0, 4.25, 5.5, 8.5, 16.0};
    Problem p;
    double min_bits = 0, max_bits = 0;
    for (size_t i = 0; i < n; ++i) {
        Layer l;
        l.name = "layer" + std::to_string(i);
        const double np = params(rng) * 128.0;
        const double sens = std::exp(4 * u(rng));
        double lo = INFINITY, hi = 0;
        for (size_t j = 0; j < m; ++j) {
            const double b = bpw[j % bpw.size()] + (j >= bpw.size() ? 0.5 : 0.0);
            // cost falls roughly like 4^-bits, with noise so hulls are not trivial
            const double cost = sens * std::pow(4.0, -b) * (0.5 + u(rng));
            l.candidates.push_back({"c" + std::to_string(j), np * b, cost});
            lo = std::min(lo, np * b);
            hi = std::max(hi, np * b);
        }
        min_bits += lo;
        max_bits += hi;
        p.layers.push_back(std::move(l));
    }
    p.budget_bits = min_bits + u(rng) * (max_bits - min_bits);
    return p;
}

}  // namespace

TEST(Planner, HandSolvedExample) {
    // Two layers of 100 params; budget 1000 bits (5 bpw average).
    // a: 4 bit cost 10, 8 bit cost 1; b: 2 bit cost 50, 4 bit cost 5, 8 bit cost 0.
    // Feasible combos within 1000 bits: (4,2)=60, (4,4)=15, (8,2)=51, (4,8)... 1200 no, (8,4) 1200 no.
    Problem p;
    p.layers.push_back({"a", {{"int4", 400, 10}, {"int8", 800, 1}}, {}});
    p.layers.push_back({"b", {{"int2", 200, 50}, {"int4", 400, 5}, {"int8", 800, 0}}, {}});
    p.budget_bits = 1000;
    auto plan = solve_exact(p);
    ASSERT_TRUE(plan.ok()) << plan.message();
    EXPECT_EQ(plan->choice, (std::vector<size_t>{0, 1}));
    EXPECT_DOUBLE_EQ(plan->cost, 15);
    EXPECT_DOUBLE_EQ(plan->bits, 800);
    EXPECT_TRUE(plan->optimal);
}

TEST(Planner, ExactMatchesBruteForceOnRandomInstances) {
    std::mt19937_64 rng(42);
    int greedy_worse = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const size_t n = 1 + trial % 7, m = 2 + trial % 4;
        Problem p = random_problem(rng, n, m);
        const double want = brute_force(p);
        auto plan = solve_exact(p);
        ASSERT_TRUE(plan.ok()) << plan.message();
        ASSERT_TRUE(plan->optimal);
        EXPECT_NEAR(plan->cost, want, 1e-9 * std::max(1.0, want)) << "trial " << trial;
        EXPECT_LE(plan->bits, p.budget_bits * (1 + 1e-12));
        EXPECT_LE(plan->lower_bound, plan->cost + 1e-9);
        auto g = solve_greedy(p);
        ASSERT_TRUE(g.ok());
        EXPECT_GE(g->cost, plan->cost - 1e-9);
        EXPECT_LE(g->bits, p.budget_bits * (1 + 1e-12));
        greedy_worse += g->cost > plan->cost + 1e-9;
    }
    EXPECT_GT(greedy_worse, 0) << "instances should include ones where greedy is suboptimal";
}

TEST(Planner, GroupsShareALabelAndPinsAreHonoured) {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 100; ++trial) {
        Problem p = random_problem(rng, 6, 3);
        p.groups = {{0, 2, 3}};
        p.layers[4].pin = "c1";
        const double want = brute_force(p);
        auto plan = solve_exact(p);
        if (!std::isfinite(want)) {
            EXPECT_FALSE(plan.ok());
            continue;
        }
        ASSERT_TRUE(plan.ok()) << plan.message();
        EXPECT_NEAR(plan->cost, want, 1e-9 * std::max(1.0, want));
        EXPECT_EQ(plan->choice[0], plan->choice[2]);
        EXPECT_EQ(plan->choice[0], plan->choice[3]);
        EXPECT_EQ(p.layers[4].candidates[plan->choice[4]].label, "c1");
    }
}

TEST(Planner, ClearErrors) {
    Problem p;
    p.layers.push_back({"a", {{"int4", 400, 10}}, {}});
    p.budget_bits = 100;
    auto r = solve_exact(p);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.message(), HasSubstr("below the smallest possible plan"));
    p.budget_bits = 1000;
    p.layers[0].pin = "int9";
    EXPECT_THAT(solve_exact(p).message(), HasSubstr("pinned to 'int9', which is not a candidate"));
    p.layers[0].pin.reset();
    p.groups = {{0, 5}};
    EXPECT_THAT(solve_exact(p).message(), HasSubstr("names layer #5"));
    EXPECT_THAT(solve_exact(Problem{}).message(), HasSubstr("no layers"));
}

TEST(Planner, FrontierIsConvexMonotoneAndMadeOfRealPlans) {
    std::mt19937_64 rng(99);
    Problem p = random_problem(rng, 12, 5);
    auto f = pareto_frontier(p);
    ASSERT_TRUE(f.ok()) << f.message();
    ASSERT_GE(f->points.size(), 2u);
    double prev_slope = -INFINITY;
    for (size_t k = 0; k < f->points.size(); ++k) {
        const auto choice = f->choice_at(k);
        double bits = 0, cost = 0;
        for (size_t i = 0; i < p.layers.size(); ++i) {
            bits += p.layers[i].candidates[choice[i]].bits;
            cost += p.layers[i].candidates[choice[i]].cost;
        }
        EXPECT_NEAR(bits, f->points[k].bits, 1e-6);
        EXPECT_NEAR(cost, f->points[k].cost, 1e-9);
        if (k > 0) {
            EXPECT_GT(f->points[k].bits, f->points[k - 1].bits);
            EXPECT_LT(f->points[k].cost, f->points[k - 1].cost);
            const double slope = (f->points[k].cost - f->points[k - 1].cost) / (f->points[k].bits - f->points[k - 1].bits);
            EXPECT_GE(slope, prev_slope - 1e-12);  // lower convex hull: slopes increase toward 0
            prev_slope = slope;
        }
        // Each frontier point is optimal for its own size as budget.
        Problem q = p;
        q.budget_bits = f->points[k].bits;
        EXPECT_NEAR(solve_exact(q)->cost, f->points[k].cost, 1e-9 * std::max(1.0, f->points[k].cost));
    }
}
