/* robotgen: reads the kinematic part of a URDF with libxml2 and checks it is one tree. */
#include "urdf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int rg_read_file(char **out, size_t *size, const char *path, size_t max, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;
    int rc = -1;

    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    buf = malloc(max + 1);
    if (!buf) {
        fail(err, errlen, "%s: out of memory", path);
        goto out;
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        fail(err, errlen, "%s: read error", path);
        goto out;
    }
    if (n > max) {
        fail(err, errlen, "%s: larger than %zu bytes", path, max);
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *size = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

/* Names end up in C string literals and JSON: printable ASCII without quotes or backslashes. */
static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 200)
        return 0;
    for (; *s; s++) {
        if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
            return 0;
    }
    return 1;
}

static int is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *first_child(const xmlNode *n, const char *name)
{
    const xmlNode *c;

    for (c = n->children; c; c = c->next) {
        if (is_element(c, name))
            return c;
    }
    return NULL;
}

/* Attribute value, malloc'd, or NULL when absent. */
static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s;

    if (!v)
        return NULL;
    s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

/* Parses exactly `count` finite numbers separated by white space. */
static int parse_numbers(double *out, int count, const char *text)
{
    const char *p = text;
    char *end;
    int i;

    for (i = 0; i < count; i++) {
        errno = 0;
        out[i] = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(out[i]))
            return -1;
        p = end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return *p == '\0' ? 0 : -1;
}

/* Reads attribute `name` of element `n` as `count` numbers; absent means `dflt`. */
static int read_vector(double *out, int count, const xmlNode *n, const char *name,
                       const double *dflt, const char *file, const char *joint, char *err,
                       size_t errlen)
{
    char *v = n ? attr(n, name) : NULL;
    int rc = 0;

    if (!v) {
        memcpy(out, dflt, sizeof(double) * (size_t)count);
        return 0;
    }
    if (parse_numbers(out, count, v) != 0)
        rc = fail(err, errlen, "%s:%ld: joint '%s': <%s %s=\"%s\">: expected %d finite numbers",
                  file, xmlGetLineNo(n), joint, (const char *)n->name, name, v, count);
    free(v);
    return rc;
}

int rg_urdf_link_index(const rg_urdf *u, const char *name)
{
    int i;

    for (i = 0; i < u->link_count; i++) {
        if (strcmp(u->links[i], name) == 0)
            return i;
    }
    return -1;
}

int rg_urdf_joint_index(const rg_urdf *u, const char *name)
{
    int i;

    for (i = 0; i < u->joint_count; i++) {
        if (strcmp(u->joints[i].name, name) == 0)
            return i;
    }
    return -1;
}

void rg_urdf_free(rg_urdf *u)
{
    int i;

    if (!u)
        return;
    /* Both arrays hold RG_URDF_MAX_ITEMS zeroed entries, so every slot can be freed. */
    for (i = 0; u->links && i < RG_URDF_MAX_ITEMS; i++)
        free(u->links[i]);
    for (i = 0; u->joints && i < RG_URDF_MAX_ITEMS; i++)
        free(u->joints[i].name);
    free(u->links);
    free(u->joints);
    free(u->name);
    free(u);
}

static int read_links(rg_urdf *u, const xmlNode *robot, const char *file, char *err, size_t errlen)
{
    const xmlNode *n;

    for (n = robot->children; n; n = n->next) {
        char *name;

        if (!is_element(n, "link"))
            continue;
        name = attr(n, "name");
        if (!valid_name(name)) {
            free(name);
            return fail(err, errlen, "%s:%ld: <link> without a valid name", file, xmlGetLineNo(n));
        }
        if (rg_urdf_link_index(u, name) >= 0) {
            fail(err, errlen, "%s:%ld: link '%s' defined twice", file, xmlGetLineNo(n), name);
            free(name);
            return -1;
        }
        if (u->link_count == RG_URDF_MAX_ITEMS) {
            free(name);
            return fail(err, errlen, "%s: more than %d links", file, RG_URDF_MAX_ITEMS);
        }
        u->links[u->link_count++] = name;
    }
    if (u->link_count == 0)
        return fail(err, errlen, "%s: no <link>", file);
    return 0;
}

