/* Loading the motions to preview from a package or a project folder. */
#include "source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int preview_source_new(preview_source **out, const char *label)
{
    preview_source *src = calloc(1, sizeof(*src));

    if (!src || !(src->label = dup_str(label ? label : ""))) {
        free(src);
        return preview_fail(MPK_ENOMEM, "out of memory");
    }
    *out = src;
    return MPK_OK;
}

/* Every sample of the track must be a number: the runtime refuses anything else, and the preview
 * would draw garbage. */
static int check_finite(const char *name, const mpk_track *track)
{
    const float *pos = mpk_track_positions_const(track);
    const float *root = mpk_track_root_const(track);
    uint32_t frames = mpk_track_frame_count(track);
    int joints = mpk_track_joint_count(track);
    uint32_t f;
    int j;

    for (f = 0; f < frames; f++) {
        for (j = 0; j < joints; j++) {
            if (!isfinite(pos[(size_t)f * (size_t)joints + (size_t)j]))
                return preview_fail(MPK_EFORMAT, "motion '%s': joint '%s': frame %u: not a number",
                                    name, mpk_track_joint_name(track, j), f);
        }
        for (j = 0; root && j < 7; j++) {
            if (!isfinite(root[(size_t)f * 7 + (size_t)j]))
                return preview_fail(MPK_EFORMAT, "motion '%s': root pose: frame %u: not a number",
                                    name, f);
        }
    }
    return MPK_OK;
}

int preview_source_add(preview_source *src, const char *name, mpk_track *track)
{
    preview_motion m = {0};
    preview_motion *grown;
    int joints, j, k, err;

    if (!track)
        return preview_fail(MPK_EINVAL, "motion '%s': no track", name);
    if (src->motion_count >= PREVIEW_MAX_MOTIONS) {
        err = preview_fail(MPK_ELIMIT, "more than %d motions", PREVIEW_MAX_MOTIONS);
        goto out;
    }
    m.track = track;
    m.model = mpk_robot_find(mpk_track_robot(track));
    if (!m.model) {
        err = preview_fail_mpk(MPK_ENOTFOUND, "motion '%s': robot '%s'", name,
                               mpk_track_robot(track));
        goto out;
    }
    joints = mpk_track_joint_count(track);
    m.model_joint = calloc((size_t)joints, sizeof(*m.model_joint));
    m.name = dup_str(name);
    if (!m.model_joint || !m.name) {
        err = preview_fail(MPK_ENOMEM, "out of memory");
        goto out;
    }
    for (j = 0; j < joints; j++) {
        const char *jn = mpk_track_joint_name(track, j);
        m.model_joint[j] = mpk_robot_joint_index(m.model, jn);
        if (m.model_joint[j] < 0) {
            err = preview_fail(MPK_EFORMAT, "motion '%s': joint '%s' is not a joint of %s", name,
                               jn, m.model->id);
            goto out;
        }
        for (k = 0; k < j; k++) {
            if (m.model_joint[k] == m.model_joint[j]) {
                err =
                    preview_fail(MPK_EFORMAT, "motion '%s': joint '%s' is listed twice", name, jn);
                goto out;
            }
        }
    }
    if ((err = check_finite(name, track)) != MPK_OK)
        goto out;
    m.has_root = mpk_track_root_const(track) != NULL;
    m.permissions = MPK_PERM_FULL_BODY;
    grown = realloc(src->motions, (src->motion_count + 1) * sizeof(*grown));
    if (!grown) {
        err = preview_fail(MPK_ENOMEM, "out of memory");
        goto out;
    }
    src->motions = grown;
    src->motions[src->motion_count++] = m;
    return MPK_OK;
out:
    free(m.name);
    free(m.model_joint);
    mpk_track_free(track);
    return err;
}

