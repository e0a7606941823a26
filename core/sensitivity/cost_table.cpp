// Cost-table computation, sharding, JSON and merging (see cost_table.hpp).
#include "core/sensitivity/cost_table.hpp"

#include "core/io/decode.hpp"
#include "core/io/dtype.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/spec_json.hpp"
#include "core/util/atomic_write.hpp"
#include "core/util/read_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <set>

namespace qs::sensitivity {

using nlohmann::json;

Result<Shard> parse_shard(std::string_view text) {
    const size_t slash = text.find('/');
    uint32_t i = 0, n = 0;
    auto num = [](std::string_view s, uint32_t& v) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        return ec == std::errc() && p == s.data() + s.size() && !s.empty();
    };
    if (slash == std::string_view::npos || !num(text.substr(0, slash), i) || !num(text.substr(slash + 1), n))
        return make_error("--shard '{}': expected i/n, e.g. 3/8", text);
    if (n < 1 || i < 1 || i > n) return make_error("--shard '{}': need 1 <= i <= n", text);
    return Shard{i - 1, n};
}

std::string model_fingerprint(const io::ModelIndex& m) {
    // FNV-1a 64 over what identifies the tensor list; not a content hash (that
    // would read every byte), but enough to refuse joining shards of two models.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    };
    for (const auto& t : m.tensors) {
        mix(t.name);
        mix(io::shape_string(t.shape));
        mix(io::dtype_name(t.dtype));
        mix(std::to_string(t.nbytes));
    }
    return fmt::format("{:016x}", h);
}

std::vector<size_t> shard_tensors(const io::ModelIndex& m, const std::vector<size_t>& quantizable, Shard s) {
    if (s.count <= 1) return quantizable;
    std::vector<size_t> order = quantizable;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return m.tensors[a].numel() > m.tensors[b].numel(); });
    std::vector<uint64_t> load(s.count, 0);
    std::vector<size_t> mine;
    for (size_t t : order) {
        const size_t bin = size_t(std::min_element(load.begin(), load.end()) - load.begin());
        load[bin] += std::max<uint64_t>(1, m.tensors[t].numel());
        if (bin == s.index) mine.push_back(t);
    }
    std::sort(mine.begin(), mine.end());
    return mine;
}

Result<CostTable> compute_costs(const io::ModelIndex& m, const std::vector<size_t>& quantizable,
                                const std::vector<size_t>& kept, const std::vector<CandidateSpec>& candidates,
                                const Importance& importance, Shard shard, const CostOptions& opts,
                                const Progress& progress) {
    CostTable table;
    table.model = m.path;
    table.fingerprint = model_fingerprint(m);
    table.source = importance.source();
    table.candidates = candidates;
    table.shard = shard;
    table.quantizable_total = quantizable.size();
    for (size_t k : kept) {
        const auto& t = m.tensors[k];
        table.kept.push_back({k, t.name, t.shape, std::string(io::dtype_name(t.dtype))});
    }
    const std::vector<size_t> mine = shard_tensors(m, quantizable, shard);
    uint64_t total_work = 0;
    for (size_t k : mine) total_work += m.tensors[k].numel() * candidates.size();
    uint64_t done = 0;
    progress.set_total(total_work);
    std::vector<float> buf;
    for (size_t k : mine) {
        const io::TensorInfo& info = m.tensors[k];
        if (!progress.update(done)) return make_error("cancelled");
        if (opts.on_tensor) opts.on_tensor(done, total_work, info.name);
        const uint64_t n = info.numel();
        if (buf.size() < n) buf.resize(n);
        const std::span<float> x(buf.data(), n);
        QS_TRY(io::decode_tensor(m, k, x));
        io::release_tensor_pages(m, k);  // one pass over the model: keep resident memory flat
        TensorCosts tc;
        tc.index = k;
        tc.name = info.name;
        tc.shape = info.shape;
        tc.dtype = std::string(io::dtype_name(info.dtype));
        tc.numel = n;
        for (float v : x)
            if (std::isfinite(v)) tc.sum_sq += double(v) * double(v);
        auto w = importance.weight_for(info.name, info.shape, n, tc.sum_sq);
        if (!w) return make_error("{}: {}", m.path, w.error().message);
        tc.score = w->score;
        tc.score_se = w->score_se;
        tc.note = w->note;
        quant::TensorView view{x, info.shape, info.name};
        for (const auto& c : candidates) {
            CandidateCost cc;
            if (auto v = quant::validate(c.spec, info.shape); !v) {
                cc.feasible = false;
                cc.why = v.error().message;
                tc.costs.push_back(std::move(cc));
                continue;
            }
            quant::QuantOptions qo;
            qo.hist_bins = 0;
            qo.keep_dequantized = w->needs_dequantized();
            qo.threads = opts.threads;
            // quantize() gets no Progress: its own counts would overwrite ours; we check between candidates.
            if (!progress.update(done)) return make_error("cancelled");
            auto r = quant::quantize(view, c.spec, qo);
            if (!r) {
                cc.feasible = false;
                cc.why = r.error().message;
                tc.costs.push_back(std::move(cc));
                continue;
            }
            cc.bits_per_weight = r->bits_per_weight;
            cc.sum_sq_err = r->sum_sq_err;
            cc.sqnr_db = r->sqnr_db;
            cc.cost = w->needs_dequantized() ? weighted_sq_error(*w, x, r->dequantized) : w->scale * r->sum_sq_err;
            tc.costs.push_back(std::move(cc));
            done += n;
        }
        table.tensors.push_back(std::move(tc));
    }
    progress.update(total_work);
    return table;
}

