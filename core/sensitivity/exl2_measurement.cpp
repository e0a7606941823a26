// exllamav2 measurement.json reader, cost table and optimizer replica (see
// exl2_measurement.hpp). The file layout follows exllamav2/conversion/measure.py:
// {"measurement": {"<module key>.<mode>": [option, ...] | null, ...}, "last_module_idx": N}
// with option = {"accuracy", "total_bits", "<proj>": {group_size{bits: gs}, bits[], bits_prop[], scale_bits}}.
#include "core/sensitivity/exl2_measurement.hpp"

#include "core/util/read_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <set>

namespace qs::sensitivity {
namespace {

using ojson = nlohmann::ordered_json;

struct QParamsView {
    std::vector<int> bits;
    std::vector<double> prop;
    std::vector<int> group;   // per entry of bits
    int scale_bits = 0;
};

Result<int> small_int(const ojson& v, int lo, int hi, const std::string& where) {
    if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()))
        return make_error("{}: expected an integer", where);
    const double d = v.get<double>();
    if (d < lo || d > hi) return make_error("{}: {} is outside [{}, {}]", where, d, lo, hi);
    return int(d);
}

// One projection's QParams dict, checked; returns exllamav2's get_desc() text.
Result<QParamsView> parse_qparams(const ojson& q, const std::string& where) {
    if (!q.is_object()) return make_error("{}: expected an object with group_size, bits, bits_prop, scale_bits", where);
    for (const char* k : {"group_size", "bits", "bits_prop", "scale_bits"})
        if (!q.contains(k)) return make_error("{}: missing '{}'", where, k);
    const ojson& b = q["bits"];
    const ojson& p = q["bits_prop"];
    if (!b.is_array() || b.empty() || b.size() > 16) return make_error("{}.bits: expected a list of 1 to 16 bit widths", where);
    if (!p.is_array() || p.size() != b.size())
        return make_error("{}.bits_prop: expected a list as long as bits ({})", where, b.size());
    QParamsView v;
    for (size_t i = 0; i < b.size(); ++i) {
        auto bi = small_int(b[i], 1, 16, fmt::format("{}.bits[{}]", where, i));
        if (!bi) return bi.error();
        if (!p[i].is_number() || !std::isfinite(p[i].get<double>()) || p[i].get<double>() < 0 || p[i].get<double>() > 1)
            return make_error("{}.bits_prop[{}]: expected a number in [0, 1]", where, i);
        v.bits.push_back(*bi);
        v.prop.push_back(p[i].get<double>());
    }
    const ojson& g = q["group_size"];
    for (size_t i = 0; i < v.bits.size(); ++i) {
        const ojson* gs = nullptr;
        if (g.is_object()) {  // {"<bits>": group size}, as QParams.get_dict() writes it
            auto it = g.find(std::to_string(v.bits[i]));
            if (it == g.end()) return make_error("{}.group_size: no entry for {} bits", where, v.bits[i]);
            gs = &*it;
        } else if (g.is_array()) {
            if (g.size() != v.bits.size()) return make_error("{}.group_size: expected {} entries", where, v.bits.size());
            gs = &g[i];
        } else {
            gs = &g;
        }
        auto gi = small_int(*gs, 1, 1 << 20, fmt::format("{}.group_size", where));
        if (!gi) return gi.error();
        v.group.push_back(*gi);
    }
    auto sb = small_int(q["scale_bits"], 0, 32, where + ".scale_bits");
    if (!sb) return sb.error();
    v.scale_bits = *sb;
    return v;
}

std::string desc(const QParamsView& v) {
    std::string s;
    for (size_t i = 0; i < v.bits.size(); ++i) {
        if (!s.empty()) s += '/';
        s += fmt::format("{}:{}b_{}g", v.prop[i], v.bits[i], v.group[i]);
    }
    return s + fmt::format(" s{}", v.scale_bits);
}

struct KeyParts {
    int layer = -1;
    std::string mode;
};
// "model.layers.<N>.<mode>" -> (N, mode); anything else -> layer -1.
KeyParts split_key(const std::string& key) {
    static const std::string prefix = "model.layers.";
    KeyParts k;
    if (key.rfind(prefix, 0) != 0) return k;
    const char* b = key.data() + prefix.size();
    const char* e = key.data() + key.size();
    int n = 0;
    auto [ptr, ec] = std::from_chars(b, e, n);
    if (ec != std::errc() || ptr == b || ptr == e || *ptr != '.' || n < 0) return k;
    k.layer = n;
    k.mode = std::string(ptr + 1, e);
    return k;
}

