/*
 * The thin C side of sl-rs, compiled against the installed Kamailio's headers with its own
 * compile defines (see build.rs). Two parts:
 *   (a) tables and strings the host reads: cmds, params, version and flags;
 *   (b) one small wrapper per host macro, inline function or struct field Rust needs.
 * No logic lives here: every decision is made in Rust (the ACK filter's method compare, which
 * every request pays, is the one test made here).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/error.h"
#include "core/globals.h"
#include "core/forward.h"
#include "core/ip_addr.h"
#include "core/mem/shm_mem.h"
#include "core/mod_fix.h"
#include "core/msg_translator.h"
#include "core/receive.h"
#include "core/script_cb.h"
#include "core/socket_info.h"
#include "core/timer.h"
#include "core/timer_ticks.h"
#include "core/data_lump_rpl.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_cseq.h"
#include "core/pt.h"
#include "core/ver_defs.h"
#include "core/action.h"
#include "core/counters.h"
#include "core/data_lump.h"
#include "core/dset.h"
#include "core/events.h"
#include "core/kemi.h"
#include "core/onsend.h"
#include "core/route.h"
#include "core/rpc.h"
#include "core/pvar.h"
#include "core/pvapi.h"
#include "core/xavp.h"
#include "core/mem/mem.h"

/* The host's own API structs, so other modules see the layout they were built with. */
#include "modules/sl/sl.h"
#include "modules/tm/tm_load.h"

#include "sl_shim.h"

/* ---- What differs between the hosts this builds for, named once (VERSIONVAL: 5006003 for
 * Debian bookworm's 5.6.3, 6000001 for trixie's 6.0.1) ----
 * Kamailio 6.0:
 *  - marks a request once a final reply went out (FL_FINAL_REPLY; tm reads it) or tm delayed
 *    its reply (FL_DELAYED_REPLY); the internal-error replies refuse such a request;
 *  - has send_reply_error() (script and KEMI): the internal-error reply through tm's
 *    t_reply_error when tm answers it, else stateless;
 *  - puts received/rport after the rport they replace or after the branch of the first Via,
 *    with the parameters the script asked for (corex via_reply_add_xavp_params());
 *  - prints sl.stats as unsigned longs ("j"); 5.6 prints ints ("d"), which we saturate;
 *  - gives the functions free-fixups, so their parameters may be expressions evaluated per
 *    call (`sl_send_reply(400 + $var(n), "x" + $var(r))`); 5.6 refuses those at start-up. */
#if VERSIONVAL >= 6000000
/* Weak, the only host symbols 5.6 lacks: a module built for 6.0 still opens in 5.6 (which
 * resolves every symbol at dlopen), so that the core's version check refuses it with its own
 * "module version mismatch" line instead of "undefined symbol". tests/versions.rs checks it. */
#pragma weak _ksr_xavp_via_reply_params
#pragma weak xavp_serialize_fields_style
#define SL_HOST_REPLY_MARKS 1
#define SL_HOST_SEND_REPLY_ERROR 1
#define SL_HOST_VIA_XAVP_PARAMS 1
#define SL_HOST_FEATURES (SL_SHIM_VIA_AFTER_RPORT_OR_BRANCH | SL_SHIM_REPLY_MARKS)
#define SL_HOST_RPC_ULONG 1
static int free_fixup_reply_mode(void **param, int param_no)
{
	/* the mode is fixed up as an int, like the code */
	return fixup_free_fparam_all(param, param_no == 3 ? 1 : param_no);
}
#define SL_FREE_FPARAM fixup_free_fparam_all
#define SL_FREE_REPLY_MODE free_fixup_reply_mode
#define SL_FREE_SPVE fixup_free_spve_all
#else
#define SL_FREE_FPARAM 0
#define SL_FREE_REPLY_MODE 0
#define SL_FREE_SPVE 0
#define SL_HOST_FEATURES 0
#endif

/* ---- (a) what the host reads; the dlsym roots pointing here live in src/ffi/exports.rs ---- */

const char sl_shim_module_version[] = SER_FULL_VERSION;
const char sl_shim_module_flags[] = SER_COMPILE_FLAGS;

static int default_code = 500;
static str default_reason = STR_STATIC_INIT("Internal Server Error");
static int bind_tm = 1;
static int rich_redirect = 0;
static str event_callback_fl_ack = STR_NULL;
static str event_callback_lres_sent = STR_NULL;

static int bind_sl(sl_api_t *api);

