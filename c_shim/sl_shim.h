/*
 * The contract between the Rust module (src/ffi) and the Kamailio host, in plain C types.
 *
 * sl_shim_* : implemented in the .c files of c_shim/ against the host's headers, called by
 *             Rust. Each wraps a host macro, inline function or struct field that Rust must not
 *             touch directly.
 * struct sl_entries: implemented in Rust (src/ffi), handed over by mod_register.
 *
 * This header includes no Kamailio header: struct sip_msg is opaque here. Pointers are borrowed
 * for the duration of the call unless said otherwise; no function allocates for its caller.
 */
#ifndef SL_SHIM_H
#define SL_SHIM_H

#include <stddef.h>

struct sip_msg;

/* Log levels for sl_shim_log (mapped to LM_ERR / LM_WARN / LM_INFO / LM_DBG). */
enum sl_shim_level { SL_SHIM_ERR = 0, SL_SHIM_WARN = 1, SL_SHIM_INFO = 2, SL_SHIM_DBG = 3 };

/* Which event_callback_* parameter. */
enum sl_shim_evcb { SL_SHIM_EVCB_FL_ACK = 0, SL_SHIM_EVCB_LRES_SENT = 1 };

/* Which local To-tag ($ltt keys x, s, t). */
enum sl_shim_totag { SL_SHIM_TOTAG_AUTO = 0, SL_SHIM_TOTAG_STATELESS = 1, SL_SHIM_TOTAG_TM = 2 };

/* What the host version has (sl_shim_host_features): the 6.0 place of received/rport on a
 * reply's first Via (Rust's ViaLayout), the 6.0 reply marks, 6.1's refusal of an empty
 * reason. */
enum sl_shim_feature {
	SL_SHIM_VIA_AFTER_RPORT_OR_BRANCH = 1,
	SL_SHIM_REPLY_MARKS = 2,
	SL_SHIM_EMPTY_REASON_REFUSED = 4
};

/* ---- implemented in C (the .c files of c_shim/; sl_shim.c says which holds what) ---- */
void sl_shim_log(enum sl_shim_level level, const char *text, size_t len);
/* Whether a line of that level would be printed (so Rust formats only lines that are). */
int sl_shim_log_enabled(enum sl_shim_level level);

/* sizeof(struct sip_msg) as this compiler lays it out (Rust checks its own against it). */
size_t sl_shim_sizeof_sip_msg(void);
size_t sl_shim_sizeof_fparam(void);
/* The msg_flags bits of Kamailio 6.0's marks, a final reply went out and tm delayed its
 * reply (0 on 5.6, which has neither): constants Rust reads once. */
void sl_shim_reply_mark_flags(unsigned long long *final_reply, unsigned long long *delayed);
unsigned int sl_shim_host_features(void);
/* The core's sip_parser_mode is strict (its default): a repeated From, To, Call-ID, CSeq or
 * Content-Length makes a SIP request one the core refuses. */
int sl_shim_parser_strict(void);
/* The message flag a script sets to ask for extra first-Via parameters (6.0's
 * FL_ADD_XAVP_VIA_REPLY_PARAMS; 0 on 5.6, which has none): Rust asks for them only then. */
unsigned long long sl_shim_via_params_flag(void);
/* The extra first-Via parameters the script asked for (6.0; call it only for a message that
 * carries sl_shim_via_params_flag), in the core's PV buffer, valid until the next use of that
 * buffer in this process; NULL when none. */
const char *sl_shim_via_extra(struct sip_msg *msg, size_t *len);
/* The core's global request flags (`force_rport` for every request sets FL_FORCE_RPORT there). */
unsigned long long sl_shim_global_req_flags(void);
int sl_shim_received_test(struct sip_msg *msg);
/* The core's parser reads the rest of the head; 0 when it refuses a line there. */
int sl_shim_read_rest(struct sip_msg *msg);
size_t sl_shim_src_ip(struct sip_msg *msg, char *buf, size_t cap);
/* The core's Warning header line (no CRLF) for a reply to msg, in a static buffer valid until the
 * next call; NULL when sip_warning is off. */
