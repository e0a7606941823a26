// Cost table -> planning problem -> PlanDocument (see from_costs.hpp).
#include "core/plan/from_costs.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace qs::plan {

std::vector<std::string> common_tie_patterns() {
    return {
        R"(^(.*)\.self_attn\.[qkv]_proj\.weight$)",   // Hugging Face llama-family attention
        R"(^(.*)\.mlp\.(?:gate|up)_proj\.weight$)",    // Hugging Face gated MLP
        R"(^blk\.(\d+)\.attn_[qkv]\.weight$)",         // GGUF attention
        R"(^blk\.(\d+)\.ffn_(?:gate|up)\.weight$)",    // GGUF gated FFN
    };
}

namespace {

Result<std::regex> compile(const std::string& pattern, const char* what) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return make_error("{} '{}': not a valid regular expression ({})", what, pattern, e.what());
    }
}

struct Built {
    Problem problem;
    std::vector<std::string> notes;
    std::vector<bool> pinned;
};

Result<Built> build_problem(const sensitivity::CostTable& t, const PlanRequest& req) {
    Built b;
    Problem& p = b.problem;
    uint64_t params = 0;
    for (const auto& tc : t.tensors) {
        Layer l;
        l.name = tc.name;
        for (size_t c = 0; c < t.candidates.size(); ++c) {
            const auto& cc = tc.costs[c];
            if (!cc.feasible) continue;
            l.candidates.push_back({t.candidates[c].label, cc.bits_per_weight * double(tc.numel), cc.cost});
        }
        if (l.candidates.empty())
            return make_error("tensor '{}': no candidate fits it ({})", tc.name,
                              tc.costs.empty() ? "no candidates" : tc.costs.front().why);
        p.layers.push_back(std::move(l));
        params += tc.numel;
    }
    b.pinned.assign(p.layers.size(), false);
    for (const Pin& pin : req.pins) {
        bool known = false;
        for (const auto& c : t.candidates) known = known || c.label == pin.label;
        if (!known) return make_error("--pin '{}={}': '{}' is not one of the candidates", pin.pattern, pin.label, pin.label);
        auto re = compile(pin.pattern, "--pin");
        if (!re) return re.error();
        size_t hits = 0;
        for (size_t i = 0; i < p.layers.size(); ++i) {
            if (!std::regex_search(p.layers[i].name, *re)) continue;
            p.layers[i].pin = pin.label;
            b.pinned[i] = true;
            ++hits;
        }
        if (!hits) b.notes.push_back(fmt::format("--pin '{}' matches no quantized tensor", pin.pattern));
    }
    std::vector<std::string> ties = req.ties;
    if (req.tie_common)
        for (auto& s : common_tie_patterns()) ties.push_back(s);
    std::vector<int> group_of(p.layers.size(), -1);
    for (size_t ti = 0; ti < ties.size(); ++ti) {
        auto re = compile(ties[ti], "--tie");
        if (!re) return re.error();
        std::map<std::string, std::vector<size_t>> by_key;
        for (size_t i = 0; i < p.layers.size(); ++i) {
            std::smatch m;
            if (!std::regex_search(p.layers[i].name, m, *re)) continue;
            std::string key;
            for (size_t g = 1; g < m.size(); ++g) key += m[g].str() + '\x1f';
            if (m.size() == 1) key = m[0].str();
            by_key[key].push_back(i);
        }
        for (auto& [key, members] : by_key) {
            if (members.size() < 2) continue;
            std::vector<size_t> fresh;
            for (size_t i : members) {
                if (group_of[i] >= 0) {
                    b.notes.push_back(fmt::format("tensor '{}' is tied by two patterns; the first one applies",
                                                  p.layers[i].name));
                    continue;
                }
                fresh.push_back(i);
            }
            if (fresh.size() < 2) continue;
            for (size_t i : fresh) group_of[i] = int(p.groups.size());
            p.groups.push_back(std::move(fresh));
        }
        if (by_key.empty() && ti < req.ties.size())
            b.notes.push_back(fmt::format("--tie '{}' matches no quantized tensor", ties[ti]));
    }
    if (req.budget_bpw) {
        if (!(*req.budget_bpw > 0) || !std::isfinite(*req.budget_bpw))
            return make_error("--budget-bpw must be a positive number");
        p.budget_bits = budget_from_bpw(*req.budget_bpw, params);
    } else if (req.budget_bytes) {
        p.budget_bits = budget_from_bytes(double(*req.budget_bytes));
    } else {
        p.budget_bits = INFINITY;
    }
    return b;
}

}  // namespace

