// Colour maps by piecewise-linear interpolation of anchor colours: viridis
// through its common ten-colour palette (#440154 ... #FDE725), the diverging
// map through Moreland's cool-warm end points with a neutral grey centre.
#include "app/state/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace qs::app {

namespace {

constexpr std::array<uint32_t, 10> kViridis{0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E,
                                            0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725};
constexpr std::array<uint32_t, 3> kDiverging{0x3B4CC0, 0xDDDDDD, 0xB40426};

template <size_t N>
Rgb interpolate(const std::array<uint32_t, N>& anchors, float t) {
    t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f);
    const float x = t * float(N - 1);
    const size_t i = std::min(size_t(x), N - 2);
    const float f = x - float(i);
    auto ch = [](uint32_t c, int shift) { return float((c >> shift) & 0xFF) / 255.0f; };
    const uint32_t a = anchors[i], b = anchors[i + 1];
    return {ch(a, 16) + (ch(b, 16) - ch(a, 16)) * f, ch(a, 8) + (ch(b, 8) - ch(a, 8)) * f,
            ch(a, 0) + (ch(b, 0) - ch(a, 0)) * f};
}

}  // namespace

Rgb colormap(Colormap m, float t) {
    return m == Colormap::Viridis ? interpolate(kViridis, t) : interpolate(kDiverging, t);
}

std::array<uint8_t, 256 * 4> colormap_lut(Colormap m) {
    std::array<uint8_t, 256 * 4> lut{};
    for (int i = 0; i < 256; ++i) {
        const Rgb c = colormap(m, float(i) / 255.0f);
        lut[size_t(i) * 4 + 0] = uint8_t(std::lround(c.r * 255.0f));
        lut[size_t(i) * 4 + 1] = uint8_t(std::lround(c.g * 255.0f));
        lut[size_t(i) * 4 + 2] = uint8_t(std::lround(c.b * 255.0f));
        lut[size_t(i) * 4 + 3] = 255;
    }
    return lut;
}

}  // namespace qs::app
