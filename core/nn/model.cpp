// Architecture validation, its JSON form, initialisation, and loading/saving a
// model as safetensors (see model.hpp). The arch JSON comes from a model file,
// so it is untrusted: every size is range-checked before anything is allocated.
#include "core/nn/model.hpp"

#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/nn/rng.hpp"
#include "core/util/checked.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <set>

namespace qs::nn {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Limits on architectures read from files: far above the demo models, far
// below anything that could exhaust memory.
constexpr size_t kMaxLayers = 64;
constexpr int64_t kMaxDim = 1 << 16;          // features, channels, height, width
constexpr int64_t kMaxKernel = 15;
constexpr int64_t kMaxStride = 8;
constexpr uint64_t kMaxParams = 64ull << 20;  // elements
constexpr uint64_t kMaxActivation = 16ull << 20;  // elements per sample per layer

bool valid_name(const std::string& s) {
    if (s.empty() || s.size() > 128) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
    return true;
}

}  // namespace

std::string_view layer_kind_name(LayerKind k) {
    switch (k) {
        case LayerKind::Dense: return "dense";
        case LayerKind::Conv2d: return "conv2d";
        case LayerKind::ReLU: return "relu";
        case LayerKind::GELU: return "gelu";
        case LayerKind::Flatten: return "flatten";
    }
    return "?";
}

int64_t Arch::input_size() const {
    int64_t n = 1;
    for (int64_t d : input_shape) n *= d;
    return n;
}

int64_t Arch::size_at(size_t l) const {
    int64_t n = 1;
    for (int64_t d : shapes[l]) n *= d;
    return n;
}

const ParamInfo* Arch::find_param(std::string_view name) const {
    int i = find_param_index(name);
    return i < 0 ? nullptr : &params[size_t(i)];
}

int Arch::find_param_index(std::string_view name) const {
    for (size_t i = 0; i < params.size(); ++i)
        if (params[i].name == name) return int(i);
    return -1;
}

