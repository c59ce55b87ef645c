/**
 * @file sipdlg.h  In-dialog requests the SIP session layer does not take
 *                 (NOTIFY), handed to whoever waits for them
 *
 * libre's sipsess answers INVITE, ACK, BYE, INFO and REFER of its
 * dialogs; anything else would reach the loop's catch-all (405). A call
 * that waits for NOTIFYs (a REFER's progress) listens here while it
 * waits; sipcheck offers each NOTIFY that passed its checks, before the
 * other listeners of the stack see it.
 */
#ifndef SIPDLG_H
#define SIPDLG_H

#include <stdbool.h>

struct sip_msg;
struct sip_stack;
struct sipdlg_lsnr;

/** @return true when the request was the handler's (it answered it) */
typedef bool(sipdlg_h)(const struct sip_msg *msg, void *arg);

/**
 * Listen for NOTIFYs on stk until *lp is dereferenced.
 *
 * @return 0, EINVAL, ENOMEM
 */
int sipdlg_listen(struct sipdlg_lsnr **lp, struct sip_stack *stk, sipdlg_h *h,
		  void *arg);

/** Offer msg to the listeners @return true when one took it */
bool sipdlg_offer(struct sip_stack *stk, const struct sip_msg *msg);

#endif
