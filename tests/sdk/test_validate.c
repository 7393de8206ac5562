/* Motion validation: every rule with a track that breaks it and one that does not, findings that
 * name joint, time and value, warnings apart from errors, options that move the bounds, the JSON
 * form, and the same findings for a project and the package built from it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpk/mpk.h"
#include "testutil.h"

typedef double (*curve)(double t, int joint, const double *p);

/* A g1-29dof track of the named joints, sampled from fn. */
static mpk_track *make(const char *robot, const char *const *joints, int J, double rate,
                       double duration, curve fn, const double *p)
{
    uint32_t F = (uint32_t)llround(duration * rate) + 1, f;
    mpk_track *t = NULL;
    int j;

    assert_int_equal(mpk_track_new(&t, robot, J, joints, rate, F, 0), MPK_OK);
    for (f = 0; f < F; f++)
        for (j = 0; j < J; j++)
            mpk_track_positions(t)[(size_t)f * J + j] = (float)fn(f / rate, j, p);
    return t;
}

/* p[0] + p[1] sin(2 pi p[2] t) for every joint. */
static double sine(double t, int j, const double *p)
{
    (void)j;
    return p[0] + p[1] * sin(2 * M_PI * p[2] * t);
}

/* From p[0] up by p[1] and back, over p[2] seconds (a raised cosine). */
static double bump(double t, int j, const double *p)
{
    (void)j;
    return p[0] + p[1] * 0.5 * (1 - cos(2 * M_PI * t / p[2]));
}

static const char *const elbow[] = {"right_elbow"};
static const mpk_robot_model *g1;

static mpk_findings *check(const mpk_track *t, unsigned perms, const mpk_validate_options *o)
{
    mpk_findings *list = NULL;
    assert_int_equal(mpk_validate_track(&list, t, mpk_robot_find(mpk_track_robot(t)), perms, o),
                     MPK_OK);
    return list;
}

/* The finding of rule for joint (NULL: any joint), or NULL. */
static const mpk_finding *find(const mpk_findings *list, mpk_rule rule, const char *joint)
{
    size_t i;
    for (i = 0; i < mpk_findings_count(list); i++) {
        const mpk_finding *f = mpk_findings_get(list, i);
        if (f->rule == rule && (!joint || (f->joint && strcmp(f->joint, joint) == 0)))
            return f;
    }
    return NULL;
}

/* Runs a track through the rules: rule must (or must not) report joint. */
static const mpk_finding *expect(mpk_findings **keep, mpk_track *t, unsigned perms,
                                 const mpk_validate_options *o, mpk_rule rule, const char *joint,
                                 bool found)
{
    mpk_findings *list = check(t, perms, o);
    const mpk_finding *f = find(list, rule, joint);

    if (found != (f != NULL)) {
        size_t i;
        for (i = 0; i < mpk_findings_count(list); i++)
            print_message("  %s\n", mpk_findings_get(list, i)->message);
        fail_msg("rule %s: %s", mpk_rule_name(rule), found ? "no finding" : "unexpected finding");
    }
    mpk_track_free(t);
    *keep = list;
    return f;
}

static void test_clean_motion(void **state)
{
    double p[] = {0, 0.8, 2};
    mpk_track *t = make("g1-29dof", elbow, 1, 50, 2, bump, p);
    mpk_findings *list = check(t, 0, NULL);
    char *json = NULL;
    size_t size = 0;

    (void)state;
    assert_int_equal(mpk_findings_count(list), 0);
    assert_int_equal(mpk_findings_errors(list), 0);
    assert_int_equal(mpk_findings_to_json(&json, &size, list), MPK_OK);
    assert_non_null(strstr(json, "\"errors\": 0"));
    assert_non_null(strstr(json, "\"findings\": []"));
    free(json);
    mpk_findings_free(list);
    mpk_track_free(t);
}

