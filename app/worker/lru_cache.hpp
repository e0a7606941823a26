// A small LRU cache of immutable results (shared_ptr<const V>) keyed by value
// equality, capped by entry count and by bytes. Going back to a spec or a tensor
// already seen is a lookup, not a recompute. Entries are few (tens), so a list
// scanned linearly is simpler than hashing and never the bottleneck.
// UI thread only (the worker hands results over through poll()).
#pragma once

#include <cstdint>
#include <list>
#include <memory>

namespace qs::app {

template <class K, class V>
class LruCache {
public:
    LruCache(size_t max_entries, uint64_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}

    std::shared_ptr<const V> get(const K& key) {
        for (auto it = items_.begin(); it != items_.end(); ++it) {
            if (it->key == key) {
                items_.splice(items_.begin(), items_, it);
                ++hits_;
                return items_.front().value;
            }
        }
        ++misses_;
        return nullptr;
    }

    // `bytes` is the value's approximate memory footprint. A value larger than
    // the whole budget is not kept.
    void put(const K& key, std::shared_ptr<const V> value, uint64_t bytes) {
        for (auto it = items_.begin(); it != items_.end(); ++it) {
            if (it->key == key) {
                bytes_ -= it->bytes;
                items_.erase(it);
                break;
            }
        }
        if (bytes > max_bytes_) return;
        items_.push_front({key, std::move(value), bytes});
        bytes_ += bytes;
        while (!items_.empty() && (items_.size() > max_entries_ || bytes_ > max_bytes_)) {
            bytes_ -= items_.back().bytes;
            items_.pop_back();
        }
    }

    void clear() {
        items_.clear();
        bytes_ = 0;
    }
    // Drops every entry for which pred(key) is true (e.g. a closed model's).
    template <class Pred>
    void erase_if(Pred pred) {
        for (auto it = items_.begin(); it != items_.end();) {
            if (pred(it->key)) {
                bytes_ -= it->bytes;
                it = items_.erase(it);
            } else {
                ++it;
            }
        }
    }

    size_t size() const { return items_.size(); }
    uint64_t bytes() const { return bytes_; }
    uint64_t hits() const { return hits_; }
    uint64_t misses() const { return misses_; }

private:
    struct Item {
        K key;
        std::shared_ptr<const V> value;
        uint64_t bytes;
    };
    std::list<Item> items_;  // front = most recently used
    size_t max_entries_;
    uint64_t max_bytes_;
    uint64_t bytes_ = 0;
    uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace qs::app
