#include "core/io/open_model.hpp"

#include "core/io/gguf.hpp"
#include "core/io/npy.hpp"
#include "core/io/onnx.hpp"
#include "core/io/pytorch.hpp"
#include "core/io/safetensors.hpp"
#include "core/io/zip.hpp"

#include <cstring>
#include <fstream>

namespace qs::io {
namespace fs = std::filesystem;

Format detect_format(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return Format::SafetensorsSharded;
    const std::string name = path.filename().string();
    if (name.ends_with(".index.json")) return Format::SafetensorsSharded;

    unsigned char head[16] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const auto got = static_cast<size_t>(in.gcount());
    if (got >= 4 && (std::memcmp(head, "GGUF", 4) == 0 || std::memcmp(head, "FUGG", 4) == 0)) return Format::Gguf;  // FUGG: big-endian
    if (got >= 6 && std::memcmp(head, "\x93NUMPY", 6) == 0) return Format::Npy;
    if (got >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) {
        if (name.ends_with(".npz")) return Format::Npz;
        if (name.ends_with(".pt") || name.ends_with(".pth") || name.ends_with(".bin") || name.ends_with(".ckpt"))
            return Format::PyTorch;
        // Neither name decides: look inside.
        return zip_has_member_suffix(path, "data.pkl") ? Format::PyTorch : Format::Npz;
    }
    // Legacy (pre-1.6) torch.save files are bare pickles; open_pytorch explains they are unsupported.
    const bool torch_name = name.ends_with(".pt") || name.ends_with(".pth") || name.ends_with(".ckpt");
    if (got >= 2 && head[0] == 0x80 && head[1] <= 5 && (torch_name || name.ends_with(".bin")))
        return Format::PyTorch;
    if (got >= 9 && head[8] == '{') return Format::Safetensors;
    if (name.ends_with(".safetensors")) return Format::Safetensors;
    if (name.ends_with(".onnx")) return Format::Onnx;
    if (name.ends_with(".npy")) return Format::Npy;
    if (name.ends_with(".gguf")) return Format::Gguf;
    return Format::Unknown;
}

std::string format_name(Format f) {
    switch (f) {
        case Format::Safetensors: return "safetensors";
        case Format::SafetensorsSharded: return "safetensors (sharded)";
        case Format::Gguf: return "gguf";
        case Format::Npy: return "npy";
        case Format::Npz: return "npz";
        case Format::Onnx: return "onnx";
        case Format::PyTorch: return "pytorch";
        case Format::Unknown: break;
    }
    return "unknown";
}

Result<ModelIndex> open_model(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return make_error("{}: no such file or folder", path.string());
    switch (detect_format(path)) {
        case Format::Safetensors: return open_safetensors(path);
        case Format::SafetensorsSharded: return open_safetensors_sharded(path);
        case Format::Gguf: return open_gguf(path);
        case Format::Npy: return open_npy(path);
        case Format::Npz: return open_npz(path);
        case Format::Onnx: return open_onnx(path);
        case Format::PyTorch: return open_pytorch(path);
        case Format::Unknown: break;
    }
    return make_error("{}: not a recognised model file (safetensors, GGUF, .npy/.npz, ONNX or PyTorch zip)",
                      path.string());
}

}  // namespace qs::io