const char *sl_shim_warning(struct sip_msg *msg, size_t *len);
/* The core's sip_warning setting (read once, in mod_init). */
int sl_shim_sip_warning(void);
/* The core's Server header line (no CRLF), or NULL when server_signature is off (read once, in
 * mod_init: the setting and the line are fixed at start-up). */
const char *sl_shim_server_hdr(size_t *len);
/* Sends a reply to where the request's top Via says (or its source, per reply_to_via), over
 * the socket and connection the request came in on, as the native sl does, running the
 * SLCB_REPLY_READY callbacks before and the sl:local-response event after; skip_events: the
 * core's outgoing-data events are not run (not a SIP message). 0 ok, -1 error. */
int sl_shim_send_stateless(struct sip_msg *msg, const char *buf, size_t len, int code,
		const char *reason, size_t rlen, int skip_events);
/* An ACK was absorbed: SLCB_ACK_FILTERED callbacks, then event_route[sl:filtered-ack]. */
void sl_shim_ack_filtered(struct sip_msg *msg);
/* Queues the destination set as Contact headers (per rich_redirect) for a 3xx reply. */
void sl_shim_add_redirect_contacts(struct sip_msg *msg);
/* tm: bind when bind_tm is set and tm is loaded (1 bound, 0 not); is there a transaction;
 * reply through it (0 ok, -1 error); its To-tag (0 ok, -1 none). */
int sl_shim_tm_bind(void);
int sl_shim_tm_in_transaction(void);
int sl_shim_tm_reply(struct sip_msg *msg, int code, const char *reason, size_t len);
/* 1 when tm (bound, 6.0's t_reply_error) answered msg's internal error. */
int sl_shim_tm_reply_error(struct sip_msg *msg);
int sl_shim_tm_totag(struct sip_msg *msg, const char **s, size_t *len);
/* Forwards a received reply statelessly, with the 3-digit code (or NULL) and the reason
 * (rlen 0: keep) replaced for the send only. 0 ok, -1 error. */
int sl_shim_forward_reply(struct sip_msg *msg, const char *code, const char *reason,
		size_t rlen);

unsigned int sl_shim_ticks(void);
unsigned int sl_shim_s_to_ticks(unsigned int seconds);
int sl_shim_prev_ser_error(void);
void *sl_shim_shm_malloc(size_t size);
void sl_shim_shm_free(void *p);
int sl_shim_register_ack_filter(void);
void sl_shim_lookup_event_routes(void);
/* Per process, in child_init: what a sent reply has to run after it. */
void sl_shim_child_init(void);
void sl_shim_destroy_callbacks(void);
int sl_shim_kemi_register(void);
/* Registers statistic `name` (a string that lives forever) of group "sl", read through
 * the stat entry of struct sl_entries. 0 ok, -1 error. */
int sl_shim_register_stat(const char *name, int index);
/* Address and port text of the first listening socket; 0 ok, -1 when there is none. */
int sl_shim_first_socket(const char **addr, size_t *alen, const char **port, size_t *plen);

/* Script parameter handling (fparam_t's layout is read from Rust through bindgen). */
int sl_shim_fixup_int(void **param, int param_no);
int sl_shim_fixup_str(void **param, int param_no);
/* Evaluate a fixed-up variable parameter for a message (Rust reads literals in place):
 * 0 ok, <0 error. */
int sl_shim_get_int(struct sip_msg *msg, void *fp, int *out);
int sl_shim_get_str(struct sip_msg *msg, void *fp, const char **s, size_t *len);
/* The same for string-or-variable parameters (gparam_t, fixup_spve_all). */
int sl_shim_fixup_spve(void **param, int param_no);
int sl_shim_gparam_str_literal(void *gp, const char **s, size_t *len);
int sl_shim_get_spve(struct sip_msg *msg, void *gp, const char **s, size_t *len);

