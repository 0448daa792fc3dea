#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, combined broker+controller) from Maven Central jars.
#
#   kafka.sh fetch                                   copy the broker jars into the cache, print the libs dir
#   kafka.sh start --data DIR --port P [--controller-port C] [--owner-pid PID]
#                  (--owner-pid: stop the broker as soon as process PID is gone, e.g. a killed test run)
#   kafka.sh stop --data DIR
#   kafka.sh status --data DIR
#
# The broker listens on 127.0.0.1 only. It is meant for development and tests, not for production.
# Environment: ACIKKAPI_CACHE (default ~/.cache/acikkapi), KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m),
# KAFKA_JVM_PERFORMANCE_OPTS (the collector; default -XX:+UseParallelGC).
set -euo pipefail

KAFKA_VERSION=4.1.1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/pom.xml"
CACHE_DIR=${ACIKKAPI_CACHE:-$HOME/.cache/acikkapi}
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
MARKER="$KAFKA_HOME/libs.complete"
READY_TIMEOUT_S=60
STOP_TIMEOUT_S=30
STARTED_MESSAGE="Kafka Server started"

die() {
    echo "kafka.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# --- fetch -------------------------------------------------------------------------------------------

require_java() {
    if ! command -v java >/dev/null 2>&1; then
        echo "kafka.sh: Java 17 or newer is required: apt-get install openjdk-17-jre-headless" >&2
        exit 2
    fi
    local version_line major
    version_line=$(java -version 2>&1 | head -n 1)
    major=$(sed -E -n 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' <<<"$version_line")
    # Java 8 and older report "1.x"; the real major version is then the second number.
    if [[ ${major%% *} == 1 ]]; then major=${major#* }; else major=${major%% *}; fi
    if [[ -z $major || $major -lt 17 ]]; then
        echo "kafka.sh: Java 17 or newer is required (found: $version_line):" \
            "apt-get install openjdk-17-jre-headless" >&2
        exit 2
    fi
}

require_maven() {
    if ! command -v mvn >/dev/null 2>&1; then
        echo "kafka.sh: Maven is required to fetch the Kafka jars: apt-get install maven" >&2
        exit 2
    fi
}

pom_digest() {
    sha256sum "$POM" | cut -d ' ' -f 1
}

libs_complete() {
    [[ -f $MARKER && $(cat "$MARKER") == "$(pom_digest)" ]]
}

cmd_fetch() {
    require_java
    mkdir -p "$KAFKA_HOME"
    # One fetch at a time per cache directory: parallel test runs may start brokers together.
    exec 9>"$KAFKA_HOME/fetch.lock"
    flock 9
    if ! libs_complete; then
        require_maven
        local staging="$KAFKA_HOME/libs.staging.$$"
        rm -rf "$staging"
        mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
            -DoutputDirectory="$staging" >"$KAFKA_HOME/fetch.log" 2>&1 || {
            cat "$KAFKA_HOME/fetch.log" >&2
            rm -rf "$staging"
            die "mvn could not fetch the Kafka jars (is Maven Central reachable?)"
        }
        [[ -f $staging/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing"
        rm -rf "$LIBS"
        mv "$staging" "$LIBS"
        pom_digest >"$MARKER"
    fi
    exec 9>&-
    echo "$LIBS"
}

# --- helpers for a data directory ----------------------------------------------------------------

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
    local avoid=$1 port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if [[ $port != "$avoid" ]] && ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found for the controller"
}

# Prints the pid recorded in DIR/kafka.pid if that process is alive and is a Kafka broker for DIR.
running_pid() {
    local data=$1 pid
    [[ -f $data/kafka.pid ]] || return 1
    pid=$(cat "$data/kafka.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid: the process must be kafka.Kafka started on this directory.
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"kafka.Kafka $data/server.properties"* ]] || return 1
    echo "$pid"
}

write_server_properties() {
    local data=$1 port=$2 controller_port=$3
    cat >"$data/server.properties" <<EOF
# Written by deploy/kafka/kafka.sh: single-node KRaft broker for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/data
num.partitions=4
default.replication.factor=1
auto.create.topics.enable=false
# One node: every internal topic has a single replica, or groups and transactions never become available.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
# The 128 MiB default can exhaust the small heap at start.
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
}

write_log4j2_config() {
    local data=$1
    cat >"$data/log4j2.properties" <<EOF
# Written by deploy/kafka/kafka.sh.
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $data/logs/server.log
appender.file.filePattern = $data/logs/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.storage.name = org.apache.kafka.storage
logger.storage.level = WARN
logger.log.name = kafka.log
logger.log.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
logger.metadata.name = org.apache.kafka.image
logger.metadata.level = WARN
logger.coordinator.name = org.apache.kafka.coordinator
logger.coordinator.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
# The full configuration (several hundred lines, printed six times at start) is in server.properties.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
EOF
}

ensure_cluster_id() {
    local data=$1 id
    if [[ ! -s $data/cluster.id ]]; then
        # An unpadded base64url 16-byte UUID, as kafka-storage random-uuid prints (never starting with '-').
        while :; do
            id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
            [[ $id != -* ]] && break
        done
        echo "$id" >"$data/cluster.id"
    fi
    cat "$data/cluster.id"
}

print_log_tail() {
    local data=$1 file
    for file in "$data/logs/server.log" "$data/logs/stdout.log"; do
        if [[ -s $file ]]; then
            echo "--- last lines of $file ---" >&2
            tail -n 40 "$file" >&2
        fi
    done
}

terminate() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= STOP_TIMEOUT_S * 10)); then
            echo "kafka.sh: pid $pid still alive after ${STOP_TIMEOUT_S}s, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # A killed process may linger for a moment as a zombie of its (setsid) parent; wait for it to vanish.
    while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
        sleep 0.1
    done
}

