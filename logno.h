/*
 * AZPLOGNO(n): the number at the start of every line the module logs, as
 * httpd's APLOGNO gives its "AH" numbers.  Administrators search for the
 * number (in the log, in docs/troubleshooting.md's table of messages,
 * on the web): a message keeps its number when its words change, and a
 * number is never renumbered or given to another message, even after
 * its message is gone.  A new log call takes the next free number;
 * t/message_ids.t checks that every call has one, that none is used
 * twice, and that the table lists exactly those in the code.
 */
#ifndef AUTHZ_POLICY_LOGNO_H
#define AUTHZ_POLICY_LOGNO_H

#define AZPLOGNO(n) "AZP" #n ": "

#endif
