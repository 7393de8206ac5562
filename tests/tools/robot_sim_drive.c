/*
 * robot_sim_drive: drives robot-sim through the DDS backend's link and measures how it follows.
 *
 * Every commanded joint moves from where the robot stands by a smooth bump of --amplitude rad
 * toward the middle of its range and back (1 - cos, --freq Hz), with the model's default gains and
 * the matching velocity target. Prints the tracking error of the measured state against the
 * current target, the rate of valid states, and what was sent.
 *
 * usage: robot_sim_drive --domain N --model ID [--arm] [--weight W] [--duration S]
 *                        [--amplitude RAD] [--freq HZ] [--gain-scale K] [--corrupt-every N]
 *   --gain-scale     kp times K, kd times sqrt(K) (default 1: the model's gains)
 *   --arm            waist and arms only, on rt/arm_sdk with blend weight W (default 1)
 *   --corrupt-every  every Nth tick also sends a command with a wrong CRC whose targets are far
 *                    off (a robot that accepted it would show a large tracking error)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dds_domain.h"
#include "dds_link.h"
#include "mpk/robot.h"
#include "unitree_msgs.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *model_id = NULL;
    long domain = -1, corrupt_every = 0;
    int arm = 0;
    double weight = 1.0, duration = 4.0, amplitude = 0.3, freq = 0.5, gain = 1.0;
    const mpk_robot_model *model;
    motion__dds_link_config cfg;
    motion__dds_link *link = NULL;
    motion__dds_motor motors[MOTION_DDS_LINK_SLOTS], bad[MOTION_DDS_LINK_SLOTS];
    motion__dds_state st;
    motion__dds_stats stats;
    motion__dds_node node = {0, 0};
    dds_entity_t raw = 0;
    double q0[64], dir[64], amp[64], target[64], joint_max[64] = {0};
    double max_err = 0, sum_sq = 0, t_start, period = 0.002;
    long samples = 0, corrupt = 0, worst = -1;
    uint64_t count0;
    char err[512];
    struct timespec next;

    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(argv[i], "--arm") == 0)
            arm = 1;
        else if (strcmp(argv[i], "--domain") == 0)
            domain = strtol(v, NULL, 10), i++;
        else if (strcmp(argv[i], "--model") == 0)
            model_id = v, i++;
        else if (strcmp(argv[i], "--weight") == 0)
            weight = strtod(v, NULL), i++;
        else if (strcmp(argv[i], "--duration") == 0)
            duration = strtod(v, NULL), i++;
        else if (strcmp(argv[i], "--amplitude") == 0)
            amplitude = strtod(v, NULL), i++;
        else if (strcmp(argv[i], "--gain-scale") == 0)
            gain = strtod(v, NULL), i++;
        else if (strcmp(argv[i], "--freq") == 0)
            freq = strtod(v, NULL), i++;
        else if (strcmp(argv[i], "--corrupt-every") == 0)
            corrupt_every = strtol(v, NULL, 10), i++;
        else
            model_id = NULL, i = argc;
    }
    model = model_id ? mpk_robot_find(model_id) : NULL;
    if (!model || domain < 0) {
        fprintf(stderr, "usage: robot_sim_drive --domain N --model ID [--arm] [--weight W] "
                        "[--duration S] [--amplitude RAD] [--freq HZ] [--gain-scale K] "
                        "[--corrupt-every N]\n");
        return 2;
    }
    cfg.family = model->family == MPK_DDS_GO ? MOTION__DDS_GO : MOTION__DDS_HG;
    cfg.domain = (uint32_t)domain;
    cfg.iface = "lo";
    cfg.weight_slot = model->weight_slot;
    if (motion__dds_link_open(&link, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "robot_sim_drive: %s\n", err);
        return 1;
    }
    if (corrupt_every > 0) {
        const dds_topic_descriptor_t *d = cfg.family == MOTION__DDS_HG
                                              ? &unitree_hg_msg_dds__LowCmd__desc
                                              : &unitree_go_msg_dds__LowCmd__desc;
        dds_entity_t topic;
        if (motion__dds_node_open(&node, (uint32_t)domain, "lo", err, sizeof(err)) != 0) {
            fprintf(stderr, "robot_sim_drive: %s\n", err);
            return 1;
        }
        topic =
            dds_create_topic(node.participant, d,
                             arm ? MOTION_DDS_TOPIC_ARM_SDK : MOTION_DDS_TOPIC_LOWCMD, NULL, NULL);
        raw = dds_create_writer(node.participant, topic, NULL, NULL);
        /* A sample written before robot-sim's reader matched this second participant is lost
         * without trace: every corrupt command counted here must have had a reader. */
        for (int i = 0; i < 1000; i++) {
            dds_publication_matched_status_t ms;
            if (raw > 0 && dds_get_publication_matched_status(raw, &ms) == 0 &&
                ms.current_count > 0)
                break;
            nanosleep(&(struct timespec){0, 10000000L}, NULL);
        }
    }
    for (int i = 0; i < 1000 && !motion__dds_link_state(link, &st); i++)
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    if (st.count == 0) {
        fprintf(stderr, "robot_sim_drive: no LowState_ on domain %ld within 10 s\n", domain);
        return 1;
    }
    for (int i = 0; i < 300; i++) {
        dds_publication_matched_status_t ms = {0};
        if (raw > 0)
            dds_get_publication_matched_status(raw, &ms);
        if (motion__dds_link_matched(link, arm) >= 1 && (raw <= 0 || ms.current_count >= 1))
            break;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    for (int j = 0; j < model->joint_count; j++) {
        const mpk_joint *jt = &model->joints[j];
        double mid = 0.5 * (jt->lower + jt->upper);
        q0[j] = st.q[jt->motor];
        dir[j] = mid >= q0[j] ? 1.0 : -1.0;
        amp[j] = fmin(amplitude, 0.9 * fabs(mid - q0[j]) + 0.3 * (jt->upper - jt->lower));
    }
    count0 = st.count;
    t_start = now_s();
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long tick = 0;; tick++) {
        double t = tick * period;
        int n_used = 0;
        if (t > duration)
            break;
        memset(motors, 0, sizeof(motors));
        for (int j = 0; j < model->joint_count; j++) {
            const mpk_joint *jt = &model->joints[j];
            double w = 2 * M_PI * freq;
            motion__dds_motor *m = &motors[jt->motor];
            if (arm && jt->group == MPK_GROUP_LEG)
                continue;
            target[j] = q0[j] + dir[j] * amp[j] * 0.5 * (1 - cos(w * t));
            m->used = 1;
            m->mode = (uint8_t)(jt->motor_mode ? jt->motor_mode : 1);
            m->q = (float)target[j];
            m->dq = (float)(dir[j] * amp[j] * 0.5 * w * sin(w * t));
            m->kp = (float)(jt->kp * gain);
            m->kd = (float)(jt->kd * sqrt(gain));
            n_used++;
        }
        motion__dds_link_write(link, motors, arm, weight);
        if (raw > 0 && tick % corrupt_every == corrupt_every - 1) {
            union {
                motion__hg_lowcmd hg;
                motion__go_lowcmd go;
            } msg;
            memcpy(bad, motors, sizeof(bad));
            for (int s = 0; s < MOTION_DDS_LINK_SLOTS; s++)
                bad[s].q = bad[s].used ? bad[s].q + 1.5f : bad[s].q;
            motion__dds_pack_lowcmd(&msg, cfg.family, bad, arm, model->weight_slot, weight,
                                    st.mode_machine);
            if (cfg.family == MOTION__DDS_HG)
                msg.hg.crc ^= 0x1u;
            else
                msg.go.crc ^= 0x1u;
            if (dds_write(raw, &msg) >= 0)
                corrupt++;
        }
        motion__dds_link_state(link, &st);
        if (t > 0.5) { /* past the first response */
            for (int j = 0; j < model->joint_count; j++) {
                double e;
                if (arm && model->joints[j].group == MPK_GROUP_LEG)
                    continue;
                e = fabs(st.q[model->joints[j].motor] - target[j]);
                joint_max[j] = fmax(joint_max[j], e);
                sum_sq += e * e;
                samples++;
                if (e > max_err)
                    max_err = e, worst = j;
            }
        }
        (void)n_used;
        next.tv_nsec += 2000000L;
        if (next.tv_nsec >= 1000000000L)
            next.tv_nsec -= 1000000000L, next.tv_sec++;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    motion__dds_link_stats(link, &stats);
    for (int j = 0; j < model->joint_count; j++)
        fprintf(stderr, "  %-22s max error %.4f rad\n", model->joints[j].name, joint_max[j]);
    printf("robot_sim_drive: sent=%llu corrupt=%ld states=%llu bad_crc=%llu state_rate=%.1f "
           "max_err=%.4f rms_err=%.4f mode_machine=%u worst=%s\n",
           (unsigned long long)stats.sent, corrupt, (unsigned long long)stats.received,
           (unsigned long long)stats.bad_crc, (double)(st.count - count0) / (now_s() - t_start),
           max_err, samples ? sqrt(sum_sq / (double)samples) : 0.0, st.mode_machine,
           worst >= 0 ? model->joints[worst].name : "-");
    motion__dds_link_close(link);
    motion__dds_node_close(&node);
    return 0;
}
