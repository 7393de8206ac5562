/* robotgen: strict reader of model specs with jansson. Every error names the file and field. */
#include "spec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct ctx {
    const char *path;
    char *err;
    size_t errlen;
} ctx;

static int fail(const ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const ctx *c, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s: %s", c->path, field, msg);
    return -1;
}

/* Rejects keys not in `allowed` (NULL-terminated): a typo must not silently drop a fact. */
static int check_keys(const ctx *c, const char *field, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return fail(c, field, "must be an object");
    json_object_foreach(obj, key, v)
    {
        const char *const *a;

        for (a = allowed; *a; a++) {
            if (strcmp(*a, key) == 0)
                break;
        }
        if (!*a)
            return fail(c, field, "unknown key '%s'", key);
    }
    return 0;
}

static int get_string(char **out, const ctx *c, json_t *obj, const char *key, const char *field)
{
    json_t *v = json_object_get(obj, key);
    char name[160];

    snprintf(name, sizeof(name), "%s%s%s", field, *field ? "." : "", key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 200)
        return fail(c, name, "must be a non-empty string of at most 200 characters");
    /* Strings end up inside C string literals in the generated source. */
    for (const char *p = json_string_value(v); *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
            return fail(c, name, "must not contain quotes, backslashes or control characters");
    }
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(c, name, "must not contain NUL");
    *out = strdup(json_string_value(v));
    return *out ? 0 : fail(c, name, "out of memory");
}

static int get_number(double *out, const ctx *c, json_t *obj, const char *key, const char *field,
                      double min, double max)
{
    json_t *v = json_object_get(obj, key);
    char name[160];

    snprintf(name, sizeof(name), "%s%s%s", field, *field ? "." : "", key);
    if (!json_is_number(v))
        return fail(c, name, "must be a number");
    *out = json_number_value(v);
    if (!isfinite(*out) || *out < min || *out > max)
        return fail(c, name, "must be between %g and %g", min, max);
    return 0;
}