static void test_limit(void **state)
{
    mpk_findings *list;
    const mpk_finding *f;
    double near[] = {0, 2.06, 2}, fine[] = {0, 2.0, 2}, beyond[] = {-0.5, 2.7, 2};
    mpk_track *t;

    (void)state;
    /* 2.06 is within 0.05 of the upper limit 2.0944: an error at the top of the bump, t = 1 s. */
    f = expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, near), 0, NULL, MPK_RULE_LIMIT,
               "right_elbow", true);
    assert_int_equal(f->severity, MPK_SEVERITY_ERROR);
    assert_float_equal(f->time, 1.0, 1e-9);
    assert_float_equal(f->value, 2.06, 1e-6);
    assert_float_equal(f->limit, 2.0944 - 0.05, 1e-4);
    assert_true(f->count > 1 && f->first < 1 && f->last > 1);
    assert_non_null(strstr(f->message, "right_elbow: position 2.06 rad at 1 s is within the margin "
                                       "of the upper limit 2.0944"));
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, fine), 0, NULL, MPK_RULE_LIMIT, NULL,
           false);
    mpk_findings_free(list);
    /* Beyond the hard limit (a track that mpk_track_check would refuse, built in memory). */
    t = make("g1-29dof", elbow, 1, 50, 2, bump, beyond);
    f = expect(&list, t, 0, NULL, MPK_RULE_LIMIT, "right_elbow", true);
    assert_non_null(strstr(f->message, "is beyond the upper limit"));
    mpk_findings_free(list);
}

static void test_velocity_acceleration_jerk(void **state)
{
    mpk_validate_options o;
    mpk_findings *list;
    const mpk_finding *f;
    double fast[] = {0.5, 1.0, 6}, ok[] = {0.5, 1.0, 5};
    double acc_bad[] = {0.5, 0.5, 2.8}, acc_ok[] = {0.5, 0.5, 2.6};
    double jerk_bad[] = {0.5, 0.12, 5}, jerk_ok[] = {0.5, 0.08, 5};

    (void)state;
    /* right_elbow: 37 rad/s x 0.9 = 33.3; 1 rad at 6 Hz peaks at 37.7 rad/s, at 5 Hz 31.4. */
    f = expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, fast), 0, NULL, MPK_RULE_VELOCITY,
               "right_elbow", true);
    assert_float_equal(f->limit, 33.3, 1e-9);
    assert_true(fabs(f->value) > 37 && fabs(f->value) < 37.8);
    assert_true(f->time >= 0 && f->time <= 2);
    assert_non_null(strstr(f->message, "(0.9 x the limit 37 rad/s)"));
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, ok), 0, NULL, MPK_RULE_VELOCITY, NULL,
           false);
    mpk_findings_free(list);
    /* The factor moves the bound: at 0.5 x the limit the 5 Hz sine is too fast. */
    mpk_validate_options_init(&o);
    o.velocity_factor = 0.5;
    expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, ok), 0, &o, MPK_RULE_VELOCITY,
           "right_elbow", true);
    mpk_findings_free(list);

    /* Acceleration limit 148 rad/s^2: 0.5 (2 pi 2.8)^2 = 155, 0.5 (2 pi 2.6)^2 = 133. */
    f = expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, acc_bad), 0, NULL,
               MPK_RULE_ACCELERATION, "right_elbow", true);
    assert_true(fabs(f->value) > 148 && fabs(f->value) < 156);
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, acc_ok), 0, NULL, MPK_RULE_ACCELERATION,
           NULL, false);
    mpk_findings_free(list);

    /* Jerk limit 2960 rad/s^3: 0.12 (2 pi 5)^3 = 3720 with acceleration within its bound. */
    f = expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, jerk_bad), 0, NULL, MPK_RULE_JERK,
               "right_elbow", true);
    assert_true(fabs(f->value) > 2960 && fabs(f->value) < 3800);
    assert_null(find(list, MPK_RULE_ACCELERATION, NULL));
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 500, 2, sine, jerk_ok), 0, NULL, MPK_RULE_JERK, NULL,
           false);
    mpk_findings_free(list);

    /* Recorded velocities are checked too. */
    {
        mpk_track *t = NULL;
        const char *const j[] = {"right_elbow"};
        uint32_t i;
        assert_int_equal(mpk_track_new(&t, "g1-29dof", 1, j, 50, 101, MPK_TRACK_VELOCITIES),
                         MPK_OK);
        for (i = 0; i < 101; i++)
            mpk_track_velocities(t)[i] = i == 40 ? 40.0f : 0.0f;
        f = expect(&list, t, 0, NULL, MPK_RULE_VELOCITY, "right_elbow", true);
        assert_float_equal(f->time, 0.8, 1e-9);
        assert_float_equal(f->value, 40, 1e-9);
        mpk_findings_free(list);
    }
}

