#include "core/plan/planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

// How the exact solver works (notation: item i = a layer or a group of layers
// that share a label, option j with size w_ij and cost c_ij, budget B):
//  1. Drop dominated options (heavier and no cheaper than another).
//  2. Lower convex hull per item; sorting all hull edges by gain -dc/dw and
//     taking them while they fit gives the LP relaxation, its critical gain
//     lambda, and (continuing with edges that still fit) the greedy plan.
//  3. L(lambda) = sum_i min_j (c_ij + lambda w_ij) - lambda B bounds every
//     feasible plan from below. Forcing option j on item i raises the bound by
//     r_ij = c_ij + lambda w_ij - min_k(...); when L + r_ij exceeds the greedy
//     cost, option j cannot be optimal and is removed.
//  4. The few items left with several options are solved by a DP over Pareto
//     lists of exact (size, cost) states, pruned by the same bound.
// The result is optimal; the DP's state cap only guards pathological inputs.

namespace qs::plan {
namespace {

constexpr double kRelTol = 1e-12;

struct Item {
    std::vector<size_t> layers;                    // member layers
    std::vector<std::vector<size_t>> member_pick;  // per option: candidate index for each member
    std::vector<double> w, c;                      // per option: total bits, total cost
};

double tol(double z) { return kRelTol * std::max(1.0, std::abs(z)); }

Result<std::vector<Item>> build_items(const Problem& p) {
    const size_t n = p.layers.size();
    if (n == 0) return Error{"plan: no layers"};
    if (!(p.budget_bits >= 0.0) || !std::isfinite(p.budget_bits))
        return make_error("plan: budget {} is not a finite non-negative size", p.budget_bits);
    for (const Layer& l : p.layers) {
        if (l.candidates.empty()) return make_error("plan: layer '{}' has no candidates", l.name);
        for (const Candidate& c : l.candidates)
            if (!std::isfinite(c.bits) || c.bits < 0 || !std::isfinite(c.cost))
                return make_error("plan: layer '{}': candidate '{}' has size {} and cost {}", l.name, c.label, c.bits,
                                  c.cost);
        if (l.pin) {
            bool found = false;
            for (const Candidate& c : l.candidates) found = found || c.label == *l.pin;
            if (!found) return make_error("plan: layer '{}' is pinned to '{}', which is not a candidate", l.name, *l.pin);
        }
    }
    std::vector<int> group_of(n, -1);
    for (size_t g = 0; g < p.groups.size(); ++g) {
        for (size_t li : p.groups[g]) {
            if (li >= n) return make_error("plan: group {} names layer #{}, there are {}", g, li, n);
            if (group_of[li] >= 0)
                return make_error("plan: layer '{}' is in groups {} and {}", p.layers[li].name, group_of[li], g);
            group_of[li] = int(g);
        }
    }

    std::vector<Item> items;
    auto add_item = [&](const std::vector<size_t>& members) -> Status {
        Item it;
        it.layers = members;
        const Layer& first = p.layers[members[0]];
        std::optional<std::string> pin;
        for (size_t li : members) {
            const auto& lp = p.layers[li].pin;
            if (lp && pin && *lp != *pin)
                return make_error("plan: layers '{}' and '{}' share a group but are pinned to '{}' and '{}'",
                                  first.name, p.layers[li].name, *pin, *lp);
            if (lp) pin = lp;
        }
        for (const Candidate& c0 : first.candidates) {
            if (pin && c0.label != *pin) continue;
            std::vector<size_t> pick;
            double w = 0, c = 0;
            for (size_t li : members) {
                const auto& cands = p.layers[li].candidates;
                auto f = std::find_if(cands.begin(), cands.end(), [&](const Candidate& x) { return x.label == c0.label; });
                if (f == cands.end()) break;
                pick.push_back(size_t(f - cands.begin()));
                w += f->bits;
                c += f->cost;
            }
            if (pick.size() != members.size()) continue;  // not offered by every member
            it.member_pick.push_back(std::move(pick));
            it.w.push_back(w);
            it.c.push_back(c);
        }
        if (it.w.empty())
            return make_error("plan: the layers of the group of '{}' have no candidate label in common", first.name);
        items.push_back(std::move(it));
        return {};
    };
    for (size_t g = 0; g < p.groups.size(); ++g)
        if (!p.groups[g].empty()) QS_TRY(add_item(p.groups[g]));
    for (size_t li = 0; li < n; ++li)
        if (group_of[li] < 0) QS_TRY(add_item({li}));
    return items;
}

// Options of an item that no other option dominates, sorted by size ascending
// (so cost strictly descending).
std::vector<size_t> efficient_options(const Item& it) {
    std::vector<size_t> idx(it.w.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return it.w[a] != it.w[b] ? it.w[a] < it.w[b] : it.c[a] < it.c[b];
    });
    std::vector<size_t> out;
    for (size_t j : idx)
        if (out.empty() || it.c[j] < it.c[out.back()]) out.push_back(j);
    return out;
}

// Lower convex hull of the efficient options (size ascending).
std::vector<size_t> convex_hull(const Item& it, const std::vector<size_t>& eff) {
    std::vector<size_t> h;
    for (size_t j : eff) {
        while (h.size() >= 2) {
            const size_t a = h[h.size() - 2], b = h.back();
            // keep b only if it lies strictly below the segment a -> j
            const double cross = (it.w[b] - it.w[a]) * (it.c[j] - it.c[a]) - (it.c[b] - it.c[a]) * (it.w[j] - it.w[a]);
            if (cross > 0) break;
            h.pop_back();
        }
        h.push_back(j);
    }
    return h;
}

struct Edge {
    size_t item, from, to;  // option indices
    double dw, dc, gain;    // gain = -dc/dw > 0
};

struct Relaxation {
    std::vector<std::vector<size_t>> hull;
    std::vector<Edge> edges;     // sorted by gain, descending
    std::vector<size_t> start;   // lightest efficient option per item
    double base_bits = 0, base_cost = 0;
};

Relaxation relax(const std::vector<Item>& items) {
    Relaxation r;
    r.hull.resize(items.size());
    r.start.resize(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        r.hull[i] = convex_hull(items[i], efficient_options(items[i]));
        const auto& h = r.hull[i];
        r.start[i] = h[0];
        r.base_bits += items[i].w[h[0]];
        r.base_cost += items[i].c[h[0]];
        for (size_t k = 0; k + 1 < h.size(); ++k) {
            const double dw = items[i].w[h[k + 1]] - items[i].w[h[k]];
            const double dc = items[i].c[h[k + 1]] - items[i].c[h[k]];
            r.edges.push_back({i, h[k], h[k + 1], dw, dc, -dc / dw});
        }
    }
    std::stable_sort(r.edges.begin(), r.edges.end(), [](const Edge& a, const Edge& b) { return a.gain > b.gain; });
    return r;
}

Plan to_plan(const Problem& p, const std::vector<Item>& items, const std::vector<size_t>& opt) {
    Plan plan;
    plan.choice.assign(p.layers.size(), 0);
    for (size_t i = 0; i < items.size(); ++i) {
        plan.bits += items[i].w[opt[i]];
        plan.cost += items[i].c[opt[i]];
        for (size_t m = 0; m < items[i].layers.size(); ++m)
            plan.choice[items[i].layers[m]] = items[i].member_pick[opt[i]][m];
    }
    return plan;
}

struct GreedyOut {
    std::vector<size_t> opt;
    double lambda = 0;   // critical gain of the LP relaxation (0 when the LP is integral)
};

GreedyOut greedy(const Relaxation& r, double budget) {
    GreedyOut g;
    g.opt = r.start;
    double cap = budget - r.base_bits;
    std::vector<char> blocked(r.start.size(), 0);
    bool critical_found = false;
    for (const Edge& e : r.edges) {
        if (blocked[e.item] || g.opt[e.item] != e.from) continue;
        if (e.dw <= cap) {
            g.opt[e.item] = e.to;
            cap -= e.dw;
        } else {
            if (!critical_found) {
                g.lambda = e.gain;
                critical_found = true;
            }
            blocked[e.item] = 1;  // its later hull edges need this one first
        }
    }
    return g;
}

Status check_feasible(const Relaxation& r, double budget) {
    if (r.base_bits > budget * (1 + kRelTol))
        return make_error("plan: the budget ({:.0f} bits) is below the smallest possible plan ({:.0f} bits)", budget,
                          r.base_bits);
    return {};
}

}  // namespace

