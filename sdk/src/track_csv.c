/* The CSV form of a motion track (docs/format.md): optional "# key: value" lines, a header
 * "time,<joint>...[,<joint>.dq...][,root_x..root_qw]", one row per frame. Floats are printed
 * with "%.9g", which strtof() reads back bit for bit, so export then import is exact. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package_internal.h"
#include "mpk/track.h"

#define ROOT_WIDTH  7
#define MAX_COLUMNS (1 + 2 * MPK_TRACK_MAX_JOINTS + ROOT_WIDTH)
#define FLOAT_TEXT  16 /* longest "%.9g" of a float: "-1.17549435e-38" plus a separator */

static const char *const root_cols[ROOT_WIDTH] = {"root_x",  "root_y",  "root_z", "root_qx",
                                                  "root_qy", "root_qz", "root_qw"};

void mpk__format_double(char *buf, size_t size, double value)
{
    snprintf(buf, size, "%.15g", value);
    if (strtod(buf, NULL) != value)
        snprintf(buf, size, "%.17g", value);
}

/* ---- export ---- */

typedef struct outbuf {
    char *p;
    size_t len, cap;
} outbuf;

/* The buffer is sized up front from an exact upper bound, so appends never reallocate. */
static void put(outbuf *o, const char *fmt, ...) MPK_PRINTF(2, 3);
static void put(outbuf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static void put_floats(outbuf *o, const char *label, const float *v, int n)
{
    int i;

    put(o, "# %s: ", label);
    for (i = 0; i < n; i++)
        put(o, "%s%.9g", i ? "," : "", (double)v[i]);
    put(o, "\n");
}

int mpk_track_to_csv(char **out, size_t *size, const mpk_track *t)
{
    const float *pos, *vel, *root;
    int J, j, cols;
    uint32_t F, f;
    outbuf o = {0};
    char rate[40];

    if (!out || !size || !t)
        return mpk__error(MPK_EINVAL, "mpk_track_to_csv: NULL argument");
    J = mpk_track_joint_count(t);
    F = mpk_track_frame_count(t);
    pos = mpk_track_positions_const(t);
    vel = mpk_track_velocities_const(t);
    root = mpk_track_root_const(t);
    cols = 1 + J + (vel ? J : 0) + (root ? ROOT_WIDTH : 0);
    /* Directives and header: names of at most 31 bytes plus ".dq"; gains as floats. */
    o.cap = 256 + (size_t)cols * (MPK_TRACK_NAME_MAX + 4) + 2 * (size_t)J * FLOAT_TEXT +
            (size_t)F * ((size_t)cols * FLOAT_TEXT + 2) + 1;
    o.p = malloc(o.cap);
    if (!o.p)
        return mpk__error(MPK_ENOMEM, "CSV: out of memory for %zu bytes", o.cap);
    mpk__format_double(rate, sizeof(rate), mpk_track_rate(t));
    put(&o, "# mpk-track: %d\n# robot: %s\n# rate: %s\n", MPK_TRACK_FORMAT_VERSION,
        mpk_track_robot(t), rate);
    if (mpk_track_kp_const(t)) {
        put_floats(&o, "kp", mpk_track_kp_const(t), J);
        put_floats(&o, "kd", mpk_track_kd_const(t), J);
    }
    put(&o, "time");
    for (j = 0; j < J; j++)
        put(&o, ",%s", mpk_track_joint_name(t, j));
    for (j = 0; vel && j < J; j++)
        put(&o, ",%s.dq", mpk_track_joint_name(t, j));
    for (j = 0; root && j < ROOT_WIDTH; j++)
        put(&o, ",%s", root_cols[j]);
    put(&o, "\n");
    for (f = 0; f < F; f++) {
        const float *row = pos + (size_t)f * (size_t)J;
        put(&o, "%.9g", f / mpk_track_rate(t));
        for (j = 0; j < J; j++)
            put(&o, ",%.9g", (double)row[j]);
        for (j = 0; vel && j < J; j++)
            put(&o, ",%.9g", (double)vel[(size_t)f * (size_t)J + (size_t)j]);
        for (j = 0; root && j < ROOT_WIDTH; j++)
            put(&o, ",%.9g", (double)root[(size_t)f * ROOT_WIDTH + (size_t)j]);
        put(&o, "\n");
    }
    *out = o.p;
    *size = o.len;
    return MPK_OK;
}

/* ---- import ---- */

typedef struct line {
    const char *p; /* start */
    size_t len;    /* without the newline or a trailing CR */
    size_t number; /* 1-based */
} line;

typedef struct lines {
    const char *p, *end;
    size_t number;
} lines;

static bool next_line(lines *ls, line *l)
{
    const char *nl;

    if (ls->p >= ls->end)
        return false;
    nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
    l->p = ls->p;
    l->len = (size_t)((nl ? nl : ls->end) - ls->p);
    if (l->len && l->p[l->len - 1] == '\r')
        l->len--;
    l->number = ++ls->number;
    ls->p = nl ? nl + 1 : ls->end;
    return true;
}

static bool blank(const line *l)
{
    size_t i;

    for (i = 0; i < l->len; i++)
        if (l->p[i] != ' ' && l->p[i] != '\t')
            return false;
    return true;
}

/* The field that starts at *s within [*, end): trimmed of spaces; *s moves past its comma. */
static void next_field(const char **s, const char *end, const char **fs, size_t *flen)
{
    const char *p = *s, *e;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    e = memchr(p, ',', (size_t)(end - p));
    if (!e)
        e = end;
    *s = e < end ? e + 1 : end + 1;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *fs = p;
    *flen = (size_t)(e - p);
}

/* Reads a float field; the text lives in a NUL-terminated copy, so strtof stops in bounds. */
static int parse_float(float *out, const char *s, size_t len, size_t lineno, int column,
                       const char *name)
{
    char *end;
    float v;

    if (len == 0)
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): empty field", lineno, column,
                          name);
    v = strtof(s, &end);
    if (end != s + len)
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): '%.*s' is not a number", lineno,
                          column, name, (int)(len > 40 ? 40 : len), s);
    if (!isfinite(v))
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): %.*s is not a finite number",
                          lineno, column, name, (int)(len > 40 ? 40 : len), s);
    *out = v;
    return MPK_OK;
}

