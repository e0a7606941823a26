// Folder listing for the file dialog; see file_listing.hpp.
#include "app/state/file_listing.hpp"

#include "app/state/tensor_tree.hpp"

#include <algorithm>
#include <array>

namespace qs::app {

namespace {

constexpr std::array<std::string_view, 10> kModelExtensions{
    ".safetensors", ".gguf", ".npy", ".npz", ".onnx", ".pt", ".pth", ".bin", ".ckpt", ".safetensors.index.json"};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_model_file_name(std::string_view name) {
    return std::any_of(kModelExtensions.begin(), kModelExtensions.end(), [&](std::string_view e) { return ends_with(name, e); });
}

DirListing list_dir(const std::filesystem::path& dir, bool show_hidden, bool only_models) {
    namespace fs = std::filesystem;
    DirListing out;
    out.dir = dir;
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        out.error = dir.string() + ": " + ec.message();
        return out;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            out.error = dir.string() + ": " + ec.message();
            break;
        }
        DirEntry e;
        e.name = it->path().filename().string();
        if (!show_hidden && !e.name.empty() && e.name[0] == '.') continue;
        std::error_code ec2;
        e.is_dir = it->is_directory(ec2);
        e.supported = !e.is_dir && is_model_file_name(e.name);
        if (!e.is_dir) {
            if (only_models && !e.supported) continue;
            e.size = it->file_size(ec2);
            if (ec2) e.size = 0;
        }
        out.entries.push_back(std::move(e));
    }
    std::sort(out.entries.begin(), out.entries.end(), [](const DirEntry& a, const DirEntry& b) {
        if (a.is_dir != b.is_dir) return a.is_dir;
        return natural_less(a.name, b.name);
    });
    return out;
}

}  // namespace qs::app
