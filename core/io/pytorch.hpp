// PyTorch reader (to be written): yields a ModelIndex, nothing decoded at open.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <filesystem>

namespace qs::io {

Result<ModelIndex> open_pytorch(const std::filesystem::path& path);


}  // namespace qs::io
