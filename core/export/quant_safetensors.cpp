// Quantized safetensors writer and reader (see quant_safetensors.hpp). The writer
// declares every output tensor up front (outlier lists are data-dependent, so they
// are declared with an upper bound; io::SafetensorsStreamWriter rewrites the header
// at the end) and then quantizes and writes one source tensor at a time.
#include "core/export/quant_safetensors.hpp"

#include "core/io/decode.hpp"
#include "core/io/safetensors.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/quant/formats.hpp"
#include "core/quant/layout.hpp"
#include "core/quant/params.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/spec_json.hpp"
#include "core/util/checked.hpp"
#include "core/util/half.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <map>

namespace qs::exporter {
namespace {

using io::DType;
using quant::QuantSpec;
using quant::Scheme;

constexpr const char* kFormatKey = "quantscope.format";
constexpr const char* kTensorsKey = "quantscope.tensors";

// The smallest integer dtype holding every code of the spec; nullopt when the
// scheme's codes need side data the file does not carry (k-means codebooks).
std::optional<DType> codes_dtype(const QuantSpec& s) {
    switch (s.scheme) {
        case Scheme::Int: {
            const quant::IntRange r = quant::int_range(s);
            if (r.qmin >= -128 && r.qmax <= 127) return DType::I8;
            if (r.qmin >= 0 && r.qmax <= 255) return DType::U8;
            if (r.qmin >= -32768 && r.qmax <= 32767) return DType::I16;
            if (r.qmin >= 0 && r.qmax <= 65535) return DType::U16;
            return DType::I32;
        }
        case Scheme::Fp:
        case Scheme::Log2: return s.bits <= 8 ? DType::U8 : DType::U16;
        case Scheme::MX:
        case Scheme::NF4:
        case Scheme::Binary:
        case Scheme::Ternary: return DType::U8;
        case Scheme::KMeans: return std::nullopt;
    }
    return std::nullopt;
}

bool has_zero_point(const QuantSpec& s) { return s.scheme == Scheme::Int && !s.symmetric; }

// Stored as-is when the bytes in the file already are plain little-endian C-order elements.
bool raw_copyable(const io::TensorInfo& t) {
    return t.storage == io::Storage::Raw && !t.big_endian && !t.fortran_order && t.strides.empty() &&
           io::dtype_info(t.dtype).block_elems == 1;
}

DType fake_quant_dtype(const io::TensorInfo& t, bool force_f32) {
    if (force_f32) return DType::F32;
    switch (t.dtype) {
        case DType::F16:
        case DType::BF16:
        case DType::F32:
        case DType::F64: return t.dtype;
        default: return DType::F32;
    }
}

std::vector<uint8_t> floats_as(DType d, std::span<const float> v) {
    std::vector<uint8_t> out;
    auto put = [&](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    };
    out.reserve(v.size() * 4);
    for (float x : v) {
        if (d == DType::F16) {
            const uint16_t h = float_to_half(x);
            put(&h, 2);
        } else if (d == DType::BF16) {
            const uint16_t h = float_to_bf16(x);
            put(&h, 2);
        } else if (d == DType::F64) {
            const double y = x;
            put(&y, 8);
        } else {
            put(&x, 4);
        }
    }
    return out;
}

std::vector<uint8_t> codes_as(DType d, std::span<const int32_t> codes) {
    const size_t w = io::dtype_info(d).block_bytes;
    std::vector<uint8_t> out(codes.size() * w);
    for (size_t i = 0; i < codes.size(); ++i) {
        const int32_t c = codes[i] == quant::kNoCode ? 0 : codes[i];
        std::memcpy(out.data() + i * w, &c, w);  // little-endian: the low bytes
    }
    return out;
}

template <class T>
std::span<const uint8_t> bytes_of(const std::vector<T>& v) {
    return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)};
}

struct Job {
    size_t model_index;
    const PlannedTensor* plan = nullptr;  // null or !quantized: copied
    bool codes = false;                   // codes mode for this tensor
};

}  // namespace