// ---- JSON ------------------------------------------------------------------

namespace {

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double num_from(const json& j, double if_null) { return j.is_number() ? j.get<double>() : if_null; }

}  // namespace

json cost_table_to_json(const CostTable& t) {
    json cands = json::array();
    for (const auto& c : t.candidates) cands.push_back({{"label", c.label}, {"spec", quant::spec_to_json(c.spec)}});
    json tensors = json::array();
    for (const auto& tc : t.tensors) {
        json costs = json::array();
        for (const auto& c : tc.costs) {
            if (!c.feasible) {
                costs.push_back({{"feasible", false}, {"why", c.why}});
                continue;
            }
            costs.push_back({{"bpw", c.bits_per_weight}, {"sum_sq_err", c.sum_sq_err}, {"cost", c.cost},
                             {"sqnr_db", num(c.sqnr_db)}});
        }
        json e = {{"index", tc.index}, {"name", tc.name}, {"shape", tc.shape}, {"dtype", tc.dtype},
                  {"numel", tc.numel}, {"sum_sq", tc.sum_sq}, {"score", tc.score}, {"score_se", tc.score_se},
                  {"costs", std::move(costs)}};
        if (!tc.note.empty()) e["note"] = tc.note;
        tensors.push_back(std::move(e));
    }
    json kept = json::array();
    for (const auto& k : t.kept) kept.push_back({{"index", k.index}, {"name", k.name}, {"shape", k.shape}, {"dtype", k.dtype}});
    return json{{"quantscope_costs", 1},
                {"model", t.model},
                {"fingerprint", t.fingerprint},
                {"source", source_name(t.source)},
                {"candidates", std::move(cands)},
                {"shard", {{"index", t.shard.index + 1}, {"count", t.shard.count}}},
                {"quantizable_total", t.quantizable_total},
                {"tensors", std::move(tensors)},
                {"kept", std::move(kept)}};
}

namespace {

// Small typed getters: every field is checked before use (files come from job arrays).
template <class T>
Result<T> get(const json& j, const char* key, const std::string& where) {
    if (!j.is_object() || !j.contains(key)) return make_error("{}: missing \"{}\"", where, key);
    const json& v = j[key];
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) return make_error("{}: \"{}\" must be a string", where, key);
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) return make_error("{}: \"{}\" must be true or false", where, key);
    } else if constexpr (std::is_integral_v<T>) {
        if (!v.is_number_unsigned()) return make_error("{}: \"{}\" must be a non-negative integer", where, key);
    } else {
        if (!v.is_number()) return make_error("{}: \"{}\" must be a number", where, key);
    }
    return v.get<T>();
}

