/*
 * experiment.h — what experiment.c and drivers.c share: the text and
 * binary forms of their named entries (arms, features), implemented in
 * experiment.c.  A name is written in double quotes with " and \ escaped
 * by a backslash; entries are kept in byte order of their names.
 */
#ifndef JOURNEY_EXPERIMENT_H
#define JOURNEY_EXPERIMENT_H

#include "journey.h"

/* append name, quoted */
extern void exp_append_name(StringInfo buf, const char *name, int len);

/* a quoted name at *s (after spaces) into buf, unescaped; false if there is none */
extern bool exp_parse_name(const char **s, StringInfo buf);

/* "key=" at *s (after spaces), advancing past it */
extern bool exp_expect_key(const char **s, const char *key);

/* a non-negative int64 at *s, followed by a space or the end */
extern bool exp_parse_count(const char **s, int64 *out);

/*
 * A name of len bytes (sent by pq_sendtext) from buf, converted to the
 * server encoding; an error naming type_name if it does not fit in the
 * value or holds a zero byte.
 */
extern char *exp_recv_name(StringInfo buf, int32 len, int *outlen, const char *type_name);

#endif							/* JOURNEY_EXPERIMENT_H */
