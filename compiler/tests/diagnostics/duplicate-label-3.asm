# The same local label twice at file level.
.slow:
    ret
.slow:
    break
