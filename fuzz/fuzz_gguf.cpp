// libFuzzer target: a GGUF file (v2/v3, both byte orders, ggml block types).
// Input = the file's bytes, held in memory (MappedFile::from_bytes), then opened,
// listed and every tensor decoded (fuzz_common.hpp).
#include "fuzz/fuzz_common.hpp"
#include "core/io/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.gguf", qs::fuzz::to_vector(data, size));
    qs::fuzz::exercise_model(qs::io::open_gguf(file));
    return 0;
}
