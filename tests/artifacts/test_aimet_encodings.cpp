// AIMET encodings reader and its application to weights: a hand-made 0.6.1 file
// checked against NumPy's quantize-dequantize (tests/fixtures/artifacts/
// make_aimet.py), a round trip through quantscope's own 1.0.0 exporter for
// several specs, bad input, and the `encodings` subcommand.
#include "core/export/aimet.hpp"
#include "core/io/aimet_encodings.hpp"
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/aimet_apply.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/spec_json.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>

namespace qs::test {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

TEST(AimetEncodings, HandComputed061MatchesNumpy) {
    auto enc = io::read_aimet_encodings(fixture("artifacts/aimet_061.encodings"));
    ASSERT_TRUE(enc.ok()) << enc.message();
    EXPECT_EQ(enc->version, "0.6.1");
    ASSERT_EQ(enc->params.size(), 3u);
    auto model = io::open_model(fixture("artifacts/aimet_small.safetensors"));
    ASSERT_TRUE(model.ok()) << model.message();
    const json expected = read_json(fixture("artifacts/aimet_expected.json"));
    for (const auto& e : enc->params) {
        if (e.name == "not_in_model") continue;
        SCOPED_TRACE(e.name);
        const int64_t idx = model->find(e.name);
        ASSERT_GE(idx, 0);
        const auto& info = model->tensors[size_t(idx)];
        std::vector<float> x(info.numel());
        ASSERT_TRUE(io::decode_tensor(*model, size_t(idx), x).ok());
        std::vector<float> deq;
        auto r = quant::apply_aimet_encoding(e, {x, info.shape, info.name}, &deq);
        ASSERT_TRUE(r.ok()) << r.message();
        const json& want = expected[e.name];
        ASSERT_EQ(deq.size(), want["dequantized"].size());
        for (size_t i = 0; i < deq.size(); ++i) EXPECT_EQ(deq[i], want["dequantized"][i].get<float>()) << i;
        EXPECT_NEAR(r->mse, want["mse"].get<double>(), 1e-12);
        EXPECT_NEAR(r->sqnr_db, want["sqnr_db"].get<double>(), 1e-9);
        ASSERT_EQ(r->channel_mse.size(), want["channel_mse"].size());
        for (size_t c = 0; c < r->channel_mse.size(); ++c)
            EXPECT_NEAR(r->channel_mse[c], want["channel_mse"][c].get<double>(), 1e-12);
    }
    for (const auto& e : enc->params) {
        if (e.name == "w") {
            EXPECT_EQ(e.kind, io::AimetKind::PerTensor);
            EXPECT_FALSE(e.symmetric);
            EXPECT_EQ(e.offset, std::vector<double>{-5});
        } else if (e.name == "w2") {
            EXPECT_EQ(e.kind, io::AimetKind::PerChannel);
            EXPECT_TRUE(e.symmetric);
            EXPECT_EQ(e.scale.size(), 3u);
        }
    }
}

// quantscope's exporter writes 1.0.0 from a quantization; reading it back and
// applying it must give quantscope's own dequantized values.
TEST(AimetEncodings, RoundTripThroughOwnExporter) {
    std::mt19937 gen(3);
    std::normal_distribution<float> nd(0.0f, 0.05f);
    const std::vector<int64_t> shape{16, 64};
    std::vector<float> x(16 * 64);
    for (auto& v : x) v = nd(gen);
    x[5] = 0.9f;  // an outlier to make the scales differ
    for (const char* text : {"int8", "int4:sym:channel", "int4:asym:group=32", "int3:asym:channel", "int8:sym:group=16"}) {
        SCOPED_TRACE(text);
        auto spec = quant::parse_spec(text);
        ASSERT_TRUE(spec.ok()) << spec.message();
        quant::QuantOptions qo;
        qo.hist_bins = 0;
        qo.keep_dequantized = true;
        auto q = quant::quantize({x, shape, "w"}, *spec, qo);
        ASSERT_TRUE(q.ok()) << q.message();
        exporter::PlannedTensor t;
        t.name = "w";
        t.shape = shape;
        t.spec = *spec;
        std::string why;
        auto e = exporter::aimet_param_encoding(t, *q, &why);
        ASSERT_TRUE(e.has_value()) << why;
        json doc = {{"version", "1.0.0"}, {"activation_encodings", json::array()},
                    {"param_encodings", json::array({json::parse(e->dump())})}};
        auto enc = io::parse_aimet_encodings(doc, "rt.encodings");
        ASSERT_TRUE(enc.ok()) << enc.message();
        std::vector<float> deq;
        auto r = quant::apply_aimet_encoding(enc->params[0], {x, shape, "w"}, &deq);
        ASSERT_TRUE(r.ok()) << r.message();
        size_t differ = 0;
        for (size_t i = 0; i < x.size(); ++i)
            if (std::abs(deq[i] - q->dequantized[i]) > 1e-6f * std::max(1.0f, std::abs(x[i]))) ++differ;
        EXPECT_EQ(differ, 0u);
        EXPECT_NEAR(r->mse, q->mse, 1e-6 * q->mse);
    }
}

TEST(AimetEncodings, RejectsBadInput) {
    auto err = [](const json& j) {
        auto r = io::parse_aimet_encodings(j, "x.encodings");
        return r.ok() ? std::string("(accepted)") : r.message();
    };
    EXPECT_NE(err({{"foo", 1}}).find("no 'param_encodings'"), std::string::npos);
    EXPECT_NE(err({{"encodings", json::array()}}).find("2.0.0"), std::string::npos);
    json e = {{"name", "w"}, {"dtype", "INT"}, {"enc_type", "PER_TENSOR"}, {"bw", 4}, {"is_sym", false},
              {"scale", {0.1}}, {"offset", {-3}}};
    EXPECT_EQ(err({{"version", "1.0.0"}, {"param_encodings", {e}}}), "(accepted)");
    json bad = e;
    bad["scale"] = {-0.1};
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {bad}}}).find("tensor 'w': scale[0] = -0.1 is not positive"),
              std::string::npos);
    bad = e;
    bad["offset"] = {5};
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {bad}}}).find("offset[0] = 5"), std::string::npos);
    bad = e;
    bad["bw"] = 99;
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {bad}}}).find("bit width 99"), std::string::npos);
    bad = e;
    bad["scale"] = {0.1, 0.2};
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {bad}}}).find("2 scales"), std::string::npos);
    bad = e;
    bad["enc_type"] = "PER_BLOCK";
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {bad}}}).find("block_size"), std::string::npos);
    EXPECT_NE(err({{"version", "1.0.0"}, {"param_encodings", {{"w", json::array()}}}}).find("0.6.1 layout"),
              std::string::npos);
    // Shape checks happen when applying.
    auto ok = io::parse_aimet_encodings({{"version", "1.0.0"}, {"param_encodings", {e}}}, "x");
    io::AimetEncoding pc = ok->params[0];
    pc.kind = io::AimetKind::PerChannel;
    std::vector<float> x(6, 0.1f);
    std::vector<int64_t> shape{3, 2};
    auto r = quant::apply_aimet_encoding(pc, {x, shape, "w"});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("1 per-channel scales for shape [3, 2]"), std::string::npos) << r.message();
}

