// The file dialog's model: one folder's entries, folders first, then files in
// natural order, optionally only model files quantscope can open. ImGui has no
// file dialog and Debian packages none for it; the view is app/views/file_dialog.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

struct DirEntry {
    std::string name;
    bool is_dir = false;
    bool supported = false;  // a model file by its name
    uint64_t size = 0;
};

struct DirListing {
    std::filesystem::path dir;
    std::vector<DirEntry> entries;
    std::string error;  // why the folder could not be read (entries then empty)
};

// .safetensors, .gguf, .npy, .npz, .onnx, .pt, .pth, .bin, .ckpt, *.safetensors.index.json
bool is_model_file_name(std::string_view name);
DirListing list_dir(const std::filesystem::path& dir, bool show_hidden, bool only_models);

}  // namespace qs::app