/* Resolves <parent link=...> or <child link=...> of a joint to a link index. */
static int joint_link(int *out, const xmlNode *j, const char *which, const rg_urdf *u,
                      const char *file, const char *joint, char *err, size_t errlen)
{
    const xmlNode *e = first_child(j, which);
    char *name = e ? attr(e, "link") : NULL;
    int rc = 0;

    if (!name)
        return fail(err, errlen, "%s:%ld: joint '%s': missing <%s link=...>", file, xmlGetLineNo(j),
                    joint, which);
    *out = rg_urdf_link_index(u, name);
    if (*out < 0)
        rc = fail(err, errlen, "%s:%ld: joint '%s': %s link '%s' is not defined", file,
                  xmlGetLineNo(j), joint, which, name);
    free(name);
    return rc;
}

static int read_limit(rg_urdf_joint *jt, const xmlNode *j, const char *file, char *err,
                      size_t errlen)
{
    static const char *const names[4] = {"lower", "upper", "velocity", "effort"};
    double *fields[4] = {&jt->lower, &jt->upper, &jt->velocity, &jt->effort};
    const xmlNode *lim = first_child(j, "limit");
    int i;

    if (!lim)
        return fail(err, errlen, "%s:%d: joint '%s': revolute joint without <limit>", file,
                    jt->line, jt->name);
    for (i = 0; i < 4; i++) {
        char *v = attr(lim, names[i]);
        int bad;

        if (!v)
            return fail(err, errlen, "%s:%ld: joint '%s': <limit> lacks %s", file,
                        xmlGetLineNo(lim), jt->name, names[i]);
        bad = parse_numbers(fields[i], 1, v);
        free(v);
        if (bad)
            return fail(err, errlen, "%s:%ld: joint '%s': <limit %s>: not a finite number", file,
                        xmlGetLineNo(lim), jt->name, names[i]);
    }
    if (jt->lower > jt->upper)
        return fail(err, errlen, "%s:%ld: joint '%s': limit lower %g > upper %g", file,
                    xmlGetLineNo(lim), jt->name, jt->lower, jt->upper);
    if (jt->velocity <= 0 || jt->effort <= 0)
        return fail(err, errlen, "%s:%ld: joint '%s': velocity and effort limits must be > 0", file,
                    xmlGetLineNo(lim), jt->name);
    return 0;
}

static int read_joint(rg_urdf_joint *jt, const xmlNode *j, const rg_urdf *u, const char *file,
                      char *err, size_t errlen)
{
    static const double zero[3] = {0, 0, 0}, x_axis[3] = {1, 0, 0};
    char *type = NULL;
    double norm;
    int rc = -1, i;

    jt->line = (int)xmlGetLineNo(j);
    jt->name = attr(j, "name");
    if (!valid_name(jt->name))
        return fail(err, errlen, "%s:%d: <joint> without a valid name", file, jt->line);
    if (rg_urdf_joint_index(u, jt->name) >= 0)
        return fail(err, errlen, "%s:%d: joint '%s' defined twice", file, jt->line, jt->name);
    type = attr(j, "type");
    if (!type) {
        fail(err, errlen, "%s:%d: joint '%s': missing type", file, jt->line, jt->name);
        goto out;
    }
    if (strcmp(type, "fixed") == 0) {
        jt->kind = RG_JOINT_FIXED;
    } else if (strcmp(type, "revolute") == 0) {
        jt->kind = RG_JOINT_REVOLUTE;
    } else {
        fail(err, errlen, "%s:%d: joint '%s': type '%s' is not supported (fixed, revolute)", file,
             jt->line, jt->name, type);
        goto out;
    }
    if (joint_link(&jt->parent, j, "parent", u, file, jt->name, err, errlen) ||
        joint_link(&jt->child, j, "child", u, file, jt->name, err, errlen))
        goto out;
    if (jt->parent == jt->child) {
        fail(err, errlen, "%s:%d: joint '%s': link '%s' is its own parent", file, jt->line,
             jt->name, u->links[jt->child]);
        goto out;
    }
    if (read_vector(jt->xyz, 3, first_child(j, "origin"), "xyz", zero, file, jt->name, err,
                    errlen) ||
        read_vector(jt->rpy, 3, first_child(j, "origin"), "rpy", zero, file, jt->name, err, errlen))
        goto out;
    if (jt->kind == RG_JOINT_FIXED) {
        /* A fixed joint's axis means nothing (Unitree's files put "0 0 0" or nothing there). */
        memcpy(jt->axis, zero, sizeof(zero));
        rc = 0;
        goto out;
    }
    if (read_vector(jt->axis, 3, first_child(j, "axis"), "xyz", x_axis, file, jt->name, err,
                    errlen))
        goto out;
    norm = sqrt(jt->axis[0] * jt->axis[0] + jt->axis[1] * jt->axis[1] + jt->axis[2] * jt->axis[2]);
    if (norm < 1e-9) {
        fail(err, errlen, "%s:%d: joint '%s': zero rotation axis", file, jt->line, jt->name);
        goto out;
    }
    for (i = 0; i < 3; i++)
        jt->axis[i] /= norm;
    rc = read_limit(jt, j, file, err, errlen);
out:
    free(type);
    return rc;
}

