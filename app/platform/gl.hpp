// OpenGL 3.3 core declarations for our own GL calls (heatmap shader, FBOs,
// screenshots). glvnd's libOpenGL exports every core entry point, so with
// GL_GLEXT_PROTOTYPES no loader is needed, under GLX (GLFW) and EGL alike.
#pragma once

#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>