/* A step of p[0] rad at 1 s. */
static double step(double t, int j, const double *p)
{
    (void)j;
    return t >= 1 ? p[0] : 0;
}

static void test_jump_nan_duration(void **state)
{
    mpk_validate_options o;
    mpk_findings *list;
    const mpk_finding *f;
    double big[] = {0.6}, small[] = {0.4}, p[] = {0, 0.5, 2};
    mpk_track *t;

    (void)state;
    f = expect(&list, make("g1-29dof", elbow, 1, 10, 2, step, big), 0, NULL, MPK_RULE_JUMP,
               "right_elbow", true);
    assert_float_equal(f->time, 0.9, 1e-9);
    assert_float_equal(f->value, 0.6, 1e-6);
    assert_non_null(strstr(f->message, "jumps 0.6 rad in one sample at 0.9 s"));
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 10, 2, step, small), 0, NULL, MPK_RULE_JUMP, NULL,
           false);
    mpk_findings_free(list);

    /* NaN, as a track built in memory may hold. */
    t = make("g1-29dof", elbow, 1, 50, 2, bump, p);
    mpk_track_positions(t)[7] = NAN;
    mpk_track_positions(t)[9] = NAN;
    f = expect(&list, t, 0, NULL, MPK_RULE_NAN, "right_elbow", true);
    assert_float_equal(f->time, 0.14, 1e-9);
    assert_int_equal(f->count, 2);
    assert_non_null(strstr(f->message, "right_elbow: NaN at 0.14 s"));
    assert_null(find(list, MPK_RULE_VELOCITY, NULL)); /* no arithmetic on NaN reported */
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, p), 0, NULL, MPK_RULE_NAN, NULL, false);
    mpk_findings_free(list);

    /* Duration: 0.3 s is too short by default; 2 s too long when at most 1 s is allowed. */
    p[2] = 0.3;
    f = expect(&list, make("g1-29dof", elbow, 1, 50, 0.3, bump, p), 0, NULL, MPK_RULE_DURATION,
               NULL, true);
    assert_float_equal(f->value, 0.3, 1e-9);
    assert_null(f->joint);
    mpk_findings_free(list);
    p[2] = 2;
    mpk_validate_options_init(&o);
    o.max_duration = 1;
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, p), 0, &o, MPK_RULE_DURATION, NULL, true);
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, p), 0, NULL, MPK_RULE_DURATION, NULL,
           false);
    mpk_findings_free(list);
}

/* Knee bends from standing (0.3) and back; the elbow waves. */
static double knee_and_elbow(double t, int j, const double *p)
{
    return j == 0 ? p[0] + p[1] * 0.5 * (1 - cos(M_PI * t)) : 0.3 * sin(M_PI * t);
}

