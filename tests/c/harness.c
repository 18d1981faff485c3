/*
 * C test harness: links libsl_rs through include/sl_rs.h, as any C program would, and checks
 * reply building, the ACK decision, the error map, NULL and garbage inputs, and that a panic
 * inside the library comes back as SL_RS_PANIC (the library is built with feature panic-test).
 * Run under valgrind by `make test-c`; prints "N passed, N failed" and exits non-zero on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_rs.h"

static int passed, failed;

#define CHECK(cond) do { \
	if (cond) passed++; \
	else { failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static const char INVITE[] =
	"INVITE sip:b@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKc1;rport\r\n"
	"From: <sip:a@example.com>;tag=fa\r\n"
	"To: <sip:b@example.com>\r\n"
	"Call-ID: harness-1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static uint8_t sig[SL_RS_SIGNATURE_LEN];

static sl_rs_reply_params params(uint16_t code, const char *reason)
{
	sl_rs_reply_params p;
	memset(&p, 0, sizeof p);
	p.code = code;
	p.reason = (const uint8_t *)reason;
	p.reason_len = strlen(reason);
	return p;
}

static void test_signature(void)
{
	uint8_t other[SL_RS_SIGNATURE_LEN];
	CHECK(sl_rs_signature(S("127.0.0.1"), S("5099"), sig) == SL_RS_OK);
	/* The value Kamailio's native sl derives for a first socket 127.0.0.1:5099 (seen on the wire). */
	CHECK(memcmp(sig, "11127f702d3fc5b0cd1f4cec4f6277d5", 32) == 0);
	CHECK(sl_rs_signature(S("127.0.0.1"), S("5060"), other) == SL_RS_OK);
	CHECK(memcmp(sig, other, sizeof sig) != 0);
	CHECK(sl_rs_signature(NULL, 3, S("5060"), other) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_signature(S("a"), S("1"), NULL) == SL_RS_NULL_PARAMETER);
}

static void test_build_and_ack(void)
{
	uint8_t out[2048];
	size_t len = 0;
	bool local = false;
	char ack[1024];
	const char *tag;
	sl_rs_reply_params p = params(404, "Not Here");
	p.received = (const uint8_t *)"198.51.100.7";
	p.received_len = strlen("198.51.100.7");
	p.rport = 40000;

	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, &len) == SL_RS_OK);
	CHECK(len > 0 && len < sizeof out);
	out[len < sizeof out ? len : sizeof out - 1] = 0;
	CHECK(strncmp((char *)out, "SIP/2.0 404 Not Here\r\n", 22) == 0);
	CHECK(strstr((char *)out, "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKc1;rport=40000;received=198.51.100.7\r\n") != NULL);
	CHECK(strstr((char *)out, "\r\nContent-Length: 0\r\n\r\n") != NULL);
	tag = strstr((char *)out, "To: <sip:b@example.com>;tag=");
	CHECK(tag != NULL);
	if (!tag)
		return;
	tag += strlen("To: <sip:b@example.com>;tag=");
	CHECK(memcmp(tag, sig, sizeof sig) == 0 && tag[32] == '.');

	/* The ACK for that reply carries the tag: ours. */
	snprintf(ack, sizeof ack,
		"ACK sip:b@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKc1;rport\r\n"
		"From: <sip:a@example.com>;tag=fa\r\n"
		"To: <sip:b@example.com>;tag=%.41s\r\n"
		"Call-ID: harness-1\r\nCSeq: 1 ACK\r\n\r\n", tag);
	CHECK(sl_rs_ack_is_local((const uint8_t *)ack, strlen(ack), sig, &local) == SL_RS_OK && local);
	/* A different branch (a 2xx ACK, a new transaction) is not ours. */
	ack[strstr(ack, "z9hG4bKc1") - ack + 8] = '9';
	CHECK(sl_rs_ack_is_local((const uint8_t *)ack, strlen(ack), sig, &local) == SL_RS_OK && !local);
	CHECK(sl_rs_ack_is_local(S(INVITE), sig, &local) == SL_RS_OK && !local);

	/* An ACK is never answered; a buffer too small is reported, not overrun. */
	CHECK(sl_rs_build_reply((const uint8_t *)ack, strlen(ack), sig, &p, out, sizeof out, &len) == SL_RS_IS_ACK);
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, 40, &len) == SL_RS_TOO_BIG);
}

static void test_bad_inputs(void)
{
	uint8_t out[512], junk[4096];
	size_t len = 0, i;
	bool local;
	uint16_t code = 0;
	sl_rs_reply_params p = params(404, "x");
	sl_rs_reply_params bad = params(404, "evil\r\nX-Injected: 1");

	CHECK(sl_rs_build_reply(NULL, 10, sig, &p, out, sizeof out, &len) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), NULL, &p, out, sizeof out, &len) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), sig, NULL, out, sizeof out, &len) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, NULL, sizeof out, &len) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, NULL) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), (const uint8_t *)"not-hex-not-hex-not-hex-not-hex!", &p, out, sizeof out, &len) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_build_reply(S(INVITE), sig, &bad, out, sizeof out, &len) == SL_RS_BAD_REASON);
	p.code = 700;
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, &len) == SL_RS_BAD_CODE);
	p.code = 99;
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, &len) == SL_RS_BAD_CODE);
	p.code = 404;
	CHECK(sl_rs_build_reply(S("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"), sig, &p, out, sizeof out, &len) == SL_RS_BAD_MESSAGE);
	CHECK(sl_rs_build_reply(S("\0\0\0\0"), sig, &p, out, sizeof out, &len) == SL_RS_BAD_MESSAGE);
	CHECK(sl_rs_ack_is_local(NULL, 0, sig, &local) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_ack_is_local(S("ACK"), sig, NULL) == SL_RS_NULL_PARAMETER);
	CHECK(sl_rs_ack_is_local(S("ACK sip:x SIP/2.0\r\n"), sig, &local) == SL_RS_BAD_MESSAGE);

	/* Garbage of every length: a defined result, never a crash (valgrind watches reads). */
	srand(7);
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)rand();
	for (i = 0; i <= sizeof junk; i += 37) {
		sl_rs_result r = sl_rs_build_reply(junk, i, sig, &p, out, sizeof out, &len);
		CHECK(r == SL_RS_BAD_MESSAGE);
		r = sl_rs_ack_is_local(junk, i, sig, &local);
		CHECK(r == SL_RS_BAD_MESSAGE || (r == SL_RS_OK && !local));
	}

	CHECK(sl_rs_error_reply(-400, &code, out, sizeof out, &len) == SL_RS_OK);
	CHECK(code == 400 && len == strlen("Bad Request (400/SL)") && memcmp(out, "Bad Request (400/SL)", len) == 0);
	CHECK(sl_rs_error_reply(-400, &code, out, 5, &len) == SL_RS_TOO_BIG);
	CHECK(sl_rs_error_reply(-400, NULL, out, sizeof out, &len) == SL_RS_NULL_PARAMETER);
}

static void test_panic_is_contained(void)
{
	uint8_t out[512];
	size_t len = 12345;
	sl_rs_reply_params p = params(404, "sl-rs-panic");
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, &len) == SL_RS_PANIC);
	CHECK(len == 12345); /* outputs untouched */
	p = params(404, "fine");
	CHECK(sl_rs_build_reply(S(INVITE), sig, &p, out, sizeof out, &len) == SL_RS_OK);
}

int main(void)
{
	test_signature();
	test_build_and_ack();
	test_bad_inputs();
	test_panic_is_contained();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