Status write_quantized_safetensors(const PlanDocument& plan, const std::filesystem::path& out,
                                   const ExportOptions& options, std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    if (!options.model) return Error{"safetensors: open the model to export quantized weights"};
    const io::ModelIndex& model = *options.model;
    const bool codes_mode = options.safetensors_mode == SafetensorsMode::Codes;

    std::map<std::string, const PlannedTensor*, std::less<>> planned;
    for (const auto& t : plan.tensors) {
        const int64_t i = model.find(t.name);
        if (i < 0) return make_error("safetensors: tensor '{}' of the plan is not in {}", t.name, model.path);
        if (model.tensors[size_t(i)].shape != t.shape)
            return make_error("safetensors: tensor '{}': the plan says shape {}, {} has {}", t.name,
                              io::shape_string(t.shape), model.path, io::shape_string(model.tensors[size_t(i)].shape));
        if (t.quantized) QS_TRY(quant::validate(t.spec, t.shape));
        planned[t.name] = &t;
    }

    std::vector<Job> jobs;
    std::vector<io::TensorDecl> decls;
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (size_t i = 0; i < model.tensors.size(); ++i) {
        const io::TensorInfo& info = model.tensors[i];
        auto it = planned.find(info.name);
        Job job{i, it == planned.end() ? nullptr : it->second};
        if (!job.plan || !job.plan->quantized) {
            decls.push_back({info.name, raw_copyable(info) ? info.dtype : DType::F32, info.shape});
            jobs.push_back(job);
            continue;
        }
        const PlannedTensor& t = *job.plan;
        nlohmann::ordered_json m;
        m["shape"] = t.shape;
        m["source_dtype"] = t.source_dtype.empty() ? std::string(io::dtype_name(info.dtype)) : t.source_dtype;
        m["label"] = t.label;
        m["spec"] = nlohmann::ordered_json::parse(quant::spec_to_json(t.spec).dump());
        const auto cd = codes_dtype(t.spec);
        job.codes = codes_mode && cd.has_value();
        if (codes_mode && !cd)
            warn(fmt::format("safetensors: tensor '{}': {} codes need a codebook the file does not carry; "
                             "writing dequantized F32 values instead",
                             t.name, quant::to_text(t.spec)));
        if (job.codes) {
            const quant::Layout L = quant::make_layout(t.shape, t.spec);
            const int64_t groups = int64_t(L.n_groups), numel = int64_t(L.numel);
            m["stored"] = "codes";
            m["codes"] = t.name + ".qcodes";
            m["scale"] = t.name + ".qscale";
            decls.push_back({t.name + ".qcodes", *cd, t.shape});
            decls.push_back({t.name + ".qscale", DType::F32, {groups}});
            if (has_zero_point(t.spec)) {
                m["zero_point"] = t.name + ".qzero";
                decls.push_back({t.name + ".qzero", DType::F32, {groups}});
            }
            m["outlier_index"] = t.name + ".qoutlier_index";
            m["outlier_value"] = t.name + ".qoutlier_value";
            decls.push_back({t.name + ".qoutlier_index", DType::I64, {numel}});
            decls.push_back({t.name + ".qoutlier_value", DType::F32, {numel}});
        } else {
            const DType d = codes_mode ? DType::F32 : fake_quant_dtype(info, options.fake_quant_f32);
            m["stored"] = "dequantized";
            m["dequantized"] = t.name;
            decls.push_back({t.name, d, t.shape});
        }
        meta[t.name] = std::move(m);
        jobs.push_back(job);
    }
    const std::map<std::string, std::string> metadata = {
        {kFormatKey, codes_mode ? "codes" : "fake-quant"},
        {"quantscope.version", "1"},
        {"quantscope.model", plan.model},
        {kTensorsKey, meta.dump()},
    };
    auto writer = io::SafetensorsStreamWriter::create(out, std::move(decls), metadata);
    if (!writer) return writer.error();

    options.progress.set_total(jobs.size());
    std::vector<float> data;
    for (size_t k = 0; k < jobs.size(); ++k) {
        if (!options.progress.update(k)) return make_error("{}: cancelled; no file written", out.string());
        const Job& job = jobs[k];
        const io::TensorInfo& info = model.tensors[job.model_index];
        if (!job.plan || !job.plan->quantized) {
            if (raw_copyable(info)) {
                const io::MappedFile& f = *model.files[info.file];
                if (!range_fits(info.offset, info.nbytes, f.size()))
                    return make_error("{}: tensor '{}': data lies outside the file", model.path, info.name);
                QS_TRY(writer->write_next(info.shape, f.bytes().subspan(info.offset, info.nbytes)));
            } else {
                data.resize(info.numel());
                QS_TRY(io::decode_tensor(model, job.model_index, data));
                QS_TRY(writer->write_next(info.shape, bytes_of(data)));
            }
            continue;
        }
        const PlannedTensor& t = *job.plan;
        data.resize(info.numel());
        QS_TRY(io::decode_tensor(model, job.model_index, data));
        quant::QuantOptions qo;
        qo.hist_bins = 0;
        qo.keep_dequantized = true;
        qo.keep_codes = job.codes;
        qo.threads = options.threads;
        auto r = quant::quantize({data, t.shape, t.name}, t.spec, qo);
        if (!r) return make_error("safetensors: {}", r.message());
        std::vector<float>().swap(data);  // keep at most one tensor's buffers alive
        if (!job.codes) {
            QS_TRY(writer->write_next(t.shape, floats_as(writer->next_decl().dtype, r->dequantized)));
            continue;
        }
        QS_TRY(writer->write_next(t.shape, codes_as(writer->next_decl().dtype, r->codes)));
        const std::vector<int64_t> gshape = {int64_t(r->group_scale.size())};
        QS_TRY(writer->write_next(gshape, bytes_of(r->group_scale)));
        if (has_zero_point(t.spec)) QS_TRY(writer->write_next(gshape, bytes_of(r->group_zero_point)));
        std::vector<int64_t> idx;
        std::vector<float> val;
        for (size_t i = 0; i < r->codes.size(); ++i)
            if (r->codes[i] == quant::kNoCode) {
                idx.push_back(int64_t(i));
                val.push_back(r->dequantized[i]);
            }
        const std::vector<int64_t> oshape = {int64_t(idx.size())};
        QS_TRY(writer->write_next(oshape, bytes_of(idx)));
        QS_TRY(writer->write_next(oshape, bytes_of(val)));
    }
    if (!options.progress.update(jobs.size())) return make_error("{}: cancelled; no file written", out.string());
    return writer->finish();
}

