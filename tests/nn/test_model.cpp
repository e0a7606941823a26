// Architectures (validation, JSON form) and models as safetensors files:
// save/load round trips and malformed files.
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/nn/model.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

using namespace qs;
using namespace qs::nn;

namespace {

std::string build_error(std::vector<int64_t> in, std::vector<LayerSpec> layers) {
    auto a = build_arch(std::move(in), 1.0f, std::move(layers));
    return a.ok() ? std::string("(ok)") : a.message();
}

}  // namespace

TEST(NnModel, DemoArchitectures) {
    const Arch mlp = demo_mlp_arch(), cnn = demo_cnn_arch();
    EXPECT_EQ(mlp.num_params, 64u * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
    EXPECT_EQ(cnn.num_params, 8u * 9 + 8 + 16 * 8 * 9 + 16 + 256 * 10 + 10);
    EXPECT_EQ(cnn.shapes[2], (std::vector<int64_t>{8, 8, 8}));
    EXPECT_EQ(cnn.shapes[3], (std::vector<int64_t>{16, 4, 4}));
    ASSERT_NE(cnn.find_param("conv2.weight"), nullptr);
    EXPECT_EQ(cnn.find_param("conv2.weight")->shape, (std::vector<int64_t>{16, 8, 3, 3}));
    EXPECT_EQ(mlp.find_param("fc1.weight")->shape, (std::vector<int64_t>{128, 64}));
    EXPECT_EQ(mlp.find_param("fc3.bias")->offset, mlp.num_params - 10);
    EXPECT_EQ(mlp.num_classes, 10);
}

TEST(NnModel, ArchJsonRoundTrip) {
    for (const Arch& a : {demo_mlp_arch(), demo_cnn_arch()}) {
        const std::string j = arch_to_json(a);
        auto b = arch_from_json(j);
        ASSERT_TRUE(b.ok()) << b.message();
        EXPECT_EQ(arch_to_json(*b), j);
        EXPECT_EQ(b->num_params, a.num_params);
        EXPECT_EQ(b->input_scale, a.input_scale);
    }
}

TEST(NnModel, RejectsInconsistentArchitectures) {
    EXPECT_EQ(build_error({1, 8, 8}, {LayerSpec::dense("fc", 64, 10)}),
              "layer 0 'fc': dense needs a flat input, got [1, 8, 8]; add a flatten layer");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("fc", 32, 10)}), "layer 0 'fc': in = 32 but the incoming size is 64");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("fc", 64, 10), LayerSpec::relu(), LayerSpec::dense("fc", 10, 2)}),
              "layer 2 'fc': the name is used twice");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("a b", 64, 10)}),
              "layer 0: name 'a b' must be 1-128 characters of [A-Za-z0-9_.-]");
    EXPECT_EQ(build_error({1, 4, 4}, {LayerSpec::conv2d("c", 1, 2, 5)}),
              "layer 0 'c': kernel 5 does not fit the [1, 4, 4] input");
    EXPECT_EQ(build_error({1, 4, 4}, {LayerSpec::conv2d("c", 1, 2, 3, 1, 3)}), "layer 0 'c': padding 3 is outside 0..2");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("fc", 64, 1)}), "the last layer has 1 outputs; a classifier needs at least 2");
    EXPECT_EQ(build_error({1, 4, 4}, {LayerSpec::conv2d("c", 1, 2, 3)}),
              "the last layer's output [2, 2, 2] is not flat (class scores)");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("fc", 64, 70000)}), "layer 0 'fc': out = 70000 is outside 1..65536");
    EXPECT_EQ(build_error({64}, {LayerSpec::dense("a", 64, 65536), LayerSpec::dense("b", 65536, 65536)}),
              "layer 1 'b': the model exceeds 67108864 parameters");
    EXPECT_EQ(build_error({64, 2}, {}), "input shape has rank 2, expected 1 ([features]) or 3 ([channels, height, width])");
}

