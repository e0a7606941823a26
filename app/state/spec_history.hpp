// Undo/redo of spec changes. A drag (slider, clip handle) is one step: edits
// carrying the same non-zero gesture id as the previous one merge into it.
#pragma once

#include "core/quant/spec.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace qs::app {

class SpecHistory {
public:
    // `before` is the spec being replaced.
    void record(const quant::QuantSpec& before, uint64_t gesture);
    std::optional<quant::QuantSpec> undo(const quant::QuantSpec& current);
    std::optional<quant::QuantSpec> redo(const quant::QuantSpec& current);
    bool can_undo() const { return !undo_.empty(); }
    bool can_redo() const { return !redo_.empty(); }
    size_t undo_depth() const { return undo_.size(); }
    size_t redo_depth() const { return redo_.size(); }

    static constexpr size_t kMaxSteps = 200;

private:
    std::vector<quant::QuantSpec> undo_, redo_;
    uint64_t last_gesture_ = 0;
};

}  // namespace qs::app
