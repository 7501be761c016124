/* Calls the functions of bti.asm through function pointers (tests/hardened.rs). */
#include <stdio.h>
long dispatch(long);
long misjump(void);
long tailjump(long (*)(void));
long seven(void);
int main(int argc, char **argv) {
    long (*volatile d)(long) = dispatch;
    printf("dispatch %ld %ld\n", d(0), d(5));
    long (*volatile t)(long (*)(void)) = tailjump;
    printf("tailjump %ld\n", t(seven));
    fflush(stdout);
    if (argc > 1) {
        long (*volatile m)(void) = misjump;
        printf("misjump returned %ld\n", m());
    }
    return 0;
}
