# args: --undefined-settings-false
# With --undefined-settings-false an unknown setting is false, with a warning.
if GIGACAGE_ENABLED
    andp 0xffffffff, t0
end
    ret
