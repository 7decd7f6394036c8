// Would an fp32 path whose weights are reordered once beat OpenBLAS sgemm, which re-packs the weight
// on every call? y[M,N] = x[M,K]·Wᵀ + b on the default model's four dense products (hidden 512,
// intermediate 2048: QKV 512→1536, attention output 512→512, intermediate 512→2048, output
// 2048→512) at M 32, 128, 256 and 1024 rows. W is Hugging Face's [N,K] row-major.
//   sgemm:  cblas_sgemm(RowMajor, NoTrans, Trans, …, W, K) and, on a pre-transposed [K,N] copy,
//           NoTrans; the faster of the two counts (BertNER picks a layout per shape), and its time
//           includes the bias pass that follows the sgemm in GEMM.linear (beta 0, then a row loop).
//   oneDNN: f32 matmul, weights [K,N] created with format_tag any, the bias [1,N] in the primitive,
//           one primitive per (shape, M) made before timing, W reordered once into its weights_desc.
// Best of 7 × (enough calls for ~20 ms) each; per line µs per call, GFLOP/s, sgemm/oneDNN, oneDNN's
// kernel and weight layout, and max |Δ| between the two results; then per M the four products
// summed (one encoder layer's dense work). The argument is the thread count, for both OpenMP
// (oneDNN) and OpenBLAS; QUICK=1 runs 1 × 1 call per variant, which only checks that it works.
// libdnnl 2.6.3 has no AVX2 brgemm matmul (its brg: kernels start at avx512_core), so with the ISA
// capped to AVX2 the matmul is something else; each line prints the kernel and layout it got.
//
//   cc -O2 Benchmarks/probes/fp32_packed.c -ldnnl -lopenblas -lgomp -lm -o /tmp/fp32_packed
//   /tmp/fp32_packed 1
//   /tmp/fp32_packed 2
//   DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell /tmp/fp32_packed 2   # an AVX2-only CPU
//
// Result: see Docs/BENCHMARKS.md, which records the per-shape and per-layer times of both paths at
// 1 and 2 threads, natively and with the ISA capped to AVX2.
#include "probe.h"
#include <cblas.h>
#include <math.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int rounds = 7, quick = 0;

static float *floats(size_t count) {
    float *p = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
    if (!p) { printf("out of memory\n"); exit(1); }
    return p;
}

static void fill(float *p, size_t count, float scale) {
    for (size_t i = 0; i < count; i++) p[i] = scale * ((float)rand() / RAND_MAX * 2 - 1);
}

/// A 2-D f32 descriptor, either plain row-major (`tag`) or with explicit strides (tag any + strides).
static dnnl_memory_desc_t descriptor(int64_t d0, int64_t d1, dnnl_format_tag_t tag, const int64_t *strides) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {d0, d1};
    if (strides) {
        dnnl_dims_t all = {strides[0], strides[1]};
        CHECK(dnnl_memory_desc_init_by_strides(&md, 2, dims, dnnl_f32, all));
    } else {
        CHECK(dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, tag));
    }
    return md;
}

/// oneDNN's tag-like name of a 2-D blocked layout, a = K and b = N: "ab", "ba", "BA16a64b", …
static void layout_name(const dnnl_memory_desc_t *md, char *out, size_t size) {
    if (md->format_kind != dnnl_blocked) { snprintf(out, size, "format_kind %d", md->format_kind); return; }
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    int blocked[2] = {0, 0};
    for (int i = 0; i < b->inner_nblks; i++) blocked[b->inner_idxs[i]] = 1;
    int outer = b->strides[0] >= b->strides[1] ? 0 : 1;  // the dimension with the larger stride first
    int n = snprintf(out, size, "%c%c", (blocked[outer] ? 'A' : 'a') + outer, (blocked[1 - outer] ? 'A' : 'a') + 1 - outer);
    for (int i = 0; i < b->inner_nblks && n < (int)size; i++)
        n += snprintf(out + n, size - n, "%lld%c", (long long)b->inner_blks[i], 'a' + (int)b->inner_idxs[i]);
}

static void execute(dnnl_primitive_t p, int count, dnnl_exec_arg_t *args) {
    CHECK(dnnl_primitive_execute(p, stream, count, args));
    CHECK(dnnl_stream_wait(stream));
}

typedef struct {
    int64_t M, K, N;
    const float *x, *w, *wt, *bias;  // x [M,K], W [N,K], Wᵀ [K,N], b [N]
    float *y;
    int transposed;  // which sgemm: 1 = x·Wᵀ on W, 0 = x·W on the [K,N] copy
    dnnl_primitive_t matmul;
    dnnl_exec_arg_t *args;
} Product;

