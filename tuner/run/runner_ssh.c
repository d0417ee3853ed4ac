/* runner_ssh.c — the SSH board (runner.h) on libssh2: one persistent session per board,
 * driven non-blocking through named states (connect, handshake, host key, auth, sftp, upload,
 * exec, read, close) under one deadline per operation, because libssh2's own timeout applies
 * to each call, not to an operation. The host key must be in the board's known_hosts file
 * (an unknown key may be added only with accept_new; a changed key is always refused). Each
 * artifact is uploaded by SFTP into a per-run remote directory (mode 0700, removed when the
 * runner is destroyed) and run under `timeout -s KILL` on the board, so a variant that hangs
 * is killed there even when the channel drops. Every remote path and argument is single-quoted:
 * nothing a config holds reaches the remote shell unquoted. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "tuner/run/runner_backends.h"
#include "tuner/sys/os.h"

#define MAX_OUT (1u << 20)
#define CLOSE_GRACE_MS 5000 /* beyond the run limit: the board's `timeout` fires first */

typedef enum ssh_state {
  ST_CONNECT, ST_HANDSHAKE, ST_HOSTKEY, ST_AUTH, ST_SFTP, ST_MKDIR, ST_UPLOAD, ST_EXEC,
  ST_READ, ST_CLOSE, ST_CLEANUP
} ssh_state;

static const char *const state_names[] = {"connect", "handshake", "host key check",
                                          "authentication", "sftp start", "mkdir", "upload",
                                          "exec", "read", "close", "cleanup"};

#define QT_SSH_UPLOADS_KEPT 8

typedef struct ssh_impl {
  qt_board_def b;
  int accept_new;
  int sock;
  LIBSSH2_SESSION *s;
  LIBSSH2_SFTP *sftp;
  char rundir[QT_PATH_MAX]; /* per-run remote directory, "" until created */
  unsigned seq;             /* artifact counter: each upload has a fresh remote name */
  /* Artifacts uploaded in this session, kept on the board for the re-measurement rounds that
   * run them again: a local path (content-addressed by the build cache) and its remote name.
   * The oldest is unlinked when a new one needs its slot; all are forgotten when the session
   * drops (the board may have lost them) and removed with the run directory. */
  struct {
    char local[QT_PATH_MAX];
    char remote[QT_PATH_MAX + 32];
  } up[QT_SSH_UPLOADS_KEPT];
  int n_up, next_up;
  long fail_at, calls;      /* fault injection: fail the fail_at-th libssh2 call (0: off) */
  int fail_persistent;      /* ... and every later one */
} ssh_impl;

/* The one place libssh2's errors become qtune errors: the code by class (lost connection,
 * refused authentication, timeout, ...) and a message naming the board, the state and
 * libssh2's own text. */
static int ssh_error_to_qt(const ssh_impl *x, ssh_state st, int rc, qt_err *err) {
  char *text = NULL;
  if (x->s) libssh2_session_last_error(x->s, &text, NULL, 0);
  int code;
  switch (rc) {
    case LIBSSH2_ERROR_TIMEOUT: code = QT_ETIMEOUT; break;
    case LIBSSH2_ERROR_ALLOC: code = QT_ENOMEM; break;
    case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
    case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
    case LIBSSH2_ERROR_FILE:
    case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
    case LIBSSH2_ERROR_HOSTKEY_SIGN:
      code = QT_ECONFIG;
      break;
    default: code = QT_EIO; break; /* socket, disconnect, kex, channel, sftp: the board failed */
  }
  char extra[160] = "";
  if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && x->sftp)
    snprintf(extra, sizeof extra, " (sftp status %lu)", libssh2_sftp_last_error(x->sftp));
  if (rc == LIBSSH2_ERROR_TIMEOUT)
    return qt_fail(err, code, "board %s (%s:%d): %s: no progress before the deadline",
                   x->b.name, x->b.host, x->b.port, state_names[st]);
  return qt_fail(err, code, "board %s (%s:%d): %s failed: %s%s (libssh2 error %d)", x->b.name,
                 x->b.host, x->b.port, state_names[st], text && *text ? text : "unknown error",
                 extra, rc);
}

/* Waits until the socket is ready in the direction libssh2 is blocked on. Returns 0, or
 * LIBSSH2_ERROR_TIMEOUT once deadline (ms, CLOCK_MONOTONIC) has passed. */
static int wait_socket(const ssh_impl *x, double deadline) {
  double left = deadline - qt_now_ms();
  if (left <= 0) return LIBSSH2_ERROR_TIMEOUT;
  int dir = libssh2_session_block_directions(x->s);
  struct pollfd p = {x->sock, 0, 0};
  if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
  if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
  if (!p.events) p.events = POLLIN;
  poll(&p, 1, left > 1000 ? 1000 : (int)left + 1);
  return 0;
}