static int get_int(int *out, const ctx *c, json_t *obj, const char *key, const char *field, int min,
                   int max)
{
    json_t *v = json_object_get(obj, key);
    char name[160];

    snprintf(name, sizeof(name), "%s%s%s", field, *field ? "." : "", key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(c, name, "must be an integer between %d and %d", min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int get_bool(int *out, const ctx *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_boolean(v))
        return fail(c, key, "must be true or false");
    *out = json_is_true(v);
    return 0;
}

static int get_array(json_t **out, const ctx *c, json_t *obj, const char *key, size_t max)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
        return fail(c, key, "must be an array of 1 to %zu entries", max);
    *out = v;
    return 0;
}

static int read_header(rg_spec *s, const ctx *c, json_t *root)
{
    char *family = NULL;
    int rc = -1;

    if (get_string(&s->id, c, root, "id", "") || get_string(&s->name, c, root, "name", "") ||
        get_string(&s->urdf, c, root, "urdf", "") || get_string(&family, c, root, "dds_family", ""))
        goto out;
    if (strcmp(family, "hg") == 0) {
        s->family = MPK_DDS_HG;
    } else if (strcmp(family, "go") == 0) {
        s->family = MPK_DDS_GO;
    } else {
        fail(c, "dds_family", "must be \"hg\" or \"go\"");
        goto out;
    }
    if (strchr(s->urdf, '/')) {
        fail(c, "urdf", "must be a file name in the URDF folder");
        goto out;
    }
    if (get_int(&s->motor_slots, c, root, "motor_slots", "", 1, MPK_ROBOT_MAX_JOINTS) ||
        get_int(&s->weight_slot, c, root, "weight_slot", "", -1, MPK_ROBOT_MAX_JOINTS - 1) ||
        get_int(&s->mode_machine, c, root, "mode_machine", "", 0, 255) ||
        get_bool(&s->humanoid, c, root, "humanoid") ||
        get_number(&s->control_period, c, root, "control_period", "", 0.0005, 0.1))
        goto out;
    if (s->family == MPK_DDS_HG && s->motor_slots != 35)
        fail(c, "motor_slots", "the hg family has 35 motor slots");
    else if (s->family == MPK_DDS_GO && s->motor_slots != 20)
        fail(c, "motor_slots", "the go family has 20 motor slots");
    else if (s->weight_slot >= s->motor_slots)
        fail(c, "weight_slot", "must be below motor_slots (%d) or -1", s->motor_slots);
    else
        rc = 0;
out:
    free(family);
    return rc;
}

static int read_policy(rg_spec *s, const ctx *c, json_t *root)
{
    static const char *const keys[] = {"time_to_max_velocity", "time_to_max_acceleration", NULL};
    json_t *p = json_object_get(root, "limits_policy");

    if (check_keys(c, "limits_policy", p, keys))
        return -1;
    return get_number(&s->time_to_max_velocity, c, p, "time_to_max_velocity", "limits_policy", 0.01,
                      10) ||
                   get_number(&s->time_to_max_acceleration, c, p, "time_to_max_acceleration",
                              "limits_policy", 0.001, 10)
               ? -1
               : 0;
}

static int read_sole(rg_spec *s, const ctx *c, json_t *root)
{
    static const char *const keys[] = {"links", "offset", NULL};
    json_t *p = json_object_get(root, "sole"), *links;
    size_t i;

    if (check_keys(c, "sole", p, keys))
        return -1;
    links = json_object_get(p, "links");
    if (!json_is_array(links) || json_array_size(links) == 0 ||
        json_array_size(links) > RG_SPEC_MAX_SOLES)
        return fail(c, "sole.links", "must be an array of 1 to %d link names", RG_SPEC_MAX_SOLES);
    for (i = 0; i < json_array_size(links); i++) {
        json_t *v = json_array_get(links, i);

        if (!json_is_string(v) || json_string_length(v) == 0)
            return fail(c, "sole.links", "entry %zu must be a link name", i);
        s->sole_links[s->sole_count] = strdup(json_string_value(v));
        if (!s->sole_links[s->sole_count++])
            return fail(c, "sole.links", "out of memory");
    }
    return get_number(&s->sole_offset, c, p, "offset", "sole", 0, 0.5);
}

static int read_sides(rg_spec *s, const ctx *c, json_t *root)
{
    static const char *const keys[] = {"left", "right", NULL};
    json_t *arr = json_object_get(root, "sides");
    size_t i;

    /* A model may have no sides at all, so an empty array is fine here. */
    if (!json_is_array(arr) || json_array_size(arr) > RG_SPEC_MAX_RULES)
        return fail(c, "sides", "must be an array of at most %d rules", RG_SPEC_MAX_RULES);
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *r = json_array_get(arr, i);
        rg_side_rule *rule = &s->sides[s->side_count++]; /* counted first: freed if half-read */
        char field[64];

        snprintf(field, sizeof(field), "sides[%zu]", i);
        if (check_keys(c, field, r, keys) || get_string(&rule->left, c, r, "left", field) ||
            get_string(&rule->right, c, r, "right", field))
            return -1;
    }
    return 0;
}

static int read_groups(rg_spec *s, const ctx *c, json_t *root)
{
    static const char *const keys[] = {"match", "group", NULL};
    json_t *arr;
    size_t i;

    if (get_array(&arr, c, root, "groups", RG_SPEC_MAX_RULES))
        return -1;
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *r = json_array_get(arr, i);
        rg_group_rule *g = &s->groups[s->group_count++];
        char field[64], *group = NULL;

        snprintf(field, sizeof(field), "groups[%zu]", i);
        if (check_keys(c, field, r, keys) || get_string(&g->match, c, r, "match", field) ||
            get_string(&group, c, r, "group", field))
            return -1;
        if (strcmp(group, "leg") == 0)
            g->group = MPK_GROUP_LEG;
        else if (strcmp(group, "waist") == 0)
            g->group = MPK_GROUP_WAIST;
        else if (strcmp(group, "arm") == 0)
            g->group = MPK_GROUP_ARM;
        else {
            free(group);
            return fail(c, field, "group must be \"leg\", \"waist\" or \"arm\"");
        }
        free(group);
    }
    return 0;
}

