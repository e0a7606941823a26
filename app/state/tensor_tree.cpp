// Building, sorting and filtering the tensor tree; see tensor_tree.hpp.
#include "app/state/tensor_tree.hpp"

#include "core/io/summary.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace qs::app {

namespace {

std::vector<std::string_view> split_name(std::string_view name) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '.' || name[i] == '/') {
            if (i > start) parts.push_back(name.substr(start, i - start));
            start = i + 1;
        }
    }
    if (parts.empty()) parts.push_back(name);
    return parts;
}

// Merges a group with exactly one child into that child, bottom-up.
void compress(TensorTree& t, uint32_t i) {
    for (uint32_t& c : t.nodes[i].children) {
        compress(t, c);
        TreeNode& child = t.nodes[c];
        while (child.tensor < 0 && child.children.size() == 1) {
            const uint32_t g = child.children[0];
            TreeNode& grand = t.nodes[g];
            grand.label = child.label + "." + grand.label;
            c = g;
            break;
        }
    }
}

uint64_t aggregate(TensorTree& t, const io::ModelIndex& m, uint32_t i) {
    TreeNode& n = t.nodes[i];
    if (n.tensor >= 0) {
        const auto& info = m.tensors[size_t(n.tensor)];
        n.count = 1;
        n.params = info.numel();
        n.bytes = io::stored_bytes(info);
        n.first = uint64_t(n.tensor);
        return n.count;
    }
    n.count = n.params = n.bytes = 0;
    n.first = UINT64_MAX;
    for (uint32_t c : std::vector<uint32_t>(n.children)) {
        aggregate(t, m, c);
        const TreeNode& ch = t.nodes[c];
        t.nodes[i].count += ch.count;
        t.nodes[i].params += ch.params;
        t.nodes[i].bytes += ch.bytes;
        t.nodes[i].first = std::min(t.nodes[i].first, ch.first);
    }
    return t.nodes[i].count;
}

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o) c = char(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
        if (da && db) {
            size_t i2 = i, j2 = j;
            while (i2 < a.size() && a[i2] == '0') ++i2;
            while (j2 < b.size() && b[j2] == '0') ++j2;
            size_t ie = i2, je = j2;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
            if (ie - i2 != je - j2) return ie - i2 < je - j2;  // fewer digits = smaller number
            const int c = a.substr(i2, ie - i2).compare(b.substr(j2, je - j2));
            if (c != 0) return c < 0;
            if (ie - i != je - j) return ie - i < je - j;       // "01" after "1"
            i = ie;
            j = je;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

TensorTree build_tensor_tree(const io::ModelIndex& model) {
    TensorTree t;
    t.nodes.push_back({});
    // (parent, component) -> child group, to find existing groups quickly.
    std::map<std::pair<uint32_t, std::string>, uint32_t> groups;
    for (size_t ti = 0; ti < model.tensors.size(); ++ti) {
        const std::string& name = model.tensors[ti].name;
        const auto parts = split_name(name);
        uint32_t cur = 0;
        size_t consumed = 0;
        for (size_t p = 0; p + 1 < parts.size(); ++p) {
            consumed = size_t(parts[p].data() - name.data()) + parts[p].size();
            auto key = std::make_pair(cur, std::string(parts[p]));
            auto it = groups.find(key);
            if (it == groups.end()) {
                const uint32_t id = uint32_t(t.nodes.size());
                TreeNode g;
                g.label = std::string(parts[p]);
                g.prefix = name.substr(0, consumed);
                t.nodes.push_back(std::move(g));
                t.nodes[cur].children.push_back(id);
                it = groups.emplace(std::move(key), id).first;
            }
            cur = it->second;
        }
        TreeNode leaf;
        leaf.label = std::string(parts.back());
        leaf.prefix = name;
        leaf.tensor = int64_t(ti);
        const uint32_t id = uint32_t(t.nodes.size());
        t.nodes.push_back(std::move(leaf));
        t.nodes[cur].children.push_back(id);
    }
    compress(t, 0);
    aggregate(t, model, 0);
    return t;
}

void sort_tree(TensorTree& t, const io::ModelIndex& model, TreeSort key, bool descending) {
    auto less = [&](uint32_t a, uint32_t b) {
        const TreeNode& x = t.nodes[a];
        const TreeNode& y = t.nodes[b];
        auto by_name = [&] { return natural_less(x.label, y.label); };
        switch (key) {
            case TreeSort::Name: return by_name();
            case TreeSort::File: return x.first < y.first;
            case TreeSort::Params:
            case TreeSort::Shape:
                if (x.params != y.params) return x.params < y.params;
                return by_name();
            case TreeSort::Size:
                if (x.bytes != y.bytes) return x.bytes < y.bytes;
                return by_name();
            case TreeSort::DType: {
                const std::string_view dx = x.tensor >= 0 ? io::dtype_name(model.tensors[size_t(x.tensor)].dtype) : "";
                const std::string_view dy = y.tensor >= 0 ? io::dtype_name(model.tensors[size_t(y.tensor)].dtype) : "";
                if (dx != dy) return dx < dy;
                return by_name();
            }
        }
        return by_name();
    };
    for (auto& n : t.nodes) {
        std::stable_sort(n.children.begin(), n.children.end(),
                         [&](uint32_t a, uint32_t b) { return descending ? less(b, a) : less(a, b); });
    }
}

std::vector<uint8_t> filter_tree(const TensorTree& t, const io::ModelIndex& model, std::string_view filter) {
    std::vector<uint8_t> vis(t.nodes.size(), 1);
    std::vector<std::string> words;
    {
        const std::string f = lower(filter);
        size_t s = 0;
        for (size_t i = 0; i <= f.size(); ++i)
            if (i == f.size() || f[i] == ' ') {
                if (i > s) words.push_back(f.substr(s, i - s));
                s = i + 1;
            }
    }
    if (words.empty()) return vis;
    std::fill(vis.begin(), vis.end(), 0);
    // Post-order: a group is visible when a child is.
    auto visit = [&](auto&& self, uint32_t i) -> bool {
        const TreeNode& n = t.nodes[i];
        bool any = false;
        if (n.tensor >= 0) {
            const std::string name = lower(model.tensors[size_t(n.tensor)].name);
            any = std::all_of(words.begin(), words.end(), [&](const std::string& w) { return name.find(w) != std::string::npos; });
        } else {
            for (uint32_t c : n.children) any = self(self, c) || any;
        }
        vis[i] = any;
        return any;
    };
    visit(visit, 0);
    return vis;
}

}  // namespace qs::app
