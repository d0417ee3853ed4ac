/* qt_semihost_cm.h — Arm semihosting for the Cortex-M harness: the calls a bare-metal image
 * needs to talk to the machine running it (qemu's -semihosting, or a debug probe): its
 * command line, console output and exit status. Nothing here allocates, so a fault handler
 * can use it with a broken heap or stack. */
#ifndef QT_SEMIHOST_CM_H
#define QT_SEMIHOST_CM_H

#include <stddef.h>

/* Writes n bytes of buf to the host's stdout (SYS_WRITE on ":tt"); 0 on success. */
int qt_cm_write(const char *buf, size_t n);
/* Fills buf (cap bytes) with the command line the host gives (SYS_GET_CMDLINE); 0 on
 * success. */
int qt_cm_cmdline(char *buf, size_t cap);
/* Ends the program with exit status code (SYS_EXIT_EXTENDED, ADP_Stopped_ApplicationExit). */
_Noreturn void qt_cm_exit(int code);

#endif
