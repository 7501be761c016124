// Catches, in C++, an exception thrown by a callback that offasm code
// called (tests/unwind.rs); prints "ok" when every check passes.
#include <cstdio>
#include <stdexcept>
extern "C" long outer(long);
extern "C" long enter_vm(long);
extern "C" long callback(long a, long b) {
    if (a == 42) throw std::runtime_error("thrown by the callback");
    return a + b;
}
// Values live in callee-saved registers across the throwing call: the
// unwinder must restore them from the offasm frames.
__attribute__((noinline)) static int survives(long (*f)(long), long seed) {
    long v0 = seed * 3, v1 = seed * 5, v2 = seed * 7, v3 = seed * 11, v4 = seed * 13;
    asm volatile("" : "+r"(v0), "+r"(v1), "+r"(v2), "+r"(v3), "+r"(v4));
    int caught = 0;
    try { f(42); } catch (const std::runtime_error& e) { caught = 1; }
    asm volatile("" : "+r"(v0), "+r"(v1), "+r"(v2), "+r"(v3), "+r"(v4));
    return caught && v0 == seed * 3 && v1 == seed * 5 && v2 == seed * 7 && v3 == seed * 11 && v4 == seed * 13;
}
int main() {
    if (outer(1) != 1 + 7 + 11) { puts("outer: wrong result"); return 1; }
    if (enter_vm(1) != 1 + 1 + 22) { puts("enter_vm: wrong result"); return 1; }
    if (!survives(outer, 17)) { puts("outer: not caught or registers lost"); return 1; }
    if (!survives(enter_vm, 19)) { puts("enter_vm: not caught or registers lost"); return 1; }
    puts("ok");
    return 0;
}
