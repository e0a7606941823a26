// The app-wide Lessons object and its start-up options from the environment
// (lessons.hpp: app_lessons()).
#include "app/lessons/lessons.hpp"

#include <cstdlib>
#include <sstream>

namespace qs::app::lessons {

Lessons& app_lessons() {
    static Lessons l;
    static const bool configured = [] {
        if (const char* names = std::getenv("QUANTSCOPE_LESSONS")) {
            std::stringstream ss(names);
            std::string name;
            while (std::getline(ss, name, ',')) {
                LessonId id{};
                bool all = false;
                if (!lesson_from_name(name, id, all)) continue;
                if (all)
                    for (int i = 0; i < int(LessonId::Count); ++i) l.open(LessonId(i));
                else
                    l.open(id);
            }
        }
        if (const char* p = std::getenv("QUANTSCOPE_PRESENTER")) l.set_presenter(std::string(p) == "1");
        return true;
    }();
    (void)configured;
    return l;
}

}  // namespace qs::app::lessons
