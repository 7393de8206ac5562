/* Import of Unitree's retargeted motion CSVs (mpk/import.h): no header, root x y z, root
 * quaternion x y z w, then the joint angles; 30 rows per second. Read in one pass into doubles,
 * then resampled column by column with a natural cubic spline (C2), the root orientation with
 * spherical interpolation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "spline.h"
#include "mpk/import.h"

#define ROOT_COLUMNS 7

static const char *const root_names[ROOT_COLUMNS] = {"root_x",  "root_y",  "root_z", "root_qx",
                                                     "root_qy", "root_qz", "root_qw"};

void mpk_import_options_init(mpk_import_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof(*o));
    o->version = MPK_IMPORT_OPTIONS_VERSION;
    o->rate = MPK_IMPORT_DEFAULT_RATE;
    o->source_rate = MPK_IMPORT_UNITREE_RATE;
    o->trim_start = 0;
    o->trim_end = NAN;
    o->joints = MPK_IMPORT_ALL;
}

int mpk_import_unitree_columns(const char **names, const mpk_robot_model *model)
{
    int i, n = 0;

    if (!names || !model)
        return 0;
    if (strcmp(model->id, "h1") == 0) {
        /* URDF order: the links are stored depth first in the URDF's own order, which for H1's
         * tree is the order of its <joint> elements (checked against the URDF by the tests). */
        for (i = 0; i < model->link_count; i++)
            if (model->links[i].joint_index >= 0)
                names[n++] = model->joints[model->links[i].joint_index].name;
        return n;
    }
    for (i = 0; i < model->joint_count; i++)
        names[n++] = model->joints[i].name;
    return n;
}

/* ---- reading ---- */

typedef struct table {
    double *v; /* rows x cols */
    size_t rows;
    int cols;
} table;

static const char *column_name(int col, const char *const *joints)
{
    return col < ROOT_COLUMNS ? root_names[col] : joints[col - ROOT_COLUMNS];
}

static bool blank_line(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return false;
    return true;
}

/*
 * Plain decimals ("-0.123456", "12", "1.5e-3") with at most 15 significant digits, the bulk of a
 * retargeted CSV: the digits as an integer m below 2^53 and a power of ten p with |p| <= 22 are
 * both exact doubles, so m * 10^p or m / 10^-p is correctly rounded, the same double strtod gives
 * (Clinger's fast path), at a fraction of its cost. false: let strtod decide.
 */
static bool fast_decimal(double *out, const char *s, const char *e)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    bool neg = false, digits = false;
    uint64_t m = 0;
    int sig = 0, scale = 0, exp = 0;

    if (s < e && (*s == '-' || *s == '+'))
        neg = *s++ == '-';
    for (; s < e && *s >= '0' && *s <= '9'; s++, digits = true)
        if (m || *s != '0') {
            if (++sig > 15)
                return false;
            m = m * 10 + (uint64_t)(*s - '0');
        }
    if (s < e && *s == '.')
        for (s++; s < e && *s >= '0' && *s <= '9'; s++, digits = true) {
            if (m || *s != '0') {
                if (++sig > 15)
                    return false;
                m = m * 10 + (uint64_t)(*s - '0');
            }
            scale--;
        }
    if (!digits)
        return false;
    if (s < e && (*s == 'e' || *s == 'E')) {
        bool eneg = false;
        int n = 0;
        s++;
        if (s < e && (*s == '-' || *s == '+'))
            eneg = *s++ == '-';
        for (; s < e && *s >= '0' && *s <= '9' && exp < 1000; s++, n++)
            exp = exp * 10 + (*s - '0');
        if (n == 0)
            return false;
        if (eneg)
            exp = -exp;
    }
    if (s != e)
        return false;
    scale += exp;
    if (scale < -22 || scale > 22)
        return false;
    *out = scale < 0 ? (double)m / pow10[-scale] : (double)m * pow10[scale];
    if (neg)
        *out = -*out;
    return true;
}

/* Angles in radians and positions in metres: anything this large is a broken file, and would
 * not even fit the track's float32 samples. */
static int check_range(double v, const char *s, const char *e, size_t line, int col,
                       const char *const *joints)
{
    if (fabs(v) <= MPK_IMPORT_MAX_VALUE)
        return MPK_OK;
    return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): %.*s is out of range (at most %g)",
                      line, col + 1, column_name(col, joints), (int)(e - s > 40 ? 40 : e - s), s,
                      MPK_IMPORT_MAX_VALUE);
}

