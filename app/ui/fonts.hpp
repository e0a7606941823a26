// The UI font: DejaVu Sans from fonts-dejavu-core (readable on a projector),
// or ImGui's built-in font when the file is missing. The atlas is rebuilt at
// the exact pixel size when the UI scale or the window's content scale changes
// (Ctrl +/-), so text stays sharp instead of being stretched.
#pragma once

#include <string>

namespace qs::app {

struct FontState {
    float built_px = 0.0f;   // size the atlas holds
    std::string file;        // the TTF used ("" = built-in)
};

inline constexpr float kBaseFontPx = 15.0f;
inline constexpr const char* kDejaVuSans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Rebuilds the atlas when `px` differs from what is built. Call before
// ImGui::NewFrame(). Returns true when it rebuilt.
bool ensure_font(FontState& fs, float px);

}  // namespace qs::app
