/* Motion tracks: the in-memory form and the little-endian binary format (docs/format.md).
 *
 * File layout, version 1 (all integers and floats little-endian):
 *   0  char[4] magic "MPKT"        16 u16 joint_count
 *   4  u16 version (1)             18 u16 reserved (0)
 *   6  u16 header_size (64)        20 u32 reserved (0)
 *   8  u32 flags                   24 f64 rate (Hz)
 *   12 u32 frame_count             32 char[32] robot id, NUL-padded
 *   64 char[32] per joint: joint names, NUL-padded
 * then float32 arrays, back to back: positions[frames][joints], velocities[frames][joints]
 * (MPK_TRACK_VELOCITIES), kp[joints] and kd[joints] (MPK_TRACK_GAINS), root[frames][7]
 * (MPK_TRACK_ROOT). The file ends there: its size is exactly what the header implies.
 *
 * The sample arrays are kept in one block with the same layout as the file, so loading is one
 * read (or one memcpy) plus the finiteness check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package_internal.h"
#include "mpk/track.h"

#define NAME_FIELD 32
#define ALL_FLAGS  (MPK_TRACK_VELOCITIES | MPK_TRACK_GAINS | MPK_TRACK_ROOT)
#define ROOT_WIDTH 7
#define NAME_RULE  "must be 1 to 31 characters of A-Z a-z 0-9 _ - (and not a CSV column name)"
/* Largest file the limits allow: header, names, positions, velocities, gains, root. */
#define TRACK_FILE_MAX                                                   \
    ((size_t)MPK_TRACK_HEADER_SIZE + NAME_FIELD * MPK_TRACK_MAX_JOINTS + \
     4 * ((size_t)MPK_TRACK_MAX_SAMPLES * 2 + 2 * MPK_TRACK_MAX_JOINTS + \
          (size_t)ROOT_WIDTH * MPK_TRACK_MAX_FRAMES))

struct mpk_track {
    char robot[NAME_FIELD];
    char names[MPK_TRACK_MAX_JOINTS][NAME_FIELD];
    int joint_count;
    double rate;
    uint32_t frames;
    unsigned flags;
    float *positions, *velocities, *kp, *kd, *root;
    void *block; /* owns the sample arrays (and, when read from a file, the whole file) */
};

/* Where each array starts inside the sample block, in floats. */
typedef struct layout {
    uint64_t positions, velocities, kp, kd, root, total;
} layout;

static layout layout_of(uint32_t frames, int joints, unsigned flags)
{
    uint64_t samples = (uint64_t)frames * (uint64_t)joints;
    layout l;

    l.positions = 0;
    l.velocities = samples;
    l.kp = l.velocities + ((flags & MPK_TRACK_VELOCITIES) ? samples : 0);
    l.kd = l.kp + ((flags & MPK_TRACK_GAINS) ? (uint64_t)joints : 0);
    l.root = l.kd + ((flags & MPK_TRACK_GAINS) ? (uint64_t)joints : 0);
    l.total = l.root + ((flags & MPK_TRACK_ROOT) ? (uint64_t)frames * ROOT_WIDTH : 0);
    return l;
}

static void point_arrays(mpk_track *t, float *base)
{
    layout l = layout_of(t->frames, t->joint_count, t->flags);

    t->positions = base + l.positions;
    t->velocities = (t->flags & MPK_TRACK_VELOCITIES) ? base + l.velocities : NULL;
    t->kp = (t->flags & MPK_TRACK_GAINS) ? base + l.kp : NULL;
    t->kd = (t->flags & MPK_TRACK_GAINS) ? base + l.kd : NULL;
    t->root = (t->flags & MPK_TRACK_ROOT) ? base + l.root : NULL;
}

/* ---- little-endian helpers ---- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN 1
#else
#define HOST_BIG_ENDIAN 0
#endif

static uint16_t get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    put_u16(p, (uint16_t)v);
    put_u16(p + 2, (uint16_t)(v >> 16));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Floats are stored little-endian; on a big-endian host swap them in place. */