/* Repeats expr (an int-returning libssh2 call) while it would block, under deadline. */
#define SSH_RETRY_RAW(x, deadline, rc, expr)                               \
  do {                                                                     \
    while (((rc) = (expr)) == LIBSSH2_ERROR_EAGAIN)                        \
      if (((rc) = wait_socket((x), (deadline))) != 0) break;               \
  } while (0)

/* Fault injection (tests): 1 when the call about to be made is to fail instead. Teardown calls
 * (SSH_RETRY_RAW) are never failed: the fault is for the operation, not its cleanup. */
static int inject_fault(ssh_impl *x) {
  if (x->fail_at <= 0) return 0;
  x->calls++;
  return x->fail_persistent ? x->calls >= x->fail_at : x->calls == x->fail_at;
}

#define SSH_FAULT LIBSSH2_ERROR_SOCKET_SEND

/* The same, for the calls an operation is made of: each may be failed by fault injection. */
#define SSH_RETRY(x, deadline, rc, expr)                                   \
  do {                                                                     \
    if (inject_fault(x)) (rc) = SSH_FAULT;                                 \
    else SSH_RETRY_RAW(x, deadline, rc, expr);                             \
  } while (0)

/* The same for pointer-returning calls: ptr is NULL and rc the error when it failed. */
#define SSH_RETRY_PTR(x, deadline, rc, ptr, expr)                          \
  do {                                                                     \
    (rc) = 0;                                                              \
    (ptr) = NULL;                                                          \
    if (inject_fault(x)) (rc) = SSH_FAULT;                                 \
    else while (!((ptr) = (expr))) {                                            \
      (rc) = libssh2_session_last_errno((x)->s);                           \
      if ((rc) != LIBSSH2_ERROR_EAGAIN) break;                             \
      if (((rc) = wait_socket((x), (deadline))) != 0) break;               \
    }                                                                      \
  } while (0)

/* Tears the session down. In non-blocking mode libssh2's shutdown, disconnect and free may
 * return EAGAIN and then do nothing (a leak): each is retried under a short deadline, and the
 * socket is shut down before the free so a dead board cannot make it wait. */
static void disconnect(ssh_impl *x) {
  int rc;
  double deadline = qt_now_ms() + 1000;
  if (x->sftp) SSH_RETRY_RAW(x, deadline, rc, libssh2_sftp_shutdown(x->sftp));
  x->sftp = NULL;
  if (x->s) {
    SSH_RETRY_RAW(x, deadline, rc, libssh2_session_disconnect(x->s, "qtune done"));
    if (x->sock >= 0) shutdown(x->sock, SHUT_RDWR);
    deadline = qt_now_ms() + 1000;
    SSH_RETRY_RAW(x, deadline, rc, libssh2_session_free(x->s));
    if (rc == LIBSSH2_ERROR_TIMEOUT) { /* last resort: let it finish blocking on a dead socket */
      libssh2_session_set_blocking(x->s, 1);
      libssh2_session_free(x->s);
    }
  }
  (void)rc;
  x->s = NULL;
  if (x->sock >= 0) close(x->sock);
  x->sock = -1;
  x->n_up = x->next_up = 0;
}

/* Frees a channel, retrying while libssh2 would block (bounded). */
static void channel_free(ssh_impl *x, LIBSSH2_CHANNEL *ch) {
  int rc;
  double deadline = qt_now_ms() + 1000;
  SSH_RETRY_RAW(x, deadline, rc, libssh2_channel_free(ch));
  (void)rc;
}

/* Appends s to buf as one single-quoted shell word ('\'' for each quote inside). */
static int shell_quote(char *buf, size_t cap, size_t *used, const char *s) {
  if (*used + 3 >= cap) return -1;
  buf[(*used)++] = ' ';
  buf[(*used)++] = '\'';
  for (; *s; s++) {
    if (*used + 6 >= cap) return -1;
    if (*s == '\'') {
      memcpy(buf + *used, "'\\''", 4);
      *used += 4;
    } else {
      buf[(*used)++] = *s;
    }
  }
  buf[(*used)++] = '\'';
  buf[*used] = '\0';
  return 0;
}

/* SHA256:<base64> of the session's host key, as OpenSSH prints it. */
static void fingerprint(LIBSSH2_SESSION *s, char *out, size_t cap) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
  size_t n = snprintf(out, cap, "SHA256:");
  if (!h) {
    snprintf(out, cap, "(no fingerprint)");
    return;
  }
  for (int i = 0; i < 32 && n + 5 < cap; i += 3) {
    unsigned v = (unsigned)h[i] << 16 | (i + 1 < 32 ? (unsigned)h[i + 1] << 8 : 0) |
                 (i + 2 < 32 ? h[i + 2] : 0);
    out[n++] = b64[(v >> 18) & 63];
    out[n++] = b64[(v >> 12) & 63];
    if (i + 1 < 32) out[n++] = b64[(v >> 6) & 63];
    if (i + 2 < 32) out[n++] = b64[v & 63];
  }
  out[n] = '\0';
}

