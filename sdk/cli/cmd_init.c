/* mpk init: a new project folder with a keyframe motion that starts and ends standing, and a
 * README. Made in a temporary folder beside the target and renamed into place, so a failure leaves
 * nothing behind and an existing project is never touched. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_project.h"
#include "cli_template.h"
#include "commands.h"
#include "internal.h"
#include "json_util.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: mpk init ID --robot MODEL [--full-body] [OPTIONS]\n\n"
        "Creates a package project folder (default: the last part of ID): mpk-project.json,\n"
        "a keyframe motion motions/NAME.json that starts and ends at the robot's standing\n"
        "pose, and a README.md. Refuses a folder that exists and is not empty.\n\n"
        "  -r, --robot MODEL          robot model (`mpk robots`)\n"
        "      --full-body            the package may move the legs (a quadruped always does)\n"
        "  -d, --dir DIR              the folder to create\n"
        "  -m, --motion NAME          name of the first motion (default: the last part of ID)\n"
        "  -n, --name LANG=TEXT       the package's name in a language (repeat: en=Wave zh=挥手)\n"
        "      --description LANG=TEXT  its description in a language (repeat)\n"
        "      --author NAME          (default: your login name)\n"
        "      --license SPDX         (default: CC-BY-4.0)\n"
        "      --category CATEGORY    dance, exercise, gesture, greeting, interaction,\n"
        "                             performance, utility or other (default: gesture)\n"
        "  -k, --key KEY              private key to sign with, stored relative to the project\n"
        "      --rate HZ              sampling rate of keyframe motions (default 50)\n\n"
        "Exit codes: 0 created, 1 failure (folder exists, I/O), 2 usage.\n");
}

/* "com.example.wave" -> "wave". */
static const char *last_label(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? dot + 1 : id;
}

/* Splits an absolute path into its components (in place). @return the count */
static int components(char **parts, int max, char *path)
{
    char *save = NULL, *c;
    int n = 0;

    for (c = strtok_r(path, "/", &save); c && n < max; c = strtok_r(NULL, "/", &save))
        parts[n++] = c;
    return n;
}

/* The key's path as the project will name it: relative to the project folder dir (which does
 * not exist yet) when the key exists, so that the two can move together; else as given. */
static char *key_path_for(const char *dir, const char *key)
{
    char abs_key[PATH_MAX], abs_dir[PATH_MAX], parent[PATH_MAX], *a[128], *b[128], *out;
    const char *slash = strrchr(dir, '/');
    size_t len = 1;
    int na, nb, common = 0, i;

    if (key[0] == '/' || !realpath(key, abs_key))
        return mpk__strdup(key);
    snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - dir) : 1, slash ? dir : ".");
    if (!realpath(parent[0] ? parent : "/", abs_dir) ||
        strlen(abs_dir) + strlen(slash ? slash : dir) + 2 > sizeof(abs_dir))
        return mpk__strdup(abs_key);
    strcat(abs_dir, "/");
    strcat(abs_dir, slash ? slash + 1 : dir);
    na = components(a, 128, abs_dir);
    nb = components(b, 128, abs_key);
    while (common < na && common < nb - 1 && strcmp(a[common], b[common]) == 0)
        common++;
    for (i = common; i < nb; i++)
        len += strlen(b[i]) + 1;
    out = malloc(len + 3 * (size_t)(na - common));
    if (!out)
        return NULL;
    out[0] = '\0';
    for (i = common; i < na; i++)
        strcat(out, "../");
    for (i = common; i < nb; i++) {
        strcat(out, b[i]);
        if (i + 1 < nb)
            strcat(out, "/");
    }
    return out;
}

/* An empty folder may be the target: rename() puts the new project in its place. */
static bool empty_folder(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool empty = d != NULL;

    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    if (d)
        closedir(d);
    return empty;
}

/* Removes what init wrote into the temporary folder, and the folder. */
static void remove_temporary(const char *tmp, const char *motion)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/motions/%s.json", tmp, motion);
    unlink(path);
    snprintf(path, sizeof(path), "%s/motions", tmp);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/README.md", tmp);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", tmp, MPK_PROJECT_FILE);
    unlink(path);
    rmdir(tmp);
}

