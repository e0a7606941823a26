// Exports that need the weights, parsed back: AIMET encodings against hand-computed
// scales/offsets, quantized safetensors (codes and fake-quant) read back and compared
// bit for bit with quant::quantize, and atomicity when a write fails half-way.
#include "core/export/aimet.hpp"
#include "core/export/export.hpp"
#include "core/export/quant_safetensors.hpp"
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/quant/quantize.hpp"
#include "core/util/half.hpp"
#include "tests/export/export_test_util.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace qs;
using namespace qs::exporter;
using namespace qs::test;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool contains(const std::vector<std::string>& ws, const std::string& needle) {
    for (const auto& w : ws)
        if (w.find(needle) != std::string::npos) return true;
    return false;
}

PlannedTensor planned(const std::string& name, std::vector<int64_t> shape, const std::string& s) {
    PlannedTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.quantized = true;
    t.spec = spec(s);
    t.label = s;
    return t;
}

std::vector<float> decode(const io::ModelIndex& m, const std::string& name) {
    const int64_t i = m.find(name);
    EXPECT_GE(i, 0) << name;
    std::vector<float> v(m.tensors[size_t(i)].numel());
    EXPECT_TRUE(io::decode_tensor(m, size_t(i), v).ok());
    return v;
}

std::vector<float> reference_dequantized(const io::ModelIndex& m, const PlannedTensor& t) {
    const auto x = decode(m, t.name);
    quant::QuantOptions o;
    o.keep_dequantized = true;
    o.hist_bins = 0;
    auto r = quant::quantize({x, t.shape, t.name}, t.spec, o);
    EXPECT_TRUE(r.ok());
    return r->dequantized;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

size_t files_in(const std::filesystem::path& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

TEST(AimetExport, EncodingsMatchHandComputedScalesAndOffsets) {
    TempDir dir;
    const std::vector<float> w = {-1.0f, 0.5f, 0.25f, 0.75f, 2.0f, -0.5f, 1.0f, 0.0f};
    std::vector<float> g(128);
    for (size_t i = 0; i < g.size(); ++i) g[i] = float(int(i % 13) - 6) * 0.125f * float(1 + i / 32);
    const std::vector<io::TensorToWrite> ts = {
        io::f32_tensor("w", {2, 4}, w), io::f32_tensor("a", {2, 4}, w), io::f32_tensor("g", {2, 64}, g),
        io::f32_tensor("n", {2, 4}, w), io::f32_tensor("c", {2, 4}, w), io::f32_tensor("h", {2, 4}, w)};
    ASSERT_TRUE(io::write_safetensors(dir / "m.safetensors", ts).ok());
    auto model = io::open_model(dir / "m.safetensors");
    ASSERT_TRUE(model.ok());
    PlanDocument p;
    p.tensors = {planned("w", {2, 4}, "int8"), planned("a", {2, 4}, "int4:asym:tensor"),
                 planned("g", {2, 64}, "int4:group=32"), planned("n", {2, 4}, "nf4:group=4"),
                 planned("c", {2, 4}, "int8:channel=1"), planned("h", {2, 4}, "fp16_e5m10:tensor")};
    ExportOptions o;
    o.model = &*model;
    std::vector<std::string> warnings;
    ASSERT_TRUE(export_plan(p, ExportFormat::Aimet, dir / "enc.json", o, &warnings).ok());
    const auto j = nlohmann::json::parse(slurp(dir / "enc.json"));
    EXPECT_EQ(j["version"], "1.0.0");
    EXPECT_TRUE(j["activation_encodings"].is_array());
    const auto& pe = j["param_encodings"];
    ASSERT_EQ(pe.size(), 4u);

    // int8 per-channel symmetric (restricted): scale = absmax / 127, offset = -128.
    EXPECT_EQ(pe[0]["name"], "w");
    EXPECT_EQ(pe[0]["dtype"], "INT");
    EXPECT_EQ(pe[0]["enc_type"], "PER_CHANNEL");
    EXPECT_EQ(pe[0]["bw"], 8);
    EXPECT_EQ(pe[0]["is_sym"], true);
    EXPECT_EQ(pe[0]["scale"], nlohmann::json::array({double(float(1.0 / 127)), double(float(2.0 / 127))}));
    EXPECT_EQ(pe[0]["offset"], nlohmann::json::array({-128, -128}));

    // int4 asymmetric per-tensor over [-1, 2]: scale = 3/15 = 0.2, offset = round(-1 / 0.2) = -5.
    EXPECT_EQ(pe[1]["enc_type"], "PER_TENSOR");
    EXPECT_EQ(pe[1]["is_sym"], false);
    EXPECT_EQ(pe[1]["scale"], nlohmann::json::array({double(0.2f)}));
    EXPECT_EQ(pe[1]["offset"], nlohmann::json::array({-5}));
    // AIMET's dequantization x = scale * (q + offset), q in [0, 15], reproduces every grid point we use.
    for (float x : w) {
        const double q = std::clamp(std::nearbyint(x / 0.2f) + 5.0, 0.0, 15.0);
        EXPECT_NEAR(0.2f * (q - 5.0), x, 0.1 + 1e-6);
    }

    // int4 groups of 32 along rows of 64: PER_BLOCK, 2 x 2 scales = absmax / 7, row-major.
    EXPECT_EQ(pe[2]["enc_type"], "PER_BLOCK");
    EXPECT_EQ(pe[2]["block_size"], 32);
    ASSERT_EQ(pe[2]["scale"].size(), 4u);
    for (size_t b = 0; b < 4; ++b) {
        float amax = 0.0f;
        for (size_t i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(g[b * 32 + i]));
        EXPECT_EQ(pe[2]["scale"][b].get<double>(), double(float(double(amax) / 7.0))) << b;
        EXPECT_EQ(pe[2]["offset"][b], -8);
    }
    EXPECT_EQ(pe[3]["name"], "h");
    EXPECT_EQ(pe[3]["dtype"], "FLOAT");
    EXPECT_EQ(pe[3]["bw"], 16);
    EXPECT_TRUE(contains(warnings, "aimet: tensor 'n' skipped: AIMET has no nf4 encodings"));
    EXPECT_TRUE(contains(warnings, "aimet: tensor 'c' skipped: per-channel on axis 1"));

    EXPECT_FALSE(export_plan(p, ExportFormat::Aimet, dir / "x.json", {}, nullptr).ok());  // no model
}

TEST(QuantSafetensors, CodesReadBackEqualQuantizeOutput) {
    TempDir dir;
    write_tiny_model(dir / "tiny.safetensors");
    auto model = io::open_model(dir / "tiny.safetensors");
    ASSERT_TRUE(model.ok());
    PlanDocument p = tiny_plan();
    ExportOptions o;
    o.model = &*model;
    o.safetensors_mode = SafetensorsMode::Codes;
    std::vector<std::string> warnings;
    auto st = export_plan(p, ExportFormat::Safetensors, dir / "q.safetensors", o, &warnings);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(warnings.empty());

    auto qm = read_quantized_safetensors(dir / "q.safetensors");
    ASSERT_TRUE(qm.ok()) << qm.message();
    EXPECT_EQ(qm->mode, "codes");
    size_t checked = 0;
    for (const auto& t : p.tensors) {
        if (!t.quantized) {
            EXPECT_TRUE(same_bits(decode(qm->file, t.name), decode(*model, t.name))) << t.name;  // copied
            continue;
        }
        const int64_t i = qm->find(t.name);
        ASSERT_GE(i, 0) << t.name;
        EXPECT_EQ(qm->tensors[size_t(i)].spec, t.spec);
        std::vector<float> got(model->tensors[size_t(model->find(t.name))].numel());
        auto d = dequantize(*qm, size_t(i), got);
        ASSERT_TRUE(d.ok()) << d.message();
        EXPECT_TRUE(same_bits(got, reference_dequantized(*model, t))) << t.name;
        ++checked;
    }
    EXPECT_EQ(checked, 9u);

    auto find = [&](const std::string& n) { return qm->file.tensors[size_t(qm->file.find(n))]; };
    EXPECT_EQ(find("model.layers.0.self_attn.q_proj.weight.qcodes").dtype, io::DType::I8);
    EXPECT_EQ(find("model.layers.0.self_attn.q_proj.weight.qscale").shape, (std::vector<int64_t>{16}));
    EXPECT_EQ(find("model.layers.1.self_attn.q_proj.weight.qcodes").dtype, io::DType::U8);  // nf4 level index
    EXPECT_EQ(find("model.layers.0.mlp.down_proj.weight.qzero").shape, (std::vector<int64_t>{16}));
    EXPECT_EQ(qm->file.find("model.layers.0.self_attn.q_proj.weight.qzero"), -1);  // symmetric: none
    // top=0.05 of 384 values are kept in full precision: at least 19 listed
    EXPECT_GE(find("model.layers.10.self_attn.o_proj.weight.qoutlier_index").shape[0], 19);
    EXPECT_EQ(find("model.layers.0.self_attn.k_proj.weight.qoutlier_index").shape[0], 0);
    // q_proj's source holds a NaN (tiny_values): listed as a pass-through element.
    EXPECT_EQ(find("model.layers.0.self_attn.q_proj.weight.qoutlier_index").shape[0], 1);
}

TEST(QuantSafetensors, FakeQuantKeepsTheSourceFloatType) {
    TempDir dir;
    std::vector<float> w = tiny_values(7, 128);
    std::vector<uint16_t> bf(w.size());
    for (size_t i = 0; i < w.size(); ++i) bf[i] = float_to_bf16(w[i]);
    std::vector<float> k = tiny_values(8, 64);
    const std::vector<io::TensorToWrite> ts = {
        {"w", io::DType::BF16, {2, 64}, {reinterpret_cast<const uint8_t*>(bf.data()), bf.size() * 2}},
        io::f32_tensor("k", {2, 32}, k),
    };
    ASSERT_TRUE(io::write_safetensors(dir / "m.safetensors", ts).ok());
    auto model = io::open_model(dir / "m.safetensors");
    ASSERT_TRUE(model.ok());
    PlanDocument p;
    p.tensors = {planned("w", {2, 64}, "int4:group=32"), planned("k", {2, 32}, "kmeans3")};
    ExportOptions o;
    o.model = &*model;
    ASSERT_TRUE(export_plan(p, ExportFormat::Safetensors, dir / "fq.safetensors", o, nullptr).ok());
    auto out = io::open_model(dir / "fq.safetensors");
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->tensors[0].dtype, io::DType::BF16);
    const auto deq = reference_dequantized(*model, p.tensors[0]);
    const auto got = decode(*out, "w");
    for (size_t i = 0; i < deq.size(); ++i) EXPECT_EQ(got[i], bf16_to_float(float_to_bf16(deq[i]))) << i;
    EXPECT_TRUE(same_bits(decode(*out, "k"), reference_dequantized(*model, p.tensors[1])));

    o.fake_quant_f32 = true;
    ASSERT_TRUE(export_plan(p, ExportFormat::Safetensors, dir / "f32.safetensors", o, nullptr).ok());
    auto out32 = io::open_model(dir / "f32.safetensors");
    EXPECT_EQ(out32->tensors[0].dtype, io::DType::F32);
    EXPECT_TRUE(same_bits(decode(*out32, "w"), deq));

    // Codes mode cannot store a k-means codebook: dequantized values, with a warning, read back alike.
    o.safetensors_mode = SafetensorsMode::Codes;
    std::vector<std::string> warnings;
    ASSERT_TRUE(export_plan(p, ExportFormat::Safetensors, dir / "c.safetensors", o, &warnings).ok());
    EXPECT_TRUE(contains(warnings, "tensor 'k': kmeans3"));
    auto qm = read_quantized_safetensors(dir / "c.safetensors");
    ASSERT_TRUE(qm.ok()) << qm.message();
    std::vector<float> kv(64);
    ASSERT_TRUE(dequantize(*qm, size_t(qm->find("k")), kv).ok());
    EXPECT_TRUE(same_bits(kv, reference_dequantized(*model, p.tensors[1])));
}

TEST(QuantSafetensors, ReaderRejectsDamagedFiles) {
    TempDir dir;
    const std::vector<int8_t> codes = {1, 2, 3, 9};  // 9 is outside int4's [-7, 7]
    const std::vector<float> scale = {0.5f};
    const std::vector<int64_t> none;
    const std::string meta = nlohmann::json{{"w", {{"shape", {4}}, {"spec", "int4:tensor"}, {"stored", "codes"},
                                                   {"codes", "w.qcodes"}, {"scale", "w.qscale"}}}}.dump();
    const std::vector<io::TensorToWrite> ts = {
        {"w.qcodes", io::DType::I8, {4}, {reinterpret_cast<const uint8_t*>(codes.data()), 4}},
        io::f32_tensor("w.qscale", {1}, scale)};
    ASSERT_TRUE(io::write_safetensors(dir / "bad.safetensors", ts,
                                      {{"quantscope.format", "codes"}, {"quantscope.tensors", meta}}).ok());
    auto qm = read_quantized_safetensors(dir / "bad.safetensors");
    ASSERT_TRUE(qm.ok()) << qm.message();
    std::vector<float> out(4);
    auto d = dequantize(*qm, 0, out);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.message().find("tensor 'w': code 9 at element 3 is outside [-7, 7]"), std::string::npos) << d.message();

    ASSERT_TRUE(io::write_safetensors(dir / "plain.safetensors", ts).ok());
    EXPECT_FALSE(read_quantized_safetensors(dir / "plain.safetensors").ok());
    const std::string meta2 = nlohmann::json{{"w", {{"shape", {4}}, {"spec", "int4:tensor"}, {"stored", "codes"},
                                                    {"codes", "nope"}, {"scale", "w.qscale"}}}}.dump();
    ASSERT_TRUE(io::write_safetensors(dir / "b2.safetensors", ts,
                                      {{"quantscope.format", "codes"}, {"quantscope.tensors", meta2}}).ok());
    auto r2 = read_quantized_safetensors(dir / "b2.safetensors");
    ASSERT_FALSE(r2.ok());
    EXPECT_NE(r2.message().find("'codes' names no tensor"), std::string::npos);
}