/* Loads the board's known_hosts into kh line by line: a line libssh2 cannot parse (an option
 * or key type it lacks) is skipped with a warning naming it, instead of making every board of
 * the file unusable. A @revoked line is the exception: ignoring a revocation would trust the
 * key it revokes, so it is refused. A missing file is an empty one. */
static int read_known_hosts(ssh_impl *x, LIBSSH2_KNOWNHOSTS *kh, qt_err *err) {
  FILE *f = fopen(x->b.known_hosts, "r");
  if (!f && errno == ENOENT) return 0;
  if (!f)
    return qt_fail(err, QT_ECONFIG, "board %s: cannot read known_hosts file %s: %s", x->b.name,
                   x->b.known_hosts, strerror(errno));
  char line[16384];
  int rc = 0;
  for (long no = 1; !rc && fgets(line, sizeof line, f); no++) {
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      rc = qt_fail(err, QT_ECONFIG, "board %s: known_hosts file %s line %ld is longer than %zu "
                   "bytes", x->b.name, x->b.known_hosts, no, sizeof line - 2);
      break;
    }
    const char *p = line + strspn(line, " \t");
    if (strncmp(p, "@revoked", 8) == 0) {
      rc = qt_fail(err, QT_ECONFIG, "board %s: known_hosts file %s line %ld is a @revoked entry, "
                   "which libssh2 cannot honour: refused rather than ignored", x->b.name,
                   x->b.known_hosts, no);
    } else if (libssh2_knownhost_readline(kh, line, n, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
      fprintf(stderr, "tune: warning: board %s: known_hosts file %s line %ld: libssh2 cannot "
              "parse it (key type or marker it lacks); skipped\n", x->b.name, x->b.known_hosts,
              no);
    }
  }
  if (!rc && ferror(f))
    rc = qt_fail(err, QT_ECONFIG, "board %s: cannot read known_hosts file %s: %s", x->b.name,
                 x->b.known_hosts, strerror(errno));
  fclose(f);
  return rc;
}

/* Adds one line to the board's known_hosts without touching the others: the old bytes and the
 * new line go to a temporary file beside it, which is synced and renamed over the old one, so
 * a crash leaves either file whole and other lines stay byte for byte as they were. */
