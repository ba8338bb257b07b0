/*
 * funnel.h — what the funnel files share:
 *
 *   src/funnel_search.c  the windowFunnel search over one customer's
 *                        (timestamp, step mask) entries, callable from C
 *                        (funnel_search below);
 *   src/funnel.c         the funnel_step and funnel_path aggregates that
 *                        collect those entries from rows;
 *   src/funnel_path.c    the funnel_path type (one customer's best chain);
 *   src/funnel_report.c  the funnel type (many customers), which reads
 *                        funnel_path values.
 */
#ifndef JOURNEY_FUNNEL_H
#define JOURNEY_FUNNEL_H

#include "journey.h"

/*
 * The most steps a funnel may have: an entry is an int64 timestamp plus a
 * 64-bit step mask (16 bytes), so 64 steps fit and mask 0 marks a row
 * matching no step (kept only under strict_order).
 */
#define FUNNEL_MAX_STEPS 64

/* windowFunnel options (the mode argument), as flags */
#define FUNNEL_DEDUP	0x01		/* strict_deduplication */
#define FUNNEL_ORDER	0x02		/* strict_order */
#define FUNNEL_INCREASE	0x04		/* strict_increase */
#define FUNNEL_ONCE		0x08		/* strict_once */
#define FUNNEL_REENTRY	0x10		/* allow_reentry (needs strict_order) */
#define FUNNEL_CLASSIC_MODES 0x1f	/* ClickHouse's options */
/* journey's own options (0.2.0): none of them combines with the above */
#define FUNNEL_ANY_ORDER 0x20		/* any_order: distinct steps within the window */
#define FUNNEL_STEP_WINDOWS 0x40	/* step_windows={...} given */
#define FUNNEL_EXCLUSIONS 0x80		/* exclude=A-B given (drop or truncate) */
#define FUNNEL_EXT_MODES 0xe0
#define FUNNEL_ALL_MODES 0xff

/* A valid combination of mode flags. */
#define FUNNEL_MODES_VALID(m) \
	(((m) & ~FUNNEL_ALL_MODES) == 0 && \
	 (!((m) & FUNNEL_REENTRY) || ((m) & FUNNEL_ORDER)) && \
	 (!((m) & FUNNEL_EXT_MODES) || !((m) & FUNNEL_CLASSIC_MODES)) && \
	 (!((m) & FUNNEL_ANY_ORDER) || !((m) & (FUNNEL_STEP_WINDOWS | FUNNEL_EXCLUSIONS))))

/* The most exclusions (exclude=A-B options) one funnel may have. */
#define FUNNEL_MAX_EXCLUSIONS 16

/* An exclusion: a condition that must not happen between steps from and to. */
typedef struct FunnelExclusion
{
	int			from;			/* 1-based step, from < to */
	int			to;
	const char *label;			/* label forms: the excluded label; else NULL */
	int			label_len;
} FunnelExclusion;

/*
 * Everything the mode text says, parsed (funnel_parse_options).  Plain
 * windowFunnel modes have modes & FUNNEL_EXT_MODES == 0 and nothing else
 * set.  A parsed value is never freed while the query runs (aggregate
 * states point to it).
 */
typedef struct FunnelOptions
{
	int			modes;			/* FUNNEL_* flags, the new ones included */
	bool		truncate;		/* exclusion=truncate (else drop) */
	int			nexcl;
	FunnelExclusion excl[FUNNEL_MAX_EXCLUSIONS];
	int			nwindows;		/* step windows given (must be nsteps - 1) */
	int64		step_window[FUNNEL_MAX_STEPS];	/* [k-1]: step k to k+1; 0 none */
	char	   *text;			/* the mode text as given (serialized states) */
	int			text_len;
} FunnelOptions;

/* One row of a customer: when, and which steps it satisfies. */
typedef struct FunnelEntry
{
	int64		ts;				/* microseconds (timestamptz) */
	uint64		mask;			/* bit k-1 set: the row satisfies step k */
} FunnelEntry;

