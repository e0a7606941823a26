// The Learn menu: ten lesson windows (one file each, lesson_NN_*.cpp), the
// live-accuracy panel and the PTQ-vs-QAT panel, all on the bundled demo model
// and digits data (loaded on first use) or on a tensor the explorer hands in.
// The explorer's Learn menu owns the open flags and calls draw_one() through the
// hooks in lesson_hooks.hpp; a standalone host can use draw_menu_items()/draw().
// Heavy work (QAT, Hessian traces) runs on the object's own background threads;
// the frame loop never waits on it.
#pragma once

#include "core/quant/spec.hpp"

#include <cstdint>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace qs::app::lessons {

enum class LessonId : int {
    Formats = 0,      // 1. number formats
    ScaleZero,        // 2. scale and zero point step by step
    SymAsym,          // 3. symmetric vs asymmetric
    Clipping,         // 4. clipping vs rounding error
    Rounding,         // 5. rounding modes
    Granularity,      // 6. per-tensor / channel / group
    NonUniform,       // 7. k-means, log2, NF4
    Outliers,         // 8. outliers
    MixedPrecision,   // 9. Hessian-aware mixed precision
    WhyQuantize,      // 10. memory, energy, the memory wall
    LiveAccuracy,     // panel: demo model accuracy under per-layer specs
    Qat,              // panel: PTQ vs QAT
    Count
};
const char* lesson_title(LessonId id);

// What the explorer can hand to the lessons: its selected tensor (optional).
struct LessonInput {
    std::span<const float> tensor;
    std::vector<int64_t> shape;
    std::string tensor_name;
    std::optional<quant::QuantSpec> explorer_spec;  // the spec being edited in the explorer
};

struct LessonsImpl;

class Lessons {
public:
    Lessons();
    ~Lessons();
    Lessons(const Lessons&) = delete;
    Lessons& operator=(const Lessons&) = delete;

    void draw_menu_items();                // the items of a "Learn" menu
    void draw(const LessonInput& in = {});  // every open lesson window
    // One window whose open flag the caller owns (the explorer's Learn menu).
    void draw_one(LessonId id, bool* open, const LessonInput& in = {});
    void open(LessonId id, bool on = true);
    bool is_open(LessonId id) const;
    void set_presenter(bool on);
    bool presenter() const;
    // Tests and demos: wait (blocking) until background jobs have finished.
    void wait_idle();

private:
    std::unique_ptr<LessonsImpl> impl_;
};

// Opens lessons by name for scripts/command line: "formats", "scale", "symmetric",
// "clipping", "rounding", "granularity", "nonuniform", "outliers", "mixed", "why",
// "accuracy", "qat", "all". False for an unknown name.
bool lesson_from_name(const std::string& name, LessonId& out, bool& all);

}  // namespace qs::app::lessons

namespace qs::app::lessons {

// The app's one Lessons object (created on first use); QUANTSCOPE_PRESENTER=1
// starts it in presenter mode (for a projector, and for screenshot tests).
Lessons& app_lessons();

}  // namespace qs::app::lessons
