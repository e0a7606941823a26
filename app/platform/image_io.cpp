// PNG writing and cropping of captured frames (stb_image_write from libstb;
// its implementation lives in libstb.so, so no STB_IMAGE_WRITE_IMPLEMENTATION here).
#include "app/platform/platform.hpp"

#include <stb_image_write.h>

#include <algorithm>

namespace qs::app {

bool write_png(const std::string& path, const Image& img) {
    if (img.width <= 0 || img.height <= 0) return false;
    return stbi_write_png(path.c_str(), img.width, img.height, 4, img.rgba.data(), img.width * 4) != 0;
}

Image crop(const Image& img, int x, int y, int w, int h) {
    Image out;
    x = std::clamp(x, 0, img.width);
    y = std::clamp(y, 0, img.height);
    w = std::clamp(w, 0, img.width - x);
    h = std::clamp(h, 0, img.height - y);
    out.width = w;
    out.height = h;
    out.rgba.resize(size_t(w) * size_t(h) * 4);
    for (int r = 0; r < h; ++r)
        std::copy_n(img.rgba.begin() + (size_t(y + r) * size_t(img.width) + size_t(x)) * 4, size_t(w) * 4,
                    out.rgba.begin() + size_t(r) * size_t(w) * 4);
    return out;
}

}  // namespace qs::app
