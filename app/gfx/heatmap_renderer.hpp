// GPU side of the heatmaps: uploads pyramid levels as float textures (lazily,
// only the level a zoom needs), runs shaders/heatmap.{vert,frag} into an RGBA8
// texture per on-screen slot, and hands that texture to ImGui::Image.
// Textures of pyramids no longer drawn are freed after a few seconds.
#pragma once

#include "app/platform/gl.hpp"
#include "app/state/colormap.hpp"
#include "app/worker/heatmap_data.hpp"

#include <imgui.h>

#include <memory>
#include <string>
#include <vector>

namespace qs::app {

struct HeatmapDraw {
    const std::shared_ptr<const Pyramid>* pyramid = nullptr;
    int level = 0;
    double c0 = 0, r0 = 0, c1 = 1, r1 = 1;  // visible rectangle in elements
    Colormap cmap = Colormap::Viridis;
    bool diverging = false;                  // centred range
    int mode = 0;                            // 0 block max, 1 block extreme
    float vmin = 0, vmax = 1, center = 0;
    ImVec4 background{0, 0, 0, 1};
    ImVec4 nan_color{1, 0, 1, 1};
};

class HeatmapRenderer {
public:
    HeatmapRenderer() = default;
    ~HeatmapRenderer();
    HeatmapRenderer(const HeatmapRenderer&) = delete;
    HeatmapRenderer& operator=(const HeatmapRenderer&) = delete;

    bool init(std::string& error);  // compiles the shaders; needs a current GL context
    int max_texture_size() const { return max_tex_; }
    // Renders into slot `slot`'s target of w x h pixels. Returns the texture for
    // ImGui::Image (uv (0,1)-(1,0)), or nullptr with `error` set (e.g. GL out of memory).
    ImTextureID draw(int slot, const HeatmapDraw& d, int w, int h, std::string& error);
    // Frees textures unused for a while; call once per frame.
    void end_frame();
    uint64_t uploaded_bytes() const { return uploaded_bytes_; }

private:
    struct LevelTex {
        GLuint lo = 0, hi = 0;  // level 0: lo == hi
        uint64_t bytes = 0;
    };
    struct Entry {
        std::weak_ptr<const Pyramid> pyramid;
        const Pyramid* key = nullptr;
        std::vector<LevelTex> levels;
        uint64_t last_used = 0;
    };
    struct Target {
        GLuint fbo = 0, tex = 0;
        int w = 0, h = 0;
    };
    Entry& entry_for(const std::shared_ptr<const Pyramid>& p);
    bool upload(Entry& e, int level, std::string& error);
    void free_entry(Entry& e);

    GLuint program_ = 0, vao_ = 0;
    GLuint lut_[2] = {0, 0};
    GLint u_lo_ = -1, u_hi_ = -1, u_view_ = -1, u_size0_ = -1, u_block_ = -1, u_range_ = -1, u_lut_ = -1,
          u_div_ = -1, u_mode_ = -1, u_bg_ = -1, u_nan_ = -1;
    int max_tex_ = 0;
    std::vector<Entry> entries_;
    std::vector<Target> targets_;
    uint64_t frame_ = 0;
    uint64_t uploaded_bytes_ = 0;
};

}  // namespace qs::app
