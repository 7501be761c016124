# ASSERT_ENABLED and TRACING are user settings that were not given with -D.
# JIT is not reported: `false and JIT` short-circuits.
if ASSERT_ENABLED
    bineq t0, 0, .ok
    break
.ok:
end
if TRACING or X86_64
    nop
end
if false and JIT
    nop
end
if ASSERT_ENABLED
    nop
end
