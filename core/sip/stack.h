/**
 * @file stack.h  One loop's SIP side, as the SIP modules and calls see it
 *
 * The loop (loop/loop.c) makes these objects and owns them; everything
 * below the loop is handed this view instead of the loop itself, so the
 * SIP and call modules never depend on the module that creates them.
 */
#ifndef SIP_STACK_H
#define SIP_STACK_H

#include <re.h>

struct app;
struct media_loop;

struct sip_stack {
	struct app *app;
	unsigned idx; /* the loop's index, 0 .. SIP_LOOPS-1 */
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sa addr; /* where this loop's SIP listens */
	/* user part of our Contact, "fs-<idx>": in-dialog requests that
	 * reach the first loop carry it back and find their loop */
	char cuser[16];
	struct media_loop *media;
	struct list dlg_lsnrs; /* sipdlg.c: calls waiting for NOTIFYs */
};

#endif
