// Undo/redo stacks; see spec_history.hpp.
#include "app/state/spec_history.hpp"

namespace qs::app {

void SpecHistory::record(const quant::QuantSpec& before, uint64_t gesture) {
    redo_.clear();
    if (gesture != 0 && gesture == last_gesture_ && !undo_.empty()) return;  // same drag: one step
    last_gesture_ = gesture;
    undo_.push_back(before);
    if (undo_.size() > kMaxSteps) undo_.erase(undo_.begin());
}

std::optional<quant::QuantSpec> SpecHistory::undo(const quant::QuantSpec& current) {
    if (undo_.empty()) return std::nullopt;
    quant::QuantSpec s = undo_.back();
    undo_.pop_back();
    redo_.push_back(current);
    last_gesture_ = 0;
    return s;
}

std::optional<quant::QuantSpec> SpecHistory::redo(const quant::QuantSpec& current) {
    if (redo_.empty()) return std::nullopt;
    quant::QuantSpec s = redo_.back();
    redo_.pop_back();
    undo_.push_back(current);
    last_gesture_ = 0;
    return s;
}

}  // namespace qs::app
