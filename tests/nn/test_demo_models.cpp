// The committed demo models (assets/demo/*.safetensors): they open in the
// generic reader, rebuild from their metadata alone, and reach > 95% test
// accuracy on the documented split; training is reproducible step for step.
#include "core/io/open_model.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/evaluate.hpp"
#include "core/nn/model.hpp"
#include "core/nn/train.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

using namespace qs;
using namespace qs::nn;

namespace {

const DigitsSplit& split() {
    static const DigitsSplit s = *load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    return s;
}

std::string meta(const io::ModelIndex& m, const std::string& key) {
    for (const auto& e : m.metadata)
        if (e.key == key) return e.value;
    return {};
}

}  // namespace

TEST(NnDemoModels, OpenRebuildAndExceed95Percent) {
    for (const char* name : {"mlp", "cnn"}) {
        SCOPED_TRACE(name);
        const auto path = test::source_dir() / "assets" / "demo" / (std::string(name) + ".safetensors");
        auto index = io::open_model(path);
        ASSERT_TRUE(index.ok()) << index.message();
        EXPECT_EQ(index->format, "safetensors");
        ASSERT_TRUE(is_nn_model(*index));
        auto model = load_model(*index);
        ASSERT_TRUE(model.ok()) << model.message();
        auto r = evaluate(*model, split().test);
        ASSERT_TRUE(r.ok()) << r.message();
        EXPECT_GT(r->accuracy, 0.95);
        EXPECT_EQ(r->n, 359);
        // The accuracy recorded at training time is what we measure now.
        EXPECT_EQ(fmt::format("{:.6f}", r->accuracy), meta(*index, "quantscope.float_test_accuracy"));
        auto digits = find_digits_near(path);
        ASSERT_TRUE(digits.ok()) << digits.message();
    }
}

TEST(NnDemoModels, EvaluationDoesNotDependOnThreadsOrBatch) {
    auto model = load_model(test::source_dir() / "assets/demo/cnn.safetensors");
    ASSERT_TRUE(model.ok());
    EvalOptions a, b;
    a.threads = 1;
    a.keep_logits = true;
    b.threads = 2;
    b.batch_size = 17;
    b.keep_logits = true;
    auto ra = evaluate(*model, split().test, a), rb = evaluate(*model, split().test, b);
    ASSERT_TRUE(ra.ok() && rb.ok());
    EXPECT_EQ(ra->logits, rb->logits);  // per-sample logits do not depend on chunking
    EXPECT_EQ(ra->correct, rb->correct);
    EXPECT_NEAR(ra->loss, rb->loss, 1e-9);
}

TEST(NnDemoModels, TrainingIsReproducibleStepForStep) {
    // 2 epochs on a 200-sample slice: the same seed gives the same bits.
    DigitsSplit small{split().train.slice(0, 200), split().test.slice(0, 50), {}, {}};
    TrainOptions opts;
    opts.epochs = 2;
    opts.seed = 9;
    for (auto optimizer : {Optimizer::Adam, Optimizer::Sgd}) {
        opts.optimizer = optimizer;
        Model a = init_model(demo_cnn_arch(), 9), b = init_model(demo_cnn_arch(), 9), c = init_model(demo_cnn_arch(), 9);
        auto ra = train(a, small, opts), rb = train(b, small, opts);
        ASSERT_TRUE(ra.ok() && rb.ok());
        EXPECT_EQ(a.theta, b.theta);
        EXPECT_EQ(ra->epochs.back().train_loss, rb->epochs.back().train_loss);
        EXPECT_EQ(ra->steps, 2 * 7);
        TrainOptions other = opts;
        other.seed = 10;  // a different minibatch order
        ASSERT_TRUE(train(c, small, other).ok());
        EXPECT_NE(a.theta, c.theta);
    }
}

TEST(NnDemoModels, TrainingCanBeCancelled) {
    DigitsSplit small{split().train.slice(0, 64), split().test.slice(0, 20), {}, {}};
    Model m = init_model(demo_mlp_arch(), 1);
    Progress progress = Progress::make();
    TrainOptions opts;
    opts.epochs = 50;
    int epochs_seen = 0;
    auto r = train(m, small, opts, progress, [&](const EpochStats&) {
        if (++epochs_seen == 3) progress.cancel();
    });
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->cancelled);
    EXPECT_EQ(r->epochs.size(), 3u);
    EXPECT_EQ(r->steps, 3 * 2);
}
