// The platform layer: one small interface, two backends.
//   glfw_platform.cpp  a GLFW window with an OpenGL 3.3 core context (interactive, and tests under Xvfb)
//   egl_platform.cpp   an EGL surfaceless context rendering into an FBO (no X at all: --headless, --render-png)
// Views never see it; app/ui/app.cpp drives it once per frame.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qs::app {

struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;  // rows top-down
};

class Platform {
public:
    virtual ~Platform() = default;
    virtual const char* name() const = 0;
    virtual bool should_close() const = 0;
    virtual void request_close() = 0;
    // Installs the ImGui platform/renderer backends (the ImGui context must exist).
    virtual bool init_imgui() = 0;
    virtual void shutdown_imgui() = 0;
    // Processes events (waiting up to wait_s seconds for one when > 0) and
    // starts the backend's frame: display size, delta time, input.
    virtual void new_frame(double wait_s) = 0;
    // Renders the ImGui draw data into the back buffer / FBO.
    virtual void render(ImDrawData* data, ImVec4 clear) = 0;
    // The frame just rendered (call after render(), before present()).
    virtual Image read_pixels() = 0;
    virtual void present() = 0;
    virtual int width() const = 0;   // framebuffer pixels
    virtual int height() const = 0;
    virtual float content_scale() const = 0;  // 1 on a standard-DPI screen
    virtual std::vector<std::string> take_dropped_files() = 0;
    virtual void wake() = 0;  // thread-safe: ends a new_frame() wait early
    virtual void set_title(const std::string& title) = 0;
};

// On failure: nullptr and `error` says why in one line.
std::unique_ptr<Platform> make_glfw_platform(int width, int height, std::string& error);
std::unique_ptr<Platform> make_egl_platform(int width, int height, std::string& error);

// Writes an RGBA image as PNG (stb_image_write); false on failure.
bool write_png(const std::string& path, const Image& img);
// Crops an image to a rectangle (clamped to the image).
Image crop(const Image& img, int x, int y, int w, int h);

}  // namespace qs::app
