/* Internal entry points of the project module, for the mpk commands that edit projects. */
#ifndef MPK_PROJECT_INTERNAL_H
#define MPK_PROJECT_INTERNAL_H

#include <stddef.h>

#include "mpk/project.h"

/**
 * Loads the project in dir as mpk_project_load() does, but from the given text of its project
 * file instead of the file itself: a command checks an edited project file before writing it.
 */
int mpk__project_load_text(mpk_project **out, const char *dir, const char *text, size_t size);

#endif
