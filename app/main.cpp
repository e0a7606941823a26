// quantscope: the GUI. A GLFW window with Dear ImGui; the model browser lists
// the tensors of the models given on the command line.
#include "core/io/open_model.hpp"
#include "core/io/summary.hpp"
#include "core/util/units.hpp"

#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Args {
    std::vector<std::string> files;
    int frames = -1;            // run this many frames then exit (tests)
    std::string screenshot;     // write the last frame here (tests)
};

std::string g_glfw_error;  // set by the GLFW error callback, read once at start-up

void on_glfw_error(int code, const char* what) { g_glfw_error = std::to_string(code) + " " + what; }

bool parse_args(int argc, char** argv, Args& a) {
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--frames" && i + 1 < argc) a.frames = std::atoi(argv[++i]);
        else if (s == "--screenshot" && i + 1 < argc) a.screenshot = argv[++i];
        else if (s == "-h" || s == "--help") {
            std::printf("usage: quantscope [FILE...] [--frames N] [--screenshot out.png]\n");
            return false;
        } else a.files.push_back(s);
    }
    return true;
}

void save_png(const std::string& path, int w, int h) {
    std::vector<unsigned char> px(size_t(w) * h * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    stbi_flip_vertically_on_write(1);
    stbi_write_png(path.c_str(), w, h, 4, px.data(), w * 4);
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parse_args(argc, argv, args)) return 0;

    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
        const char* d = std::getenv("DISPLAY");
        std::fprintf(stderr,
                     "quantscope: needs a display (DISPLAY=%s; %s). Run it on a desktop, under `xvfb-run -a "
                     "quantscope ...`, or use quantscope-cli for headless work.\n",
                     d ? d : "unset", g_glfw_error.c_str());
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    GLFWwindow* win = glfwCreateWindow(1280, 800, "quantscope", nullptr, nullptr);
    if (!win) {
        std::fprintf(stderr, "quantscope: cannot create an OpenGL 3.3 window (%s)\n", g_glfw_error.c_str());
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(win);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForOpenGL(win, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");

    std::vector<qs::io::ModelIndex> models;
    std::vector<std::string> errors;
    for (const auto& f : args.files) {
        auto m = qs::io::open_model(f);
        if (m) models.push_back(std::move(*m));
        else errors.push_back(m.message());
    }

    for (int frame = 0; !glfwWindowShouldClose(win) && (args.frames < 0 || frame < args.frames); ++frame) {
        glfwPollEvents();
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();

        int w, h;
        glfwGetFramebufferSize(win, &w, &h);
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize({float(w), float(h)});
        ImGui::Begin("Model browser", nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoMove);
        for (const auto& e : errors) ImGui::TextColored({1, 0.4f, 0.4f, 1}, "%s", e.c_str());
        if (models.empty() && errors.empty()) ImGui::TextUnformatted("No model open. Run: quantscope FILE");
        for (const auto& m : models) {
            ImGui::Text("%s  (%s, %zu tensors, %s params, %s)", m.path.c_str(), m.format.c_str(), m.tensors.size(),
                        qs::human_count(m.total_params()).c_str(), qs::human_bytes(m.total_bytes()).c_str());
            if (ImGui::BeginTable(m.path.c_str(), 4,
                                  ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders | ImGuiTableFlags_Resizable)) {
                ImGui::TableSetupColumn("name");
                ImGui::TableSetupColumn("shape");
                ImGui::TableSetupColumn("dtype");
                ImGui::TableSetupColumn("size");
                ImGui::TableHeadersRow();
                for (const auto& t : m.tensors) {
                    ImGui::TableNextRow();
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(t.name.c_str());
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(qs::io::shape_string(t.shape).c_str());
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(std::string(qs::io::dtype_name(t.dtype)).c_str());
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(qs::human_bytes(qs::io::stored_bytes(t)).c_str());
                }
                ImGui::EndTable();
            }
        }
        ImGui::End();

        ImGui::Render();
        glViewport(0, 0, w, h);
        glClearColor(0.1f, 0.1f, 0.12f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        if (!args.screenshot.empty() && args.frames >= 0 && frame == args.frames - 1) save_png(args.screenshot, w, h);
        glfwSwapBuffers(win);
    }

    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win);
    glfwTerminate();
    return 0;
}
