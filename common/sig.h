/*
 * Signals: SIGINT and SIGTERM ask the program to stop after the record in
 * hand (a second one ends it at once, status 130); SIGPIPE is ignored so a
 * closed reader shows up as EPIPE where the writer can end quietly.
 */
#ifndef KQ_SIG_H
#define KQ_SIG_H

#include <signal.h>

/* The only global state in kq: the signal that asked us to stop, or 0. */
extern volatile sig_atomic_t kq_stop;

/*
 * Install the handlers without SA_RESTART, so a blocking read returns EINTR
 * and the loop around it sees kq_stop.
 */
void kq_sig_install(void);

#endif
