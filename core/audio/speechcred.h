/**
 * @file speechcred.h  Speech vendor credentials of the embedded directory
 *
 * A JSON file (SPEECH_CREDENTIALS_FILE) holding rows shaped as jambonz's
 * speech_credentials table, with the credential already decrypted:
 *
 *   [{"vendor": "microsoft", "label": "", "use_for_tts": true,
 *     "use_for_stt": true,
 *     "credential": {"api_key": "...", "region": "eastus"}}]
 *
 * "credential" may also be the JSON text jambonz stores. Each loop holds
 * its own copy (json-c reference counts are not shared between threads).
 */
#ifndef SPEECHCRED_H
#define SPEECHCRED_H

#include <stdbool.h>

struct json_object;
struct speechcred;

/**
 * @param path File, or NULL / "" for none (every lookup then fails)
 * @return 0, ENOENT, EINVAL (not an array of credential rows: the log
 *         says which), ENOMEM
 */
int speechcred_load(struct speechcred **scp, const char *path);

/**
 * The credential fields for vendor (aliases: aws/polly,
 * microsoft/azure, openai/whisper) and label, matched exactly as jambonz
 * does (NULL and "" alike mean no label): the first such row, if it is
 * for synthesis (tts) or recognition as asked.
 *
 * @return the credential object (borrowed), or NULL
 */
const struct json_object *speechcred_find(const struct speechcred *sc,
					  const char *vendor,
					  const char *label, bool tts);

/** speechcred_find() over rows of that shape (the MySQL directory's,
 *  dir_app.h); NULL rows find nothing */
const struct json_object *speechcred_rows_find(const struct json_object *rows,
					       const char *vendor,
					       const char *label, bool tts);

#endif
