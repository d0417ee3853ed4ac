/* math.h — the part of <math.h> qtune's kernels library uses (qt_quantize.c), for the Hexagon
 * runtime (qt_hexagon_rt.c): exact bit-level frexp and round. */
#ifndef QT_HEXAGON_MATH_H
#define QT_HEXAGON_MATH_H

double frexp(double v, int *exp);
double round(double v);

#endif
