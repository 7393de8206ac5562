/* The rules a manifest must follow, checked on parsed and on in-memory manifests alike. Every
 * error names the JSON field path: "motions[1].rate: must be between 1 and 1000". */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package_internal.h"
#include "mpk/package.h"
#include "mpk/robot.h"

static const char *const categories[] = {"dance",    "exercise",    "gesture",
                                         "greeting", "interaction", "performance",
                                         "utility",  "other",       NULL};

const char *const *mpk_manifest_categories(void)
{
    return categories;
}

int mpk__strcasecmp_ascii(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca != cb || !ca)
            return ca - cb;
    }
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool mpk_id_valid(const char *id)
{
    size_t len, labels = 0;
    const char *p;

    if (!id)
        return false;
    len = strnlen(id, MPK_MANIFEST_MAX_ID + 1);
    if (len == 0 || len > MPK_MANIFEST_MAX_ID)
        return false;
    /* Labels: start with a letter, end with a letter or digit, [a-z0-9_-] between; at least
     * two labels ("com.example"), as in Java and Android package names. */
    for (p = id;;) {
        const char *start = p;
        while (*p && *p != '.') {
            if (!is_lower_alnum(*p) && *p != '-' && *p != '_')
                return false;
            p++;
        }
        if (p == start || p - start > 63 || !(*start >= 'a' && *start <= 'z') ||
            !is_lower_alnum(p[-1]))
            return false;
        labels++;
        if (!*p)
            break;
        p++;
    }
    return labels >= 2;
}

