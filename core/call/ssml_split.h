/**
 * @file ssml_split.h  Long SSML cut into pieces, as jambonz does
 *
 * jambonz's say hands an SSML text longer than JAMBONES_SAY_CHUNK_SIZE
 * to polly-ssml-split (soft limit 100, hard limit the chunk size less
 * 15, extra split characters , ; ! ?). The package cuts only between
 * the children of <speak>: an element (<prosody>, <say-as>, ...) stays
 * whole in one piece, and only a text child of <speak> is cut inside,
 * at a '.' else one of , ; ! ? else white space between the soft and
 * the hard limit. Limits count text bytes, not tags. Every piece is
 * wrapped in the document's own <speak ...> tag again.
 */
#ifndef CALL_SSML_SPLIT_H
#define CALL_SSML_SPLIT_H

#include <stddef.h>

/** Deepest element nesting parsed; deeper SSML is sent whole */
#define SSML_SPLIT_DEPTH 32

/**
 * Cut an SSML document longer than chunk bytes into pieces.
 *
 * @param pieces  receives max mem-allocated strings at most; when more
 *                would be needed the last holds the rest
 * @param np      receives the number of pieces
 * @return 0; EINVAL for no <speak> document or a text of at most chunk
 *         bytes (nothing to cut); EBADMSG for SSML that does not parse
 *         (a tag without '>', a closing tag that closes nothing open,
 *         text after </speak>, nesting deeper than SSML_SPLIT_DEPTH);
 *         E2BIG when an element holds more text than the hard limit
 *         (polly-ssml-split's NotPossibleSplitError), ENOMEM. On an
 *         error nothing is written to pieces and the text goes whole.
 */
int ssml_split(const char *ssml, size_t chunk, char **pieces, size_t max,
	       size_t *np);

#endif
