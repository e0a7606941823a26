// qs_png_check: pixel checks on the GUI tests' screenshots, independent of the
// app (it reads the PNG files it wrote, with stb_image), plus a model maker for
// the GUI benchmark.
//
//   qs_png_check nonblank PNG REGION             the region has content: several colours, and
//                                                at least 2% of its pixels differ from its background
//   qs_png_check differ A.png B.png REGION MIN   at least MIN (fraction) of the region's pixels differ
//   qs_png_check make-model PATH ROWS COLS       a safetensors file with one F32 ROWSxCOLS tensor "w"
//
// REGION is a key of PNG.json (written next to each screenshot): "histogram_plot" or a window
// name under "views" ("Histogram", "Heatmap", ...).
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

struct Img {
    int w = 0, h = 0;
    std::vector<uint8_t> px;  // RGBA
};

bool load(const std::string& path, Img& img) {
    int n = 0;
    uint8_t* d = stbi_load(path.c_str(), &img.w, &img.h, &n, 4);
    if (!d) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    img.px.assign(d, d + size_t(img.w) * size_t(img.h) * 4);
    stbi_image_free(d);
    return true;
}

bool region(const std::string& png, const std::string& name, int& x, int& y, int& w, int& h) {
    std::ifstream in(png + ".json");
    if (!in) {
        std::fprintf(stderr, "no %s.json next to the screenshot\n", png.c_str());
        return false;
    }
    const auto j = nlohmann::json::parse(in, nullptr, false);
    const nlohmann::json* r = nullptr;
    if (j.contains(name)) r = &j[name];
    else if (j.contains("views") && j["views"].contains(name)) r = &j["views"][name];
    if (!r || !r->is_array() || r->size() != 4) {
        std::fprintf(stderr, "%s.json has no region '%s'\n", png.c_str(), name.c_str());
        return false;
    }
    x = int((*r)[0].get<double>()), y = int((*r)[1].get<double>());
    w = int((*r)[2].get<double>()), h = int((*r)[3].get<double>());
    return w > 0 && h > 0;
}

uint32_t at(const Img& img, int x, int y) {
    const size_t i = (size_t(y) * size_t(img.w) + size_t(x)) * 4;
    return uint32_t(img.px[i]) << 16 | uint32_t(img.px[i + 1]) << 8 | img.px[i + 2];
}

int nonblank(const std::string& png, const std::string& name) {
    Img img;
    int x, y, w, h;
    if (!load(png, img) || !region(png, name, x, y, w, h)) return 2;
    std::map<uint32_t, uint64_t> colours;
    for (int j = y; j < std::min(img.h, y + h); ++j)
        for (int i = x; i < std::min(img.w, x + w); ++i) ++colours[at(img, i, j)];
    uint64_t total = 0, top = 0;
    for (auto& [c, n] : colours) total += n, top = std::max(top, n);
    const double other = total ? 1.0 - double(top) / double(total) : 0.0;
    std::printf("%s %s: %zu colours, %.1f%% not background\n", png.c_str(), name.c_str(), colours.size(), other * 100);
    return colours.size() >= 8 && other >= 0.02 ? 0 : 1;
}

int differ(const std::string& a, const std::string& b, const std::string& name, double min_fraction) {
    Img ia, ib;
    int x, y, w, h;
    if (!load(a, ia) || !load(b, ib) || !region(a, name, x, y, w, h)) return 2;
    if (ia.w != ib.w || ia.h != ib.h) {
        std::fprintf(stderr, "different sizes\n");
        return 2;
    }
    uint64_t diff = 0, total = 0;
    for (int j = y; j < std::min(ia.h, y + h); ++j)
        for (int i = x; i < std::min(ia.w, x + w); ++i) {
            ++total;
            const size_t k = (size_t(j) * size_t(ia.w) + size_t(i)) * 4;
            for (int c = 0; c < 3; ++c)
                if (std::abs(int(ia.px[k + size_t(c)]) - int(ib.px[k + size_t(c)])) > 8) {
                    ++diff;
                    break;
                }
        }
    const double f = total ? double(diff) / double(total) : 0.0;
    std::printf("%s vs %s, %s: %.2f%% of %llu pixels differ (need %.2f%%)\n", a.c_str(), b.c_str(), name.c_str(), f * 100,
                (unsigned long long)total, min_fraction * 100);
    return f >= min_fraction ? 0 : 1;
}

// One F32 tensor "w" (Student-t-like values with a few outliers), written as safetensors.
int make_model(const std::string& path, long rows, long cols) {
    if (rows <= 0 || cols <= 0 || rows * cols > (1L << 28)) return 2;
    std::mt19937 rng(7);
    std::student_t_distribution<float> t(4.0f);
    std::vector<float> v(size_t(rows * cols));
    for (auto& x : v) x = 0.02f * t(rng);
    for (int k = 0; k < 16; ++k) v[rng() % v.size()] = (k % 2 ? 0.5f : -0.5f);
    const uint64_t bytes = v.size() * 4;
    std::string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(rows) + "," + std::to_string(cols) +
                         "],\"data_offsets\":[0," + std::to_string(bytes) + "]}}";
    while (header.size() % 8) header += ' ';
    std::ofstream out(path, std::ios::binary);
    const uint64_t n = header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(header.data(), long(header.size()));
    out.write(reinterpret_cast<const char*>(v.data()), long(bytes));
    return out ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "nonblank" && argc == 4) return nonblank(argv[2], argv[3]);
    if (cmd == "differ" && argc == 6) return differ(argv[2], argv[3], argv[4], std::atof(argv[5]));
    if (cmd == "make-model" && argc == 5) return make_model(argv[2], std::atol(argv[3]), std::atol(argv[4]));
    std::fprintf(stderr, "usage: qs_png_check nonblank PNG REGION | differ A B REGION MIN | make-model PATH ROWS COLS\n");
    return 2;
}