int mpk_cmd_init(int argc, char **argv)
{
    static const struct option options[] = {{"robot", required_argument, NULL, 'r'},
                                            {"full-body", no_argument, NULL, 'F'},
                                            {"dir", required_argument, NULL, 'd'},
                                            {"motion", required_argument, NULL, 'm'},
                                            {"name", required_argument, NULL, 'n'},
                                            {"description", required_argument, NULL, 'D'},
                                            {"author", required_argument, NULL, 'A'},
                                            {"license", required_argument, NULL, 'L'},
                                            {"category", required_argument, NULL, 'C'},
                                            {"key", required_argument, NULL, 'k'},
                                            {"rate", required_argument, NULL, 'R'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    const char *id, *robot = NULL, *dir = NULL, *motion = NULL, *author = NULL;
    const char *license = "CC-BY-4.0", *category = NULL, *key = NULL;
    json_t *names = json_object(), *descriptions = json_object(), *doc = NULL, *kf = NULL;
    char tmp[PATH_MAX], *text = NULL, *path = NULL, *readme = NULL, *key_rel = NULL;
    const mpk_robot_model *model;
    mpk_project *project = NULL;
    mpk_findings *findings = NULL;
    double rate = 0;
    bool full_body = false, made = false;
    size_t size = 0;
    struct stat st;
    int c, error, rc = MPK_EXIT_FAIL;

    if (!names || !descriptions)
        return mpk_cli_fail("init", 0, "out of memory");
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:d:m:n:k:h", options, NULL)) != -1) {
        switch (c) {
        case 'r':
            robot = optarg;
            break;
        case 'F':
            full_body = true;
            break;
        case 'd':
            dir = optarg;
            break;
        case 'm':
            motion = optarg;
            break;
        case 'n':
        case 'D':
            if (!cli_text_arg(c == 'n' ? names : descriptions, optarg)) {
                rc = mpk_cli_usage("init", "'%s': give LANG=TEXT, e.g. en=Wave", optarg);
                goto out;
            }
            break;
        case 'A':
            author = optarg;
            break;
        case 'L':
            license = optarg;
            break;
        case 'C':
            category = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'R': {
            char *end;
            rate = strtod(optarg, &end);
            if (*end || !(rate >= MPK_TRACK_MIN_RATE && rate <= MPK_TRACK_MAX_RATE)) {
                rc = mpk_cli_usage("init", "--rate '%s': must be 1 to 1000 Hz", optarg);
                goto out;
            }
            break;
        }
        case 'h':
            usage(stdout);
            rc = MPK_EXIT_OK;
            goto out;
        default:
            rc = mpk_cli_usage("init", "unknown option or missing value: %s", argv[optind - 1]);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = mpk_cli_usage("init", optind == argc ? "ID is missing (e.g. com.example.wave)"
                                                  : "one ID only");
        goto out;
    }
    id = argv[optind];
    if (!mpk_id_valid(id)) {
        rc = mpk_cli_usage("init",
                           "'%s' is not a package id: lowercase labels separated by dots, e.g. "
                           "com.example.wave",
                           id);
        goto out;
    }
    if (!robot) {
        rc = mpk_cli_usage("init", "--robot MODEL is missing (`mpk robots` lists them)");
        goto out;
    }
    model = mpk_robot_find(robot);
    if (!model) {
        rc = mpk_cli_usage("init", "%s", mpk_error_message());
        goto out;
    }
    if (!model->humanoid)
        full_body = true; /* a quadruped has nothing but legs */
    if (!motion)
        motion = last_label(id);
    if (!cli_motion_name_valid(motion)) {
        rc = mpk_cli_usage("init", "motion name '%s': 1 to 64 of a-z 0-9 _ -", motion);
        goto out;
    }
    if (!dir)
        dir = last_label(id);
    if (stat(dir, &st) == 0 && !empty_folder(dir)) {
        rc = mpk_cli_fail("init", 0, "%s: exists and is not an empty folder; nothing written", dir);
        goto out;
    }
    /* The project file. */
    if (!json_object_get(names, "en")) {
        /* "wave" -> "Wave": a start the author will likely change; English first. */
        char title[MPK_MANIFEST_MAX_ID + 1];
        json_t *ordered = json_object();
        snprintf(title, sizeof(title), "%s", last_label(id));
        if (title[0] >= 'a' && title[0] <= 'z')
            title[0] = (char)(title[0] - 'a' + 'A');
        if (!ordered || json_object_set_new(ordered, "en", json_string(title)) != 0 ||
            json_object_update(ordered, names) != 0) {
            json_decref(ordered);
            rc = mpk_cli_fail("init", 0, "out of memory");
            goto out;
        }
        json_decref(names);
        names = ordered;
    }
    if (!json_object_get(descriptions, "en")) {
        char *d = mpk__asprintf("%s, a motion for the %s.",
                                json_string_value(json_object_get(names, "en")), model->name);
        json_object_set_new(descriptions, "en", json_string(d ? d : "A motion."));
        free(d);
    }
    if (!author) {
        struct passwd *pw = getpwuid(getuid());
        author = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "Anonymous";
    }
    if (!category)
        category = model->humanoid ? "gesture" : "exercise";
    doc = json_object();
    if (key) {
        key_rel = key_path_for(dir, key);
        if (!key_rel) {
            rc = mpk_cli_fail("init", 0, "out of memory");
            goto out;
        }
    }
    {
        char *file = mpk__asprintf("motions/%s.json", motion);
        json_t *motions = json_pack("[{s:s, s:s, s:{s:s, s:s}, s:{s:s}}]", "name", motion, "robot",
                                    model->id, "source", "type", "keyframes", "file", file, "title",
                                    "en", json_string_value(json_object_get(names, "en")));
        free(file);
        json_object_set_new(doc, "format", json_integer(MPK_PROJECT_FORMAT));
        json_object_set_new(doc, "id", json_string(id));
        json_object_set_new(doc, "version", json_string("0.1.0"));
        json_object_set(doc, "name", names);
        json_object_set(doc, "description", descriptions);
        json_object_set_new(doc, "author", json_string(author));
        json_object_set_new(doc, "license", json_string(license));
        json_object_set_new(doc, "category", json_string(category));
        json_object_set_new(doc, "permissions",
                            full_body ? json_pack("[s]", "full-body") : json_array());
        if (key_rel)
            json_object_set_new(doc, "key", json_string(key_rel));
        if (rate > 0)
            mpk__json_set_number(doc, "rate", rate);
        json_object_set_new(doc, "motions", motions);
    }
    kf = cli_template_keyframes(model, full_body, 3.0);
    readme = cli_template_readme(id, model, motion, full_body);
    if (!kf || !readme) {
        rc = mpk_cli_fail("init", 0, "out of memory");
        goto out;
    }

    /* Everything in a temporary folder beside the target, checked, then renamed into place. */
    {
        const char *slash = strrchr(dir, '/');
        if (slash)
            snprintf(tmp, sizeof(tmp), "%.*s/.mpk-init-XXXXXX", (int)(slash - dir), dir);
        else
            snprintf(tmp, sizeof(tmp), ".mpk-init-XXXXXX");
    }
    if (!mkdtemp(tmp)) {
        rc = mpk_cli_fail("init", 0, "cannot create a folder beside %s: %s", dir, strerror(errno));
        goto out;
    }
    made = true;
    /* mkdtemp makes the folder private (0700); the project is an ordinary folder, as mkdir and
     * the umask would make it. */
    {
        mode_t mask = umask(0);
        umask(mask);
        if (chmod(tmp, 0777 & ~mask) != 0) {
            rc = mpk_cli_fail("init", 0, "cannot set the mode of %s: %s", tmp, strerror(errno));
            goto out;
        }
    }
    error = cli_make_dirs(tmp, "motions");
    if (!error)
        error = mpk__json_write_pretty(&text, &size, kf);
    if (!error) {
        path = mpk__asprintf("%s/motions/%s.json", tmp, motion);
        error = mpk__write_file_atomic(path, text, size, 0644);
        free(path);
        free(text);
        text = NULL;
    }
    if (!error) {
        path = mpk__asprintf("%s/README.md", tmp);
        error = mpk__write_file_atomic(path, readme, strlen(readme), 0644);
        free(path);
    }
    if (!error)
        error = mpk__json_write_pretty(&text, &size, doc);
    if (!error) {
        path = mpk__asprintf("%s/%s", tmp, MPK_PROJECT_FILE);
        error = mpk__write_file_atomic(path, text, size, 0644);
        free(path);
    }
    if (error) {
        rc = mpk_cli_fail("init", error, "cannot write the project");
        goto out;
    }
    /* What init makes must load and pass validation as it is. */
    error = mpk_project_load(&project, tmp);
    if (!error)
        error = mpk_validate_project(&findings, project, NULL);
    if (error || mpk_findings_errors(findings)) {
        if (findings)
            cli_print_findings(stderr, findings);
        rc = mpk_cli_fail("init", error ? error : MPK_EVALIDATE,
                          "the new project does not validate (a bug in mpk init)");
        goto out;
    }
    if (rename(tmp, dir) != 0) {
        rc = mpk_cli_fail("init", 0, "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    made = false;
    mpk__fsync_parent(dir);
    printf("created %s/ for %s (%s): %s, motions/%s.json, README.md\n", dir, id, model->id,
           MPK_PROJECT_FILE, motion);
    printf("next: edit motions/%s.json, then `mpk validate %s` and `mpk build %s%s`\n", motion, dir,
           dir, key_rel ? "" : " --key KEY");
    rc = MPK_EXIT_OK;
out:
    if (made)
        remove_temporary(tmp, motion);
    mpk_findings_free(findings);
    mpk_project_free(project);
    json_decref(names);
    json_decref(descriptions);
    json_decref(doc);
    json_decref(kf);
    free(text);
    free(readme);
    free(key_rel);
    return rc;
}
