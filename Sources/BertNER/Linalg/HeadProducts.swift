import CDNNL
import Synchronization

/// Attention's two products for one (sequence, head) in bf16 through oneDNN, for the int8 and bf16
/// engines: `scores[n, n] = Q·Kᵀ` and `context[n, d] = P·V`, bf16 operands, f32 results.
///
/// Both primitives take the sequence length at run time (oneDNN's gemm-based matmul accepts
/// `DNNL_RUNTIME_DIM_VAL`, unlike its brgemm), so one pair serves every length. Against OpenBLAS
/// sgemm on the same per-head products the gain grows with the length and is nil around 32
/// tokens, where converting the operands to bf16 costs what the product saves — hence
/// `minimumLength`.
final class HeadProducts: @unchecked Sendable {
    let headSize: Int
    /// The stride of Q, K and V rows: they are read in place from the bf16 Q|K|V matrix.
    let operandStride: Int
    /// The context rows' stride: the model width (heads side by side, as HF's reshape leaves them).
    let contextStride: Int
    /// oneDNN's implementation, e.g. `gemm:jit`.
    let kernel: String
    private let scores: MatmulPrimitive
    private let context: MatmulPrimitive

    /// Sequences shorter than this keep fp32 OpenBLAS attention (no gain at 32 tokens).
    static let minimumLength = 48

    /// The process's products for one head size and model width, made on first use: every layer
    /// (and every model of that shape) shares them. Nil, remembered, where this CPU has no bf16 kernel.
    static func shared(headSize: Int, operandStride: Int, contextStride: Int) -> HeadProducts? {
        let key = [headSize, operandStride, contextStride]
        return made.withLock { made in
            if let known = made[key] { return known.products }
            let products = try? HeadProducts(headSize: headSize, operandStride: operandStride, contextStride: contextStride)
            made[key] = Made(products: products)
            return products
        }
    }

    private struct Made: @unchecked Sendable { let products: HeadProducts? }
    private static let made = Mutex<[[Int]: Made]>([:])

    /// Throws when this CPU has no bf16 kernel for them but oneDNN's reference loops.
    init(headSize: Int, operandStride: Int, contextStride: Int) throws(OneDNN.Failure) {
        self.headSize = headSize
        self.operandStride = operandStride
        self.contextStride = contextStride
        let runtime = Int.min, d = headSize, ld = operandStride  // DNNL_RUNTIME_DIM_VAL (INT64_MIN; the macro does not import)
        // Q [n, d] · Kᵀ [d, n] (K's rows read as columns) → [n, n].
        scores = try Self.primitive(source: ([runtime, d], [ld, 1]), weights: ([d, runtime], [1, ld]),
                               destination: ([runtime, runtime], [runtime, 1]))
        // P [n, n] · V [n, d] → context [n, d] with the model's row stride.
        context = try Self.primitive(source: ([runtime, runtime], [runtime, 1]), weights: ([runtime, d], [ld, 1]),
                                destination: ([runtime, d], [contextStride, 1]))
        kernel = scores.kernel == context.kernel ? scores.kernel : "\(scores.kernel), \(context.kernel)"
        guard !scores.kernel.contains("ref"), !context.kernel.contains("ref") else {
            throw OneDNN.Failure(call: "matmul (bf16 attention): only the reference kernel '\(kernel)' on \(OneDNN.instructionSet)",
                                 status: dnnl_unimplemented)
        }
    }

    deinit {
        scores.destroy()
        context.destroy()
    }

    /// What a thread's memory objects are cached by.
    struct Key: Hashable {
        let products: ObjectIdentifier
        let length: Int
    }

    /// One thread's memory objects for sequences of one length (oneDNN needs the concrete
    /// dimensions in them), re-pointed per call.
    final class Arguments {
        fileprivate let scores: MatmulArguments
        fileprivate let context: MatmulArguments

        init(_ products: HeadProducts, length: Int) {
            let n = length, d = products.headSize, ld = products.operandStride
            scores = HeadProducts.arguments(products.scores, source: ([n, d], [ld, 1]), weights: ([d, n], [1, ld]),
                                               destination: ([n, n], [n, 1]))
            context = HeadProducts.arguments(products.context, source: ([n, n], [n, 1]), weights: ([n, d], [ld, 1]),
                                                 destination: ([n, d], [products.contextStride, 1]))
        }
    }

    /// `scores[n, n] = q[n, d] · k[n, d]ᵀ` (bf16 rows `operandStride` apart).
    func scores(_ arguments: Arguments, q: UnsafePointer<UInt16>, k: UnsafePointer<UInt16>,
                into scores: UnsafeMutablePointer<Float>, stream: dnnl_stream_t) {
        self.scores.execute(arguments.scores, source: q, weights: k, destination: scores, stream: stream)
    }

    /// `context[n, d] = p[n, n] · v[n, d]` (p contiguous, v's rows `operandStride` apart), written with the model's row stride.
    func context(_ arguments: Arguments, p: UnsafePointer<UInt16>, v: UnsafePointer<UInt16>,
                 into context: UnsafeMutablePointer<Float>, stream: dnnl_stream_t) {
        self.context.execute(arguments.context, source: p, weights: v, destination: context, stream: stream)
    }

    /// A matmul with run-time dimensions, bf16 × bf16 → f32.
    private static func primitive(source: Layout, weights: Layout, destination: Layout) throws(OneDNN.Failure) -> MatmulPrimitive {
        let (src, wei, dst) = try descriptors(source, weights, destination)
        return try MatmulPrimitive(source: src, weights: wei, destination: dst, label: "bf16 attention")
    }

    /// Memory objects for operands of these concrete dimensions and strides.
    fileprivate static func arguments(_ primitive: MatmulPrimitive, source: Layout, weights: Layout,
                                      destination: Layout) -> MatmulArguments {
        do throws(OneDNN.Failure) {
            let (src, wei, dst) = try descriptors(source, weights, destination)
            return primitive.arguments(source: src, weights: wei, destination: dst)
        } catch {
            preconditionFailure("oneDNN could not describe attention operands its primitive accepted: \(error)")
        }
    }

    /// bf16 source and weights, f32 destination.
    private static func descriptors(_ source: Layout, _ weights: Layout, _ destination: Layout) throws(OneDNN.Failure)
        -> (dnnl_memory_desc_t, dnnl_memory_desc_t, dnnl_memory_desc_t) {
        (try DenseProduct.descriptor(source.dims, dnnl_bf16, strides: source.strides),
         try DenseProduct.descriptor(weights.dims, dnnl_bf16, strides: weights.strides),
         try DenseProduct.descriptor(destination.dims, dnnl_f32, strides: destination.strides))
    }

    typealias Layout = (dims: [Int], strides: [Int])
}
