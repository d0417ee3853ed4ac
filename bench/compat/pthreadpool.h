/* pthreadpool.h — stand-in for Debian 12, whose libxnnpack-dev includes <pthreadpool.h> but
 * ships no libpthreadpool-dev. xnnpack.h needs only the opaque handle type; bench/peers always
 * passes NULL (one thread). Used only when the real header is not found (bench/CMakeLists.txt). */
#ifndef PTHREADPOOL_H_
#define PTHREADPOOL_H_
typedef struct pthreadpool *pthreadpool_t;
#endif
