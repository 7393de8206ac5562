/*
 * Motion validation of an upload, for every robot model the package claims. This is the one place
 * where the server calls the SDK's validation: libmpk's mpk_validate_package(), the rules of
 * `mpk validate` (limits with margin, velocity, acceleration, jerk, jumps, NaN, duration, legs
 * moving without the full-body permission).
 */
#include <string.h>

#include "check.h"
#include "error.h"
#include "mpk/mpk.h"

int srv_validate_package(srv_check *chk, struct mpk_package *pkg)
{
    const mpk_manifest *m = mpk_package_manifest(pkg);
    mpk_findings *findings = NULL;
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
    /* The same rules as `mpk validate`, with its default settings: an upload is held to what a
     * developer's own tools already told them. Warnings (start far from standing) do not reject. */
    mpk_error_clear();
    rc = mpk_validate_package(&findings, pkg, NULL);
    if (rc == MPK_ENOMEM)
        return srv_err(SRV_ENOMEM, "out of memory");
    if (rc) {
        srv_check_reject(chk, 422, "invalid", "motions cannot be validated: %s",
                         *mpk_error_message() ? mpk_error_message() : mpk_strerror(rc));
        return SRV_OK;
    }
    for (i = 0; i < mpk_findings_count(findings); i++) {
        const mpk_finding *f = mpk_findings_get(findings, i);
        if (f->severity == MPK_SEVERITY_ERROR)
            srv_check_reject(chk, 422, "invalid", "motion %s: %s (%s)", f->motion ? f->motion : "?",
                             f->message, mpk_rule_name(f->rule));
    }
    mpk_findings_free(findings);
    return SRV_OK;
}
