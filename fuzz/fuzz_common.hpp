// Shared by the libFuzzer targets in fuzz/: what `quantscope-cli info` and the
// GUI's browser do with a freshly opened model (list every tensor, group totals,
// metadata), then decode every tensor under a small memory cap, as selecting it
// would. Anything other than a clean Result is a bug the sanitizers report.
#pragma once

#include "core/io/decode.hpp"
#include "core/io/model_index.hpp"
#include "core/io/summary.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qs::fuzz {

// A decoded tensor above this is refused (and that refusal is exercised too):
// fuzz inputs are small, so real tensors never come near it.
inline constexpr uint64_t kDecodeCap = 16ull << 20;

inline std::vector<uint8_t> to_vector(const uint8_t* data, size_t size) { return {data, data + size}; }

// Keeps the optimiser from dropping work whose result we ignore.
inline void consume(uint64_t v) {
    static volatile uint64_t sink;
    sink = sink + v;
}

inline void exercise_model(const Result<io::ModelIndex>& r) {
    if (!r) {
        consume(r.message().size());
        return;
    }
    const io::ModelIndex& m = *r;
    consume(m.total_params() + m.total_bytes());
    for (const io::MetaEntry& e : m.metadata) consume(e.key.size() + e.type.size() + e.value.size());
    for (const io::GroupTotal& g : io::totals_by_dtype(m)) consume(g.params + g.bytes);
    for (const io::GroupTotal& g : io::totals_by_kind(m)) consume(g.params + g.bytes);
    for (size_t i = 0; i < m.tensors.size(); ++i) {
        const io::TensorInfo& t = m.tensors[i];
        consume(io::shape_string(t.shape).size() + io::dtype_name(t.dtype).size() + io::stored_bytes(t));
        consume(uint64_t(m.find(t.name)));
        auto d = io::decode_tensor_capped(m, i, kDecodeCap);
        if (!d) {
            consume(d.message().size());
            continue;
        }
        // Read every value so uninitialised output would show under a sanitizer.
        uint64_t bits = 0;
        for (float v : *d) bits += v != v ? 1 : 0;
        consume(bits);
    }
}

}  // namespace qs::fuzz