static int append_known_host(ssh_impl *x, const char *line, size_t len, qt_err *err) {
  const char *path = x->b.known_hosts;
  char tmp[QT_PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.qtune-%ld", path, (long)getpid());
  struct stat st;
  mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0600;
  FILE *in = fopen(path, "rb");
  if (!in && errno != ENOENT)
    return qt_fail(err, QT_EIO, "board %s: cannot read known_hosts file %s: %s", x->b.name,
                   path, strerror(errno));
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
  int ok = out != NULL, last = '\n';
  char buf[8192];
  size_t n;
  while (ok && in && (n = fread(buf, 1, sizeof buf, in)) > 0) {
    ok = fwrite(buf, 1, n, out) == n;
    last = (unsigned char)buf[n - 1];
  }
  if (in) {
    ok = ok && !ferror(in);
    fclose(in);
  }
  if (ok && last != '\n') ok = fputc('\n', out) != EOF;
  if (ok) ok = fwrite(line, 1, len, out) == len && fflush(out) == 0 && fsync(fileno(out)) == 0;
  int saved = ok ? 0 : errno;
  if (out && fclose(out) != 0 && ok) {
    ok = 0;
    saved = errno;
  } else if (!out && fd >= 0) {
    close(fd);
  }
  if (ok && rename(tmp, path) != 0) {
    ok = 0;
    saved = errno;
  }
  if (ok) return 0;
  if (fd >= 0) unlink(tmp);
  return qt_fail(err, QT_EIO, "board %s: cannot add the host key to %s: %s", x->b.name, path,
                 strerror(saved));
}

/* Checks the session's host key against the board's known_hosts; adds an unknown key only
 * with accept_new. A changed key is always refused. */
static int check_host_key(ssh_impl *x, qt_err *err) {
  size_t len;
  int type;
  const char *key = libssh2_session_hostkey(x->s, &len, &type);
  if (!key) return ssh_error_to_qt(x, ST_HOSTKEY, libssh2_session_last_errno(x->s), err);
  char fp[64];
  fingerprint(x->s, fp, sizeof fp);
  int kt = type == LIBSSH2_HOSTKEY_TYPE_ED25519     ? LIBSSH2_KNOWNHOST_KEY_ED25519
           : type == LIBSSH2_HOSTKEY_TYPE_ECDSA_256 ? LIBSSH2_KNOWNHOST_KEY_ECDSA_256
           : type == LIBSSH2_HOSTKEY_TYPE_ECDSA_384 ? LIBSSH2_KNOWNHOST_KEY_ECDSA_384
           : type == LIBSSH2_HOSTKEY_TYPE_ECDSA_521 ? LIBSSH2_KNOWNHOST_KEY_ECDSA_521
           : type == LIBSSH2_HOSTKEY_TYPE_RSA       ? LIBSSH2_KNOWNHOST_KEY_SSHRSA
                                                    : LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(x->s);
  if (!kh) return qt_fail(err, QT_ENOMEM, "board %s: out of memory", x->b.name);
  int rc0 = read_known_hosts(x, kh, err);
  if (rc0) {
    libssh2_knownhost_free(kh);
    return rc0;
  }
  struct libssh2_knownhost *found = NULL;
  int check = libssh2_knownhost_checkp(kh, x->b.host, x->b.port, key, len,
                                       LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                           LIBSSH2_KNOWNHOST_KEYENC_RAW | kt,
                                       &found);
  int rc = 0;
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
    rc = 0;
  } else if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
    rc = qt_fail(err, QT_ECONFIG, "board %s: the host key of %s:%d has CHANGED (now %s): "
                 "refused; if the change is expected, remove the old entry from %s",
                 x->b.name, x->b.host, x->b.port, fp, x->b.known_hosts);
  } else if (check == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && !x->accept_new) {
    rc = qt_fail(err, QT_ECONFIG, "board %s: unknown host key %s for %s:%d (not in %s): "
                 "refused; check the fingerprint and pass --accept-new-host-key to add it",
                 x->b.name, fp, x->b.host, x->b.port, x->b.known_hosts);
  } else if (check == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND) {
    char name[300];
    if (x->b.port == 22) snprintf(name, sizeof name, "%s", x->b.host);
    else snprintf(name, sizeof name, "[%s]:%d", x->b.host, x->b.port);
    struct libssh2_knownhost *added = NULL;
    char line[8192];
    size_t line_len = 0;
    if (libssh2_knownhost_addc(kh, name, NULL, key, len, NULL, 0,
                               LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt,
                               &added) ||
        libssh2_knownhost_writeline(kh, added, line, sizeof line, &line_len,
                                    LIBSSH2_KNOWNHOST_FILE_OPENSSH))
      rc = qt_fail(err, QT_EIO, "board %s: cannot format host key %s for %s", x->b.name, fp,
                   x->b.known_hosts);
    else
      rc = append_known_host(x, line, line_len, err);
  } else {
    rc = qt_fail(err, QT_ECONFIG, "board %s: cannot check host key %s of %s:%d against %s",
                 x->b.name, fp, x->b.host, x->b.port, x->b.known_hosts);
  }
  libssh2_knownhost_free(kh);
  return rc;
}

/* 1 if the identity looks like an RSA key (its .pub, or a PEM RSA header). */
static int is_rsa_identity(const char *path) {
  char pub[QT_PATH_MAX + 8], head[64] = "";
  snprintf(pub, sizeof pub, "%s.pub", path);
  FILE *f = fopen(pub, "r");
  if (f) {
    size_t n = fread(head, 1, sizeof head - 1, f);
    head[n] = '\0';
    fclose(f);
    if (strncmp(head, "ssh-rsa", 7) == 0) return 1;
  }
  f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(head, 1, sizeof head - 1, f);
  head[n] = '\0';
  fclose(f);
  return strstr(head, "BEGIN RSA") != NULL;
}

static int authenticate(ssh_impl *x, double deadline, qt_err *err) {
  int rc;
  const char *user = x->b.user;
  if (x->b.identity[0]) {
    SSH_RETRY(x, deadline, rc,
              libssh2_userauth_publickey_fromfile_ex(x->s, user, (unsigned)strlen(user), NULL,
                                                     x->b.identity, NULL));
    if (rc == 0) return 0;
    ssh_error_to_qt(x, ST_AUTH, rc, err);
    if (is_rsa_identity(x->b.identity))
      qt_err_wrap(err, "RSA key %s refused (libssh2 1.10 cannot sign with rsa-sha2, which "
                  "OpenSSH 9.2 requires: use an ed25519 or ecdsa key)", x->b.identity);
    return err->code;
  }
  LIBSSH2_AGENT *agent = libssh2_agent_init(x->s);
  if (!agent) return qt_fail(err, QT_ENOMEM, "board %s: out of memory", x->b.name);
  rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED;
  if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
    struct libssh2_agent_publickey *id = NULL, *prev = NULL;
    while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
      SSH_RETRY(x, deadline, rc, libssh2_agent_userauth(agent, user, id));
      if (rc == 0 || rc == LIBSSH2_ERROR_TIMEOUT) break;
      prev = id;
    }
    libssh2_agent_disconnect(agent);
  } else {
    libssh2_agent_free(agent);
    return qt_fail(err, QT_ECONFIG, "board %s: no identity file given and no ssh-agent "
                   "reachable (SSH_AUTH_SOCK)", x->b.name);
  }
  libssh2_agent_free(agent);
  return rc ? ssh_error_to_qt(x, ST_AUTH, rc, err) : 0;
}