/* One number field starting at *p (spaces around it allowed), ending at ',' or the line end. */
static int read_number(double *out, const char **p, const char *end, size_t line, int col,
                       const char *const *joints)
{
    const char *s = *p, *e;
    char *stop;
    double v;

    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    for (e = s; e < end && *e != ','; e++)
        ;
    *p = e;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (e == s)
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): empty field", line, col + 1,
                          column_name(col, joints));
    if (fast_decimal(out, s, e))
        return check_range(*out, s, e, line, col, joints);
    /* strtod also reads hexadecimal; a CSV of angles never holds it. */
    v = strtod(s, &stop);
    if (stop != e || memchr(s, 'x', (size_t)(e - s)) || memchr(s, 'X', (size_t)(e - s))) {
        int n = (int)(e - s > 40 ? 40 : e - s);
        if (line == 1 && col == 0)
            return mpk__error(MPK_EFORMAT,
                              "line 1, column 1 (%s): '%.*s' is not a number (Unitree CSVs have "
                              "no header line)",
                              root_names[0], n, s);
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): '%.*s' is not a number", line,
                          col + 1, column_name(col, joints), n, s);
    }
    if (!isfinite(v))
        return mpk__error(MPK_EFORMAT, "line %zu, column %d (%s): %.*s is not a finite number",
                          line, col + 1, column_name(col, joints), (int)(e - s > 40 ? 40 : e - s),
                          s);
    *out = v;
    return check_range(v, s, e, line, col, joints);
}

static int read_row(double *row, const char *p, const char *end, size_t line, int cols,
                    const char *const *joints, const char *model_id, int joint_count)
{
    int col = 0, error;
    const char *q;

    for (;;) {
        if (col == cols) {
            /* Count the rest for the message. */
            int total = col + 1;
            for (q = p; q < end; q++)
                total += *q == ',';
            return mpk__error(MPK_EFORMAT,
                              "line %zu: %d columns, a %s row has %d (7 root + %d "
                              "joints)",
                              line, total, model_id, cols, joint_count);
        }
        error = read_number(&row[col], &p, end, line, col, joints);
        if (error)
            return error;
        col++;
        if (p >= end)
            break;
        p++; /* the comma */
        if (p >= end) {
            return mpk__error(MPK_EFORMAT, "line %zu, column %d: empty field after the last comma",
                              line, col + 1);
        }
    }
    if (col != cols)
        return mpk__error(MPK_EFORMAT, "line %zu: %d columns, a %s row has %d (7 root + %d joints)",
                          line, col, model_id, cols, joint_count);
    /* The root orientation: a unit quaternion (within rounding), stored normalised. */
    {
        double *qt = row + 3,
               len = sqrt(qt[0] * qt[0] + qt[1] * qt[1] + qt[2] * qt[2] + qt[3] * qt[3]);
        if (fabs(len - 1) > MPK_IMPORT_QUATERNION_TOLERANCE)
            return mpk__error(MPK_EFORMAT,
                              "line %zu, columns 4-7 (root quaternion x y z w): length %.6g, not "
                              "a unit quaternion",
                              line, len);
        qt[0] /= len;
        qt[1] /= len;
        qt[2] /= len;
        qt[3] /= len;
    }
    return MPK_OK;
}

static int read_table(table *t, const char *text, size_t size, const mpk_robot_model *model,
                      const char *const *joints, int joint_count)
{
    const char *p = text, *end = text + size, *nl;
    size_t rows = 0, line = 0, r = 0;
    int error;

    t->cols = ROOT_COLUMNS + joint_count;
    for (p = text; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        if (!blank_line(p, nl))
            rows++;
        if (nl == end)
            break;
    }
    if (rows == 0)
        return mpk__error(MPK_EFORMAT, "empty: no rows (a Unitree CSV has one row per frame)");
    if (rows < 2)
        return mpk__error(MPK_EFORMAT, "one row: a motion needs at least 2");
    if (rows > MPK_TRACK_MAX_FRAMES)
        return mpk__error(MPK_ELIMIT, "%zu rows, more than %u", rows, MPK_TRACK_MAX_FRAMES);
    t->v = malloc(rows * (size_t)t->cols * sizeof(*t->v));
    if (!t->v)
        return mpk__error(MPK_ENOMEM, "out of memory for %zu rows", rows);
    t->rows = rows;
    for (p = text; p < end && r < rows; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        line++;
        if (blank_line(p, nl))
            continue;
        error = read_row(t->v + r * (size_t)t->cols, p, nl, line, t->cols, joints, model->id,
                         joint_count);
        if (error)
            return error;
        r++;
    }
    return MPK_OK;
}