static void test_full_body_and_stand(void **state)
{
    static const char *const joints[] = {"left_knee", "right_elbow"};
    double moving[] = {0.3, 0.4}, held[] = {0.6, 0}, standing[] = {0.3, 0};
    double start_far[] = {0.5, 0, 10};
    mpk_findings *list;
    const mpk_finding *f;

    (void)state;
    f = expect(&list, make("g1-29dof", joints, 2, 50, 2, knee_and_elbow, moving), 0, NULL,
               MPK_RULE_FULL_BODY, "left_knee", true);
    assert_int_equal(f->severity, MPK_SEVERITY_ERROR);
    assert_float_equal(f->value, 0.7, 1e-6);
    assert_float_equal(f->time, 1.0, 1e-9);
    assert_non_null(strstr(f->message, "without the full-body permission"));
    mpk_findings_free(list);
    /* With the permission the knee may move. */
    expect(&list, make("g1-29dof", joints, 2, 50, 2, knee_and_elbow, moving), MPK_PERM_FULL_BODY,
           NULL, MPK_RULE_FULL_BODY, NULL, false);
    mpk_findings_free(list);
    /* Held still away from standing: a warning, no error. */
    f = expect(&list, make("g1-29dof", joints, 2, 50, 2, knee_and_elbow, held), 0, NULL,
               MPK_RULE_FULL_BODY, "left_knee", true);
    assert_int_equal(f->severity, MPK_SEVERITY_WARNING);
    assert_int_equal(mpk_findings_errors(list), 0);
    mpk_findings_free(list);
    expect(&list, make("g1-29dof", joints, 2, 50, 2, knee_and_elbow, standing), 0, NULL,
           MPK_RULE_FULL_BODY, NULL, false);
    mpk_findings_free(list);
    /* A Go2 motion is all legs. */
    {
        static const char *const go2[] = {"FR_thigh"};
        double thigh[] = {0.67, 0.3, 2};
        f = expect(&list, make("go2", go2, 1, 50, 2, bump, thigh), 0, NULL, MPK_RULE_FULL_BODY,
                   "FR_thigh", true);
        mpk_findings_free(list);
    }

    /* Starting and ending far from standing: warnings, one per end, naming the joint. */
    f = expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, start_far), 0, NULL, MPK_RULE_STAND,
               "right_elbow", true);
    assert_int_equal(f->severity, MPK_SEVERITY_WARNING);
    assert_float_equal(f->value, 0.5, 1e-6);
    assert_float_equal(f->time, 0, 0);
    assert_non_null(strstr(f->message, "right_elbow: starts at 0.5 rad"));
    assert_int_equal(mpk_findings_warnings(list), 2);
    assert_int_equal(mpk_findings_errors(list), 0);
    mpk_findings_free(list);
    start_far[0] = 0.05;
    start_far[1] = 0.5;
    start_far[2] = 2;
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, start_far), 0, NULL, MPK_RULE_STAND, NULL,
           false);
    mpk_findings_free(list);
}

static void test_track_rule_and_options(void **state)
{
    static const char *const odd[] = {"right_elbow", "torso"};
    double p[] = {0, 0.5, 2};
    mpk_validate_options o;
    mpk_findings *list = NULL;
    const mpk_finding *f;
    mpk_track *t;
    char *json = NULL;
    size_t size;

    (void)state;
    /* A joint the model does not have. */
    f = expect(&list, make("g1-29dof", odd, 2, 50, 2, bump, p), 0, NULL, MPK_RULE_TRACK, "torso",
               true);
    assert_non_null(strstr(f->message, "torso: not a joint of g1-29dof"));
    mpk_findings_free(list);
    /* A track for another robot. */
    t = make("h1", elbow, 1, 50, 2, bump, p);
    assert_int_equal(mpk_validate_track(&list, t, g1, 0, NULL), MPK_OK);
    f = find(list, MPK_RULE_TRACK, NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "the track is for 'h1', not 'g1-29dof'"));
    mpk_findings_free(list);
    mpk_track_free(t);
    expect(&list, make("g1-29dof", elbow, 1, 50, 2, bump, p), 0, NULL, MPK_RULE_TRACK, NULL, false);
    mpk_findings_free(list);

    /* Options are checked. */
    t = make("g1-29dof", elbow, 1, 50, 2, bump, p);
    mpk_validate_options_init(&o);
    o.velocity_factor = 0;
    list = NULL;
    assert_int_equal(mpk_validate_track(&list, t, g1, 0, &o), MPK_EINVAL);
    assert_non_null(strstr(mpk_error_message(), "validation.velocity_factor"));
    assert_null(list);
    mpk_validate_options_init(&o);
    o.version = 99;
    assert_int_equal(mpk_validate_track(&list, t, g1, 0, &o), MPK_EINVAL);

    /* JSON. */
    mpk_track_positions(t)[3] = NAN;
    assert_int_equal(mpk_validate_track(&list, t, g1, 0, NULL), MPK_OK);
    assert_int_equal(mpk_findings_to_json(&json, &size, list), MPK_OK);
    assert_non_null(strstr(json, "\"rule\": \"nan\""));
    assert_non_null(strstr(json, "\"severity\": \"error\""));
    assert_non_null(strstr(json, "\"joint\": \"right_elbow\""));
    assert_non_null(strstr(json, "\"motion\": null"));
    free(json);
    mpk_findings_free(list);
    mpk_track_free(t);
}

