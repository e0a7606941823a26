// The app-wide Lessons object and its start-up options from the environment
// (lessons.hpp: app_lessons()).
#include "app/lessons/lessons.hpp"

#include <cstdlib>
#include <string>

namespace qs::app::lessons {

Lessons& app_lessons() {
    static Lessons l;
    static const bool configured = [] {
        if (const char* p = std::getenv("QUANTSCOPE_PRESENTER")) l.set_presenter(std::string(p) == "1");
        return true;
    }();
    (void)configured;
    return l;
}

}  // namespace qs::app::lessons
