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
struct DenseProduct: @unchecked Sendable {
    /// Input and weight element types of a reduced-precision product.
    enum Format: Hashable, Sendable {
        /// u8 activations × s8 weights → s32.
        case int8
        /// bf16 × bf16 → f32.
        case bf16

        var source: dnnl_data_type_t { self == .int8 ? dnnl_u8 : dnnl_bf16 }
        var weights: dnnl_data_type_t { self == .int8 ? dnnl_s8 : dnnl_bf16 }
        var destination: dnnl_data_type_t { self == .int8 ? dnnl_s32 : dnnl_f32 }
        /// Bytes per input or weight element.
        var elementBytes: Int { self == .int8 ? 1 : 2 }
        /// The format of a reduced precision (nil for fp32, which OpenBLAS multiplies).
        init?(_ precision: Precision) {
            switch precision {
            case .fp32: return nil
            case .int8: self = .int8
            case .bf16: self = .bf16
            }
        }

        var precision: Precision { self == .int8 ? .int8 : .bf16 }

        /// The blocked weight layout brgemm reads directly: 64-column panels of 16-row groups, so a
        /// band of columns starting at a multiple of 64 is contiguous.
        var blockedTag: dnnl_format_tag_t { self == .int8 ? dnnl_BA16a64b4a : dnnl_BA16a64b2a }
    }

    /// How the weights are laid out in memory.
    enum WeightPacking: Hashable, Sendable {
        /// `Format.blockedTag`, reordered once at load (the fast brgemm kernels).
        case blocked
        /// Hugging Face's `[out, in]` rows as they are, for CPUs whose kernels (`gemm:jit`) take no blocked layout.
        case plain
    }

    struct Shape: Hashable, Sendable {
        var format: Format
        var layout: WeightPacking
        var rows: Int
        var inner: Int
        var columns: Int
    }

    /// 8 rather than 16: the padding rows are multiplied like real ones, and the service's lone
    /// sentences of 20–50 word pieces would waste up to a third of a product on them.
    static let rowMultiple = 8

    /// `rows` rounded up to `rowMultiple`: the rows a product of `rows` rows computes.
    static func paddedRows(_ rows: Int) -> Int { (rows + rowMultiple - 1) / rowMultiple * rowMultiple }
    /// 128 rather than 64: a 128-token sequence on one thread then reads each weight once per
    /// product, while the s32 chunk the epilogue finishes stays near L2.
    static let maximumRows = 128
    /// Column bands must start on a panel of the blocked layout.
    static let columnMultiple = 64

    let shape: Shape
    let matmul: MatmulPrimitive
    let source: dnnl_memory_desc_t
    let weights: dnnl_memory_desc_t
    let destination: dnnl_memory_desc_t
    /// oneDNN's implementation name, e.g. `brg:avx512_core_vnni`.
    var kernel: String { matmul.kernel }

    /// Kernels that ran in place of the one a weight was packed for (oneDNN's reference loops
    /// when a shape is one its fast kernels refuse): reported by `TokenClassifier.productKernels`.
    static var substitutedKernels: [String] { cache.withLock { $0.substituted.sorted() } }

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
    static func cached(_ shape: Shape) throws(OneDNN.Failure) -> DenseProduct {
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
        source = try Self.descriptor([shape.rows, shape.inner], shape.format.source, strides: [shape.inner, 1])
        // Dense rows: brgemm writes no strided output (it would fall back to the reference kernel).
        destination = try Self.descriptor([shape.rows, shape.columns], shape.format.destination,
                                          strides: [shape.columns, 1])
        weights = try Self.weightDescriptor(shape.format, layout: shape.layout, inner: shape.inner, columns: shape.columns)
        matmul = try MatmulPrimitive(source: source, weights: weights, destination: destination,
                                     label: "matmul \(shape.rows)×\(shape.inner)·\(shape.inner)×\(shape.columns)")
    }

    private func destroy() { matmul.destroy() }

    /// One thread's memory objects for this product's arguments.
    func arguments() -> MatmulArguments {
        matmul.arguments(source: source, weights: weights, destination: destination)
    }

    /// `dst = src · weights` on `stream` with one thread's `arguments`.
    func execute(_ arguments: MatmulArguments, source: UnsafeRawPointer, weights: UnsafeRawPointer,
                 destination: UnsafeMutableRawPointer, stream: dnnl_stream_t) {
        matmul.execute(arguments, source: source, weights: weights, destination: destination, stream: stream)
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
    static func weightDescriptor(_ format: Format, layout: WeightPacking, inner: Int, columns: Int) throws(OneDNN.Failure) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims: [Int64] = [Int64(inner), Int64(columns)]
        let tag = layout == .blocked ? format.blockedTag : dnnl_ba
        let status = dims.withUnsafeBufferPointer { dnnl_memory_desc_init_by_tag(&md, 2, $0.baseAddress, format.weights, tag) }
        try OneDNN.check(status, "dnnl_memory_desc_init_by_tag")
        return md
    }
}
