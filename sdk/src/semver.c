/* Semantic versions (semver.org 2.0): validation and precedence. */
#include <ctype.h>
#include <string.h>

#include "internal.h"
#include "mpk/manifest.h"

#define SEMVER_MAX_LEN 128

/* A dot-separated identifier list: [start, end). */
typedef struct span {
    const char *start, *end;
} span;

typedef struct semver {
    span core[3]; /* major, minor, patch: digits without leading zeros */
    span pre;     /* pre-release identifiers, empty when none */
} semver;

static bool is_ident_char(char c)
{
    return isascii((unsigned char)c) && (isalnum((unsigned char)c) || c == '-');
}

static bool all_digits(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A numeric identifier: "0" or digits not starting with 0. */
static bool numeric_ok(const char *s, const char *e)
{
    return e > s && all_digits(s, e) && (e - s == 1 || *s != '0');
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric ones checked when strict_numbers. */
static bool idents_ok(const char *s, const char *e, bool strict_numbers)
{
    while (s < e) {
        const char *dot = memchr(s, '.', (size_t)(e - s));
        const char *end = dot ? dot : e;
        const char *p;

        if (end == s)
            return false;
        for (p = s; p < end; p++)
            if (!is_ident_char(*p))
                return false;
        if (strict_numbers && all_digits(s, end) && !numeric_ok(s, end))
            return false;
        if (!dot)
            return true;
        s = dot + 1;
        if (s == e)
            return false; /* trailing dot */
    }
    return false;
}

static bool semver_parse(semver *v, const char *str)
{
    const char *p = str, *end, *plus, *dash;
    size_t len;
    int i;

    if (!str)
        return false;
    len = strnlen(str, SEMVER_MAX_LEN + 1);
    if (len == 0 || len > SEMVER_MAX_LEN)
        return false;
    end = str + len;
    plus = memchr(str, '+', len);
    if (plus) {
        if (!idents_ok(plus + 1, end, false) || plus + 1 == end)
            return false;
        end = plus;
    }
    dash = memchr(str, '-', (size_t)(end - str));
    v->pre.start = v->pre.end = NULL;
    if (dash) {
        if (dash + 1 == end || !idents_ok(dash + 1, end, true))
            return false;
        v->pre.start = dash + 1;
        v->pre.end = end;
        end = dash;
    }
    for (i = 0; i < 3; i++) {
        const char *q = p;
        while (q < end && *q != '.')
            q++;
        if (!numeric_ok(p, q))
            return false;
        v->core[i].start = p;
        v->core[i].end = q;
        if (i < 2) {
            if (q >= end)
                return false;
            p = q + 1;
        } else if (q != end) {
            return false;
        }
    }
    return true;
}

bool mpk_semver_valid(const char *version)
{
    semver v;
    return semver_parse(&v, version);
}

/* Numbers without leading zeros compare by length, then digit by digit (no overflow). */
static int cmp_numeric(const char *a, const char *ae, const char *b, const char *be)
{
    ptrdiff_t la = ae - a, lb = be - b;
    int c;

    if (la != lb)
        return la < lb ? -1 : 1;
    c = memcmp(a, b, (size_t)la);
    return c < 0 ? -1 : c > 0;
}

static int cmp_ident(const char *a, const char *ae, const char *b, const char *be)
{
    bool na = all_digits(a, ae), nb = all_digits(b, be);
    size_t la = (size_t)(ae - a), lb = (size_t)(be - b);
    int c;

    if (na && nb)
        return cmp_numeric(a, ae, b, be);
    if (na != nb)
        return na ? -1 : 1; /* numeric identifiers have lower precedence */
    c = memcmp(a, b, la < lb ? la : lb);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return la == lb ? 0 : (la < lb ? -1 : 1);
}

static int cmp_pre(span a, span b)
{
    const char *pa = a.start, *pb = b.start;

    /* A version without pre-release has higher precedence than one with. */
    if (!pa || !pb)
        return (pa ? -1 : 0) + (pb ? 1 : 0);
    for (;;) {
        const char *ea = memchr(pa, '.', (size_t)(a.end - pa));
        const char *eb = memchr(pb, '.', (size_t)(b.end - pb));
        int c = cmp_ident(pa, ea ? ea : a.end, pb, eb ? eb : b.end);

        if (c != 0)
            return c;
        if (!ea || !eb)
            return (ea ? 1 : 0) - (eb ? 1 : 0); /* more identifiers sort higher */
        pa = ea + 1;
        pb = eb + 1;
    }
}

int mpk_semver_compare(const char *a, const char *b)
{
    semver va, vb;
    bool oka = semver_parse(&va, a), okb = semver_parse(&vb, b);
    int i, c;

    if (!oka || !okb) {
        if (oka != okb)
            return oka ? 1 : -1;
        c = strcmp(a ? a : "", b ? b : "");
        return c < 0 ? -1 : c > 0;
    }
    for (i = 0; i < 3; i++) {
        c = cmp_numeric(va.core[i].start, va.core[i].end, vb.core[i].start, vb.core[i].end);
        if (c != 0)
            return c;
    }
    return cmp_pre(va.pre, vb.pre);
}
