/* Internal pieces of validation shared by validate.c, findings.c and retime.c. */
#ifndef MPK_VALIDATE_INTERNAL_H
#define MPK_VALIDATE_INTERNAL_H

#include "mpk/validate.h"

/** A new empty list. */
int mpk__findings_new(mpk_findings **out);

/** Appends a copy of f (its strings copied) with a formatted message. */
int mpk__findings_add(mpk_findings *list, const mpk_finding *f, const char *fmt, ...)
    MPK_PRINTF(3, 4);

/** Runs every rule on one track, appending to list; motion names it (or NULL). */
int mpk__validate_into(mpk_findings *list, const char *motion, const mpk_track *track,
                       const mpk_robot_model *model, unsigned permissions,
                       const mpk_validate_options *opts);

/**
 * The dynamic bounds of a track's joints: velocity, acceleration and jerk limits with the
 * factors applied (NaN for a joint the model does not know).
 */
void mpk__dynamic_limits(double *vmax, double *amax, double *jmax, const mpk_track *track,
                         const mpk_robot_model *model, const mpk_validate_options *opts);

/**
 * How much too fast every frame is: ratio[f] = the largest of |v| / vmax, sqrt(|a| / amax) and
 * cbrt(|j| / jmax) over the joints, for the differences that involve frame f (1 means just at
 * the bounds; slowing that part down by the ratio brings it within them).
 */
void mpk__dynamic_ratios(double *ratio, const float *positions, uint32_t frames, int joints,
                         double rate, const double *vmax, const double *amax, const double *jmax);

#endif
