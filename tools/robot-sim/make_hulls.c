/*
 * robot-sim-hulls: replaces collision meshes by their convex hulls, as MuJoCo computes them.
 *
 * MuJoCo collides a mesh geom through the mesh's convex hull, so a hull written back as a mesh
 * gives the same contacts for a fraction of the bytes. Used once by a developer to prepare
 * tools/robot-sim/models from Unitree's models (see models/README.md); not needed to run robot-sim.
 *
 * usage: robot-sim-hulls OUT_DIR MESH.stl...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mujoco/mujoco.h>

static void rotate(double out[3], const double q[4], const float v[3])
{
    double p[3] = {v[0], v[1], v[2]};
    mju_rotVecQuat(out, p, q);
}

static int put_f32(FILE *f, double x)
{
    float v = (float)x;
    return fwrite(&v, 4, 1, f) == 1 ? 0 : -1;
}

/* Writes the hull of the model's only mesh, in the mesh file's own frame, as binary STL. */
static int write_hull(const mjModel *m, const char *out)
{
    const int *graph = m->mesh_graph + m->mesh_graphadr[0];
    int nvert = graph[0], nface = graph[1];
    const int *faces = graph + 2 + 2 * nvert + (nvert + 3 * nface);
    const float *vert = m->mesh_vert + 3 * m->mesh_vertadr[0];
    const double *pos = m->geom_pos, *quat = m->geom_quat;
    char header[80] = "convex hull computed by MuJoCo (robot-sim-hulls)";
    uint32_t count = (uint32_t)nface;
    FILE *f = fopen(out, "wb");
    int rc = 0;

    if (!f) {
        fprintf(stderr, "robot-sim-hulls: %s: %s\n", out, strerror(errno));
        return -1;
    }
    fwrite(header, 1, sizeof(header), f);
    fwrite(&count, 4, 1, f);
    for (int i = 0; i < nface && rc == 0; i++) {
        double p[3][3], n[3], a[3], b[3];
        uint16_t attr = 0;
        for (int k = 0; k < 3; k++) {
            /* MuJoCo moved the mesh to its inertial frame; the geom pose undoes that. */
            rotate(p[k], quat, vert + 3 * faces[3 * i + k]);
            mju_addTo3(p[k], pos);
        }
        mju_sub3(a, p[1], p[0]);
        mju_sub3(b, p[2], p[0]);
        mju_cross(n, a, b);
        mju_normalize3(n);
        for (int k = 0; k < 3 && rc == 0; k++)
            rc = put_f32(f, n[k]);
        for (int k = 0; k < 9 && rc == 0; k++)
            rc = put_f32(f, p[k / 3][k % 3]);
        if (rc == 0 && fwrite(&attr, 2, 1, f) != 1)
            rc = -1;
    }
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "robot-sim-hulls: %s: write failed\n", out);
        return -1;
    }
    printf("%s: %d hull vertices, %d faces\n", out, nvert, nface);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: robot-sim-hulls OUT_DIR MESH.stl...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *mesh = argv[i], *base = strrchr(mesh, '/');
        char xml[4096], xmlpath[] = "/tmp/robot-sim-hulls-XXXXXX.xml", err[1000], out[4096];
        mjModel *m;
        int fd, rc;
        FILE *f;

        base = base ? base + 1 : mesh;
        snprintf(xml, sizeof(xml),
                 "<mujoco><asset><mesh name=\"m\" file=\"%s\"/></asset>"
                 "<worldbody><geom type=\"mesh\" mesh=\"m\"/></worldbody></mujoco>",
                 mesh);
        fd = mkstemps(xmlpath, 4);
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
            fprintf(stderr, "robot-sim-hulls: temporary file: %s\n", strerror(errno));
            return 1;
        }
        fputs(xml, f);
        fclose(f);
        m = mj_loadXML(xmlpath, NULL, err, sizeof(err));
        unlink(xmlpath);
        if (!m) {
            fprintf(stderr, "robot-sim-hulls: %s: %s\n", mesh, err);
            return 1;
        }
        if (m->mesh_graphadr[0] < 0) {
            fprintf(stderr, "robot-sim-hulls: %s: MuJoCo computed no convex hull\n", mesh);
            mj_deleteModel(m);
            return 1;
        }
        snprintf(out, sizeof(out), "%s/%s", argv[1], base);
        rc = write_hull(m, out);
        mj_deleteModel(m);
        if (rc != 0)
            return 1;
    }
    return 0;
}
