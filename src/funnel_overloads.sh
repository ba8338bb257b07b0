#!/bin/sh
# funnel_overloads.sh — writes to stdout the SQL of the funnel_step and
# funnel_path overloads that take 1 to FUNNEL_ARGS_MAX step conditions as
# separate arguments (no array built per row).  `make` runs it to build
# src/funnel_overloads.sql, a part of the install script (SQL_PARTS).
#
# One list drives everything: the aggregates with their final functions
# per time type, the time types, with and without a mode, 1..8 steps.
set -eu

FUNNEL_ARGS_MAX=8

# aggregate  final function for timestamptz  final function for timestamp
AGGREGATES='funnel_step funnel_step_final funnel_step_final
funnel_path funnel_path_final funnel_path_final_ts'
TIME_TYPES='timestamptz timestamp'

# "boolean, boolean, ..." (n of them) and "step1 boolean, step2 boolean, ..."
types() { i=1; s=''; while [ "$i" -le "$1" ]; do s="$s, boolean"; i=$((i + 1)); done; printf '%s' "$s"; }
named() { i=1; s=''; while [ "$i" -le "$1" ]; do s="$s, step$i boolean"; i=$((i + 1)); done; printf '%s' "$s"; }

cat <<'SQL'
-- Overloads with 1 to 8 step conditions as separate arguments: the same
-- aggregates without building an array per row (about twice as fast).
-- PostgreSQL picks them over the VARIADIC form for such calls.
SQL

for mode in '' 'text, '; do
	symbol=funnel_transfn_args
	[ -n "$mode" ] && symbol=funnel_transfn_args_mode
	for tt in $TIME_TYPES; do
		n=1
		while [ "$n" -le "$FUNNEL_ARGS_MAX" ]; do
			args=$(types "$n")
			printf 'CREATE FUNCTION funnel_transfn(internal, %s, interval, %s%s) RETURNS internal\n' "$tt" "$mode" "${args#, }"
			printf "    AS 'MODULE_PATHNAME', '%s' LANGUAGE C IMMUTABLE PARALLEL SAFE;\n" "$symbol"
			n=$((n + 1))
		done
	done
done

printf '%s\n' "$AGGREGATES" | while read -r agg final_tz final_ts; do
	for mode in '' 'mode text, '; do
		for tt in $TIME_TYPES; do
			final=$final_tz
			[ "$tt" = timestamp ] && final=$final_ts
			n=1
			while [ "$n" -le "$FUNNEL_ARGS_MAX" ]; do
				args=$(named "$n")
				printf 'CREATE AGGREGATE %s(ts %s, "window" interval, %s%s) (\n' "$agg" "$tt" "$mode" "${args#, }"
				printf '    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = %s, FINALFUNC_MODIFY = SHAREABLE,\n' "$final"
				printf '    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);\n'
				n=$((n + 1))
			done
		done
	done
done
