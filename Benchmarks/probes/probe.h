// What the oneDNN probes in this folder share: error checks, a clock, and making a matmul
// primitive with the name of the kernel oneDNN picked for it.
#pragma once
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(call) do { dnnl_status_t status = (call); \
    if (status != dnnl_success) { printf("%s failed: %d\n", #call, status); exit(1); } } while (0)

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// The matmul primitive for `desc` (with `attr`, which may be NULL); `kernel` gets oneDNN's
/// implementation name, `pd` (if not NULL) the primitive descriptor, which the caller then owns.
static dnnl_primitive_t matmul_primitive(const dnnl_matmul_desc_t *desc, dnnl_primitive_attr_t attr, dnnl_engine_t engine,
                                         const char **kernel, dnnl_primitive_desc_t *pd) {
    dnnl_primitive_desc_t made;
    CHECK(dnnl_primitive_desc_create(&made, desc, attr, engine, NULL));
    CHECK(dnnl_primitive_desc_query(made, dnnl_query_impl_info_str, 0, kernel));
    dnnl_primitive_t primitive;
    CHECK(dnnl_primitive_create(&primitive, made));
    if (pd) *pd = made; else dnnl_primitive_desc_destroy(made);
    return primitive;
}
