/*
 * Sending a reply and what runs around it: the SLCB_* callbacks other modules registered, the
 * event routes sl:local-response and sl:filtered-ack (or their KEMI callbacks), the core's
 * reply-out event, and the ACK filter that runs before the script.
 */
#include "shim_host.h"

/* ---- SLCB_* callbacks registered by other modules through bind_sl: a per-process list in pkg
 * memory, as native keeps it (modules register in mod_init, before the fork) ---- */
static sl_cbelem_t *sl_callbacks;
static unsigned int sl_callback_types;
static str empty_reason = STR_NULL;

int shim_register_callback(sl_cbelem_t *cbe)
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
	lres_kemi = sr_kemi_eng_get() != NULL && shim_evcb_lres_sent.len > 0;
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
			run_kemi_event(req, &shim_evcb_lres_sent, "sl:local-response");
		set_route_type(backup_rt);
		p_onsend = NULL;
	}
	free_sip_msg(&pmsg);
	if (fake_cseq)
		pkg_free(fake_cseq);
}

int sl_shim_send_stateless(struct sip_msg *msg, const char *buf, size_t len, int code,
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
		run_kemi_event(msg, &shim_evcb_fl_ack, "sl:filtered-ack");
}

void sl_shim_add_redirect_contacts(struct sip_msg *msg)
{
	int len = 0;
	char *dset = print_dset(msg, &len, shim_rich_redirect);

	if (dset && add_lump_rpl(msg, dset, len, LUMP_RPL_HDR) == NULL)
		LM_ERR("sl-rs: cannot add the redirect Contacts to the reply\n");
}

/* Runs before the script for every request: all but ACKs leave at this compare, the one cost
 * every request pays (the core parsed the method before any callback runs). */
static int filter_ack(struct sip_msg *msg, unsigned int flags, void *param)
{
	if (msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_ACK)
		return 1;
	(void)flags;
	(void)param;
	return shim_rs->filter_ack(msg);
}

int sl_shim_register_ack_filter(void)
{
	return register_script_cb(filter_ack, PRE_SCRIPT_CB | REQUEST_CB, 0);
}