typedef struct csv_meta {
    char robot[MPK_TRACK_NAME_MAX + 1];
    double rate;         /* 0 when not given */
    const char *kp, *kd; /* directive values, or NULL */
    size_t kp_len, kd_len, kp_line, kd_line;
} csv_meta;

/* "# key: value" lines before the header; other comment lines are ignored. */
static int parse_directive(csv_meta *m, const line *l)
{
    const char *p = l->p + 1, *end = l->p + l->len, *colon, *v;
    size_t klen, vlen;

    while (p < end && *p == ' ')
        p++;
    colon = memchr(p, ':', (size_t)(end - p));
    if (!colon)
        return MPK_OK;
    klen = (size_t)(colon - p);
    for (v = colon + 1; v < end && *v == ' '; v++)
        ;
    vlen = (size_t)(end - v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(p, k, klen) == 0)
    if (KEY("mpk-track")) {
        if (vlen != 1 || v[0] != '1')
            return mpk__error(MPK_EUNSUPPORTED,
                              "line %zu: mpk-track version '%.*s' is not "
                              "supported (this library reads 1)",
                              l->number, (int)vlen, v);
    } else if (KEY("robot")) {
        if (vlen == 0 || vlen > MPK_TRACK_NAME_MAX)
            return mpk__error(MPK_EFORMAT, "line %zu: robot: must be 1 to %d characters", l->number,
                              MPK_TRACK_NAME_MAX);
        memcpy(m->robot, v, vlen);
        m->robot[vlen] = '\0';
    } else if (KEY("rate")) {
        char *e;
        m->rate = strtod(v, &e);
        if (e != v + vlen || vlen == 0 || !isfinite(m->rate) || m->rate < MPK_TRACK_MIN_RATE ||
            m->rate > MPK_TRACK_MAX_RATE)
            return mpk__error(MPK_EFORMAT, "line %zu: rate: '%.*s' must be between %g and %g Hz",
                              l->number, (int)(vlen > 40 ? 40 : vlen), v, MPK_TRACK_MIN_RATE,
                              MPK_TRACK_MAX_RATE);
    } else if (KEY("kp")) {
        m->kp = v, m->kp_len = vlen, m->kp_line = l->number;
    } else if (KEY("kd")) {
        m->kd = v, m->kd_len = vlen, m->kd_line = l->number;
    }
#undef KEY
    return MPK_OK;
}