/* Module parameters (the host writes them while reading the config). */
int sl_shim_param_default_code(void);
const char *sl_shim_param_default_reason(size_t *len);
int sl_shim_param_bind_tm(void);
int sl_shim_param_rich_redirect(void);
const char *sl_shim_param_event_callback(enum sl_shim_evcb which, size_t *len);
int sl_shim_param_absorb_dialog_acks(void);
int sl_shim_param_dialog_ack_entries(void);

/* ---- implemented in Rust (src/ffi), handed to the shim by mod_register ----
 * Rust fills this table (src/ffi/entries.rs) with bindgen's Rust type of it, so a signature
 * changed on either side fails the build; and the module exports no symbol but the roots
 * Kamailio looks up (exports, module_version, module_flags, mod_register). Names follow the
 * Kamailio functions they implement. */
struct sl_entries {
	/* The script functions (their cmd_export_t rows, sl_shim.c) and their fixups: 1 done,
	 * -1 error, -2 marked no-reply or final-replied, -3 delayed. */
	int (*sl_send_reply)(struct sip_msg *msg, char *code, char *reason);
	int (*send_reply)(struct sip_msg *msg, char *code, char *reason);
	int (*send_reply_mode)(struct sip_msg *msg, char *code, char *reason, char *mode);
	int (*sl_reply_error)(struct sip_msg *msg, char *unused1, char *unused2);
	int (*send_reply_error)(struct sip_msg *msg, char *unused1, char *unused2);
	int (*sl_forward_reply0)(struct sip_msg *msg, char *unused1, char *unused2);
	int (*sl_forward_reply1)(struct sip_msg *msg, char *code, char *unused);
	int (*sl_forward_reply2)(struct sip_msg *msg, char *code, char *reason);
	int (*fixup_sl_send_reply)(void **param, int param_no);
	int (*fixup_sl_reply)(void **param, int param_no);
	int (*fixup_send_reply)(void **param, int param_no);
	int (*fixup_send_reply_mode)(void **param, int param_no);
	int (*fixup_sl_forward_reply)(void **param, int param_no);
	/* The pre-script filter, for an ACK (send.c tests the method): 0 absorbed, 1 pass on. */
	int (*filter_ack)(struct sip_msg *msg);
	/* The API and KEMI: reason (and tag) are borrowed, not NUL-terminated. zreply, sreply,
	 * dreply: a stateless reply, `tag` (NULL: ours) as To-tag. */
	int (*api_reply)(struct sip_msg *msg, int code, const char *reason, size_t rlen,
			const char *tag, size_t tlen);
	/* freply and KEMI send_reply/send_reply_mode. */
	int (*api_send_reply)(struct sip_msg *msg, int code, const char *reason, size_t rlen,
			int mode);
	/* KEMI sl_forward_reply; empty code or reason keeps the received one. */
	int (*api_forward_reply)(struct sip_msg *msg, const char *code, size_t clen,
			const char *reason, size_t rlen);
	/* The local To-tag of kind `key`: 0 and the tag, valid until the next call in this
	 * process, or -1 when there is none. */
	int (*reply_totag)(struct sip_msg *msg, enum sl_shim_totag key, const char **s,
			size_t *len);
	/* $ltt's key: x, s or t to enum sl_shim_totag; -1 (logged) otherwise. */
	int (*ltt_key)(const char *s, size_t len);
	/* Statistic `index` of the list registered in mod_init. */
	long (*stat)(int index);
	/* Field `index` of sl.stats: 0 with name and value, -1 past the last. */
	int (*rpc_field)(int index, const char **name, unsigned long *value);
};

/* The host's tables the exports root points at (their types are the host's). */
struct sl_shim_tables {
	void *cmds;
	void *params;
	void *rpc;
	void *pvs;
};

/* Called once, by mod_register (before the host reads the exports root): keeps `rs`, which
 * lives for the process's life, fills the command table from it, and gives the tables. */
void sl_shim_register(const struct sl_entries *rs, struct sl_shim_tables *tables);

/* The tables and strings the exports root points at (src/ffi/exports.rs). */
extern const char sl_shim_module_version[];
extern const char sl_shim_module_flags[];

#endif
