#include "core/io/onnx.hpp"

namespace qs::io {

Result<ModelIndex> open_onnx(const std::filesystem::path& path) {
    return make_error("{}: ONNX files are not supported yet", path.string());
}


}  // namespace qs::io
