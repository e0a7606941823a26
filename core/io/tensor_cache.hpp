// A small LRU cache of decoded float32 tensors with a memory cap. Selecting a
// tensor decodes it once; going back to it is free until it is evicted.
// Thread-safe: the GUI worker and the CLI's parallel sweeps share one.
#pragma once

#include "core/io/limits.hpp"
#include "core/io/model_index.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

namespace qs::io {

struct FloatTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> data;  // C order
};
using FloatTensorPtr = std::shared_ptr<const FloatTensor>;

class TensorCache {
public:
    // cap_bytes: memory kept for decoded tensors. max_decode_bytes: the largest
    // single tensor (as float32) it will decode at all; larger ones are refused
    // with a message instead of allocated.
    explicit TensorCache(uint64_t cap_bytes = uint64_t(2) << 30,
                         uint64_t max_decode_bytes = limits::kDefaultMaxDecodeBytes)
        : cap_(cap_bytes), max_decode_(max_decode_bytes) {}

    // Decoded tensor `index` of `model`; decodes on a miss. A tensor larger than
    // the cap (but within max_decode_bytes) is decoded and returned but not kept.
    Result<FloatTensorPtr> get(const std::shared_ptr<const ModelIndex>& model, size_t index,
                               const Progress& progress = {});

    uint64_t bytes_used() const;
    uint64_t cap_bytes() const { return cap_; }
    uint64_t max_decode_bytes() const { return max_decode_; }
    size_t size() const;
    void clear();

private:
    struct Entry {
        std::weak_ptr<const ModelIndex> model;  // key is (model, index); weak so closing a model frees it
        size_t index;
        FloatTensorPtr tensor;
        uint64_t bytes;
    };
    mutable std::mutex mu_;
    std::list<Entry> lru_;  // front = most recent
    uint64_t used_ = 0;
    uint64_t cap_;
    uint64_t max_decode_;
};

}  // namespace qs::io
