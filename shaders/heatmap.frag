#version 330 core
// Heatmap pass, fragment stage: maps each target pixel to an element of the
// tensor's 2-D view, fetches that element's block at the chosen pyramid level
// (u_lo/u_hi: block minimum and maximum, the same texture at level 0) and
// colours it. Blocks are at least one pixel wide, so no element is skipped:
// a zoomed-out map shows each block's extreme, never a sample.
in vec2 v_uv;
out vec4 frag;

uniform sampler2D u_lo;
uniform sampler2D u_hi;
uniform vec4 u_view;    // visible rectangle in elements: c0, r0, c1, r1 (r grows downwards)
uniform vec2 u_size0;   // cols, rows of the 2-D view
uniform float u_block;  // elements per texel side at this level (2^level)
uniform vec3 u_range;   // vmin, vmax, centre (diverging)
uniform sampler2D u_lut;  // 256x1 colour map (app/gfx/colormap.cpp), sampled with t in 0..1
uniform int u_diverging;  // 1: t = 0.5 at the centre, symmetric span; 0: t from vmin to vmax
uniform int u_mode;     // 0 block maximum, 1 block extreme (furthest from the centre)
uniform vec4 u_bg;      // outside the tensor
uniform vec4 u_nan;     // no finite value in the block

void main() {
    float c = mix(u_view.x, u_view.z, v_uv.x);
    float r = mix(u_view.y, u_view.w, 1.0 - v_uv.y);  // target's top row = first visible row
    if (c < 0.0 || r < 0.0 || c >= u_size0.x || r >= u_size0.y) {
        frag = u_bg;
        return;
    }
    ivec2 t = ivec2(int(floor(c / u_block)), int(floor(r / u_block)));
    float lo = texelFetch(u_lo, t, 0).r;
    float hi = texelFetch(u_hi, t, 0).r;
    if (isnan(lo) || isnan(hi) || isinf(lo) || isinf(hi)) {
        frag = u_nan;
        return;
    }
    float v = hi;
    if (u_mode == 1) v = abs(lo - u_range.z) > abs(hi - u_range.z) ? lo : hi;
    float tc;
    if (u_diverging == 1) {
        float span = max(abs(u_range.y - u_range.z), abs(u_range.x - u_range.z));
        tc = 0.5 + 0.5 * (v - u_range.z) / max(span, 1e-30);
    } else {
        tc = (v - u_range.x) / max(u_range.y - u_range.x, 1e-30);
    }
    // Texel centres of the 256-entry map: t=0 -> first entry, t=1 -> last.
    tc = (clamp(tc, 0.0, 1.0) * 255.0 + 0.5) / 256.0;
    frag = vec4(texture(u_lut, vec2(tc, 0.5)).rgb, 1.0);
}
