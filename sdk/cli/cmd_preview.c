/* mpk preview: runs the mpk-preview program (tools/preview) with the same arguments. The SDK links
 * neither SDL nor the runtime; the preview is its own program, found next to this mpk (the build
 * tree's bin/ folder, or the install's bindir) or else on PATH. */
#include "cli.h"
#include "commands.h"

int mpk_cmd_preview(int argc, char **argv)
{
    /* argv[0] is "preview": mpk-preview gets the rest as its own arguments. */
    (void)argc;
    return mpk_cli_exec("preview", "mpk-preview", argv,
                        "it is built with the SDK from tools/preview, into the folder of mpk");
}