static void sgemm(const Product *p) {
    if (p->transposed)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p->M, p->N, p->K, 1, p->x, p->K, p->w, p->K, 0, p->y, p->N);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p->M, p->N, p->K, 1, p->x, p->K, p->wt, p->N, 0, p->y, p->N);
    for (int64_t r = 0; r < p->M; r++) {  // as GEMM.linear: the bias in a pass after the product
        float *row = p->y + r * p->N;
        for (int64_t c = 0; c < p->N; c++) row[c] += p->bias[c];
    }
}

/// Best seconds per call of sgemm (matmul NULL) or the oneDNN primitive: warm up, size a block of
/// calls to ~20 ms, then best of `rounds` blocks. Each block starts with an untimed call so that the
/// other library's spinning threads have handed the cores back.
static double best_time(const Product *p) {
    #define CALL() do { if (p->matmul) execute(p->matmul, 4, p->args); else sgemm(p); } while (0)
    for (int i = 0; i < 2; i++) CALL();
    double start = seconds();
    CALL();
    double one = seconds() - start;
    int calls = quick ? 1 : (int)(0.02 / (one > 1e-7 ? one : 1e-7)) + 1;
    double best = 1e9;
    for (int round = 0; round < rounds; round++) {
        CALL();
        start = seconds();
        for (int i = 0; i < calls; i++) CALL();
        double each = (seconds() - start) / calls;
        if (each < best) best = each;
    }
    return best;
    #undef CALL
}

