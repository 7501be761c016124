# Only `_sym + k` and `_a - _b` are allowed on labels.
_table:
    leap _table * 2, t0
    leap .entry + 8, t1
.entry:
    ret
