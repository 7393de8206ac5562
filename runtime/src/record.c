/* Reader of recordings (format in motion/record.h and docs/runtime.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "motion/record.h"
#include "record_format.h"

/* A recording of an hour at 1000 Hz of a 35-joint robot is about 10 GB; refuse more than 16. */
#define RECORD_MAX_SIZE (16ull << 30)

struct motion_record_reader {
    motion_record_info info;
    FILE *file;            /* reading a file, or */
    unsigned char *buffer; /* reading memory */
    size_t size;
    uint64_t next;   /* index of the record the next call reads */
    bool reposition; /* a short read left the file position inside a record */
    unsigned char *rec;
    char *name;
};

static int parse_header(motion_record_reader *r, const unsigned char *h, uint64_t total)
{
    uint32_t version, hsize, joints, rsize;
    double rate;

    if (memcmp(h + REC_H_MAGIC, MOTION_RECORD_MAGIC, 8) != 0)
        return motion__error(MOTION_EFORMAT, "%s: not a motion recording (bad magic)", r->name);
    version = motion__get_u32(h + REC_H_VERSION);
    hsize = motion__get_u32(h + REC_H_HEADER_SIZE);
    joints = motion__get_u32(h + REC_H_JOINTS);
    rsize = motion__get_u32(h + REC_H_RECORD_SIZE);
    rate = motion__get_f64(h + REC_H_RATE);
    if (version != MOTION_RECORD_VERSION)
        return motion__error(MOTION_EFORMAT, "%s: version %u (this reader knows %d)", r->name,
                             version, MOTION_RECORD_VERSION);
    if (hsize != MOTION_RECORD_HEADER_SIZE)
        return motion__error(MOTION_EFORMAT, "%s: header size %u, want %d", r->name, hsize,
                             MOTION_RECORD_HEADER_SIZE);
    if (joints < 1 || joints > MOTION_MAX_JOINTS)
        return motion__error(MOTION_EFORMAT, "%s: joint count %u outside 1..%d", r->name, joints,
                             MOTION_MAX_JOINTS);
    if (rsize != motion__record_size((int)joints))
        return motion__error(MOTION_EFORMAT, "%s: record size %u, want %zu for %u joints", r->name,
                             rsize, motion__record_size((int)joints), joints);
    if (!isfinite(rate) || rate < MOTION_RATE_MIN || rate > MOTION_RATE_MAX)
        return motion__error(MOTION_EFORMAT, "%s: rate %g outside %g..%g", r->name, rate,
                             MOTION_RATE_MIN, MOTION_RATE_MAX);
    if (memchr(h + REC_H_MODEL, 0, REC_H_MODEL_LEN) == NULL)
        return motion__error(MOTION_EFORMAT, "%s: model id is not NUL-terminated", r->name);
    r->info.joint_count = (int)joints;
    r->info.rate_hz = rate;
    memcpy(r->info.model, h + REC_H_MODEL, REC_H_MODEL_LEN);
    r->info.model[REC_H_MODEL_LEN] = '\0';
    r->info.complete = (motion__get_u32(h + REC_H_FLAGS) & REC_FLAG_COMPLETE) != 0;
    r->info.dropped = motion__get_u32(h + REC_H_DROPPED);
    r->info.record_size = rsize;
    r->info.records = (total - MOTION_RECORD_HEADER_SIZE) / rsize;
    r->rec = malloc(rsize);
    if (!r->rec)
        return motion__error(MOTION_ENOMEM, "%s: out of memory", r->name);
    return MOTION_OK;
}