Result<Exl2Block> parse_block(const std::string& file_key, const std::string& sub, const ojson& list,
                              const std::string& what) {
    const std::string where = fmt::format("{}: '{}'{}", what, file_key, sub.empty() ? "" : "." + sub);
    if (!list.is_array() || list.empty()) return make_error("{}: expected a non-empty list of options", where);
    if (list.size() > kMaxExl2Options)
        return make_error("{}: {} options (more than {} is not a measurement)", where, list.size(), kMaxExl2Options);
    Exl2Block b;
    b.file_key = file_key;
    b.sub = sub;
    std::set<std::string> seen;
    for (size_t i = 0; i < list.size(); ++i) {
        const ojson& o = list[i];
        const std::string ow = fmt::format("{} option {}", where, i);
        if (!o.is_object()) return make_error("{}: expected an object", ow);
        if (!o.contains("accuracy") || !o["accuracy"].is_number())
            return make_error("{}: missing a numeric 'accuracy'", ow);
        if (!o.contains("total_bits") || !o["total_bits"].is_number())
            return make_error("{}: missing a numeric 'total_bits'", ow);
        Exl2Option opt;
        opt.accuracy = o["accuracy"].get<double>();
        if (!std::isfinite(opt.accuracy) || opt.accuracy < 0.0 || opt.accuracy > 1.0)
            return make_error("{}: accuracy {} is not in [0, 1]", ow, opt.accuracy);
        const double tb = o["total_bits"].get<double>();
        if (!std::isfinite(tb) || tb < 0 || tb > 9.0e18) return make_error("{}: total_bits {} is not a size", ow, tb);
        opt.total_bits = uint64_t(tb);  // optimize.py: int(opt["total_bits"])
        std::vector<std::string> projs;
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key() == "accuracy" || it.key() == "total_bits") continue;
            auto qp = parse_qparams(it.value(), ow + "." + it.key());
            if (!qp) return qp.error();
            if (!opt.label.empty()) opt.label += "; ";
            opt.label += it.key() + " " + desc(*qp);
            projs.push_back(it.key());
        }
        if (projs.empty()) return make_error("{}: no projection settings (e.g. q_proj, down_proj)", ow);
        if (i == 0) b.projections = projs;
        else if (projs != b.projections)
            return make_error("{}: projections differ from option 0 ({} vs {})", ow, fmt::join(projs, ","),
                              fmt::join(b.projections, ","));
        if (!seen.insert(opt.label).second) opt.label += fmt::format(" #{}", i);  // same settings measured twice
        opt.raw = o;
        b.options.push_back(std::move(opt));
    }
    return b;
}

}  // namespace

Result<Exl2Measurement> parse_exl2_measurement(const ojson& j, const std::string& what) {
    if (!j.is_object()) return make_error("{}: expected a JSON object (exllamav2 measurement.json)", what);
    Exl2Measurement m;
    m.path = what;
    const ojson* meas = &j;
    if (j.contains("measurement")) {
        meas = &j["measurement"];
        if (j.contains("last_module_idx") && j["last_module_idx"].is_number_integer())
            m.last_module_idx = j["last_module_idx"].get<int64_t>();
    }
    if (!meas->is_object()) return make_error("{}: 'measurement' is not an object", what);
    if (meas->size() > kMaxExl2Blocks) return make_error("{}: {} entries (limit {})", what, meas->size(), kMaxExl2Blocks);
    std::set<std::pair<int, int>> taken;
    for (auto it = meas->begin(); it != meas->end(); ++it) {
        if (it.value().is_null()) continue;  // norms, head: measured as None
        const KeyParts k = split_key(it.key());
        if (k.layer < 0)
            return make_error("{}: key '{}' is not a decoder block (model.layers.N.<mode>)", what, it.key());
        const std::string base = fmt::format("model.layers.{}", k.layer);
        std::vector<std::tuple<std::string, std::string, int, const ojson*>> parts;  // key, sub, slot, list
        if (k.mode == "self_attn") parts.emplace_back(it.key(), "", 0, &it.value());
        else if (k.mode == "mlp" || k.mode == "block_sparse_moe") parts.emplace_back(it.key(), "", 1, &it.value());
        else if (k.mode == "parallel_decoder") {
            if (!it.value().is_object() || !it.value().contains("attn") || !it.value().contains("mlp"))
                return make_error("{}: '{}': expected {{\"attn\": [...], \"mlp\": [...]}}", what, it.key());
            parts.emplace_back(base + ".self_attn", "attn", 0, &it.value()["attn"]);
            parts.emplace_back(base + ".mlp", "mlp", 1, &it.value()["mlp"]);
        } else {
            return make_error("{}: key '{}': unknown block kind '{}' (self_attn, mlp, block_sparse_moe, "
                              "parallel_decoder)",
                              what, it.key(), k.mode);
        }
        for (auto& [key, sub, slot, list] : parts) {
            if (!taken.insert({k.layer, slot}).second)
                return make_error("{}: layer {} has two {} blocks", what, k.layer, slot ? "MLP" : "attention");
            auto b = parse_block(it.key(), sub, *list, what);
            if (!b) return b.error();
            b->key = key;
            b->layer = k.layer;
            b->slot = slot;
            m.blocks.push_back(std::move(*b));
        }
    }
    if (m.blocks.empty()) return make_error("{}: no measured blocks", what);
    std::sort(m.blocks.begin(), m.blocks.end(),
              [](const Exl2Block& a, const Exl2Block& b) { return std::tie(a.layer, a.slot) < std::tie(b.layer, b.slot); });
    return m;
}