double budget_from_bpw(double bpw, uint64_t total_params) { return bpw * double(total_params); }

Result<Plan> solve_greedy(const Problem& p) {
    auto items = build_items(p);
    if (!items) return items.error();
    const Relaxation r = relax(*items);
    QS_TRY(check_feasible(r, p.budget_bits));
    Plan plan = to_plan(p, *items, greedy(r, p.budget_bits).opt);
    plan.lower_bound = std::numeric_limits<double>::quiet_NaN();  // the greedy proves nothing
    return plan;
}

Result<Plan> solve_exact(const Problem& p, const SolveOptions& opts) {
    auto items_r = build_items(p);
    if (!items_r) return items_r.error();
    const std::vector<Item>& items = *items_r;
    const Relaxation r = relax(items);
    const double B = p.budget_bits;
    QS_TRY(check_feasible(r, B));
    const GreedyOut g = greedy(r, B);
    Plan inc = to_plan(p, items, g.opt);
    const double z_inc = inc.cost;
    const double lam = g.lambda;

    // Lagrangian bound and reduced costs.
    const size_t n = items.size();
    std::vector<double> lag_min(n), min_w(n);
    double L = -lam * B;
    for (size_t i = 0; i < n; ++i) {
        double m = std::numeric_limits<double>::infinity(), mw = m;
        for (size_t j = 0; j < items[i].w.size(); ++j) {
            m = std::min(m, items[i].c[j] + lam * items[i].w[j]);
            mw = std::min(mw, items[i].w[j]);
        }
        lag_min[i] = m;
        min_w[i] = mw;
        L += m;
    }
    const double sum_min_w = std::accumulate(min_w.begin(), min_w.end(), 0.0);
    const double keep_below = z_inc + tol(z_inc);

    // Survivors per item: efficient, not ruled out by the bound, and not too heavy to fit.
    std::vector<std::vector<size_t>> alive(n);
    std::vector<size_t> core;
    double fixed_w = 0, fixed_c = 0;
    for (size_t i = 0; i < n; ++i) {
        for (size_t j : efficient_options(items[i])) {
            const double rc = items[i].c[j] + lam * items[i].w[j] - lag_min[i];
            const bool heavy = sum_min_w - min_w[i] + items[i].w[j] > B * (1 + kRelTol);
            if (j == g.opt[i] || (L + rc <= keep_below && !heavy)) alive[i].push_back(j);
        }
        if (alive[i].size() == 1) {
            fixed_w += items[i].w[alive[i][0]];
            fixed_c += items[i].c[alive[i][0]];
        } else {
            core.push_back(i);
        }
    }

    // Bounds on completing the core from position k on.
    const size_t K = core.size();
    std::vector<double> suf_lag(K + 1, 0), suf_minc(K + 1, 0), suf_minw(K + 1, 0);
    for (size_t k = K; k-- > 0;) {
        const Item& it = items[core[k]];
        double ml = std::numeric_limits<double>::infinity(), mc = ml, mw = ml;
        for (size_t j : alive[core[k]]) {
            ml = std::min(ml, it.c[j] + lam * it.w[j]);
            mc = std::min(mc, it.c[j]);
            mw = std::min(mw, it.w[j]);
        }
        suf_lag[k] = suf_lag[k + 1] + ml;
        suf_minc[k] = suf_minc[k + 1] + mc;
        suf_minw[k] = suf_minw[k + 1] + mw;
    }

    struct State {
        double w, c;
        uint32_t parent;
        uint32_t opt;
    };
    std::vector<std::vector<State>> levels;
    levels.push_back({{fixed_w, fixed_c, 0, 0}});
    size_t total_states = 1;
    bool capped = false;
    for (size_t k = 0; k < K && !capped; ++k) {
        const Item& it = items[core[k]];
        const auto& prev = levels.back();
        std::vector<State> next;
        next.reserve(prev.size() * alive[core[k]].size());
        for (uint32_t s = 0; s < prev.size(); ++s) {
            for (size_t j : alive[core[k]]) {
                const double w = prev[s].w + it.w[j], c = prev[s].c + it.c[j];
                if (w + suf_minw[k + 1] > B * (1 + kRelTol)) continue;
                const double bound = c + std::max(suf_minc[k + 1], suf_lag[k + 1] - lam * (B - w));
                if (bound > keep_below) continue;
                next.push_back({w, c, s, uint32_t(j)});
            }
        }
        std::sort(next.begin(), next.end(), [](const State& a, const State& b) {
            return a.w != b.w ? a.w < b.w : a.c < b.c;
        });
        std::vector<State> pareto;
        for (const State& s : next)
            if (pareto.empty() || s.c < pareto.back().c) pareto.push_back(s);
        total_states += pareto.size();
        if (total_states > opts.max_states) capped = true;
        levels.push_back(std::move(pareto));
    }

    Plan best = inc;
    best.lower_bound = std::min(L, z_inc);
    if (capped) {
        best.optimal = false;
        return best;
    }
    const auto& last = levels.back();
    size_t best_s = last.size();
    for (size_t s = 0; s < last.size(); ++s)
        if (last[s].c < z_inc - tol(z_inc) && (best_s == last.size() || last[s].c < last[best_s].c)) best_s = s;
    if (best_s != last.size()) {
        std::vector<size_t> opt(n);
        for (size_t i = 0; i < n; ++i) opt[i] = alive[i][0];
        size_t s = best_s;
        for (size_t k = K; k-- > 0;) {
            const State& st = levels[k + 1][s];
            opt[core[k]] = st.opt;
            s = st.parent;
        }
        best = to_plan(p, items, opt);
        best.lower_bound = std::min(L, best.cost);
    }
    best.optimal = true;
    return best;
}

std::vector<size_t> Frontier::choice_at(size_t k) const {
    std::vector<size_t> c = first_choice;
    for (size_t i = 1; i <= k && i < points.size(); ++i)
        for (const auto& [layer, cand] : points[i].changes) c[layer] = cand;
    return c;
}

Result<Frontier> pareto_frontier(const Problem& p) {
    auto items_r = build_items(p);
    if (!items_r) return items_r.error();
    const std::vector<Item>& items = *items_r;
    const Relaxation r = relax(items);
    Frontier f;
    Plan start = to_plan(p, items, r.start);
    f.first_choice = start.choice;
    f.points.push_back({start.bits, start.cost, {}});
    double bits = start.bits, cost = start.cost;
    for (const Edge& e : r.edges) {  // Minkowski sum of convex hulls: merge edges by gain
        bits += e.dw;
        cost += e.dc;
        FrontierPoint pt{bits, cost, {}};
        for (size_t m = 0; m < items[e.item].layers.size(); ++m)
            pt.changes.emplace_back(items[e.item].layers[m], items[e.item].member_pick[e.to][m]);
        f.points.push_back(std::move(pt));
    }
    return f;
}

}  // namespace qs::plan
