/**
 * @file ttsv_microsoft.c  Azure speech synthesis (REST, SSML)
 *
 * POST https://<region>.tts.speech.microsoft.com/cognitiveservices/v1
 * with the key in Ocp-Apim-Subscription-Key, SSML in the body and
 * X-Microsoft-OutputFormat raw-8khz-16bit-mono-pcm: the telephone rate,
 * no decoding. Text that is not SSML is wrapped in a <voice> element
 * (escaped); "<speak>...</speak>" without attributes is completed with
 * the version, namespaces, language and voice Azure requires, as
 * jambonz does; a full <speak ...> document goes as it is.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "audio/ttsv.h"

static int ms_ssml(char **bodyp, const struct ttsv_ask *a)
{
	static const char head[] =
		"<speak version=\"1.0\" "
		"xmlns=\"http://www.w3.org/2001/10/synthesis\" "
		"xmlns:mstts=\"https://www.w3.org/2001/mstts\" xml:lang=\"";
	size_t n = strlen(a->text);

	if (!strncmp(a->text, "<speak>", 7) && n >= 15 &&
	    !strcmp(a->text + n - 8, "</speak>"))
		return re_sdprintf(
			bodyp, "%s%H\"><voice name=\"%H\">%b</voice></speak>",
			head, ttsv_xml_str, a->lang, ttsv_xml_str, a->voice,
			a->text + 7, n - 15);
	if (a->ssml)
		return str_dup(bodyp, a->text);
	return re_sdprintf(bodyp,
			   "%s%H\"><voice name=\"%H\">%H</voice></speak>",
			   head, ttsv_xml_str, a->lang, ttsv_xml_str, a->voice,
			   ttsv_xml_str, a->text);
}

static int ms_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	const char *region = ttsv_cred(a, "region", NULL);
	const char *onprem = ttsv_cred(a, "custom_tts_endpoint_url", NULL);
	const char *endpoint = ttsv_cred(a, "custom_tts_endpoint", NULL);
	char *base = NULL;
	int e;

	if (!*a->voice) {
		re_snprintf(err, errsz, "microsoft needs a voice");
		return EINVAL;
	}
	if (!ttsv_cred(a, "base_url", NULL) && !onprem && (!key || !region)) {
		re_snprintf(err, errsz,
			    "microsoft credential needs api_key and region");
		return EINVAL;
	}
	if (onprem && !ttsv_cred(a, "base_url", NULL)) {
		e = str_dup(&h->url, onprem);
	} else {
		char def[128];

		re_snprintf(def, sizeof(def),
			    "https://%s.tts.speech.microsoft.com",
			    region ? region : "");
		e = ttsv_base(&base, a, NULL, def);
		if (!e)
			e = re_sdprintf(&h->url, "%s/cognitiveservices/v1%s%s",
					base, endpoint ? "?deploymentId=" : "",
					endpoint ? endpoint : "");
		mem_deref(base);
	}
	if (!e)
		e = re_sdprintf(&h->hdrs,
				"Content-Type: application/ssml+xml\n"
				"X-Microsoft-OutputFormat: "
				"raw-8khz-16bit-mono-pcm\n"
				"%s%s",
				key ? "Ocp-Apim-Subscription-Key: " : "",
				key ? key : "");
	if (!e)
		e = ms_ssml(&h->body, a);
	return e ? ENOMEM : 0;
}

const struct ttsv_ops ttsv_microsoft = {
	.name = "microsoft",
	.build = ms_build,
	.pcm_rate = 8000,
};