static int read_motors(rg_spec *s, const ctx *c, json_t *root)
{
    static const char *const keys[] = {"slot", "joint", "kp", "kd", "stand", "mode", NULL};
    json_t *arr;
    size_t i;
    int j;

    if (get_array(&arr, c, root, "motors", MPK_ROBOT_MAX_JOINTS))
        return -1;
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *r = json_array_get(arr, i);
        rg_motor *m = &s->motors[s->motor_count++];
        char field[64];

        snprintf(field, sizeof(field), "motors[%zu]", i);
        m->mode = 1;
        if (check_keys(c, field, r, keys) || get_string(&m->joint, c, r, "joint", field) ||
            get_int(&m->slot, c, r, "slot", field, 0, s->motor_slots - 1) ||
            get_number(&m->kp, c, r, "kp", field, 0, 5000) ||
            get_number(&m->kd, c, r, "kd", field, 0, 500) ||
            get_number(&m->stand, c, r, "stand", field, -10, 10))
            return -1;
        if (json_object_get(r, "mode") && get_int(&m->mode, c, r, "mode", field, 0, 255))
            return -1;
        if (m->slot == s->weight_slot)
            return fail(c, field, "slot %d is the arm_sdk weight slot", m->slot);
        for (j = 0; j < s->motor_count - 1; j++) {
            if (s->motors[j].slot == m->slot)
                return fail(c, field, "slot %d already used by motors[%d]", m->slot, j);
            if (strcmp(s->motors[j].joint, m->joint) == 0)
                return fail(c, field, "joint '%s' already in motors[%d]", m->joint, j);
        }
    }
    return 0;
}

int rg_spec_load(rg_spec **out, const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {
        "id",          "name",         "urdf",     "dds_family",     "motor_slots",
        "weight_slot", "mode_machine", "humanoid", "control_period", "limits_policy",
        "sole",        "sides",        "groups",   "motors",         "notes",
        NULL};
    ctx c = {path, err, errlen};
    json_error_t jerr;
    json_t *root = NULL;
    rg_spec *s = calloc(1, sizeof(*s));
    int rc = -1;

    if (!s)
        return fail(&c, "spec", "out of memory");
    s->path = strdup(path);
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        goto out;
    }
    if (check_keys(&c, "(top level)", root, keys) || read_header(s, &c, root) ||
        read_policy(s, &c, root) || read_sole(s, &c, root) || read_sides(s, &c, root) ||
        read_groups(s, &c, root) || read_motors(s, &c, root))
        goto out;
    if (json_object_get(root, "notes") && !json_is_object(json_object_get(root, "notes"))) {
        fail(&c, "notes", "must be an object of explanations");
        goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    json_decref(root);
    rg_spec_free(s);
    return rc;
}

void rg_spec_free(rg_spec *s)
{
    int i;

    if (!s)
        return;
    for (i = 0; i < s->sole_count; i++)
        free(s->sole_links[i]);
    for (i = 0; i < s->side_count; i++) {
        free(s->sides[i].left);
        free(s->sides[i].right);
    }
    for (i = 0; i < s->group_count; i++)
        free(s->groups[i].match);
    for (i = 0; i < s->motor_count; i++)
        free(s->motors[i].joint);
    free(s->id);
    free(s->name);
    free(s->urdf);
    free(s->path);
    free(s);
}

int rg_spec_index_load(char ***ids, int *count, const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {"models", "notes", NULL};
    ctx c = {path, err, errlen};
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *arr;
    char **out = NULL;
    int n = 0, rc = -1;
    size_t i;

    if (!root) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    if (check_keys(&c, "(top level)", root, keys) ||
        get_array(&arr, &c, root, "models", RG_SPEC_MAX_MODELS))
        goto out;
    out = calloc(json_array_size(arr), sizeof(char *));
    if (!out) {
        fail(&c, "models", "out of memory");
        goto out;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        const char *id = json_string_value(v);

        /* Ids name files and C identifiers: keep them to [a-z0-9-]. */
        if (!id || !*id || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(id) ||
            strlen(id) > 32) {
            fail(&c, "models", "entry %zu must be an id of a-z, 0-9 and '-'", i);
            goto out;
        }
        out[n] = strdup(id);
        if (!out[n++]) {
            fail(&c, "models", "out of memory");
            goto out;
        }
    }
    *ids = out;
    *count = n;
    out = NULL;
    rc = 0;
out:
    rg_spec_index_free(out, n);
    json_decref(root);
    return rc;
}

void rg_spec_index_free(char **ids, int count)
{
    int i;

    if (!ids)
        return;
    for (i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}
