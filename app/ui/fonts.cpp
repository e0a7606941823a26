// Font atlas management; see fonts.hpp.
#include "app/ui/fonts.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace qs::app {

namespace {

// Latin, Greek (tensor names like "ρ") and the symbols used in labels (±, ×, Δ, ≤, ≥, …).
// The atlas keeps a pointer to this table, so it lives at namespace scope.
const ImWchar kGlyphRanges[] = {0x0020, 0x024F, 0x0370, 0x03FF, 0x2010, 0x2027, 0x2190, 0x21FF,
                                0x2200, 0x22FF, 0x25A0, 0x25FF, 0};

}  // namespace

bool ensure_font(FontState& fs, float px) {
    px = std::round(px);
    if (std::fabs(fs.built_px - px) < 0.5f) return false;
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFont* font = nullptr;
    std::error_code ec;
    if (std::filesystem::exists(kDejaVuSans, ec)) {
        ImFontConfig cfg;
        cfg.OversampleH = 2;
        cfg.OversampleV = 1;
        font = io.Fonts->AddFontFromFileTTF(kDejaVuSans, px, &cfg, kGlyphRanges);
        if (font) fs.file = kDejaVuSans;
    }
    if (!font) {
        ImFontConfig cfg;
        cfg.SizePixels = std::max(13.0f, std::round(px / 13.0f) * 13.0f);  // the pixel font scales by whole steps
        io.Fonts->AddFontDefault(&cfg);
        fs.file.clear();
    }
    io.Fonts->Build();
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
    fs.built_px = px;
    return true;
}

}  // namespace qs::app