TEST(AimetEncodings, CliPrintsErrorsAndComparesWithASpec) {
    auto r = run_cli({"encodings", fixture("artifacts/aimet_small.safetensors").string(),
                      fixture("artifacts/aimet_061.encodings").string(), "--spec", "int4:sym:channel", "--channels", "2",
                      "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = json::parse(r.out);
    ASSERT_EQ(j["tensors"].size(), 2u);
    EXPECT_EQ(j["tensors"][0]["tensor"], "w");
    EXPECT_NEAR(j["tensors"][0]["aimet"]["mse"].get<double>(), 0.0032624997004866707, 1e-12);
    EXPECT_TRUE(j["tensors"][0].contains("spec"));
    EXPECT_EQ(j["tensors"][1]["worst_channels"][0]["channel"], 1);
    EXPECT_EQ(j["missing"], json({"not_in_model"}));
    auto t = run_cli({"encodings", fixture("artifacts/aimet_small.safetensors").string(),
                      fixture("artifacts/aimet_061.encodings").string(), "--spec", "int8"});
    ASSERT_EQ(t.exit_code, 0) << t.err;
    EXPECT_NE(t.out.find("int4 asym per-tensor"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("1 encodings name no tensor"), std::string::npos) << t.out;
}

}  // namespace
}  // namespace qs::test
