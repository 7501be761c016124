global _llint_entry
global _llint_exit
_llint_entry:
    ret
