// The training loop (see train.hpp). Everything runs on the calling thread in a
// fixed order: the same seed and options give the same bits on every run.
#include "core/nn/train.hpp"

#include "core/nn/kernels.hpp"
#include "core/nn/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::nn {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct TestStats {
    double loss = 0, accuracy = 0;
};

TestStats test_stats(const Arch& arch, std::span<const float> theta, const Dataset& test, const InputHook<float>& hook) {
    std::vector<float> logits(size_t(test.n * arch.num_classes));
    PassOptions po;
    po.threads = 1;  // keep the whole loop on one thread (the caller may run us in the background)
    auto st = compute_logits<float>(arch, theta, Batch::of(test), logits, po, hook ? &hook : nullptr);
    if (!st.ok()) return {std::numeric_limits<double>::quiet_NaN(), 0};
    const int64_t k = arch.num_classes;
    const double loss = kernels::softmax_xent<float>(logits.data(), test.y.data(), test.n, k, 1.0f, nullptr);
    int64_t correct = 0;
    for (int64_t s = 0; s < test.n; ++s) {
        const float* z = logits.data() + s * k;
        correct += (std::max_element(z, z + k) - z) == test.y[size_t(s)];
    }
    return {loss / double(test.n), double(correct) / double(test.n)};
}

}  // namespace

Result<TrainReport> train_with(const Arch& arch, std::vector<float>& master, const DigitsSplit& data,
                               const TrainOptions& opts, const ParamTransform& tf, const Progress& progress,
                               const EpochCallback& on_epoch) {
    const size_t P = arch.num_params;
    if (master.size() != P + tf.extra)
        return make_error("training: {} trainable values, expected {} parameters + {} extra", master.size(), P, tf.extra);
    if (opts.epochs < 0 || opts.epochs > 100000) return make_error("training: {} epochs is out of range", opts.epochs);
    if (opts.batch_size < 1) return Error{"training: batch size must be at least 1"};
    if (!(opts.lr > 0) || !std::isfinite(opts.lr)) return Error{"training: the learning rate must be positive"};
    QS_TRY(check_batch(arch, Batch::of(data.train), true));
    QS_TRY(check_batch(arch, Batch::of(data.test), true));

    const int64_t n = data.train.n, in = arch.input_size();
    const int64_t steps_per_epoch = (n + opts.batch_size - 1) / opts.batch_size;
    const int64_t total_steps = steps_per_epoch * opts.epochs;
    progress.set_total(uint64_t(total_steps));

    // Which trained values get weight decay: weights only.
    std::vector<char> decay(master.size(), 0);
    for (const auto& p : arch.params)
        if (p.is_weight) std::fill(decay.begin() + ptrdiff_t(p.offset), decay.begin() + ptrdiff_t(p.offset + p.size), 1);

    std::vector<float> effective(P), g_eff(P), g_master(master.size());
    std::vector<double> m1(master.size(), 0.0), m2(master.size(), 0.0);  // momentum / Adam moments
    auto effective_params = [&]() -> std::span<const float> {
        if (!tf.forward) return std::span<const float>(master).first(P);
        tf.forward(master, effective);
        return effective;
    };

    TrainReport report;
    if (opts.eval_before) {
        const auto t = test_stats(arch, effective_params(), data.test, tf.act_hook);
        EpochStats e{0, std::numeric_limits<double>::quiet_NaN(), t.loss, t.accuracy, 0.0};
        report.epochs.push_back(e);
        if (on_epoch) on_epoch(e);
    }

    Rng rng = Rng::derived(opts.seed, 0x5EED);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::vector<float> bx;
    std::vector<int32_t> by;
    PassOptions po;
    po.threads = 1;
    po.chunk = opts.batch_size;
    int64_t step = 0;
    double lr = opts.lr;
    for (int epoch = 1; epoch <= opts.epochs; ++epoch) {
        for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
        shuffle(order.begin(), uint64_t(n), rng);
        double loss_sum = 0;
        int64_t loss_count = 0;
        for (int64_t s = 0; s < steps_per_epoch; ++s) {
            if (!progress.update(uint64_t(step))) {
                report.cancelled = true;
                report.steps = step;
                return report;
            }
            const int64_t b = s * opts.batch_size, len = std::min(opts.batch_size, n - b);
            bx.resize(size_t(len * in));
            by.resize(size_t(len));
            for (int64_t j = 0; j < len; ++j) {
                const int64_t idx = order[size_t(b + j)];
                std::copy_n(data.train.x.begin() + idx * in, in, bx.begin() + j * in);
                by[size_t(j)] = data.train.y[size_t(idx)];
            }
            const auto theta = effective_params();
            auto loss = loss_and_grad<float>(arch, theta, Batch{bx, by, len}, g_eff, po, {},
                                             tf.act_hook ? &tf.act_hook : nullptr);
            if (!loss) return loss.error();
            loss_sum += *loss;
            ++loss_count;
            if (tf.backward) {
                tf.backward(master, g_eff, g_master);
            } else {
                std::copy(g_eff.begin(), g_eff.end(), g_master.begin());
            }
            ++step;
            lr = opts.cosine ? opts.lr * 0.5 * (1.0 + std::cos(kPi * double(step - 1) / double(total_steps))) : opts.lr;
            if (opts.optimizer == Optimizer::Adam) {
                const double c1 = 1.0 - std::pow(opts.beta1, double(step)), c2 = 1.0 - std::pow(opts.beta2, double(step));
                for (size_t i = 0; i < master.size(); ++i) {
                    const double g = g_master[i];
                    m1[i] = opts.beta1 * m1[i] + (1.0 - opts.beta1) * g;
                    m2[i] = opts.beta2 * m2[i] + (1.0 - opts.beta2) * g * g;
                    double upd = (m1[i] / c1) / (std::sqrt(m2[i] / c2) + opts.adam_eps);
                    if (decay[i]) upd += opts.weight_decay * double(master[i]);
                    master[i] = float(double(master[i]) - lr * upd);
                }
            } else {
                for (size_t i = 0; i < master.size(); ++i) {
                    double g = g_master[i];
                    m1[i] = opts.momentum * m1[i] + g;
                    double upd = m1[i];
                    if (decay[i]) upd += opts.weight_decay * double(master[i]);
                    master[i] = float(double(master[i]) - lr * upd);
                }
            }
        }
        const auto t = test_stats(arch, effective_params(), data.test, tf.act_hook);
        EpochStats e{epoch, loss_sum / double(std::max<int64_t>(loss_count, 1)), t.loss, t.accuracy, lr};
        report.epochs.push_back(e);
        if (on_epoch) on_epoch(e);
    }
    progress.update(uint64_t(step));
    report.steps = step;
    return report;
}

Result<TrainReport> train(Model& model, const DigitsSplit& data, const TrainOptions& opts, const Progress& progress,
                          const EpochCallback& on_epoch) {
    return train_with(model.arch, model.theta, data, opts, ParamTransform{}, progress, on_epoch);
}

}  // namespace qs::nn
