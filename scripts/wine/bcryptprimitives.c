/* bcryptprimitives.dll for wine versions that lack it (wine 8 in Debian 12).
 *
 * Rust's standard library for x86_64-pc-windows-gnu imports one function of
 * it, ProcessPrng, to seed HashMap keys; a Windows program built by Rust does
 * not start under a wine without this DLL. scripts/wine/runner.sh builds this
 * file with mingw-w64 and puts the DLL on WINEPATH for every program it runs.
 *
 * ProcessPrng fills the buffer with random bytes and always succeeds
 * (documented as such); here it is RtlGenRandom (advapi32's SystemFunction036),
 * which wine has, called in chunks because it takes a 32-bit length. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
