/// The number format of a model's dense products, chosen when the model loads.
///
/// LayerNorm, softmax, the attention products, the classifier and the CRF are fp32 in every
/// precision; only the four dense layers of each encoder layer (Q|K|V, attention output,
/// intermediate, output) change.
public enum Precision: String, Sendable, Equatable, CaseIterable, Codable, CustomStringConvertible {
    /// OpenBLAS `cblas_sgemm`: exact against PyTorch (the reference, and the library's default).
    case fp32
    /// oneDNN bfloat16 products with fp32 accumulation (needs AVX-512; fast with AVX-512 BF16).
    case bf16
    /// oneDNN u8 × s8 → s32 products: weights symmetric per output channel, activations asymmetric
    /// per token, quantized on the fly (fast with AVX-512 VNNI; AVX2 machines run 7-bit activations).
    case int8

    public var description: String { rawValue }
}
