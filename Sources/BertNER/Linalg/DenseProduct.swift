import CDNNL
import Foundation
import Synchronization

/// One oneDNN matmul primitive: `dst[rows, columns] = src[rows, inner] · weights[inner, columns]`
/// for one shape, reused for every call of that shape (the weights are an argument, so all layers
/// of one shape share it).
///
/// oneDNN 2.6's brgemm matmul does not take a run-time row count, so callers run at most
/// `maximumRows` rows per call and round the rows up to a multiple of `rowMultiple`; the few
/// dozen shapes a model needs are created once and cached for the process.
package struct DenseProduct: @unchecked Sendable {
    /// Input and weight element types of a reduced-precision product.
    package enum Format: Hashable, Sendable {
        /// u8 activations × s8 weights → s32.
        case int8
        /// bf16 × bf16 → f32.
        case bf16

        var source: dnnl_data_type_t { self == .int8 ? dnnl_u8 : dnnl_bf16 }
        var weights: dnnl_data_type_t { self == .int8 ? dnnl_s8 : dnnl_bf16 }
        var destination: dnnl_data_type_t { self == .int8 ? dnnl_s32 : dnnl_f32 }
        /// Bytes per input or weight element.
        package var elementBytes: Int { self == .int8 ? 1 : 2 }
        /// The format of a reduced precision (nil for fp32, which OpenBLAS multiplies).
        package init?(_ precision: Precision) {
            switch precision {
            case .fp32: return nil
            case .int8: self = .int8
            case .bf16: self = .bf16
            }
        }

        package var precision: Precision { self == .int8 ? .int8 : .bf16 }

        /// The blocked weight layout brgemm reads directly: 64-column panels of 16-row groups, so a
        /// band of columns starting at a multiple of 64 is contiguous.
        var blockedTag: dnnl_format_tag_t { self == .int8 ? dnnl_BA16a64b4a : dnnl_BA16a64b2a }
    }

    /// How the weights are laid out in memory.
    package enum WeightLayout: Hashable, Sendable {
        /// `Format.blockedTag`, reordered once at load (the fast brgemm kernels).
        case blocked
        /// Hugging Face's `[out, in]` rows as they are, for CPUs whose kernels (`gemm:jit`) take no blocked layout.
        case plain
    }

    package struct Shape: Hashable, Sendable {
        var format: Format
        var layout: WeightLayout
        var rows: Int
        var inner: Int
        var columns: Int
    }

    package static let rowMultiple = 16

    /// `rows` rounded up to `rowMultiple`: the rows a product of `rows` rows computes.
    package static func paddedRows(_ rows: Int) -> Int { (rows + rowMultiple - 1) / rowMultiple * rowMultiple }
    package static let maximumRows = 64
    /// Column bands must start on a panel of the blocked layout.
    package static let columnMultiple = 64

    let shape: Shape
    let primitive: dnnl_primitive_t
    let source: dnnl_memory_desc_t
    let weights: dnnl_memory_desc_t
    let destination: dnnl_memory_desc_t
    let scratchpad: dnnl_memory_desc_t
    let scratchpadBytes: Int
    /// oneDNN's implementation name, e.g. `brg:avx512_core_vnni`.
    package let kernel: String

    /// Kernels that ran in place of the one a weight was packed for (oneDNN's reference loops
    /// when a shape is one its fast kernels refuse): reported by `TokenClassifier.productKernels`.
    package static var substitutedKernels: [String] { cache.withLock { $0.substituted.sorted() } }

    /// Records (and warns once on standard error) when `kernel` is not the `expected` one.
    @inline(__always)
    static func noteKernel(_ kernel: String, expected: String) {
        guard kernel != expected else { return }
        let first = cache.withLock { $0.substituted.insert("\(kernel) for \(expected)").inserted }
        if first {
            FileHandle.standardError.write(Data("BertNER: warning: oneDNN runs \(kernel) where \(expected) was expected; products will be slow\n".utf8))
        }
    }

    private struct Cache: @unchecked Sendable {
        var products: [Shape: DenseProduct] = [:]
        var substituted: Set<String> = []
    }
    private static let cache = Mutex(Cache())

    /// The cached product for `shape`, created on first use.
    package static func cached(_ shape: Shape) throws(OneDNN.Failure) -> DenseProduct {
        if let product = cache.withLock({ $0.products[shape] }) { return product }
        let product = try DenseProduct(shape)
        return cache.withLock { cache in
            if let existing = cache.products[shape] {
                product.destroy()
                return existing
            }
            cache.products[shape] = product
            return product
        }
    }

    private init(_ shape: Shape) throws(OneDNN.Failure) {
        self.shape = shape
        let engine = try OneDNN.engine()
        source = try Self.descriptor([shape.rows, shape.inner], shape.format.source, strides: [shape.inner, 1])
        // Dense rows: brgemm writes no strided output (it would fall back to the reference kernel).
        destination = try Self.descriptor([shape.rows, shape.columns], shape.format.destination,
                                          strides: [shape.columns, 1])
        weights = try Self.weightDescriptor(shape.format, layout: shape.layout, inner: shape.inner, columns: shape.columns)
        var desc = dnnl_matmul_desc_t()
        var (src, wei, dst) = (source, weights, destination)
        try OneDNN.check(dnnl_matmul_desc_init(&desc, &src, &wei, nil, &dst), "dnnl_matmul_desc_init")
        var attributes: dnnl_primitive_attr_t?
        try OneDNN.check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        // The caller's scratchpad: primitives then run concurrently from several threads.
        try OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
                         "dnnl_primitive_attr_set_scratchpad_mode")
        var descriptor: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&descriptor, &desc, attributes, engine, nil),
                         "dnnl_primitive_desc_create (matmul \(shape.rows)×\(shape.inner)·\(shape.inner)×\(shape.columns))")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        kernel = name.map { String(cString: $0) } ?? "unknown"
        scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)?.pointee ?? dnnl_memory_desc_t()
        var pad = scratchpad
        scratchpadBytes = dnnl_memory_desc_get_size(&pad)
        var created: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&created, descriptor), "dnnl_primitive_create")
        guard let created else { throw OneDNN.Failure(call: "dnnl_primitive_create", status: dnnl_runtime_error) }
        primitive = created
    }

    private func destroy() { dnnl_primitive_destroy(primitive) }

    /// One thread's oneDNN memory objects for this product's arguments (and its scratchpad),
    /// re-pointed at each call's buffers: creating them per call allocated inside oneDNN every time.
    package final class Arguments {
        private var memories: [dnnl_memory_t?]
        private let list: UnsafeMutablePointer<dnnl_exec_arg_t>
        private let count: Int32
        private let scratchpad: UnsafeMutableRawPointer

        init(_ product: DenseProduct) {
            let engine: dnnl_engine_t
            do { engine = try OneDNN.engine() } catch { preconditionFailure("\(error)") }  // made the product already
            scratchpad = .allocate(byteCount: max(64, product.scratchpadBytes), alignment: 64)
            var descriptors = [product.source, product.weights, product.destination, product.scratchpad]
            memories = [nil, nil, nil, nil]
            let kinds = [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD]
            count = product.scratchpadBytes > 0 ? 4 : 3
            list = .allocate(capacity: 4)
            for k in 0..<Int(count) {
                // A null handle for now (DNNL_MEMORY_NONE): every call sets its own.
                let status = dnnl_memory_create(&memories[k], &descriptors[k], engine, k == 3 ? scratchpad : nil)
                precondition(status == dnnl_success, "oneDNN could not create a memory object (status \(status.rawValue))")
                list[k] = dnnl_exec_arg_t(arg: kinds[k], memory: memories[k])
            }
        }

        deinit {
            for memory in memories where memory != nil { dnnl_memory_destroy(memory) }
            list.deallocate()
            scratchpad.deallocate()
        }

        /// `dst = src · weights` on `stream`.
        func execute(_ product: DenseProduct, source: UnsafeRawPointer, weights: UnsafeRawPointer,
                     destination: UnsafeMutableRawPointer, stream: dnnl_stream_t) {
            dnnl_memory_set_data_handle(memories[0], UnsafeMutableRawPointer(mutating: source))
            dnnl_memory_set_data_handle(memories[1], UnsafeMutableRawPointer(mutating: weights))
            dnnl_memory_set_data_handle(memories[2], destination)
            OneDNN.useOneThread()
            let status = dnnl_primitive_execute(product.primitive, stream, count, list)
            precondition(status == dnnl_success, "oneDNN matmul failed with status \(status.rawValue)")
        }
    }

    static func descriptor(_ dims: [Int], _ type: dnnl_data_type_t, strides: [Int]) throws(OneDNN.Failure) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map(Int64.init), s = strides.map(Int64.init)
        let status = d.withUnsafeBufferPointer { dp in
            s.withUnsafeBufferPointer { sp in dnnl_memory_desc_init_by_strides(&md, Int32(d.count), dp.baseAddress, type, sp.baseAddress) }
        }
        try OneDNN.check(status, "dnnl_memory_desc_init_by_strides")
        return md
    }

    /// `[inner, columns]` weights: blocked, or Hugging Face's rows (`ba`: each column's `inner` values contiguous).
    static func weightDescriptor(_ format: Format, layout: WeightLayout, inner: Int, columns: Int) throws(OneDNN.Failure) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims: [Int64] = [Int64(inner), Int64(columns)]
        let tag = layout == .blocked ? format.blockedTag : dnnl_ba
        let status = dims.withUnsafeBufferPointer { dnnl_memory_desc_init_by_tag(&md, 2, $0.baseAddress, format.weights, tag) }
        try OneDNN.check(status, "dnnl_memory_desc_init_by_tag")
        return md
    }
}