# Stops the broker once the owner process is gone (by its pid if DIR vanished); exits by itself
# when the broker stops first.
start_watchdog() {
    local owner=$1 broker=$2
    [[ $owner =~ ^[0-9]+$ ]] || die "--owner-pid must be a number"
    # shellcheck disable=SC2016  # expanded by the inner shell
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done
        if kill -0 "$2" 2>/dev/null; then "$3" stop --data "$4"; kill -TERM "$2" 2>/dev/null || true; fi' \
        watchdog "$owner" "$broker" "$SCRIPT_DIR/kafka.sh" "$DATA" \
        </dev/null >>"$DATA/logs/watchdog.log" 2>&1 &
}

# --- commands ------------------------------------------------------------------------------------

parse_data_args() {
    DATA="" PORT="" CONTROLLER_PORT="" OWNER_PID=""
    while (($#)); do
        case $1 in
            --data) DATA=${2:?--data needs a directory}; shift 2 ;;
            --port) PORT=${2:?--port needs a number}; shift 2 ;;
            --controller-port) CONTROLLER_PORT=${2:?--controller-port needs a number}; shift 2 ;;
            --owner-pid) OWNER_PID=${2:?--owner-pid needs a pid}; shift 2 ;;
            *) echo "kafka.sh: unknown argument: $1" >&2; usage ;;
        esac
    done
    [[ -n $DATA ]] || { echo "kafka.sh: --data DIR is required" >&2; usage; }
    mkdir -p "$DATA"
    DATA=$(cd "$DATA" && pwd)
}

