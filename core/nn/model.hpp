// A model of the nn runtime as a plain value: an architecture (a list of
// layers with derived shapes and named parameters, PyTorch layout) and one flat
// float vector holding every parameter. The architecture travels inside the
// safetensors file as JSON (__metadata__ "quantscope.arch"), so a demo model
// can be rebuilt from the file alone. Compute lives in core/nn/net.hpp.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::nn {

enum class LayerKind : uint8_t {
    Dense,    // y = W x + b; W [out, in], b [out]; input must be flat
    Conv2d,   // y = conv(W, x) + b; W [out, in, k, k], b [out]; NCHW, square kernel, zero padding
    ReLU,
    GELU,     // exact: x * Phi(x) (erf form, PyTorch's default)
    Flatten,  // [C, H, W] -> [C*H*W] (no data movement: NCHW is already row-major)
};
std::string_view layer_kind_name(LayerKind k);  // "dense", "conv2d", "relu", "gelu", "flatten"

struct LayerSpec {
    LayerKind kind = LayerKind::ReLU;
    std::string name;     // parameter prefix ("fc1"); Dense/Conv2d only
    int64_t in = 0;       // Dense: input features; Conv2d: input channels
    int64_t out = 0;      // Dense: output features; Conv2d: output channels
    int64_t kernel = 0;   // Conv2d: kernel height = width
    int64_t stride = 1;   // Conv2d
    int64_t padding = 0;  // Conv2d: zeros on every side
    bool has_params() const { return kind == LayerKind::Dense || kind == LayerKind::Conv2d; }

    static LayerSpec dense(std::string name, int64_t in, int64_t out) {
        return {LayerKind::Dense, std::move(name), in, out, 0, 1, 0};
    }
    static LayerSpec conv2d(std::string name, int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                            int64_t padding = 0) {
        return {LayerKind::Conv2d, std::move(name), in, out, kernel, stride, padding};
    }
    static LayerSpec relu() { return {LayerKind::ReLU, {}, 0, 0, 0, 1, 0}; }
    static LayerSpec gelu() { return {LayerKind::GELU, {}, 0, 0, 0, 1, 0}; }
    static LayerSpec flatten() { return {LayerKind::Flatten, {}, 0, 0, 0, 1, 0}; }
};

struct ParamInfo {
    std::string name;            // "fc1.weight", "conv1.bias"
    std::vector<int64_t> shape;  // PyTorch layout
    size_t offset = 0;           // first element in the flat parameter vector
    size_t size = 0;             // elements
    int layer = -1;              // index into Arch::layers
    bool is_weight = false;      // weight (true) or bias (false)
};

struct Arch {
    std::vector<int64_t> input_shape;  // per sample: {features} or {channels, height, width}
    float input_scale = 1.0f;          // raw inputs are multiplied by this first (digits: 1/16)
    int64_t num_classes = 0;           // the last layer's output size
    std::vector<LayerSpec> layers;

    // Derived by build_arch:
    std::vector<std::vector<int64_t>> shapes;  // shapes[l] = per-sample input shape of layer l; shapes.back() = output
    std::vector<ParamInfo> params;             // weight then bias, layer by layer
    std::vector<int> layer_param;              // per layer: index of its weight in params (bias next), or -1
    size_t num_params = 0;

    int64_t input_size() const;                 // elements per input sample
    int64_t size_at(size_t l) const;            // elements of shapes[l]
    const ParamInfo* find_param(std::string_view name) const;
    int find_param_index(std::string_view name) const;  // -1 when absent
};

// Validates the layers against the input shape (each layer's input must fit,
// sizes within limits) and derives shapes and parameters.
Result<Arch> build_arch(std::vector<int64_t> input_shape, float input_scale, std::vector<LayerSpec> layers);

// {"format":"quantscope.nn","version":1,"input_shape":[...],"input_scale":...,"classes":10,
//  "layers":[{"type":"dense","name":"fc1","in":64,"out":128},{"type":"relu"},...]}
std::string arch_to_json(const Arch& arch);
Result<Arch> arch_from_json(std::string_view text);

inline constexpr std::string_view kArchMetadataKey = "quantscope.arch";

struct Model {
    Arch arch;
    std::vector<float> theta;  // every parameter, flat, in arch.params order

    std::span<const float> param(const ParamInfo& p) const { return {theta.data() + p.offset, p.size}; }
    std::span<float> param(const ParamInfo& p) { return {theta.data() + p.offset, p.size}; }
};

// Weights drawn from N(0, 2/fan_in) (He; 1/fan_in for the last layer), biases zero.
Model init_model(Arch arch, uint64_t seed);

// True when the model carries a quantscope.arch entry (a model core/nn can run).
bool is_nn_model(const io::ModelIndex& index);

// Rebuilds the model from its metadata and tensors: every parameter must exist
// with its exact shape; other tensors are ignored.
Result<Model> load_model(const io::ModelIndex& index);
Result<Model> load_model(const std::filesystem::path& path);

// Writes the parameters as F32 safetensors with the arch JSON (plus `extra`
// metadata) in __metadata__. Atomic.
Status save_model(const Model& model, const std::filesystem::path& path,
                  const std::map<std::string, std::string>& extra = {});

// The two bundled demo architectures (docs/demo-model.md).
Arch demo_mlp_arch();  // 64 -> fc1 128 -> ReLU -> fc2 64 -> ReLU -> fc3 10
Arch demo_cnn_arch();  // [1,8,8] -> conv1 8x3x3 p1 -> ReLU -> conv2 16x3x3 s2 p1 -> ReLU -> flatten 256 -> fc 10

}  // namespace qs::nn
