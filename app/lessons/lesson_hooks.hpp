// The lesson windows in the signature the explorer's Learn menu registers
// (app/views/main_menu.cpp, one {title, function} line each): every hook draws
// one window of the app-wide Lessons object (lessons.hpp), on the demo model or
// on the explorer's selected tensor.
#pragma once

#include "app/views/view_common.hpp"

namespace qs::app {

void draw_lesson_formats(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_scale(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_symmetric(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_clipping(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_rounding(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_granularity(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_nonuniform(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_outliers(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_mixed(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_why(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_accuracy(const ViewInput& in, bool* open, Intents& out);
void draw_lesson_qat(const ViewInput& in, bool* open, Intents& out);

}  // namespace qs::app