Result<Arch> build_arch(std::vector<int64_t> input_shape, float input_scale, std::vector<LayerSpec> layers) {
    Arch a;
    if (input_shape.size() != 1 && input_shape.size() != 3)
        return make_error("input shape has rank {}, expected 1 ([features]) or 3 ([channels, height, width])",
                          input_shape.size());
    for (int64_t d : input_shape)
        if (d < 1 || d > kMaxDim) return make_error("input dimension {} is outside 1..{}", d, kMaxDim);
    if (!std::isfinite(input_scale) || input_scale == 0.0f) return Error{"input_scale must be finite and non-zero"};
    if (layers.empty()) return Error{"the model has no layers"};
    if (layers.size() > kMaxLayers) return make_error("{} layers, more than the limit of {}", layers.size(), kMaxLayers);
    a.input_shape = input_shape;
    a.input_scale = input_scale;
    a.shapes.push_back(input_shape);
    std::set<std::string> names;
    uint64_t total = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
        LayerSpec& L = layers[l];
        const std::vector<int64_t>& in = a.shapes.back();
        std::vector<int64_t> out;
        const std::string who = L.has_params() ? fmt::format("layer {} '{}'", l, L.name) : fmt::format("layer {} ({})", l, layer_kind_name(L.kind));
        switch (L.kind) {
            case LayerKind::Dense:
                if (in.size() != 1)
                    return make_error("{}: dense needs a flat input, got {}; add a flatten layer", who, io::shape_string(in));
                if (L.in != in[0]) return make_error("{}: in = {} but the incoming size is {}", who, L.in, in[0]);
                if (L.out < 1 || L.out > kMaxDim) return make_error("{}: out = {} is outside 1..{}", who, L.out, kMaxDim);
                out = {L.out};
                break;
            case LayerKind::Conv2d: {
                if (in.size() != 3) return make_error("{}: conv2d needs a [C, H, W] input, got {}", who, io::shape_string(in));
                if (L.in != in[0]) return make_error("{}: in = {} channels but the incoming tensor has {}", who, L.in, in[0]);
                if (L.out < 1 || L.out > kMaxDim) return make_error("{}: out = {} is outside 1..{}", who, L.out, kMaxDim);
                if (L.kernel < 1 || L.kernel > kMaxKernel) return make_error("{}: kernel {} is outside 1..{}", who, L.kernel, kMaxKernel);
                if (L.stride < 1 || L.stride > kMaxStride) return make_error("{}: stride {} is outside 1..{}", who, L.stride, kMaxStride);
                if (L.padding < 0 || L.padding >= L.kernel) return make_error("{}: padding {} is outside 0..{}", who, L.padding, L.kernel - 1);
                const int64_t h = (in[1] + 2 * L.padding - L.kernel), w = (in[2] + 2 * L.padding - L.kernel);
                if (h < 0 || w < 0) return make_error("{}: kernel {} does not fit the {} input", who, L.kernel, io::shape_string(in));
                out = {L.out, h / L.stride + 1, w / L.stride + 1};
                break;
            }
            case LayerKind::ReLU:
            case LayerKind::GELU: out = in; break;
            case LayerKind::Flatten: {
                int64_t n = 1;
                for (int64_t d : in) n *= d;
                out = {n};
                break;
            }
        }
        auto act = checked_numel(out);
        if (!act || *act > kMaxActivation) return make_error("{}: output {} is too large", who, io::shape_string(out));
        a.layer_param.push_back(L.has_params() ? int(a.params.size()) : -1);
        if (L.has_params()) {
            if (!valid_name(L.name)) return make_error("layer {}: name '{}' must be 1-128 characters of [A-Za-z0-9_.-]", l, L.name);
            if (!names.insert(L.name).second) return make_error("{}: the name is used twice", who);
            std::vector<int64_t> wshape = L.kind == LayerKind::Dense ? std::vector<int64_t>{L.out, L.in}
                                                                      : std::vector<int64_t>{L.out, L.in, L.kernel, L.kernel};
            const uint64_t wn = *checked_numel(wshape);  // each factor <= 2^16, rank <= 4: no overflow
            total += wn + uint64_t(L.out);
            if (total > kMaxParams) return make_error("{}: the model exceeds {} parameters", who, kMaxParams);
            a.params.push_back({L.name + ".weight", wshape, size_t(total - wn - uint64_t(L.out)), size_t(wn), int(l), true});
            a.params.push_back({L.name + ".bias", {L.out}, size_t(total - uint64_t(L.out)), size_t(L.out), int(l), false});
        } else {
            L.name.clear();
        }
        a.shapes.push_back(out);
    }
    const auto& last = a.shapes.back();
    if (last.size() != 1) return make_error("the last layer's output {} is not flat (class scores)", io::shape_string(last));
    if (last[0] < 2) return make_error("the last layer has {} outputs; a classifier needs at least 2", last[0]);
    a.num_classes = last[0];
    a.num_params = size_t(total);
    a.layers = std::move(layers);
    return a;
}

std::string arch_to_json(const Arch& arch) {
    json j;
    j["format"] = "quantscope.nn";
    j["version"] = 1;
    j["input_shape"] = arch.input_shape;
    j["input_scale"] = arch.input_scale;
    j["classes"] = arch.num_classes;
    j["layers"] = json::array();
    for (const auto& L : arch.layers) {
        json l;
        l["type"] = std::string(layer_kind_name(L.kind));
        if (L.has_params()) {
            l["name"] = L.name;
            l["in"] = L.in;
            l["out"] = L.out;
        }
        if (L.kind == LayerKind::Conv2d) {
            l["kernel"] = L.kernel;
            l["stride"] = L.stride;
            l["padding"] = L.padding;
        }
        j["layers"].push_back(l);
    }
    return j.dump();
}

