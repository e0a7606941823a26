// The headless backend: an EGL surfaceless context (Mesa, no X server) with
// OpenGL 3.3 core, rendering into an RGBA8 FBO of a fixed size. Used by
// --headless scripts and --render-png. Input comes only from scripts (no
// events); delta time is whatever the app sets (a fixed dt).
// Recipe: /work/shared/gui-headless.md "Rendering without any X server".
#include "app/platform/gl.hpp"
#include "app/platform/platform.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLFW/glfw3.h>  // key codes only: the same io.KeyMap as the GLFW backend
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>

namespace qs::app {

namespace {

class EglPlatform final : public Platform {
public:
    EglPlatform(EGLDisplay d, EGLContext c, int w, int h) : dpy_(d), ctx_(c), w_(w), h_(h) {
        glGenFramebuffers(1, &fbo_);
        glGenTextures(1, &tex_);
        glBindTexture(GL_TEXTURE_2D, tex_);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w_, h_, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex_, 0);
        complete_ = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    }
    ~EglPlatform() override {
        glDeleteFramebuffers(1, &fbo_);
        glDeleteTextures(1, &tex_);
        eglMakeCurrent(dpy_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(dpy_, ctx_);
        eglTerminate(dpy_);
    }
    bool complete() const { return complete_; }
    const char* name() const override { return "egl"; }
    bool should_close() const override { return close_; }
    void request_close() override { close_ = true; }
    bool init_imgui() override {
        ImGuiIO& io = ImGui::GetIO();
        io.BackendPlatformName = "quantscope_egl_headless";
        // The same key indices as imgui_impl_glfw, so shortcuts behave identically.
        const std::pair<ImGuiKey, int> keys[] = {
            {ImGuiKey_Tab, GLFW_KEY_TAB},         {ImGuiKey_LeftArrow, GLFW_KEY_LEFT},
            {ImGuiKey_RightArrow, GLFW_KEY_RIGHT}, {ImGuiKey_UpArrow, GLFW_KEY_UP},
            {ImGuiKey_DownArrow, GLFW_KEY_DOWN},  {ImGuiKey_PageUp, GLFW_KEY_PAGE_UP},
            {ImGuiKey_PageDown, GLFW_KEY_PAGE_DOWN}, {ImGuiKey_Home, GLFW_KEY_HOME},
            {ImGuiKey_End, GLFW_KEY_END},         {ImGuiKey_Insert, GLFW_KEY_INSERT},
            {ImGuiKey_Delete, GLFW_KEY_DELETE},   {ImGuiKey_Backspace, GLFW_KEY_BACKSPACE},
            {ImGuiKey_Space, GLFW_KEY_SPACE},     {ImGuiKey_Enter, GLFW_KEY_ENTER},
            {ImGuiKey_Escape, GLFW_KEY_ESCAPE},   {ImGuiKey_KeyPadEnter, GLFW_KEY_KP_ENTER},
            {ImGuiKey_A, GLFW_KEY_A},             {ImGuiKey_C, GLFW_KEY_C},
            {ImGuiKey_V, GLFW_KEY_V},             {ImGuiKey_X, GLFW_KEY_X},
            {ImGuiKey_Y, GLFW_KEY_Y},             {ImGuiKey_Z, GLFW_KEY_Z}};
        for (auto [k, v] : keys) io.KeyMap[k] = v;
        return ImGui_ImplOpenGL3_Init("#version 330 core");
    }
    void shutdown_imgui() override { ImGui_ImplOpenGL3_Shutdown(); }
    void new_frame(double) override {
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(float(w_), float(h_));
        io.DisplayFramebufferScale = ImVec2(1, 1);
        if (io.DeltaTime <= 0) io.DeltaTime = 1.0f / 60.0f;
        ImGui_ImplOpenGL3_NewFrame();
    }
    void render(ImDrawData* data, ImVec4 c) override {
        glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
        glViewport(0, 0, w_, h_);
        glClearColor(c.x, c.y, c.z, c.w);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(data);
    }
    Image read_pixels() override {
        Image img;
        img.width = w_;
        img.height = h_;
        img.rgba.resize(size_t(w_) * size_t(h_) * 4);
        glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
        glPixelStorei(GL_PACK_ALIGNMENT, 1);
        glReadPixels(0, 0, w_, h_, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
        const size_t row = size_t(w_) * 4;
        for (int y = 0; y < h_ / 2; ++y)
            std::swap_ranges(img.rgba.begin() + long(size_t(y) * row), img.rgba.begin() + long(size_t(y + 1) * row),
                             img.rgba.begin() + long(size_t(h_ - 1 - y) * row));
        return img;
    }
    void present() override { glFinish(); }
    int width() const override { return w_; }
    int height() const override { return h_; }
    float content_scale() const override { return 1.0f; }
    std::vector<std::string> take_dropped_files() override { return {}; }
    void wake() override {}
    void set_title(const std::string&) override {}

private:
    EGLDisplay dpy_;
    EGLContext ctx_;
    int w_, h_;
    GLuint fbo_ = 0, tex_ = 0;
    bool complete_ = false;
    bool close_ = false;
};

}  // namespace

std::unique_ptr<Platform> make_egl_platform(int width, int height, std::string& error) {
    auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (!get_display) {
        error = "EGL: eglGetPlatformDisplayEXT is missing (needs Mesa's EGL)";
        return nullptr;
    }
    EGLDisplay dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    EGLint major = 0, minor = 0;
    if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor)) {
        error = "EGL: cannot initialise the surfaceless platform (error 0x" + std::to_string(eglGetError()) + ")";
        return nullptr;
    }
    if (!eglBindAPI(EGL_OPENGL_API)) {
        error = "EGL: OpenGL API not available";
        eglTerminate(dpy);
        return nullptr;
    }
    const EGLint attrs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                            EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    EGLContext ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attrs);
    if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        error = "EGL: cannot create a surfaceless OpenGL 3.3 core context";
        if (ctx != EGL_NO_CONTEXT) eglDestroyContext(dpy, ctx);
        eglTerminate(dpy);
        return nullptr;
    }
    auto p = std::make_unique<EglPlatform>(dpy, ctx, width, height);
    if (!p->complete()) {
        error = "EGL: the offscreen framebuffer is incomplete";
        return nullptr;
    }
    return p;
}

}  // namespace qs::app