/* ---------------------------------------------------------------------
 * The search (src/funnel_search.c)
 */

/*
 * Sort entries by (ts, mask), as funnel_search needs them.  In place,
 * O(n log n) worst case (introsort), and it answers query cancel and
 * statement_timeout while it runs.
 */
extern void funnel_sort_entries(FunnelEntry *entries, int n);

/*
 * ClickHouse's windowFunnel over one customer's entries, to the letter:
 * the level reached (0..nsteps), i.e. the length of the longest chain of
 * steps 1..k whose entries occur in order, all within window_us of the
 * chain's first entry, under the given modes (FUNNEL_* flags).
 *
 *   entries    sorted by (ts, mask) (funnel_sort_entries); masks use bits
 *              0..nsteps-1 only; entries with mask 0 (a row matching no
 *              step) matter only under FUNNEL_ORDER: leave them out
 *              otherwise.  Not modified.
 *   window_us  > 0
 *   modes      FUNNEL_MODES_VALID
 *   nsteps     1..FUNNEL_MAX_STEPS
 *   at         NULL for the level only; else room for nsteps times, and
 *              at[0..level) gets the times of the earliest-starting chain
 *              reaching the level, each later step at its earliest time
 *              (what funnel_path reports).
 *
 * Cost: O(n) for the level (strict_once: plus a bipartite matching per
 * timestamp shared by several rows), O(n log n) more for the path.
 * Memory: O(n) scratch in the current context for the path.  Checks for
 * interrupts.
 */
extern int	funnel_search(const FunnelEntry *entries, int n, int64 window_us,
						  int modes, int nsteps, int64 *at);

/*
 * The search with journey's own options (src/funnel_ext.c): any_order,
 * per-step windows and exclusions, over entries whose mask bits
 * 0..nsteps-1 are the steps and bits nsteps..nsteps+nexcl-1 the
 * exclusions (in the order of opts->excl).  Returns the level; under
 * exclusion=drop, *dropped is set (and the level is meaningless) when an
 * exclusion cut the customer's progress short.  at as in funnel_search:
 * the chain reported is one that reaches the level at the earliest time
 * it can be reached (any_order: the earliest window with the most
 * distinct steps, each step at its first time in it, in time order).
 */
extern int	funnel_search_ext(const FunnelEntry *entries, int n, int64 window_us,
							  const FunnelOptions *opts, int nsteps, int64 *at,
							  bool *dropped);

/* ---------------------------------------------------------------------
 * Options and parameters (src/funnel.c)
 */

/*
 * The mode text parsed into *opts (all of it: the windowFunnel options and
 * any_order, exclude=A-B[:label], exclusion=drop|truncate,
 * step_windows={...}); errors (22023) name the bad option.  labels: the
 * label forms, where exclude options name their label.
 */
extern void funnel_parse_options(const char *s, int len, bool labels, FunnelOptions *opts);

/* Checks the options against the step count (ranges, window count). */
extern void funnel_check_options(const FunnelOptions *opts, int nsteps);

/* Two parsed option sets mean the same funnel. */
extern bool funnel_options_equal(const FunnelOptions *a, const FunnelOptions *b);

/*
 * The mode argument of funnel_step/funnel_path ('' or a comma-separated
 * list of option names) as FUNNEL_* flags; unknown, repeated or
 * contradictory options are an error (22023) naming the option.  Only
 * windowFunnel's options (FUNNEL_CLASSIC_MODES, what funnel_search takes):
 * journey's own (any_order, exclude, step_windows) are an error (0A000);
 * use funnel_parse_options and funnel_search_ext for them.
 */
extern int	funnel_parse_modes(text *mode);

/*
 * A funnel window in microseconds; an error (22023) unless positive, with
 * a hint about clients that send a lost interval as zero.
 */
extern int64 funnel_window_usec(Interval *window);

