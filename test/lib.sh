# Shared by `make test`, `make demo` and bench/*.sh (source it, do not run it).
#
#   journey_setup     install missing Debian packages, build and install the
#                     extension, start a throwaway cluster (initdb in a temp
#                     dir, private unix socket, its own port) and export
#                     PGHOST/PGPORT/PGUSER/PGDATABASE for psql, pg_regress and
#                     pg_prove.  The cluster is stopped and removed on exit.
#
# Never touches a server already running on the machine: the cluster listens
# on a unix socket in its own directory only (no TCP).
#
# Environment:
#   PG_MAJOR         PostgreSQL major version (default 15)
#   PG_CONFIG        pg_config to build against (default that version's)
#   JOURNEY_SANDBOX  a directory: install the extension into a private copy
#                    of the PostgreSQL tree there instead of the system one
#                    (lets several checkouts build and test side by side)
#   JOURNEY_PGCONF   extra postgresql.conf lines (the benchmarks use it)
#   JOURNEY_KEEP     keep the cluster running after the script ends (debug)
#   JOURNEY_NO_PACKAGES  install no Debian packages (a PostgreSQL built from
#                    source, test/majors.sh); pg_cron is preloaded only
#                    where PG_CONFIG's library directory has it
#   JOURNEY_NO_CRON  start the cluster without pg_cron (tests the skip path)

JOURNEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}

journey_log() { printf '\033[1mjourney:\033[0m %s\n' "$*" >&2; }