/* Opens the TCP connection without blocking past deadline (name lookup is the resolver's). */
static int tcp_connect(ssh_impl *x, double deadline, qt_err *err) {
  char port[16];
  snprintf(port, sizeof port, "%d", x->b.port);
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(x->b.host, port, &hints, &ai);
  if (g) return qt_fail(err, QT_EIO, "board %s: cannot resolve %s: %s", x->b.name, x->b.host,
                        gai_strerror(g));
  int rc = QT_EIO, fd = -1, e = 0;
  for (struct addrinfo *a = ai; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      rc = 0;
      break;
    }
    e = errno;
    if (e == EINPROGRESS) {
      struct pollfd p = {fd, POLLOUT, 0};
      double left = deadline - qt_now_ms();
      socklen_t sl = sizeof e;
      if (left > 0 && poll(&p, 1, (int)left) == 1 &&
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 && e == 0) {
        rc = 0;
        break;
      }
      if (left <= 0 || e == EINPROGRESS) e = ETIMEDOUT;
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(ai);
  if (rc) return qt_fail(err, e == ETIMEDOUT ? QT_ETIMEOUT : QT_EIO,
                         "board %s: cannot connect to %s:%d: %s", x->b.name, x->b.host,
                         x->b.port, strerror(e ? e : ECONNREFUSED));
  /* SSH sends many small packets that each wait for an answer (SFTP requests, channel
   * requests): with Nagle's algorithm every one of them can sit out the peer's delayed ACK
   * (about 40 ms). Failing to set it costs speed, not correctness. */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  x->sock = fd;
  return 0;
}

/* Brings the board's session up (connect, handshake, host key, auth, sftp, per-run directory)
 * under one deadline; a no-op when it is up. On failure the session is torn down. */
static int ensure_session(qt_runner *rn, qt_err *err) {
  ssh_impl *x = rn->impl;
  if (x->s && x->sftp) return 0;
  double t0 = qt_now_ms(), deadline = t0 + x->b.connect_timeout_s * 1000.0;
  disconnect(x);
  if (x->b.identity[0] && access(x->b.identity, R_OK) != 0)
    return qt_fail(err, QT_ECONFIG, "board %s: cannot read identity file %s: %s", x->b.name,
                   x->b.identity, strerror(errno));
  int rc = tcp_connect(x, deadline, err);
  if (rc) return rc;
  ssh_state st = ST_HANDSHAKE;
  x->s = libssh2_session_init();
  if (!x->s) {
    disconnect(x);
    return qt_fail(err, QT_ENOMEM, "board %s: out of memory", x->b.name);
  }
  libssh2_session_set_blocking(x->s, 0);
  SSH_RETRY(x, deadline, rc, libssh2_session_handshake(x->s, x->sock));
  if (rc) goto ssh_fail;
  if ((rc = check_host_key(x, err))) goto fail;
  if ((rc = authenticate(x, deadline, err))) goto fail;
  st = ST_SFTP;
  SSH_RETRY_PTR(x, deadline, rc, x->sftp, libssh2_sftp_init(x->s));
  if (rc) goto ssh_fail;
  if (!x->rundir[0]) {
    /* The work directory may exist already; the run directory must be new and private. */
    st = ST_MKDIR;
    SSH_RETRY(x, deadline, rc, libssh2_sftp_mkdir_ex(x->sftp, x->b.workdir,
                                                     (unsigned)strlen(x->b.workdir), 0755));
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char dir[QT_PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/qtune-%.32s-%d-%.32s-%lx%lx", x->b.workdir, host,
                 (int)getpid(), x->b.name, (long)ts.tv_sec,
                 (long)(ts.tv_nsec & 0xfffff)) >= (int)sizeof dir) {
      rc = qt_fail(err, QT_ECONFIG, "board %s: workdir %s: path too long", x->b.name,
                   x->b.workdir);
      goto fail;
    }
    SSH_RETRY(x, deadline, rc, libssh2_sftp_mkdir_ex(x->sftp, dir, (unsigned)strlen(dir), 0700));
    if (rc) goto ssh_fail;
    snprintf(x->rundir, sizeof x->rundir, "%s", dir);
  }
  rn->last.connect_ms = qt_now_ms() - t0;
  return 0;
ssh_fail:
  rc = ssh_error_to_qt(x, st, rc, err);
fail:
  disconnect(x);
  return rc;
}

