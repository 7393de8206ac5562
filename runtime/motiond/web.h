/* The phone's web page, compiled into motiond from runtime/motiond/web/ (embed.cmake makes
 * web_assets.c at build time), so that it needs no file and no outside asset at run time. */
#ifndef MD_WEB_H
#define MD_WEB_H

#include <stddef.h>

typedef struct md_web_file {
    const char *type;
    const unsigned char *data;
    size_t size;
} md_web_file;

extern const md_web_file md_web_index_html;
extern const md_web_file md_web_app_js;
extern const md_web_file md_web_app_css;
extern const md_web_file md_web_icon_svg;

#endif
