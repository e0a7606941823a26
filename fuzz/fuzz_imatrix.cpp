// libFuzzer target: an importance matrix (llama.cpp imatrix: GGUF or legacy .dat).
// Input = the file's bytes in memory; every entry's vectors are read back and
// looked up by name, as the planner does.
#include "fuzz/fuzz_common.hpp"
#include "core/io/imatrix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = qs::io::MappedFile::from_bytes("fuzz.imatrix", qs::fuzz::to_vector(data, size));
    auto r = qs::io::open_imatrix(file);
    if (!r) {
        qs::fuzz::consume(r.message().size());
        return 0;
    }
    for (const std::string& d : r->datasets) qs::fuzz::consume(d.size());
    for (const qs::io::ImatrixEntry& e : r->entries) {
        // The invariants users of an imatrix rely on.
        if (e.n_per_row < 0 || e.n_mat < 1 || e.importance.size() != uint64_t(e.n_per_row) * uint64_t(e.n_mat))
            __builtin_trap();
        if (!e.mean_activation.empty() && e.mean_activation.size() != e.importance.size()) __builtin_trap();
        if (r->find(e.name) == nullptr) __builtin_trap();
        double s = 0;
        for (float v : e.importance) s += double(v);
        for (float v : e.counts) s += double(v);
        for (float v : e.mean_activation) s += double(v);
        qs::fuzz::consume(uint64_t(s != s));
    }
    return 0;
}
