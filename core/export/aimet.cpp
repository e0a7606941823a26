// AIMET encodings 1.0.0 (see aimet.hpp). quantscope's int grid is x = scale*(q - zp)
// with q in [qmin, qmax]; AIMET's unsigned code is q' = q - qmin, so
// offset = qmin - zp (symmetric: zp = 0, and qmin = -2^(b-1) or -(2^(b-1) - 1);
// AIMET's symmetric offset is always -2^(b-1), which yields the same values).
#include "core/export/aimet.hpp"

#include "core/io/decode.hpp"
#include "core/quant/layout.hpp"
#include "core/quant/params.hpp"
#include "core/quant/quantize.hpp"

#include <fmt/format.h>

namespace qs::exporter {
namespace {

using quant::Granularity;
using quant::Scheme;

}  // namespace

bool aimet_supports(const PlannedTensor& t, std::string* why) {
    const auto& s = t.spec;
    auto no = [&](std::string w) {
        if (why) *why = std::move(w);
        return false;
    };
    if (s.scheme == Scheme::Fp) {
        if (s.bits == 16 && s.exp_bits == 5 && s.man_bits == 10) return true;
        return no(fmt::format("AIMET float encodings are fp16 only, not {}", quant::to_text(s)));
    }
    if (s.scheme != Scheme::Int) return no(fmt::format("AIMET has no {} encodings", quant::scheme_name(s.scheme)));
    if (!s.is_signed && s.symmetric) return no("unsigned symmetric integers have no AIMET encoding");
    const quant::Layout L = quant::make_layout(t.shape, s);
    switch (L.kind) {
        case Granularity::PerTensor: return true;
        case Granularity::PerChannel:
            if (s.axis != 0) return no(fmt::format("per-channel on axis {} (AIMET needs axis 0)", s.axis));
            return true;
        case Granularity::PerGroup:
            if (t.shape.size() != 2) return no("per-group scaling of a tensor that is not 2-D");
            if (L.cols % L.group != 0)
                return no(fmt::format("{} input features are not a multiple of the group size {}", L.cols, L.group));
            return true;
        case Granularity::PerBlock: return no("2-D tile (per-block) scaling has no AIMET encoding");
    }
    return no("unknown granularity");
}

std::optional<nlohmann::ordered_json> aimet_param_encoding(const PlannedTensor& t, const quant::QuantResult& r,
                                                           std::string* why) {
    if (!aimet_supports(t, why)) return std::nullopt;
    const auto& s = t.spec;
    nlohmann::ordered_json e;
    e["name"] = t.name;
    if (s.scheme == Scheme::Fp) {
        e["dtype"] = "FLOAT";
        e["enc_type"] = "PER_TENSOR";
        e["bw"] = 16;
        return e;
    }
    const quant::Layout L = quant::make_layout(t.shape, s);
    const quant::IntRange range = quant::int_range(s);
    e["dtype"] = "INT";
    e["enc_type"] = L.kind == Granularity::PerTensor    ? "PER_TENSOR"
                    : L.kind == Granularity::PerChannel ? "PER_CHANNEL"
                                                        : "PER_BLOCK";
    e["bw"] = s.bits;
    e["is_sym"] = s.symmetric;
    nlohmann::ordered_json scale = nlohmann::ordered_json::array(), offset = nlohmann::ordered_json::array();
    for (uint64_t g = 0; g < r.n_groups; ++g) {
        // An all-zero group has scale 0; any positive scale represents it (q' = -offset is 0).
        const float sc = r.group_scale[g] > 0.0f ? r.group_scale[g] : 1.0f;
        scale.push_back(double(sc));
        const int64_t off = s.symmetric ? -(int64_t(1) << (s.bits - 1))
                                        : int64_t(range.qmin) - int64_t(r.group_zero_point[g]);
        offset.push_back(off);
    }
    e["scale"] = std::move(scale);
    e["offset"] = std::move(offset);
    if (L.kind == Granularity::PerGroup) e["block_size"] = L.group;
    return e;
}

Result<nlohmann::ordered_json> aimet_encodings(const PlanDocument& plan, const ExportOptions& options,
                                               std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    if (!options.model)
        return Error{"aimet: scales and offsets come from the weights; open the model to export AIMET encodings"};
    const io::ModelIndex& model = *options.model;
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    options.progress.set_total(plan.tensors.size());
    std::vector<float> data;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        if (!options.progress.update(i)) return Error{"aimet: cancelled"};
        const PlannedTensor& t = plan.tensors[i];
        if (!t.quantized) continue;
        std::string why;
        if (!aimet_supports(t, &why)) {
            warn(fmt::format("aimet: tensor '{}' skipped: {}", t.name, why));
            continue;
        }
        const int64_t idx = model.find(t.name);
        if (idx < 0) return make_error("aimet: tensor '{}' of the plan is not in {}", t.name, model.path);
        const io::TensorInfo& info = model.tensors[size_t(idx)];
        if (info.shape != t.shape)
            return make_error("aimet: tensor '{}': the plan says shape {}, {} has {}", t.name,
                              io::shape_string(t.shape), model.path, io::shape_string(info.shape));
        if (t.spec.outliers != quant::OutlierMode::None)
            warn(fmt::format("aimet: tensor '{}': outliers kept in full precision cannot be expressed; AIMET will "
                             "clamp them",
                             t.name));
        data.resize(info.numel());
        QS_TRY(io::decode_tensor(model, size_t(idx), data));
        quant::QuantOptions qo;
        qo.hist_bins = 0;
        qo.threads = options.threads;
        auto r = quant::quantize({data, t.shape, t.name}, t.spec, qo);
        if (!r) return make_error("aimet: {}", r.message());
        auto e = aimet_param_encoding(t, *r, &why);
        if (e) params.push_back(std::move(*e));
    }
    nlohmann::ordered_json j;
    j["version"] = "1.0.0";
    j["activation_encodings"] = nlohmann::ordered_json::array();
    j["param_encodings"] = std::move(params);
    j["excluded_layers"] = nlohmann::ordered_json::array();
    j["quantizer_args"] = nlohmann::ordered_json::object();
    return j;
}

}  // namespace qs::exporter
