// libFuzzer target: an ONNX model (protobuf; external data is refused in memory).
// Input = the file's bytes, held in memory (MappedFile::from_bytes), then opened,
// listed and every tensor decoded (fuzz_common.hpp).
#include "fuzz/fuzz_common.hpp"
#include "core/io/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.onnx", qs::fuzz::to_vector(data, size));
    qs::fuzz::exercise_model(qs::io::open_onnx(file, {}));
    return 0;
}