Result<PlanOutcome> plan_from_costs(const sensitivity::CostTable& t, const PlanRequest& req) {
    if (t.shard.count != 1) return make_error("plan: this cost table is shard {}/{}; merge the shards first",
                                              t.shard.index + 1, t.shard.count);
    if (!req.budget_bpw && !req.budget_bytes) return make_error("plan: give a budget (--budget-bpw or --budget-bytes)");
    auto built = build_problem(t, req);
    if (!built) return built.error();
    PlanOutcome out;
    out.problem = std::move(built->problem);
    out.notes = std::move(built->notes);
    out.groups = out.problem.groups;
    auto exact = solve_exact(out.problem);
    if (!exact) return exact.error();
    out.exact = *exact;
    if (auto greedy = solve_greedy(out.problem); greedy) out.greedy = *greedy;
    for (const auto& c : t.candidates) {
        Baseline bl{c.label, true, 0.0, 0.0};
        for (const auto& l : out.problem.layers) {
            if (l.pin && *l.pin != c.label) {
                bl.feasible = false;
                break;
            }
            auto f = std::find_if(l.candidates.begin(), l.candidates.end(),
                                  [&](const Candidate& x) { return x.label == c.label; });
            if (f == l.candidates.end()) {
                bl.feasible = false;
                break;
            }
            bl.bits += f->bits;
            bl.cost += f->cost;
        }
        out.uniform.push_back(bl);
    }

    exporter::PlanDocument& d = out.doc;
    d.model = t.model;
    d.sensitivity_source = std::string(sensitivity::source_name(t.source));
    d.budget_bpw = req.budget_bpw;
    d.budget_bytes = req.budget_bytes;
    for (const auto& c : t.candidates) d.candidates.push_back(c.label);
    d.optimal = out.exact.optimal;
    d.total_predicted_cost = out.exact.cost;
    // Model order: quantized and kept tensors interleaved by their index.
    std::vector<std::pair<uint64_t, exporter::PlannedTensor>> rows;
    for (size_t i = 0; i < t.tensors.size(); ++i) {
        const auto& tc = t.tensors[i];
        const Candidate& chosen = out.problem.layers[i].candidates[out.exact.choice[i]];
        size_t ci = 0;
        while (t.candidates[ci].label != chosen.label) ++ci;
        const auto& cc = tc.costs[ci];
        exporter::PlannedTensor pt;
        pt.name = tc.name;
        pt.shape = tc.shape;
        pt.source_dtype = tc.dtype;
        pt.quantized = true;
        pt.spec = t.candidates[ci].spec;
        pt.label = chosen.label;
        pt.bits_per_weight = cc.bits_per_weight;
        pt.predicted_cost = cc.cost;
        pt.sensitivity = tc.score;
        pt.pinned = built->pinned[i];
        if (tc.numel) pt.mse = cc.sum_sq_err / double(tc.numel);
        if (std::isfinite(cc.sqnr_db)) pt.sqnr_db = cc.sqnr_db;
        d.quantized_params += tc.numel;
        d.quantized_bits += chosen.bits;
        rows.emplace_back(tc.index, std::move(pt));
    }
    for (const auto& k : t.kept) {
        exporter::PlannedTensor pt;
        pt.name = k.name;
        pt.shape = k.shape;
        pt.source_dtype = k.dtype;
        pt.quantized = false;
        rows.emplace_back(k.index, std::move(pt));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& r : rows) d.tensors.push_back(std::move(r.second));
    return out;
}

Result<Frontier> frontier_from_costs(const sensitivity::CostTable& t, const PlanRequest& req) {
    PlanRequest r = req;
    r.budget_bpw.reset();
    r.budget_bytes.reset();
    auto built = build_problem(t, r);
    if (!built) return built.error();
    // The frontier spans every size; the solver wants a finite budget, so give it the largest plan.
    double most = 0;
    for (const auto& l : built->problem.layers) {
        double m = 0;
        for (const auto& c : l.candidates) m = std::max(m, c.bits);
        most += m;
    }
    built->problem.budget_bits = most;
    return pareto_frontier(built->problem);
}

}  // namespace qs::plan
