import CDNNL

/// A dense layer's weight in int8 or bf16, converted from fp32 and reordered once at load into the
/// layout oneDNN's matmul reads (`DenseProduct`).
///
/// int8 weights are symmetric per output channel: `W[n, k] ≈ scales[n] · q[n, k]`, q in −127…127.
/// The activations are u8 with a zero point per token, so the s32 product `Σₖ a·q` still contains
/// `zp · Σₖ q[n, k]`; `columnSums` lets the epilogue take it out.
final class PackedWeight: @unchecked Sendable {
    let format: DenseProduct.Format
    let layout: DenseProduct.WeightPacking
    let inputs: Int
    let outputs: Int
    /// int8: the scale of each output channel (empty for bf16).
    let scales: [Float]
    /// int8: `Σₖ q[n, k]` of each output channel (empty for bf16).
    let columnSums: [Int32]
    /// The largest activation code. 255 where oneDNN accumulates u8·s8 exactly in 32 bits (VNNI);
    /// 127 where its kernels add pairs of products in 16 bits first (AVX2, AVX-512 without VNNI):
    /// with 7-bit activations those pairs cannot saturate.
    let activationLevels: Int
    /// oneDNN's kernel for this weight (e.g. `brg:avx512_core_vnni`).
    let kernel: String
    let memory: UnsafeMutableRawPointer

    /// `weight` is Hugging Face's `[out, in]`. Throws when this CPU has no kernel for `format`
    /// other than oneDNN's reference loops (hundreds of times slower).
    init(weight: Matrix, format: DenseProduct.Format) throws(OneDNN.Failure) {
        self.format = format
        inputs = weight.columns
        outputs = weight.rows
        // The `[out, in]` rows converted: they are oneDNN's `ba` layout of `[in, out]`.
        let plainBytes = outputs * inputs * format.elementBytes
        let plain = UnsafeMutableRawPointer.allocate(byteCount: max(plainBytes, 1), alignment: 64)
        var keepsPlain = false  // the plain layout multiplies these bytes as they are
        defer { if !keepsPlain { plain.deallocate() } }
        switch format {
        case .int8:
            (scales, columnSums) = Self.quantize(weight, into: plain.assumingMemoryBound(to: Int8.self))
        case .bf16:
            (scales, columnSums) = ([], [])
            BFloat16.convert(weight.storage, into: plain.assumingMemoryBound(to: UInt16.self))
        }

        // The blocked layout where this CPU has a brgemm kernel for it, else the plain one.
        let probe = { (layout: DenseProduct.WeightPacking) throws(OneDNN.Failure) -> DenseProduct in
            try DenseProduct.cached(.init(format: format, layout: layout, rows: DenseProduct.rowMultiple,
                                          inner: weight.columns, columns: weight.rows))
        }
        var chosen = (DenseProduct.WeightPacking.blocked, try? probe(.blocked))
        if chosen.1 == nil || chosen.1?.kernel.hasPrefix("ref") == true {
            chosen = (.plain, try probe(.plain))
        }
        guard let product = chosen.1, !product.kernel.hasPrefix("ref") else {
            throw OneDNN.Failure(call: "matmul (\(format)): only the reference kernel '\(chosen.1?.kernel ?? "?")' on \(OneDNN.instructionSet)",
                                 status: dnnl_unimplemented)
        }
        layout = chosen.0
        kernel = product.kernel
        let isa = OneDNN.instructionSet
        activationLevels = format == .int8 && !(kernel.contains("vnni") || kernel.contains("amx")
                                                || isa.contains("vnni") || isa.contains("amx")) ? 127 : 255

        if layout == .plain {
            memory = plain
            keepsPlain = true
        } else {
            var from = try DenseProduct.weightDescriptor(format, layout: .plain, inner: inputs, columns: outputs)
            var to = try DenseProduct.weightDescriptor(format, layout: .blocked, inner: inputs, columns: outputs)
            memory = UnsafeMutableRawPointer.allocate(byteCount: max(dnnl_memory_desc_get_size(&to), 1), alignment: 64)
            do {
                try Self.reorder(&from, plain, to: &to, memory)
            } catch {
                memory.deallocate()
                throw error
            }
        }
    }

    deinit { memory.deallocate() }

    /// Bytes from the start of the weights to column `column` (a multiple of
    /// `DenseProduct.columnMultiple`): whole 64-column panels in the blocked layout, whole rows in the plain one.
    func offset(ofColumn column: Int) -> Int {
        switch layout {
        case .plain: column * inputs * format.elementBytes
        case .blocked: column / DenseProduct.columnMultiple * ((inputs + 15) / 16 * 16) * DenseProduct.columnMultiple * format.elementBytes
        }
    }

    /// Per-row symmetric s8: scale = max|w| / 127.
    private static func quantize(_ weight: Matrix, into q: UnsafeMutablePointer<Int8>) -> ([Float], [Int32]) {
        var scales = [Float](repeating: 1, count: weight.rows)
        var sums = [Int32](repeating: 0, count: weight.rows)
        weight.storage.withUnsafeBufferPointer { w in
            for n in 0..<weight.rows {
                let row = w.baseAddress! + n * weight.columns
                var largest: Float = 0
                for k in 0..<weight.columns { largest = max(largest, abs(row[k])) }
                let scale = largest > 0 ? largest / 127 : 1
                scales[n] = scale
                var sum: Int32 = 0
                for k in 0..<weight.columns {
                    let value = Int8((row[k] / scale).rounded(.toNearestOrEven))
                    q[n * weight.columns + k] = value
                    sum += Int32(value)
                }
                sums[n] = sum
            }
        }
        return (scales, sums)
    }

    private static func reorder(_ from: inout dnnl_memory_desc_t, _ source: UnsafeMutableRawPointer,
                                to: inout dnnl_memory_desc_t, _ destination: UnsafeMutableRawPointer) throws(OneDNN.Failure) {
        let engine = try OneDNN.engine()
        var descriptor: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_reorder_primitive_desc_create(&descriptor, &from, engine, &to, engine, nil),
                         "dnnl_reorder_primitive_desc_create")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create (reorder)")
        defer { dnnl_primitive_destroy(primitive) }
        var stream: dnnl_stream_t?
        try OneDNN.check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
        defer { dnnl_stream_destroy(stream) }
        var input: dnnl_memory_t?, output: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&input, &from, engine, source), "dnnl_memory_create")
        defer { dnnl_memory_destroy(input) }
        try OneDNN.check(dnnl_memory_create(&output, &to, engine, destination), "dnnl_memory_create")
        defer { dnnl_memory_destroy(output) }
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: input), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: output)]
        OneDNN.useOneThread()
        try OneDNN.check(dnnl_primitive_execute(primitive, stream, 2, &arguments), "dnnl_primitive_execute (reorder)")
        try OneDNN.check(dnnl_stream_wait(stream), "dnnl_stream_wait")
    }
}
