// What one core of this CPU can multiply-add per second with each instruction sequence an int8 or
// fp32 product is built from: the ceiling that "int8 GOPS" and "GFLOP/s" in BENCHMARKS.md are
// read against. Registers only (no loads), many independent accumulators, so the numbers are the
// execution units' throughput, not latency or memory.
//
//   cc -O2 Benchmarks/probes/vector_peak.c -o /tmp/vector_peak && /tmp/vector_peak
//
// Sequences:
//   fp32 FMA ymm      vfmadd231ps on 8 floats: 16 flops per instruction (AVX2 + FMA)
//   int8 AVX2 ymm     vpmaddubsw (u8·s8 pairs → s16) + vpmaddwd with ones (→ s32) + vpaddd:
//                     64 ops per 32 byte pairs — how int8 runs without VNNI (oneDNN's gemm:jit
//                     on AVX2, and any kernel of our own there)
//   fp32 FMA zmm      16 floats: 32 flops per instruction (AVX-512 F)
//   int8 VNNI zmm     vpdpbusd on 64 byte pairs: 128 ops per instruction (AVX-512 VNNI)
// An op is one multiply or one add, as in GFLOP/s. Sequences this CPU lacks are skipped.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

enum { rounds = 20000000, chains = 10 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Ten named accumulators (arrays would live in memory): enough independent chains to cover each
// instruction's latency on every pipe. The empty asm keeps a chain from being folded; the sums go
// to a volatile sink so none is dropped.
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)
#define KEEP(v) __asm__("" : "+v"(v))
static volatile float sinkf;
static volatile int sinki;

// One sequence: `chains` accumulators set by INIT, advanced by STEP (which may name
// the loop's operands a, w, b), reduced by SUM; `ops` multiplies and adds per STEP.
#define PEAK(name, isa, operands, INIT, STEP, sink, SUM, ops)                    \
    __attribute__((target(isa))) static double name(void) {                          \
        operands;                                                                     \
        EACH(INIT)                                                                    \
        double start = now();                                                         \
        for (long r = 0; r < rounds; r++) { EACH(STEP) }                             \
        double seconds = now() - start;                                               \
        sink = 0 EACH(SUM);                                                           \
        return (double)rounds * chains * (ops) / seconds;                             \
    }

#define FMA_Y_INIT(c) __m256 acc##c = _mm256_set1_ps((float)c);
#define FMA_Y_STEP(c) acc##c = _mm256_fmadd_ps(a, acc##c, b); KEEP(acc##c);
#define FMA_Y_SUM(c) + _mm256_cvtss_f32(acc##c)
PEAK(fma_ymm, "avx2,fma", __m256 a = _mm256_set1_ps(1.0000001f); __m256 b = _mm256_set1_ps(0.9999999f),
     FMA_Y_INIT, FMA_Y_STEP, sinkf, FMA_Y_SUM, 16)

// u8 activations × s8 weights: vpmaddubsw adds adjacent pairs into s16, vpmaddwd with ones adds
// adjacent s16 pairs into s32, vpaddd accumulates. KEEP(w) per step stops the compiler from
// sharing one vpmaddubsw between the chains.
#define I8_Y_INIT(c) __m256i acc##c = _mm256_set1_epi32(c);
#define I8_Y_STEP(c) KEEP(w); acc##c = _mm256_add_epi32(acc##c, _mm256_madd_epi16(_mm256_maddubs_epi16(a, w), ones)); KEEP(acc##c);
#define I8_Y_SUM(c) + _mm256_extract_epi32(acc##c, 0)
PEAK(int8_ymm, "avx2",
     __m256i a = _mm256_set1_epi8(3); __m256i w = _mm256_set1_epi8(-5); __m256i ones = _mm256_set1_epi16(1),
     I8_Y_INIT, I8_Y_STEP, sinki, I8_Y_SUM, 64)

#define FMA_Z_INIT(c) __m512 acc##c = _mm512_set1_ps((float)c);
#define FMA_Z_STEP(c) acc##c = _mm512_fmadd_ps(a, acc##c, b); KEEP(acc##c);
#define FMA_Z_SUM(c) + _mm512_reduce_add_ps(acc##c)
PEAK(fma_zmm, "avx512f", __m512 a = _mm512_set1_ps(1.0000001f); __m512 b = _mm512_set1_ps(0.9999999f),
     FMA_Z_INIT, FMA_Z_STEP, sinkf, FMA_Z_SUM, 32)

#define VNNI_INIT(c) __m512i acc##c = _mm512_set1_epi32(c);
#define VNNI_STEP(c) acc##c = _mm512_dpbusd_epi32(acc##c, a, w); KEEP(acc##c);
#define VNNI_SUM(c) + _mm512_reduce_add_epi32(acc##c)
PEAK(vnni_zmm, "avx512f,avx512vnni", __m512i a = _mm512_set1_epi8(3); __m512i w = _mm512_set1_epi8(-5),
     VNNI_INIT, VNNI_STEP, sinki, VNNI_SUM, 128)

int main(void) {
    __builtin_cpu_init();
    // Best of 3, so a descheduled moment does not set the ceiling.
    struct { const char *name; int available; double (*run)(void); } sequences[] = {
        {"fp32 FMA ymm (AVX2)", __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), fma_ymm},
        {"int8 vpmaddubsw+vpmaddwd ymm (AVX2)", __builtin_cpu_supports("avx2"), int8_ymm},
        {"fp32 FMA zmm (AVX-512)", __builtin_cpu_supports("avx512f"), fma_zmm},
        {"int8 vpdpbusd zmm (AVX-512 VNNI)", __builtin_cpu_supports("avx512vnni"), vnni_zmm},
    };
    for (unsigned i = 0; i < sizeof sequences / sizeof sequences[0]; i++) {
        if (!sequences[i].available) { printf("%-40s not on this CPU\n", sequences[i].name); continue; }
        double best = 0;
        for (int k = 0; k < 3; k++) { double g = sequences[i].run(); if (g > best) best = g; }
        printf("%-40s %7.1f G ops/s per core\n", sequences[i].name, best / 1e9);
    }
    return 0;
}
