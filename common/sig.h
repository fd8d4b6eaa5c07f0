/*
 * Signals: SIGINT and SIGTERM ask the program to stop after the record in
 * hand; once it has cleaned up and exits with KQ_EX_INTERRUPTED it dies by
 * that signal (the shell sees 130 or 143), and a second one ends it at
 * once the same way. SIGPIPE is ignored so a closed reader shows up as
 * EPIPE where the writer can end quietly.
 */
#ifndef KQ_SIG_H
#define KQ_SIG_H

#include <signal.h>

/* The only global state in kq: the signal that asked us to stop, or 0. */
extern volatile sig_atomic_t kq_stop;

/*
 * Install the handlers without SA_RESTART, so a blocking read returns EINTR
 * and the loop around it sees kq_stop; and the exit handler that turns
 * KQ_EX_INTERRUPTED into death by the signal.
 */
void kq_sig_install(void);

#endif