Result<Exl2Measurement> read_exl2_measurement(const std::filesystem::path& path) {
    auto text = read_text_file(path, kMaxExl2FileBytes);
    if (!text) return text.error();
    ojson j = ojson::parse(*text, nullptr, false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", path.string());
    return parse_exl2_measurement(j, path.string());
}

Status set_exl2_numel(Exl2Measurement& m, const io::ModelIndex* model) {
    for (auto& b : m.blocks) {
        b.numel = 0;
        if (model) {
            for (const auto& t : model->tensors) {
                if (t.name.rfind(b.key + ".", 0) != 0) continue;
                for (const auto& p : b.projections) {
                    const std::string tail = "." + p + ".weight";
                    if (t.name.size() > tail.size() && t.name.compare(t.name.size() - tail.size(), tail.size(), tail) == 0)
                        b.numel += t.numel();
                }
            }
            if (b.numel == 0)
                return make_error("{}: block '{}': {} has no tensor {}.*.{}.weight (projections {}; Hugging Face "
                                  "names expected)",
                                  m.path, b.key, model->path, b.key, b.projections.front(), fmt::join(b.projections, ", "));
            b.numel_estimated = false;
            continue;
        }
        // The option whose projections all use one plain setting (exllamav2 lists end with all-8-bit).
        for (const auto& o : b.options) {
            std::optional<QParamsView> common;
            bool uniform = true;
            for (auto it = o.raw.begin(); it != o.raw.end() && uniform; ++it) {
                if (it.key() == "accuracy" || it.key() == "total_bits") continue;
                auto qp = parse_qparams(it.value(), "");
                if (!qp || qp->bits.size() != 1) uniform = false;
                else if (!common) common = *qp;
                else uniform = qp->bits == common->bits && qp->group == common->group && qp->scale_bits == common->scale_bits;
            }
            if (!uniform || !common) continue;
            const double bpw = common->bits[0] + double(common->scale_bits) / common->group[0];
            b.numel = uint64_t(std::llround(double(o.total_bits) / bpw));
            b.numel_estimated = true;
            break;
        }
        if (b.numel == 0)
            return make_error("{}: block '{}': no option with one plain bit width to estimate its size from; give the "
                              "model (--model)",
                              m.path, b.key);
    }
    return {};
}

CostTable exl2_cost_table(const Exl2Measurement& m) {
    CostTable t;
    t.model = m.path;
    std::vector<std::string> labels;
    std::map<std::string, size_t> index;
    for (const auto& b : m.blocks)
        for (const auto& o : b.options)
            if (index.emplace(o.label, labels.size()).second) labels.push_back(o.label);
    for (const auto& l : labels) t.candidates.push_back(CandidateSpec{l, {}});
    t.quantizable_total = m.blocks.size();
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const auto& b = m.blocks[i];
        TensorCosts tc;
        tc.index = i;
        tc.name = b.key;
        tc.shape = {int64_t(b.numel)};
        tc.numel = b.numel;
        tc.note = b.numel_estimated ? "size estimated" : "";
        tc.costs.resize(labels.size());
        for (auto& c : tc.costs) {
            c.feasible = false;
            c.why = "not an option of this block";
        }
        for (const auto& o : b.options) {
            auto& c = tc.costs[index.at(o.label)];
            c.feasible = true;
            c.why.clear();
            c.bits_per_weight = b.numel ? double(o.total_bits) / double(b.numel) : 0.0;
            c.cost = o.error();
            c.sqnr_db = std::numeric_limits<double>::quiet_NaN();
        }
        t.tensors.push_back(std::move(tc));
    }
    return t;
}