Result<Arch> arch_from_json(std::string_view text) {
    if (text.size() > (1u << 20)) return Error{"quantscope.arch: longer than 1 MiB"};
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const std::exception& e) {
        return make_error("quantscope.arch: not valid JSON: {}", e.what());
    }
    auto bad = [](const std::string& what) { return Error{"quantscope.arch: " + what}; };
    if (!j.is_object()) return bad("not a JSON object");
    if (j.value("format", "") != "quantscope.nn") return bad("'format' is not \"quantscope.nn\"");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != 1)
        return bad("unsupported 'version' (this build reads version 1)");
    auto int_of = [](const json& o, const char* key, int64_t dflt, bool required) -> Result<int64_t> {
        if (!o.contains(key)) {
            if (required) return make_error("missing integer '{}'", key);
            return dflt;
        }
        if (!o[key].is_number_integer()) return make_error("'{}' is not an integer", key);
        return o[key].get<int64_t>();
    };
    if (!j.contains("input_shape") || !j["input_shape"].is_array() || j["input_shape"].size() > 3)
        return bad("'input_shape' must be an array of 1 or 3 integers");
    std::vector<int64_t> input_shape;
    for (const auto& d : j["input_shape"]) {
        if (!d.is_number_integer()) return bad("'input_shape' must hold integers");
        input_shape.push_back(d.get<int64_t>());
    }
    float input_scale = 1.0f;
    if (j.contains("input_scale")) {
        if (!j["input_scale"].is_number()) return bad("'input_scale' is not a number");
        input_scale = j["input_scale"].get<float>();
    }
    if (!j.contains("layers") || !j["layers"].is_array()) return bad("'layers' must be an array");
    if (j["layers"].size() > kMaxLayers) return bad(fmt::format("more than {} layers", kMaxLayers));
    std::vector<LayerSpec> layers;
    for (size_t i = 0; i < j["layers"].size(); ++i) {
        const json& o = j["layers"][i];
        if (!o.is_object() || !o.contains("type") || !o["type"].is_string())
            return bad(fmt::format("layer {}: needs a string 'type'", i));
        const std::string type = o["type"].get<std::string>();
        LayerSpec L;
        if (type == "dense") L.kind = LayerKind::Dense;
        else if (type == "conv2d") L.kind = LayerKind::Conv2d;
        else if (type == "relu") L.kind = LayerKind::ReLU;
        else if (type == "gelu") L.kind = LayerKind::GELU;
        else if (type == "flatten") L.kind = LayerKind::Flatten;
        else return bad(fmt::format("layer {}: unknown type '{}'", i, type));
        if (L.has_params()) {
            if (!o.contains("name") || !o["name"].is_string()) return bad(fmt::format("layer {}: needs a string 'name'", i));
            L.name = o["name"].get<std::string>();
            auto in = int_of(o, "in", 0, true), out = int_of(o, "out", 0, true);
            if (!in) return bad(fmt::format("layer {}: {}", i, in.message()));
            if (!out) return bad(fmt::format("layer {}: {}", i, out.message()));
            L.in = *in;
            L.out = *out;
        }
        if (L.kind == LayerKind::Conv2d) {
            auto k = int_of(o, "kernel", 0, true), s = int_of(o, "stride", 1, false), p = int_of(o, "padding", 0, false);
            if (!k) return bad(fmt::format("layer {}: {}", i, k.message()));
            if (!s) return bad(fmt::format("layer {}: {}", i, s.message()));
            if (!p) return bad(fmt::format("layer {}: {}", i, p.message()));
            L.kernel = *k;
            L.stride = *s;
            L.padding = *p;
        }
        layers.push_back(std::move(L));
    }
    auto arch = build_arch(std::move(input_shape), input_scale, std::move(layers));
    if (!arch) return bad(arch.message());
    if (j.contains("classes")) {
        auto c = int_of(j, "classes", 0, true);
        if (!c || *c != arch->num_classes)
            return bad(fmt::format("'classes' does not match the last layer's {} outputs", arch->num_classes));
    }
    return arch;
}

