/* mpk build: turns a project folder (mpk-project.json) into a signed, reproducible package. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_project.h"
#include "cli_thumbnail.h"
#include "cmd_package.h"
#include "commands.h"
#include "internal.h"
#include "mpk/mpk.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpk build PROJECT_DIR [-o OUT.mpk] [--key KEY] [--no-validate]\n"
            "                 [--no-thumbnail]\n\n"
            "Builds the package a project folder describes (PROJECT_DIR/mpk-project.json):\n"
            "reads every motion source, validates each motion as `mpk validate` does (errors\n"
            "stop the build, warnings are printed), renders a thumbnail with mpk-preview unless\n"
            "the project has its own image or says \"thumbnail\": false, and writes a signed\n"
            "package. The same project and key always give the same bytes (set\n"
            "SOURCE_DATE_EPOCH to choose the timestamp stored in the zip).\n\n"
            "  -o, --output OUT.mpk   where to write (default: ./<id>-<version>.mpk)\n"
            "  -k, --key KEY          private key to sign with (default: the project's \"key\")\n"
            "      --no-validate      only check positions against the limits (as the package\n"
            "                         format requires), not the other rules\n"
            "      --no-thumbnail     do not render a thumbnail\n\n"
            "Without mpk-preview (next to mpk or on PATH) the package has no rendered thumbnail\n"
            "and the build says so.\n\n"
            "Exit codes: 0 built, 1 failure (I/O, malformed project or source, mpk-preview\n"
            "failed), 2 usage, 3 a motion is invalid for its robot (validation errors).\n");
}

int mpk_cmd_build(int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'}, {"key", required_argument, NULL, 'k'},
        {"no-validate", no_argument, NULL, 'V'},  {"no-thumbnail", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},         {0}};
    const char *out = NULL, *key_path = NULL, *dir;
    char id[MPK_KEY_ID_LEN + 1], digest_hex[65];
    unsigned char digest[32];
    mpk_project *project = NULL;
    mpk_findings *findings = NULL;
    mpk_key *key = NULL;
    bool validate = true, thumbnail = true;
    char note[PATH_MAX + 256] = "";
    char *bytes = NULL;
    size_t size = 0;
    int c, error, rc = MPK_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:k:h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'V':
            validate = false;
            break;
        case 'T':
            thumbnail = false;
            break;
        case 'h':
            usage(stdout);
            return MPK_EXIT_OK;
        default:
            return mpk_cli_usage("build", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return mpk_cli_usage("build",
                             optind == argc ? "PROJECT_DIR is missing" : "one PROJECT_DIR only");
    dir = argv[optind];
    error = mpk_project_load(&project, dir);
    if (error) {
        rc = mpk_cli_fail("build", error, "cannot load the project");
        goto out;
    }
    if (!key_path)
        key_path = mpk_project_key_path(project);
    if (!key_path) {
        rc = mpk_cli_usage("build", "no signing key: give --key KEY or set \"key\" in %s/%s", dir,
                           MPK_PROJECT_FILE);
        goto out;
    }
    error = mpk_key_load(&key, key_path);
    if (!error && !mpk_key_has_private(key))
        error = mpk__error(MPK_EINVAL, "%s: a public key; signing needs the private key", key_path);
    if (!error)
        error = mpk_key_id(id, key);
    if (error) {
        rc = mpk_cli_fail("build", error, "cannot use the signing key");
        goto out;
    }
    if (!out)
        out = mpk_project_package_name(project);
    if (validate) {
        error = mpk_validate_project(&findings, project, NULL);
        if (error) {
            rc = mpk_cli_fail("build", error, "cannot validate the project");
            goto out;
        }
        cli_print_findings(stderr, findings);
        if (mpk_findings_errors(findings)) {
            bool speed = false;
            size_t i;
            for (i = 0; i < mpk_findings_count(findings); i++) {
                mpk_rule r = mpk_findings_get(findings, i)->rule;
                speed = speed || r == MPK_RULE_VELOCITY || r == MPK_RULE_ACCELERATION ||
                        r == MPK_RULE_JERK || r == MPK_RULE_JUMP;
            }
            fprintf(stderr,
                    "mpk build: not built: %zu validation error%s (%s%s%s--no-validate "
                    "builds anyway)\n",
                    mpk_findings_errors(findings), mpk_findings_errors(findings) == 1 ? "" : "s",
                    speed ? "`mpk retime " : "", speed ? dir : "",
                    speed ? "` slows what is too fast; " : "");
            rc = MPK_EXIT_INVALID;
            goto out;
        }
    }
    if (thumbnail) {
        error = cli_thumbnail_render(project, note, sizeof(note));
        if (error) {
            rc = mpk_cli_fail("build", error, "cannot make the thumbnail");
            goto out;
        }
        if (note[0] && strncmp(note, "no thumbnail", 12) == 0)
            fprintf(stderr, "mpk build: note: %s\n", note);
    }
    error = mpk_project_build(project, out, key);
    if (error) {
        rc = mpk_cli_fail("build", error, "cannot build the package");
        goto out;
    }
    error = mpk__read_file(&bytes, &size, out, MPK_PACKAGE_MAX_SIZE);
    if (error) {
        rc = mpk_cli_fail("build", error, "cannot read back %s", out);
        goto out;
    }
    mpk_sha256(digest, bytes, size);
    mpk_hex(digest_hex, digest, sizeof(digest));
    printf("built %s: %s %s, %zu motion%s, %zu bytes\n  sha256 %s\n  signed by key %s\n", out,
           mpk_project_manifest(project)->id, mpk_project_manifest(project)->version,
           mpk_project_motion_count(project), mpk_project_motion_count(project) == 1 ? "" : "s",
           size, digest_hex, id);
    if (note[0] && strncmp(note, "no thumbnail", 12) != 0)
        printf("  %s\n", note);
    rc = MPK_EXIT_OK;
out:
    free(bytes);
    mpk_findings_free(findings);
    mpk_key_free(key);
    mpk_project_free(project);
    return rc;
}
