/* motiond's log: one line per event on stderr, with a level. Under systemd (JOURNAL_STREAM set)
 * each line starts with the syslog priority ("<6>"), which journald turns into the entry's level.
 */
#ifndef MD_LOG_H
#define MD_LOG_H

#include <stdbool.h>

typedef enum md_log_level {
    MD_LOG_ERROR = 0,
    MD_LOG_WARN = 1,
    MD_LOG_INFO = 2,
    MD_LOG_DEBUG = 3
} md_log_level;

/** Sets the most verbose level printed (default MD_LOG_INFO). */
void md_log_set_level(md_log_level level);
md_log_level md_log_get_level(void);

/** Parses "error", "warn", "info", "debug". @return 0, or -1 for anything else */
int md_log_parse_level(md_log_level *out, const char *text);
const char *md_log_level_name(md_log_level level);

/** Prints one line (thread-safe: one write per line). */
void md_log(md_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Prints text as it is (several lines, such as a QR code) in one write, at a level. */
void md_log_block(md_log_level level, const char *text);

#define md_error(...) md_log(MD_LOG_ERROR, __VA_ARGS__)
#define md_warn(...)  md_log(MD_LOG_WARN, __VA_ARGS__)
#define md_info(...)  md_log(MD_LOG_INFO, __VA_ARGS__)
#define md_debug(...) md_log(MD_LOG_DEBUG, __VA_ARGS__)

#endif
