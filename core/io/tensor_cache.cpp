// The decoded-tensor LRU (see tensor_cache.hpp).
#include "core/io/tensor_cache.hpp"

#include "core/io/decode.hpp"

#include <new>

namespace qs::io {

Result<FloatTensorPtr> TensorCache::get(const std::shared_ptr<const ModelIndex>& model, size_t index,
                                        const Progress& progress) {
    {
        std::lock_guard lock(mu_);
        for (auto it = lru_.begin(); it != lru_.end();) {
            if (it->model.expired()) {  // its model was closed
                used_ -= it->bytes;
                it = lru_.erase(it);
                continue;
            }
            const bool same = !it->model.owner_before(model) && !model.owner_before(it->model);
            if (same && it->index == index) {
                lru_.splice(lru_.begin(), lru_, it);
                return it->tensor;
            }
            ++it;
        }
    }
    if (index >= model->tensors.size()) return make_error("{}: no tensor #{}", model->path, index);
    const TensorInfo& info = model->tensors[index];
    auto data = decode_tensor_capped(*model, index, max_decode_, progress);
    if (!data) return data.error();
    auto t = std::make_shared<FloatTensor>();
    t->name = info.name;
    t->shape = info.shape;
    t->data = std::move(*data);

    const uint64_t bytes = info.decoded_bytes();
    FloatTensorPtr ptr = std::move(t);
    std::lock_guard lock(mu_);
    if (bytes <= cap_) {
        while (used_ + bytes > cap_ && !lru_.empty()) {
            used_ -= lru_.back().bytes;
            lru_.pop_back();
        }
        lru_.push_front({model, index, ptr, bytes});
        used_ += bytes;
    }
    return ptr;
}

uint64_t TensorCache::bytes_used() const {
    std::lock_guard lock(mu_);
    return used_;
}

size_t TensorCache::size() const {
    std::lock_guard lock(mu_);
    return lru_.size();
}

void TensorCache::clear() {
    std::lock_guard lock(mu_);
    lru_.clear();
    used_ = 0;
}

}  // namespace qs::io
