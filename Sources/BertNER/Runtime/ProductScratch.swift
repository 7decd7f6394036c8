import CDNNL

/// The memory one reduced-precision dense layer needs during a pass, kept by the `ComputePool`
/// between layers and passes: the converted input rows (u8 or bf16) with each row's quantization
/// parameters, the raw product (s32 or f32), one finished row per part, and one oneDNN stream per
/// part of a region.
///
/// A product whose output only feeds the next product (the feed-forward expansion) converts its
/// finished rows straight into `handoff`; `takeHandoff()` then makes them the next product's input,
/// so the wide activation never goes to memory as floats and back.
///
/// Rows are allocated rounded up to `DenseProduct.rowMultiple`: a product's last call may run on
/// a few rows past the batch, which land here and are ignored.
final class ProductScratch: @unchecked Sendable {
    /// Converted rows and their quantization parameters (int8).
    struct ConvertedRows {
        var codes: UnsafeMutableRawPointer?
        var parameters: UnsafeMutablePointer<RowQuantization.Parameters>?
        var bytes = 0, rows = 0

        mutating func reserve(rows padded: Int, bytesPerRow: Int) {
            ProductScratch.grow(&codes, &bytes, to: padded * bytesPerRow)
            if padded > rows {
                parameters?.deallocate()
                rows = max(padded, rows * 3 / 2)
                parameters = .allocate(capacity: rows)
            }
        }

        func deallocate() {
            codes?.deallocate()
            parameters?.deallocate()
        }
    }

    private var converted = ConvertedRows(), handedOver = ConvertedRows()
    var input: UnsafeMutableRawPointer? { converted.codes }
    var parameters: UnsafeMutablePointer<RowQuantization.Parameters>? { converted.parameters }
    var handoff: UnsafeMutableRawPointer? { handedOver.codes }
    var handoffParameters: UnsafeMutablePointer<RowQuantization.Parameters>? { handedOver.parameters }
    private(set) var product: UnsafeMutableRawPointer?
    /// One finished row per part, where a handing-over product finishes a row before converting it.
    private(set) var finishedRows: UnsafeMutablePointer<Float>?
    private var productBytes = 0, finishedRowBytes = 0
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
        converted.deallocate()
        handedOver.deallocate()
        product?.deallocate()
        finishedRows?.deallocate()
        for stream in streams { dnnl_stream_destroy(stream) }
    }

    /// Room for `rows` rows of `inputBytesPerRow` and `productBytesPerRow`, and `parts` streams.
    /// Called before a region starts, never inside one.
    func reserve(rows: Int, inputBytesPerRow: Int, productBytesPerRow: Int, parts: Int) {
        let padded = DenseProduct.paddedRows(rows)
        converted.reserve(rows: padded, bytesPerRow: inputBytesPerRow)
        Self.grow(&product, &productBytes, to: padded * productBytesPerRow)
        reserveStreams(parts)
    }

    /// Room to hand `rows` rows of `bytesPerRow` over to the next product, and a finished row of
    /// `width` floats for each of `parts` parts. Called before a region starts, never inside one.
    func reserveHandoff(rows: Int, bytesPerRow: Int, width: Int, parts: Int) {
        handedOver.reserve(rows: DenseProduct.paddedRows(rows), bytesPerRow: bytesPerRow)
        var raw = finishedRows.map(UnsafeMutableRawPointer.init)
        Self.grow(&raw, &finishedRowBytes, to: parts * width * 4)
        finishedRows = raw?.assumingMemoryBound(to: Float.self)
    }

    /// Makes the rows the last product handed over this product's converted input.
    func takeHandoff() {
        swap(&converted, &handedOver)
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