cmd_export_t sl_shim_cmds[] = {
	{"sl_send_reply", (cmd_function)sl_rs_w_sl_send_reply, 2, sl_rs_fixup_sl_send_reply,
		SL_FREE_FPARAM, REQUEST_ROUTE},
	{"sl_reply", (cmd_function)sl_rs_w_sl_send_reply, 2, sl_rs_fixup_sl_reply, SL_FREE_FPARAM,
		REQUEST_ROUTE},
	{"send_reply", (cmd_function)sl_rs_w_send_reply, 2, sl_rs_fixup_send_reply, SL_FREE_FPARAM,
		REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
	{"send_reply_mode", (cmd_function)sl_rs_w_send_reply_mode, 3, sl_rs_fixup_send_reply_mode,
		SL_FREE_REPLY_MODE, REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
	{"sl_reply_error", (cmd_function)sl_rs_w_sl_reply_error, 0, 0, 0, REQUEST_ROUTE},
#ifdef SL_HOST_SEND_REPLY_ERROR
	{"send_reply_error", (cmd_function)sl_rs_w_send_reply_error, 0, 0, 0,
		REQUEST_ROUTE | ONREPLY_ROUTE | FAILURE_ROUTE},
#endif
	{"sl_forward_reply", (cmd_function)sl_rs_w_sl_forward_reply0, 0, 0, 0, ONREPLY_ROUTE},
	{"sl_forward_reply", (cmd_function)sl_rs_w_sl_forward_reply1, 1,
		sl_rs_fixup_sl_forward_reply, SL_FREE_SPVE, ONREPLY_ROUTE},
	{"sl_forward_reply", (cmd_function)sl_rs_w_sl_forward_reply2, 2,
		sl_rs_fixup_sl_forward_reply, SL_FREE_SPVE, ONREPLY_ROUTE},
	{"bind_sl", (cmd_function)bind_sl, 0, 0, 0, 0},
	{0, 0, 0, 0, 0, 0}
};

param_export_t sl_shim_params[] = {
	{"default_code", PARAM_INT, &default_code},
	{"default_reason", PARAM_STR, &default_reason},
	{"bind_tm", PARAM_INT, &bind_tm},
	{"rich_redirect", PARAM_INT, &rich_redirect},
	{"event_callback_fl_ack", PARAM_STR, &event_callback_fl_ack},
	{"event_callback_lres_sent", PARAM_STR, &event_callback_lres_sent},
	{0, 0, 0}
};

int sl_shim_param_bind_tm(void) { return bind_tm; }

int sl_shim_param_rich_redirect(void) { return rich_redirect; }

const char *sl_shim_param_event_callback(int which, size_t *len)
{
	str *p = which == SL_SHIM_EVCB_FL_ACK ? &event_callback_fl_ack : &event_callback_lres_sent;
	*len = p->len > 0 ? (size_t)p->len : 0;
	return p->s;
}

int sl_shim_param_default_code(void) { return default_code; }

const char *sl_shim_param_default_reason(size_t *len)
{
	*len = default_reason.len > 0 ? (size_t)default_reason.len : 0;
	return default_reason.s;
}

/* ---- (b) wrappers ---- */

void sl_shim_log(int level, const char *text, size_t len)
{
	int n = len > 4096 ? 4096 : (int)len;
	switch (level) {
		case SL_SHIM_ERR: LM_ERR("%.*s\n", n, text); break;
		case SL_SHIM_WARN: LM_WARN("%.*s\n", n, text); break;
		case SL_SHIM_INFO: LM_INFO("%.*s\n", n, text); break;
		default: LM_DBG("%.*s\n", n, text); break;
	}
}

int sl_shim_log_enabled(int level)
{
	switch (level) {
		case SL_SHIM_ERR: return is_printable(L_ERR);
		case SL_SHIM_WARN: return is_printable(L_WARN);
		case SL_SHIM_INFO: return is_printable(L_INFO);
		default: return is_printable(L_DBG);
	}
}

size_t sl_shim_sizeof_sip_msg(void) { return sizeof(struct sip_msg); }
size_t sl_shim_sizeof_fparam(void) { return sizeof(fparam_t); }

int sl_shim_msg_reply_marks(struct sip_msg *msg)
{
#ifdef SL_HOST_REPLY_MARKS
	return ((msg->msg_flags & FL_FINAL_REPLY) ? SL_SHIM_MARK_FINAL : 0)
		| ((msg->msg_flags & FL_DELAYED_REPLY) ? SL_SHIM_MARK_DELAYED : 0);
#else
	(void)msg;
	return 0;
#endif
}

void sl_shim_msg_mark_final_reply(struct sip_msg *msg)
{
#ifdef SL_HOST_REPLY_MARKS
	msg->msg_flags |= FL_FINAL_REPLY;
#else
	(void)msg;
#endif
}

int sl_shim_host_features(void) { return SL_HOST_FEATURES; }

int sl_shim_parser_strict(void)
{
	return (ksr_sip_parser_mode & KSR_SIP_PARSER_MODE_STRICT) != 0;
}

const char *sl_shim_via_extra(struct sip_msg *msg, size_t *len)
{
#ifdef SL_HOST_VIA_XAVP_PARAMS
	str x = STR_NULL;

	if ((msg->msg_flags & FL_ADD_XAVP_VIA_REPLY_PARAMS) && _ksr_xavp_via_reply_params.len > 0) {
		x.s = pv_get_buffer();
		x.len = xavp_serialize_fields_style(
				&_ksr_xavp_via_reply_params, 1, x.s, pv_get_buffer_size());
	}
	if (x.len > 0) {
		*len = (size_t)x.len;
		return x.s;
	}
#else
	(void)msg;
#endif
	*len = 0;
	return NULL;
}

int sl_shim_msg_force_rport(struct sip_msg *msg)
{
	return ((msg->msg_flags | global_req_flags) & FL_FORCE_RPORT) != 0;
}

int sl_shim_received_test(struct sip_msg *msg)
{
	/* the core parses the first Via of every request it accepts; be safe anyway */
	return msg->via1 ? received_test(msg) : 0;
}

int sl_shim_read_rest(struct sip_msg *msg)
{
	/* what native's reply builder asks first: the core's parser reads to the head's end */
	return parse_headers(msg, HDR_EOH_F, 0) != -1;
}

size_t sl_shim_src_ip(struct sip_msg *msg, char *buf, size_t cap)
{
	int n = ip_addr2sbuf(&msg->rcv.src_ip, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

const void *sl_shim_reply_lump_next(struct sip_msg *msg, const void *cursor,
		const char **text, size_t *len, int *kind)
{
	const struct lump_rpl *l = cursor ? ((const struct lump_rpl *)cursor)->next
		: msg->reply_lump;
	if (!l)
		return NULL;
	*text = l->text.s;
	*len = l->text.len > 0 ? (size_t)l->text.len : 0;
	*kind = (l->flags & LUMP_RPL_HDR) ? SL_SHIM_LUMP_HDR
		: (l->flags & LUMP_RPL_BODY) ? SL_SHIM_LUMP_BODY : SL_SHIM_LUMP_OTHER;
	return l;
}

/* The core's Warning header for a reply to msg, as its (static) warning_builder prints it, in a
 * static buffer like the core's, valid until the next call; NULL when sip_warning is off or the
 * line does not fit (the core then skips it too). */
const char *sl_shim_warning(struct sip_msg *msg, size_t *len)
{
	static char buf[MAX_WARNING_LEN + 1];
	size_t cap = sizeof(buf);
	str *out_uri;
	char *ip;
	int n;

	if (!sip_warning || !msg->rcv.bind_address)
		return NULL;
	out_uri = msg->new_uri.s ? &msg->new_uri : &msg->first_line.u.request.uri;
	ip = ip_addr2a(&msg->rcv.src_ip);
	n = snprintf(buf, cap,
			"%s%s%s pid=%d req_src_ip=%s req_src_port=%d in_uri=%.*s out_uri=%.*s via_cnt%c=%d\"",
			WARNING, su2a(&msg->rcv.bind_address->su, sizeof(msg->rcv.bind_address->su)),
			WARNING_PHRASE, my_pid(), ip, (int)msg->rcv.src_port,
			msg->first_line.u.request.uri.len, msg->first_line.u.request.uri.s,
			out_uri->len, out_uri->s,
			(msg->parsed_flag & HDR_EOH_F) == HDR_EOH_F ? '=' : '>', via_cnt);
	if (n <= 0 || (size_t)n >= cap || n > MAX_WARNING_LEN)
		return NULL;
	*len = (size_t)n;
	return buf;
}

int sl_shim_sip_warning(void) { return sip_warning; }

const char *sl_shim_server_hdr(size_t *len)
{
	if (!server_signature || server_hdr.len <= 0)
		return NULL;
	*len = (size_t)server_hdr.len;
	return server_hdr.s;
}

/* ---- SLCB_* callbacks registered by other modules through bind_sl: a per-process list in pkg
 * memory, as native keeps it (modules register in mod_init, before the fork) ---- */
static sl_cbelem_t *sl_callbacks;
static unsigned int sl_callback_types;
static str empty_reason = STR_NULL;

static int register_callback(sl_cbelem_t *cbe)
{
	sl_cbelem_t *p;

	if (cbe == NULL || cbe->cbf == NULL) {
		LM_ERR("sl-rs: register_cb: invalid callback\n");
		return -1;
	}
	p = (sl_cbelem_t *)pkg_malloc(sizeof(*p));
	if (p == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(p, cbe, sizeof(*p));
	p->next = sl_callbacks;
	sl_callbacks = p;
	sl_callback_types |= cbe->type;
	return 0;
}

static void run_callbacks(unsigned int type, struct sip_msg *req, int code, str *reason,
		str *reply, struct dest_info *dst)
{
	sl_cbp_t param;
	sl_cbelem_t *p;

	if (!(sl_callback_types & type))
		return;
	memset(&param, 0, sizeof(param));
	param.type = type;
	param.req = req;
	param.code = code;
	param.reason = reason ? reason : &empty_reason;
	param.reply = reply;
	param.dst = dst;
	for (p = sl_callbacks; p; p = p->next) {
		if (p->type & type) {
			param.cbp = p->cbp;
			p->cbf(&param);
		}
	}
}

void sl_shim_destroy_callbacks(void)
{
	sl_cbelem_t *p;

	while ((p = sl_callbacks) != NULL) {
		sl_callbacks = p->next;
		pkg_free(p);
	}
	sl_callback_types = 0;
}

/* ---- event routes and their KEMI callbacks ---- */
static int evrt_local_response = -1;
static int evrt_filtered_ack = -1;

static int lookup_event_route(char *name)
{
	int rt = route_lookup(&event_rt, name);
	return (rt >= 0 && event_rt.rlist[rt] != NULL) ? rt : -1;
}

void sl_shim_lookup_event_routes(void)
{
	evrt_filtered_ack = lookup_event_route("sl:filtered-ack");
	evrt_local_response = lookup_event_route("sl:local-response");
}

/* What a sent reply has to run after it besides the sl:local-response route: that route's KEMI
 * callback, and modules listening for SREV_SIP_REPLY_OUT. Both are set before the workers start
 * (the KEMI engine at config load, event listeners in mod_init), so each process reads them
 * once, in child_init, instead of on every reply (-1: not read yet). */
static int lres_kemi = -1, lres_srev = -1;

static void lres_read(void)
{
	lres_kemi = sr_kemi_eng_get() != NULL && event_callback_lres_sent.len > 0;
	lres_srev = sr_event_enabled(SREV_SIP_REPLY_OUT) != 0;
}

void sl_shim_child_init(void) { lres_read(); }

/* Whether a sent reply has anything to run after it (tested inline, before the call). */
static inline int lres_wanted(void)
{
	if (lres_kemi < 0)
		lres_read();
	return evrt_local_response >= 0 || lres_kemi || lres_srev;
}

/* The KEMI callback named by an event_callback_* parameter; none when it is not set. */
static void run_kemi_event(struct sip_msg *msg, str *callback, char *event)
{
	sr_kemi_eng_t *keng;
	run_act_ctx_t ctx;
	run_act_ctx_t *bctx;
	str evname;

	/* the callback first: no call into the core when none is set */
	if (callback->len <= 0 || (keng = sr_kemi_eng_get()) == NULL)
		return;
	evname.s = event;
	evname.len = strlen(event);
	init_run_actions_ctx(&ctx);
	bctx = sr_kemi_act_ctx_get();
	sr_kemi_act_ctx_set(&ctx);
	(void)sr_kemi_route(keng, msg, EVENT_ROUTE, callback, &evname);
	sr_kemi_act_ctx_set(bctx);
}

/* After a local reply went out: the SREV_SIP_REPLY_OUT core event (siptrace, sipdump...) and
 * event_route[sl:local-response] (or its KEMI callback), over the parsed reply with $snd set. */
/* An HTTP reply (xhttp) has no CSeq: as native does, give the parsed reply one made of the
 * request's method ("0 GET"), so $rm works in sl:local-response. Returns the text to free after
 * the route (the header and its parsed body go with the message), NULL when none was added. */
static char *fake_http_cseq(struct sip_msg *req, struct sip_msg *pmsg)
{
	str *m = &req->first_line.u.request.method;
	int size = m->len + 5, len;
	struct hdr_field *hf = pkg_malloc(sizeof(*hf));
	struct cseq_body *cb = pkg_malloc(sizeof(*cb));
	char *text = pkg_malloc(size);

	if (!hf || !cb || !text) {
		PKG_MEM_ERROR;
		goto error;
	}
	memset(hf, 0, sizeof(*hf));
	memset(cb, 0, sizeof(*cb));
	len = snprintf(text, size, "0 %.*s\r\n", m->len, m->s);
	if (len < 0 || len >= size)
		goto error;
	hf->type = HDR_CSEQ_T;
	hf->body.s = text;
	hf->body.len = parse_cseq(text, text + len, cb) - text;
	hf->parsed = cb;
	pmsg->parsed_flag |= HDR_CSEQ_F;
	pmsg->cseq = hf;
	if (pmsg->last_header == NULL)
		pmsg->headers = hf;
	else
		pmsg->last_header->next = hf;
	pmsg->last_header = hf;
	return text;
error:
	if (hf)
		pkg_free(hf);
	if (cb)
		pkg_free(cb);
	if (text)
		pkg_free(text);
	return NULL;
}

static void local_response_sent(struct sip_msg *req, str *buf, int code, struct dest_info *dst)
{
	char *fake_cseq = NULL;
	struct sip_msg pmsg;
	struct onsend_info onsnd;
	struct run_act_ctx ctx;
	sr_event_param_t evp;
	int backup_rt, kemi, srev;

	kemi = lres_kemi;
	srev = lres_srev && IS_SIP(req);
	if (evrt_local_response < 0 && !kemi && !srev)
		return;
	if (build_sip_msg_from_buf(&pmsg, buf->s, buf->len, inc_msg_no()) != 0) {
		LM_ERR("sl-rs: cannot parse the local reply for sl:local-response\n");
		return;
	}
	if (!IS_SIP(req))
		fake_cseq = fake_http_cseq(req, &pmsg);
	if (srev) {
		memset(&evp, 0, sizeof(evp));
		evp.obuf = *buf;
		evp.rcv = &req->rcv;
		evp.dst = dst;
		evp.req = req;
		evp.rpl = &pmsg;
		evp.rplcode = code;
		evp.mode = 1;
		sr_event_exec(SREV_SIP_REPLY_OUT, &evp);
	}
	if (evrt_local_response >= 0 || kemi) {
		onsnd.to = &dst->to;
		onsnd.send_sock = dst->send_sock;
		onsnd.buf = buf->s;
		onsnd.len = buf->len;
		p_onsend = &onsnd;
		backup_rt = get_route_type();
		set_route_type(LOCAL_ROUTE);
		init_run_actions_ctx(&ctx);
		if (evrt_local_response >= 0)
			run_top_route(event_rt.rlist[evrt_local_response], &pmsg, &ctx);
		else
			run_kemi_event(req, &event_callback_lres_sent, "sl:local-response");
		set_route_type(backup_rt);
		p_onsend = NULL;
	}
	free_sip_msg(&pmsg);
	if (fake_cseq)
		pkg_free(fake_cseq);
}

int sl_shim_send_reply(struct sip_msg *msg, const char *buf, size_t len, int code,
		const char *reason, size_t rlen, int skip_events)
{
	struct dest_info dst;
	int backup_mhomed, ret;
	str reply = {(char *)buf, (int)len};
	str text = {(char *)reason, (int)rlen};

	if (!msg->via1)
		return -1;
	init_dest_info(&dst);
	if (reply_to_via) {
		if (update_sock_struct_from_via(&dst.to, msg, msg->via1) == -1) {
			LM_ERR("cannot look up the reply destination %.*s\n",
					msg->via1->host.len, msg->via1->host.s);
			return -1;
		}
	} else {
		update_sock_struct_from_ip(&dst.to, msg);
	}
	run_callbacks(SLCB_REPLY_READY, msg, code, &text, &reply, &dst);
	/* replies leave from where the request came in (no mhomed): good for NATs */
	backup_mhomed = mhomed;
	mhomed = 0;
	dst.proto = msg->rcv.proto;
	dst.send_sock = msg->rcv.bind_address;
	dst.id = msg->rcv.proto_reserved1;
#ifdef USE_COMP
	dst.comp = msg->via1->comp_no;
#endif
	dst.send_flags = msg->rpl_send_flags;
	ret = msg_send_buffer(&dst, reply.s, reply.len, skip_events ? 1 : 0);
	mhomed = backup_mhomed;
	if (lres_wanted())
		local_response_sent(msg, &reply, code, &dst);
	return ret < 0 ? -1 : 0;
}

void sl_shim_ack_filtered(struct sip_msg *msg)
{
	/* here rather than from Rust: LM_DBG's level test inline, as native's filter pays it */
	LM_DBG("sl-rs: ACK to a local stateless reply absorbed\n");
	run_callbacks(SLCB_ACK_FILTERED, msg, 0, NULL, NULL, NULL);
	if (evrt_filtered_ack >= 0)
		run_top_route(event_rt.rlist[evrt_filtered_ack], msg, 0);
	else
		run_kemi_event(msg, &event_callback_fl_ack, "sl:filtered-ack");
}

void sl_shim_add_redirect_contacts(struct sip_msg *msg)
{
	int len = 0;
	char *dset = print_dset(msg, &len, rich_redirect);

	if (dset && add_lump_rpl(msg, dset, len, LUMP_RPL_HDR) == NULL)
		LM_ERR("sl-rs: cannot add the redirect Contacts to the reply\n");
}

void sl_shim_set_reply_flags(struct sip_msg *msg, int no_connect, int close)
{
	if (no_connect)
		msg->rpl_send_flags.f |= SND_F_FORCE_CON_REUSE;
	if (close)
		msg->rpl_send_flags.f |= SND_F_CON_CLOSE;
}

/* ---- tm, when loaded and bind_tm is set ---- */
static struct tm_binds tmb;

int sl_shim_tm_bind(void)
{
	if (!bind_tm)
		return 0;
	if (tmb.t_gett != NULL)
		return 1;
	if (find_module_by_name("tm") == NULL) /* no tm: no warning either */
		return 0;
	if (load_tm_api(&tmb) == -1) {
		memset(&tmb, 0, sizeof(tmb));
		return 0;
	}
	return 1;
}

int sl_shim_tm_in_transaction(void)
{
	struct cell *t;

	if (!bind_tm || tmb.t_gett == NULL)
		return 0;
	t = tmb.t_gett();
	return t != NULL && t != T_UNDEFINED;
}

int sl_shim_tm_reply(struct sip_msg *msg, int code, const char *reason, size_t len)
{
	char *r;
	int ret;

	r = (char *)pkg_malloc(len + 1); /* t_reply takes a NUL-terminated reason */
	if (r == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(r, reason, len);
	r[len] = '\0';
	ret = tmb.t_reply(msg, code, r);
	pkg_free(r);
	return ret < 0 ? -1 : 0;
}

int sl_shim_tm_reply_error(struct sip_msg *msg)
{
#ifdef SL_HOST_SEND_REPLY_ERROR
	/* as 6.0's own send_reply_error: tm first (it looks the transaction up itself) */
	return bind_tm && tmb.t_reply_error != NULL && tmb.t_reply_error(msg) > 0;
#else
	(void)msg;
	return 0;
#endif
}

int sl_shim_tm_totag(struct sip_msg *msg, const char **s, size_t *len)
{
	str tag = STR_NULL;

	if (tmb.t_get_reply_totag == NULL || tmb.t_get_reply_totag(msg, &tag) < 0 || !tag.s)
		return -1;
	*s = tag.s;
	*len = tag.len > 0 ? (size_t)tag.len : 0;
	return 0;
}

/* ---- sl_forward_reply ---- */
const char *sl_shim_reply_status(struct sip_msg *msg)
{
	if (msg->first_line.type != SIP_REPLY || msg->first_line.u.reply.status.len != 3)
		return NULL;
	return msg->first_line.u.reply.status.s;
}

int sl_shim_forward_reply(struct sip_msg *msg, const char *code, const char *reason,
		size_t rlen)
{
	char old[3];
	unsigned int oldcode = msg->first_line.u.reply.statuscode;
	char *status = msg->first_line.u.reply.status.s;
	struct lump *ldel = NULL;
	char *rbuf;
	int ret = -1;

	memcpy(old, status, 3);
	if (code) {
		/* the new code goes into the buffer in place, and back after forwarding */
		memcpy(status, code, 3);
		msg->first_line.u.reply.statuscode =
				(code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	}
	if (rlen > 0) {
		ldel = del_lump(msg, msg->first_line.u.reply.reason.s - msg->buf,
				msg->first_line.u.reply.reason.len, 0);
		if (ldel == NULL) {
			LM_ERR("sl-rs: sl_forward_reply: cannot replace the reason\n");
			goto restore;
		}
		rbuf = (char *)pkg_malloc(rlen);
		if (rbuf == NULL) {
			PKG_MEM_ERROR;
			goto restore;
		}
		memcpy(rbuf, reason, rlen);
		if (insert_new_lump_after(ldel, rbuf, (int)rlen, 0) == NULL) {
			LM_ERR("sl-rs: sl_forward_reply: cannot replace the reason\n");
			pkg_free(rbuf);
			goto restore;
		}
	}
	ret = forward_reply_nocb(msg) < 0 ? -1 : 0;
restore:
	if (ldel)
		remove_lump(msg, ldel); /* frees the inserted lump with it */
	memcpy(status, old, 3);
	msg->first_line.u.reply.statuscode = oldcode;
	return ret;
}

unsigned int sl_shim_ticks(void) { return get_ticks_raw(); }

unsigned int sl_shim_s_to_ticks(unsigned int seconds) { return S_TO_TICKS(seconds); }

int sl_shim_prev_ser_error(void) { return prev_ser_error; }

void *sl_shim_shm_malloc(size_t size) { return shm_malloc(size); }

void sl_shim_shm_free(void *p) { shm_free(p); }

/* Runs before the script for every request: all but ACKs leave at this compare, the one cost
 * every request pays (the core parsed the method before any callback runs). */
static int filter_ack(struct sip_msg *msg, unsigned int flags, void *param)
{
	if (msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_ACK)
		return 1;
	return sl_rs_filter_ack(msg, flags, param);
}

int sl_shim_register_ack_filter(void)
{
	return register_script_cb(filter_ack, PRE_SCRIPT_CB | REQUEST_CB, 0);
}

int sl_shim_first_socket(const char **addr, size_t *alen, const char **port, size_t *plen)
{
	struct socket_info *si = get_first_socket();
	if (!si)
		return -1;
	*addr = si->address_str.s;
	*alen = si->address_str.len > 0 ? (size_t)si->address_str.len : 0;
	*port = si->port_no_str.s;
	*plen = si->port_no_str.len > 0 ? (size_t)si->port_no_str.len : 0;
	return 0;
}

int sl_shim_fixup_int(void **param, int param_no) { return fixup_var_int_12(param, param_no); }

int sl_shim_fixup_str(void **param, int param_no) { return fixup_var_pve_str_12(param, param_no); }

/* Variables only: Rust reads literals in place (src/ffi/param.rs). */
int sl_shim_get_int(struct sip_msg *msg, void *fp, int *out)
{
	return get_int_fparam(out, msg, (fparam_t *)fp);
}

int sl_shim_get_str(struct sip_msg *msg, void *fp, const char **s, size_t *len)
{
	str v = STR_NULL;
	if (get_str_fparam(&v, msg, (fparam_t *)fp) < 0 || (v.s == NULL && v.len > 0))
		return -1;
	*s = v.s;
	*len = v.len > 0 ? (size_t)v.len : 0;
	return 0;
}

int sl_shim_fixup_spve(void **param, int param_no) { return fixup_spve_all(param, param_no); }

int sl_shim_gparam_str_literal(void *gp, const char **s, size_t *len)
{
	gparam_t *p = (gparam_t *)gp;
	if (!p || p->type != GPARAM_TYPE_STR)
		return 0;
	*s = p->v.str.s;
	*len = p->v.str.len > 0 ? (size_t)p->v.str.len : 0;
	return 1;
}

int sl_shim_get_spve(struct sip_msg *msg, void *gp, const char **s, size_t *len)
{
	str v = STR_NULL;
	if (fixup_get_svalue(msg, (gparam_t *)gp, &v) < 0 || (v.s == NULL && v.len > 0))
		return -1;
	*s = v.s;
	*len = v.len > 0 ? (size_t)v.len : 0;
	return 0;
}

/* ---- statistics: counters of the group "sl", read from the shared block in Rust ---- */
static counter_val_t stat_value(counter_handle_t h, void *param)
{
	(void)h;
	return (counter_val_t)sl_rs_stat((int)(long)param);
}

int sl_shim_register_stat(const char *name, int index)
{
	counter_handle_t h;
	return counter_register(&h, "sl", name, 0, stat_value, (void *)(long)index,
				   "sl-rs reply statistic", 0) < 0 ? -1 : 0;
}

static const char *rpc_stats_doc[2] = {"Print reply statistics.", 0};

static void rpc_stats(rpc_t *rpc, void *c)
{
	void *st;
	const char *name;
	unsigned long value;
	int i;

	if (rpc->add(c, "{", &st) < 0)
		return;
	for (i = 0; sl_rs_rpc_field(i, &name, &value) == 0; i++) {
#ifdef SL_HOST_RPC_ULONG
		rpc->struct_add(st, "j", name, value);
#else
		rpc->struct_add(st, "d", name, value > INT_MAX ? INT_MAX : (int)value);
#endif
	}
}

rpc_export_t sl_shim_rpc[] = {
	{"sl.stats", rpc_stats, rpc_stats_doc, 0},
	{0, 0, 0, 0}
};

/* ---- $ltt(x|s|t) ---- */
static int pv_get_ltt(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	const char *s;
	size_t len;
	str tag;

	if (msg == NULL || param == NULL
			|| sl_rs_reply_totag(msg, param->pvn.u.isname.name.n, &s, &len) < 0)
		return pv_get_null(msg, param, res);
	tag.s = (char *)s;
	tag.len = (int)len;
	return pv_get_strval(msg, param, res, &tag);
}

static int pv_parse_ltt_name(pv_spec_p sp, str *in)
{
	int key;

	if (sp == NULL || in == NULL || in->len <= 0)
		return -1;
	key = sl_rs_ltt_key(in->s, (size_t)in->len);
	if (key < 0)
		return -1;
	sp->pvp.pvn.type = PV_NAME_INTSTR;
	sp->pvp.pvn.u.isname.type = 0;
	sp->pvp.pvn.u.isname.name.n = key;
	return 0;
}

pv_export_t sl_shim_pvs[] = {
	{{"ltt", sizeof("ltt") - 1}, PVT_OTHER, pv_get_ltt, 0, pv_parse_ltt_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

/* ---- the bind_sl API: the host's sl_api_t, over the Rust functions ---- */
static int api_zreply(struct sip_msg *msg, int code, char *reason)
{
	return sl_rs_api_reply(msg, code, reason, reason ? strlen(reason) : 0, NULL, 0);
}

static int api_sreply(struct sip_msg *msg, int code, str *reason)
{
	return sl_rs_api_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, NULL, 0);
}

static int api_dreply(struct sip_msg *msg, int code, str *reason, str *tag)
{
	int has_tag = tag && tag->s;
	return sl_rs_api_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, has_tag ? tag->s : NULL,
			has_tag && tag->len > 0 ? (size_t)tag->len : 0);
}

static int api_freply(struct sip_msg *msg, int code, str *reason)
{
	return sl_rs_api_send_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, 0);
}

static int api_get_reply_totag(struct sip_msg *msg, str *tag)
{
	const char *s;
	size_t len;

	if (msg == NULL || tag == NULL || sl_rs_reply_totag(msg, SL_SHIM_TOTAG_AUTO, &s, &len) < 0)
		return -1;
	tag->s = (char *)s;
	tag->len = (int)len;
	return 1;
}

static int bind_sl(sl_api_t *api)
{
	if (!api) {
		LM_ERR("sl-rs: bind_sl: no API structure given\n");
		return -1;
	}
	api->zreply = api_zreply;
	api->sreply = api_sreply;
	api->dreply = api_dreply;
	api->freply = api_freply;
	api->get_reply_totag = api_get_reply_totag;
	api->register_cb = register_callback;
	return 0;
}

/* ---- KEMI: KSR.sl.* ---- */
static int ki_send_reply(sip_msg_t *msg, int code, str *reason)
{
	return api_freply(msg, code, reason);
}

static int ki_send_reply_mode(sip_msg_t *msg, int code, str *reason, int mode)
{
	return sl_rs_api_send_reply(msg, code, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0, mode);
}

static int ki_sl_reply_error(sip_msg_t *msg)
{
	return sl_rs_w_sl_reply_error(msg, NULL, NULL);
}

#ifdef SL_HOST_SEND_REPLY_ERROR
static int ki_send_reply_error(sip_msg_t *msg)
{
	return sl_rs_w_send_reply_error(msg, NULL, NULL);
}
#endif

static int ki_sl_forward_reply(sip_msg_t *msg, str *code, str *reason)
{
	return sl_rs_forward_reply(msg, code ? code->s : NULL,
			code && code->len > 0 ? (size_t)code->len : 0, reason ? reason->s : NULL,
			reason && reason->len > 0 ? (size_t)reason->len : 0);
}

static sr_kemi_xval_t ltt_xval;

static sr_kemi_xval_t *ki_get_reply_totag(sip_msg_t *msg)
{
	const char *s;
	size_t len;

	memset(&ltt_xval, 0, sizeof(ltt_xval));
	if (sl_rs_reply_totag(msg, SL_SHIM_TOTAG_AUTO, &s, &len) < 0) {
		sr_kemi_xval_null(&ltt_xval, SR_KEMI_XVAL_NULL_NONE);
		return &ltt_xval;
	}
	ltt_xval.vtype = SR_KEMIP_STR;
	ltt_xval.v.s.s = (char *)s;
	ltt_xval.v.s.len = (int)len;
	return &ltt_xval;
}

/* clang-format off */
static sr_kemi_t sl_kemi_exports[] = {
	{ str_init("sl"), str_init("sl_send_reply"), SR_KEMIP_INT, api_sreply,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("send_reply"), SR_KEMIP_INT, ki_send_reply,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("send_reply_mode"), SR_KEMIP_INT, ki_send_reply_mode,
		{ SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_INT, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("sl_reply_error"), SR_KEMIP_INT, ki_sl_reply_error,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
#ifdef SL_HOST_SEND_REPLY_ERROR
	{ str_init("sl"), str_init("send_reply_error"), SR_KEMIP_INT, ki_send_reply_error,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
#endif
	{ str_init("sl"), str_init("sl_forward_reply"), SR_KEMIP_INT, ki_sl_forward_reply,
		{ SR_KEMIP_STR, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ str_init("sl"), str_init("get_reply_totag"), SR_KEMIP_XVAL, ki_get_reply_totag,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE } },
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int sl_shim_kemi_register(void) { return sr_kemi_modules_add(sl_kemi_exports); }
