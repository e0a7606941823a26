// The one entry point the app and the CLI use: open any supported model file
// (or sharded folder), sniffing the format from its bytes first and its name second.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <string>

namespace qs::io {

enum class Format { Unknown, Safetensors, SafetensorsSharded, Gguf, Npy, Npz, Onnx, PyTorch };

// Best guess from the first bytes and the name; Unknown when nothing matches.
Format detect_format(const std::filesystem::path& path);
std::string format_name(Format f);

Result<ModelIndex> open_model(const std::filesystem::path& path);

}  // namespace qs::io
