// Can oneDNN 2.6's int8 brgemm matmul finish a product itself (scales, zero point, bias, GELU)?
// One default-model intermediate product (K 512 → N 2048) at the row counts the service sees,
// u8 activations × s8 weights, one thread, best of 7 × 50 calls. Each variant prints its kernel.
//
//   cc -O2 Benchmarks/probes/fused_epilogue.c -ldnnl -o /tmp/fused_epilogue && OMP_NUM_THREADS=1 /tmp/fused_epilogue
//
// Result on 2026-12-06 (Docs/BENCHMARKS.md, session 21): run-time scales or a run-time source
// zero point (what dynamic activation quantization needs) leave brgemm for gemm:jit, 1.5–1.9×
// slower than the plain s32 product; scales fixed at creation keep brgemm, and bias + GELU cost it
// ~0.3 ns per output element.
#include "probe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum Variant { PLAIN_S32, RUNTIME_SCALES_RUNTIME_ZP, RUNTIME_SCALES, FIXED_SCALES, BIAS_GELU_ONLY, VARIANTS };
static const char *names[VARIANTS] = {
    "s32 output, no attributes (BertNER today)",
    "f32 + run-time scales + run-time zero point + bias + GELU",
    "f32 + run-time scales + bias + GELU",
    "f32 + scales fixed at creation + bias + GELU",
    "f32 + bias + GELU",
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static dnnl_memory_desc_t descriptor(int ndims, const int64_t *dims, dnnl_data_type_t type, dnnl_format_tag_t tag) {
    dnnl_memory_desc_t md;
    dnnl_dims_t all = {0};
    memcpy(all, dims, ndims * sizeof(int64_t));
    CHECK(dnnl_memory_desc_init_by_tag(&md, ndims, all, type, tag));
    return md;
}

static dnnl_memory_t memory(const dnnl_memory_desc_t *md, int fill) {
    dnnl_memory_t m;
    void *data;
    CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_get_data_handle(m, &data));
    memset(data, fill, dnnl_memory_desc_get_size(md));
    return m;
}

static void run(int64_t M, int64_t K, int64_t N, enum Variant variant) {
    int fused = variant != PLAIN_S32;
    dnnl_memory_desc_t src = descriptor(2, (int64_t[]){M, K}, dnnl_u8, dnnl_ab);
    dnnl_memory_desc_t weights = descriptor(2, (int64_t[]){K, N}, dnnl_s8, dnnl_format_tag_any);
    dnnl_memory_desc_t dst = descriptor(2, (int64_t[]){M, N}, fused ? dnnl_f32 : dnnl_s32, dnnl_ab);
    dnnl_memory_desc_t bias = descriptor(2, (int64_t[]){1, N}, dnnl_f32, dnnl_ab);
    dnnl_matmul_desc_t desc;
    CHECK(dnnl_matmul_desc_init(&desc, &src, &weights, fused ? &bias : NULL, &dst));

    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    float runtime_scale = DNNL_RUNTIME_F32_VAL;
    int32_t runtime_zero_point = DNNL_RUNTIME_S32_VAL;
    float *fixed_scales = malloc(N * sizeof(float));
    for (int64_t n = 0; n < N; n++) fixed_scales[n] = 1e-4f;
    if (variant == RUNTIME_SCALES_RUNTIME_ZP || variant == RUNTIME_SCALES)
        CHECK(dnnl_primitive_attr_set_output_scales(attr, 1, 1 << 1, &runtime_scale));
    if (variant == RUNTIME_SCALES_RUNTIME_ZP)
        CHECK(dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &runtime_zero_point));
    if (variant == FIXED_SCALES)
        CHECK(dnnl_primitive_attr_set_output_scales(attr, N, 1 << 1, fixed_scales));
    if (fused) {
        dnnl_post_ops_t post_ops;
        CHECK(dnnl_post_ops_create(&post_ops));
        CHECK(dnnl_post_ops_append_eltwise(post_ops, 1.f, dnnl_eltwise_gelu_erf, 0, 0));
        CHECK(dnnl_primitive_attr_set_post_ops(attr, post_ops));
    }
    const char *kernel;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive = matmul_primitive(&desc, attr, engine, &kernel, &pd);

    dnnl_memory_desc_t scales_md = descriptor(1, (int64_t[]){N}, dnnl_f32, dnnl_a);
    dnnl_memory_desc_t zero_point_md = descriptor(1, (int64_t[]){1}, dnnl_s32, dnnl_a);
    dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, memory(&src, 100)},
        {DNNL_ARG_WEIGHTS, memory(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), 1)},
        {DNNL_ARG_DST, memory(&dst, 0)},
        {DNNL_ARG_BIAS, memory(&bias, 0)},
        {DNNL_ARG_ATTR_OUTPUT_SCALES, memory(&scales_md, 0)},
        {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, memory(&zero_point_md, 0)},
    };
    int count = variant == PLAIN_S32 ? 3 : variant == RUNTIME_SCALES_RUNTIME_ZP ? 6 : variant == RUNTIME_SCALES ? 5 : 4;

    for (int i = 0; i < 20; i++) CHECK(dnnl_primitive_execute(primitive, stream, count, args));
    double best = 1e9;
    for (int round = 0; round < 7; round++) {
        double start = seconds();
        for (int i = 0; i < 50; i++) CHECK(dnnl_primitive_execute(primitive, stream, count, args));
        CHECK(dnnl_stream_wait(stream));
        double each = (seconds() - start) / 50;
        if (each < best) best = each;
    }
    printf("M %4lld: %7.1f µs  %-14s %s\n", (long long)M, best * 1e6, kernel, names[variant]);
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);  // after the print: it owns the kernel name
    free(fixed_scales);
}

int main(void) {
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    int64_t rows[] = {80, 160, 320};
    for (int r = 0; r < 3; r++)
        for (int v = 0; v < VARIANTS; v++) run(rows[r], 512, 2048, v);
    return 0;
}