namespace {

// One call of ext_quant.cpp's sim_anneal: float error sums and the same move rule
// (the size check is done in uint64 there too; its `delta_cost < 0` branch can never
// fire because delta_cost is unsigned, so over-budget moves are always refused).
struct AnnealRun {
    std::vector<size_t> idx;
    float sum = 0.0f;
    uint64_t cost = 0;
    float max_err = 0.0f;
};

AnnealRun sim_anneal(const std::vector<std::vector<std::pair<uint64_t, double>>>& slots, uint64_t max_cost,
                     const AnnealOptions& o, double norm, std::mt19937& gen) {
    const size_t n = slots.size();
    // powf(err, norm) per option, computed once per run (the same float values the
    // original recomputes on every move).
    std::vector<std::vector<float>> pw(n);
    for (size_t i = 0; i < n; ++i)
        for (const auto& s : slots[i]) pw[i].push_back(std::pow(float(s.second), float(norm)));
    AnnealRun r;
    r.idx.assign(n, 0);
    float temp = float(o.temp_max);
    const int outer = int(std::log(o.temp_min / temp) / std::log(o.cooling));
    for (size_t i = 0; i < n; ++i) {
        r.cost += slots[i][0].first;
        r.sum += pw[i][0];
    }
    for (int j = 0; j < outer; ++j) {
        for (int k = 0; k < o.iterations; ++k) {
            const size_t i = size_t(std::uniform_int_distribution<>(0, int(n) - 1)(gen));
            const size_t c = size_t(std::uniform_int_distribution<>(0, int(slots[i].size()) - 1)(gen));
            const size_t was = r.idx[i];
            const uint64_t new_cost = r.cost - slots[i][was].first + slots[i][c].first;
            const float de = pw[i][c] - pw[i][was];
            if (new_cost <= max_cost) {
                if (de < 0 || std::uniform_real_distribution<>(0, 1)(gen) < std::exp(-de / temp)) {
                    r.idx[i] = c;
                    r.sum += de;
                    r.cost = new_cost;
                }
            }
        }
        temp *= float(o.cooling);
    }
    for (size_t i = 0; i < n; ++i) r.max_err = std::max(r.max_err, float(slots[i][r.idx[i]].second));
    return r;
}

}  // namespace

Result<AnnealResult> exl2_anneal(const Exl2Measurement& m, uint64_t weight_budget, const AnnealOptions& o) {
    if (m.blocks.empty()) return make_error("exl2 optimizer: no blocks");
    if (o.samples < 2 || o.iterations < 1 || !(o.cooling > 0 && o.cooling < 1) || !(o.temp_min > 0) ||
        !(o.temp_max > o.temp_min))
        return make_error("exl2 optimizer: bad annealing settings");
    std::vector<std::vector<std::pair<uint64_t, double>>> slots;
    for (const auto& b : m.blocks) {
        auto& s = slots.emplace_back();
        for (const auto& opt : b.options) s.emplace_back(opt.total_bits, opt.error());
    }
    std::mt19937 gen(uint32_t(o.seed));
    const int S = o.samples;
    float m_best = std::numeric_limits<float>::infinity();
    float p_best = std::numeric_limits<float>::infinity();
    double bestnorm = o.norm_lo, norm = o.norm_lo, norm_a = 0, norm_b = 0;
    AnnealRun best;
    // optimize.py: stages 1-2 sweep the error exponent and keep the one with the
    // smallest max error; stage 3 repeats at that exponent and keeps the smallest sum.
    for (int i = 0; i < 3 * S; ++i) {
        if (i < S) {
            const double t = double(i) / (S - 1);
            norm = (1 - t) * o.norm_lo + t * o.norm_hi;
        } else if (i < 2 * S) {
            if (i == S) {
                norm_a = bestnorm - o.norm_2nd / 2;
                norm_b = bestnorm + o.norm_2nd / 2;
            }
            const double t = double(i) / (S - 1) - 1;  // as written there (runs slightly past norm_b)
            norm = (1 - t) * norm_a + t * norm_b;
        } else {
            norm = bestnorm;
        }
        AnnealRun r = sim_anneal(slots, weight_budget, o, norm, gen);
        if (i < 2 * S) {
            if (r.max_err < m_best) {
                m_best = r.max_err;
                bestnorm = norm;
            }
        } else if (r.sum < p_best) {
            p_best = r.sum;
            best = std::move(r);
        }
    }
    AnnealResult out;
    out.choice = best.idx;
    out.best_norm = bestnorm;
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const auto& opt = m.blocks[i].options[best.idx[i]];
        out.bits += opt.total_bits;
        out.sum_err += opt.error();
        out.max_err = std::max(out.max_err, opt.error());
        out.sum_log_err += std::log(std::max(opt.error(), 1e-300));
    }
    return out;
}

}  // namespace qs::sensitivity
