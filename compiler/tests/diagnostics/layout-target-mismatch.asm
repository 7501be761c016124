# target: x86_64-pc-windows-msvc
# args: --layout=tests/diagnostics/layouts/x86_64-linux.json
    loadq CallFrame::callee[cfr], t0