// ---------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------

int64_t QuantizedModel::find(std::string_view name) const {
    for (size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == name) return int64_t(i);
    return -1;
}

Result<QuantizedModel> read_quantized_safetensors(const std::filesystem::path& path) {
    const std::string src = path.string();
    auto file = io::open_safetensors(path);
    if (!file) return file.error();
    QuantizedModel qm;
    qm.file = std::move(*file);
    std::string tensors_json;
    for (const auto& e : qm.file.metadata) {
        if (e.key == kFormatKey) qm.mode = e.value;
        if (e.key == kTensorsKey) tensors_json = e.value;
    }
    if (qm.mode != "codes" && qm.mode != "fake-quant")
        return make_error("{}: not a quantscope quantized safetensors file (no '{}' metadata)", src, kFormatKey);
    auto j = nlohmann::json::parse(tensors_json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error("{}: metadata '{}' is not a JSON object", src, kTensorsKey);
    for (auto it = j.begin(); it != j.end(); ++it) {
        const auto& v = it.value();
        auto bad = [&](std::string_view what) { return make_error("{}: tensor '{}': {}", src, it.key(), what); };
        if (!v.is_object() || !v.contains("shape") || !v.contains("spec") || !v.contains("stored") ||
            !v["stored"].is_string())
            return bad("metadata entry needs shape, spec and stored");
        QuantizedTensor t;
        t.name = it.key();
        if (!v["shape"].is_array() || v["shape"].size() > 8) return bad("invalid shape");
        for (const auto& d : v["shape"]) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0) return bad("invalid shape");
            t.shape.push_back(d.get<int64_t>());
        }
        if (!checked_numel(t.shape)) return bad("invalid shape");
        if (v.contains("source_dtype") && v["source_dtype"].is_string()) t.source_dtype = v["source_dtype"];
        auto spec = quant::spec_from_json(v["spec"]);
        if (!spec) return bad(spec.message());
        t.spec = *spec;
        if (auto ok = quant::validate(t.spec, t.shape); !ok) return bad(ok.message());
        auto name_of = [&](const char* key, std::string& dst) -> Status {
            if (!v.contains(key)) return {};
            if (!v[key].is_string() || qm.file.find(v[key].get<std::string>()) < 0)
                return bad(fmt::format("'{}' names no tensor in the file", key));
            dst = v[key].get<std::string>();
            return {};
        };
        const std::string stored = v["stored"];
        if (stored == "codes") {
            QS_TRY(name_of("codes", t.codes));
            QS_TRY(name_of("scale", t.scale));
            QS_TRY(name_of("zero_point", t.zero_point));
            QS_TRY(name_of("outlier_index", t.outlier_index));
            QS_TRY(name_of("outlier_value", t.outlier_value));
            if (t.codes.empty() || t.scale.empty()) return bad("codes and scale tensors are required");
            if (has_zero_point(t.spec) && t.zero_point.empty()) return bad("asymmetric spec without zero points");
            if (t.outlier_index.empty() != t.outlier_value.empty()) return bad("outlier index without values");
        } else if (stored == "dequantized") {
            std::string d;
            QS_TRY(name_of("dequantized", d));
            if (d.empty()) return bad("'dequantized' tensor missing");
            t.codes = d;  // read as values, see dequantize()
        } else {
            return bad(fmt::format("unknown storage '{}'", stored));
        }
        // Remember how the values are stored in the name fields: an empty scale means "dequantized".
        qm.tensors.push_back(std::move(t));
    }
    return qm;
}

