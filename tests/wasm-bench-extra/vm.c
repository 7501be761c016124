/*
 * vm: a small stack-machine bytecode interpreter written in C, running a
 * nested-loop program with a subroutine.
 * Exercises: switch dispatch (br_table), indirect loads of the opcode
 * stream, a data stack in memory, unpredictable branches.
 * Export: int bench_vm(int n)
 * The program is assembled afresh on every call; its outer loop runs n
 * times, its inner loop 100 times per outer iteration.
 */
enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_AND,
    OP_OR, OP_XOR, OP_SHL, OP_SHRU, OP_DUP, OP_DROP, OP_SWAP, OP_LTU,
    OP_JMP, OP_JZ, OP_JNZ, OP_CALL, OP_RET, OP_INC, OP_NOT, OP_ROTL
};

#define CODE_MAX 256
#define STACK_MAX 64
#define RSTACK_MAX 16
#define NREGS 8

static int code[CODE_MAX];
static unsigned vstack[STACK_MAX];
static int rstack[RSTACK_MAX];
static unsigned regs[NREGS];
static int ncode;

static void emit(int x) { code[ncode++] = x; }
static void emit2(int op, int a) { emit(op); emit(a); }

static void assemble(int n)
{
    ncode = 0;
    /* r0 = n; r1 = acc; r3 = sum; r4 = counter of odd steps */
    emit2(OP_PUSH, n);          emit2(OP_STORE, 0);
    emit2(OP_PUSH, 0x12345);    emit2(OP_STORE, 1);
    emit2(OP_PUSH, 0);          emit2(OP_STORE, 3);
    emit2(OP_PUSH, 0);          emit2(OP_STORE, 4);
    int outer = ncode;
    emit2(OP_PUSH, 100);        emit2(OP_STORE, 2);
    int inner = ncode;
    /* acc = acc * 33 ^ r2 */
    emit2(OP_LOAD, 1); emit2(OP_PUSH, 33); emit(OP_MUL);
    emit2(OP_LOAD, 2); emit(OP_XOR); emit2(OP_STORE, 1);
    /* if (acc & 1) call sub */
    emit2(OP_LOAD, 1); emit2(OP_PUSH, 1); emit(OP_AND);
    emit(OP_JZ); int patch_skip = ncode; emit(0);
    emit(OP_CALL); int patch_call = ncode; emit(0);
    code[patch_skip] = ncode;
    /* r3 = r3 + (acc >> 7) */
    emit2(OP_LOAD, 3); emit2(OP_LOAD, 1); emit2(OP_PUSH, 7); emit(OP_SHRU);
    emit(OP_ADD); emit2(OP_STORE, 3);
    /* if (r2 < 50) r3 = r3 rotl 3 */
    emit2(OP_LOAD, 2); emit2(OP_PUSH, 50); emit(OP_LTU);
    emit(OP_JZ); int patch_skip2 = ncode; emit(0);
    emit2(OP_LOAD, 3); emit2(OP_PUSH, 3); emit(OP_ROTL); emit2(OP_STORE, 3);
    code[patch_skip2] = ncode;
    /* r2 -= 1; loop while r2 != 0 */
    emit2(OP_LOAD, 2); emit2(OP_PUSH, 1); emit(OP_SUB); emit(OP_DUP);
    emit2(OP_STORE, 2); emit2(OP_JNZ, inner);
    /* r0 -= 1; loop while r0 != 0 */
    emit2(OP_LOAD, 0); emit2(OP_PUSH, 1); emit(OP_SUB); emit(OP_DUP);
    emit2(OP_STORE, 0); emit2(OP_JNZ, outer);
    /* result = r1 ^ r3 ^ (r4 << 16) */
    emit2(OP_LOAD, 1); emit2(OP_LOAD, 3); emit(OP_XOR);
    emit2(OP_LOAD, 4); emit2(OP_PUSH, 16); emit(OP_SHL); emit(OP_XOR);
    emit(OP_HALT);
    /* subroutine: acc = (acc + r0) | (~acc & 0x100); r4++ */
    code[patch_call] = ncode;
    emit2(OP_LOAD, 1); emit2(OP_LOAD, 0); emit(OP_ADD);
    emit2(OP_LOAD, 1); emit(OP_NOT); emit2(OP_PUSH, 0x100); emit(OP_AND);
    emit(OP_OR); emit2(OP_STORE, 1);
    emit2(OP_LOAD, 4); emit(OP_INC); emit2(OP_STORE, 4);
    emit2(OP_PUSH, 7); emit(OP_DROP);
    emit2(OP_PUSH, 1); emit2(OP_PUSH, 2); emit(OP_SWAP); emit(OP_SUB); emit(OP_DROP);
    emit(OP_RET);
}

static unsigned run(void)
{
    int pc = 0, sp = 0, rsp = 0;
    for (;;) {
        int op = code[pc++];
        switch (op) {
        case OP_HALT: return vstack[sp - 1];
        case OP_PUSH: vstack[sp++] = (unsigned)code[pc++]; break;
        case OP_LOAD: vstack[sp++] = regs[code[pc++]]; break;
        case OP_STORE: regs[code[pc++]] = vstack[--sp]; break;
        case OP_ADD: sp--; vstack[sp - 1] += vstack[sp]; break;
        case OP_SUB: sp--; vstack[sp - 1] -= vstack[sp]; break;
        case OP_MUL: sp--; vstack[sp - 1] *= vstack[sp]; break;
        case OP_AND: sp--; vstack[sp - 1] &= vstack[sp]; break;
        case OP_OR: sp--; vstack[sp - 1] |= vstack[sp]; break;
        case OP_XOR: sp--; vstack[sp - 1] ^= vstack[sp]; break;
        case OP_SHL: sp--; vstack[sp - 1] <<= (vstack[sp] & 31); break;
        case OP_SHRU: sp--; vstack[sp - 1] >>= (vstack[sp] & 31); break;
        case OP_DUP: vstack[sp] = vstack[sp - 1]; sp++; break;
        case OP_DROP: sp--; break;
        case OP_SWAP: {
            unsigned t = vstack[sp - 1];
            vstack[sp - 1] = vstack[sp - 2];
            vstack[sp - 2] = t;
            break;
        }
        case OP_LTU: sp--; vstack[sp - 1] = vstack[sp - 1] < vstack[sp]; break;
        case OP_JMP: pc = code[pc]; break;
        case OP_JZ: if (vstack[--sp] == 0) pc = code[pc]; else pc++; break;
        case OP_JNZ: if (vstack[--sp] != 0) pc = code[pc]; else pc++; break;
        case OP_CALL: rstack[rsp++] = pc + 1; pc = code[pc]; break;
        case OP_RET: pc = rstack[--rsp]; break;
        case OP_INC: vstack[sp - 1] += 1; break;
        case OP_NOT: vstack[sp - 1] = ~vstack[sp - 1]; break;
        case OP_ROTL: {
            sp--;
            unsigned s = vstack[sp] & 31, x = vstack[sp - 1];
            vstack[sp - 1] = s ? (x << s) | (x >> (32 - s)) : x;
            break;
        }
        default: return 0xdeadu;
        }
    }
}

int bench_vm(int n)
{
    if (n < 1)
        n = 1;
    for (int i = 0; i < NREGS; i++)
        regs[i] = 0;
    assemble(n);
    return (int)run();
}
