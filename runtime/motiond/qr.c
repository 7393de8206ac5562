/* Terminal QR codes with libqrencode: each character cell shows two module rows (upper half
 * block, lower half block, full block or blank), so modules stay square. */
#include "qr.h"

#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#define QUIET 2

static int light(const QRcode *q, int x, int y)
{
    if (x < 0 || y < 0 || x >= q->width || y >= q->width)
        return 1; /* the quiet zone */
    return !(q->data[y * q->width + x] & 1);
}

char *md_qr_render(const char *text)
{
    static const char *const cells[4] = {" ", "\xe2\x96\x84", "\xe2\x96\x80", "\xe2\x96\x88"};
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int w, rows;
    size_t n = 0;
    char *out;

    if (!q)
        return NULL;
    w = q->width + 2 * QUIET;
    rows = (w + 1) / 2;
    out = malloc((size_t)rows * ((size_t)w * 3 + 1) + 1);
    if (!out) {
        QRcode_free(q);
        return NULL;
    }
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < w; c++) {
            int x = c - QUIET, y = 2 * r - QUIET;
            const char *cell = cells[light(q, x, y) * 2 + light(q, x, y + 1)];
            size_t k = strlen(cell);
            memcpy(out + n, cell, k);
            n += k;
        }
        out[n++] = '\n';
    }
    out[n] = '\0';
    QRcode_free(q);
    return out;
}