int preview_source_find(const preview_source *src, const char *name)
{
    size_t i;

    for (i = 0; i < src->motion_count; i++) {
        if (strcmp(src->motions[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static int open_package(preview_source **out, const char *path)
{
    mpk_package *pkg = NULL;
    preview_source *src = NULL;
    const mpk_manifest *man;
    char label[512];
    size_t i;
    int err;

    if ((err = mpk_package_open(&pkg, path)) != MPK_OK) {
        err = preview_fail_mpk(err, "%s", path);
        goto out;
    }
    /* A preview of a damaged package would show something else than what the robot gets. */
    if ((err = mpk_package_verify(pkg, NULL)) != MPK_OK) {
        err = preview_fail_mpk(err, "%s", path);
        goto out;
    }
    man = mpk_package_manifest(pkg);
    snprintf(label, sizeof(label), "%s %s", man->id, man->version);
    if ((err = preview_source_new(&src, label)) != MPK_OK)
        goto out;
    for (i = 0; i < man->motion_count; i++) {
        mpk_track *track = NULL;
        const char *name = man->motions[i].name;
        if ((err = mpk_package_load_track(&track, pkg, name)) != MPK_OK) {
            err = preview_fail_mpk(err, "%s: motion '%s'", path, name);
            goto out;
        }
        if ((err = preview_source_add(src, name, track)) != MPK_OK) {
            char inner[1024];
            snprintf(inner, sizeof(inner), "%s", preview_error_message());
            err = preview_fail(err, "%s: %s", path, inner);
            goto out;
        }
        src->motions[src->motion_count - 1].permissions = man->permissions;
    }
    if (src->motion_count == 0) {
        err = preview_fail(MPK_EFORMAT, "%s: the package has no motion", path);
        goto out;
    }
    *out = src;
    src = NULL;
out:
    preview_source_free(src);
    mpk_package_free(pkg);
    return err;
}

/* A project folder: loaded as `mpk build` loads it (every motion source made into a track), before
 * any signing, so a developer sees the motion while authoring it. */
static int open_project(preview_source **out, const char *dir)
{
    mpk_project *proj = NULL;
    preview_source *src = NULL;
    const mpk_manifest *man;
    char label[512];
    size_t i;
    int err;

    if ((err = mpk_project_load(&proj, dir)) != MPK_OK)
        return preview_fail_mpk(err, "%s", dir);
    man = mpk_project_manifest(proj);
    snprintf(label, sizeof(label), "%s %s (project)", man->id, man->version);
    if ((err = preview_source_new(&src, label)) != MPK_OK)
        goto out;
    for (i = 0; i < mpk_project_motion_count(proj); i++) {
        const char *name = man->motions[i].name;
        mpk_track *track = NULL;
        if ((err = mpk_track_clone(&track, mpk_project_track(proj, i))) != MPK_OK) {
            err = preview_fail_mpk(err, "%s: motion '%s'", dir, name);
            goto out;
        }
        if ((err = preview_source_add(src, name, track)) != MPK_OK) {
            char inner[1024];
            snprintf(inner, sizeof(inner), "%s", preview_error_message());
            err = preview_fail(err, "%s: %s", dir, inner);
            goto out;
        }
        src->motions[src->motion_count - 1].permissions = man->permissions;
    }
    if (src->motion_count == 0) {
        err = preview_fail(MPK_EFORMAT, "%s: the project has no motion", dir);
        goto out;
    }
    *out = src;
    src = NULL;
out:
    preview_source_free(src);
    mpk_project_free(proj);
    return err;
}

/* A bare motion track (FILE.mpkt): one motion named after the file. This is what `mpk build`
 * has in hand before the package exists, so it can render a thumbnail to embed. */
static int open_track(preview_source **out, const char *path)
{
    const char *base = strrchr(path, '/');
    preview_source *src = NULL;
    mpk_track *track = NULL;
    char name[256];
    int err;

    base = base ? base + 1 : path;
    snprintf(name, sizeof(name), "%.*s", (int)(strlen(base) - strlen(".mpkt")), base);
    if ((err = mpk_track_read_file(&track, path)) != MPK_OK)
        return preview_fail_mpk(err, "%s", path);
    if ((err = preview_source_new(&src, base)) != MPK_OK) {
        mpk_track_free(track);
        return err;
    }
    if ((err = preview_source_add(src, name, track)) != MPK_OK) {
        char inner[1024];
        snprintf(inner, sizeof(inner), "%s", preview_error_message());
        preview_source_free(src);
        return preview_fail(err, "%s: %s", path, inner);
    }
    *out = src;
    return MPK_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

int preview_source_open(preview_source **out, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return preview_fail(MPK_ENOTFOUND, "%s: no such file or folder", path);
    if (S_ISDIR(st.st_mode))
        return open_project(out, path);
    if (ends_with(path, ".mpkt"))
        return open_track(out, path);
    return open_package(out, path);
}

void preview_source_free(preview_source *src)
{
    size_t i;

    if (!src)
        return;
    for (i = 0; i < src->motion_count; i++) {
        free(src->motions[i].name);
        free(src->motions[i].model_joint);
        mpk_track_free(src->motions[i].track);
    }
    free(src->motions);
    free(src->label);
    free(src);
}
