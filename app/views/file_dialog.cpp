// A small file dialog (ImGui has none, Debian packages none): a folder
// listing with folders first, only model files by default, a path field, and
// a file name field when saving. Confirming turns into the intent the dialog
// was opened for (open a model, export a CSV/PNG/spec).
#include "app/views/views.hpp"

#include "core/util/units.hpp"

#include <imgui_stdlib.h>

#include <filesystem>

namespace qs::app {

namespace {

const char* title_for(DialogPurpose p) {
    switch (p) {
        case DialogPurpose::OpenModel: return "Open a model###filedlg";
        case DialogPurpose::CsvHistogram: return "Save the histogram as CSV###filedlg";
        case DialogPurpose::CsvGroups: return "Save per-group data as CSV###filedlg";
        case DialogPurpose::CsvMetrics: return "Save the metrics as CSV###filedlg";
        case DialogPurpose::CsvSweep: return "Save the whole-model table as CSV###filedlg";
        case DialogPurpose::SpecJson: return "Save the spec as JSON###filedlg";
        case DialogPurpose::Png: return "Save a PNG of the view###filedlg";
    }
    return "File###filedlg";
}

void confirm(const FileDialogUi& ui, const std::string& path, Intents& out) {
    switch (ui.purpose) {
        case DialogPurpose::OpenModel: out.push_back(intent::OpenFile{path}); break;
        case DialogPurpose::CsvHistogram: out.push_back(intent::ExportCsv{CsvExport::Histogram, path}); break;
        case DialogPurpose::CsvGroups: out.push_back(intent::ExportCsv{CsvExport::Groups, path}); break;
        case DialogPurpose::CsvMetrics: out.push_back(intent::ExportCsv{CsvExport::Metrics, path}); break;
        case DialogPurpose::CsvSweep: out.push_back(intent::ExportCsv{CsvExport::Sweep, path}); break;
        case DialogPurpose::SpecJson: out.push_back(intent::ExportSpecJson{path}); break;
        case DialogPurpose::Png: out.push_back(intent::ExportPng{ui.png_view, path}); break;
    }
}

void go(FileDialogUi& ui, const std::filesystem::path& dir) {
    ui.dir = dir.lexically_normal().string();
    ui.path_edit = ui.dir;
    ui.listing_valid = false;
    ui.selected = -1;
}

}  // namespace

void draw_file_dialog(const ViewInput& in, FileDialogUi& ui, Intents& out) {
    namespace fs = std::filesystem;
    const char* title = title_for(ui.purpose);
    if (ui.open_requested) {
        ui.open_requested = false;
        if (ui.dir.empty()) {
            std::error_code ec;
            go(ui, fs::current_path(ec));
        }
        ui.save = ui.purpose != DialogPurpose::OpenModel;
        ui.only_models = !ui.save;
        ui.listing_valid = false;
        if (ui.save && ui.name.empty()) ui.name = ui.purpose == DialogPurpose::Png ? "quantscope.png"
                                                  : ui.purpose == DialogPurpose::SpecJson ? "spec.json"
                                                                                          : "quantscope.csv";
        ImGui::OpenPopup(title);
    }
    const ImVec2 size(std::min(ImGui::GetIO().DisplaySize.x * 0.8f, ImGui::GetFontSize() * 48),
                      std::min(ImGui::GetIO().DisplaySize.y * 0.8f, ImGui::GetFontSize() * 32));
    ImGui::SetNextWindowSize(size, ImGuiCond_Appearing);
    ImGui::SetNextWindowPos(ImGui::GetIO().DisplaySize * 0.5f, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal(title, nullptr)) return;
    if (!ui.listing_valid) {
        ui.listing = list_dir(ui.dir, ui.show_hidden, ui.only_models);
        ui.listing_valid = true;
    }
    // Path bar: Up, Home, an editable path (Enter goes there or opens a file).
    if (ImGui::Button("Up")) go(ui, fs::path(ui.dir).parent_path());
    ImGui::SameLine();
    if (ImGui::Button("Home")) {
        if (const char* h = std::getenv("HOME")) go(ui, h);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    if (ImGui::InputText("##path", &ui.path_edit, ImGuiInputTextFlags_EnterReturnsTrue)) {
        std::error_code ec;
        if (fs::is_directory(ui.path_edit, ec)) go(ui, ui.path_edit);
        else if (!ui.save && fs::exists(ui.path_edit, ec)) {
            confirm(ui, ui.path_edit, out);
            ImGui::CloseCurrentPopup();
        }
    }
    if (ImGui::Checkbox("model files only", &ui.only_models)) ui.listing_valid = false;
    ImGui::SameLine();
    if (ImGui::Checkbox("hidden files", &ui.show_hidden)) ui.listing_valid = false;
    if (!ui.listing.error.empty()) ImGui::TextColored(in.pal.bad, "%s", ui.listing.error.c_str());

    const float footer = ImGui::GetFrameHeightWithSpacing() * (ui.save ? 2.2f : 1.2f);
    std::string chosen;
    if (ImGui::BeginTable("entries", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV,
                          ImVec2(0, -footer))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6);
        ImGui::TableHeadersRow();
        for (int i = 0; i < int(ui.listing.entries.size()); ++i) {
            const DirEntry& e = ui.listing.entries[size_t(i)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const std::string label = (e.is_dir ? "[dir] " : "") + e.name;
            if (ImGui::Selectable(label.c_str(), ui.selected == i,
                                  ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
                ui.selected = i;
                if (!e.is_dir && ui.save) ui.name = e.name;
                if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
                    if (e.is_dir) chosen = "\x01" + e.name;  // enter the folder after the loop
                    else chosen = (fs::path(ui.dir) / e.name).string();
                }
            }
            ImGui::TableNextColumn();
            if (!e.is_dir) ImGui::TextDisabled("%s", human_bytes(e.size).c_str());
        }
        if (ui.listing.entries.empty() && ui.listing.error.empty())
            ImGui::TextDisabled(ui.only_models ? "no model files here" : "empty folder");
        ImGui::EndTable();
    }
    if (!chosen.empty() && chosen[0] == '\x01') {
        go(ui, fs::path(ui.dir) / chosen.substr(1));
        chosen.clear();
    }
    if (ui.save) {
        ImGui::SetNextItemWidth(-1);
        if (ImGui::InputTextWithHint("##name", "file name", &ui.name, ImGuiInputTextFlags_EnterReturnsTrue) &&
            !ui.name.empty())
            chosen = (fs::path(ui.dir) / ui.name).string();
    }
    const bool can = ui.save ? !ui.name.empty()
                             : (ui.selected >= 0 && ui.selected < int(ui.listing.entries.size()) &&
                                !ui.listing.entries[size_t(ui.selected)].is_dir);
    ImGui::BeginDisabled(!can);
    if (ImGui::Button(ui.save ? "Save" : "Open")) {
        chosen = ui.save ? (fs::path(ui.dir) / ui.name).string()
                         : (fs::path(ui.dir) / ui.listing.entries[size_t(ui.selected)].name).string();
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    if (!chosen.empty()) {
        confirm(ui, chosen, out);
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

}  // namespace qs::app