typedef struct csv_header {
    int joints;      /* position columns */
    bool velocities; /* a ".dq" column per joint follows */
    bool root;       /* root_x..root_qw follow */
    int columns;     /* total, with time */
    char names[MPK_TRACK_MAX_JOINTS][MPK_TRACK_NAME_MAX + 1];
    const char *name_ptrs[MPK_TRACK_MAX_JOINTS];
} csv_header;

static bool field_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int parse_header_line(csv_header *h, const line *l)
{
    const char *s = l->p, *end = l->p + l->len, *f;
    size_t flen;
    int col = 0, dq = 0, root = 0;

    memset(h, 0, sizeof(*h));
    while (s <= end) {
        next_field(&s, end, &f, &flen);
        col++;
        if (col > MAX_COLUMNS)
            return mpk__error(MPK_ELIMIT, "line %zu: more than %d columns", l->number, MAX_COLUMNS);
        if (col == 1) {
            if (!field_is(f, flen, "time"))
                return mpk__error(MPK_EFORMAT,
                                  "line %zu, column 1: header must start with 'time', not '%.*s'",
                                  l->number, (int)(flen > 40 ? 40 : flen), f);
            continue;
        }
        if (root < ROOT_WIDTH && field_is(f, flen, root_cols[root])) {
            root++;
            continue;
        }
        if (root)
            return mpk__error(MPK_EFORMAT, "line %zu, column %d: expected '%s' after '%s'",
                              l->number, col, root < ROOT_WIDTH ? root_cols[root] : "the end",
                              root_cols[root - 1]);
        if (flen > 3 && memcmp(f + flen - 3, ".dq", 3) == 0) {
            if (dq >= h->joints || !field_is(f, flen - 3, h->names[dq]))
                return mpk__error(MPK_EFORMAT,
                                  "line %zu, column %d: '%.*s': velocity columns must follow "
                                  "the positions, one per joint in the same order",
                                  l->number, col, (int)(flen > 40 ? 40 : flen), f);
            dq++;
            continue;
        }
        if (dq)
            return mpk__error(MPK_EFORMAT,
                              "line %zu, column %d: position column '%.*s' after velocity columns",
                              l->number, col, (int)(flen > 40 ? 40 : flen), f);
        if (flen == 0 || flen > MPK_TRACK_NAME_MAX)
            return mpk__error(MPK_EFORMAT,
                              "line %zu, column %d: joint name must be 1 to %d "
                              "characters",
                              l->number, col, MPK_TRACK_NAME_MAX);
        if (h->joints >= MPK_TRACK_MAX_JOINTS)
            return mpk__error(MPK_ELIMIT, "line %zu: more than %d joints", l->number,
                              MPK_TRACK_MAX_JOINTS);
        memcpy(h->names[h->joints], f, flen);
        h->names[h->joints][flen] = '\0';
        h->name_ptrs[h->joints] = h->names[h->joints];
        h->joints++;
    }
    if (h->joints == 0)
        return mpk__error(MPK_EFORMAT, "line %zu: no joint columns after 'time'", l->number);
    if (dq && dq != h->joints)
        return mpk__error(MPK_EFORMAT, "line %zu: %d velocity columns for %d joints", l->number, dq,
                          h->joints);
    if (root && root != ROOT_WIDTH)
        return mpk__error(MPK_EFORMAT, "line %zu: root columns must be root_x..root_qw", l->number);
    h->velocities = dq > 0;
    h->root = root > 0;
    h->columns = col;
    return MPK_OK;
}

static int parse_gains(float *dst, const char *v, size_t len, size_t lineno, const char *what,
                       const csv_header *h)
{
    const char *s = v, *end = v + len, *f;
    size_t flen;
    int n = 0, error;

    while (s <= end) {
        next_field(&s, end, &f, &flen);
        if (n >= h->joints)
            return mpk__error(MPK_EFORMAT, "line %zu: %s: more values than the %d joints", lineno,
                              what, h->joints);
        error = parse_float(&dst[n], f, flen, lineno, n + 1, h->names[n]);
        if (error)
            return error;
        if (dst[n] < 0)
            return mpk__error(MPK_EFORMAT, "line %zu: %s: %s must not be negative", lineno, what,
                              h->names[n]);
        n++;
    }
    if (n != h->joints)
        return mpk__error(MPK_EFORMAT, "line %zu: %s: %d values for %d joints", lineno, what, n,
                          h->joints);
    return MPK_OK;
}