static double max_abs(const float *a, const float *b, size_t count, double *largest) {
    double worst = 0, top = 0;
    for (size_t i = 0; i < count; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > worst) worst = d;
        if (fabs(b[i]) > top) top = fabs(b[i]);
    }
    *largest = top;
    return worst;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1) { printf("usage: %s THREADS (QUICK=1 for a smoke run)\n", argv[0]); return 1; }
    quick = getenv("QUICK") && atoi(getenv("QUICK"));
    if (quick) rounds = 1;
    // Both before making any primitive: oneDNN's kernels size their work split at creation.
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    const dnnl_version_t *v = dnnl_version();
    printf("%d thread(s); oneDNN %d.%d.%d, ISA %s (%d OpenMP threads); OpenBLAS %s, core %s%s\n", threads,
           v->major, v->minor, v->patch, dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()), omp_get_max_threads(),
           openblas_get_config(), openblas_get_corename(), quick ? "; QUICK: 1 round × 1 call, times are not results" : "");

    const char *names[4] = {"QKV", "attn out", "intermediate", "output"};
    const int64_t shapes[4][2] = {{512, 1536}, {512, 512}, {512, 2048}, {2048, 512}};  // (K, N)
    const int64_t rows[4] = {32, 128, 256, 1024};
    double total_sgemm[4] = {0}, total_dnnl[4] = {0}, total_flops[4] = {0};

    for (int s = 0; s < 4; s++) {
        int64_t K = shapes[s][0], N = shapes[s][1], Mmax = rows[3];
        float *x = floats(Mmax * K), *w = floats(N * K), *wt = floats(K * N), *bias = floats(N);
        float *y_blas = floats(Mmax * N), *y_dnnl = floats(Mmax * N);
        fill(x, Mmax * K, 1.f);
        fill(w, N * K, 1.f / sqrtf((float)K));
        fill(bias, N, 0.1f);
        for (int64_t n = 0; n < N; n++)
            for (int64_t k = 0; k < K; k++) wt[k * N + n] = w[n * K + k];
        // W [N,K] row-major seen as the matmul's [K,N] weights: strides {1, K} ("ba").
        dnnl_memory_desc_t user_w = descriptor(K, N, dnnl_format_tag_any, (int64_t[]){1, K});
        dnnl_memory_t user_w_mem;
        CHECK(dnnl_memory_create(&user_w_mem, &user_w, engine, w));
        dnnl_memory_desc_t first_layout;
        int first = 1;

        for (int r = 0; r < 4; r++) {
            int64_t M = rows[r];
            dnnl_memory_desc_t src = descriptor(M, K, dnnl_ab, NULL);
            dnnl_memory_desc_t weights = descriptor(K, N, dnnl_format_tag_any, NULL);
            dnnl_memory_desc_t bias_md = descriptor(1, N, dnnl_ab, NULL);
            dnnl_memory_desc_t dst = descriptor(M, N, dnnl_ab, NULL);
            dnnl_matmul_desc_t desc;
            CHECK(dnnl_matmul_desc_init(&desc, &src, &weights, &bias_md, &dst));
            const char *kernel;
            dnnl_primitive_desc_t pd;
            dnnl_primitive_t matmul = matmul_primitive(&desc, NULL, engine, &kernel, &pd);

            // The weights reordered once into the layout the primitive asked for.
            const dnnl_memory_desc_t *packed_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
            char layout[64];
            layout_name(packed_md, layout, sizeof layout);
            int same_layout = first || dnnl_memory_desc_equal(packed_md, &first_layout);
            if (first) { first_layout = *packed_md; first = 0; }
            dnnl_memory_t packed;
            CHECK(dnnl_memory_create(&packed, packed_md, engine, DNNL_MEMORY_ALLOCATE));
            dnnl_primitive_desc_t reorder_pd;
            dnnl_primitive_t reorder;
            CHECK(dnnl_reorder_primitive_desc_create(&reorder_pd, &user_w, engine, packed_md, engine, NULL));
            CHECK(dnnl_primitive_create(&reorder, reorder_pd));
            dnnl_exec_arg_t reorder_args[] = {{DNNL_ARG_FROM, user_w_mem}, {DNNL_ARG_TO, packed}};
            double start = seconds();
            execute(reorder, 2, reorder_args);
            double reorder_time = seconds() - start;
            dnnl_primitive_destroy(reorder);
            dnnl_primitive_desc_destroy(reorder_pd);

            dnnl_memory_t src_mem, bias_mem, dst_mem;
            CHECK(dnnl_memory_create(&src_mem, &src, engine, x));
            CHECK(dnnl_memory_create(&bias_mem, &bias_md, engine, bias));
            CHECK(dnnl_memory_create(&dst_mem, &dst, engine, y_dnnl));
            dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, packed}, {DNNL_ARG_BIAS, bias_mem}, {DNNL_ARG_DST, dst_mem}};

            Product p = {M, K, N, x, w, wt, bias, y_blas, 1, NULL, NULL};
            double blas_t = best_time(&p);
            p.transposed = 0;
            double blas_n = best_time(&p);
            Product q = p;
            q.matmul = matmul;
            q.args = args;
            double dnnl = best_time(&q);

            // Correctness: both sgemm layouts against oneDNN, worst of the two.
            double largest, delta;
            execute(matmul, 4, args);
            p.transposed = 1; sgemm(&p);
            delta = max_abs(y_blas, y_dnnl, M * N, &largest);
            p.transposed = 0; sgemm(&p);
            double delta_n = max_abs(y_blas, y_dnnl, M * N, &largest);
            if (delta_n > delta) delta = delta_n;

            double blas = blas_t < blas_n ? blas_t : blas_n, flops = 2.0 * M * K * N;
            total_sgemm[r] += blas;
            total_dnnl[r] += dnnl;
            total_flops[r] += flops;
            printf("%-12s K %4lld N %4lld M %4lld: sgemm %8.1f µs %5.1f GFLOP/s (%s; x·Wᵀ %.1f, x·W %.1f) | "
                   "oneDNN %8.1f µs %5.1f GFLOP/s | %.2f× | %s, weights %s%s (reorder %.0f µs) | max|Δ| %.1e (rel %.1e)\n",
                   names[s], (long long)K, (long long)N, (long long)M, blas * 1e6, flops / blas * 1e-9,
                   blas_t <= blas_n ? "x·Wᵀ" : "x·W", blas_t * 1e6, blas_n * 1e6, dnnl * 1e6, flops / dnnl * 1e-9,
                   blas / dnnl, kernel, layout, same_layout ? "" : " (differs from this shape's first M)",
                   reorder_time * 1e6, delta, largest > 0 ? delta / largest : 0);
            fflush(stdout);

            dnnl_memory_destroy(src_mem); dnnl_memory_destroy(bias_mem); dnnl_memory_destroy(dst_mem);
            dnnl_memory_destroy(packed);
            dnnl_primitive_destroy(matmul);
            dnnl_primitive_desc_destroy(pd);  // after the print: it owns the kernel name
        }
        dnnl_memory_destroy(user_w_mem);
        free(x); free(w); free(wt); free(bias); free(y_blas); free(y_dnnl);
    }
    printf("one encoder layer's four dense products:\n");
    for (int r = 0; r < 4; r++)
        printf("  M %4lld: sgemm %8.1f µs %5.1f GFLOP/s | oneDNN %8.1f µs %5.1f GFLOP/s | %.2f×\n", (long long)rows[r],
               total_sgemm[r] * 1e6, total_flops[r] / total_sgemm[r] * 1e-9, total_dnnl[r] * 1e6,
               total_flops[r] / total_dnnl[r] * 1e-9, total_sgemm[r] / total_dnnl[r]);
    return 0;
}
