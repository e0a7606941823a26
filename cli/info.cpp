// `quantscope-cli info FILE...`: the tensors of each model, grouped totals and
// metadata, as a table or (--json) as the object documented in docs/cli.md.
#include "cli/command.hpp"

#include "core/io/open_model.hpp"
#include "core/io/summary.hpp"
#include "core/util/units.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace qs::cli {
namespace {

using nlohmann::json;

json group_json(const std::vector<io::GroupTotal>& groups) {
    json a = json::array();
    for (const auto& g : groups)
        a.push_back({{"key", g.key}, {"tensors", g.tensors}, {"params", g.params}, {"bytes", g.bytes}});
    return a;
}

json model_json(const io::ModelIndex& m) {
    json j;
    j["path"] = m.path;
    j["format"] = m.format;
    j["files"] = json::array();
    for (const auto& f : m.files) j["files"].push_back({{"path", f->path()}, {"bytes", f->size()}});
    j["tensor_count"] = m.tensors.size();
    j["params"] = m.total_params();
    j["bytes"] = m.total_bytes();
    j["tensors"] = json::array();
    for (const auto& t : m.tensors) {
        j["tensors"].push_back({{"name", t.name},
                                {"shape", t.shape},
                                {"dtype", io::dtype_name(t.dtype)},
                                {"params", t.numel()},
                                {"bytes", io::stored_bytes(t)},
                                {"file", t.file},
                                {"offset", t.offset}});
    }
    j["by_dtype"] = group_json(io::totals_by_dtype(m));
    j["by_kind"] = group_json(io::totals_by_kind(m));
    j["metadata"] = json::array();
    for (const auto& e : m.metadata) j["metadata"].push_back({{"key", e.key}, {"type", e.type}, {"value", e.value}});
    return j;
}

std::string clip(const std::string& s, size_t n) {
    if (s.size() <= n) return s;
    return s.substr(0, n - 3) + "...";
}

void print_groups(const char* title, const std::vector<io::GroupTotal>& groups, size_t width) {
    fmt::print("\n{}\n", title);
    for (const auto& g : groups)
        fmt::print("  {:<{}}  {:>6} tensors  {:>10} params  {:>11}\n", clip(g.key, width), width, g.tensors,
                   human_count(g.params), human_bytes(g.bytes));
}

void print_table(const io::ModelIndex& m) {
    fmt::print("{}  ({}, {} file{}, {} tensors, {} params, {})\n", m.path, m.format, m.files.size(),
               m.files.size() == 1 ? "" : "s", m.tensors.size(), human_count(m.total_params()),
               human_bytes(m.total_bytes()));
    size_t width = 4;
    for (const auto& t : m.tensors) width = std::max(width, t.name.size());
    width = std::min<size_t>(width, 64);
    fmt::print("\n  {:<{}}  {:<20}  {:<8}  {:>12}  {:>11}\n", "name", width, "shape", "dtype", "params", "bytes");
    for (const auto& t : m.tensors)
        fmt::print("  {:<{}}  {:<20}  {:<8}  {:>12}  {:>11}\n", clip(t.name, width), width,
                   io::shape_string(t.shape), io::dtype_name(t.dtype), t.numel(), human_bytes(io::stored_bytes(t)));
    print_groups("By dtype:", io::totals_by_dtype(m), width);
    print_groups("By kind:", io::totals_by_kind(m), width);
    if (!m.metadata.empty()) {
        fmt::print("\nMetadata:\n");
        for (const auto& e : m.metadata) fmt::print("  {} ({}) = {}\n", e.key, e.type, clip(e.value, 200));
    }
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
    struct Opts {
        std::vector<std::string> files;
        bool json = false;
    };
    auto opts = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("info", "List a model's tensors, grouped totals and metadata");
    sub->add_option("FILE", opts->files, "Model file(s): .safetensors, index.json or shard folder, .gguf, .npy, "
                                         ".npz, .onnx, .pt/.pth")
        ->required();
    sub->add_flag("--json", opts->json, "Print a JSON object (schema in docs/cli.md)");
    sub->callback([opts, &exit_code] {
        json out = {{"quantscope_info", 1}, {"models", json::array()}, {"errors", json::array()}};
        bool first = true;
        for (const auto& path : opts->files) {
            auto m = io::open_model(path);
            if (!m) {
                std::fprintf(stderr, "quantscope-cli: %s\n", m.message().c_str());
                out["errors"].push_back({{"path", path}, {"message", m.message()}});
                exit_code = kBadInput;
                continue;
            }
            if (opts->json) {
                out["models"].push_back(model_json(*m));
            } else {
                if (!first) fmt::print("\n");
                print_table(*m);
            }
            first = false;
        }
        if (opts->json) std::cout << out.dump(2) << "\n";
    });
}

}  // namespace qs::cli
