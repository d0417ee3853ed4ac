#!/usr/bin/env bash
# run_with_boards.sh — runs a board test against a real sshd: starts one test board on a free
# port of 127.0.0.1 (sshd.sh), builds the test-only artifacts (echo, hang, and an SDOT program
# cross-compiled for aarch64), an ssh-agent holding the client key, an RSA identity and a known_hosts file with a wrong host key,
# then runs "$@" with QT_BOARDS_WORK, QT_BOARD_PORT and QT_DEAD_PORT set. The sshd is stopped
# and the temp dir removed at the end, whatever happens.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/qtune-boards-XXXXXX)
. "$here/sshd.sh"
agent_pid=""
trap 'board_stop_all; [ -n "$agent_pid" ] && kill "$agent_pid"; rm -rf "$work"' EXIT
boards_init "$work" || exit 1
board_start b1 || { echo "cannot start sshd" >&2; exit 1; }
cc -O1 -o "$work/echo" "$here/fixtures/echo.c" || exit 1
cc -O1 -o "$work/hang" "$here/fixtures/hang.c" || exit 1
aarch64-linux-gnu-gcc -O1 -static -march=armv8.2-a+dotprod -o "$work/sdot-aarch64" \
  "$here/fixtures/sdot.c" || exit 1
ssh-keygen -q -t rsa -b 2048 -N '' -f "$work/id_rsa" || exit 1
cat "$work/id_rsa.pub" >> "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -f "$work/other_host" || exit 1
echo "[127.0.0.1]:$PORT_b1 $(cut -d' ' -f1,2 "$work/other_host.pub")" > "$work/kh-changed"
# An ssh-agent of our own holding the client key, for the identity-less (agent) board.
agent_out=$(ssh-agent -s -a "$work/agent.sock") || exit 1
agent_pid=$(printf '%s\n' "$agent_out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
export SSH_AUTH_SOCK="$work/agent.sock"
ssh-add -q "$work/id_ed25519" 2>/dev/null || exit 1
QT_BOARDS_WORK=$work QT_BOARD_PORT=$PORT_b1 QT_DEAD_PORT=$(free_port) "$@"