/* Uploads local file path to remote (mode 0700) under deadline. */
static int upload(ssh_impl *x, const char *path, const char *remote, double deadline,
                  qt_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return qt_fail(err, QT_EIO, "cannot read artifact %s: %s", path, strerror(errno));
  LIBSSH2_SFTP_HANDLE *h;
  int rc;
  SSH_RETRY_PTR(x, deadline, rc, h,
                libssh2_sftp_open_ex(x->sftp, remote, (unsigned)strlen(remote),
                                     LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                     0700, LIBSSH2_SFTP_OPENFILE));
  if (rc) {
    fclose(f);
    return ssh_error_to_qt(x, ST_UPLOAD, rc, err);
  }
  static const size_t chunk = 32768;
  char *buf = malloc(chunk);
  size_t n = 0;
  while (buf && !rc && (n = fread(buf, 1, chunk, f)) > 0) {
    size_t off = 0;
    while (off < n) {
      ssize_t w;
      while ((w = libssh2_sftp_write(h, buf + off, n - off)) == LIBSSH2_ERROR_EAGAIN)
        if ((rc = wait_socket(x, deadline))) break;
      if (rc) break;
      if (w < 0) {
        rc = (int)w;
        break;
      }
      off += (size_t)w;
    }
  }
  int close_rc;
  /* Cleanup of the handle: never fault-injected (a handle whose close is skipped leaks). */
  SSH_RETRY_RAW(x, deadline, close_rc, libssh2_sftp_close_handle(h));
  fclose(f);
  if (!buf) {
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  free(buf);
  if (!rc) rc = close_rc;
  return rc ? ssh_error_to_qt(x, ST_UPLOAD, rc, err) : 0;
}

static int signal_number(const char *name) {
  static const struct { const char *n; int s; } sigs[] = {
      {"HUP", 1}, {"INT", 2},  {"QUIT", 3}, {"ILL", 4},   {"TRAP", 5},  {"ABRT", 6},
      {"BUS", 7}, {"FPE", 8},  {"KILL", 9}, {"USR1", 10}, {"SEGV", 11}, {"USR2", 12},
      {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"SYS", 31}};
  if (!name) return 0;
  if (strncmp(name, "SIG", 3) == 0) name += 3;
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (strcmp(sigs[i].n, name) == 0) return sigs[i].s;
  return 64; /* a signal without a number here: still a signal */
}

/* Appends up to cap-1 bytes of data to a growing buffer. */
static void append(char **buf, size_t *len, size_t *cap, const char *data, size_t n) {
  if (*len + n + 1 > MAX_OUT) n = *len + 1 < MAX_OUT ? MAX_OUT - *len - 1 : 0;
  if (*len + n + 1 > *cap) {
    size_t nc = *cap ? *cap : 4096;
    while (nc < *len + n + 1) nc *= 2;
    char *nb = realloc(*buf, nc);
    if (!nb) return;
    *buf = nb;
    *cap = nc;
  }
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
}

/* Runs command on the board, reading stdout, stderr, exit status and exit signal until the
 * channel closes or deadline passes. Returns 0 with r filled (timed_out on the deadline), or
 * a negative code when the session failed. */
static int exec_command(ssh_impl *x, const char *command, double deadline, qt_proc_result *r,
                        qt_err *err) {
  LIBSSH2_CHANNEL *ch;
  int rc;
  ssh_state st = ST_EXEC;
  SSH_RETRY_PTR(x, deadline, rc, ch,
                libssh2_channel_open_ex(x->s, "session", sizeof "session" - 1,
                                        LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                                        LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0));
  if (rc) return ssh_error_to_qt(x, st, rc, err);
  SSH_RETRY(x, deadline, rc, libssh2_channel_exec(ch, command));
  size_t cap = 0;
  char buf[16384];
  st = ST_READ;
  while (!rc) {
    ssize_t n0, n1;
    while ((n0 = libssh2_channel_read_ex(ch, 0, buf, sizeof buf)) > 0)
      append(&r->out, &r->out_len, &cap, buf, (size_t)n0);
    while ((n1 = libssh2_channel_read_ex(ch, 1, buf, sizeof buf)) > 0) {
      /* keep the last bytes of stderr */
      size_t have = strlen(r->err), keep = sizeof r->err - 1;
      size_t add = (size_t)n1 > keep ? keep : (size_t)n1;
      if (have + add > keep) {
        memmove(r->err, r->err + (have + add - keep), keep - add);
        have = keep - add;
      }
      memcpy(r->err + have, buf + n1 - add, add);
      r->err[have + add] = '\0';
    }
    if (n0 < 0 && n0 != LIBSSH2_ERROR_EAGAIN) rc = (int)n0;
    else if (n1 < 0 && n1 != LIBSSH2_ERROR_EAGAIN) rc = (int)n1;
    else if (libssh2_channel_eof(ch)) break;
    else if (n0 == LIBSSH2_ERROR_EAGAIN || n1 == LIBSSH2_ERROR_EAGAIN) rc = wait_socket(x, deadline);
  }
  if (rc == LIBSSH2_ERROR_TIMEOUT) {
    /* The board's `timeout` should have ended it; the session may be wedged: drop it. */
    r->timed_out = 1;
    channel_free(x, ch);
    disconnect(x);
    return 0;
  }
  if (rc) {
    channel_free(x, ch);
    return ssh_error_to_qt(x, st, rc, err);
  }
  st = ST_CLOSE;
  SSH_RETRY(x, deadline, rc, libssh2_channel_close(ch));
  if (!rc) SSH_RETRY(x, deadline, rc, libssh2_channel_wait_closed(ch));
  if (rc) {
    channel_free(x, ch);
    return ssh_error_to_qt(x, st, rc, err);
  }
  char *sig = NULL;
  libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL, NULL, NULL);
  if (sig) {
    r->signal = signal_number(sig);
    libssh2_free(x->s, sig);
  } else {
    r->exited = 1;
    r->exit_code = libssh2_channel_get_exit_status(ch);
  }
  channel_free(x, ch);
  if (!r->out) append(&r->out, &r->out_len, &cap, "", 0);
  return r->out ? 0 : qt_fail(err, QT_ENOMEM, "out of memory");
}

