// `quantscope-cli train-demo --arch mlp|cnn --seed N --out FILE`: trains one of
// the bundled demo models on the digits split from scratch, reproducibly (one
// thread, seeded), and writes it as safetensors with its architecture and
// training settings in __metadata__. The committed assets/demo/*.safetensors
// were made by this command (docs/demo-model.md).
#include "cli/command.hpp"

#include "core/nn/digits.hpp"
#include "core/nn/evaluate.hpp"
#include "core/nn/model.hpp"
#include "core/nn/train.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace qs::cli {
namespace {

struct TrainDemoArgs {
    std::string arch = "mlp";
    uint64_t seed = 1;
    std::string out;
    std::string data = "assets/digits/digits.csv.gz";
    int epochs = -1;  // -1: the architecture's default
    double lr = -1;
    int64_t batch = 32;
    std::string optimizer = "adam";
    bool quiet = false;
    bool json = false;
};

int run(const TrainDemoArgs& a) {
    nn::Arch arch = a.arch == "cnn" ? nn::demo_cnn_arch() : nn::demo_mlp_arch();
    nn::TrainOptions opts;
    opts.seed = a.seed;
    opts.epochs = a.epochs >= 0 ? a.epochs : 60;
    opts.lr = a.lr > 0 ? a.lr : 3e-3;
    opts.batch_size = a.batch;
    opts.optimizer = a.optimizer == "sgd" ? nn::Optimizer::Sgd : nn::Optimizer::Adam;
    if (opts.optimizer == nn::Optimizer::Sgd && a.lr <= 0) opts.lr = 0.05;

    auto split = nn::load_digits_split(a.data);
    if (!split) {
        fmt::print(stderr, "error: {}\n", split.message());
        return kBadInput;
    }
    nn::Model model = nn::init_model(arch, a.seed);
    const auto t0 = std::chrono::steady_clock::now();
    auto report = nn::train(model, *split, opts, {}, [&](const nn::EpochStats& e) {
        if (!a.quiet)
            fmt::print(stderr, "epoch {:3}  train loss {:.4f}  test loss {:.4f}  test acc {:.2f}%  lr {:.2e}\n", e.epoch,
                       e.train_loss, e.test_loss, 100 * e.test_accuracy, e.lr);
    });
    if (!report) {
        fmt::print(stderr, "error: {}\n", report.message());
        return kFailure;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto test = nn::evaluate(model, split->test);
    auto train = nn::evaluate(model, split->train);
    if (!test || !train) {
        fmt::print(stderr, "error: {}\n", test ? train.message() : test.message());
        return kFailure;
    }
    nlohmann::json settings = {
        {"command", fmt::format("quantscope-cli train-demo --arch {} --seed {}{}", a.arch, a.seed,
                                a.epochs >= 0 ? fmt::format(" --epochs {}", a.epochs) : std::string())},
        {"optimizer", a.optimizer}, {"lr", opts.lr}, {"schedule", opts.cosine ? "cosine" : "constant"},
        {"epochs", opts.epochs}, {"batch_size", opts.batch_size}, {"weight_decay", opts.weight_decay},
        {"seed", a.seed}, {"init", "He normal (N(0, 2/fan_in); 1/fan_in for the last layer), zero biases"},
        {"data", "UCI digits (assets/digits/digits.csv.gz), stratified 80/20 split, seed 20240607"},
        {"train_samples", split->train.n}, {"test_samples", split->test.n}};
    const std::map<std::string, std::string> meta = {
        {"quantscope.train", settings.dump()},
        {"quantscope.float_test_accuracy", fmt::format("{:.6f}", test->accuracy)},
        {"quantscope.float_test_loss", fmt::format("{:.6f}", test->loss)},
        {"quantscope.float_train_accuracy", fmt::format("{:.6f}", train->accuracy)},
        {"quantscope.data", "digits"},
    };
    if (!a.out.empty()) {
        auto st = nn::save_model(model, a.out, meta);
        if (!st) {
            fmt::print(stderr, "error: {}\n", st.message());
            return kFailure;
        }
    }
    if (a.json) {
        nlohmann::json j = {{"arch", a.arch},           {"params", model.arch.num_params},
                            {"test_accuracy", test->accuracy}, {"test_loss", test->loss},
                            {"train_accuracy", train->accuracy}, {"seconds", seconds},
                            {"steps", report->steps},   {"out", a.out}};
        fmt::print("{}\n", j.dump(2));
    } else {
        fmt::print("{}: {} parameters, {} steps in {:.1f} s; test accuracy {:.2f}% (loss {:.4f}), train accuracy {:.2f}%{}\n",
                   a.arch, model.arch.num_params, report->steps, seconds, 100 * test->accuracy, test->loss,
                   100 * train->accuracy, a.out.empty() ? "" : "; wrote " + a.out);
    }
    return kOk;
}

}  // namespace

void add_train_demo_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<TrainDemoArgs>();
    CLI::App* cmd = app.add_subcommand("train-demo", "train a bundled demo model (MLP or CNN) on the digits data");
    cmd->add_option("--arch", args->arch, "mlp or cnn")->check(CLI::IsMember({"mlp", "cnn"}));
    cmd->add_option("--seed", args->seed, "seed of initialisation and minibatch order")->capture_default_str();
    cmd->add_option("--out", args->out, "output .safetensors (omit to only train and report)");
    cmd->add_option("--data", args->data, "digits.csv.gz")->capture_default_str();
    cmd->add_option("--epochs", args->epochs, "epochs (default 60)")->check(CLI::Range(0, 100000));
    cmd->add_option("--lr", args->lr, "peak learning rate (default 3e-3 Adam, 0.05 SGD)");
    cmd->add_option("--batch", args->batch, "minibatch size")->check(CLI::Range(1, 100000))->capture_default_str();
    cmd->add_option("--optimizer", args->optimizer, "adam or sgd (momentum 0.9)")
        ->check(CLI::IsMember({"adam", "sgd"}))
        ->capture_default_str();
    cmd->add_flag("--quiet", args->quiet, "no per-epoch lines on stderr");
    cmd->add_flag("--json", args->json, "print the summary as JSON");
    cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qs::cli