cmd_start() {
    parse_data_args "$@"
    [[ $PORT =~ ^[0-9]+$ ]] || { echo "kafka.sh: --port P is required" >&2; usage; }
    local pid
    if pid=$(running_pid "$DATA"); then
        echo "Kafka is already running (pid $pid) on $(grep -o 'PLAINTEXT://[^,]*' "$DATA/server.properties" | head -n 1)"
        return 0
    fi
    rm -f "$DATA/kafka.pid"
    local libs
    libs=$(cmd_fetch)
    if [[ -z $CONTROLLER_PORT ]]; then
        # Keep the controller port of an earlier run: the formatted voter set records its endpoint.
        if [[ -s $DATA/controller.port ]]; then
            CONTROLLER_PORT=$(cat "$DATA/controller.port")
        else
            CONTROLLER_PORT=$(pick_free_port "$PORT")
        fi
    fi
    echo "$CONTROLLER_PORT" >"$DATA/controller.port"
    port_in_use "$PORT" && die "port $PORT on 127.0.0.1 is already in use"
    port_in_use "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT on 127.0.0.1 is already in use"

    mkdir -p "$DATA/data" "$DATA/logs"
    write_server_properties "$DATA" "$PORT" "$CONTROLLER_PORT"
    write_log4j2_config "$DATA"
    local cluster_id java_opts
    cluster_id=$(ensure_cluster_id "$DATA")
    java_opts=(-Dlog4j2.configurationFile="$DATA/log4j2.properties" -Dkafka.logs.dir="$DATA/logs"
        -Djava.awt.headless=true -cp "$libs/*")
    if [[ ! -f $DATA/data/meta.properties ]]; then
        # A short-lived JVM: C1 only and the serial collector start fastest.
        java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${java_opts[@]}" \
            kafka.tools.StorageTool format -t "$cluster_id" -c "$DATA/server.properties" \
            --standalone --ignore-formatted >>"$DATA/logs/stdout.log" 2>&1 || {
            print_log_tail "$DATA"
            die "formatting the storage in $DATA/data failed"
        }
    fi

    local log_offset=0
    [[ -f $DATA/logs/server.log ]] && log_offset=$(stat -c %s "$DATA/logs/server.log")
    # The parallel collector, not Kafka's default G1: on a small heap and two cores shared with the
    # services, G1's concurrent threads and barriers cost the broker ~40 % more CPU per application
    # flat out (1.18 against 0.84 ms, deploy/kafka/README.md); young pauses on 512 MB stay a few ms.
    # shellcheck disable=SC2086  # both variables hold several JVM flags
    setsid bash -c 'echo $$ >"$0/kafka.pid"; exec "$@"' "$DATA" \
        java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseParallelGC} \
        "${java_opts[@]}" \
        kafka.Kafka "$DATA/server.properties" \
        </dev/null >>"$DATA/logs/stdout.log" 2>&1 &
    local waited=0
    while :; do
        if ((waited >= READY_TIMEOUT_S * 10)); then
            print_log_tail "$DATA"
            [[ -s $DATA/kafka.pid ]] && terminate "$(cat "$DATA/kafka.pid")"
            rm -f "$DATA/kafka.pid"
            die "Kafka was not ready within ${READY_TIMEOUT_S}s"
        fi
        if [[ -s $DATA/kafka.pid ]] && ! kill -0 "$(cat "$DATA/kafka.pid")" 2>/dev/null; then
            print_log_tail "$DATA"
            rm -f "$DATA/kafka.pid"
            die "Kafka exited during start"
        fi
        if [[ -f $DATA/logs/server.log ]] \
            && grep -q "$STARTED_MESSAGE" < <(tail -c +$((log_offset + 1)) "$DATA/logs/server.log") \
            && port_in_use "$PORT"; then
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    pid=$(cat "$DATA/kafka.pid")
    [[ -n $OWNER_PID ]] && start_watchdog "$OWNER_PID" "$pid"
    echo "Kafka started (pid $pid): bootstrap servers 127.0.0.1:$PORT"
}

cmd_stop() {
    parse_data_args "$@"
    local pid
    if ! pid=$(running_pid "$DATA"); then
        rm -f "$DATA/kafka.pid"
        echo "Kafka is not running in $DATA"
        return 0
    fi
    terminate "$pid"
    rm -f "$DATA/kafka.pid"
    echo "Kafka stopped (pid $pid)"
}

cmd_status() {
    parse_data_args "$@"
    local pid
    if pid=$(running_pid "$DATA"); then
        echo "Kafka is running (pid $pid) on $(grep -o 'PLAINTEXT://[^,]*' "$DATA/server.properties" | head -n 1)"
        return 0
    fi
    echo "Kafka is not running in $DATA"
    return 3
}

main() {
    (($#)) || usage
    local command=$1
    shift
    case $command in
        fetch) cmd_fetch ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        *) usage ;;
    esac
}

main "$@"