int motion_record_open(motion_record_reader **out, const char *path)
{
    motion_record_reader *r;
    unsigned char h[MOTION_RECORD_HEADER_SIZE];
    struct stat st;
    int err;

    if (!out || !path)
        return motion__error(MOTION_EINVAL, "record: NULL argument");
    r = calloc(1, sizeof(*r));
    if (!r || !(r->name = strdup(path))) {
        free(r);
        return motion__error(MOTION_ENOMEM, "%s: out of memory", path);
    }
    r->file = fopen(path, "rb");
    if (!r->file) {
        err = motion__error(errno == ENOENT ? MOTION_ENOTFOUND : MOTION_EIO, "%s: %s", path,
                            strerror(errno));
        goto fail;
    }
    if (fstat(fileno(r->file), &st) != 0 || !S_ISREG(st.st_mode)) {
        err = motion__error(MOTION_EIO, "%s: not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > RECORD_MAX_SIZE) {
        err = motion__error(MOTION_EFORMAT, "%s: larger than %llu bytes", path,
                            (unsigned long long)RECORD_MAX_SIZE);
        goto fail;
    }
    if ((uint64_t)st.st_size < MOTION_RECORD_HEADER_SIZE ||
        fread(h, 1, sizeof(h), r->file) != sizeof(h)) {
        err = motion__error(MOTION_EFORMAT, "%s: shorter than the %d-byte header", path,
                            MOTION_RECORD_HEADER_SIZE);
        goto fail;
    }
    if ((err = parse_header(r, h, (uint64_t)st.st_size)) != MOTION_OK)
        goto fail;
    *out = r;
    return MOTION_OK;
fail:
    motion_record_close(r);
    return err;
}

int motion_record_open_buffer(motion_record_reader **out, const void *data, size_t size)
{
    motion_record_reader *r;
    int err;

    if (!out || (!data && size))
        return motion__error(MOTION_EINVAL, "record: NULL argument");
    r = calloc(1, sizeof(*r));
    if (!r || !(r->name = strdup("(buffer)")) || !(r->buffer = malloc(size ? size : 1))) {
        motion_record_close(r);
        return motion__error(MOTION_ENOMEM, "record: out of memory");
    }
    if (size)
        memcpy(r->buffer, data, size);
    r->size = size;
    if (size < MOTION_RECORD_HEADER_SIZE) {
        err = motion__error(MOTION_EFORMAT, "%s: shorter than the %d-byte header", r->name,
                            MOTION_RECORD_HEADER_SIZE);
        goto fail;
    }
    if ((err = parse_header(r, r->buffer, size)) != MOTION_OK)
        goto fail;
    *out = r;
    return MOTION_OK;
fail:
    motion_record_close(r);
    return err;
}

const motion_record_info *motion_record_info_get(const motion_record_reader *r)
{
    return &r->info;
}

static void get_arrays(const unsigned char *p, int n, double *q, double *dq, double *kp, double *kd,
                       double *tau)
{
    const unsigned char *a = p + REC_R_ARRAYS;
    int j;

    for (j = 0; j < n; j++) {
        q[j] = motion__get_f64(a + (size_t)j * 8);
        dq[j] = motion__get_f64(a + (size_t)(n + j) * 8);
        if (kp)
            kp[j] = motion__get_f64(a + (size_t)(2 * n + j) * 8);
        if (kd)
            kd[j] = motion__get_f64(a + (size_t)(3 * n + j) * 8);
        tau[j] = motion__get_f64(a + (size_t)(4 * n + j) * 8);
    }
}

int motion_record_next(motion_record_reader *r, motion_record_entry *out)
{
    const unsigned char *p;
    size_t rs = r->info.record_size;
    uint64_t index;
    unsigned kind;
    int n = r->info.joint_count, j;

    if (r->next >= r->info.records)
        return 0;
    if (r->buffer) {
        p = r->buffer + MOTION_RECORD_HEADER_SIZE + r->next * rs;
    } else {
        if (r->reposition &&
            fseeko(r->file, (off_t)(MOTION_RECORD_HEADER_SIZE + r->next * rs), SEEK_SET) != 0)
            return motion__error(MOTION_EIO, "%s: record %llu: %s", r->name,
                                 (unsigned long long)r->next, strerror(errno));
        r->reposition = false;
        if (fread(r->rec, 1, rs, r->file) != rs) {
            r->reposition = true; /* the next call reads this record again, from its start */
            return motion__error(MOTION_EIO, "%s: record %llu: short read", r->name,
                                 (unsigned long long)r->next);
        }
        p = r->rec;
    }
    /* From here the record is consumed, good or bad: a bad one is reported by its index and the
     * next call reads the one after it, in a file as in a buffer. */
    index = r->next++;
    kind = p[REC_R_KIND];
    if (kind != MOTION_RECORD_COMMAND && kind != MOTION_RECORD_STATE)
        return motion__error(MOTION_EFORMAT, "%s: record %llu: unknown kind %u", r->name,
                             (unsigned long long)index, kind);
    if (kind == MOTION_RECORD_COMMAND && p[REC_R_CHANNEL] > MOTION_CHANNEL_UPPER)
        return motion__error(MOTION_EFORMAT, "%s: record %llu: channel %u", r->name,
                             (unsigned long long)index, p[REC_R_CHANNEL]);
    memset(out, 0, sizeof(*out));
    out->tick = motion__get_u64(p + REC_R_TICK);
    if (kind == MOTION_RECORD_COMMAND) {
        out->kind = MOTION_RECORD_COMMAND;
        out->command.tick = out->tick;
        out->command.time_ns = (int64_t)motion__get_u64(p + REC_R_TIME);
        out->command.joint_count = n;
        out->command.channel = (motion_channel)p[REC_R_CHANNEL];
        out->command.weight = motion__get_f64(p + REC_R_WEIGHT);
        get_arrays(p, n, out->command.q, out->command.dq, out->command.kp, out->command.kd,
                   out->command.tau);
        for (j = 0; j < n; j++)
            out->command.enable[j] = p[REC_R_ARRAYS + (size_t)n * 40 + j] ? 1 : 0;
    } else {
        out->kind = MOTION_RECORD_STATE;
        out->state.stamp_ns = (int64_t)motion__get_u64(p + REC_R_TIME);
        out->state.seq = motion__get_u32(p + REC_R_SEQ);
        out->state.joint_count = n;
        out->state.has_imu = p[REC_R_CHANNEL] != 0;
        get_arrays(p, n, out->state.q, out->state.dq, NULL, NULL, out->state.tau);
    }
    return 1;
}

void motion_record_close(motion_record_reader *r)
{
    if (!r)
        return;
    if (r->file)
        fclose(r->file);
    free(r->buffer);
    free(r->rec);
    free(r->name);
    free(r);
}