#define QS_GET(var, T, j, key, where)      \
    auto var##_r = get<T>(j, key, where);  \
    if (!var##_r) return var##_r.error();  \
    const T var = *var##_r

Result<std::vector<int64_t>> get_shape(const json& j, const std::string& where) {
    if (!j.contains("shape") || !j["shape"].is_array()) return make_error("{}: \"shape\" must be an array", where);
    std::vector<int64_t> s;
    for (const auto& d : j["shape"]) {
        if (!d.is_number_unsigned()) return make_error("{}: shape entries must be non-negative integers", where);
        s.push_back(d.get<int64_t>());
    }
    return s;
}

}  // namespace

Result<CostTable> cost_table_from_json(const json& j, const std::string& what) {
    if (!j.is_object() || !j.contains("quantscope_costs"))
        return make_error("{}: not a quantscope cost table (no \"quantscope_costs\" key)", what);
    if (!j["quantscope_costs"].is_number_integer() || j["quantscope_costs"].get<int64_t>() != 1)
        return make_error("{}: unsupported quantscope_costs version (this build reads 1)", what);
    CostTable t;
    QS_GET(model, std::string, j, "model", what);
    QS_GET(fingerprint, std::string, j, "fingerprint", what);
    QS_GET(source, std::string, j, "source", what);
    QS_GET(qtotal, uint64_t, j, "quantizable_total", what);
    t.model = model;
    t.fingerprint = fingerprint;
    auto src = parse_source(source);
    if (!src) return make_error("{}: {}", what, src.error().message);
    t.source = *src;
    t.quantizable_total = qtotal;
    if (!j.contains("shard") || !j["shard"].is_object()) return make_error("{}: missing \"shard\"", what);
    QS_GET(si, uint32_t, j["shard"], "index", what + ": shard");
    QS_GET(sn, uint32_t, j["shard"], "count", what + ": shard");
    if (sn < 1 || si < 1 || si > sn) return make_error("{}: shard {}/{} is not valid", what, si, sn);
    t.shard = {si - 1, sn};
    if (!j.contains("candidates") || !j["candidates"].is_array() || j["candidates"].empty())
        return make_error("{}: \"candidates\" must be a non-empty array", what);
    for (const auto& c : j["candidates"]) {
        QS_GET(label, std::string, c, "label", what + ": candidate");
        if (!c.contains("spec")) return make_error("{}: candidate '{}' has no spec", what, label);
        auto spec = quant::spec_from_json(c["spec"]);
        if (!spec) return make_error("{}: candidate '{}': {}", what, label, spec.error().message);
        t.candidates.push_back({label, *spec});
    }
    if (!j.contains("tensors") || !j["tensors"].is_array()) return make_error("{}: \"tensors\" must be an array", what);
    for (const auto& e : j["tensors"]) {
        QS_GET(name, std::string, e, "name", what + ": tensor");
        const std::string where = what + ": tensor '" + name + "'";
        TensorCosts tc;
        tc.name = name;
        QS_GET(index, uint64_t, e, "index", where);
        QS_GET(dtype, std::string, e, "dtype", where);
        QS_GET(numel, uint64_t, e, "numel", where);
        QS_GET(sum_sq, double, e, "sum_sq", where);
        QS_GET(score, double, e, "score", where);
        tc.index = index;
        tc.dtype = dtype;
        tc.numel = numel;
        tc.sum_sq = sum_sq;
        tc.score = score;
        tc.score_se = e.contains("score_se") ? num_from(e["score_se"], 0.0) : 0.0;
        if (e.contains("note") && e["note"].is_string()) tc.note = e["note"].get<std::string>();
        auto shape = get_shape(e, where);
        if (!shape) return shape.error();
        tc.shape = *shape;
        if (!e.contains("costs") || !e["costs"].is_array() || e["costs"].size() != t.candidates.size())
            return make_error("{}: \"costs\" must have one entry per candidate ({})", where, t.candidates.size());
        for (const auto& c : e["costs"]) {
            CandidateCost cc;
            if (c.contains("feasible") && c["feasible"].is_boolean() && !c["feasible"].get<bool>()) {
                cc.feasible = false;
                if (c.contains("why") && c["why"].is_string()) cc.why = c["why"].get<std::string>();
                tc.costs.push_back(std::move(cc));
                continue;
            }
            QS_GET(bpw, double, c, "bpw", where);
            QS_GET(sse, double, c, "sum_sq_err", where);
            QS_GET(cost, double, c, "cost", where);
            if (!(bpw >= 0) || !std::isfinite(bpw) || !(cost >= 0) || !std::isfinite(cost))
                return make_error("{}: bpw and cost must be finite and non-negative", where);
            cc.bits_per_weight = bpw;
            cc.sum_sq_err = sse;
            cc.cost = cost;
            cc.sqnr_db = c.contains("sqnr_db") ? num_from(c["sqnr_db"], INFINITY) : 0.0;
            tc.costs.push_back(std::move(cc));
        }
        t.tensors.push_back(std::move(tc));
    }
    if (j.contains("kept")) {
        if (!j["kept"].is_array()) return make_error("{}: \"kept\" must be an array", what);
        for (const auto& e : j["kept"]) {
            QS_GET(name, std::string, e, "name", what + ": kept tensor");
            QS_GET(index, uint64_t, e, "index", what + ": kept tensor '" + name + "'");
            KeptTensor k{index, name, {}, {}};
            if (e.contains("dtype") && e["dtype"].is_string()) k.dtype = e["dtype"].get<std::string>();
            auto shape = get_shape(e, what + ": kept tensor '" + name + "'");
            if (!shape) return shape.error();
            k.shape = *shape;
            t.kept.push_back(std::move(k));
        }
    }
    return t;
}

