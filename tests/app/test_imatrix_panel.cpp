// The Importance window's state (app/state/imatrix_panel.*): loads a legacy imatrix
// (tests/fixtures/artifacts/make_imatrix_gui.py), and for the selected tensor gives
// the per-column importance and the imatrix-weighted MSE, here recomputed by hand
// from the dequantized values (sum_j w_j colMSE_j / sum_j w_j).
#include "app/state/imatrix_panel.hpp"
#include "core/io/decode.hpp"
#include "core/io/imatrix.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/spec_json.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace qs::test {
namespace {

void settle(app::ImatrixPanel& p, const app::AppState& s) {
    for (int i = 0; i < 2000; ++i) {
        p.update(s);
        if (p.settled()) {
            p.update(s);  // may start the tensor's job right after the load
            if (p.settled()) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "ImatrixPanel did not settle";
}

TEST(ImatrixPanel, ColumnsAndWeightedMse) {
    auto m = io::open_model(fixture("artifacts/imx_model.safetensors"));
    ASSERT_TRUE(m.ok()) << m.message();
    app::AppState s;
    app::OpenModel om;
    om.id = 1;
    om.state = app::OpenModel::State::Ready;
    om.index = std::make_shared<const io::ModelIndex>(std::move(*m));
    s.models.push_back(om);
    const int64_t q = om.index->find("blk.0.attn_q.weight");
    ASSERT_GE(q, 0);
    s.selection = {1, q};
    s.spec = *quant::parse_spec("int3:sym:channel");

    app::ImatrixPanel p;
    p.load(fixture("artifacts/imx.dat").string());
    settle(p, s);
    ASSERT_TRUE(p.load_error().empty()) << p.load_error();
    ASSERT_NE(p.imatrix(), nullptr);
    ASSERT_TRUE(p.stats()) << p.error();
    const auto& st = *p.stats();
    ASSERT_EQ(st.columns.size(), 128u);
    EXPECT_FLOAT_EQ(st.columns[40], 100.0f);  // make_imatrix_gui.py: hot columns 3, 40, 41, 100
    EXPECT_FLOAT_EQ(st.columns[3], 30.0f);
    EXPECT_DOUBLE_EQ(st.col_max, 100.0);
    ASSERT_TRUE(st.a.has_value());
    EXPECT_FALSE(st.b.has_value());

    // By hand: decode, quantize, weight each column's squared error.
    const auto& info = s.models[0].index->tensors[size_t(q)];
    std::vector<float> x(info.numel());
    ASSERT_TRUE(io::decode_tensor(*s.models[0].index, size_t(q), x).ok());
    quant::QuantOptions qo;
    qo.keep_dequantized = true;
    qo.hist_bins = 0;
    auto r = quant::quantize({x, info.shape, info.name}, s.spec, qo);
    ASSERT_TRUE(r.ok());
    auto imx = io::open_imatrix(fixture("artifacts/imx.dat"));
    ASSERT_TRUE(imx.ok());
    const auto& w = imx->entries[0].importance;
    double num = 0, den = 0;
    for (int64_t i = 0; i < info.shape[0]; ++i)
        for (int64_t j = 0; j < 128; ++j) {
            const double d = double(x[size_t(i * 128 + j)]) - double(r->dequantized[size_t(i * 128 + j)]);
            num += w[size_t(j)] * d * d;
            den += w[size_t(j)];
        }
    EXPECT_NEAR(st.a->weighted_mse, num / den, 1e-9 * num / den);
    EXPECT_NEAR(st.a->mse, r->mse, 1e-15);

    // A pinned B spec adds a column; a tensor the imatrix lacks shows no bars.
    s.pinned = *quant::parse_spec("int8:sym:channel");
    settle(p, s);
    ASSERT_TRUE(p.stats() && p.stats()->b.has_value());
    EXPECT_LT(p.stats()->b->weighted_mse, p.stats()->a->weighted_mse);
    s.selection = {1, om.index->find("blk.0.ffn_down.weight")};
    settle(p, s);
    ASSERT_TRUE(p.stats());
    EXPECT_TRUE(p.stats()->columns.empty());

    app::ImatrixPanel bad;
    bad.load((source_dir() / "tests" / "fixtures" / "artifacts" / "missing.dat").string());
    settle(bad, s);
    EXPECT_FALSE(bad.load_error().empty());
    EXPECT_EQ(bad.imatrix(), nullptr);
}

}  // namespace
}  // namespace qs::test