static void floats_to_host(float *f, uint64_t n)
{
#if HOST_BIG_ENDIAN
    uint32_t *w = (uint32_t *)f;
    uint64_t i;
    for (i = 0; i < n; i++)
        w[i] = __builtin_bswap32(w[i]);
#else
    (void)f;
    (void)n;
#endif
}

/* ---- names ---- */

/* Robot ids and joint names: [A-Za-z0-9_-], 1 to MPK_TRACK_NAME_MAX bytes. No '.', so a CSV
 * column "<joint>.dq" is always a velocity. */
static bool name_valid(const char *s)
{
    size_t len = strnlen(s, NAME_FIELD);
    const char *p;

    if (len == 0 || len > MPK_TRACK_NAME_MAX)
        return false;
    for (p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

/* The CSV form's own column names cannot be joints. */
static bool joint_name_valid(const char *s)
{
    static const char *const reserved[] = {"time",    "root_x",  "root_y",  "root_z",
                                           "root_qx", "root_qy", "root_qz", "root_qw"};
    size_t i;

    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcmp(s, reserved[i]) == 0)
            return false;
    return name_valid(s);
}

/* A NUL-padded field: a valid name, then only NULs (so one track has one encoding). */
static int read_name(char *dst, const unsigned char *field, const char *what, bool joint)
{
    size_t len = strnlen((const char *)field, NAME_FIELD), i;

    if (len == NAME_FIELD)
        return mpk__error(MPK_EFORMAT, "%s: not NUL-terminated within %d bytes", what, NAME_FIELD);
    for (i = len; i < NAME_FIELD; i++)
        if (field[i] != 0)
            return mpk__error(MPK_EFORMAT, "%s: padding must be zero bytes", what);
    memcpy(dst, field, NAME_FIELD);
    if (!(joint ? joint_name_valid(dst) : name_valid(dst)))
        return mpk__error(MPK_EFORMAT, "%s: '%s' %s", what, dst, NAME_RULE);
    return MPK_OK;
}

/* ---- values ---- */

static bool finite_bits(float f)
{
    uint32_t bits;

    memcpy(&bits, &f, sizeof(bits));
    return (bits & 0x7f800000u) != 0x7f800000u;
}

/* Four lanes with GCC/clang vector extensions (SSE2 or NEON): the scans below touch every
 * sample of a track on each load, and plain loops are not vectorised at -O2. */
typedef float v4f __attribute__((vector_size(16)));
typedef uint32_t v4u __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static bool any4(v4i v)
{
    return (v[0] | v[1] | v[2] | v[3]) != 0;
}

/* Index of the first non-finite float in [0, n), or n. */
static uint64_t first_non_finite(const float *f, uint64_t n)
{
    const v4u exp = {0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u};
    uint64_t i = 0, j;

    while (i < n) {
        uint64_t end = n - i > 1024 ? i + 1024 : n, vec_end = i + ((end - i) & ~(uint64_t)3);
        v4i bad = {0, 0, 0, 0};
        bool scalar_bad = false;

        for (j = i; j < vec_end; j += 4) {
            v4u w = (v4u)load4(f + j);
            bad |= (v4i)((w & exp) == exp);
        }
        for (; j < end; j++)
            scalar_bad |= !finite_bits(f[j]);
        if (any4(bad) || scalar_bad) {
            for (j = i; j < end; j++)
                if (!finite_bits(f[j]))
                    return j;
        }
        i = end;
    }
    return n;
}

/* Frames scanned together by first_outside(): bounds repeated over CHUNK frames make one flat
 * loop whose length is a multiple of four, whatever the joint count. */
#define CHUNK 8

static bool outside(float x, float lo, float hi, bool absolute)
{
    if (absolute)
        x = fabsf(x);
    return !(x >= lo && x <= hi);
}

/* Index of the first sample of v (frames x J) outside [lo[j], hi[j]] (|v| outside [0, hi[j]]
 * when absolute), NaN and Inf included, or frames * J. */
static uint64_t first_outside(const float *v, uint32_t frames, int J, const float *lo,
                              const float *hi, bool absolute)
{
    float lo_rep[MPK_TRACK_MAX_JOINTS * CHUNK], hi_rep[MPK_TRACK_MAX_JOINTS * CHUNK];
    const v4u mag = {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu};
    uint64_t n = (uint64_t)frames * (uint64_t)J, i, k, span = (uint64_t)J * CHUNK;

    for (k = 0; k < span; k++) {
        lo_rep[k] = absolute ? 0.0f : lo[k % (uint64_t)J];
        hi_rep[k] = hi[k % (uint64_t)J];
    }
    for (i = 0; i < n; i += span) {
        const float *p = v + i;
        uint64_t len = n - i < span ? n - i : span, vec_len = len & ~(uint64_t)3;
        v4i bad = {0, 0, 0, 0};
        bool scalar_bad = false;

        for (k = 0; k < vec_len; k += 4) {
            v4f x = load4(p + k);
            if (absolute)
                x = (v4f)((v4u)x & mag);
            bad |= ~((x >= load4(lo_rep + k)) & (x <= load4(hi_rep + k)));
        }
        for (; k < len; k++)
            scalar_bad |= outside(p[k], lo_rep[k], hi_rep[k], absolute);
        if (!any4(bad) && !scalar_bad)
            continue;
        for (k = 0; k < len; k++)
            if (outside(p[k], lo_rep[k], hi_rep[k], absolute))
                return i + k;
    }
    return n;
}

static const char *value_word(float f)
{
    return isnan(f) ? "NaN" : (f > 0 ? "+Inf" : "-Inf");
}

/* Gains not negative, root finite with unit quaternions. */
static int check_gains_root(const mpk_track *t)
{
    uint64_t i;
    int j;

    if (t->kp) {
        for (j = 0; j < t->joint_count; j++) {
            if (!finite_bits(t->kp[j]) || t->kp[j] < 0)
                return mpk__error(MPK_EFORMAT, "kp: %s: %g must be finite and not negative",
                                  t->names[j], (double)t->kp[j]);
            if (!finite_bits(t->kd[j]) || t->kd[j] < 0)
                return mpk__error(MPK_EFORMAT, "kd: %s: %g must be finite and not negative",
                                  t->names[j], (double)t->kd[j]);
        }
    }
    if (t->root) {
        static const char *const cols[ROOT_WIDTH] = {"x", "y", "z", "qx", "qy", "qz", "qw"};
        uint64_t n = (uint64_t)t->frames * ROOT_WIDTH, f;

        i = first_non_finite(t->root, n);
        if (i < n)
            return mpk__error(MPK_EFORMAT, "root: %s at %.6g s (frame %llu): %s",
                              cols[i % ROOT_WIDTH], (double)(i / ROOT_WIDTH) / t->rate,
                              (unsigned long long)(i / ROOT_WIDTH), value_word(t->root[i]));
        for (f = 0; f < t->frames; f++) {
            const float *q = t->root + f * ROOT_WIDTH + 3;
            double norm = sqrt((double)q[0] * q[0] + (double)q[1] * q[1] + (double)q[2] * q[2] +
                               (double)q[3] * q[3]);
            if (fabs(norm - 1.0) > 1e-3)
                return mpk__error(MPK_EFORMAT,
                                  "root: quaternion at %.6g s (frame %llu) has length %g, not 1",
                                  (double)f / t->rate, (unsigned long long)f, norm);
        }
    }
    return MPK_OK;
}

/* "positions: left_elbow at 0.1 s (frame 50): NaN" for sample i of array what. */
static int non_finite_error(int code, const mpk_track *t, const char *what, const float *v,
                            uint64_t i)
{
    uint64_t frame = i / (uint64_t)t->joint_count;

    return mpk__error(code, "%s: %s at %.6g s (frame %llu): %s", what,
                      t->names[i % (uint64_t)t->joint_count], (double)frame / t->rate,
                      (unsigned long long)frame, value_word(v[i]));
}

/* Every stored number must be finite, gains non-negative, root quaternions unit length. */
static int check_values(const mpk_track *t)
{
    uint64_t samples = (uint64_t)t->frames * (uint64_t)t->joint_count, i;

    i = first_non_finite(t->positions, samples);
    if (i < samples)
        return non_finite_error(MPK_EFORMAT, t, "positions", t->positions, i);
    if (t->velocities) {
        i = first_non_finite(t->velocities, samples);
        if (i < samples)
            return non_finite_error(MPK_EFORMAT, t, "velocities", t->velocities, i);
    }
    return check_gains_root(t);
}

/* ---- creation ---- */

static int check_shape(const char *robot, int joint_count, double rate, uint32_t frames,
                       unsigned flags)
{
    if (!robot || !name_valid(robot))
        return mpk__error(MPK_EINVAL, "robot: '%s' %s", robot ? robot : "(null)", NAME_RULE);
    if (joint_count < 1 || joint_count > MPK_TRACK_MAX_JOINTS)
        return mpk__error(MPK_EINVAL, "joint_count: %d, must be 1 to %d", joint_count,
                          MPK_TRACK_MAX_JOINTS);
    if (!isfinite(rate) || rate < MPK_TRACK_MIN_RATE || rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EINVAL, "rate: %g Hz, must be between %g and %g", rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    if (frames < 1 || frames > MPK_TRACK_MAX_FRAMES)
        return mpk__error(MPK_EINVAL, "frame_count: %u, must be 1 to %u", frames,
                          MPK_TRACK_MAX_FRAMES);
    if ((uint64_t)frames * (uint64_t)joint_count > MPK_TRACK_MAX_SAMPLES)
        return mpk__error(MPK_ELIMIT, "%u frames x %d joints is more than %u samples", frames,
                          joint_count, MPK_TRACK_MAX_SAMPLES);
    if (flags & ~(unsigned)ALL_FLAGS)
        return mpk__error(MPK_EINVAL, "flags: unknown bits 0x%x", flags & ~(unsigned)ALL_FLAGS);
    return MPK_OK;
}

int mpk_track_new(mpk_track **out, const char *robot, int joint_count, const char *const *joints,
                  double rate, uint32_t frames, unsigned flags)
{
    mpk_track *t;
    layout l;
    int i, j, error;

    if (!out || !joints)
        return mpk__error(MPK_EINVAL, "mpk_track_new: NULL argument");
    error = check_shape(robot, joint_count, rate, frames, flags);
    if (error)
        return error;
    for (i = 0; i < joint_count; i++) {
        if (!joints[i] || !joint_name_valid(joints[i]))
            return mpk__error(MPK_EINVAL, "joints[%d]: '%s' %s", i,
                              joints[i] ? joints[i] : "(null)", NAME_RULE);
        for (j = 0; j < i; j++)
            if (strcmp(joints[i], joints[j]) == 0)
                return mpk__error(MPK_EINVAL, "joints[%d]: '%s' is listed twice", i, joints[i]);
    }
    t = calloc(1, sizeof(*t));
    l = layout_of(frames, joint_count, flags);
    if (t)
        t->block = calloc((size_t)l.total, sizeof(float));
    if (!t || !t->block) {
        free(t);
        return mpk__error(MPK_ENOMEM, "track: out of memory for %llu samples",
                          (unsigned long long)l.total);
    }
    strcpy(t->robot, robot);
    for (i = 0; i < joint_count; i++)
        strcpy(t->names[i], joints[i]);
    t->joint_count = joint_count;
    t->rate = rate;
    t->frames = frames;
    t->flags = flags;
    point_arrays(t, t->block);
    if (t->root)
        for (uint32_t f = 0; f < frames; f++)
            t->root[(size_t)f * ROOT_WIDTH + 6] = 1.0f; /* identity orientation */
    *out = t;
    return MPK_OK;
}

int mpk_track_clone(mpk_track **out, const mpk_track *track)
{
    layout l;
    mpk_track *t;

    if (!out || !track)
        return mpk__error(MPK_EINVAL, "mpk_track_clone: NULL argument");
    l = layout_of(track->frames, track->joint_count, track->flags);
    t = malloc(sizeof(*t));
    if (t)
        *t = *track;
    if (t)
        t->block = malloc((size_t)l.total * sizeof(float));
    if (!t || !t->block) {
        free(t);
        return mpk__error(MPK_ENOMEM, "track: out of memory");
    }
    memcpy(t->block, track->positions, (size_t)l.total * sizeof(float));
    point_arrays(t, t->block);
    *out = t;
    return MPK_OK;
}

void mpk_track_free(mpk_track *t)
{
    if (!t)
        return;
    free(t->block);
    free(t);
}

/* ---- parsing ---- */

/*
 * Parses the header of data and checks that size is exactly what it implies; fills t (without
 * arrays) and *offset, the byte offset of the sample arrays. Nothing is allocated here, so a
 * declared size is never trusted before it is compared with the real one.
 */
static int parse_header(mpk_track *t, size_t *offset, const unsigned char *p, size_t size)
{
    uint64_t expected, bits;
    uint32_t reserved;
    unsigned version, header_size;
    int i, j, error;
    layout l;

    if (size < MPK_TRACK_HEADER_SIZE)
        return mpk__error(MPK_EFORMAT, "header: truncated (%zu bytes, the header alone is %d)",
                          size, MPK_TRACK_HEADER_SIZE);
    if (memcmp(p, "MPKT", 4) != 0)
        return mpk__error(MPK_EFORMAT, "magic: not a motion track (expected \"MPKT\")");
    version = get_u16(p + 4);
    if (version != MPK_TRACK_FORMAT_VERSION)
        return mpk__error(MPK_EUNSUPPORTED, "version: %u is not supported (this library reads %d)",
                          version, MPK_TRACK_FORMAT_VERSION);
    header_size = get_u16(p + 6);
    if (header_size != MPK_TRACK_HEADER_SIZE)
        return mpk__error(MPK_EFORMAT, "header_size: %u, must be %d in version 1", header_size,
                          MPK_TRACK_HEADER_SIZE);
    t->flags = get_u32(p + 8);
    t->frames = get_u32(p + 12);
    t->joint_count = get_u16(p + 16);
    reserved = get_u16(p + 18) | get_u32(p + 20);
    bits = get_u64(p + 24);
    memcpy(&t->rate, &bits, sizeof(t->rate));
    if (reserved != 0)
        return mpk__error(MPK_EFORMAT, "reserved: must be zero");
    if (t->flags & ~(unsigned)ALL_FLAGS)
        return mpk__error(MPK_EUNSUPPORTED, "flags: unknown bits 0x%x",
                          t->flags & ~(unsigned)ALL_FLAGS);
    if (t->frames < 1 || t->frames > MPK_TRACK_MAX_FRAMES)
        return mpk__error(MPK_EFORMAT, "frame_count: %u, must be 1 to %u", t->frames,
                          MPK_TRACK_MAX_FRAMES);
    if (t->joint_count < 1 || t->joint_count > MPK_TRACK_MAX_JOINTS)
        return mpk__error(MPK_EFORMAT, "joint_count: %d, must be 1 to %d", t->joint_count,
                          MPK_TRACK_MAX_JOINTS);
    if (!isfinite(t->rate) || t->rate < MPK_TRACK_MIN_RATE || t->rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EFORMAT, "rate: %g Hz, must be between %g and %g", t->rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    if ((uint64_t)t->frames * (uint64_t)t->joint_count > MPK_TRACK_MAX_SAMPLES)
        return mpk__error(MPK_ELIMIT, "%u frames x %d joints is more than %u samples", t->frames,
                          t->joint_count, MPK_TRACK_MAX_SAMPLES);
    l = layout_of(t->frames, t->joint_count, t->flags);
    *offset = MPK_TRACK_HEADER_SIZE + (size_t)NAME_FIELD * (size_t)t->joint_count;
    expected = *offset + l.total * sizeof(float);
    if ((uint64_t)size != expected)
        return mpk__error(MPK_EFORMAT,
                          "size: %zu bytes, but %u frames x %d joints (flags 0x%x) need %llu%s",
                          size, t->frames, t->joint_count, t->flags, (unsigned long long)expected,
                          (uint64_t)size < expected ? " (truncated)" : "");
    error = read_name(t->robot, p + 32, "robot", false);
    if (error)
        return error;
    for (i = 0; i < t->joint_count; i++) {
        char what[32];
        snprintf(what, sizeof(what), "joints[%d]", i);
        error =
            read_name(t->names[i], p + MPK_TRACK_HEADER_SIZE + (size_t)NAME_FIELD * i, what, true);
        if (error)
            return error;
        for (j = 0; j < i; j++)
            if (strcmp(t->names[i], t->names[j]) == 0)
                return mpk__error(MPK_EFORMAT, "%s: '%s' is listed twice", what, t->names[i]);
    }
    return MPK_OK;
}

/* Takes ownership of buf (malloc'd, size bytes): the arrays point into it, nothing is copied. */
int mpk__track_parse_owned(mpk_track **out, void *buf, size_t size)
{
    mpk_track *t = calloc(1, sizeof(*t));
    size_t offset = 0;
    int error;

    if (!t) {
        free(buf);
        return mpk__error(MPK_ENOMEM, "track: out of memory");
    }
    error = parse_header(t, &offset, buf, size);
    if (!error && offset % sizeof(float) != 0)
        error = mpk__error(MPK_EFORMAT, "header: sample arrays misaligned");
    if (error) {
        free(buf);
        free(t);
        return error;
    }
    t->block = buf;
    point_arrays(t, (float *)((unsigned char *)buf + offset));
    floats_to_host(t->positions, layout_of(t->frames, t->joint_count, t->flags).total);
    error = check_values(t);
    if (error) {
        mpk_track_free(t);
        return error;
    }
    *out = t;
    return MPK_OK;
}

int mpk_track_parse(mpk_track **out, const void *data, size_t size)
{
    mpk_track header;
    size_t offset = 0;
    void *copy;
    int error;

    if (!out || (!data && size))
        return mpk__error(MPK_EINVAL, "mpk_track_parse: NULL argument");
    memset(&header, 0, sizeof(header));
    /* The header is checked against the real size before anything is allocated. */
    error = parse_header(&header, &offset, data, size);
    if (error)
        return error;
    copy = malloc(size);
    if (!copy)
        return mpk__error(MPK_ENOMEM, "track: out of memory for %zu bytes", size);
    memcpy(copy, data, size);
    return mpk__track_parse_owned(out, copy, size);
}

int mpk_track_read_file(mpk_track **out, const char *path)
{
    char *buf = NULL;
    size_t size = 0;
    int error;

    if (!out || !path)
        return mpk__error(MPK_EINVAL, "mpk_track_read_file: NULL argument");
    error = mpk__read_file(&buf, &size, path, TRACK_FILE_MAX);
    if (error)
        return error;
    error = mpk__track_parse_owned(out, buf, size);
    if (error)
        return mpk__error_prefix(error, "%s", path);
    return MPK_OK;
}

/* ---- writing ---- */

int mpk_track_serialize(void **out, size_t *size, const mpk_track *t)
{
    layout l;
    size_t offset, total;
    unsigned char *buf;
    uint64_t bits;
    int i;

    if (!out || !size || !t)
        return mpk__error(MPK_EINVAL, "mpk_track_serialize: NULL argument");
    l = layout_of(t->frames, t->joint_count, t->flags);
    offset = MPK_TRACK_HEADER_SIZE + (size_t)NAME_FIELD * (size_t)t->joint_count;
    total = offset + (size_t)l.total * sizeof(float);
    buf = calloc(1, total);
    if (!buf)
        return mpk__error(MPK_ENOMEM, "track: out of memory for %zu bytes", total);
    memcpy(buf, "MPKT", 4);
    put_u16(buf + 4, MPK_TRACK_FORMAT_VERSION);
    put_u16(buf + 6, MPK_TRACK_HEADER_SIZE);
    put_u32(buf + 8, t->flags);
    put_u32(buf + 12, t->frames);
    put_u16(buf + 16, (uint16_t)t->joint_count);
    memcpy(&bits, &t->rate, sizeof(bits));
    put_u64(buf + 24, bits);
    /* strncpy pads with NULs: the padding must be zero. */
    strncpy((char *)buf + 32, t->robot, NAME_FIELD);
    for (i = 0; i < t->joint_count; i++)
        strncpy((char *)buf + MPK_TRACK_HEADER_SIZE + (size_t)NAME_FIELD * i, t->names[i],
                NAME_FIELD);
    /* The arrays are contiguous in memory in file order. */
    memcpy(buf + offset, t->positions, (size_t)l.total * sizeof(float));
    floats_to_host((float *)(buf + offset), l.total); /* host to little-endian: same swap */
    *out = buf;
    *size = total;
    return MPK_OK;
}

int mpk_track_write_file(const mpk_track *track, const char *path)
{
    void *data = NULL;
    size_t size = 0;
    int error;

    if (!track || !path)
        return mpk__error(MPK_EINVAL, "mpk_track_write_file: NULL argument");
    error = check_values(track);
    if (!error)
        error = mpk_track_serialize(&data, &size, track);
    if (!error)
        error = mpk__write_file_atomic(path, data, size, 0644);
    free(data);
    return error;
}

/* ---- checking against a model ---- */

int mpk_track_check(const mpk_track *t, const mpk_robot_model *model)
{
    float lo[MPK_TRACK_MAX_JOINTS], hi[MPK_TRACK_MAX_JOINTS], vmax[MPK_TRACK_MAX_JOINTS];
    const mpk_joint *mj[MPK_TRACK_MAX_JOINTS];
    unsigned char seen[256] = {0};
    uint64_t n, i;
    int J, j, error;

    if (!t || !model)
        return mpk__error(MPK_EINVAL, "mpk_track_check: NULL argument");
    if (strcmp(t->robot, model->id) != 0)
        return mpk__error(MPK_EVALIDATE, "robot: the track is for '%s', not '%s'", t->robot,
                          model->id);
    J = t->joint_count;
    for (j = 0; j < J; j++) {
        int k = mpk_robot_joint_index(model, t->names[j]);
        if (k < 0)
            return mpk__error(MPK_EVALIDATE, "joints[%d]: '%s' is not a joint of %s", j,
                              t->names[j], model->id);
        if (k < (int)sizeof(seen) && seen[k]++)
            return mpk__error(MPK_EVALIDATE, "joints[%d]: '%s' is listed twice", j, t->names[j]);
        mj[j] = &model->joints[k];
        lo[j] = (float)(mj[j]->lower - MPK_TRACK_LIMIT_TOLERANCE);
        hi[j] = (float)(mj[j]->upper + MPK_TRACK_LIMIT_TOLERANCE);
        vmax[j] = (float)(mj[j]->velocity * (1 + MPK_TRACK_LIMIT_TOLERANCE));
    }
    /* One pass per array: the bounds test fails for NaN and Inf too, and tells them apart only
     * when something is wrong. Built tracks may hold anything, so nothing is assumed. */
    n = (uint64_t)t->frames * (uint64_t)J;
    i = first_outside(t->positions, t->frames, J, lo, hi, false);
    if (i < n) {
        float v = t->positions[i];
        uint32_t f = (uint32_t)(i / (uint64_t)J);
        j = (int)(i % (uint64_t)J);
        if (!finite_bits(v))
            return non_finite_error(MPK_EVALIDATE, t, "positions", t->positions, i);
        return mpk__error(MPK_EVALIDATE,
                          "%s at %.6g s (frame %u): position %.6g outside the limits [%.6g, %.6g]",
                          t->names[j], f / t->rate, f, (double)v, mj[j]->lower, mj[j]->upper);
    }
    if (t->velocities) {
        i = first_outside(t->velocities, t->frames, J, lo, vmax, true);
        if (i < n) {
            float v = t->velocities[i];
            uint32_t f = (uint32_t)(i / (uint64_t)J);
            j = (int)(i % (uint64_t)J);
            if (!finite_bits(v))
                return non_finite_error(MPK_EVALIDATE, t, "velocities", t->velocities, i);
            return mpk__error(MPK_EVALIDATE,
                              "%s at %.6g s (frame %u): velocity %.6g beyond the limit %.6g rad/s",
                              t->names[j], f / t->rate, f, (double)v, mj[j]->velocity);
        }
    }
    error = check_gains_root(t);
    return error == MPK_EFORMAT ? MPK_EVALIDATE : error;
}

int mpk__track_set_rate(mpk_track *t, double rate)
{
    if (!isfinite(rate) || rate < MPK_TRACK_MIN_RATE || rate > MPK_TRACK_MAX_RATE)
        return mpk__error(MPK_EINVAL, "rate: %g Hz, must be between %g and %g", rate,
                          MPK_TRACK_MIN_RATE, MPK_TRACK_MAX_RATE);
    t->rate = rate;
    return MPK_OK;
}

int mpk__track_check_values(const mpk_track *t)
{
    return check_values(t);
}

/* ---- accessors ---- */

const char *mpk_track_robot(const mpk_track *t)
{
    return t ? t->robot : NULL;
}

int mpk_track_joint_count(const mpk_track *t)
{
    return t ? t->joint_count : 0;
}

const char *mpk_track_joint_name(const mpk_track *t, int joint)
{
    if (!t || joint < 0 || joint >= t->joint_count)
        return NULL;
    return t->names[joint];
}

int mpk_track_joint_find(const mpk_track *t, const char *name)
{
    int j;

    if (!t || !name)
        return -1;
    for (j = 0; j < t->joint_count; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

double mpk_track_rate(const mpk_track *t)
{
    return t ? t->rate : 0;
}

uint32_t mpk_track_frame_count(const mpk_track *t)
{
    return t ? t->frames : 0;
}

unsigned mpk_track_flags_get(const mpk_track *t)
{
    return t ? t->flags : 0;
}

double mpk_track_duration(const mpk_track *t)
{
    return t ? (double)(t->frames - 1) / t->rate : 0;
}

float *mpk_track_positions(mpk_track *t)
{
    return t ? t->positions : NULL;
}

const float *mpk_track_positions_const(const mpk_track *t)
{
    return t ? t->positions : NULL;
}

float *mpk_track_velocities(mpk_track *t)
{
    return t ? t->velocities : NULL;
}

const float *mpk_track_velocities_const(const mpk_track *t)
{
    return t ? t->velocities : NULL;
}

float *mpk_track_kp(mpk_track *t)
{
    return t ? t->kp : NULL;
}

const float *mpk_track_kp_const(const mpk_track *t)
{
    return t ? t->kp : NULL;
}

float *mpk_track_kd(mpk_track *t)
{
    return t ? t->kd : NULL;
}

const float *mpk_track_kd_const(const mpk_track *t)
{
    return t ? t->kd : NULL;
}

float *mpk_track_root(mpk_track *t)
{
    return t ? t->root : NULL;
}

const float *mpk_track_root_const(const mpk_track *t)
{
    return t ? t->root : NULL;
}