Status dequantize(const QuantizedModel& m, size_t i, std::span<float> out) {
    if (i >= m.tensors.size()) return make_error("{}: no quantized tensor #{}", m.file.path, i);
    const QuantizedTensor& t = m.tensors[i];
    const std::string& src = m.file.path;
    const uint64_t numel = *checked_numel(t.shape);
    if (out.size() != numel) return make_error("{}: tensor '{}': output holds {} values, need {}", src, t.name, out.size(), numel);
    auto load = [&](const std::string& name, std::vector<int64_t> expect, std::vector<float>& dst) -> Status {
        const int64_t k = m.file.find(name);
        const io::TensorInfo& info = m.file.tensors[size_t(k)];
        if (!expect.empty() && info.shape != expect)
            return make_error("{}: tensor '{}': shape {} where {} was expected", src, name, io::shape_string(info.shape),
                              io::shape_string(expect));
        dst.resize(info.numel());
        return io::decode_tensor(m.file, size_t(k), dst);
    };
    if (t.scale.empty()) {  // stored dequantized
        std::vector<float> v;
        QS_TRY(load(t.codes, t.shape, v));
        std::copy(v.begin(), v.end(), out.begin());
        return {};
    }
    const quant::Layout L = quant::make_layout(t.shape, t.spec);
    const std::vector<int64_t> gshape = {int64_t(L.n_groups)};
    std::vector<float> codes, scale, zero, oval;
    QS_TRY(load(t.codes, t.shape, codes));  // integer codes: exact in float32 (|code| < 2^24 for <= 16-bit codes)
    QS_TRY(load(t.scale, gshape, scale));
    if (!t.zero_point.empty()) QS_TRY(load(t.zero_point, gshape, zero));

    const QuantSpec& s = t.spec;
    const quant::Minifloat fp = quant::minifloat_of(s);
    const quant::MxFormat mx = quant::mx_format(s.mx_element);
    const quant::IntRange range = s.scheme == Scheme::Int ? quant::int_range(s) : quant::IntRange{0, 0};
    std::vector<float> levels;
    if (s.scheme == Scheme::NF4) levels.assign(quant::kNF4Levels.begin(), quant::kNF4Levels.end());
    if (s.scheme == Scheme::Log2) levels = quant::log2_grid(s.bits).levels;
    uint32_t code_limit = 0;  // exclusive bound on codes for the non-int schemes
    switch (s.scheme) {
        case Scheme::Fp: code_limit = fp.code_count(); break;
        case Scheme::MX: code_limit = mx.is_int ? 256 : mx.fp.code_count(); break;
        case Scheme::NF4:
        case Scheme::Log2: code_limit = uint32_t(levels.size()); break;
        case Scheme::Binary: code_limit = 2; break;
        case Scheme::Ternary: code_limit = 3; break;
        default: break;
    }
    for (uint64_t e = 0; e < numel; ++e) {
        const uint64_t g = L.group_of(e);
        const float sc = scale[g];
        const float c = codes[e];
        if (s.scheme == Scheme::Int) {
            if (c < float(range.qmin) || c > float(range.qmax))
                return make_error("{}: tensor '{}': code {} at element {} is outside [{}, {}]", src, t.name, c, e,
                                  range.qmin, range.qmax);
            const float zp = zero.empty() ? 0.0f : zero[g];
            out[e] = (c - zp) * sc;
            continue;
        }
        if (c < 0.0f || c >= float(code_limit))
            return make_error("{}: tensor '{}': code {} at element {} is not a valid {} code", src, t.name, c, e,
                              quant::scheme_name(s.scheme));
        const uint32_t code = uint32_t(c);
        switch (s.scheme) {
            case Scheme::Fp: out[e] = fp.decode(code) * sc; break;
            case Scheme::MX:
                out[e] = mx.is_int ? (float(int8_t(uint8_t(code))) * 0.015625f) * sc : mx.fp.decode(code) * sc;
                break;
            case Scheme::NF4:
            case Scheme::Log2: out[e] = levels[code] * sc; break;
            case Scheme::Binary: out[e] = code ? sc : -sc; break;
            case Scheme::Ternary: out[e] = code == 1 ? 0.0f : (code == 2 ? sc : -sc); break;
            default: return make_error("{}: tensor '{}': scheme cannot be stored as codes", src, t.name);
        }
    }
    if (!t.outlier_index.empty()) {
        const int64_t ki = m.file.find(t.outlier_index);
        const io::TensorInfo& ii = m.file.tensors[size_t(ki)];
        if (ii.dtype != DType::I64 || ii.shape.size() != 1 || ii.storage != io::Storage::Raw)
            return make_error("{}: tensor '{}': outlier index must be a 1-D I64 tensor", src, t.outlier_index);
        QS_TRY(load(t.outlier_value, ii.shape, oval));
        const io::MappedFile& f = *m.file.files[ii.file];
        if (!range_fits(ii.offset, ii.nbytes, f.size()) || ii.nbytes != oval.size() * 8)
            return make_error("{}: tensor '{}': data lies outside the file", src, t.outlier_index);
        for (size_t k = 0; k < oval.size(); ++k) {
            int64_t pos;
            std::memcpy(&pos, f.data() + ii.offset + k * 8, 8);
            if (pos < 0 || uint64_t(pos) >= numel)
                return make_error("{}: tensor '{}': outlier index {} is outside the tensor", src, t.name, pos);
            out[size_t(pos)] = oval[k];
        }
    }
    return {};
}

}  // namespace qs::exporter
