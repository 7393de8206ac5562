/* mpk-preview's orbit camera: projection, orbit, pan, zoom and framing. */
#include "testutil.h"

#include <math.h>

#include "camera.h"

static void test_target_projects_to_centre(void **state)
{
    preview_camera cam;
    preview_view v;
    double sx, sy, depth;

    preview_camera_reset(&cam, pv3(1, 2, 0.5), 3.0);
    preview_camera_view(&v, &cam, 100, 50, 800, 600);
    assert_true(preview_view_project(&v, cam.target, &sx, &sy, &depth));
    assert_true(fabs(sx - 500) < 1e-9 && fabs(sy - 350) < 1e-9);
    assert_true(fabs(depth - 3.0) < 1e-9);
    /* World up is screen up; seen from the front (yaw 0), the robot's left (+y) is on the
     * screen's right, as when facing a person. */
    assert_true(preview_view_project(&v, pv3(1, 2, 1.0), &sx, &sy, NULL));
    assert_true(sy < 350);
    cam.yaw = 0;
    preview_camera_view(&v, &cam, 0, 0, 800, 600);
    assert_true(preview_view_project(&v, pv3(1, 2.5, 0.5), &sx, &sy, NULL));
    assert_true(sx > 400);
    /* Behind the eye: not projected. */
    assert_false(
        preview_view_project(&v, pv3_add(v.eye, pv3_scale(v.forward, -1)), &sx, &sy, NULL));
}

static void test_orbit_pan_zoom(void **state)
{
    preview_camera cam;
    preview_view v;
    preview_vec3 t0;
    double sx, sy;
    int i;

    preview_camera_reset(&cam, pv3(0, 0, 0.5), 3.0);
    /* Orbiting keeps the target and distance, and pitch stays within its limits. */
    for (i = 0; i < 50; i++)
        preview_camera_orbit(&cam, 0, 100);
    assert_true(cam.pitch == PREVIEW_CAMERA_MAX_PITCH);
    for (i = 0; i < 50; i++)
        preview_camera_orbit(&cam, 37, -100);
    assert_true(cam.pitch == PREVIEW_CAMERA_MIN_PITCH);
    assert_true(cam.yaw >= -M_PI && cam.yaw <= M_PI);
    assert_true(cam.distance == 3.0);
    /* A pan drags the world with the pointer: the old target moves by the drag on screen. */
    preview_camera_reset(&cam, pv3(0, 0, 0.5), 3.0);
    t0 = cam.target;
    preview_camera_pan(&cam, 40, -25, 600);
    preview_camera_view(&v, &cam, 0, 0, 600, 600);
    assert_true(preview_view_project(&v, t0, &sx, &sy, NULL));
    assert_true(fabs(sx - (300 + 40)) < 0.5 && fabs(sy - (300 - 25)) < 0.5);
    /* Zoom clamps at both ends. */
    for (i = 0; i < 100; i++)
        preview_camera_zoom(&cam, 1);
    assert_true(cam.distance == PREVIEW_CAMERA_MIN_DIST);
    for (i = 0; i < 100; i++)
        preview_camera_zoom(&cam, -1);
    assert_true(cam.distance == PREVIEW_CAMERA_MAX_DIST);
}

static void test_frame_box_fits(void **state)
{
    preview_vec3 lo = pv3(-0.3, -0.4, 0), hi = pv3(0.5, 0.4, 1.3);
    double sizes[][2] = {{320, 240}, {240, 320}, {1280, 720}};
    size_t k;
    int c;

    for (k = 0; k < 3; k++) {
        preview_camera cam;
        preview_view v;
        preview_camera_reset(&cam, pv3(5, 5, 5), 10);
        preview_camera_frame_box(&cam, lo, hi, sizes[k][0], sizes[k][1]);
        preview_camera_view(&v, &cam, 0, 0, sizes[k][0], sizes[k][1]);
        for (c = 0; c < 8; c++) {
            preview_vec3 p = pv3(c & 1 ? hi.x : lo.x, c & 2 ? hi.y : lo.y, c & 4 ? hi.z : lo.z);
            double sx, sy;
            assert_true(preview_view_project(&v, p, &sx, &sy, NULL));
            assert_true(sx >= 0 && sx <= sizes[k][0] && sy >= 0 && sy <= sizes[k][1]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_projects_to_centre),
        cmocka_unit_test(test_orbit_pan_zoom),
        cmocka_unit_test(test_frame_box_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
