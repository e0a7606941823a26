#version 330 core
// Heatmap pass, vertex stage: one triangle covering the target (no vertex
// buffer; a core profile still needs a VAO bound). v_uv is 0..1 across the target.
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