journey_need_packages() {
	[ -n "${JOURNEY_NO_PACKAGES:-}" ] && return 0
	local pkgs=(make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"
		"postgresql-$PG_MAJOR-pgtap" "postgresql-$PG_MAJOR-cron"
		libtap-parser-sourcehandler-pgtap-perl)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [ "$(id -u)" -ne 0 ]; then
		journey_log "missing packages: ${missing[*]}; run as root or install them"
		exit 1
	fi
	journey_log "installing ${missing[*]}"
	# Debian would create and start a 'main' cluster on port 5432; we never
	# use it, so do not create one where postgresql-common is new.
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		mkdir -p /etc/postgresql-common
		echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Build and install; sets PGBIN to the server binaries to run.
journey_build_install() {
	local jobs
	jobs=$(nproc 2>/dev/null || echo 2)
	make -s -C "$JOURNEY_ROOT" PG_CONFIG="$PG_CONFIG" -j"$jobs" >/dev/null
	if [ -n "${JOURNEY_SANDBOX:-}" ]; then
		local bindir sharedir pkglibdir
		bindir=$("$PG_CONFIG" --bindir)
		sharedir=$("$PG_CONFIG" --sharedir)
		pkglibdir=$("$PG_CONFIG" --pkglibdir)
		mkdir -p "$JOURNEY_SANDBOX"
		JOURNEY_SANDBOX=$(cd "$JOURNEY_SANDBOX" && pwd)
		# PostgreSQL finds its share and lib directories relative to its
		# own binary, so a copy of the tree is a private installation.
		if [ ! -x "$JOURNEY_SANDBOX$bindir/postgres" ]; then
			local d
			for d in "$bindir" "$sharedir" "$pkglibdir"; do
				mkdir -p "$JOURNEY_SANDBOX$(dirname "$d")"
				cp -a "$d" "$JOURNEY_SANDBOX$(dirname "$d")/"
			done
		fi
		make -s -C "$JOURNEY_ROOT" PG_CONFIG="$PG_CONFIG" DESTDIR="$JOURNEY_SANDBOX" install >/dev/null
		PGBIN=$JOURNEY_SANDBOX$bindir
	else
		make -s -C "$JOURNEY_ROOT" PG_CONFIG="$PG_CONFIG" install >/dev/null
		PGBIN=$("$PG_CONFIG" --bindir)
	fi
	export PGBIN
}

# Run a command as the cluster's OS user (PostgreSQL refuses to run as root).
journey_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

journey_free_port() {
	local port
	for port in $(seq $((54000 + RANDOM % 900)) 54999) $(seq 54000 54999); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$port" ]; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

journey_start_cluster() {
	JOURNEY_CLUSTER=$(mktemp -d /tmp/journey-cluster.XXXXXX)
	chmod 755 "$JOURNEY_CLUSTER"
	mkdir -p "$JOURNEY_CLUSTER/socket"
	[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$JOURNEY_CLUSTER"
	PGPORT=$(journey_free_port)
	local cron_conf='# no pg_cron'
	if [ -e "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ] && [ -z "${JOURNEY_NO_CRON:-}" ]; then
		cron_conf="shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on"
	fi
	journey_as_owner "$PGBIN/initdb" -D "$JOURNEY_CLUSTER/data" -U postgres -A trust \
		-E UTF8 --locale=C --no-sync >"$JOURNEY_CLUSTER/initdb.log" 2>&1 ||
		{ cat "$JOURNEY_CLUSTER/initdb.log" >&2; return 1; }
	journey_as_owner tee -a "$JOURNEY_CLUSTER/data/postgresql.conf" >/dev/null <<-EOF
		listen_addresses = ''
		port = $PGPORT
		unix_socket_directories = '$JOURNEY_CLUSTER/socket'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		timezone = 'UTC'
		log_error_verbosity = verbose
		max_worker_processes = 32
		$cron_conf
		${JOURNEY_PGCONF:-}
	EOF
	trap journey_stop_cluster EXIT
	journey_as_owner "$PGBIN/pg_ctl" -D "$JOURNEY_CLUSTER/data" -l "$JOURNEY_CLUSTER/server.log" \
		-w -t 60 start >/dev/null ||
		{ cat "$JOURNEY_CLUSTER/server.log" >&2; return 1; }
	export PGHOST=$JOURNEY_CLUSTER/socket PGPORT PGUSER=postgres PGDATABASE=postgres
	export PATH=$PGBIN:$PATH
	journey_log "throwaway cluster up: $JOURNEY_CLUSTER (socket $PGHOST, port $PGPORT)"
}

journey_stop_cluster() {
	[ -n "${JOURNEY_CLUSTER:-}" ] || return 0
	if [ -n "${JOURNEY_KEEP:-}" ]; then
		journey_log "cluster kept: PGHOST=$PGHOST PGPORT=$PGPORT"
		return 0
	fi
	journey_as_owner "$PGBIN/pg_ctl" -D "$JOURNEY_CLUSTER/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$JOURNEY_CLUSTER"
	JOURNEY_CLUSTER=
}

# Everything a script needs before it talks to the database.
journey_setup() {
	journey_need_packages
	journey_build_install
	journey_start_cluster
}

# Load the bundled sample data (data/README.md says what it is) into
# the current database.
journey_load_sample_data() {
	(cd "$JOURNEY_ROOT" && psql -X -q -v ON_ERROR_STOP=1 -f data/load.sql)
}

# For bench/*.sh: journey_setup with the given shared_buffers and work_mem
# (big aggregates must not spill), two parallel workers, no JIT, and the
# extension created in database postgres, which psql then uses.
journey_bench_setup() {
	JOURNEY_PGCONF="shared_buffers = '$1'
work_mem = '$2'
max_parallel_workers_per_gather = 2
jit = off" journey_setup
	export PGDATABASE=postgres
	psql -X -q -c 'CREATE EXTENSION IF NOT EXISTS journey'
}

# For bench/*.sh: the best of three EXPLAIN ANALYZE execution times of a
# query, in ms (the plan runs fully, no rows go to the client).
best_ms() {
	local q=$1 best= t i
	for i in 1 2 3; do
		t=$(psql -X -At -c "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) $q" | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p')
		if [ -z "$best" ] || awk "BEGIN {exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}

# For bench/*.sh and test/sequence_clickhouse.sh: Debian's ClickHouse 18.16
# on loopback, with a private config, port and data directory, stopped and
# removed (with the PostgreSQL cluster) on exit.  CLICKHOUSE=1 installs it
# when missing; returns 1 when it is not there or CLICKHOUSE=0.  Defines
# ch() (the client) and chversion; CH_PORT picks the port.  Arguments:
# max_threads (empty: ClickHouse's default, the number of cores),
# max_memory_usage (default 8 GB), mark_cache_size (default 1 GB).
journey_clickhouse_start() {
	local threads=${1:-} memory=${2:-8000000000} marks=${3:-1073741824} chhttp i
	if [ "${CLICKHOUSE:-auto}" = 1 ] && ! command -v clickhouse-server >/dev/null; then
		journey_log "installing clickhouse-server (Debian, 18.16)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null
	fi
	if [ "${CLICKHOUSE:-auto}" = 0 ] || ! command -v clickhouse-server >/dev/null; then
		return 1
	fi
	chdir=$(mktemp -d /tmp/journey-clickhouse.XXXXXX)
	chport=${CH_PORT:-$(journey_free_port)}
	chhttp=$((chport + 1))
	cat > "$chdir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$chdir/server.log</log><errorlog>$chdir/error.log</errorlog></logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$chport</tcp_port>
    <http_port>$chhttp</http_port>
    <path>$chdir/data/</path>
    <tmp_path>$chdir/tmp/</tmp_path>
    <user_files_path>$chdir/user_files/</user_files_path>
    <format_schema_path>$chdir/format_schemas/</format_schema_path>
    <users_config>$chdir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>$marks</mark_cache_size>
</yandex>
XML
	cat > "$chdir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>$memory</max_memory_usage>${threads:+<max_threads>$threads</max_threads>}</default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
	clickhouse-server --config-file="$chdir/config.xml" >"$chdir/stdout.log" 2>&1 &
	chpid=$!
	trap journey_clickhouse_stop EXIT
	for i in $(seq 1 30); do ch --query "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
	chversion=$(ch --query 'SELECT version()')
}
ch() { clickhouse-client --port "$chport" "$@"; }
journey_clickhouse_stop() {
	kill "$chpid" 2>/dev/null || true
	wait "$chpid" 2>/dev/null || true
	rm -rf "$chdir"
	journey_stop_cluster
}
