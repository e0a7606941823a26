// What the session's GUI parts share between frames: the File menu's "Restore last
// session" item, and the notice for models whose file changed on disk (with the
// Reopen button). Written by app/ui/session_glue.cpp and app/views/session_view.cpp.
#pragma once

#include "app/state/intents.hpp"

#include <imgui.h>

#include <string>
#include <vector>

namespace qs::app {

struct SessionUi {
    bool can_restore = false;        // a saved session exists and was not restored yet
    std::string saved_at;            // when it was saved (menu tooltip)
    bool restore_requested = false;  // File > Restore last session was clicked
    struct Changed {
        ModelId model = 0;
        std::string text;            // what changed, from MappedFile::check_unchanged()
        bool dismissed = false;
    };
    std::vector<Changed> changed;    // open models whose file changed on disk
    ModelId reopen_requested = 0;
    ImVec2 reopen_button{-1, -1};    // centre of the first Reopen button drawn (scripts click it)
};

}  // namespace qs::app
