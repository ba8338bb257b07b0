#!/usr/bin/env bash
# Build journey against another PostgreSQL major and run its pg_regress suite
# (`make installcheck`) there.  Not part of `make test`.
#
#   bash test/majors.sh MAJOR SOURCE
#
# MAJOR is 13..17; SOURCE is that major's PostgreSQL source: an unpacked
# tree, a tarball (.tar.gz/.tar.bz2/.tar.xz), or GITDIR@REF (a git directory
# and a tag or commit of postgres/postgres; ignored when PG_PREFIX already
# holds that major).  PostgreSQL is configured
# without readline, ICU and zlib, built and installed into PG_PREFIX
# (default /tmp/pgMAJOR; kept, so a second run skips the build).  journey
# is built from a copy of this checkout (the checkout's own objects stay
# those of the default major) with PG_CONFIG=PG_PREFIX/bin/pg_config, a
# throwaway cluster is started by test/lib.sh (no Debian packages, so no
# pgTAP and no pg_cron: the outreach test must skip), and `make
# installcheck` runs.  The build log, warnings and regression.diffs are
# kept in MAJORS_OUT (default /tmp/journey-majors-MAJOR).
#
# Getting the source:
#   - Debian source packages: bullseye has postgresql-13, bookworm 15,
#     trixie 17.  With a deb-src line for that suite in a private list,
#       apt-get -o Dir::Etc::SourceList=LIST -o Dir::Etc::SourceParts=/dev/null \
#               -o Dir::State::Lists=DIR update
#       apt-get ... source --download-only postgresql-13
#     gives postgresql-13_13.x.orig.tar.bz2 (a release tarball: SOURCE).
#   - A clone of postgres/postgres: GITDIR@REL_17_2 (or any commit, e.g. the
#     "Stamp 17beta2." commit of master where a clone has no release tags);
#     a git checkout needs bison and flex (apt-get install bison flex).
# Example: bash test/majors.sh 13 /tmp/src/postgresql-13_13.16.orig.tar.bz2
set -euo pipefail

major=${1:?usage: test/majors.sh MAJOR SOURCE}
source=${2:?usage: test/majors.sh MAJOR SOURCE}
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PG_PREFIX:-/tmp/pg$major}
out=${MAJORS_OUT:-/tmp/journey-majors-$major}
jobs=${MAJORS_JOBS:-2}
mkdir -p "$out"

log() { printf '\033[1mmajors %s:\033[0m %s\n' "$major" "$*" >&2; }

# 1. PostgreSQL MAJOR into the prefix, unless it is there already.
if [ -x "$prefix/bin/pg_config" ] &&
	"$prefix/bin/pg_config" --version | grep -q "PostgreSQL $major[.a-z]"; then
	log "using $("$prefix/bin/pg_config" --version) in $prefix"
else
	build=$(mktemp -d "/tmp/pg$major-build.XXXXXX")
	case $source in
	*@*)
		log "git archive ${source#*@} from ${source%@*}"
		git --git-dir="${source%@*}" archive "${source#*@}" | tar x -C "$build" ;;
	*.tar.*|*.tgz)
		log "unpacking $source"
		tar xf "$source" -C "$build" --strip-components=1 ;;
	*)
		log "copying $source"
		cp -a "$source/." "$build/" ;;
	esac
	log "configure and build into $prefix (log: $out/pg-build.log)"
	(cd "$build" &&
		./configure --prefix="$prefix" --without-readline --without-icu --without-zlib &&
		make -j"$jobs" &&
		make install) >"$out/pg-build.log" 2>&1 ||
		{ tail -n 30 "$out/pg-build.log" >&2; log "PostgreSQL build failed"; exit 1; }
	rm -rf "$build"
	log "installed $("$prefix/bin/pg_config" --version)"
fi

# 2. journey from a copy of the checkout (its tracked and new files).
work=$(mktemp -d "/tmp/journey-pg$major.XXXXXX")
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar cf -) | tar xf - -C "$work"
chmod -R a+rX "$work"
log "building journey in $work (log: $out/build.log)"
if ! make -C "$work" PG_CONFIG="$prefix/bin/pg_config" >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	log "journey does not compile against $major"
	exit 1
fi
grep -E 'warning:' "$out/build.log" >"$out/warnings.txt" || true
log "compiler warnings: $(wc -l <"$out/warnings.txt")"
sed 's/^/  /' "$out/warnings.txt" >&2

# 3. A throwaway cluster of that major, then pg_regress.
status=0
(
	export PG_MAJOR=$major PG_CONFIG="$prefix/bin/pg_config" JOURNEY_NO_PACKAGES=1
	unset JOURNEY_SANDBOX
	. "$work/test/lib.sh"
	journey_setup
	cd "$work"
	make -s PG_CONFIG="$PG_CONFIG" installcheck
) >"$out/installcheck.log" 2>&1 || status=$?
cat "$out/installcheck.log"
if [ -f "$work/regression.diffs" ]; then
	cp "$work/regression.diffs" "$out/regression.diffs"
	log "differences: $out/regression.diffs"
fi
rm -rf "$work"
if [ "$status" -eq 0 ]; then log "make installcheck passed"; else log "make installcheck failed"; fi
exit "$status"
