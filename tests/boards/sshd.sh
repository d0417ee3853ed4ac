# sshd.sh — test boards: private sshd instances on 127.0.0.1 with throw-away keys, sourced by
# the board tests. Everything lives under $QT_BOARDS_WORK (a temp dir the caller owns): the
# client's ed25519 key, authorized_keys, known_hosts, and per board its host key, config, pid
# file and log. The system's ssh configuration is never read or touched. Functions:
#   boards_init DIR           keys and files under DIR
#   board_start NAME          starts an sshd for NAME on a free port; sets PORT_<NAME>
#   board_stop NAME           stops NAME's sshd (by its pid file)
#   board_kill NAME           kills NAME's sshd and the connections it serves
#   board_stop_all            stops every board started here
QT_BOARDS_STARTED=""

boards_init() {
  QT_BOARDS_WORK=$1
  mkdir -p /run/sshd "$QT_BOARDS_WORK/remote"
  ssh-keygen -q -t ed25519 -N '' -C qtune-test -f "$QT_BOARDS_WORK/id_ed25519" || return 1
  cp "$QT_BOARDS_WORK/id_ed25519.pub" "$QT_BOARDS_WORK/authorized_keys"
  : > "$QT_BOARDS_WORK/known_hosts"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# board_start NAME [PORT]: a fresh host key the first time, the same one on a restart.
# SetEnv SHLVL=1: bash sources ~/.bashrc for every SSH command unless it is a nested shell;
# root's .bashrc on these VMs runs `pyenv init` (about 0.25 s per command), a cost of this
# account, not of the runner, that would swamp every measurement of the runner's overhead.
board_start() {
  local name=$1 dir="$QT_BOARDS_WORK/sshd-$1" port=${2:-}
  mkdir -p "$dir"
  [ -n "$port" ] || port=$(free_port)
  if [ ! -f "$dir/host_ed25519" ]; then
    ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519" || return 1
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >> "$QT_BOARDS_WORK/known_hosts"
  fi
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $QT_BOARDS_WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxSessions 64
MaxStartups 64
Subsystem sftp internal-sftp
SetEnv SHLVL=1
CFG
  rm -f "$dir/sshd.pid"
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || return 1
  for _ in $(seq 1 100); do
    [ -s "$dir/sshd.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  eval "PORT_${name//-/_}=$port"
  case " $QT_BOARDS_STARTED " in *" $name "*) ;; *) QT_BOARDS_STARTED="$QT_BOARDS_STARTED $name" ;; esac
}

board_stop() {
  local pidf="$QT_BOARDS_WORK/sshd-$1/sshd.pid"
  if [ -s "$pidf" ]; then
    kill "$(cat "$pidf")" 2>/dev/null
    rm -f "$pidf"
  fi
}

# board_kill NAME: the board dies: its listener and every connection it serves (by pid).
board_kill() {
  local pidf="$QT_BOARDS_WORK/sshd-$1/sshd.pid"
  [ -s "$pidf" ] || return 0
  local pid
  pid=$(cat "$pidf")
  # Stop the listener first: while it runs it can accept a reconnecting client and fork a
  # connection that a list of its children taken a moment earlier would miss (seen: the
  # tuner's reconnect then kept a "killed" board alive for the rest of the run).
  kill -STOP "$pid" 2>/dev/null
  kill -KILL $(ps -o pid= --ppid "$pid") 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
  rm -f "$pidf"
}

board_stop_all() {
  for b in $QT_BOARDS_STARTED; do board_kill "$b"; done
}
