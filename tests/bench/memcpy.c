/* Copies N bytes once with the C library's memcpy, inside copy(), for tests/bench/callgrind.sh:
 * callgrind counts copy() alone (--toggle-collect=copy), the reference a reply's growth with
 * the request's size is compared with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void copy(char *dst, const char *src, size_t n) { memcpy(dst, src, n); }

int main(int argc, char **argv) {
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	char *src = calloc(n + 1, 1), *dst = calloc(n + 1, 1);
	if (!src || !dst) return 1;
	copy(dst, src, n);
	printf("%d\n", dst[n / 2]); /* the copy is used */
	return 0;
}