/* The same rules through a project and through the package built from it. */
static void test_project_and_package(void **state)
{
    char *dir = ms_tmpdir("validate"), *path, *pkg_path = ms_join(dir, "out.mpk");
    mpk_project *p = NULL;
    mpk_findings *a = NULL, *b = NULL;
    mpk_package *pkg = NULL;
    mpk_key *key = NULL;
    mpk_validate_options o;
    const char *project =
        "{\"format\": 1, \"id\": \"com.example.fast\", \"version\": \"1.0.0\", \"name\": {\"en\": "
        "\"Fast\"}, \"description\": {\"en\": \"Too fast.\"}, \"author\": \"Tests\", "
        "\"license\": \"MIT\", \"category\": \"gesture\", \"rate\": 100, \"thumbnail\": false, "
        "\"validation\": {\"velocity_factor\": 0.5},"
        " \"motions\": [{\"name\": \"flick\", \"robot\": \"g1-29dof\", \"source\": {\"type\": "
        "\"keyframes\", \"file\": \"flick.json\"}}]}";
    const char *keys = "{\"format\": 1, \"interpolation\": \"minjerk\", \"keyframes\": ["
                       "{\"time\": 0, \"pose\": \"stand\", \"joints\": {\"right_elbow\": 0}},"
                       "{\"time\": 0.1, \"joints\": {\"right_elbow\": 1.5}},"
                       "{\"time\": 1, \"joints\": {\"right_elbow\": 0}}]}";

    (void)state;
    path = ms_join(dir, "mpk-project.json");
    ms_write(path, project, strlen(project));
    free(path);
    path = ms_join(dir, "flick.json");
    ms_write(path, keys, strlen(keys));
    free(path);
    assert_int_equal(mpk_project_load(&p, dir), MPK_OK);
    assert_float_equal(mpk_project_rate(p), 100, 0);
    assert_string_equal(mpk_project_source_type(p, 0), "keyframes");
    assert_string_equal(mpk_project_source_file(p, 0), "flick.json");
    assert_int_equal(mpk_project_thumbnail(p, NULL, NULL), MPK_PROJECT_THUMBNAIL_NONE);
    mpk_project_validate_options(&o, p);
    assert_float_equal(o.velocity_factor, 0.5, 0);
    assert_int_equal(mpk_validate_project(&a, p, NULL), MPK_OK);
    assert_non_null(find(a, MPK_RULE_VELOCITY, "right_elbow"));
    assert_string_equal(find(a, MPK_RULE_VELOCITY, NULL)->motion, "flick");

    assert_int_equal(mpk_key_generate(&key), MPK_OK);
    assert_int_equal(mpk_project_build(p, pkg_path, key), MPK_OK);
    assert_int_equal(mpk_package_open(&pkg, pkg_path), MPK_OK);
    assert_int_equal(mpk_package_verify(pkg, NULL), MPK_OK);
    assert_int_equal(mpk_validate_package(&b, pkg, &o), MPK_OK);
    assert_int_equal(mpk_findings_count(a), mpk_findings_count(b));
    assert_int_equal(mpk_findings_errors(a), mpk_findings_errors(b));
    assert_string_equal(find(b, MPK_RULE_VELOCITY, NULL)->message,
                        find(a, MPK_RULE_VELOCITY, NULL)->message);
    mpk_findings_free(b);
    /* With the defaults (velocity at 0.9 of the limit) the package is fine on velocity. */
    assert_int_equal(mpk_validate_package(&b, pkg, NULL), MPK_OK);
    assert_null(find(b, MPK_RULE_VELOCITY, NULL));
    mpk_findings_free(b);

    mpk_package_free(pkg);
    mpk_key_free(key);
    mpk_findings_free(a);
    mpk_project_free(p);
    ms_rm_rf(dir);
    free(dir);
    free(pkg_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_motion),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_velocity_acceleration_jerk),
        cmocka_unit_test(test_jump_nan_duration),
        cmocka_unit_test(test_full_body_and_stand),
        cmocka_unit_test(test_track_rule_and_options),
        cmocka_unit_test(test_project_and_package),
    };
    g1 = mpk_robot_find("g1-29dof");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
