# Right everywhere: a small threaded interpreter. vm_fill_table stores the
# handlers' addresses in a table; vm_interpret builds a frame, keeps its state
# in callee-saved registers (PC in csr0, registers in csr1, table in csr2)
# and dispatches with indirect jumps. The handlers start from a state the
# checker does not know (they are reached by indirect jumps only) and use
# only callee-saved state and fresh temporaries; the host call in op_print
# reserves the Windows shadow space and keeps sp aligned.
#
# expect sysv: none
# expect win64: none
# expect arm64: none

include prelude

# void vm_fill_table(void** table)
global _vm_fill_table
_vm_fill_table:
    leap _op_halt, t2
    storep t2, [a0]
    leap _op_add, t2
    storep t2, 8[a0]
    leap _op_print, t2
    storep t2, 16[a0]
    ret

macro dispatch(length)
    addp length, csr0
    loadb [csr0], t2
    loadp [csr2, t2, 8], t3
    jmp t3
end

# u64 vm_interpret(const u8* bytecode, u64* registers, void** table)
global _vm_interpret
_vm_interpret:
    functionPrologue()
    pushCalleeSaves()
    move a0, csr0
    move a1, csr1
    move a2, csr2
    dispatch(0)

_op_halt:                                   # halt: return registers[0]
    loadq [csr1], r0
    popCalleeSaves()
    functionEpilogue()
    ret

_op_add:                                    # add dst, lhs, rhs (register indices)
    loadb 2[csr0], t0
    loadb 3[csr0], t1
    loadq [csr1, t0, 8], t0
    addq [csr1, t1, 8], t0
    loadb 1[csr0], t1
    storeq t0, [csr1, t1, 8]
    dispatch(4)

_op_print:                                  # print src
    loadb 1[csr0], t0
    loadq [csr1, t0, 8], a0
    if X86_64_WIN
        subp 32, sp
        call _host_print
        addp 32, sp
    else
        call _host_print
    end
    dispatch(2)