const char *mpk__path_problem(const char *path)
{
    const char *p, *comp;
    size_t len;

    if (!path || !*path)
        return "must not be empty";
    len = strnlen(path, MPK_MANIFEST_MAX_PATH + 1);
    if (len > MPK_MANIFEST_MAX_PATH)
        return "longer than 255 bytes";
    if (path[0] == '/')
        return "must be relative (no leading '/')";
    if (strchr(path, '\\'))
        return "must use '/' as separator (no '\\')";
    for (comp = p = path;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - comp);
            if (n == 0)
                return "must not contain an empty component";
            if ((n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.'))
                return "must not contain \".\" or \"..\"";
            if (!*p)
                break;
            comp = p + 1;
            continue;
        }
        if (!isascii((unsigned char)*p) ||
            !(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-' || *p == '+'))
            return "may only contain A-Z a-z 0-9 . _ - + and '/'";
    }
    return NULL;
}

static bool lang_valid(const char *lang)
{
    const char *p = lang;
    size_t n = 0;

    /* Simple BCP 47: a 2-3 letter language, then subtags of 1-8 letters or digits. */
    while (isascii((unsigned char)*p) && isalpha((unsigned char)*p))
        p++, n++;
    if (n < 2 || n > 3)
        return false;
    while (*p == '-') {
        p++;
        n = 0;
        while (isascii((unsigned char)*p) && isalnum((unsigned char)*p))
            p++, n++;
        if (n < 1 || n > 8)
            return false;
    }
    return *p == '\0';
}

/* Control characters make texts render differently everywhere; newlines only in long texts. */
static bool text_clean(const char *s, bool multiline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' && multiline)
            continue;
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

void mpk__texts_free(mpk_text *texts, size_t count)
{
    size_t i;

    if (!texts)
        return;
    for (i = 0; i < count; i++) {
        free(texts[i].lang);
        free(texts[i].text);
    }
    free(texts);
}

int mpk__texts_validate(const mpk_text *texts, size_t count, const char *field, size_t max_len,
                        bool multiline)
{
    bool has_en = false;
    size_t i, j;

    if (count > MPK_MANIFEST_MAX_LANGUAGES)
        return mpk__error(MPK_ELIMIT, "%s: %zu languages, more than the limit of %d", field, count,
                          MPK_MANIFEST_MAX_LANGUAGES);
    if (count && !texts)
        return mpk__error(MPK_EINVAL, "%s: NULL texts", field);
    for (i = 0; i < count; i++) {
        const char *lang = texts[i].lang, *text = texts[i].text;
        size_t len;

        if (!lang || !lang_valid(lang))
            return mpk__error(MPK_EFORMAT, "%s: '%s' is not a language tag (e.g. en, zh-Hans)",
                              field, lang ? lang : "(null)");
        if (!text || !*text)
            return mpk__error(MPK_EFORMAT, "%s.%s: must not be empty", field, lang);
        len = strnlen(text, max_len + 1);
        if (len > max_len)
            return mpk__error(MPK_ELIMIT, "%s.%s: longer than %zu bytes", field, lang, max_len);
        if (!text_clean(text, multiline))
            return mpk__error(MPK_EFORMAT, "%s.%s: must not contain control characters%s", field,
                              lang, multiline ? " other than newlines" : "");
        for (j = 0; j < i; j++)
            if (mpk__strcasecmp_ascii(texts[j].lang, lang) == 0)
                return mpk__error(MPK_EFORMAT, "%s.%s: language given twice", field, lang);
        if (strcmp(lang, "en") == 0)
            has_en = true;
    }
    if (!has_en)
        return mpk__error(MPK_EFORMAT, "%s.en: required (English text)", field);
    return MPK_OK;
}

static int check_string(const char *s, const char *field, size_t max)
{
    if (!s || !*s)
        return mpk__error(MPK_EFORMAT, "%s: must not be empty", field);
    if (strnlen(s, max + 1) > max)
        return mpk__error(MPK_ELIMIT, "%s: longer than %zu bytes", field, max);
    if (!text_clean(s, false))
        return mpk__error(MPK_EFORMAT, "%s: must not contain control characters", field);
    return MPK_OK;
}

/* SPDX license expression: identifiers of [A-Za-z0-9.+-:], parentheses balanced. */
static int check_license(const char *s)
{
    int depth = 0, error;
    const char *p;

    error = check_string(s, "license", MPK_MANIFEST_MAX_NAME);
    if (error)
        return error;
    for (p = s; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth < 0)
            break;
        else if (!(isascii((unsigned char)*p) &&
                   (isalnum((unsigned char)*p) || strchr(".+-: ()", *p))))
            return mpk__error(MPK_EFORMAT,
                              "license: '%s' is not an SPDX expression (e.g. CC-BY-4.0, MIT)", s);
    }
    if (depth != 0)
        return mpk__error(MPK_EFORMAT, "license: unbalanced parentheses in '%s'", s);
    return MPK_OK;
}

static bool motion_name_valid(const char *name)
{
    size_t len;
    const char *p;

    if (!name)
        return false;
    len = strnlen(name, 65);
    if (len == 0 || len > 64)
        return false;
    for (p = name; *p; p++)
        if (!is_lower_alnum(*p) && *p != '_' && *p != '-')
            return false;
    return true;
}

static int unknown_robot(const char *field, const char *id)
{
    char known[512] = "";
    size_t used = 0;
    int i;

    for (i = 0; i < mpk_robot_count(); i++) {
        const mpk_robot_model *m = mpk_robot_at(i);
        int n = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "", m->id);
        if (n < 0 || (size_t)n >= sizeof(known) - used)
            break;
        used += (size_t)n;
    }
    return mpk__error(MPK_EFORMAT, "%s: unknown robot model '%s' (known: %s)", field,
                      id ? id : "(null)", known);
}

static const mpk_file_entry *find_file(const mpk_manifest *m, const char *path)
{
    size_t i;

    for (i = 0; i < m->file_count; i++)
        if (m->files[i].path && strcmp(m->files[i].path, path) == 0)
            return &m->files[i];
    return NULL;
}

static int check_files(const mpk_manifest *m)
{
    uint64_t total = 0;
    size_t i, j;

    if (m->file_count > MPK_MANIFEST_MAX_FILES)
        return mpk__error(MPK_ELIMIT, "files: %zu entries, more than the limit of %d",
                          m->file_count, MPK_MANIFEST_MAX_FILES);
    if (m->file_count && !m->files)
        return mpk__error(MPK_EINVAL, "files: NULL");
    for (i = 0; i < m->file_count; i++) {
        const mpk_file_entry *f = &m->files[i];
        const char *why = mpk__path_problem(f->path);

        if (why)
            return mpk__error(MPK_EFORMAT, "files[%zu].path: '%s' %s", i, f->path ? f->path : "",
                              why);
        if (strcmp(f->path, MPK__MANIFEST_NAME) == 0 || strcmp(f->path, MPK__SIGNATURE_NAME) == 0)
            return mpk__error(MPK_EFORMAT, "files[%zu].path: '%s' is reserved", i, f->path);
        for (j = 0; j < i; j++)
            if (mpk__strcasecmp_ascii(m->files[j].path, f->path) == 0)
                return mpk__error(MPK_EFORMAT, "files[%zu].path: '%s' is listed twice", i, f->path);
        if (f->size > MPK_PACKAGE_MAX_ENTRY)
            return mpk__error(
                MPK_ELIMIT, "files[%zu].size: %llu bytes, more than the limit of %llu", i,
                (unsigned long long)f->size, (unsigned long long)MPK_PACKAGE_MAX_ENTRY);
        total += f->size;
    }
    if (total > MPK_PACKAGE_MAX_UNPACKED)
        return mpk__error(MPK_ELIMIT, "files: %llu bytes in all, more than the limit of %llu",
                          (unsigned long long)total, (unsigned long long)MPK_PACKAGE_MAX_UNPACKED);
    return MPK_OK;
}

static int check_motion(const mpk_manifest *m, size_t index)
{
    const mpk_motion_info *mo = &m->motions[index];
    const mpk_robot_model *model = NULL;
    char f[MPK__PATH_BUF];
    const char *why;
    size_t i, j;
    int error;

#define FIELD(name) (snprintf(f, sizeof(f), "motions[%zu]." name, index), f)
    if (!motion_name_valid(mo->name))
        return mpk__error(MPK_EFORMAT, "%s: '%s' must be 1 to 64 characters of a-z 0-9 _ -",
                          FIELD("name"), mo->name ? mo->name : "");
    for (i = 0; i < index; i++)
        if (strcmp(m->motions[i].name, mo->name) == 0)
            return mpk__error(MPK_EFORMAT, "%s: '%s' is used by motions[%zu] too", FIELD("name"),
                              mo->name, i);
    why = mpk__path_problem(mo->file);
    if (why)
        return mpk__error(MPK_EFORMAT, "%s: '%s' %s", FIELD("file"), mo->file ? mo->file : "", why);
    if (strlen(mo->file) < 6 || strcmp(mo->file + strlen(mo->file) - 5, ".mpkt") != 0)
        return mpk__error(MPK_EFORMAT, "%s: '%s' must be a motion track (.mpkt)", FIELD("file"),
                          mo->file);
    if (!find_file(m, mo->file))
        return mpk__error(MPK_EFORMAT, "%s: '%s' is not listed in files", FIELD("file"), mo->file);
    for (i = 0; i < index; i++)
        if (strcmp(m->motions[i].file, mo->file) == 0)
            return mpk__error(MPK_EFORMAT, "%s: '%s' is used by motions[%zu] too", FIELD("file"),
                              mo->file, i);
    for (i = 0; i < m->robot_count; i++)
        if (mo->robot && strcmp(m->robots[i], mo->robot) == 0)
            break;
    if (i == m->robot_count)
        return mpk__error(MPK_EFORMAT, "%s: '%s' is not one of the package's robots",
                          FIELD("robot"), mo->robot ? mo->robot : "");
    model = mpk_robot_find(mo->robot);
    if (!model)
        return unknown_robot(FIELD("robot"), mo->robot);
    if (!isfinite(mo->rate) || mo->rate < MPK_TRACK_MIN_RATE || mo->rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EFORMAT, "%s: must be between %g and %g", FIELD("rate"),
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    if (!isfinite(mo->duration) || mo->duration <= 0 || mo->duration > MPK_MANIFEST_MAX_DURATION)
        return mpk__error(MPK_EFORMAT, "%s: must be more than 0 and at most %g seconds",
                          FIELD("duration"), MPK_MANIFEST_MAX_DURATION);
    if (mo->duration * mo->rate + 1 > (double)MPK_TRACK_MAX_FRAMES)
        return mpk__error(MPK_ELIMIT, "%s: more than %u frames at %g Hz", FIELD("duration"),
                          MPK_TRACK_MAX_FRAMES, mo->rate);
    if (mo->joint_count < 1 || mo->joint_count > MPK_TRACK_MAX_JOINTS || !mo->joints)
        return mpk__error(MPK_EFORMAT, "%s: must list 1 to %d joints", FIELD("joints"),
                          MPK_TRACK_MAX_JOINTS);
    for (i = 0; i < (size_t)mo->joint_count; i++) {
        const char *joint = mo->joints[i];

        snprintf(f, sizeof(f), "motions[%zu].joints[%zu]", index, i);
        if (!joint || mpk_robot_joint_index(model, joint) < 0)
            return mpk__error(MPK_EFORMAT, "%s: '%s' is not a joint of %s", f,
                              joint ? joint : "(null)", model->id);
        for (j = 0; j < i; j++)
            if (strcmp(mo->joints[j], joint) == 0)
                return mpk__error(MPK_EFORMAT, "%s: '%s' is listed twice", f, joint);
    }
    if (mo->title_count) {
        snprintf(f, sizeof(f), "motions[%zu].title", index);
        error = mpk__texts_validate(mo->titles, mo->title_count, f, MPK_MANIFEST_MAX_NAME, false);
        if (error)
            return error;
    }
#undef FIELD
    return MPK_OK;
}

int mpk_manifest_validate(const mpk_manifest *m)
{
    size_t i, j;
    int error;

    if (!m)
        return mpk__error(MPK_EINVAL, "mpk_manifest_validate: NULL manifest");
    if (m->format != MPK_MANIFEST_FORMAT)
        return mpk__error(MPK_EUNSUPPORTED, "format: %d is not supported (this library reads %d)",
                          m->format, MPK_MANIFEST_FORMAT);
    if (!mpk_id_valid(m->id))
        return mpk__error(MPK_EFORMAT,
                          "id: '%s' is not a reverse-DNS id (lowercase labels separated by "
                          "dots, e.g. com.example.wave)",
                          m->id ? m->id : "");
    if (!mpk_semver_valid(m->version))
        return mpk__error(MPK_EFORMAT, "version: '%s' is not a semantic version (e.g. 1.2.0)",
                          m->version ? m->version : "");
    error = mpk__texts_validate(m->names, m->name_count, "name", MPK_MANIFEST_MAX_NAME, false);
    if (!error)
        error = mpk__texts_validate(m->descriptions, m->description_count, "description",
                                    MPK_MANIFEST_MAX_DESCRIPTION, true);
    if (!error)
        error = check_string(m->author, "author", MPK_MANIFEST_MAX_NAME);
    if (!error)
        error = check_license(m->license);
    if (error)
        return error;
    for (i = 0; categories[i]; i++)
        if (m->category && strcmp(categories[i], m->category) == 0)
            break;
    if (!categories[i])
        return mpk__error(MPK_EFORMAT,
                          "category: '%s' is not one of dance, exercise, gesture, greeting, "
                          "interaction, performance, utility, other",
                          m->category ? m->category : "");
    if (m->robot_count < 1 || m->robot_count > MPK_MANIFEST_MAX_ROBOTS || !m->robots)
        return mpk__error(MPK_EFORMAT, "robots: must list 1 to %d robot models",
                          MPK_MANIFEST_MAX_ROBOTS);
    for (i = 0; i < m->robot_count; i++) {
        char f[MPK__PATH_BUF];

        snprintf(f, sizeof(f), "robots[%zu]", i);
        if (!m->robots[i] || !mpk_robot_find(m->robots[i]))
            return unknown_robot(f, m->robots[i]);
        for (j = 0; j < i; j++)
            if (strcmp(m->robots[j], m->robots[i]) == 0)
                return mpk__error(MPK_EFORMAT, "%s: '%s' is listed twice", f, m->robots[i]);
    }
    if (m->permissions & ~(unsigned)MPK_PERM_FULL_BODY)
        return mpk__error(MPK_EFORMAT, "permissions: unknown permission bits 0x%x",
                          m->permissions & ~(unsigned)MPK_PERM_FULL_BODY);
    if (!mpk_semver_valid(m->min_runtime))
        return mpk__error(MPK_EFORMAT, "min_runtime: '%s' is not a semantic version",
                          m->min_runtime ? m->min_runtime : "");
    error = check_files(m);
    if (error)
        return error;
    if (m->motion_count < 1 || m->motion_count > MPK_MANIFEST_MAX_MOTIONS || !m->motions)
        return mpk__error(MPK_EFORMAT, "motions: must list 1 to %d motions",
                          MPK_MANIFEST_MAX_MOTIONS);
    for (i = 0; i < m->motion_count; i++) {
        error = check_motion(m, i);
        if (error)
            return error;
    }
    /* A robot no motion is for would make the store offer the package to robots it cannot move. */
    for (i = 0; i < m->robot_count; i++) {
        for (j = 0; j < m->motion_count; j++)
            if (strcmp(m->motions[j].robot, m->robots[i]) == 0)
                break;
        if (j == m->motion_count)
            return mpk__error(MPK_EFORMAT, "robots[%zu]: no motion is for '%s'", i, m->robots[i]);
    }
    if (m->thumbnail) {
        const char *why = mpk__path_problem(m->thumbnail);
        if (why)
            return mpk__error(MPK_EFORMAT, "thumbnail: '%s' %s", m->thumbnail, why);
        if (!find_file(m, m->thumbnail))
            return mpk__error(MPK_EFORMAT, "thumbnail: '%s' is not listed in files", m->thumbnail);
    }
    return MPK_OK;
}

int mpk__motion_matches_track(const mpk_motion_info *mo, size_t index, const mpk_track *track)
{
    double duration = mpk_track_duration(track);
    int i;

    if (strcmp(mpk_track_robot(track), mo->robot) != 0)
        return mpk__error(MPK_EFORMAT, "motions[%zu].robot: '%s', but the track is for '%s'", index,
                          mo->robot, mpk_track_robot(track));
    if (fabs(mpk_track_rate(track) - mo->rate) > 1e-9 * mo->rate)
        return mpk__error(MPK_EFORMAT, "motions[%zu].rate: %g Hz, but the track has %g Hz", index,
                          mo->rate, mpk_track_rate(track));
    if (fabs(duration - mo->duration) > 1e-6)
        return mpk__error(MPK_EFORMAT, "motions[%zu].duration: %g s, but the track lasts %g s",
                          index, mo->duration, duration);
    if (mpk_track_joint_count(track) != mo->joint_count)
        return mpk__error(MPK_EFORMAT, "motions[%zu].joints: %d joints, but the track has %d",
                          index, mo->joint_count, mpk_track_joint_count(track));
    for (i = 0; i < mo->joint_count; i++)
        if (strcmp(mpk_track_joint_name(track, i), mo->joints[i]) != 0)
            return mpk__error(MPK_EFORMAT, "motions[%zu].joints[%d]: '%s', but the track has '%s'",
                              index, i, mo->joints[i], mpk_track_joint_name(track, i));
    return MPK_OK;
}