Model init_model(Arch arch, uint64_t seed) {
    Model m;
    m.theta.assign(arch.num_params, 0.0f);
    Rng rng = Rng::derived(seed, 0x1417);
    int last = -1;
    for (size_t l = 0; l < arch.layers.size(); ++l)
        if (arch.layers[l].has_params()) last = int(l);
    for (const auto& p : arch.params) {
        if (!p.is_weight) continue;
        const int64_t fan_in = p.shape.size() == 2 ? p.shape[1] : p.shape[1] * p.shape[2] * p.shape[3];
        const double std = std::sqrt((p.layer == last ? 1.0 : 2.0) / double(fan_in));
        for (size_t i = 0; i < p.size; ++i) m.theta[p.offset + i] = float(std * rng.normal());
    }
    m.arch = std::move(arch);
    return m;
}

bool is_nn_model(const io::ModelIndex& index) {
    for (const auto& e : index.metadata)
        if (e.key == kArchMetadataKey) return true;
    return false;
}

Result<Model> load_model(const io::ModelIndex& index) {
    const io::MetaEntry* entry = nullptr;
    for (const auto& e : index.metadata)
        if (e.key == kArchMetadataKey) entry = &e;
    if (!entry)
        return make_error("{}: no '{}' metadata; not a model the nn runtime can run", index.path, kArchMetadataKey);
    auto arch = arch_from_json(entry->value);
    if (!arch) return make_error("{}: {}", index.path, arch.message());
    Model m;
    m.theta.assign(arch->num_params, 0.0f);
    for (const auto& p : arch->params) {
        const int64_t t = index.find(p.name);
        if (t < 0) return make_error("{}: tensor '{}' is missing", index.path, p.name);
        const auto& info = index.tensors[size_t(t)];
        if (info.shape != p.shape)
            return make_error("{}: tensor '{}': shape {}, the architecture needs {}", index.path, p.name,
                              io::shape_string(info.shape), io::shape_string(p.shape));
        QS_TRY(io::decode_tensor(index, size_t(t), std::span<float>(m.theta.data() + p.offset, p.size)));
    }
    for (size_t i = 0; i < m.theta.size(); ++i)
        if (!std::isfinite(m.theta[i])) return make_error("{}: a parameter is not finite (element {})", index.path, i);
    m.arch = std::move(*arch);
    return m;
}

Result<Model> load_model(const fs::path& path) {
    auto index = io::open_model(path);
    if (!index) return index.error();
    return load_model(*index);
}

Status save_model(const Model& model, const fs::path& path, const std::map<std::string, std::string>& extra) {
    if (model.theta.size() != model.arch.num_params)
        return make_error("{}: the model holds {} parameters, its architecture {}", path.string(), model.theta.size(),
                          model.arch.num_params);
    std::vector<io::TensorToWrite> tensors;
    for (const auto& p : model.arch.params) tensors.push_back(io::f32_tensor(p.name, p.shape, model.param(p)));
    std::map<std::string, std::string> meta = extra;
    meta[std::string(kArchMetadataKey)] = arch_to_json(model.arch);
    return io::write_safetensors(path, tensors, meta);
}

Arch demo_mlp_arch() {
    std::vector<LayerSpec> L = {
        LayerSpec::dense("fc1", 64, 128), LayerSpec::relu(),
        LayerSpec::dense("fc2", 128, 64), LayerSpec::relu(),
        LayerSpec::dense("fc3", 64, 10),
    };
    return std::move(*build_arch({64}, 1.0f / 16.0f, std::move(L)));
}

Arch demo_cnn_arch() {
    std::vector<LayerSpec> L = {
        LayerSpec::conv2d("conv1", 1, 8, 3, 1, 1), LayerSpec::relu(),
        LayerSpec::conv2d("conv2", 8, 16, 3, 2, 1), LayerSpec::relu(),
        LayerSpec::flatten(),
        LayerSpec::dense("fc", 256, 10),
    };
    return std::move(*build_arch({1, 8, 8}, 1.0f / 16.0f, std::move(L)));
}

}  // namespace qs::nn
