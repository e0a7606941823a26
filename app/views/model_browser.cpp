// The Models window: one tab per open model; its tensors as a tree by name
// prefix with a filter and sortable columns (shape, dtype, params, size), and
// its metadata. Loading and failed models show their state; clicking a tensor
// asks to select it.
#include "app/views/views.hpp"

#include "app/views/anomaly_view.hpp"

#include "core/io/summary.hpp"
#include "core/util/units.hpp"

#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>
#include <cctype>
#include <fmt/format.h>

namespace qs::app {

namespace {

const BrowserModelCache& tree_for(BrowserUi& ui, const io::ModelIndex& m) {
    BrowserModelCache* c = nullptr;
    for (auto& e : ui.caches)
        if (e.index == &m) c = &e;
    if (!c) {
        ui.caches.push_back({});
        c = &ui.caches.back();
        c->index = &m;
        c->tree = build_tensor_tree(m);
        c->sort = TreeSort::File;  // forces the first sort below
        c->filter = "\x01";
    }
    if (c->sort != ui.sort || c->desc != ui.desc) {
        sort_tree(c->tree, m, ui.sort, ui.desc);
        c->sort = ui.sort;
        c->desc = ui.desc;
    }
    if (c->filter != ui.filter) {
        c->visible = filter_tree(c->tree, m, ui.filter);
        c->filter = ui.filter;
    }
    return *c;
}

struct TreeDraw {
    const ViewInput& in;
    const OpenModel& om;
    const BrowserModelCache& cache;
    bool filtering;
    bool reveal;                // open the groups leading to the selection
    const std::string* selected_name;
    Intents& out;

    void node(uint32_t i) {
        const TreeNode& n = cache.tree.nodes[i];
        if (!cache.visible[i]) return;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        const io::ModelIndex& m = *om.index;
        if (n.tensor >= 0) {
            const auto& t = m.tensors[size_t(n.tensor)];
            const bool sel = in.s.selection.model == om.id && in.s.selection.tensor == n.tensor;
            ImGuiTreeNodeFlags fl = ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen |
                                    ImGuiTreeNodeFlags_SpanFullWidth;
            if (sel) fl |= ImGuiTreeNodeFlags_Selected;
            ImGui::PushID(int(n.tensor));
            ImGui::TreeNodeEx("##t", fl, "%s", n.label.c_str());
            if (ImGui::IsItemClicked() && !sel) out.push_back(intent::SelectTensor{om.id, n.tensor});
            draw_anomaly_badge(in, om.id, n.tensor);
            if (sel && reveal) ImGui::SetScrollHereY(0.5f);
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::TextUnformatted(t.name.c_str());
                ImGui::TextDisabled("%s  %s  %s params  %s", io::shape_string(t.shape).c_str(),
                                    std::string(io::dtype_name(t.dtype)).c_str(), human_count(t.numel()).c_str(),
                                    human_bytes(io::stored_bytes(t)).c_str());
                anomaly_tooltip_lines(in, om.id, n.tensor);
                ImGui::EndTooltip();
            }
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(io::shape_string(t.shape).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(std::string(io::dtype_name(t.dtype)).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_count(n.params).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_bytes(n.bytes).c_str());
            return;
        }
        if (filtering) ImGui::SetNextItemOpen(true);
        else if (reveal && selected_name && selected_name->compare(0, n.prefix.size(), n.prefix) == 0)
            ImGui::SetNextItemOpen(true);
        ImGui::PushID(int(i));
        const bool open = ImGui::TreeNodeEx("##g", ImGuiTreeNodeFlags_SpanFullWidth, "%s", n.label.c_str());
        ImGui::PopID();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%llu tensors", (unsigned long long)n.count);
        ImGui::TableNextColumn();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", human_count(n.params).c_str());
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", human_bytes(n.bytes).c_str());
        if (open) {
            for (uint32_t c : n.children) node(c);
            ImGui::TreePop();
        }
    }
};

void draw_tensors(const ViewInput& in, const OpenModel& om, BrowserUi& ui, Intents& out) {
    const io::ModelIndex& m = *om.index;
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##filter", "filter tensors (e.g. layers.3 q_proj)", &ui.filter);
    const BrowserModelCache& cache = tree_for(ui, m);
    // The name column stays visible (frozen) while the others scroll sideways in a narrow window.
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                               ImGuiTableFlags_Sortable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                               ImGuiTableFlags_Hideable;
    if (!ImGui::BeginTable("tensors", 5, tf, ImVec2(0, 0))) return;
    const float em = ImGui::GetFontSize();
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_DefaultSort |
                                        ImGuiTableColumnFlags_NoHide,
                            std::max(em * 11.0f, ImGui::GetContentRegionAvail().x * 0.68f));
    ImGui::TableSetupColumn("shape", ImGuiTableColumnFlags_WidthFixed, em * 6.5f);
    ImGui::TableSetupColumn("dtype", ImGuiTableColumnFlags_WidthFixed, em * 3.2f);
    ImGui::TableSetupColumn("params", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.0f);
    ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
                            em * 4.5f);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs(); ss && ss->SpecsDirty) {
        if (ss->SpecsCount > 0) {
            const TreeSort keys[] = {TreeSort::Name, TreeSort::Shape, TreeSort::DType, TreeSort::Params, TreeSort::Size};
            ui.sort = keys[std::clamp(int(ss->Specs[0].ColumnIndex), 0, 4)];
            ui.desc = ss->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        }
        ss->SpecsDirty = false;
    }
    const bool reveal = in.s.selection.model == om.id &&
                        (ui.last_selected != in.s.selection.tensor || ui.last_selected_model != om.id);
    const std::string* sel_name = nullptr;
    if (in.s.selection.model == om.id && in.s.selected_info()) sel_name = &in.s.selected_info()->name;
    TreeDraw td{in, om, cache, !ui.filter.empty(), reveal, sel_name, out};
    if (!cache.visible.empty() && !cache.visible[0]) ImGui::TextDisabled("No tensor matches the filter.");
    for (uint32_t c : cache.tree.nodes[0].children) td.node(c);
    ImGui::EndTable();
    if (in.s.selection.model == om.id) {
        ui.last_selected = in.s.selection.tensor;
        ui.last_selected_model = om.id;
    }
}

