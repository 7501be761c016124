macro storeTagAndPayload(tag, payload, base)
    storei tag, 4[base]
    storei payload, [base]
end

storeTagAndPayload(t0, t1)
storeTagAndPayload(t0, t1, t2, t3)