/*
 * The mode flags as their canonical text, e.g. "strict_order,allow_reentry",
 * or "default" for none (the form funnel and funnel_path values print).
 */
extern const char *funnel_modes_text(int modes);

/* The inverse of funnel_modes_text; false if s is not such a text. */
extern bool funnel_modes_from_text(const char *s, int *modes);

/* A window in microseconds as text, e.g. "7 days" (interval output). */
extern char *funnel_window_text(int64 window_us);

/*
 * Raise the error for combining funnel values (or a funnel and a path)
 * built with different windows or modes, naming both.
 */
extern void funnel_params_conflict(int64 window_a, int modes_a, int64 window_b, int modes_b);

/* ---------------------------------------------------------------------
 * The funnel_path type (src/funnel_path.c)
 */

/*
 * Format versions.  1 (0.1.0): no window and mode.  2: the window and mode
 * the path was found with (FUNNEL_PATH_PARAMS), so that a funnel built from
 * paths knows them.  Version 1 values (text, binary, on disk) still read:
 * their parameters are unknown.
 */
#define FUNNEL_PATH_VERSION 2
#define FUNNEL_PATH_PARAMS 0x01		/* window and modes are known */
#define FUNNEL_PATH_STEP_WINDOWS 0x02	/* nsteps - 1 step windows follow at[] (0.2.0) */

/* One customer's best chain: the time each reached step happened. */
typedef struct FunnelPath
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* FUNNEL_PATH_VERSION */
	uint8		flags;			/* FUNNEL_PATH_PARAMS, FUNNEL_PATH_STEP_WINDOWS */
	uint8		nsteps;			/* steps of the funnel, 1..FUNNEL_MAX_STEPS */
	uint8		reached;		/* steps reached, 0..nsteps */
	int32		modes;			/* FUNNEL_* mode flags; 0 when unknown */
	int64		window;			/* microseconds, > 0; 0 when unknown */
	int64		at[FLEXIBLE_ARRAY_MEMBER];	/* reached timestamps, microseconds;
												 * then, with FUNNEL_PATH_STEP_WINDOWS,
												 * the step windows (0: none) */
} FunnelPath;

/* The step windows of a path (nsteps - 1 of them), or NULL. */
#define FUNNEL_PATH_STEP_WINDOWS_OF(p) \
	(((p)->flags & FUNNEL_PATH_STEP_WINDOWS) ? (p)->at + (p)->reached : NULL)

#define FUNNEL_PATH_SIZE(reached) (offsetof(FunnelPath, at) + sizeof(int64) * (reached))
#define FUNNEL_PATH_FULL_SIZE(p) \
	(FUNNEL_PATH_SIZE((p)->reached) + (((p)->flags & FUNNEL_PATH_STEP_WINDOWS) ? sizeof(int64) * ((p)->nsteps - 1) : 0))
#define PG_GETARG_FUNNEL_PATH_P(n) funnel_path_detoast(PG_GETARG_DATUM(n))

/* A new path (palloc'd, zeroed times) with the given parameters. */
extern FunnelPath *funnel_path_make(int nsteps, int reached, bool params_known,
									int64 window, int modes);

/*
 * funnel_path_make, the path also recording its step windows (nsteps - 1
 * of them, 0 for none; step_windows NULL: like funnel_path_make).
 */
extern FunnelPath *funnel_path_make_ext(int nsteps, int reached, int64 window, int modes,
										const int64 *step_windows);

/*
 * A funnel_path datum detoasted, and in the current layout: a version 1
 * value (as 0.1.0 stored it) is converted, with unknown parameters.
 */
extern FunnelPath *funnel_path_detoast(Datum d);

/*
 * The time from step `from` to step `to` (1-based, from <= to <= reached)
 * of a path in microseconds; an error when it does not fit (a path typed
 * in by hand may span more than 2^63 microseconds, the aggregates never
 * produce one).
 */
extern int64 funnel_path_span(const FunnelPath *path, int from, int to);

#endif							/* JOURNEY_FUNNEL_H */