Result<CostTable> read_cost_table(const std::filesystem::path& path) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", path.string());
    return cost_table_from_json(j, path.string());
}

Status write_cost_table(const CostTable& t, const std::filesystem::path& path) {
    return write_file_atomic(path, cost_table_to_json(t).dump(1) + "\n");
}

Result<CostTable> merge_cost_tables(std::vector<CostTable> parts) {
    if (parts.empty()) return make_error("merge: no cost tables given");
    CostTable out = parts.front();
    out.tensors.clear();
    const uint32_t n = out.shard.count;
    std::vector<int> seen(n, 0);
    std::set<uint64_t> indices;
    for (auto& p : parts) {
        const std::string who = fmt::format("shard {}/{}", p.shard.index + 1, p.shard.count);
        if (p.fingerprint != out.fingerprint)
            return make_error("merge: {} comes from a different model (fingerprint {} vs {})", who, p.fingerprint,
                              out.fingerprint);
        if (p.shard.count != n) return make_error("merge: {} is from a run split {} ways, not {}", who, p.shard.count, n);
        if (p.source != out.source)
            return make_error("merge: {} used sensitivity '{}', not '{}'", who, source_name(p.source),
                              source_name(out.source));
        bool same = p.candidates.size() == out.candidates.size();
        for (size_t i = 0; same && i < p.candidates.size(); ++i)
            same = p.candidates[i].label == out.candidates[i].label && p.candidates[i].spec == out.candidates[i].spec;
        if (!same) return make_error("merge: {} was computed for other candidates", who);
        if (p.quantizable_total != out.quantizable_total)
            return make_error("merge: {} counts {} quantizable tensors, not {}", who, p.quantizable_total,
                              out.quantizable_total);
        if (seen[p.shard.index]++) return make_error("merge: {} given twice", who);
        for (auto& tc : p.tensors) {
            if (!indices.insert(tc.index).second) return make_error("merge: tensor '{}' appears in two shards", tc.name);
            out.tensors.push_back(std::move(tc));
        }
    }
    std::vector<uint32_t> missing;
    for (uint32_t i = 0; i < n; ++i)
        if (!seen[i]) missing.push_back(i + 1);
    if (!missing.empty())
        return make_error("merge: missing shard(s) {} of {}", fmt::join(missing, ", "), n);
    if (out.tensors.size() != out.quantizable_total)
        return make_error("merge: the shards hold {} tensors, the model has {} to quantize", out.tensors.size(),
                          out.quantizable_total);
    std::sort(out.tensors.begin(), out.tensors.end(),
              [](const TensorCosts& a, const TensorCosts& b) { return a.index < b.index; });
    out.shard = {0, 1};
    return out;
}

}  // namespace qs::sensitivity
