# args: --layout=tests/diagnostics/layouts/x86_64-linux.json
# `CallFrame::callee` is in the table, `CallFrame::argumentCount` is not.
    loadq CallFrame::callee[cfr], t0
    loadi CallFrame::argumentCount[cfr], t1
    move sizeof VMEntryRecord, t2
    move constexpr (sizeof(void*)), t3