static double column_time(const char *s, size_t len, size_t lineno, int *error)
{
    char *end;
    double t;

    if (len == 0) {
        *error = mpk__error(MPK_EFORMAT, "line %zu, column 1 (time): empty field", lineno);
        return 0;
    }
    t = strtod(s, &end);
    if (end != s + len || !isfinite(t)) {
        *error = mpk__error(MPK_EFORMAT, "line %zu, column 1 (time): '%.*s' is not a number",
                            lineno, (int)(len > 40 ? 40 : len), s);
        return 0;
    }
    return t;
}

/* Fills one frame from a data row. */
static int parse_row(mpk_track *t, const csv_header *h, const line *l, uint32_t frame, double *time)
{
    const char *s = l->p, *end = l->p + l->len, *f;
    float *pos = mpk_track_positions(t) + (size_t)frame * (size_t)h->joints;
    float *vel = h->velocities ? mpk_track_velocities(t) + (size_t)frame * (size_t)h->joints : NULL;
    float *root = h->root ? mpk_track_root(t) + (size_t)frame * ROOT_WIDTH : NULL;
    size_t flen;
    int col = 0, error = MPK_OK;

    while (s <= end) {
        const char *name;
        float *dst;

        next_field(&s, end, &f, &flen);
        col++;
        if (col > h->columns)
            return mpk__error(MPK_EFORMAT, "line %zu: more than the header's %d columns", l->number,
                              h->columns);
        if (col == 1) {
            *time = column_time(f, flen, l->number, &error);
            if (error)
                return error;
            continue;
        }
        if (col - 2 < h->joints) {
            name = h->names[col - 2];
            dst = &pos[col - 2];
        } else if (vel && col - 2 - h->joints < h->joints) {
            name = h->names[col - 2 - h->joints];
            dst = &vel[col - 2 - h->joints];
        } else {
            int r = col - 2 - h->joints * (vel ? 2 : 1);
            name = root_cols[r];
            dst = &root[r];
        }
        error = parse_float(dst, f, flen, l->number, col, name);
        if (error)
            return error;
    }
    if (col != h->columns)
        return mpk__error(MPK_EFORMAT, "line %zu: %d columns, the header has %d", l->number, col,
                          h->columns);
    return MPK_OK;
}

/* The rate from the time column when no "# rate:" line gives it: evenly spaced rows. */
static double rate_from_times(double last, uint32_t frames)
{
    double rate = (frames - 1) / last, rounded = round(rate);

    if (fabs(rate - rounded) < 1e-6 * rate)
        return rounded;
    return rate;
}

