# args: --layout=tests/diagnostics/layouts/x86_64-linux.json --layout=tests/diagnostics/layouts/x86_64-linux-conflict.json
    loadq CallFrame::callee[cfr], t0
