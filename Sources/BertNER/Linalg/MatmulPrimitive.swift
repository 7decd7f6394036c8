import CDNNL

/// A oneDNN matmul primitive `destination = source · weights` for the given memory descriptors
/// (dimensions may be `DNNL_RUNTIME_DIM_VAL`), with a user scratchpad so that several threads can
/// run it at once, each with its own `MatmulArguments`.
struct MatmulPrimitive: @unchecked Sendable {
    let primitive: dnnl_primitive_t
    /// oneDNN's implementation name, e.g. `brg:avx512_core_vnni` or `gemm:jit`.
    let kernel: String
    let scratchpad: dnnl_memory_desc_t
    let scratchpadBytes: Int

    /// `label` names the product in errors.
    init(source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, destination: dnnl_memory_desc_t,
         label: String) throws(OneDNN.Failure) {
        let engine = try OneDNN.engine()
        var desc = dnnl_matmul_desc_t()
        var (src, wei, dst) = (source, weights, destination)
        try OneDNN.check(dnnl_matmul_desc_init(&desc, &src, &wei, nil, &dst), "dnnl_matmul_desc_init (\(label))")
        var attributes: dnnl_primitive_attr_t?
        try OneDNN.check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
                         "dnnl_primitive_attr_set_scratchpad_mode")
        var descriptor: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&descriptor, &desc, attributes, engine, nil),
                         "dnnl_primitive_desc_create (\(label))")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        kernel = name.map { String(cString: $0) } ?? "unknown"
        scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
        var pad = scratchpad
        scratchpadBytes = dnnl_memory_desc_get_size(&pad)
        var created: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&created, descriptor), "dnnl_primitive_create (\(label))")
        guard let created else { throw OneDNN.Failure(call: "dnnl_primitive_create", status: dnnl_runtime_error) }
        primitive = created
    }

    func destroy() { dnnl_primitive_destroy(primitive) }

    /// One thread's memory objects, for calls whose operands have these descriptors.
    func arguments(source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, destination: dnnl_memory_desc_t) -> MatmulArguments {
        MatmulArguments(source: source, weights: weights, destination: destination,
                        scratchpad: scratchpad, scratchpadBytes: scratchpadBytes)
    }

    /// `destination = source · weights` on `stream` with one thread's `arguments`.
    func execute(_ arguments: MatmulArguments, source: UnsafeRawPointer, weights: UnsafeRawPointer,
                 destination: UnsafeMutableRawPointer, stream: dnnl_stream_t) {
        arguments.execute(primitive, source: source, weights: weights, destination: destination, stream: stream)
    }
}
