// Colour maps: anchors hit exactly, monotone lightness for viridis, symmetric diverging centre.
#include "app/state/colormap.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace qs::app {
namespace {

TEST(Colormap, EndsAndCentre) {
    const Rgb v0 = colormap(Colormap::Viridis, 0.0f), v1 = colormap(Colormap::Viridis, 1.0f);
    EXPECT_NEAR(v0.r, 0x44 / 255.0, 1e-6);
    EXPECT_NEAR(v0.b, 0x54 / 255.0, 1e-6);
    EXPECT_NEAR(v1.g, 0xE7 / 255.0, 1e-6);
    const Rgb mid = colormap(Colormap::Diverging, 0.5f);
    EXPECT_NEAR(mid.r, 0xDD / 255.0, 1e-6);
    EXPECT_NEAR(mid.g, mid.b, 1e-6);
    // Clamped outside [0, 1], NaN treated as 0.
    EXPECT_EQ(colormap(Colormap::Viridis, -3.0f).r, v0.r);
    EXPECT_EQ(colormap(Colormap::Viridis, NAN).r, v0.r);
}

TEST(Colormap, ViridisGetsLighter) {
    auto luma = [](Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; };
    double prev = -1;
    for (int i = 0; i <= 64; ++i) {
        const double l = luma(colormap(Colormap::Viridis, float(i) / 64));
        EXPECT_GT(l, prev) << i;
        prev = l;
    }
    const auto lut = colormap_lut(Colormap::Viridis);
    EXPECT_EQ(lut[0], 0x44);
    EXPECT_EQ(lut[255 * 4 + 0], 0xFD);
    EXPECT_EQ(lut[3], 255);
}

}  // namespace
}  // namespace qs::app