/* ---- resampling ---- */

/* Spherical interpolation from a to b (unit, same hemisphere) by u. */
static void slerp(double *out, const double *a, const double *b, double u)
{
    double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3], wa, wb, len;
    int i;

    if (dot > 0.9995) {
        wa = 1 - u;
        wb = u;
    } else {
        double th = acos(dot < 1 ? dot : 1), s = sin(th);
        wa = sin((1 - u) * th) / s;
        wb = sin(u * th) / s;
    }
    for (i = 0; i < 4; i++)
        out[i] = wa * a[i] + wb * b[i];
    len = sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2] + out[3] * out[3]);
    for (i = 0; i < 4; i++)
        out[i] /= len;
}

static int check_options(const mpk_import_options *o)
{
    if (o->version != MPK_IMPORT_OPTIONS_VERSION)
        return mpk__error(MPK_EINVAL,
                          "import options: version %d, this library has %d (use "
                          "mpk_import_options_init)",
                          o->version, MPK_IMPORT_OPTIONS_VERSION);
    if (!isfinite(o->rate) || o->rate < MPK_TRACK_MIN_RATE || o->rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EINVAL, "rate: %g Hz, must be between %g and %g", o->rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    if (!isfinite(o->source_rate) || o->source_rate < MPK_TRACK_MIN_RATE ||
        o->source_rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EINVAL, "source rate: %g rows per second, must be between %g and %g",
                          o->source_rate, MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    if (!isfinite(o->trim_start) || o->trim_start < 0)
        return mpk__error(MPK_EINVAL, "trim: the start %g s must be 0 or more", o->trim_start);
    if (o->joints != MPK_IMPORT_ALL && o->joints != MPK_IMPORT_UPPER_BODY)
        return mpk__error(MPK_EINVAL, "joints: unknown selection %d", (int)o->joints);
    return MPK_OK;
}

int mpk_import_unitree_csv(mpk_track **out, const char *csv, size_t size,
                           const mpk_robot_model *model, const mpk_import_options *opts)
{
    const char *csv_names[MPK_ROBOT_MAX_JOINTS], *names[MPK_ROBOT_MAX_JOINTS];
    int column[MPK_ROBOT_MAX_JOINTS]; /* CSV column of each track joint */
    mpk_import_options defaults;
    table tab = {0};
    double *m = NULL, *scratch = NULL, start, end, last, frames_d, prev[4] = {0, 0, 0, 1};
    mpk_track *track = NULL;
    char *text = NULL;
    float *pos, *root;
    uint32_t frames, f;
    size_t r;
    int J = 0, n, i, c, error;

    if (!out || !model || (!csv && size))
        return mpk__error(MPK_EINVAL, "mpk_import_unitree_csv: NULL argument");
    if (!opts) {
        mpk_import_options_init(&defaults);
        opts = &defaults;
    }
    error = check_options(opts);
    if (error)
        return error;
    if (size > MPK_TRACK_CSV_MAX_SIZE)
        return mpk__error(MPK_ELIMIT, "%zu bytes, more than the limit of %u", size,
                          MPK_TRACK_CSV_MAX_SIZE);
    if (size && memchr(csv, '\0', size))
        return mpk__error(MPK_EFORMAT, "contains a NUL byte (not text)");
    /* strtod needs a terminator that is not a digit: one copy, so numbers never run past. */
    text = malloc(size + 1);
    if (!text)
        return mpk__error(MPK_ENOMEM, "out of memory");
    if (size)
        memcpy(text, csv, size);
    text[size] = '\0';

    n = mpk_import_unitree_columns(csv_names, model);
    error = read_table(&tab, text, size, model, csv_names, n);
    if (error)
        goto out;

    /* The track's joints in SDK order, each with its CSV column. */
    for (i = 0; i < model->joint_count; i++) {
        const mpk_joint *j = &model->joints[i];
        if (opts->joints == MPK_IMPORT_UPPER_BODY && j->group == MPK_GROUP_LEG)
            continue;
        for (c = 0; c < n; c++)
            if (strcmp(csv_names[c], j->name) == 0)
                break;
        names[J] = j->name;
        column[J++] = ROOT_COLUMNS + c;
    }
    if (J == 0) {
        error = mpk__error(MPK_EINVAL, "joints: %s has no waist or arm joints", model->id);
        goto out;
    }

    last = (double)(tab.rows - 1) / opts->source_rate;
    start = opts->trim_start;
    end = isnan(opts->trim_end) || opts->trim_end < 0 ? last : opts->trim_end;
    if (!(start < end) || end > last + 1e-9) {
        error = mpk__error(MPK_EINVAL,
                           "trim %g:%g: must be a part of the CSV, which lasts %g s (%zu rows at "
                           "%g per second)",
                           start, end, last, tab.rows, opts->source_rate);
        goto out;
    }
    frames_d = floor((end - start) * opts->rate + 1e-9) + 1;
    if (frames_d > MPK_TRACK_MAX_FRAMES || frames_d * J > MPK_TRACK_MAX_SAMPLES) {
        error = mpk__error(MPK_ELIMIT,
                           "%.0f frames of %d joints at %g Hz: more than the track "
                           "limits",
                           frames_d, J, opts->rate);
        goto out;
    }
    frames = (uint32_t)frames_d;
    error = mpk_track_new(&track, model->id, J, names, opts->rate, frames, MPK_TRACK_ROOT);
    if (error)
        goto out;

    /* Second derivatives of every column but the quaternion's, in the table's layout. */
    m = malloc(tab.rows * (size_t)tab.cols * sizeof(*m));
    scratch = malloc(2 * tab.rows * sizeof(*scratch));
    if (!m || !scratch) {
        error = mpk__error(MPK_ENOMEM, "out of memory for %zu rows", tab.rows);
        goto out;
    }
    /* Every column at once (the quaternion's are not used: it is interpolated on the sphere). */
    mpk__spline_natural(m, tab.v, (size_t)tab.cols, (size_t)tab.cols, tab.rows, scratch);
    /* One hemisphere for consecutive orientations, so slerp takes the short way. */
    for (r = 1; r < tab.rows; r++) {
        double *a = tab.v + (r - 1) * (size_t)tab.cols + 3, *b = a + tab.cols;
        if (a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3] < 0)
            for (i = 0; i < 4; i++)
                b[i] = -b[i];
    }
    pos = mpk_track_positions(track);
    root = mpk_track_root(track);
    for (f = 0; f < frames; f++) {
        double t = start + f / opts->rate, x = t * opts->source_rate, q[4];
        size_t k;

        if (x > (double)(tab.rows - 1))
            x = (double)(tab.rows - 1);
        for (i = 0; i < J; i++)
            pos[(size_t)f * (size_t)J + (size_t)i] = (float)mpk__spline_eval(
                tab.v + column[i], m + column[i], (size_t)tab.cols, tab.rows, x, NULL);
        for (c = 0; c < 3; c++)
            root[(size_t)f * 7 + (size_t)c] =
                (float)mpk__spline_eval(tab.v + c, m + c, (size_t)tab.cols, tab.rows, x, NULL);
        k = (size_t)x;
        if (k >= tab.rows - 1)
            k = tab.rows - 2;
        slerp(q, tab.v + k * (size_t)tab.cols + 3, tab.v + (k + 1) * (size_t)tab.cols + 3,
              x - (double)k);
        /* The first orientation with w >= 0, the others continuous with it (no sign flips for
         * whoever interpolates the track's root later). */
        if (f == 0 && q[3] < 0)
            for (i = 0; i < 4; i++)
                q[i] = -q[i];
        if (f > 0 && q[0] * prev[0] + q[1] * prev[1] + q[2] * prev[2] + q[3] * prev[3] < 0)
            for (i = 0; i < 4; i++)
                q[i] = -q[i];
        memcpy(prev, q, sizeof(prev));
        for (c = 0; c < 4; c++)
            root[(size_t)f * 7 + 3 + (size_t)c] = (float)q[c];
    }
    *out = track;
    track = NULL;
out:
    mpk_track_free(track);
    free(m);
    free(scratch);
    free(tab.v);
    free(text);
    return error;
}

int mpk_import_unitree_csv_file(mpk_track **out, const char *path, const mpk_robot_model *model,
                                const mpk_import_options *opts)
{
    char *text = NULL;
    size_t size = 0;
    int error;

    if (!out || !path || !model)
        return mpk__error(MPK_EINVAL, "mpk_import_unitree_csv_file: NULL argument");
    error = mpk__read_file(&text, &size, path, MPK_TRACK_CSV_MAX_SIZE);
    if (error)
        return error;
    error = mpk_import_unitree_csv(out, text, size, model, opts);
    free(text);
    if (error)
        return mpk__error_prefix(error, "%s", path);
    return MPK_OK;
}