/* Every link but one has exactly one parent, and all are reachable from that root. */
static int check_tree(rg_urdf *u, const char *file, char *err, size_t errlen)
{
    int parent_joint[RG_URDF_MAX_ITEMS];
    int i, roots = 0;

    for (i = 0; i < u->link_count; i++)
        parent_joint[i] = -1;
    for (i = 0; i < u->joint_count; i++) {
        const rg_urdf_joint *j = &u->joints[i];

        if (parent_joint[j->child] >= 0)
            return fail(err, errlen, "%s:%d: joint '%s': link '%s' already has parent joint '%s'",
                        file, j->line, j->name, u->links[j->child],
                        u->joints[parent_joint[j->child]].name);
        parent_joint[j->child] = i;
    }
    for (i = 0; i < u->link_count; i++) {
        if (parent_joint[i] < 0) {
            u->root = i;
            roots++;
        }
    }
    if (roots != 1)
        return fail(err, errlen, "%s: expected one root link, found %d", file, roots);
    /* With one parent each, a link is reachable from the root iff walking up ends there. */
    for (i = 0; i < u->link_count; i++) {
        int l = i, steps = 0;

        while (parent_joint[l] >= 0 && steps <= u->link_count) {
            l = u->joints[parent_joint[l]].parent;
            steps++;
        }
        if (steps > u->link_count)
            return fail(err, errlen, "%s: link '%s' is part of a cycle", file, u->links[i]);
    }
    return 0;
}

int rg_urdf_parse(rg_urdf **out, const char *data, size_t size, const char *name, char *err,
                  size_t errlen)
{
    xmlDoc *doc = NULL;
    const xmlNode *robot, *n;
    rg_urdf *u = NULL;
    int rc = -1;

    if (size > RG_URDF_MAX_SIZE)
        return fail(err, errlen, "%s: larger than %u bytes", name, RG_URDF_MAX_SIZE);
    /* No network, no entity expansion, no DTD loading: the file is data, nothing more. */
    doc = xmlReadMemory(data, (int)size, name, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();

        fail(err, errlen, "%s:%d: malformed XML: %s", name, e ? e->line : 0,
             e && e->message ? e->message : "unknown error");
        if (errlen > 0 && strlen(err) > 0 && err[strlen(err) - 1] == '\n')
            err[strlen(err) - 1] = '\0';
        goto out;
    }
    robot = xmlDocGetRootElement(doc);
    if (!robot || !is_element(robot, "robot")) {
        fail(err, errlen, "%s: the root element is not <robot>", name);
        goto out;
    }
    u = calloc(1, sizeof(*u));
    if (!u || !(u->links = calloc(RG_URDF_MAX_ITEMS, sizeof(char *))) ||
        !(u->joints = calloc(RG_URDF_MAX_ITEMS, sizeof(rg_urdf_joint)))) {
        fail(err, errlen, "%s: out of memory", name);
        goto out;
    }
    u->name = attr(robot, "name");
    if (read_links(u, robot, name, err, errlen))
        goto out;
    for (n = robot->children; n; n = n->next) {
        if (!is_element(n, "joint"))
            continue;
        if (u->joint_count == RG_URDF_MAX_ITEMS) {
            fail(err, errlen, "%s: more than %d joints", name, RG_URDF_MAX_ITEMS);
            goto out;
        }
        /* A half-read joint is freed with the rest: rg_urdf_free() frees every slot. */
        if (read_joint(&u->joints[u->joint_count], n, u, name, err, errlen))
            goto out;
        u->joint_count++;
    }
    if (check_tree(u, name, err, errlen))
        goto out;
    *out = u;
    u = NULL;
    rc = 0;
out:
    rg_urdf_free(u);
    xmlFreeDoc(doc);
    return rc;
}

int rg_urdf_load(rg_urdf **out, const char *path, char *err, size_t errlen)
{
    char *data = NULL;
    size_t size = 0;
    int rc;

    if (rg_read_file(&data, &size, path, RG_URDF_MAX_SIZE, err, errlen))
        return -1;
    rc = rg_urdf_parse(out, data, size, path, err, errlen);
    free(data);
    return rc;
}
