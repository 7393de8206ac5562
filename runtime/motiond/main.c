/* motiond: the robot daemon. `motiond --help` and docs/motiond.md describe it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "http.h"
#include "log.h"

/* --routes: the API's paths and methods, one per line (the docs test compares them). */
static int print_routes(void)
{
    for (size_t i = 0; i < md_route_count; i++) {
        const md_route *r = &md_routes[i];
        printf("%s %s %s%s\t%s\n", r->method, r->path,
               (r->flags & MD_ROUTE_PUBLIC) ? "public" : "token",
               (r->flags & MD_ROUTE_LOCAL) ? ",local" : "", r->summary);
    }
    return 0;
}

int main(int argc, char **argv)
{
    md_config cfg;
    md_daemon d;
    sigset_t set;
    int rc;

    if (argc == 2 && strcmp(argv[1], "--routes") == 0)
        return print_routes();
    rc = md_config_load(&cfg, argc, argv, stderr);
    if (rc) {
        md_config_clear(&cfg);
        return rc == 1 ? 0 : 2;
    }
    /* Every thread inherits this mask; the main thread alone takes the signals, with sigwait. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (md_daemon_start(&d, &cfg) != 0) {
        md_error("start-up failed");
        md_daemon_stop(&d);
        md_config_clear(&cfg);
        return 1;
    }
    md_daemon_wait(&d);
    rc = md_daemon_stop(&d);
    md_config_clear(&cfg);
    return rc;
}
