# journey — PGXS build.  `make`, `make install`, `make installcheck`;
# `make test` and `make demo` run everything in a throwaway cluster.

EXTENSION  = journey
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = journey
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from one SQL part per capability, in
# dependency order (a part may use the types of the parts before it).
SQL_PARTS  = $(wildcard src/header.sql src/durations.sql src/ttfv.sql \
                        src/funnel.sql) src/funnel_overloads.sql src/funnel_labels.sql \
             $(wildcard src/rfm.sql src/unit_economics.sql \
                        src/clv.sql src/lifecycle.sql src/retention.sql \
                        src/outreach.sql src/timeline.sql) \
             src/funnelx.sql src/touch.sql src/value.sql src/sequence.sql \
             src/paths.sql src/rfm_more.sql src/pipeline.sql src/experiment.sql
# The current version's install script is built; older versions' install
# scripts (frozen as released) and the upgrade scripts are kept in git.
# The upgrade script from the last release: the changes to that release's
# objects (src/upgrade--A--B.sql, by hand) and the SQL parts new since, as
# they are.
UPGRADE_FROM      = 0.1.0
UPGRADE_NEW_PARTS = src/funnel_labels.sql src/timeline.sql src/funnelx.sql \
                    src/touch.sql src/value.sql src/sequence.sql src/paths.sql \
                    src/rfm_more.sql src/pipeline.sql src/experiment.sql
UPGRADE_SCRIPT    = $(EXTENSION)--$(UPGRADE_FROM)--$(EXTVERSION).sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_SCRIPT)
DATA       = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*.sql))

# pg_regress: sql/NAME.sql against expected/NAME.out, `setup` first.
REGRESS      = setup $(filter-out setup,$(sort $(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=journey
EXTRA_CLEAN  = results regression.diffs regression.out src/funnel_overloads.sql

PG_CPPFLAGS = -Isrc
PG_CFLAGS   = -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	{ echo '-- journey $(EXTVERSION) install script, assembled by make from src/*.sql'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION journey" to load this file. \quit'; \
	  for part in $(SQL_PARTS); do printf '\n-- %s\n' "$$part"; cat "$$part"; done; } > $@

# Generated part: funnel_step/funnel_path overloads with 1-8 separate steps.
src/funnel_overloads.sql: src/funnel_overloads.sh
	sh $< > $@.tmp && mv $@.tmp $@

$(UPGRADE_SCRIPT): src/upgrade--$(UPGRADE_FROM)--$(EXTVERSION).sql $(UPGRADE_NEW_PARTS)
	{ cat src/upgrade--$(UPGRADE_FROM)--$(EXTVERSION).sql; \
	  for part in $(UPGRADE_NEW_PARTS); do printf '\n-- %s (new in $(EXTVERSION))\n' "$$part"; cat "$$part"; done; } > $@

# PGXS tracks no header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h)

.PHONY: test demo bench
test:
	bash test/run.sh
demo:
	bash demo/run.sh
