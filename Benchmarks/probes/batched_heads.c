// Attention scores Q·Kᵀ of one short sequence, every head: 8 OpenBLAS sgemm calls (BertNER below
// `HeadProducts.minimumLength`) against one oneDNN bf16 matmul over all heads (a batch dimension
// whose stride is the head size, reading Q and K in place in the Q|K|V rows). Default-model
// geometry (H 512, 8 heads of 64), one thread, best of 7 × 200 calls.
//
//   cc -O2 Benchmarks/probes/batched_heads.c -ldnnl -lopenblas -o /tmp/batched_heads
//   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /tmp/batched_heads
//
// oneDNN 2.6 refuses a batched matmul whose lengths are run-time (DNNL_RUNTIME_DIM_VAL:
// invalid_arguments), so this makes one primitive per length, as a cache per length would.
#include "probe.h"
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static dnnl_memory_desc_t strided(int64_t d0, int64_t d1, int64_t d2, int64_t s0, int64_t s1, int64_t s2, dnnl_data_type_t type) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {d0, d1, d2}, strides = {s0, s1, s2};
    CHECK(dnnl_memory_desc_init_by_strides(&md, 3, dims, type, strides));
    return md;
}

int main(void) {
    const int hidden = 512, heads = 8, d = 64, row = 3 * hidden;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    int lengths[] = {24, 32, 40, 48, 64};
    for (int t = 0; t < 5; t++) {
        int n = lengths[t];
        float *qkv = malloc(sizeof(float) * n * row), *scores = malloc(sizeof(float) * heads * n * n);
        uint16_t *halves = malloc(sizeof(uint16_t) * n * row);
        for (int i = 0; i < n * row; i++) {
            qkv[i] = (float)(rand() % 200 - 100) / 100.f;
            uint32_t bits;
            memcpy(&bits, &qkv[i], 4);
            halves[i] = (uint16_t)(bits >> 16);
        }
        // Q [heads, n, d] and Kᵀ [heads, d, n], both read in place; scores [heads, n, n] dense.
        dnnl_memory_desc_t q = strided(heads, n, d, d, row, 1, dnnl_bf16);
        dnnl_memory_desc_t k = strided(heads, d, n, d, 1, row, dnnl_bf16);
        dnnl_memory_desc_t s = strided(heads, n, n, n * n, n, 1, dnnl_f32);
        dnnl_matmul_desc_t desc;
        CHECK(dnnl_matmul_desc_init(&desc, &q, &k, NULL, &s));
        const char *kernel;
        dnnl_primitive_desc_t pd;
        dnnl_primitive_t primitive = matmul_primitive(&desc, NULL, engine, &kernel, &pd);
        dnnl_memory_t mq, mk, ms;
        CHECK(dnnl_memory_create(&mq, &q, engine, halves));
        CHECK(dnnl_memory_create(&mk, &k, engine, halves + hidden));
        CHECK(dnnl_memory_create(&ms, &s, engine, scores));
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, mq}, {DNNL_ARG_WEIGHTS, mk}, {DNNL_ARG_DST, ms}};

        double blas = 1e9, batched = 1e9;
        for (int round = 0; round < 7; round++) {
            double start = seconds();
            for (int i = 0; i < 200; i++)
                for (int h = 0; h < heads; h++)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, 0.125f, qkv + h * d, row,
                                qkv + hidden + h * d, row, 0.f, scores + h * n * n, n);
            double each = (seconds() - start) / 200;
            if (each < blas) blas = each;
            start = seconds();
            for (int i = 0; i < 200; i++) CHECK(dnnl_primitive_execute(primitive, stream, 3, args));
            CHECK(dnnl_stream_wait(stream));
            each = (seconds() - start) / 200;
            if (each < batched) batched = each;
        }
        printf("n %2d: %d × sgemm %6.2f µs, one bf16 matmul over the heads %6.2f µs (%s): %.2f×\n",
               n, heads, blas * 1e6, batched * 1e6, kernel, blas / batched);
        dnnl_primitive_destroy(primitive);
        dnnl_primitive_desc_destroy(pd);  // after the run: it owns the kernel name
        free(qkv); free(scores); free(halves);
    }
    return 0;
}
