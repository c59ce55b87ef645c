/**
 * @file sipdlg.c  NOTIFYs of dialogs, for the calls that wait for them
 *
 * Listeners exist only while a call waits (a REFER in progress), so the
 * walk per NOTIFY stays short; other methods are not looked at.
 */
#include <errno.h>
#include <re.h>
#include "sip/sipdlg.h"
#include "sip/stack.h"

struct sipdlg_lsnr {
	struct le le;
	sipdlg_h *h;
	void *arg;
};

static void sipdlg_lsnr_destructor(void *arg)
{
	struct sipdlg_lsnr *l = arg;

	list_unlink(&l->le);
}

int sipdlg_listen(struct sipdlg_lsnr **lp, struct sip_stack *stk, sipdlg_h *h,
		  void *arg)
{
	struct sipdlg_lsnr *l;

	if (!lp || !stk || !h)
		return EINVAL;
	l = mem_zalloc(sizeof(*l), sipdlg_lsnr_destructor);
	if (!l)
		return ENOMEM;
	l->h = h;
	l->arg = arg;
	list_append(&stk->dlg_lsnrs, &l->le, l);
	*lp = l;
	return 0;
}

bool sipdlg_offer(struct sip_stack *stk, const struct sip_msg *msg)
{
	struct le *le;

	if (!stk || !msg || pl_strcmp(&msg->met, "NOTIFY") ||
	    !pl_isset(&msg->to.tag))
		return false;
	/* a handler may remove its own listener, not another one */
	for (le = stk->dlg_lsnrs.head; le;) {
		struct sipdlg_lsnr *l = le->data;

		le = le->next;
		if (l->h(msg, l->arg))
			return true;
	}
	return false;
}