int mpk_track_from_csv(mpk_track **out, const char *csv, size_t size, const char *robot)
{
    csv_meta meta;
    csv_header h;
    mpk_track *t = NULL;
    char *text = NULL;
    line l, header_line = {0};
    lines ls;
    double *times = NULL, rate;
    uint64_t rows = 0;
    uint32_t frame;
    unsigned flags;
    bool have_header = false;
    int error = MPK_OK;

    if (!out || (!csv && size))
        return mpk__error(MPK_EINVAL, "mpk_track_from_csv: NULL argument");
    if (size > MPK_TRACK_CSV_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "CSV: %zu bytes, more than the limit of %u", size,
                          MPK_TRACK_CSV_MAX_SIZE);
    /* strtof needs NUL-terminated text: one copy, so numbers never run past the buffer. */
    text = malloc(size + 1);
    if (!text)
        return mpk__error(MPK_ENOMEM, "CSV: out of memory");
    if (size)
        memcpy(text, csv, size);
    text[size] = '\0';
    if (memchr(text, '\0', size)) {
        error = mpk__error(MPK_EFORMAT, "CSV: contains a NUL byte (not text)");
        goto out;
    }
    memset(&meta, 0, sizeof(meta));

    /* Pass 1: directives, header, and the number of data rows (to allocate once). */
    ls = (lines){text, text + size, 0};
    while (next_line(&ls, &l)) {
        if (!have_header) {
            if (l.len && l.p[0] == '#') {
                error = parse_directive(&meta, &l);
                if (error)
                    goto out;
            } else if (!blank(&l)) {
                error = parse_header_line(&h, &l);
                if (error)
                    goto out;
                header_line = l;
                have_header = true;
            }
        } else if (!blank(&l)) {
            rows++;
        }
    }
    if (!have_header) {
        error = mpk__error(MPK_EFORMAT, "CSV: no header line (time,<joint>,...)");
        goto out;
    }
    if (rows == 0 || rows > MPK_TRACK_MAX_FRAMES) {
        error = mpk__error(rows ? MPK_ELIMIT : MPK_EFORMAT, "CSV: %llu data rows, must be 1 to %u",
                           (unsigned long long)rows, MPK_TRACK_MAX_FRAMES);
        goto out;
    }
    if (robot && meta.robot[0] && strcmp(robot, meta.robot) != 0) {
        error = mpk__error(MPK_EFORMAT, "robot: the CSV is for '%s', not '%s'", meta.robot, robot);
        goto out;
    }
    if (!robot && !meta.robot[0]) {
        error = mpk__error(MPK_EFORMAT, "robot: not given (add a '# robot: MODEL' line)");
        goto out;
    }
    if (!robot)
        robot = meta.robot;
    if ((meta.kp != NULL) != (meta.kd != NULL)) {
        error = mpk__error(MPK_EFORMAT, "line %zu: kp and kd must be given together",
                           meta.kp ? meta.kp_line : meta.kd_line);
        goto out;
    }
    times = malloc((size_t)rows * sizeof(*times));
    if (!times) {
        error = mpk__error(MPK_ENOMEM, "CSV: out of memory");
        goto out;
    }
    flags = (h.velocities ? MPK_TRACK_VELOCITIES : 0) | (meta.kp ? MPK_TRACK_GAINS : 0) |
            (h.root ? MPK_TRACK_ROOT : 0);
    /* The rate is checked again once the times are known; any valid value sizes the track. */
    error = mpk_track_new(&t, robot, h.joints, h.name_ptrs, meta.rate ? meta.rate : 1.0,
                          (uint32_t)rows, flags);
    if (error) {
        /* Bad names or sizes come from the file, not from the caller. */
        error = mpk__error_prefix(error == MPK_EINVAL ? MPK_EFORMAT : error, "line %zu",
                                  header_line.number);
        goto out;
    }
    if (meta.kp) {
        error = parse_gains(mpk_track_kp(t), meta.kp, meta.kp_len, meta.kp_line, "kp", &h);
        if (!error)
            error = parse_gains(mpk_track_kd(t), meta.kd, meta.kd_len, meta.kd_line, "kd", &h);
        if (error)
            goto out;
    }

    /* Pass 2: the data rows. */
    ls = (lines){header_line.p + header_line.len, text + size, header_line.number - 1};
    next_line(&ls, &l); /* the rest of the header line */
    frame = 0;
    while (next_line(&ls, &l)) {
        if (blank(&l))
            continue;
        error = parse_row(t, &h, &l, frame, &times[frame]);
        if (error)
            goto out;
        frame++;
    }

    rate = meta.rate;
    if (!rate) {
        if (rows < 2 || !(times[rows - 1] > times[0])) {
            error = mpk__error(MPK_EFORMAT,
                               "rate: cannot be told from the time column (add '# rate: HZ')");
            goto out;
        }
        rate = rate_from_times(times[rows - 1] - times[0], (uint32_t)rows);
        if (rate < MPK_TRACK_MIN_RATE || rate > MPK_TRACK_MAX_RATE) {
            error = mpk__error(MPK_EFORMAT,
                               "rate: %g Hz from the time column, must be between "
                               "%g and %g",
                               rate, MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
            goto out;
        }
    }
    /* Rows must be evenly spaced from 0: within 1% of a sample period. */
    ls = (lines){header_line.p + header_line.len, text + size, header_line.number - 1};
    next_line(&ls, &l);
    for (frame = 0; frame < rows; frame++) {
        double expect = frame / rate;
        do
            next_line(&ls, &l);
        while (blank(&l));
        if (fabs(times[frame] - expect) > 0.01 / rate) {
            error = mpk__error(MPK_EFORMAT,
                               "line %zu, column 1 (time): %.9g s, expected %.9g s for frame %u "
                               "at %g Hz",
                               l.number, times[frame], expect, frame, rate);
            goto out;
        }
    }
    error = mpk__track_set_rate(t, rate);
    if (!error)
        error = mpk__track_check_values(t);
    if (error)
        goto out;
    *out = t;
    t = NULL;
out:
    mpk_track_free(t);
    free(times);
    free(text);
    return error;
}
