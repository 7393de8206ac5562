/* A QR code drawn on a terminal (libqrencode): what a phone's camera scans to open the pairing
 * page with the code filled in. */
#ifndef MD_QR_H
#define MD_QR_H

/**
 * Renders text as a QR code with Unicode block characters, two module rows per line. Light
 * modules (and a quiet zone of 2 modules) are drawn, dark ones left blank, which reads correctly
 * on the usual light-on-dark terminal and in the journal (no escape sequences).
 * @return malloc'd text, each line ending in a newline, or NULL if it could not be encoded
 */
char *md_qr_render(const char *text);

#endif
