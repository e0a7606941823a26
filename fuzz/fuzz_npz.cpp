// libFuzzer target: a NumPy .npz archive (ZIP, stored and deflated members).
// Input = the file's bytes, held in memory (MappedFile::from_bytes), then opened,
// listed and every tensor decoded (fuzz_common.hpp).
#include "fuzz/fuzz_common.hpp"
#include "core/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.npz", qs::fuzz::to_vector(data, size));
    qs::fuzz::exercise_model(qs::io::open_npz(file));
    return 0;
}
