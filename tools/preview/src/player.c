/* Timeline state of the preview. */
#include "player.h"

#include <math.h>

static const double speeds[] = {0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0};
#define SPEED_COUNT (sizeof(speeds) / sizeof(speeds[0]))

void preview_player_reset(preview_player *p, const preview_eval *ev)
{
    double rate = mpk_track_rate(ev->motion->track);

    p->start = preview_eval_start(ev);
    p->end = ev->duration;
    p->frame = rate > 0 ? 1.0 / rate : 0.02;
    p->t = p->start;
    if (p->speed < PREVIEW_SPEED_MIN || p->speed > PREVIEW_SPEED_MAX)
        p->speed = 1.0;
}

void preview_player_seek(preview_player *p, double t)
{
    p->t = t < p->start ? p->start : t > p->end ? p->end : t;
}

void preview_player_advance(preview_player *p, double dt)
{
    double t;

    if (!p->playing || dt <= 0)
        return;
    t = p->t + dt * p->speed;
    if (t < p->end) {
        p->t = t;
        return;
    }
    if (p->loop && p->end > 0) {
        /* The runtime blends in once; every further pass starts at the first frame. */
        p->t = fmod(t - p->end, p->end);
        return;
    }
    p->t = p->end;
    p->playing = false;
}

void preview_player_step(preview_player *p, int n)
{
    double k;

    p->playing = false;
    if (p->t < 0 && n > 0 && p->t + n * p->frame > 0) {
        /* Out of the blend-in: the first step lands on the first frame. */
        p->t = 0;
        n--;
    }
    /* Land on the frame grid of the track (frame 0 at t = 0). */
    k = p->t / p->frame;
    if (fabs(k - round(k)) < 1e-6)
        k = round(k);
    k = n > 0 ? floor(k) + n : ceil(k) + n;
    preview_player_seek(p, k * p->frame);
}

void preview_player_toggle(preview_player *p)
{
    if (!p->playing && !p->loop && p->t >= p->end)
        p->t = p->start;
    p->playing = !p->playing;
}

void preview_player_speed_step(preview_player *p, int dir)
{
    size_t i;

    if (dir > 0) {
        for (i = 0; i < SPEED_COUNT; i++) {
            if (speeds[i] > p->speed + 1e-9) {
                p->speed = speeds[i];
                return;
            }
        }
    } else {
        for (i = SPEED_COUNT; i-- > 0;) {
            if (speeds[i] < p->speed - 1e-9) {
                p->speed = speeds[i];
                return;
            }
        }
    }
}

void preview_player_set_speed(preview_player *p, double speed)
{
    p->speed = speed < PREVIEW_SPEED_MIN   ? PREVIEW_SPEED_MIN
               : speed > PREVIEW_SPEED_MAX ? PREVIEW_SPEED_MAX
                                           : speed;
}
