/*
 * mandel: float kernels of a different shape than nbody.
 * Exercises: f32 arithmetic and compares (Mandelbrot escape loop in f32, a
 * 5-point Jacobi stencil on a 2D f32 grid), f64 escape loop, int<->float
 * conversions, loop-carried float dependences.
 * Export: int bench_mandel(int reps)
 * Each repetition renders a 96x64 Mandelbrot in f32 and one in f64
 * (viewport shifted slightly per rep), then runs 8 sweeps of the stencil
 * on a 128x128 f32 grid seeded from the iteration counts. The checksum
 * folds the iteration counts and the exact bit patterns of the grid.
 */
#define W 96
#define H 64
#define MAXIT 200
#define G 128

static float grid[G * G];
static float grid2[G * G];
static unsigned short counts[H * W];

static unsigned fbits(float f)
{
    union { float f; unsigned u; } v;
    v.f = f;
    return v.u;
}

static int mandel_f32(float cx, float cy)
{
    float x = 0.0f, y = 0.0f, x2 = 0.0f, y2 = 0.0f;
    int it = 0;
    while (it < MAXIT && x2 + y2 <= 4.0f) {
        y = 2.0f * x * y + cy;
        x = x2 - y2 + cx;
        x2 = x * x;
        y2 = y * y;
        it++;
    }
    return it;
}

static int mandel_f64(double cx, double cy)
{
    double x = 0.0, y = 0.0;
    int it = 0;
    while (it < MAXIT) {
        double xx = x * x, yy = y * y;
        if (xx + yy > 4.0)
            break;
        double nx = xx - yy + cx;
        y = (x + x) * y + cy;
        x = nx;
        it++;
    }
    return it;
}

int bench_mandel(int reps)
{
    unsigned check = 0x6a09e667u;
    for (int r = 0; r < reps; r++) {
        float shift = (float)(r & 15) * 0.0078125f;
        unsigned s32 = 0, s64 = 0;
        for (int j = 0; j < H; j++) {
            float cy = -1.125f + (float)j * (2.25f / (float)H);
            for (int i = 0; i < W; i++) {
                float cx = -2.25f + shift + (float)i * (3.0f / (float)W);
                int it = mandel_f32(cx, cy);
                counts[j * W + i] = (unsigned short)it;
                s32 = s32 * 33u + (unsigned)it;
            }
        }
        double dshift = (double)(r & 7) * 1e-3;
        for (int j = 0; j < H; j++) {
            double cy = 0.05 + dshift + (double)j * (0.2 / (double)H);
            for (int i = 0; i < W; i++) {
                double cx = -0.85 + (double)i * (0.3 / (double)W);
                s64 += (unsigned)mandel_f64(cx, cy) * (unsigned)(i + 1);
            }
        }
        /* stencil grid seeded from the f32 counts */
        for (int y = 0; y < G; y++)
            for (int x = 0; x < G; x++)
                grid[y * G + x] = (float)counts[(y % H) * W + (x % W)] * 0.01f;
        for (int sweep = 0; sweep < 8; sweep++) {
            float *src = (sweep & 1) ? grid2 : grid;
            float *dst = (sweep & 1) ? grid : grid2;
            for (int x = 0; x < G; x++) {
                dst[x] = src[x];
                dst[(G - 1) * G + x] = src[(G - 1) * G + x];
            }
            for (int y = 1; y < G - 1; y++) {
                dst[y * G] = src[y * G];
                dst[y * G + G - 1] = src[y * G + G - 1];
                for (int x = 1; x < G - 1; x++) {
                    float c = src[y * G + x];
                    float n = src[(y - 1) * G + x] + src[(y + 1) * G + x]
                              + src[y * G + x - 1] + src[y * G + x + 1];
                    dst[y * G + x] = c * 0.5f + n * 0.125f - (c > 1.0f ? 0.03125f : 0.0f);
                }
            }
        }
        unsigned gs = 0;
        for (int k = 0; k < G * G; k++)
            gs = (gs ^ fbits(grid[k])) * 16777619u;
        check = (check * 1000003u) ^ s32 ^ (s64 << 3) ^ gs;
    }
    return (int)check;
}
