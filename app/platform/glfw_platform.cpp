// The interactive backend: a GLFW window with an OpenGL 3.3 core context and
// ImGui's GLFW + OpenGL3 backends. Drag-and-drop of files goes through
// glfwSetDropCallback; worker threads wake the loop with glfwPostEmptyEvent.
#include "app/platform/gl.hpp"
#include "app/platform/platform.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <mutex>

namespace qs::app {

namespace {

// GLFW reports errors through a C callback with no user pointer; this is the
// one place that needs file-level state, and it is written only before a
// window exists (start-up diagnostics).
std::string g_last_glfw_error;
void on_glfw_error(int code, const char* what) { g_last_glfw_error = std::to_string(code) + " " + what; }

class GlfwPlatform final : public Platform {
public:
    explicit GlfwPlatform(GLFWwindow* w) : win_(w) {
        glfwSetWindowUserPointer(win_, this);
        glfwSetDropCallback(win_, [](GLFWwindow* w, int n, const char** paths) {
            auto* self = static_cast<GlfwPlatform*>(glfwGetWindowUserPointer(w));
            std::lock_guard lock(self->mu_);
            for (int i = 0; i < n; ++i) self->dropped_.emplace_back(paths[i]);
        });
    }
    ~GlfwPlatform() override {
        glfwDestroyWindow(win_);
        glfwTerminate();
    }
    const char* name() const override { return "glfw"; }
    bool should_close() const override { return glfwWindowShouldClose(win_); }
    void request_close() override { glfwSetWindowShouldClose(win_, GLFW_TRUE); }
    bool init_imgui() override {
        return ImGui_ImplGlfw_InitForOpenGL(win_, true) && ImGui_ImplOpenGL3_Init("#version 330 core");
    }
    void shutdown_imgui() override {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
    }
    void new_frame(double wait_s) override {
        if (wait_s > 0) glfwWaitEventsTimeout(wait_s);
        else glfwPollEvents();
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
    }
    void render(ImDrawData* data, ImVec4 c) override {
        glfwGetFramebufferSize(win_, &fb_w_, &fb_h_);
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glViewport(0, 0, fb_w_, fb_h_);
        glClearColor(c.x, c.y, c.z, c.w);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(data);
    }
    Image read_pixels() override {
        Image img;
        img.width = fb_w_;
        img.height = fb_h_;
        img.rgba.resize(size_t(fb_w_) * size_t(fb_h_) * 4);
        glPixelStorei(GL_PACK_ALIGNMENT, 1);
        glReadBuffer(GL_BACK);
        glReadPixels(0, 0, fb_w_, fb_h_, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
        flip_rows(img);
        return img;
    }
    void present() override { glfwSwapBuffers(win_); }
    int width() const override {
        int w, h;
        glfwGetFramebufferSize(win_, &w, &h);
        return w;
    }
    int height() const override {
        int w, h;
        glfwGetFramebufferSize(win_, &w, &h);
        return h;
    }
    float content_scale() const override {
        float x = 1, y = 1;
        glfwGetWindowContentScale(win_, &x, &y);
        return x > 0 ? x : 1.0f;
    }
    std::vector<std::string> take_dropped_files() override {
        std::lock_guard lock(mu_);
        std::vector<std::string> out;
        out.swap(dropped_);
        return out;
    }
    void wake() override { glfwPostEmptyEvent(); }
    void set_title(const std::string& t) override { glfwSetWindowTitle(win_, t.c_str()); }

    static void flip_rows(Image& img) {
        const size_t row = size_t(img.width) * 4;
        for (int y = 0; y < img.height / 2; ++y)
            std::swap_ranges(img.rgba.begin() + long(size_t(y) * row), img.rgba.begin() + long(size_t(y + 1) * row),
                             img.rgba.begin() + long(size_t(img.height - 1 - y) * row));
    }

private:
    GLFWwindow* win_;
    int fb_w_ = 0, fb_h_ = 0;
    std::mutex mu_;
    std::vector<std::string> dropped_;
};

}  // namespace

std::unique_ptr<Platform> make_glfw_platform(int width, int height, std::string& error) {
    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
        error = g_last_glfw_error.empty() ? "glfwInit failed" : g_last_glfw_error;
        return nullptr;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);  // high-DPI: a larger window where the desktop scales
    GLFWwindow* w = glfwCreateWindow(width, height, "quantscope", nullptr, nullptr);
    if (!w) {
        error = "cannot create an OpenGL 3.3 window (" + g_last_glfw_error + ")";
        glfwTerminate();
        return nullptr;
    }
    glfwMakeContextCurrent(w);
    glfwSwapInterval(1);
    return std::make_unique<GlfwPlatform>(w);
}

}  // namespace qs::app
