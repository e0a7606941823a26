// Workspace caches (workspace.hpp).
#include "core/quant/workspace.hpp"

namespace qs::quant {

namespace {
constexpr size_t kMaxCachedTensors = 8;
}

TensorStats* Workspace::find_stats(uint64_t key, const float* data, uint64_t numel) {
    if (key == 0) return nullptr;
    for (auto it = stats_.begin(); it != stats_.end(); ++it)
        if (it->key == key && it->data == data && it->numel == numel) {
            stats_.splice(stats_.begin(), stats_, it);
            return &stats_.front();
        }
    return nullptr;
}

TensorStats& Workspace::put_stats(TensorStats s) {
    for (auto it = stats_.begin(); it != stats_.end(); ++it)
        if (it->key == s.key) {
            stats_.erase(it);
            break;
        }
    stats_.push_front(std::move(s));
    while (stats_.size() > kMaxCachedTensors) stats_.pop_back();
    return stats_.front();
}

void Workspace::clear() {
    stats_.clear();
    gather = {};
    sort_buf = {};
    sort_tmp = {};
    prefix = {};
    bytes = {};
    mask = {};
    params = {};
    group_min = {};
    group_max = {};
    group_se = {};
    group_n = {};
    threads = {};
}

}  // namespace qs::quant
