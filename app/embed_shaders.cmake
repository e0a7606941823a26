# Writes OUT: a C++ file defining qs::app::shader_source(name) over the GLSL
# files in FILES, comma-separated (run at build time by app/CMakeLists.txt).
string(REPLACE "," ";" FILES "${FILES}")
set(body "// Generated from shaders/ by app/embed_shaders.cmake. Do not edit.\n#include <cstring>\nnamespace qs::app {\nconst char* shader_source(const char* name) {\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  file(READ ${f} text)
  string(APPEND body "    if (std::strcmp(name, \"${name}\") == 0) return R\"qs_glsl(${text})qs_glsl\";\n")
endforeach()
string(APPEND body "    return nullptr;\n}\n}  // namespace qs::app\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
