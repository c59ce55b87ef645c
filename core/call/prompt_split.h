/**
 * @file prompt_split.h  Long say text cut into pieces, as jambonz does
 *
 * jambonz's say cuts a text longer than JAMBONES_SAY_CHUNK_SIZE (900)
 * with polly-ssml-split (soft limit 100, hard limit the chunk size less
 * 15, split also at , ; ! ?): each piece is synthesised on its own, so
 * the first is heard long before the whole text would have been.
 */
#ifndef CALL_PROMPT_SPLIT_H
#define CALL_PROMPT_SPLIT_H

#include <stddef.h>

struct pl;

/** Shortest piece before a split is looked for */
#define PROMPT_SPLIT_SOFT 100

/**
 * Cut text (not SSML: its tags would be cut apart) into pieces of at
 * most chunk - 15 bytes, each ended at the first , ; . ! ? followed by
 * white space after PROMPT_SPLIT_SOFT bytes, else at white space, else
 * at a UTF-8 character boundary. A text of at most chunk bytes, or any
 * SSML, is one piece (SSML is cut by ssml_split.h). Pieces point into
 * text, trimmed.
 *
 * @return the number of pieces written to out (at most max; the last
 *         then holds the rest of the text, however long)
 */
size_t prompt_split(const char *text, size_t chunk, struct pl *out,
		    size_t max);

#endif
