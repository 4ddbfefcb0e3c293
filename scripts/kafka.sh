#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft) for development runs and tests.
#
# The broker comes from Maven Central via Maven (infra/kafka/pom.xml, Kafka 3.9.1),
# no Docker and no release tarballs. Needs java (17+) and mvn; node + kafkajs for
# the readiness check (falls back to a TCP port check without kafkajs).
#
#   bash scripts/kafka.sh fetch    copy the broker jars into the cache (once)
#   bash scripts/kafka.sh start    start a broker unless one already answers; wait until ready
#   bash scripts/kafka.sh stop     stop the broker this script started (no-op otherwise)
#   bash scripts/kafka.sh status   does a broker answer, and is it ours? (exit 0 = answers)
#   bash scripts/kafka.sh reset    stop + delete the broker data (keeps the jars)
#
# Environment:
#   KAFKA_HOME_DIR         cache dir (default <repo>/.cache/kafka): libs/, data/,
#                          server.properties, broker.log, broker.pid
#   KAFKA_BROKERS          broker list the apps use (default 127.0.0.1:$KAFKA_PORT);
#                          its first host:port is what the readiness check probes
#   KAFKA_PORT             PLAINTEXT port (default: port of KAFKA_BROKERS, else 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default 9093)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 60)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        JVM heap options (default -Xmx512m)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
POM="$ROOT/infra/kafka/pom.xml"
READY_JS="$SCRIPT_DIR/kafka-ready.cjs"

KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$ROOT/.cache/kafka}"
case "$KAFKA_HOME_DIR" in /*) ;; *) KAFKA_HOME_DIR="$PWD/$KAFKA_HOME_DIR" ;; esac
LIBS="$KAFKA_HOME_DIR/libs"
LIBS_MARKER="$KAFKA_HOME_DIR/libs.fetched" # "<pom sha256> <jar count>" after a complete fetch
DATA="$KAFKA_HOME_DIR/data"
PROPS="$KAFKA_HOME_DIR/server.properties"
LOG4J="$KAFKA_HOME_DIR/log4j.properties"
TOOLS_LOG4J="$KAFKA_HOME_DIR/tools-log4j.properties"
LOG="$KAFKA_HOME_DIR/broker.log"
PIDFILE="$KAFKA_HOME_DIR/broker.pid"
LOCKFILE="$KAFKA_HOME_DIR/.lock"
MIN_JARS=20 # sanity floor; the marker's exact count is what detects a partial fetch (3.9.1: 57 jars)

# First entry of KAFKA_BROKERS -> host + port for the readiness check.
if [[ -n "${KAFKA_BROKERS:-}" ]]; then
  first="${KAFKA_BROKERS%%,*}"
  first="${first//[[:space:]]/}"
  first="${first#*://}"
  BROKER_PORT="${first##*:}"
  BROKER_HOST="${first%:*}"
  BROKER_HOST="${BROKER_HOST#[}"
  BROKER_HOST="${BROKER_HOST%]}"
  if [[ -z "$BROKER_HOST" || "$BROKER_HOST" == "$first" || ! "$BROKER_PORT" =~ ^[0-9]+$ ]]; then
    echo "kafka: cannot parse host:port from KAFKA_BROKERS='$KAFKA_BROKERS'" >&2
    exit 2
  fi
  KAFKA_PORT="${KAFKA_PORT:-$BROKER_PORT}"
else
  KAFKA_PORT="${KAFKA_PORT:-9092}"
  BROKER_HOST=127.0.0.1
  BROKER_PORT="$KAFKA_PORT"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
fi
BROKER="$BROKER_HOST:$BROKER_PORT"
[[ "$BROKER_HOST" == *:* ]] && BROKER="[$BROKER_HOST]:$BROKER_PORT"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

log() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

now_us() {
  local t="${EPOCHREALTIME:-}"
  t="${t//[!0-9]/}"
  if [[ -n "$t" ]]; then echo "$t"; else echo "$(date +%s)000000"; fi
}
since() { # since <start_us> -> "4.7s"
  local d=$(($(now_us) - $1))
  printf '%d.%ds' $((d / 1000000)) $(((d % 1000000) / 100000))
}

# Serialise start/stop/reset of the same cache dir (e.g. parallel test runners).
lock() {
  mkdir -p "$KAFKA_HOME_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$LOCKFILE"
  flock -w $((START_TIMEOUT + STOP_TIMEOUT + 60)) 9 || die "could not take $LOCKFILE"
}

have_kafkajs() {
  command -v node >/dev/null 2>&1 && [[ -f "$ROOT/node_modules/kafkajs/package.json" ]]
}

tcp_open() {
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
  else
    bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
  fi
}

# 0 if a broker answers at $BROKER: a kafkajs metadata round trip when kafkajs is
# installed, otherwise (or if kafkajs cannot be loaded) just an open TCP port.
probe() {
  if have_kafkajs; then
    local rc=0
    node "$READY_JS" "$BROKER" >/dev/null 2>&1 || rc=$?
    [[ $rc -ne 2 ]] && return "$rc"
  fi
  tcp_open "$BROKER_HOST" "$BROKER_PORT"
}
probe_kind() { if have_kafkajs; then echo "kafkajs metadata request"; else echo "TCP port check (node_modules/kafkajs not installed)"; fi; }

# Prints the pid if the pid file points at a live broker started by this script
# (checks the command line, so a recycled pid is never mistaken for ours).
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid args
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *kafka.Kafka* && "$args" == *"$PROPS"* ]] || return 1
  echo "$pid"
}

count_jars() {
  local n=0 f
  for f in "$1"/*.jar; do [[ -e "$f" ]] && n=$((n + 1)); done
  echo "$n"
}

pom_hash() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$POM" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$POM" | cut -d' ' -f1
  else cksum "$POM" | cut -d' ' -f1; fi
}

libs_ok() {
  [[ -f "$LIBS_MARKER" ]] || return 1
  local hash="" count=""
  read -r hash count <"$LIBS_MARKER" || true
  [[ "$hash" == "$(pom_hash)" && "$count" =~ ^[0-9]+$ ]] || return 1
  [[ "$(count_jars "$LIBS")" == "$count" ]]
}

cmd_fetch() {
  [[ -f "$POM" ]] || die "missing $POM"
  if libs_ok; then
    log "jars already in $LIBS ($(count_jars "$LIBS") jars)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the broker jars from Maven Central)"
  mkdir -p "$KAFKA_HOME_DIR"
  local t0 tmp="$KAFKA_HOME_DIR/libs.partial" n
  t0="$(now_us)"
  log "fetching the Kafka broker jars from Maven Central (mvn, infra/kafka/pom.xml) ..."
  rm -rf "$tmp" "$LIBS_MARKER"
  # mvn output goes to fetch.log (even -q -B prints stray ANSI resets); shown on failure
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$KAFKA_HOME_DIR/fetch.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME_DIR/fetch.log" >&2 || true
    die "mvn dependency:copy-dependencies failed (full output: $KAFKA_HOME_DIR/fetch.log)"
  fi
  n="$(count_jars "$tmp")"
  ((n >= MIN_JARS)) || die "mvn copied only $n jars into $tmp (expected at least $MIN_JARS)"
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $tmp"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  printf '%s %s\n' "$(pom_hash)" "$n" >"$LIBS_MARKER"
  log "fetched $n jars ($(du -sh "$LIBS" | cut -f1)) in $(since "$t0")"
}

write_config() {
  mkdir -p "$DATA"
  cat >"$PROPS" <<EOF
# Generated by scripts/kafka.sh on every start; edits are overwritten.
# Single-node KRaft broker for local runs and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${DATA}
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$LOG4J" <<'EOF'
# Broker logging (generated by scripts/kafka.sh): everything to stdout -> broker.log
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
  cat >"$TOOLS_LOG4J" <<'EOF'
# Logging for kafka.tools.StorageTool (generated by scripts/kafka.sh)
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
}

format_storage() {
  if [[ -f "$DATA/meta.properties" ]]; then
    local cid
    cid="$(sed -n 's/^cluster\.id=//p' "$DATA/meta.properties" | head -n1)"
    log "storage already formatted (cluster id ${cid:-?}), keeping $DATA"
    return 0
  fi
  local cid out
  cid="$("$JAVA" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid | tail -n1)" ||
    die "StorageTool random-uuid failed"
  [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id from StorageTool: '$cid'"
  out="$("$JAVA" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" -c "$PROPS" 2>&1)" ||
    die "formatting $DATA failed (try: bash scripts/kafka.sh reset):
$out"
  log "formatted $DATA (cluster id $cid)"
}

wait_ready() { # wait_ready <pid> <t_start_us> [<t_launch_us>]
  local pid="$1" t0="$2" t1="$3" deadline=$((SECONDS + START_TIMEOUT))
  log "waiting for $BROKER to answer ($(probe_kind), up to ${START_TIMEOUT}s) ..."
  while :; do
    if probe; then
      if [[ -n "$t1" ]]; then
        log "ready at $BROKER in $(since "$t0") (broker answering $(since "$t1") after launch; pid $pid, log $LOG)"
      else
        log "ready at $BROKER in $(since "$t0") (pid $pid, log $LOG)"
      fi
      return 0
    fi
    if ! our_pid >/dev/null; then
      rm -f "$PIDFILE"
      echo "kafka: error: the broker (pid $pid) exited during startup; last lines of $LOG:" >&2
      tail -n 40 "$LOG" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "kafka: error: $BROKER did not answer within ${START_TIMEOUT}s; last lines of $LOG:" >&2
      tail -n 40 "$LOG" >&2 || true
      echo "kafka: the broker process (pid $pid) is still running; 'bash scripts/kafka.sh stop' stops it" >&2
      exit 1
    fi
    sleep 0.5
  done
}

cmd_start() {
  local t0 t1 pid
  t0="$(now_us)"
  lock
  if probe; then
    if pid="$(our_pid)"; then
      log "broker already running at $BROKER (pid $pid, started by this script); nothing to do"
    else
      log "a broker already answers at $BROKER (not started by this script); nothing to do"
    fi
    return 0
  fi
  case "$BROKER_HOST" in
    127.0.0.1 | localhost | ::1) ;;
    *) die "nothing answers at $BROKER (KAFKA_BROKERS); this script can only start a local broker on 127.0.0.1" ;;
  esac
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $KAFKA_PORT"
  [[ "$KAFKA_PORT" == "$BROKER_PORT" ]] ||
    die "KAFKA_PORT=$KAFKA_PORT but KAFKA_BROKERS points at port $BROKER_PORT"

  if pid="$(our_pid)"; then
    log "broker pid $pid (started by this script) is running but not answering yet"
    t1=""
  else
    rm -f "$PIDFILE"
    command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Java 17+ is needed to run the broker)"
    local p
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      ! tcp_open 127.0.0.1 "$p" ||
        die "port $p on 127.0.0.1 is in use by something that is not a ready Kafka broker (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    done
    cmd_fetch
    write_config
    format_storage
    [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.prev"
    log "starting broker on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, data $DATA)"
    # Detached from this shell (own session where setsid exists) so it outlives
    # the caller; fd 9 (the lock) must not be inherited or the lock would stick.
    local detach=()
    command -v setsid >/dev/null 2>&1 && detach=(setsid)
    t1="$(now_us)"
    # shellcheck disable=SC2086 # HEAP_OPTS may hold several options
    ${detach[@]+"${detach[@]}"} nohup "$JAVA" $HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$KAFKA_HOME_DIR" \
      -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
  fi
  wait_ready "$pid" "$t0" "$t1"
}

cmd_stop() {
  local pid t0
  lock
  if ! pid="$(our_pid)"; then
    if [[ -f "$PIDFILE" ]]; then
      log "removing stale pid file ($(cat "$PIDFILE" 2>/dev/null || true))"
      rm -f "$PIDFILE"
    fi
    if probe; then
      log "a broker answers at $BROKER but was not started by this script; leaving it alone"
    else
      log "no broker started by this script is running"
    fi
    return 0
  fi
  t0="$(now_us)"
  log "stopping broker (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  log "stopped in $(since "$t0")"
}

cmd_status() {
  local pid answers=1
  probe && answers=0
  if ((answers == 0)); then
    local detail=""
    if have_kafkajs; then detail="$(node "$READY_JS" "$BROKER" --verbose 2>/dev/null | sed 's/^kafka-ready: //' || true)"; fi
    log "a broker answers at $BROKER${detail:+ ($detail)}"
  else
    log "nothing answers at $BROKER ($(probe_kind))"
  fi
  if pid="$(our_pid)"; then
    log "ours: pid $pid started by this script (data $DATA, log $LOG)"
  elif ((answers == 0)); then
    log "not ours: this script did not start it (no live pid in $PIDFILE)"
  else
    log "no broker started by this script is running"
  fi
  return "$answers"
}

cmd_reset() {
  cmd_stop
  if [[ -d "$DATA" ]]; then
    rm -rf "$DATA"
    log "deleted $DATA (jars kept in $LIBS)"
  else
    log "no data dir at $DATA"
  fi
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
