#!/bin/sh
# Debian packages Videostore needs for development, demos and tests: a MariaDB server and
# client for the private instance, tmux for the terminal's end-to-end tests, nc for poking
# the store server by hand, python3-venv for the virtualenv, redis-server as the baseline
# of the server benchmark (started privately by the bench; never as a service), and
# systemd for `systemd-analyze`, which checks deploy/'s unit file (about 15 MB with its
# library; installing it starts nothing and does not make it PID 1), and openssl for a
# shop's TLS certificates (dev/tls.py). Installs only what is missing.
set -eu

need=""
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need="$need mariadb-server"
command -v mariadb >/dev/null 2>&1 || need="$need mariadb-client"
command -v mariadb-dump >/dev/null 2>&1 || need="$need mariadb-client"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v nc >/dev/null 2>&1 || need="$need netcat-openbsd"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
command -v systemd-analyze >/dev/null 2>&1 || need="$need systemd"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need="$need python3-venv"
need=$(echo $need | tr ' ' '\n' | sort -u | xargs)

[ -z "$need" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "Videostore needs these Debian packages:$need" >&2
    echo "Install them, then run make again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y $need" >&2
    exit 1
fi

echo "Installing Debian packages: $need"
# Installing mariadb-server or redis-server must not start a system service: we run
# private instances. A policy-rc.d that denies every start does that for the install only.
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=yes
fi
trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
