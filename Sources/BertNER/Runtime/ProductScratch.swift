import CDNNL

/// The memory one reduced-precision dense layer needs during a pass, kept by the `ComputePool`
/// between layers and passes: the converted input rows (u8 or bf16), the raw product (s32 or
/// f32), each row's quantization parameters, and one oneDNN stream per part of a region.
///
/// Rows are allocated rounded up to `DenseProduct.rowMultiple`: a product's last call may run on
/// a few rows past the batch, which land here and are ignored.
package final class ProductScratch: @unchecked Sendable {
    private(set) var input: UnsafeMutableRawPointer?
    private(set) var product: UnsafeMutableRawPointer?
    private(set) var parameters: UnsafeMutablePointer<RowQuantization.Parameters>?
    private var inputBytes = 0, productBytes = 0, rowCapacity = 0
    private var streams: [dnnl_stream_t?] = []
    /// Per part: the memory objects of each product shape it has run.
    private var arguments: [PartArguments] = []

    private final class PartArguments {
        var byShape: [DenseProduct.Shape: MatmulArguments] = [:]
        /// bf16 attention's, by sequence length.
        var byLength: [HeadProducts.Key: HeadProducts.Arguments] = [:]
    }

    init() {}

    deinit {
        input?.deallocate()
        product?.deallocate()
        parameters?.deallocate()
        for stream in streams { dnnl_stream_destroy(stream) }
    }

    /// Room for `rows` rows of `inputBytesPerRow` and `productBytesPerRow`, and `parts` streams.
    /// Called before a region starts, never inside one.
    func reserve(rows: Int, inputBytesPerRow: Int, productBytesPerRow: Int, parts: Int) {
        let padded = DenseProduct.paddedRows(rows)
        Self.grow(&input, &inputBytes, to: padded * inputBytesPerRow)
        Self.grow(&product, &productBytes, to: padded * productBytesPerRow)
        if padded > rowCapacity {
            parameters?.deallocate()
            rowCapacity = max(padded, rowCapacity * 3 / 2)
            parameters = .allocate(capacity: rowCapacity)
        }
        reserveStreams(parts)
    }

    /// A oneDNN stream (and memory-object cache) for each of `parts` parts. Called before a region starts.
    func reserveStreams(_ parts: Int) {
        while streams.count < parts {
            var stream: dnnl_stream_t?
            do {
                let engine = try OneDNN.engine()
                try OneDNN.check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)),
                                 "dnnl_stream_create")
            } catch { preconditionFailure("\(error)") }  // the engine made the weights' products already
            streams.append(stream)
            arguments.append(PartArguments())
        }
    }

    /// Part `part`'s memory objects for `product` (each part touches only its own).
    func arguments(part: Int, for product: DenseProduct) -> MatmulArguments {
        let cache = arguments[part]
        if let found = cache.byShape[product.shape] { return found }
        let made = product.arguments()
        cache.byShape[product.shape] = made
        return made
    }

    /// Part `part`'s memory objects for bf16 attention over sequences of `length` tokens.
    func arguments(part: Int, for products: HeadProducts, length: Int) -> HeadProducts.Arguments {
        let cache = arguments[part]
        let key = HeadProducts.Key(products: ObjectIdentifier(products), length: length)
        if let found = cache.byLength[key] { return found }
        let made = HeadProducts.Arguments(products, length: length)
        cache.byLength[key] = made
        return made
    }

    func stream(part: Int) -> dnnl_stream_t {
        guard let stream = streams[part] else { preconditionFailure("no oneDNN stream for part \(part)") }
        return stream
    }

    private static func grow(_ buffer: inout UnsafeMutableRawPointer?, _ capacity: inout Int, to bytes: Int) {
        guard bytes > capacity || buffer == nil else { return }
        buffer?.deallocate()
        capacity = max(bytes, capacity * 3 / 2, 64)
        buffer = .allocate(byteCount: capacity, alignment: 64)
    }
}