TEST(ExportAtomicity, FailedOrCancelledWritesLeaveTheOldFile) {
    TempDir dir;
    write_tiny_model(dir / "tiny.safetensors");
    auto model = io::open_model(dir / "tiny.safetensors");
    ASSERT_TRUE(model.ok());
    const std::string old = "previous export, must survive\n";
    { std::ofstream(dir / "out.safetensors") << old; }
    const size_t before = files_in(dir.path());

    // A tensor near the end whose bytes lie outside its file: the writer has streamed
    // ten tensors into the temporary file when it fails.
    io::ModelIndex broken = *model;
    broken.tensors[10].offset = broken.files[0]->size();
    ExportOptions o;
    o.model = &broken;
    auto st = export_plan(tiny_plan(), ExportFormat::Safetensors, dir / "out.safetensors", o, nullptr);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("model.norm.weight"), std::string::npos) << st.message();
    EXPECT_EQ(slurp(dir / "out.safetensors"), old);
    EXPECT_EQ(files_in(dir.path()), before);  // no temporary file left behind

    o.model = &*model;
    o.progress = Progress::make();
    o.progress.cancel();
    st = export_plan(tiny_plan(), ExportFormat::Safetensors, dir / "out.safetensors", o, nullptr);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("cancelled"), std::string::npos);
    EXPECT_EQ(slurp(dir / "out.safetensors"), old);
    EXPECT_EQ(files_in(dir.path()), before);

    // Text formats: a failing export (AIMET without a model) leaves the old file too.
    { std::ofstream(dir / "enc.json") << old; }
    EXPECT_FALSE(export_plan(tiny_plan(), ExportFormat::Aimet, dir / "enc.json", {}, nullptr).ok());
    EXPECT_EQ(slurp(dir / "enc.json"), old);

    // AtomicFile directly: pieces written, then abandoned.
    {
        auto f = AtomicFile::create(dir / "enc.json");
        ASSERT_TRUE(f.ok());
        ASSERT_TRUE(f->append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("{\"half\":"), 8)).ok());
    }
    EXPECT_EQ(slurp(dir / "enc.json"), old);
    EXPECT_EQ(files_in(dir.path()), before + 1);

    // And a successful export replaces it.
    o.progress = {};
    ASSERT_TRUE(export_plan(tiny_plan(), ExportFormat::Safetensors, dir / "out.safetensors", o, nullptr).ok());
    EXPECT_NE(slurp(dir / "out.safetensors"), old);
}
