// libFuzzer target: a torch.save archive (ZIP + data.pkl pickle VM + storages).
// Input = the file's bytes, held in memory (MappedFile::from_bytes), then opened,
// listed and every tensor decoded (fuzz_common.hpp).
#include "fuzz/fuzz_common.hpp"
#include "core/io/pytorch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.pt", qs::fuzz::to_vector(data, size));
    qs::fuzz::exercise_model(qs::io::open_pytorch(file));
    return 0;
}