TEST(NnModel, RejectsMalformedArchJson) {
    auto err = [](const std::string& s) {
        auto a = arch_from_json(s);
        return a.ok() ? std::string("(ok)") : a.message();
    };
    EXPECT_NE(err("{").find("not valid JSON"), std::string::npos);
    EXPECT_EQ(err("[]"), "quantscope.arch: not a JSON object");
    EXPECT_EQ(err(R"({"format":"x"})"), "quantscope.arch: 'format' is not \"quantscope.nn\"");
    EXPECT_EQ(err(R"({"format":"quantscope.nn","version":2})"),
              "quantscope.arch: unsupported 'version' (this build reads version 1)");
    const std::string head = R"({"format":"quantscope.nn","version":1,"input_shape":[4],)";
    EXPECT_EQ(err(head + R"("layers":[{"type":"pool"}]})"), "quantscope.arch: layer 0: unknown type 'pool'");
    EXPECT_EQ(err(head + R"("layers":[{"type":"dense","name":"f","in":4}]})"),
              "quantscope.arch: layer 0: missing integer 'out'");
    EXPECT_EQ(err(head + R"("layers":[{"type":"dense","name":"f","in":4,"out":"2"}]})"),
              "quantscope.arch: layer 0: 'out' is not an integer");
    EXPECT_EQ(err(head + R"("classes":3,"layers":[{"type":"dense","name":"f","in":4,"out":2}]})"),
              "quantscope.arch: 'classes' does not match the last layer's 2 outputs");
    EXPECT_EQ(err(head + R"("layers":[{"type":"dense","name":"f","in":4,"out":2}]})"), "(ok)");
}

TEST(NnModel, SaveAndLoadRoundTrip) {
    test::TempDir dir;
    const Model m = init_model(demo_cnn_arch(), 5);
    ASSERT_TRUE(save_model(m, dir / "cnn.safetensors", {{"note", "hello"}}).ok());
    auto index = io::open_model(dir / "cnn.safetensors");
    ASSERT_TRUE(index.ok()) << index.message();
    EXPECT_TRUE(is_nn_model(*index));
    EXPECT_EQ(index->tensors.size(), 6u);
    auto back = load_model(*index);
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(back->theta, m.theta);
    EXPECT_EQ(arch_to_json(back->arch), arch_to_json(m.arch));
}

TEST(NnModel, InitIsSeeded) {
    EXPECT_EQ(init_model(demo_mlp_arch(), 3).theta, init_model(demo_mlp_arch(), 3).theta);
    EXPECT_NE(init_model(demo_mlp_arch(), 3).theta, init_model(demo_mlp_arch(), 4).theta);
}

TEST(NnModel, LoadRejectsFilesThatDoNotMatchTheirArchitecture) {
    test::TempDir dir;
    const Arch arch = demo_mlp_arch();
    const std::string aj = arch_to_json(arch);
    std::vector<float> zeros(64 * 128, 0.0f);
    auto write = [&](const std::string& name, std::vector<io::TensorToWrite> ts, std::map<std::string, std::string> meta) {
        EXPECT_TRUE(io::write_safetensors(dir / name, ts, meta).ok());
        auto r = load_model(dir / name);
        return r.ok() ? std::string("(ok)") : r.message();
    };
    const std::string p = (dir / "").string();
    EXPECT_EQ(write("a.safetensors", {io::f32_tensor("x", {1}, std::span(zeros).first(1))}, {}),
              p + "a.safetensors: no 'quantscope.arch' metadata; not a model the nn runtime can run");
    EXPECT_EQ(write("b.safetensors", {io::f32_tensor("fc1.weight", {128, 64}, zeros)}, {{"quantscope.arch", aj}}),
              p + "b.safetensors: tensor 'fc1.bias' is missing");
    EXPECT_EQ(write("c.safetensors", {io::f32_tensor("fc1.weight", {64, 128}, zeros)}, {{"quantscope.arch", aj}}),
              p + "c.safetensors: tensor 'fc1.weight': shape [64, 128], the architecture needs [128, 64]");
    EXPECT_EQ(write("d.safetensors", {io::f32_tensor("x", {1}, std::span(zeros).first(1))}, {{"quantscope.arch", "{"}})
                  .find(p + "d.safetensors: quantscope.arch: not valid JSON"),
              0u);
    std::vector<float> nan(arch.num_params, 0.0f);
    nan[5] = std::numeric_limits<float>::quiet_NaN();
    Model bad{arch, nan};
    ASSERT_TRUE(save_model(bad, dir / "e.safetensors").ok());
    EXPECT_EQ(load_model(dir / "e.safetensors").message(), p + "e.safetensors: a parameter is not finite (element 5)");
}