void draw_metadata(const OpenModel& om, BrowserUi& ui) {
    const io::ModelIndex& m = *om.index;
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##mfilter", "filter metadata", &ui.meta_filter);
    if (m.metadata.empty()) {
        ImGui::TextDisabled("This file has no metadata.");
        return;
    }
    const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                               ImGuiTableFlags_ScrollY;
    if (!ImGui::BeginTable("meta", 3, tf)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6);
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch, 1.5f);
    ImGui::TableHeadersRow();
    std::string f = ui.meta_filter;
    std::transform(f.begin(), f.end(), f.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (const auto& e : m.metadata) {
        if (!f.empty()) {
            std::string k = e.key + " " + e.value;
            std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (k.find(f) == std::string::npos) continue;
        }
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.key.c_str());
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", e.type.c_str());
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", e.value.c_str());
    }
    ImGui::EndTable();
}

void draw_summary(const OpenModel& om) {
    const io::ModelIndex& m = *om.index;
    ImGui::Text("%s", m.path.c_str());
    ImGui::Text("format %s, %zu file(s), opened in %.0f ms", m.format.c_str(), m.files.size(), om.open_ms);
    ImGui::Text("%zu tensors, %s parameters, %s stored", m.tensors.size(), human_count(m.total_params()).c_str(),
                human_bytes(m.total_bytes()).c_str());
    ImGui::Separator();
    if (ImGui::BeginTable("bydtype", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("dtype");
        ImGui::TableSetupColumn("tensors");
        ImGui::TableSetupColumn("params");
        ImGui::TableSetupColumn("size");
        ImGui::TableHeadersRow();
        for (const auto& g : io::totals_by_dtype(m)) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(g.key.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%llu", (unsigned long long)g.tensors);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_count(g.params).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(human_bytes(g.bytes).c_str());
        }
        ImGui::EndTable();
    }
}

void draw_empty(const ViewInput& in, UiState& ui, Intents& out) {
    ImGui::Spacing();
    ImGui::TextWrapped("No model open.");
    ImGui::Spacing();
    if (ImGui::Button("Open a model...")) ui.file.open_requested = true;
    ImGui::TextDisabled("or drop a file here, or run `quantscope FILE`");
    ImGui::Spacing();
    ImGui::TextDisabled("safetensors, GGUF, ONNX, PyTorch, NumPy .npy/.npz");
    if (!in.s.settings.recent.empty()) {
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::TextDisabled("Recent");
        for (const auto& r : in.s.settings.recent)
            if (ImGui::Selectable(r.c_str())) out.push_back(intent::OpenFile{r});
    }
}

}  // namespace

void draw_model_browser(const ViewInput& in, UiState& ui, Intents& out) {
    ViewWindow w(in, ViewId::Models, out);
    if (!w) return;
    if (in.s.models.empty()) {
        draw_empty(in, ui, out);
        return;
    }
    // Drop caches of closed models.
    std::erase_if(ui.browser.caches, [&](const BrowserModelCache& c) {
        for (const auto& m : in.s.models)
            if (m.index.get() == c.index) return false;
        return true;
    });
    if (!ImGui::BeginTabBar("models", ImGuiTabBarFlags_AutoSelectNewTabs | ImGuiTabBarFlags_FittingPolicyScroll)) return;
    for (const auto& om : in.s.models) {
        bool open = true;
        const std::string name = std::filesystem::path(om.path).filename().string() + "##" + std::to_string(om.id);
        // The state's shown model drives the active tab; a click on a tab asks to show it.
        ImGuiTabItemFlags flags = 0;
        if (in.s.shown_model == om.id && ui.browser.tab_synced != om.id) flags |= ImGuiTabItemFlags_SetSelected;
        const bool shown = ImGui::BeginTabItem(name.c_str(), &open, flags);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", om.path.c_str());
        if (!open) out.push_back(intent::CloseModel{om.id});
        if (!shown) continue;
        if (flags & ImGuiTabItemFlags_SetSelected) {
            ui.browser.tab_synced = om.id;
        } else if (ui.browser.tab_synced != om.id) {
            ui.browser.tab_synced = om.id;
            if (in.s.shown_model != om.id) out.push_back(intent::ShowModel{om.id});
        }
        if (om.state == OpenModel::State::Loading) {
            ImGui::TextDisabled("Opening %s ...", om.path.c_str());
        } else if (om.state == OpenModel::State::Failed) {
            ImGui::PushStyleColor(ImGuiCol_Text, in.pal.bad);
            ImGui::TextWrapped("%s", om.error.c_str());
            ImGui::PopStyleColor();
            if (ImGui::Button("Retry")) out.push_back(intent::OpenFile{om.path});
            ImGui::SameLine();
            if (ImGui::Button("Close")) out.push_back(intent::CloseModel{om.id});
        } else if (ImGui::BeginTabBar("sub")) {
            if (ImGui::BeginTabItem("Tensors")) {
                draw_tensors(in, om, ui.browser, out);
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("Metadata")) {
                draw_metadata(om, ui.browser);
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("Summary")) {
                draw_summary(om);
                ImGui::EndTabItem();
            }
            ImGui::EndTabBar();
        }
        ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
}

}  // namespace qs::app
