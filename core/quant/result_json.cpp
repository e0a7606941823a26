// QuantResult -> JSON (result_json.hpp).
#include "core/quant/result_json.hpp"

#include "core/quant/spec_json.hpp"

#include <cmath>

namespace qs::quant {

using nlohmann::json;

json json_number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

namespace {

json histogram_json(const Histogram& h) {
    return {{"lo", json_number(h.lo)}, {"hi", json_number(h.hi)}, {"counts", h.counts},
            {"below", h.below},        {"above", h.above}};
}

json floats_json(const std::vector<float>& v) {
    json a = json::array();
    for (float x : v) a.push_back(json_number(x));
    return a;
}

}  // namespace

json result_to_json(const QuantResult& r, const ResultJsonOptions& o) {
    json j;
    j["tensor"] = r.tensor;
    j["shape"] = r.shape;
    j["numel"] = r.numel;
    j["spec"] = to_text(r.spec);
    j["mse"] = json_number(r.mse);
    j["sqnr_db"] = json_number(r.sqnr_db);
    j["max_abs_err"] = json_number(r.max_abs_err);
    j["cosine"] = json_number(r.cosine);
    j["rel_fro_err"] = json_number(r.rel_fro_err);
    j["sum_sq"] = json_number(r.sum_sq);
    j["sum_sq_err"] = json_number(r.sum_sq_err);
    j["bits_per_weight"] = json_number(r.bits_per_weight);
    j["bytes"] = r.bytes;
    j["levels"] = r.levels;
    j["codes_used"] = r.codes_used;
    j["code_entropy_bits"] = json_number(r.code_entropy_bits);
    j["clipped_fraction"] = json_number(r.clipped_fraction);
    j["outliers_kept"] = r.outliers_kept;
    j["nonfinite"] = r.nonfinite;
    j["n_groups"] = r.n_groups;
    j["clip_lo"] = json_number(r.clip_lo);
    j["clip_hi"] = json_number(r.clip_hi);
    if (!r.group_scale.empty()) {
        j["first_group"] = {{"scale", json_number(r.group_scale[0])},
                            {"zero_point", json_number(r.group_zero_point[0])}};
    }
    if (o.histograms) {
        j["code_offset"] = r.code_offset;
        j["code_hist"] = r.code_hist;
        j["grid"] = floats_json(r.grid);
        j["hist_orig"] = histogram_json(r.hist_orig);
        j["hist_deq"] = histogram_json(r.hist_deq);
        j["hist_err"] = histogram_json(r.hist_err);
    }
    if (o.groups) {
        j["groups"] = {{"scale", floats_json(r.group_scale)},
                       {"zero_point", floats_json(r.group_zero_point)},
                       {"mse", floats_json(r.group_mse)},
                       {"clip_lo", floats_json(r.group_clip_lo)},
                       {"clip_hi", floats_json(r.group_clip_hi)}};
    }
    return j;
}

}  // namespace qs::quant
