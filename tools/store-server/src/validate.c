/*
 * Motion validation of an upload, for every robot model the package claims. This is the one place
 * where the server calls the SDK's validation: today libmpk's track check (robot known, joints of
 * the model, no NaN, positions within the joint limits); when libmpk exposes the full rules of
 * `mpk validate` (velocity, acceleration, jerk, permissions), call them here and nothing else in
 * the server changes.
 */
#include <string.h>

#include "check.h"
#include "error.h"
#include "mpk/mpk.h"

int srv_validate_package(srv_check *chk, struct mpk_package *pkg)
{
    const mpk_manifest *m = mpk_package_manifest(pkg);
    size_t i, j;
    int rc;

    for (i = 0; i < m->robot_count; i++) {
        bool has_motion = false;
        if (!mpk_robot_find(m->robots[i])) {
            srv_check_reject(chk, 422, "invalid", "robot model %s is not a known model",
                             m->robots[i]);
            continue;
        }
        for (j = 0; j < m->motion_count; j++)
            if (strcmp(m->motions[j].robot, m->robots[i]) == 0)
                has_motion = true;
        if (!has_motion)
            srv_check_reject(chk, 422, "invalid",
                             "the package claims robot model %s but has no motion for it",
                             m->robots[i]);
    }
    for (j = 0; j < m->motion_count; j++) {
        const mpk_motion_info *mi = &m->motions[j];
        const mpk_robot_model *model = mpk_robot_find(mi->robot);
        mpk_track *track = NULL;

        if (!model)
            continue; /* reported above, or by the manifest check */
        mpk_error_clear();
        rc = mpk_package_load_track(&track, pkg, mi->name);
        if (rc == MPK_ENOMEM)
            return srv_err(SRV_ENOMEM, "out of memory");
        if (rc == MPK_OK)
            rc = mpk_track_check(track, model);
        if (rc)
            srv_check_reject(chk, 422, "invalid", "motion %s on %s: %s", mi->name, mi->robot,
                             *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
        mpk_track_free(track);
    }
    return SRV_OK;
}
