// libFuzzer target: a NumPy .npy file (preamble, header dict, byte order, Fortran order).
// Input = the file's bytes, held in memory (MappedFile::from_bytes), then opened,
// listed and every tensor decoded (fuzz_common.hpp).
#include "fuzz/fuzz_common.hpp"
#include "core/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.npy", qs::fuzz::to_vector(data, size));
    qs::fuzz::exercise_model(qs::io::open_npy(file));
    return 0;
}
