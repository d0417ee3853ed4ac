/* errno.h — the part of <errno.h> the harness uses, for the Hexagon runtime (qt_hexagon_rt.c):
 * there is no C library for Hexagon here (kernels/harness/hexagon/README.md). */
#ifndef QT_HEXAGON_ERRNO_H
#define QT_HEXAGON_ERRNO_H

extern int qt_hexagon_errno;
#define errno qt_hexagon_errno
#define EINVAL 22
#define ERANGE 34

#endif