/* Removes a remote file, best effort (a leftover is removed with the run directory). */
static void remove_remote(ssh_impl *x, const char *remote) {
  int rc;
  double deadline = qt_now_ms() + 5000;
  SSH_RETRY(x, deadline, rc, libssh2_sftp_unlink_ex(x->sftp, remote, (unsigned)strlen(remote)));
  (void)rc;
}

/* One attempt: session, upload, exec under `timeout -s KILL`, read. */
static int ssh_run_once(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                        qt_proc_result *r, qt_err *err) {
  ssh_impl *x = rn->impl;
  memset(r, 0, sizeof *r);
  rn->last.connect_ms = 0;
  int rc = ensure_session(rn, err);
  if (rc) return rc;
  double t0 = qt_now_ms();
  const char *remote = NULL;
  for (int i = 0; i < x->n_up && !remote; i++)
    if (strcmp(x->up[i].local, artifact) == 0) remote = x->up[i].remote;
  if (!remote) {
    int slot;
    if (x->n_up < QT_SSH_UPLOADS_KEPT) {
      slot = x->n_up++;
    } else { /* the oldest makes room */
      slot = x->next_up;
      x->next_up = (slot + 1) % QT_SSH_UPLOADS_KEPT;
      if (x->up[slot].local[0]) remove_remote(x, x->up[slot].remote);
    }
    x->up[slot].local[0] = '\0';
    snprintf(x->up[slot].remote, sizeof x->up[slot].remote, "%s/a%u", x->rundir, ++x->seq);
    if ((rc = upload(x, artifact, x->up[slot].remote, t0 + 60000, err))) {
      disconnect(x);
      return rc;
    }
    snprintf(x->up[slot].local, sizeof x->up[slot].local, "%s", artifact);
    remote = x->up[slot].remote;
  }
  double t1 = qt_now_ms();
  rn->last.upload_ms = t1 - t0;

  char cmd[8192];
  size_t used = (size_t)snprintf(cmd, sizeof cmd, "exec timeout -s KILL %.3f",
                                 timeout_ms / 1000.0);
  int bad = 0;
  if (x->b.cores[0]) {
    used += (size_t)snprintf(cmd + used, sizeof cmd - used, " taskset -c");
    bad |= shell_quote(cmd, sizeof cmd, &used, x->b.cores);
  }
  /* With a run template (a command that flashes and runs the image on an attached MCU) its
   * words, {image} and {args} filled in; else the wrapper's words, the image, the arguments. */
  char wrap[QT_PATH_MAX];
  snprintf(wrap, sizeof wrap, "%s", x->b.run[0] ? x->b.run : x->b.wrapper);
  int args_placed = 0;
  for (char *save = NULL, *w = strtok_r(wrap, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
    if (x->b.run[0] && strcmp(w, "{image}") == 0) {
      bad |= shell_quote(cmd, sizeof cmd, &used, remote);
    } else if (x->b.run[0] && strcmp(w, "{args}") == 0) {
      for (int i = 0; args && args[i]; i++) bad |= shell_quote(cmd, sizeof cmd, &used, args[i]);
      args_placed = 1;
    } else {
      bad |= shell_quote(cmd, sizeof cmd, &used, w);
    }
  }
  if (!x->b.run[0]) bad |= shell_quote(cmd, sizeof cmd, &used, remote);
  for (int i = 0; !args_placed && args && args[i]; i++)
    bad |= shell_quote(cmd, sizeof cmd, &used, args[i]);
  if (bad) return qt_fail(err, QT_EINVAL, "board %s: command line too long", x->b.name);

  rc = exec_command(x, cmd, t1 + timeout_ms + CLOSE_GRACE_MS, r, err);
  double t2 = qt_now_ms();
  r->wall_ms = t2 - t1;
  rn->last.exec_ms = t2 - t1;
  if (rc) {
    disconnect(x);
    return rc;
  }
  /* `timeout -s KILL` kills the variant and itself: the board reports KILL (or 124/137). */
  if (r->wall_ms >= timeout_ms &&
      (r->signal == 9 || (r->exited && (r->exit_code == 124 || r->exit_code == 137))))
    r->timed_out = 1;
  return 0;
}

static int ssh_run(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                   qt_proc_result *r, qt_err *err) {
  ssh_impl *x = rn->impl;
  int had_session = x->s != NULL;
  int rc = ssh_run_once(rn, artifact, args, timeout_ms, r, err);
  /* A persistent session may have dropped since the last run: reconnect once. */
  if (rc == QT_EIO && had_session) {
    qt_proc_result_free(r);
    rc = ssh_run_once(rn, artifact, args, timeout_ms, r, err);
  }
  if (rc) qt_proc_result_free(r);
  return rc;
}

static void ssh_destroy(qt_runner *rn) {
  ssh_impl *x = rn->impl;
  x->fail_at = 0;
  if (!x->s && x->rundir[0]) {
    /* The session dropped after the run directory was made: reconnect (briefly) to remove it. */
    qt_err e;
    if (x->b.connect_timeout_s > 3) x->b.connect_timeout_s = 3;
    ensure_session(rn, &e);
  }
  if (x->s && x->rundir[0]) {
    char cmd[QT_PATH_MAX + 64];
    size_t used = (size_t)snprintf(cmd, sizeof cmd, "rm -rf --");
    if (shell_quote(cmd, sizeof cmd, &used, x->rundir) == 0) {
      qt_proc_result r;
      qt_err e;
      memset(&r, 0, sizeof r);
      if (exec_command(x, cmd, qt_now_ms() + 10000, &r, &e) == 0) qt_proc_result_free(&r);
    }
  }
  disconnect(x);
  free(x);
  free(rn);
}

/* After a run timeout the session was dropped (it may be wedged): a board that takes a new
 * session and runs `true` within its connect timeout still answers. */
static int ssh_alive(qt_runner *rn, qt_err *err) {
  ssh_impl *x = rn->impl;
  int rc = ensure_session(rn, err);
  if (rc) return rc;
  qt_proc_result r;
  memset(&r, 0, sizeof r);
  rc = exec_command(x, "true", qt_now_ms() + x->b.connect_timeout_s * 1000.0, &r, err);
  int ok = rc == 0 && !r.timed_out && r.exited && r.exit_code == 0;
  if (rc == 0) qt_proc_result_free(&r);
  if (ok) return 0;
  disconnect(x);
  return rc ? rc : qt_fail(err, QT_EIO, "board %s: `true` did not succeed", x->b.name);
}

static const qt_runner_ops ssh_ops = {"ssh", ensure_session, ssh_run, ssh_destroy, NULL,
                                      ssh_alive};

int qt_runner_global_init(qt_err *err) {
  int rc = libssh2_init(0);
  if (rc) return qt_fail(err, QT_EINTERNAL, "cannot initialise libssh2 (%d)", rc);
  return 0;
}

void qt_runner_global_exit(void) { libssh2_exit(); }

int qt_runner_ssh_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                         qt_err *err) {
  if (b->kind != QT_BOARD_SSH)
    return qt_fail(err, QT_EINVAL, "board %s is not an ssh board", b->name);
  qt_runner *rn = calloc(1, sizeof *rn);
  ssh_impl *x = calloc(1, sizeof *x);
  if (!rn || !x) {
    free(rn);
    free(x);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  x->b = *b;
  x->accept_new = accept_new_host_key;
  x->sock = -1;
  rn->ops = &ssh_ops;
  rn->impl = x;
  snprintf(rn->name, sizeof rn->name, "%s", b->name);
  *out = rn;
  return 0;
}

int qt_runner_ssh_inject_fault(qt_runner *rn, long nth, int persistent) {
  if (rn->ops != &ssh_ops) return QT_EINVAL;
  ssh_impl *x = rn->impl;
  x->fail_at = nth;
  x->fail_persistent = persistent;
  x->calls = 0;
  return 0;
}

long qt_runner_ssh_fault_calls(const qt_runner *rn) {
  return rn->ops == &ssh_ops ? ((const ssh_impl *)rn->impl)->calls : 0;
}
