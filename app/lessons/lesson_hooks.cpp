// Hooks from the explorer's Learn menu to the lesson windows (lesson_hooks.hpp).
#include "app/lessons/lesson_hooks.hpp"

#include "app/lessons/lessons.hpp"

namespace qs::app {

namespace {

void hook(lessons::LessonId id, bool* open, const ViewInput* in = nullptr) {
    lessons::LessonInput li;
    if (in) li.explorer_spec = in->s.spec;
    lessons::app_lessons().draw_one(id, open, li);
}

}  // namespace

using lessons::LessonId;
void draw_lesson_formats(const ViewInput&, bool* open, Intents&) { hook(LessonId::Formats, open); }
void draw_lesson_scale(const ViewInput&, bool* open, Intents&) { hook(LessonId::ScaleZero, open); }
void draw_lesson_symmetric(const ViewInput&, bool* open, Intents&) { hook(LessonId::SymAsym, open); }
void draw_lesson_clipping(const ViewInput&, bool* open, Intents&) { hook(LessonId::Clipping, open); }
void draw_lesson_rounding(const ViewInput&, bool* open, Intents&) { hook(LessonId::Rounding, open); }
void draw_lesson_granularity(const ViewInput&, bool* open, Intents&) { hook(LessonId::Granularity, open); }
void draw_lesson_nonuniform(const ViewInput&, bool* open, Intents&) { hook(LessonId::NonUniform, open); }
void draw_lesson_outliers(const ViewInput&, bool* open, Intents&) { hook(LessonId::Outliers, open); }
void draw_lesson_mixed(const ViewInput&, bool* open, Intents&) { hook(LessonId::MixedPrecision, open); }
void draw_lesson_why(const ViewInput&, bool* open, Intents&) { hook(LessonId::WhyQuantize, open); }
void draw_lesson_accuracy(const ViewInput& in, bool* open, Intents&) { hook(LessonId::LiveAccuracy, open, &in); }
void draw_lesson_qat(const ViewInput&, bool* open, Intents&) { hook(LessonId::Qat, open); }

}  // namespace qs::app
