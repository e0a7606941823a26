// Colour maps shared by the heatmap shader (as a 256x1 texture) and the CPU
// side (colour bars, legends), so both always agree.
//   Viridis   sequential, perceptually uniform (|error|, code index, unsigned data)
//   Diverging blue - grey - red, centred (signed weights)
#pragma once

#include <array>
#include <cstdint>

namespace qs::app {

enum class Colormap : uint8_t { Viridis, Diverging };

struct Rgb {
    float r, g, b;  // 0..1
};

// t in [0, 1] (clamped).
Rgb colormap(Colormap m, float t);
// 256 RGBA8 entries for the GPU.
std::array<uint8_t, 256 * 4> colormap_lut(Colormap m);

}  // namespace qs::app
