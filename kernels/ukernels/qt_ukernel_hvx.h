/* qt_ukernel_hvx.h — what the HVX micro-kernels share: the 128-byte vector type and its
 * unaligned load and store (kernels take input, weights and output at any address; HVX's
 * aligned vmem ignores the low address bits, vmemu does not). Included only where the
 * compiler targets HVX with 128-byte vectors. */
#ifndef QT_UKERNEL_HVX_H
#define QT_UKERNEL_HVX_H

#include <stdint.h>

typedef int32_t qt_hvx_vec __attribute__((__vector_size__(128)));
/* the same vector at any byte address: clang emits vmemu for it */
typedef int32_t qt_hvx_uvec __attribute__((__vector_size__(128), __aligned__(1)));

static inline qt_hvx_vec qt_hvx_loadu(const void *p) { return *(const qt_hvx_uvec *)p; }
static inline void qt_hvx_storeu(void *p, qt_hvx_vec v) { *(qt_hvx_uvec *)p = v; }

#endif /* QT_UKERNEL_HVX_H */
